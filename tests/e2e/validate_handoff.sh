#!/bin/sh
# validate_handoff.sh -- validate's judgement made while ingest loads the
# rows (stages/validate/validate_handoff.c) is the judgement validate makes
# reading them back: on two months of hospgen --faults data, the database
# validate leaves (quarantine with reason, file, line and field, row and
# data warnings, the validation summary, the roll-up and volumes, every
# table's rows) and the quarantine CSVs are byte for byte those of the same
# loads validated with hand-offs ignored (HOSPREPORT_VALIDATE_SCAN=1, the
# way before). Then what must make validate read the rows after all:
#   - the month validated a second time (the hand-off was used up);
#   - the department dictionary loaded again with a department fewer after
#     outpatient.csv (the dictionary is not the one ingest judged with):
#     the visits of that department are quarantined as they are when read;
#   - a rules file that differs from the one ingest judged with.
set -eu
. "$(dirname "$0")/lib.sh"
SCALE=${SCALE:-0.1}

"$GEN" --out "$T/ex" --end 2026-10 --months 2 --scale "$SCALE" --seed 5 --faults --quiet ||
    die "hospgen failed"

# load DB [ENV...]: both months ingested, then validated (its -v log in DB.log)
load() {
    db=$1
    shift
    for m in 2026-09 2026-10; do
        "$HR" ingest -q --in "$T/ex/$m" --period "$m" --db "$T/$db.db" 2>>"$T/$db.ingest"
        env "$@" "$HR" validate -v --period "$m" --db "$T/$db.db" --out "$T/q-$db" \
            >/dev/null 2>>"$T/$db.log" || true
    done
}

# what validate leaves, in a fixed order (not its timestamps)
dump() {
    sqlite3 "$T/$1.db" "
      SELECT period, source, file_id, path, line_no, raw, field, rule, message, stage,
             message_zh FROM quarantine ORDER BY 1, 2, 3, 5, 8, 9;
      SELECT * FROM row_warning ORDER BY 1, 2, 3, 4, 5, 6;
      SELECT * FROM data_warning ORDER BY 1, 2, 3, 4, 5, 6;
      SELECT * FROM validation_summary ORDER BY 1, 2, 3;
      SELECT period, validation_state FROM period_state ORDER BY 1;
      SELECT * FROM outpatient_rollup ORDER BY 1, 2, 3;
      SELECT source, period, file_id FROM rollup_state ORDER BY 1, 2;
      SELECT * FROM validate_volume ORDER BY 1, 2;" >"$T/$1.txt"
    for t in dept outpatient inpatient mr_front surgery census revenue cost staff alloc_driver \
             equipment equipment_usage complaints drg drg_benchmark antibiotic; do
        sqlite3 "$T/$1.db" "SELECT '$t', count(*), total(rowid), total(line_no) FROM $t" >>"$T/$1.txt"
    done
}

load handoff
load scan HOSPREPORT_VALIDATE_SCAN=1
dump handoff
dump scan
n=$(grep -c "judged while ingest loaded it" "$T/handoff.log" || true)
[ "$n" -ge 30 ] && ok || bad "validate took $n hand-offs of 2 x 16 files (see $T/handoff.log)"
lacks "no hand-off with the scan baseline" "$T/scan.log" "judged while ingest loaded it"
q=$(sqlite3 "$T/handoff.db" "SELECT count(*) FROM quarantine WHERE stage = 'validate'")
[ "$q" -gt 10 ] && ok || bad "the faults put only $q rows in validate's quarantine"
cmp -s "$T/handoff.txt" "$T/scan.txt" && ok ||
    bad "validate from the hand-off left another database than reading the rows: diff $T/handoff.txt $T/scan.txt"
for m in 2026-09 2026-10; do
    cmp -s "$T/q-handoff/quarantine-$m.csv" "$T/q-scan/quarantine-$m.csv" && ok ||
        bad "quarantine-$m.csv differs"
done
check "hand-offs used up" 0 sqlite3 "$T/handoff.db" "SELECT count(*) FROM validate_handoff"
has "none left" "$T/out" "^0$"

