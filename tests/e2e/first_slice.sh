#!/bin/sh
# first_slice.sh -- end to end, the first vertical slice: the real
# hospreport binary ingests, validates, reconciles and computes two months
# of a tiny hand-made hospital (tests/data/e2e/first_slice/: dept.csv,
# outpatient.csv and inpatient.csv only; every other source is absent), then
# exports, and the rows for oe_visits, discharges and avg_los must equal the
# values computed by hand below. Run from the repository root: BUILD=build.
#
# By hand (every other file is missing, so only these sources count):
#   2026-09  visits V0901-V0903: 3 (0101: 2, 0102: 1)
#            stays S0901 10 days (08-25 -> 09-04), S0902 0 days counted as 1
#            discharges 2, avg_los 11 / 2 = 5.5; 0102: 1 stay of 1 day
#   2026-10  visits V1001-V1006: 6 (0101: 4, 0102: 2)
#            stays 10 + 7 + 15 + 1 = 33 days over 4: avg_los 8.25
#            0102: S1003 15 + S1004 1 -> 8
#   MoM (Oct vs Sep): oe_visits (6-3)/3 = 100, discharges (4-2)/2 = 100,
#            avg_los (8.25-5.5)/5.5 = 50; 0101 oe (4-2)/2 = 100;
#            0102 avg_los (8-1)/1 = 700.
#   YoY: 2025 not loaded -> empty. YTD: January-August 2026 not loaded ->
#            empty, and so ytd_yoy.
set -u
. "$(dirname "$0")/lib.sh"
DATA=tests/data/e2e/first_slice
DB=$T/slice.db

[ -x "$HR" ] || die "$HR not built"
for m in 2026-09 2026-10; do
    "$HR" ingest --in "$DATA/$m" --period "$m" --db "$DB" 2>>"$T/log" \
        || die "ingest $m failed: $(tail -n 3 "$T/log")"
    "$HR" validate --period "$m" --db "$DB" --out "$T/out" 2>>"$T/log" \
        || die "validate $m failed: $(tail -n 3 "$T/log")"
    # 3 = blocking: the slice has no medical records or ledger to reconcile
    # against; compute must still run.
    "$HR" reconcile --period "$m" --db "$DB" --out "$T/out" 2>>"$T/log"
    rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || die "reconcile $m: exit $rc: $(tail -n 3 "$T/log")"
done
"$HR" compute --period 2026-10 --db "$DB" 2>>"$T/log" \
    || die "compute failed: $(tail -n 3 "$T/log")"
"$HR" export --period 2026-10 --scope all --db "$DB" >"$T/oct.csv" 2>>"$T/log" \
    || die "export 2026-10 failed: $(tail -n 3 "$T/log")"
"$HR" export --period 2026-09 --db "$DB" >"$T/sep.csv" 2>>"$T/log" \
    || die "export 2026-09 failed: $(tail -n 3 "$T/log")"

[ "$(head -n 1 "$T/oct.csv")" = "period,scope,indicator,value,mom,yoy,ytd,ytd_yoy" ] \
    && ok || bad "bad header: $(head -n 1 "$T/oct.csv")"

expect() { # file row
    grep -qxF "$2" "$1" && ok || bad "missing row '$2'; got: $(grep -F "$(echo "$2" | cut -d, -f1-3)," "$1")"
}
expect "$T/oct.csv" "2026-10,hospital,oe_visits,6,100,,,"
expect "$T/oct.csv" "2026-10,hospital,discharges,4,100,,,"
expect "$T/oct.csv" "2026-10,hospital,avg_los,8.25,50,,,"
expect "$T/oct.csv" "2026-10,0101,oe_visits,4,100,,,"
expect "$T/oct.csv" "2026-10,0102,avg_los,8,700,,,"
expect "$T/oct.csv" "2026-10,0102,discharges,2,100,,,"
expect "$T/sep.csv" "2026-09,hospital,oe_visits,3,,,,"
expect "$T/sep.csv" "2026-09,hospital,discharges,2,,,,"
expect "$T/sep.csv" "2026-09,hospital,avg_los,5.5,,,,"
# a source that is absent leaves its indicators undefined, never 0
expect "$T/oct.csv" "2026-10,hospital,medical_revenue,,,,,"
# scope all = hospital then 0101, 0102; every scope has the same rows
n_h=$(grep -c '^2026-10,hospital,' "$T/oct.csv")
n_1=$(grep -c '^2026-10,0101,' "$T/oct.csv")
n_2=$(grep -c '^2026-10,0102,' "$T/oct.csv")
[ "$n_h" -gt 30 ] && [ "$n_h" -eq "$n_1" ] && [ "$n_1" -eq "$n_2" ] \
    && ok || bad "scope rows: hospital $n_h, 0101 $n_1, 0102 $n_2"
grep -q '^2026-09,0101,' "$T/sep.csv" && bad "default scope must be hospital only" || ok
summary
