#!/bin/sh
# Benchmark: a full `hospreport run` of one scale-1.0 month (~500,000 visits)
# with 24 months of history already loaded, all departments, all languages.
# Target: under 15 s on the 2-core machine. The history is loaded as a
# hospital's would have been: each past month ingested, validated,
# reconciled and computed in its own time (not timed). Baseline, in the same run: the
# sqlite3 shell merely importing the same month's CSV files (no checks, no
# indicators, no PDFs). Both are timed as wall clock and as CPU time (user +
# sys of the processes, from the shell's `times`): on a shared machine the
# CPU time is the steadier figure.
set -eu
BUILD=${BUILD:-build}
HR=$BUILD/hospreport
B=$BUILD/bench/run
END=2026-10
mkdir -p "$B"
# CPU=seconds (user + sys) of the children this shell has waited for so far
# (`times` must run in this shell, not in a $(...) subshell).
cpu() {
    times >"$B/.times"
    CPU=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%.2f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$B/.times")
}
stamp="$B/exports/.scale-1.0-25-$END"
if [ ! -f "$stamp" ]; then
    rm -rf "$B/exports"
    echo "bench-run: generating 25 months at scale 1.0 (once; kept in $B/exports)"
    "$BUILD/hospgen" --out "$B/exports" --end "$END" --months 25 --scale 1.0 --seed 7 --quiet
    touch "$stamp"
fi
db=$B/run.db
rm -f "$db" "$db-wal" "$db-shm"
t0=$(date +%s.%N)
for m in $(ls "$B/exports" | grep -E '^[0-9]{4}-[0-9]{2}$' | grep -v "^$END$"); do
    "$HR" ingest -q --in "$B/exports/$m" --period "$m" --db "$db"
    "$HR" validate -q --period "$m" --db "$db" >/dev/null
    "$HR" reconcile -q --period "$m" --db "$db" >/dev/null
    "$HR" compute -q --period "$m" --db "$db"
done
t1=$(date +%s.%N)
echo "bench-run: history of 24 months loaded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"

rm -rf "$B/reports"
cpu; c0=$CPU
t0=$(date +%s.%N)
"$HR" run --in "$B/exports/$END" --period "$END" --db "$db" --out "$B/reports" 2>&1 |
    grep -E "ingest:|validate:|reconcile:|computed in" | sed "s/^hospreport: /bench-run:   /"
t1=$(date +%s.%N)
cpu; c1=$CPU
run_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
run_cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
npdf=$(ls "$B/reports"/*.pdf | wc -l)

base_db=$B/baseline.db
rm -f "$base_db"
cpu; c0=$CPU
t0=$(date +%s.%N)
for f in "$B/exports/$END"/*.csv; do
    t=$(basename "$f" .csv)
    sqlite3 "$base_db" ".import --csv $f $t"
done
t1=$(date +%s.%N)
cpu; c1=$CPU
base_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
base_cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
rows=$(cat "$B/exports/$END"/*.csv | wc -l)
echo "bench-run: run $END (scale 1.0, $rows rows, $npdf PDFs, all departments and languages): ${run_s} s (target < 15 s); CPU ${run_cpu} s"
echo "bench-run: baseline, sqlite3 shell .import of the same files only: ${base_s} s; CPU ${base_cpu} s"
awk -v r="$run_s" 'BEGIN { exit !(r < 15) }' || { echo "bench-run: ABOVE TARGET"; exit 1; }