# a second validation reads the rows (and finds nothing new)
check "validate again" 0 "$HR" validate -v --period 2026-10 --db "$T/handoff.db"
has "rows read the second time" "$T/err" "outpatient: rows read"
check "nothing new quarantined" 0 sqlite3 "$T/handoff.db" \
    "SELECT count(*) FROM quarantine WHERE stage = 'validate' AND period = '2026-10'"
q10=$(sqlite3 "$T/scan.db" "SELECT count(*) FROM quarantine WHERE stage = 'validate' AND period = '2026-10'")
has "the same count" "$T/out" "^$q10\$"

# the dictionary changes after outpatient.csv was judged
mkdir -p "$T/dept2"
gone=$(sed -n 2p "$T/ex/2026-10/dept.csv" | cut -d, -f1)
sed 2d "$T/ex/2026-10/dept.csv" >"$T/dept2/dept.csv"
for db in d-handoff d-scan; do
    "$HR" ingest -q --in "$T/ex/2026-10" --period 2026-10 --db "$T/$db.db"
    "$HR" ingest -q --in "$T/dept2" --period 2026-10 --db "$T/$db.db"
done
"$HR" validate -v --period 2026-10 --db "$T/d-handoff.db" --out "$T/q-d-handoff" >/dev/null \
    2>"$T/d-handoff.log" || true
HOSPREPORT_VALIDATE_SCAN=1 "$HR" validate -q --period 2026-10 --db "$T/d-scan.db" \
    --out "$T/q-d-scan" >/dev/null 2>&1 || true
has "outpatient read again after the dictionary changed" "$T/d-handoff.log" "outpatient: rows read"
dump d-handoff
dump d-scan
cmp -s "$T/d-handoff.txt" "$T/d-scan.txt" && ok || bad "after the dictionary changed: diff $T/d-handoff.txt $T/d-scan.txt"
n=$(sqlite3 "$T/d-handoff.db" "SELECT count(*) FROM quarantine WHERE source = 'outpatient' AND rule = 'reference' AND message LIKE '%$gone%'")
[ "$n" -gt 0 ] && ok || bad "no visit of the department taken out ($gone) was quarantined"

# another rules file at validate than at ingest (a data folder of its own
# whose rules warn above 30 minutes' wait instead of 1440)
mkdir -p "$T/data"
for f in "$ROOT"/*; do [ "${f##*/}" = config ] || ln -s "$f" "$T/data/"; done
mkdir -p "$T/data/config/rules"
for f in "$ROOT"/config/*; do [ "${f##*/}" = rules ] || ln -s "$f" "$T/data/config/"; done
sed 's|max="1440" severity="warning"|max="30" severity="warning"|' config/rules/validation.xml \
    >"$T/data/config/rules/validation.xml"
cmp -s config/rules/validation.xml "$T/data/config/rules/validation.xml" &&
    die "the rules were not changed"
for db in r-handoff r-scan; do
    "$HR" ingest -q --in "$T/ex/2026-10" --period 2026-10 --db "$T/$db.db"
done
HOSPREPORT_DATADIR="$T/data" "$HR" validate -v --period 2026-10 --db "$T/r-handoff.db" \
    --out "$T/q-r-handoff" >/dev/null 2>"$T/r-handoff.log" || true
HOSPREPORT_DATADIR="$T/data" HOSPREPORT_VALIDATE_SCAN=1 "$HR" validate -q --period 2026-10 \
    --db "$T/r-scan.db" --out "$T/q-r-scan" >/dev/null 2>&1 || true
has "outpatient read again under other rules" "$T/r-handoff.log" "outpatient: rows read"
dump r-handoff
dump r-scan
cmp -s "$T/r-handoff.txt" "$T/r-scan.txt" && ok || bad "under other rules: diff $T/r-handoff.txt $T/r-scan.txt"
w=$(sqlite3 "$T/r-handoff.db" "SELECT count(*) FROM row_warning WHERE source = 'outpatient'")
w0=$(sqlite3 "$T/scan.db" "SELECT count(*) FROM row_warning WHERE source = 'outpatient' AND period = '2026-10'")
[ "$w" -gt "$w0" ] && ok || bad "the 30-minute rule warned of $w visits, the 1440-minute one of $w0"
summary
