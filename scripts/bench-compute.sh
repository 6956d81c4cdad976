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
#      own connection's shadow (what months loaded but not validated cost);
#   and a second baseline, the DRG month table and the drg_codes keys by
#      the SQL joins compute ran before (the sqlite3 shell, every month).
# Each figure is wall time with the CPU time (user + system) beside it:
# on a shared machine the CPU time says more. The first two runs also print
# their phases (compute -v): measure sets refreshed, cube loaded, periods
# evaluated and stored; the rest is the catalogue, fingerprints and advise.
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
# run CMD...: runs it; prints its wall seconds and its CPU seconds (user +
# system of the command and its threads, from `times` in a shell that ran
# only it)
run() {
    t0=$(now)
    c=$(sh -c '"$@" >/dev/null || exit 1; times' run "$@" | awk 'END {
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        printf "%.2f", t }')
    t1=$(now)
    echo "$t1 $t0 $c" | awk '{printf "%.2f s (CPU %.2f s)", $1 - $2, $3}'
}
timed() { # `hospreport compute`, wall and CPU; its phases (the -v lines)
          # go to $DIR/phases.log
    run "$BUILD/hospreport" compute -v --period 2026-10 --db "$DB" 2>"$DIR/phases.log"
}
phases() { # where the time of the last run went
    sed -n 's/^hospreport: compute: \([0-9]* measure sets\).* recomputed in \([0-9.]*\) s.*loaded in \([0-9.]*\) s; \([0-9]* of [0-9]*\) periods computed in \([0-9.]*\) s/\1 refreshed \2 s, cube loaded \3 s, \4 periods evaluated and stored \5 s/p' "$DIR/phases.log"
}
forget_all="DELETE FROM computed_period; DELETE FROM ind_measure_state; DELETE FROM ind_measure;
    DELETE FROM ind_distinct; DELETE FROM ind_drg_month;"
first=$(timed)
first_phases=$(phases)
out=$(sqlite3 "$DB" "SELECT count(*) || ' indicator values, ' ||
    count(DISTINCT period) || ' periods, ' || count(DISTINCT scope) || ' scopes, ' ||
    (SELECT count(*) FROM drg_group) || ' DRG group rows'
    FROM indicator_value")
base=$(sqlite3 "$DB" "SELECT count(*) FROM ind_measure")
sqlite3 "$DB" "DELETE FROM computed_period"
warm=$(timed)
warm_phases=$(phases)
# Baseline 2, the DRG sets as compute ran them before (issue 18): the month
# table by an SQL join with an index search per stay, and drg_codes by the
# same join again, each month, in the sqlite3 shell (compute now does the
# first by a hash join in C, stages/compute/drgmonth.c, on the reader
# threads, and reads the second from its rows).
drg_join="(SELECT count(*) FROM (SELECT dept_code, drg_code, max(drg_name), count(*), sum(weight),
  sum(los), count(b_los), coalesce(sum(b_los), 0), coalesce(sum(los / b_los), 0), sum(fee),
  coalesce(sum(b_cost), 0), coalesce(sum(CAST(fee AS REAL) / b_cost), 0), count(payment),
  coalesce(sum(payment), 0), coalesce(sum(fee) FILTER (WHERE payment IS NOT NULL), 0),
  count(*) FILTER (WHERE died), count(*) FILTER (WHERE low_risk = 'Y'),
  count(*) FILTER (WHERE low_risk = 'Y' AND died)
 FROM (SELECT i.dept_code, d.drg_code, d.drg_name, d.weight, d.payment_cents AS payment,
   d.low_risk, i.total_fee_cents AS fee, i.outcome = 'died' AS died,
   max(CAST(julianday(i.discharge_date) - julianday(i.admit_date) AS INTEGER), 1) AS los,
   b.avg_los AS b_los, b.avg_cost_cents AS b_cost
  FROM inpatient i JOIN drg d ON d.period = i.period AND d.stay_id = i.stay_id
  LEFT JOIN drg_benchmark b ON b.drg_code = d.drg_code AND b.period =
   (SELECT max(period) FROM drg_benchmark WHERE period <= m.p)
  WHERE i.period = m.p) GROUP BY dept_code, drg_code))
 + (SELECT count(*) FROM (SELECT i.dept_code, d.drg_code FROM inpatient i JOIN drg d
   ON d.period = i.period AND d.stay_id = i.stay_id WHERE i.period = m.p
   GROUP BY i.dept_code, d.drg_code))"
drg_sql=$(run sqlite3 "$DB" "SELECT sum(n) FROM (SELECT $drg_join AS n FROM
    (SELECT DISTINCT period AS p FROM inpatient) m)")
sqlite3 "$DB" "$forget_all DELETE FROM outpatient_rollup; DELETE FROM rollup_state;"
slow=$(timed)
echo "compute: input $rows; 25 months"
echo "compute: first run, nothing computed yet -> $base base measures, $out: $first (target < 2 s)"
echo "compute:   $first_phases; the rest: catalogue, fingerprints, advise"
echo "compute: again, from the stored base measures: $warm"
echo "compute:   $warm_phases"
echo "compute: baseline, the first run rolling the visits up itself (roll-ups dropped): $slow"
echo "compute: baseline, the DRG month table and drg_codes by SQL joins as before issue 18's speed-up (sqlite3 shell, 25 months): $drg_sql"
awk -v s="${first%% *}" 'BEGIN { exit !(s < 2.0) }' && echo "compute: PASS" || echo "compute: SLOWER than the 2 s target"
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
