#!/bin/sh
# Hostile and odd input files through the real binary (issue 12, the input
# side). A refused file: exit status 2, one line naming the file and line,
# the database exactly as it was (same .dump). Files that must load: the
# rows they hold, with physical line numbers.
set -u
. "$(dirname "$0")/lib.sh"
export HOSPREPORT_DATADIR=${HOSPREPORT_DATADIR:-$(pwd)}

mkdir -p "$T/in"
cat > "$T/in/dept.csv" <<'CSV'
dept_code,name_zh,name_en,category
0101,心血管内科,Cardiology,clinical
CSV
HEAD=visit_id,visit_time,dept_code,doctor_code,patient_key,visit_type,total_fee,drug_fee,material_fee,exam_fee,wait_minutes
R1=V1,2026-10-01\ 08:00:00,0101,D1,P1,O,100.00,30.00,10.00,20.00,15
R2=V2,2026-10-02\ 09:00:00,0101,D1,P2,E,200.00,50.00,0.00,40.00,
printf '%s\n%s\n%s\n' "$HEAD" "$R1" "$R2" > "$T/good.csv"
cp "$T/good.csv" "$T/in/outpatient.csv"
"$HR" ingest -q --in "$T/in" --period 2026-10 --db "$T/x.db" || bad "clean load"
before=$(sqlite3 "$T/x.db" .dump | sha256sum)

