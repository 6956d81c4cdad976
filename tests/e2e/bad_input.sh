#!/bin/sh
# Bad input through the real binary (issue 2): a missing export folder and
# malformed CSV files give a one-line message naming the file and line, exit
# status 2, and leave the database exactly as it was (same .dump).
set -u
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
cat > "$T/in/dept.csv" <<'CSV'
dept_code,name_zh,name_en,category
0101,心血管内科,Cardiology,clinical
CSV
cat > "$T/in/outpatient.csv" <<'CSV'
visit_id,visit_time,dept_code,doctor_code,patient_key,visit_type,total_fee,drug_fee,material_fee,exam_fee,wait_minutes
V1,2026-10-01 08:00:00,0101,D1,P1,O,100.00,30.00,10.00,20.00,15
V2,2026-10-02 09:00:00,0101,D1,P2,E,200.00,50.00,0.00,40.00,
CSV
"$HR" ingest -q --in "$T/in" --period 2026-10 --db "$T/x.db" || bad "clean load"
before=$(sqlite3 "$T/x.db" .dump | sha256sum)

expect_rejected() { # description, expected text in the message
    "$HR" ingest -q --in "$T/in" --period 2026-10 --db "$T/x.db" 2>"$T/err"
    rc=$?
    [ "$rc" -eq 2 ] && ok || bad "$1: exit $rc, wanted 2"
    grep -q -- "$2" "$T/err" && ok || { bad "$1: no '$2' in:"; cat "$T/err"; }
    [ "$(grep -vc warning "$T/err")" -eq 1 ] && ok || { bad "$1: not one line:"; cat "$T/err"; }
    [ "$(sqlite3 "$T/x.db" .dump | sha256sum)" = "$before" ] && ok || bad "$1: database changed"
}

"$HR" ingest -q --in "$T/missing" --period 2026-10 --db "$T/x.db" 2>"$T/err"
[ $? -eq 2 ] && ok || bad "missing folder: exit status"
grep -q "$T/missing" "$T/err" && ok || bad "missing folder: not named"

cp "$T/in/outpatient.csv" "$T/good.csv"
printf 'V3,2026-10-03 10:00:00,0101,D2,P3,O,"80.00,20.00,0.00,10.00,5\n' >> "$T/in/outpatient.csv"
expect_rejected "unterminated quote" "outpatient.csv:4: unterminated"

cp "$T/good.csv" "$T/in/outpatient.csv"
printf 'V3,2026-10-03 10:00:00,0101,D2,P3,O,80.00,20.00,0.00\n' >> "$T/in/outpatient.csv"
expect_rejected "short row" "outpatient.csv:4: expected 11 fields, found 9"

cp "$T/good.csv" "$T/in/outpatient.csv"
sed -i 's/^visit_id,visit_time,/visit_id,/' "$T/in/outpatient.csv"
expect_rejected "missing column" "visit_time"

: > "$T/in/outpatient.csv"
expect_rejected "empty file" "outpatient.csv"

summary
