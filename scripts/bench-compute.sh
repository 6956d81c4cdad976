#!/bin/sh
# bench-compute.sh -- the compute benchmark (issue 5): every indicator for
# every scope over 25 months of scale-1.0 generator data, target < 2 s.
# Needs build/hospgen and build/hospreport. Generates 25 months ending
# 2026-10, ingests and validates them (not timed), then times `hospreport
# compute --period 2026-10` three times on the same database:
#   1. first run, the target: nothing computed yet. Each of the 25 months
#      is reduced to per-department base measures from the canonical tables
#      (outpatient through the roll-up validate wrote, the other tables row
#      by row; on reader threads, one per core), the cost
#      allocation and equipment tables are built, then every indicator of
#      every scope, period and comparison is materialised;
#   2. again from the stored base measures (what a monthly run does for
#      its history): every period result forgotten and recomputed;
#   3. baseline: the first run again with the outpatient roll-ups dropped,
#      so that compute rolls each month up from its visits first, into its
#      own connection's shadow (what months loaded but not validated cost).
# Prints the row counts it worked on (with the v2 sources of issue 18: drg,
# drg_benchmark, antibiotic, the appointment and surgery flags), and checks
# that the cost allocation
# conserved cost to the cent in every month.
# Env: BUILD (default build), BENCH_DIR (default $BUILD/bench-compute).
set -eu
BUILD=${BUILD:-build}
DIR=${BENCH_DIR:-$BUILD/bench-compute}
DB=$DIR/bench.db
for b in "$BUILD/hospgen" "$BUILD/hospreport"; do
    [ -x "$b" ] || { echo "bench-compute: $b not built" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "bench-compute: needs the sqlite3 shell" >&2; exit 1; }
rm -rf "$DIR"
mkdir -p "$DIR"
"$BUILD/hospgen" --out "$DIR/exports" --end 2026-10 --months 25 --scale 1.0 --quiet
for m in $(ls "$DIR/exports" | grep -E '^[0-9]{4}-[0-9]{2}$'); do
    "$BUILD/hospreport" ingest --in "$DIR/exports/$m" --period "$m" --db "$DB" 2>/dev/null
    "$BUILD/hospreport" validate -q --period "$m" --db "$DB" >/dev/null || true
done
rows=$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM outpatient) || ' outpatient (' ||
    (SELECT count(*) FROM outpatient_rollup) || ' roll-up rows), ' ||
    (SELECT count(*) FROM inpatient) || ' inpatient, ' || (SELECT count(*) FROM mr_front) ||
    ' mr_front, ' || (SELECT count(*) FROM surgery) || ' surgery, ' ||
    (SELECT count(*) FROM census) || ' census, ' || (SELECT count(*) FROM equipment_usage) ||
    ' equipment_usage, ' || ((SELECT count(*) FROM revenue) + (SELECT count(*) FROM cost) +
    (SELECT count(*) FROM alloc_driver)) || ' revenue, cost and driver rows; v2: ' ||
    (SELECT count(*) FROM drg) || ' drg, ' || (SELECT count(*) FROM drg_benchmark) ||
    ' drg_benchmark, ' || (SELECT count(*) FROM antibiotic) || ' antibiotic, ' ||
    (SELECT count(*) FROM outpatient WHERE appointment IS NOT NULL) || ' visits with appointment, ' ||
    (SELECT count(*) FROM surgery WHERE minimally_invasive IS NOT NULL) ||
    ' surgeries with the minimally invasive flag'")
now() { date +%s.%N; }
timed() { # prints the seconds `hospreport compute` took
    t0=$(now)
    "$BUILD/hospreport" compute --period 2026-10 --db "$DB"
    t1=$(now)
    echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}'
}
forget_all="DELETE FROM computed_period; DELETE FROM ind_measure_state; DELETE FROM ind_measure;
    DELETE FROM ind_distinct; DELETE FROM ind_drg_month;"
first=$(timed)
out=$(sqlite3 "$DB" "SELECT count(*) || ' indicator values, ' ||
    count(DISTINCT period) || ' periods, ' || count(DISTINCT scope) || ' scopes, ' ||
    (SELECT count(*) FROM drg_group) || ' DRG group rows'
    FROM indicator_value")
base=$(sqlite3 "$DB" "SELECT count(*) FROM ind_measure")
sqlite3 "$DB" "DELETE FROM computed_period"
warm=$(timed)
sqlite3 "$DB" "$forget_all DELETE FROM outpatient_rollup; DELETE FROM rollup_state;"
slow=$(timed)
echo "compute: input $rows; 25 months"
echo "compute: first run, nothing computed yet -> $base base measures, $out: $first s (target < 2 s)"
echo "compute: again, from the stored base measures: $warm s"
echo "compute: baseline, the first run rolling the visits up itself (roll-ups dropped): $slow s"
awk -v s="$first" 'BEGIN { exit !(s < 2.0) }' && echo "compute: PASS" || echo "compute: SLOWER than the 2 s target"
# conservation: Σ clinical full cost + Σ unallocated = Σ direct cost, per month
bad=$(sqlite3 "$DB" "
  WITH d AS (SELECT c.period AS month, sum(c.amount_cents) AS direct FROM cost c GROUP BY c.period),
  cl AS (SELECT c.period AS month, sum(c.amount_cents) AS v FROM cost c JOIN dept k
         ON k.period = c.period AND k.dept_code = c.dept_code AND k.category = 'clinical'
         GROUP BY c.period),
  al AS (SELECT a.month, sum(a.amount_cents) AS v FROM cost_allocation a JOIN dept k
         ON k.period = a.month AND k.dept_code = a.to_dept AND k.category = 'clinical'
         GROUP BY a.month),
  un AS (SELECT month, sum(amount_cents) AS v FROM cost_unallocated GROUP BY month)
  SELECT count(*) FROM d LEFT JOIN cl USING (month) LEFT JOIN al USING (month)
   LEFT JOIN un USING (month)
  WHERE d.month IN (SELECT DISTINCT month FROM cost_allocation)
    AND coalesce(cl.v, 0) + coalesce(al.v, 0) + coalesce(un.v, 0) != d.direct")
months=$(sqlite3 "$DB" "SELECT count(DISTINCT month) FROM cost_allocation")
echo "cost allocation: conservation to the cent in $((months - bad)) of $months months"
[ "$bad" -eq 0 ]