expect_rejected() { # description, expected text in the message [, profile]
    if [ $# -ge 3 ]; then
        timeout 20 "$HR" ingest -q --in "$T/in" --period 2026-10 --db "$T/x.db" --profile "$3" 2>"$T/err"
    else
        timeout 20 "$HR" ingest -q --in "$T/in" --period 2026-10 --db "$T/x.db" 2>"$T/err"
    fi
    rc=$?
    [ "$rc" -eq 2 ] && ok || bad "$1: exit $rc, wanted 2"
    grep -q -- "$2" "$T/err" && ok || { bad "$1: no '$2' in:"; cat "$T/err"; }
    [ "$(grep -vc warning "$T/err")" -eq 1 ] && ok || { bad "$1: not one line:"; cat "$T/err"; }
    [ "$(sqlite3 "$T/x.db" .dump | sha256sum)" = "$before" ] && ok || bad "$1: database changed"
}
count() { sqlite3 "$1" "SELECT COUNT(*) FROM outpatient WHERE period = '2026-10'"; }

# CR-only line ends (Excel for Mac's "CSV (Macintosh)") load like LF ones;
# a row quarantined in such a file is named by its physical line.
mkdir -p "$T/cr"
printf '%s\r%s\r\r%s\r' "$HEAD" "$R1" "$(echo "$R2" | sed 's/200.00/2x0/')" > "$T/cr/outpatient.csv"
"$HR" ingest -q --in "$T/cr" --period 2026-10 --db "$T/cr.db" && ok || bad "CR-only file: refused"
[ "$(count "$T/cr.db")" = 1 ] && ok || bad "CR-only file: $(count "$T/cr.db") rows loaded, wanted 1"
[ "$(sqlite3 "$T/cr.db" "SELECT line_no || ' ' || field FROM quarantine")" = "4 total_fee" ] && ok ||
    bad "CR-only file: quarantine $(sqlite3 "$T/cr.db" "SELECT line_no, field FROM quarantine")"

# A NUL byte in a code, and in a number: refused, the field named.
{ printf '%s\n%s\n' "$HEAD" "$R1"; printf 'V2,2026-10-02 09:00:00,D0\0001,D1,P2,E,200.00,50.00,0.00,40.00,\n'; } > "$T/in/outpatient.csv"
expect_rejected "NUL in a code" "outpatient.csv:3: field 'dept_code': a NUL byte"
{ printf '%s\n%s\n' "$HEAD" "$R1"; printf 'V2,2026-10-02 09:00:00,0101,D1,P2,E,1\0001,50.00,0.00,40.00,\n'; } > "$T/in/outpatient.csv"
expect_rejected "NUL in a number" "outpatient.csv:3: field 'total_fee': a NUL byte"

# A duplicated column: refused, both named.
{ echo "$HEAD,total_fee"; echo "$R1,5.00"; } > "$T/in/outpatient.csv"
expect_rejected "duplicated column" "outpatient.csv:1: field 'total_fee': the header names 'total_fee' twice, columns 7 and 12"

# A field over the 1 MiB limit; then the limit from the profile.
{ echo "$HEAD"; echo "$R1"; printf 'V3,2026-10-02 09:00:00,0101,D1,"'; head -c 1100000 /dev/zero | tr '\0' x; printf '",E,1.00,0,0,0,\n'; } > "$T/in/outpatient.csv"
expect_rejected "a 1.1 MB field" "outpatient.csv:3: field 'patient_key': patient_key is longer than the limit of 1048576 bytes"
sed 's/<profile name="standard"/<profile name="small" max-field-bytes="19"/' config/profiles/standard.xml > "$T/small.xml"
{ echo "$HEAD"; echo "$R1" | sed 's/D1/D1234567890123456789/'; } > "$T/in/outpatient.csv"
expect_rejected "max-field-bytes" "outpatient.csv:2: field 'doctor_code': doctor_code is longer than the limit of 19 bytes" "$T/small.xml"

# Not regular files: a FIFO (which used to block ingest forever), a device.
rm -f "$T/in/outpatient.csv"
mkfifo "$T/in/outpatient.csv"
expect_rejected "a FIFO" "outpatient.csv: a FIFO (named pipe), not a regular file"
rm -f "$T/in/outpatient.csv"
ln -s /dev/zero "$T/in/outpatient.csv"
expect_rejected "a link to /dev/zero" "outpatient.csv: a character device, not a regular file"
rm -f "$T/in/outpatient.csv"

# A profile whose file name leaves --in, and a link out of it.
mkdir -p "$T/outside"
cp "$T/good.csv" "$T/outside/outpatient.csv"
sed 's|name="outpatient.csv"|name="../outside/outpatient.csv"|' config/profiles/standard.xml > "$T/escape.xml"
expect_rejected "profile name with .." "outside the export folder" "$T/escape.xml"
ln -s "$T/outside/outpatient.csv" "$T/in/outpatient.csv"
expect_rejected "a link out of --in" "outpatient.csv: resolves to $T/outside/outpatient.csv, outside the export folder"
rm -f "$T/in/outpatient.csv"

# Encodings: a UTF-16 file says so; bytes valid in neither encoding say that.
printf '\377\376v\000i\000s\000\n\000' > "$T/in/outpatient.csv"
expect_rejected "UTF-16" "outpatient.csv:1: the file is UTF-16LE (its byte order mark says so)"
printf '\000\000\376\377\000\000\000v' > "$T/in/outpatient.csv"
expect_rejected "UTF-32" "the file is UTF-32BE"
{ echo "$HEAD"; printf 'V1,2026-10-01 08:00:00,0101,D1,P1,O,100.00,30.00,10.00,20.00,15\n\377\377\n'; } > "$T/in/outpatient.csv"
expect_rejected "neither encoding" "outpatient.csv:3: bytes at line 3 are neither UTF-8 nor GB18030"
{ printf '%s\r' "$HEAD"; printf 'V1,2026-10-01 08:00:00,0101,D1,P1,O,100.00,30.00,10.00,20.00,15\r\377\377\r'; } > "$T/in/outpatient.csv"
expect_rejected "neither encoding, CR line ends" "outpatient.csv:3: bytes at line 3 are neither UTF-8 nor GB18030"
{ printf '%s\r\n' "$HEAD"; printf 'V1,2026-10-01 08:00:00,0101,D1,P1,O,100.00,30.00,10.00,20.00,15\r\n\r\n\377\377\r\n'; } > "$T/in/outpatient.csv"
expect_rejected "neither encoding, CRLF line ends" "outpatient.csv:4: bytes at line 4 are neither UTF-8 nor GB18030"

# A GB18030 file under the standard profile (which declares no encoding):
# loads, says so, and the manifest records the encoding.
mkdir -p "$T/gb"
printf 'dept_code,name_zh,name_en,category\n0101,心血管内科,Cardiology,clinical\n' | iconv -f UTF-8 -t GB18030 > "$T/gb/dept.csv"
"$HR" ingest --in "$T/gb" --period 2026-10 --db "$T/gb.db" 2>"$T/err" && ok || bad "GB18030 file refused"
grep -q "dept.csv: not UTF-8, read as GB18030" "$T/err" && ok || { bad "GB18030: not said"; cat "$T/err"; }
[ "$(sqlite3 "$T/gb.db" "SELECT encoding || ' ' || name_zh FROM source_file, dept")" = "GB18030 心血管内科" ] && ok ||
    bad "GB18030: not recorded"

# Money beyond 64 bits of cents is quarantined by ingest (it used to wrap to
# -2^63); sums that would pass 64 bits stop compute with the source and
# month; validate quarantines amounts beyond money-limit, after which the
# month computes.
mkdir -p "$T/money"
cp "$T/in/dept.csv" "$T/money/"
{ echo "$HEAD"
  echo "V1,2026-10-01 08:00:00,0101,D1,P1,O,50000000000000000.00,0,0,0,1"
  echo "V2,2026-10-01 08:00:00,0101,D1,P2,O,50000000000000000.00,0,0,0,1"
  echo "V3,2026-10-01 08:00:00,0101,D1,P3,O,92233720368547758.08,0,0,0,1"
  echo "V4,2026-10-01 08:00:00,0101,D1,P4,O,10.00,0,0,0,1"; } > "$T/money/outpatient.csv"
"$HR" ingest -q --in "$T/money" --period 2026-10 --db "$T/m.db" && ok || bad "money: ingest failed"
[ "$(sqlite3 "$T/m.db" "SELECT line_no || ' ' || message FROM quarantine")" = \
  "4 '92233720368547758.08' is too large (beyond 64 bits) for an amount of money (at most 2 decimals)" ] && ok ||
    bad "money: $(sqlite3 "$T/m.db" "SELECT line_no, message FROM quarantine")"
"$HR" compute -q --period 2026-10 --db "$T/m.db" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] && ok || bad "money: compute over unvalidated overflow: exit $rc"
grep -q "outpatient rows of 2026-10: a sum passes 64 bits" "$T/err" && ok || { bad "money: overflow not named"; cat "$T/err"; }
"$HR" validate -q --period 2026-10 --db "$T/m.db" >/dev/null 2>&1
[ "$(sqlite3 "$T/m.db" "SELECT group_concat(line_no || ' ' || rule, ',') FROM (SELECT * FROM quarantine ORDER BY line_no)")" = "2 range,3 range,4 type" ] && ok ||
    bad "money: validate did not quarantine the amounts beyond money-limit"
