#!/bin/sh
# End-to-end: the sample generator's standard and chinese-his exports of
# the same seed (UTF-8 with English headers vs GB18030 with Chinese headers,
# slashed dates, YYYYMM months, money with thousands separators, Chinese
# values) must give identical typed tables after `hospreport ingest`.
# Compares sqlite3 dumps of every data table, file_id left out. Then, with
# faults planted, what validate quarantines (below).
# Run from the repository root; BUILD names the build folder.
set -eu
. "$(dirname "$0")/lib.sh"
export HOSPREPORT_DATADIR=${HOSPREPORT_DATADIR:-$(pwd)}
END=2026-01

"$GEN" --out "$T/std" --end "$END" --months 1 --scale 0.02 --seed 11 --quiet
"$GEN" --out "$T/zh" --end "$END" --months 1 --scale 0.02 --seed 11 --quiet \
    --profile chinese-his

# drg_benchmark.csv's optional English group name (name_en / 英文名称),
# planted on its first group in both profiles, the others left empty
awk -F, 'NR == 1 { print $0 ",name_en"; next } NR == 2 { print $0 ",Planted English name"; next }
         { print $0 "," }' "$T/std/$END/drg_benchmark.csv" > "$T/bench" && mv "$T/bench" "$T/std/$END/drg_benchmark.csv"
iconv -f GB18030 -t UTF-8 "$T/zh/$END/drg_benchmark.csv" | tr -d '\r' |
    awk 'NR == 1 { printf "%s,英文名称\r\n", $0; next } NR == 2 { printf "%s,Planted English name\r\n", $0; next }
         { printf "%s,\r\n", $0 }' | iconv -f UTF-8 -t GB18030 > "$T/bench" && mv "$T/bench" "$T/zh/$END/drg_benchmark.csv"

"$HR" ingest -q --in "$T/std/$END" --period "$END" --db "$T/std.db"
"$HR" ingest -q --in "$T/zh/$END" --period "$END" --db "$T/zh.db" \
    --profile config/profiles/chinese-his.xml

tables="dept outpatient inpatient mr_front surgery census revenue cost staff alloc_driver
        equipment equipment_usage complaints budget drg drg_benchmark antibiotic
        outpatient_rollup rollup_state"
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
[ "$rows" -gt 1000 ] && ok || bad "only $rows rows loaded"
# the v2 sources and fields (EXPORTS.md "v2 additions") are among them
v2=$(sqlite3 "$T/zh.db" "SELECT (SELECT count(*) > 0 FROM drg) || (SELECT count(*) > 0 FROM drg_benchmark)
    || (SELECT count(*) > 0 FROM antibiotic) || (SELECT count(*) > 0 FROM cost WHERE category = 'energy')
    || (SELECT count(*) = 0 FROM outpatient WHERE appointment IS NULL)
    || (SELECT count(*) = 0 FROM surgery WHERE minimally_invasive IS NULL OR day_surgery IS NULL)
    || (SELECT count(*) > 0 FROM drg WHERE low_risk = 'Y')")
[ "$v2" = 1111111 ] && ok || bad "v2 sources or fields missing under chinese-his ($v2)"
for db in std zh; do
    n=$(sqlite3 "$T/$db.db" "SELECT group_concat(name_en) FROM drg_name_en")
    [ "$n" = "Planted English name" ] && ok || bad "$db: drg_benchmark name_en read as '$n'"
done
for db in std zh; do
    q=$(sqlite3 "$T/$db.db" "SELECT count(*) FROM quarantine")
    [ "$q" -eq 0 ] && ok || bad "$db: $q rows quarantined"
done
if cmp -s "$T/std.txt" "$T/zh.txt"; then ok; else
    bad "the two profiles give different tables:"
    diff "$T/std.txt" "$T/zh.txt" | head -20
fi
enc=$(sqlite3 "$T/zh.db" "SELECT group_concat(DISTINCT encoding) FROM source_file")
[ "$enc" = "GB18030" ] && ok || bad "chinese-his read as '$enc'"
echo "ingest_profiles: standard and chinese-his give identical tables ($rows rows)"

# The same exports with faults planted (same seed): validate quarantines the
# same rows with the same record in both profiles -- the row as ingest
# stored it, patient_key masked: validate never opens the export files
# again, whatever their encoding and headers -- and no patient key reaches
# the quarantine CSV (ingest's records of the file are masked too).
"$GEN" --out "$T/fstd" --end "$END" --months 1 --scale 0.02 --seed 11 --quiet --faults
"$GEN" --out "$T/fzh" --end "$END" --months 1 --scale 0.02 --seed 11 --quiet --faults \
    --profile chinese-his
"$HR" ingest -q --in "$T/fstd/$END" --period "$END" --db "$T/fstd.db" 2>/dev/null || true
"$HR" ingest -q --in "$T/fzh/$END" --period "$END" --db "$T/fzh.db" \
    --profile config/profiles/chinese-his.xml 2>/dev/null || true
for p in fstd fzh; do
    "$HR" validate -q --period "$END" --db "$T/$p.db" --out "$T/$p.out" >/dev/null 2>&1 || true
    sqlite3 -csv "$T/$p.db" "SELECT source, line_no, field, rule, message, raw FROM quarantine
        WHERE stage = 'validate' AND source IN ('outpatient', 'drg') ORDER BY source, line_no" > "$T/$p.q"
done
nq=$(wc -l < "$T/fstd.q")
[ "$nq" -ge 3 ] && ok || bad "only $nq outpatient rows quarantined by validate"
grep -q '^drg,.*,stay_id,reference,' "$T/fstd.q" && ok ||
    bad "the planted unknown DRG stay was not quarantined"
if cmp -s "$T/fstd.q" "$T/fzh.q"; then ok; else
    bad "validate quarantined other rows or records under chinese-his:"
    diff "$T/fstd.q" "$T/fzh.q" | head -10
fi
grep -q ',"\?\*\*\*"\?,' "$T/fzh.q" && ok || bad "patient_key not masked"
# every patient key of the outpatient export (5th field)
tail -n +2 "$T/fstd/$END/outpatient.csv" | cut -d, -f5 | sort -u > "$T/keys"
[ "$(wc -l < "$T/keys")" -gt 100 ] && ok || bad "no patient keys read"
for p in fstd fzh; do
    csv=$T/$p.out/quarantine-$END.csv
    [ "$(wc -l < "$csv")" -gt "$nq" ] && ok || bad "$csv too short"
    if grep -F -w -f "$T/keys" "$csv" >/dev/null; then
        bad "a patient key in $csv:"
        grep -F -w -f "$T/keys" "$csv" | head -3
    else ok; fi
done
echo "ingest_profiles: validate quarantines the same $nq outpatient and drg records under both profiles, patient_key masked; no patient key in the quarantine CSVs"
summary
