#!/bin/sh
# End-to-end: the sample generator's standard and chinese-his exports of
# the same seed (UTF-8 with English headers vs GB18030 with Chinese headers,
# slashed dates, YYYYMM months, money with thousands separators, Chinese
# values) must give identical typed tables after `hospreport ingest`.
# Compares sqlite3 dumps of every data table (and the outpatient roll-up
# ingest writes), file_id left out.
# Run from the repository root; BUILD names the build folder.
set -eu
BUILD=${BUILD:-build}
export HOSPREPORT_DATADIR=${HOSPREPORT_DATADIR:-$(pwd)}
HR=$BUILD/hospreport
T=$BUILD/e2e/ingest_profiles
rm -rf "$T"
mkdir -p "$T"
END=2026-01

"$BUILD/hospgen" --out "$T/std" --end "$END" --months 1 --scale 0.02 --seed 11 --quiet
"$BUILD/hospgen" --out "$T/zh" --end "$END" --months 1 --scale 0.02 --seed 11 --quiet \
    --profile chinese-his

"$HR" ingest -q --in "$T/std/$END" --period "$END" --db "$T/std.db"
"$HR" ingest -q --in "$T/zh/$END" --period "$END" --db "$T/zh.db" \
    --profile config/profiles/chinese-his.xml

tables="dept outpatient inpatient mr_front surgery census revenue cost staff alloc_driver
        equipment equipment_usage complaints budget outpatient_rollup rollup_state"
dump() { # DB OUT
    : > "$2"
    for t in $tables; do
        cols=$(sqlite3 "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('$t') WHERE name <> 'file_id'")
        echo "== $t" >> "$2"
        sqlite3 -csv "$1" "SELECT $cols FROM $t ORDER BY rowid" >> "$2"
    done
}
dump "$T/std.db" "$T/std.txt"
dump "$T/zh.db" "$T/zh.txt"

rows=$(grep -vc '^==' "$T/std.txt")
[ "$rows" -gt 1000 ] || { echo "ingest_profiles: only $rows rows loaded" >&2; exit 1; }
for db in std zh; do
    q=$(sqlite3 "$T/$db.db" "SELECT count(*) FROM quarantine")
    [ "$q" -eq 0 ] || { echo "ingest_profiles: $db: $q rows quarantined" >&2; exit 1; }
done
if ! cmp -s "$T/std.txt" "$T/zh.txt"; then
    echo "ingest_profiles: the two profiles give different tables:" >&2
    diff "$T/std.txt" "$T/zh.txt" | head -20 >&2
    exit 1
fi
enc=$(sqlite3 "$T/zh.db" "SELECT group_concat(DISTINCT encoding) FROM source_file")
[ "$enc" = "GB18030" ] || { echo "ingest_profiles: chinese-his read as '$enc'" >&2; exit 1; }
echo "ingest_profiles: standard and chinese-his give identical tables ($rows rows)"
