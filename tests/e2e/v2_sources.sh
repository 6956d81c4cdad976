#!/bin/sh
# End-to-end: the v2 sources (EXPORTS.md "v2 additions") are optional.
# One generated month is loaded twice: as written (with drg.csv,
# drg_benchmark.csv, antibiotic.csv and the columns appointment,
# minimally_invasive, day_surgery) and as a hospital without them would
# export it (those files removed, those columns cut). The second loads and
# validates as before: every v1 column of every table identical to the
# first, the new columns NULL, the new tables empty, no warning about them.
# Run from the repository root; BUILD names the build folder.
set -eu
. "$(dirname "$0")/lib.sh"
export HOSPREPORT_DATADIR=${HOSPREPORT_DATADIR:-$(pwd)}
M=2026-03

"$GEN" --out "$T/full" --end "$M" --months 1 --scale 0.02 --seed 5 --quiet
mkdir -p "$T/v1/$M"
cp "$T/full/$M"/*.csv "$T/v1/$M/"
rm "$T/v1/$M/drg.csv" "$T/v1/$M/drg_benchmark.csv" "$T/v1/$M/antibiotic.csv"
# appointment is outpatient's 12th column, the surgery flags its 6th and 7th
cut -d, -f1-11 "$T/full/$M/outpatient.csv" > "$T/v1/$M/outpatient.csv"
cut -d, -f1-5 "$T/full/$M/surgery.csv" > "$T/v1/$M/surgery.csv"
[ "$(head -1 "$T/v1/$M/outpatient.csv")" = \
  "visit_id,visit_time,dept_code,doctor_code,patient_key,visit_type,total_fee,drug_fee,material_fee,exam_fee,wait_minutes" ] ||
    die "outpatient.csv not cut as expected"

for v in full v1; do
    "$HR" ingest -q --in "$T/$v/$M" --period "$M" --db "$T/$v.db" || die "$v: ingest failed"
    "$HR" validate -q --period "$M" --db "$T/$v.db" --out "$T/$v.out" > /dev/null ||
        die "$v: validate failed"
done

# every v1 column (those of 001_core and 003_rollup) of every v1 table
dump() { # DB OUT
    : > "$2"
    for t in dept outpatient inpatient mr_front surgery census revenue cost staff alloc_driver \
             equipment equipment_usage complaints outpatient_rollup; do
        cols=$(sqlite3 "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('$t')
            WHERE name NOT IN ('file_id', 'appointment', 'minimally_invasive', 'day_surgery',
                               'appointment_y', 'appointment_n')")
        echo "== $t" >> "$2"
        sqlite3 -csv "$1" "SELECT $cols FROM $t ORDER BY rowid" >> "$2"
    done
}
dump "$T/full.db" "$T/full.txt"
dump "$T/v1.db" "$T/v1.txt"
rows=$(grep -vc '^==' "$T/v1.txt")
[ "$rows" -gt 1000 ] && ok || bad "only $rows rows loaded"
if cmp -s "$T/full.txt" "$T/v1.txt"; then ok; else
    diff "$T/full.txt" "$T/v1.txt" | head -10
    bad "the folder without the v2 sources loads other v1 values"
fi

q() { sqlite3 "$T/v1.db" "$1"; }
[ "$(q "SELECT count(*) FROM outpatient WHERE appointment IS NOT NULL")" = 0 ] && ok || bad "appointment not NULL"
[ "$(q "SELECT count(*) FROM surgery WHERE minimally_invasive IS NOT NULL OR day_surgery IS NOT NULL")" = 0 ] && ok ||
    bad "surgery flags not NULL"
[ "$(q "SELECT sum(appointment_y) + sum(appointment_n) FROM outpatient_rollup")" = 0 ] && ok ||
    bad "appointment counts in the roll-up of a file without the column"
[ "$(q "SELECT (SELECT count(*) FROM drg) + (SELECT count(*) FROM drg_benchmark) + (SELECT count(*) FROM antibiotic)")" = 0 ] && ok ||
    bad "v2 tables not empty"
[ "$(q "SELECT count(*) FROM quarantine")" = 0 ] && ok || bad "rows quarantined"
w=$(q "SELECT group_concat(kind) FROM data_warning WHERE source IN ('drg', 'drg_benchmark', 'antibiotic')
       OR kind = 'no_reference'")
[ -z "$w" ] && ok || bad "warnings about absent sources: $w"
[ "$(q "SELECT count(*) FROM data_warning")" = "$(sqlite3 "$T/full.db" "SELECT count(*) FROM data_warning")" ] && ok ||
    bad "other data warnings than with the v2 sources"

# the full folder: the new fields and files are there
f() { sqlite3 "$T/full.db" "$1"; }
[ "$(f "SELECT count(*) > 0 FROM drg")" = 1 ] && ok || bad "full: no drg rows"
[ "$(f "SELECT count(*) FROM outpatient WHERE appointment IS NULL")" = 0 ] && ok || bad "full: appointment missing"
an=$(f "SELECT sum(appointment_n) FROM outpatient_rollup")
[ "$an" = "$(f "SELECT count(*) FROM outpatient")" ] && ok || bad "full: appointment_n $an"
echo "v2_sources: a folder without the v2 sources loads and validates as before ($rows rows); with them, $(f "SELECT count(*) FROM drg") grouped stays"
summary