"$HR" compute -q --period 2026-10 --db "$T/m.db" && ok || bad "money: compute after validate failed"
[ "$(sqlite3 "$T/m.db" "SELECT total_fee_cents FROM outpatient_rollup")" = 1000 ] && ok || bad "money: roll-up"

# ... and the data-quality page of the folder (index.html: the files of the
# month, kept out of the PDFs) shows it.
"$GEN" --out "$T/g3" --end 2026-01 --months 1 --scale 0.01 --quiet
iconv -f UTF-8 -t GB18030 "$T/g3/2026-01/dept.csv" > "$T/dept.gb" && mv "$T/dept.gb" "$T/g3/2026-01/dept.csv"
{ "$HR" ingest -q --in "$T/g3/2026-01" --period 2026-01 --db "$T/g3.db" &&
  "$HR" validate -q --period 2026-01 --db "$T/g3.db" --out "$T/g3out" &&
  "$HR" reconcile -q --force --period 2026-01 --db "$T/g3.db" --out "$T/g3out" &&
  "$HR" render -q --report monthly --scope hospital --lang en --period 2026-01 --db "$T/g3.db" --out "$T/g3out"; } >/dev/null 2>&1 ||
    bad "GB18030 month: pipeline failed"
grep "<td>dept.csv</td>" "$T/g3out/index.html" | grep -q "<td>GB18030</td>" && ok ||
    bad "GB18030: not in the data-quality page's source files"
grep "<td>outpatient.csv</td>" "$T/g3out/index.html" | grep -q "<td>UTF-8</td>" && ok ||
    bad "UTF-8: not in the data-quality page's source files"
pdftotext "$T/g3out/monthly-2026-01-hospital.en.pdf" - | grep -q "dept.csv" && bad "a file name in the PDF" || ok

# System error messages in one language (English) whatever LANGUAGE says.
LANGUAGE=zh_CN "$HR" ingest -q --in "$T/nonexistent" --period 2026-10 --db "$T/x.db" 2>"$T/err"
grep -q "cannot open the export folder: No such file or directory" "$T/err" && ok ||
    { bad "strerror not in English under LANGUAGE=zh_CN:"; cat "$T/err"; }

summary
