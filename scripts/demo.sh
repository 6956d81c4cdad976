#!/bin/sh
# make demo: generates sample exports at a small scale -- 34 months, from
# January two years back, so that the annual report has a whole previous
# year to compare with (DEMO_MONTHS=25 for the minimum) -- loads the
# history, then runs the full pipeline for a year end (annual, Q4 and
# December reports), a quarter end (Q3 and September) and the latest month,
# and says where the PDFs are.
set -eu
BUILD=${BUILD:-build}
DEMO=$BUILD/demo
END=${DEMO_END:-2026-10}
SCALE=${DEMO_SCALE:-0.1}
MONTHS=${DEMO_MONTHS:-34}
HR=$BUILD/hospreport

rm -rf "$DEMO"
mkdir -p "$DEMO"
echo "demo: generating $MONTHS months of sample exports (scale $SCALE) in $DEMO/exports"
"$BUILD/hospgen" --out "$DEMO/exports" --end "$END" --months "$MONTHS" --scale "$SCALE" --seed 1 --quiet

db=$DEMO/hospreport.db
months=$(ls "$DEMO/exports" | grep -E '^[0-9]{4}-[0-9]{2}$' | sort)
last=$(echo "$months" | tail -n 1)
# The latest year end and quarter end get their full report sets; other
# months of history are only loaded, checked and reconciled.
last_dec=$(echo "$months" | grep -- '-12$' | tail -n 1)
last_qend=$(echo "$months" | grep -E -- '-(03|06|09|12)$' | tail -n 1)
for m in $months; do
    [ "$m" = "$last" ] && continue
    if [ "$m" = "$last_dec" ] || [ "$m" = "$last_qend" ]; then
        echo "demo: running the pipeline for $m"
        "$HR" run -q --in "$DEMO/exports/$m" --period "$m" --db "$db" --out "$DEMO/reports"
    else
        "$HR" ingest -q --in "$DEMO/exports/$m" --period "$m" --db "$db"
        "$HR" validate -q --period "$m" --db "$db" --out "$DEMO/quality" >/dev/null
        "$HR" reconcile -q --period "$m" --db "$db" --out "$DEMO/quality" >/dev/null
    fi
done
echo "demo: running the pipeline for $last"
"$HR" run --in "$DEMO/exports/$last" --period "$last" --db "$db" --out "$DEMO/reports"
n=$(ls "$DEMO/reports"/*.pdf | wc -l)
echo
echo "demo: $n PDFs in $DEMO/reports/, for example:"
# The hospital PDFs of the latest monthly, quarterly and annual reports.
for kind in monthly quarterly annual; do
    latest=$(ls "$DEMO/reports" | grep -E "^$kind-[0-9]{4}(-[0-9]{2}|-Q[1-4])?-hospital\." |
             sed -E "s/^$kind-([^-]+(-[^-]+)?)-hospital\..*/\1/" | sort | tail -n 1)
    [ -n "$latest" ] || continue
    ls "$DEMO/reports" | grep -F "$kind-$latest-hospital." | sed "s|^|  $DEMO/reports/|"
done
echo "demo: database $db (open it with: sqlite3 $db); data-quality CSVs in $DEMO/quality/"
echo "demo: what is due: $HR due --db $db"
