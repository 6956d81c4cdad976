#!/bin/sh
# bench-render.sh -- the render benchmark of issue 6: the monthly reports for
# the hospital and every clinical department in zh_CN, en and bilingual, from
# scale-1.0 data. Targets: under 10 s in all, each department PDF under 150 KB.
# Needs build/hospreport and build/hospgen (make all). Prints the figures.
set -eu
BUILD=${BUILD:-build}
work=${BENCH_DIR:-$(mktemp -d /tmp/bench-render-XXXXXX)}
db="$work/bench.db"
out="$work/pdf"
if [ ! -f "$db" ]; then
    "$BUILD/hospgen" --out "$work/exports" --end "${BENCH_END:-2026-10}" --months 13 --scale 1.0 >/dev/null
    for dir in "$work"/exports/*/; do
        month=$(basename "$dir")
        "$BUILD/hospreport" ingest --in "$dir" --period "$month" --db "$db" >/dev/null 2>&1
        "$BUILD/hospreport" validate --period "$month" --db "$db" >/dev/null 2>&1 || true
        "$BUILD/hospreport" reconcile --period "$month" --db "$db" --force >/dev/null 2>&1 || true
        "$BUILD/hospreport" compute --period "$month" --db "$db" >/dev/null 2>&1
        last=$month
    done
else
    last=$(sqlite3 "$db" "SELECT MAX(period) FROM computed_period")
fi
# Baseline, measured in the same run: the same 183 PDFs from the one-page
# summary template of the render tests (same font subset, same data).
rm -rf "$out" "$out-baseline"
bstart=$(date +%s.%N)
"$BUILD/hospreport" render --report monthly --period "$last" --scope all --lang all \
    --template tests/data/render/summary.xml --db "$db" --out "$out-baseline" 2>/dev/null
bend=$(date +%s.%N)
bseconds=$(awk -v a="$bstart" -v b="$bend" 'BEGIN { printf "%.2f", b - a }')
start=$(date +%s.%N)
"$BUILD/hospreport" render --report monthly --period "$last" --scope all --lang all \
    --db "$db" --out "$out" 2>/dev/null
end=$(date +%s.%N)
count=$(ls "$out"/*.pdf | wc -l)
largest=$(ls -l "$out"/*.pdf | grep -v -- '-hospital\.' | awk '{print $5}' | sort -n | tail -1)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
echo "render: $count PDFs in $seconds s (target < 10 s for 183)"
echo "render: largest department PDF $((largest / 1024)) KB (target < 150 KB)"
echo "render: baseline, the one-page summary template for the same $(ls "$out-baseline"/*.pdf | wc -l) PDFs: $bseconds s"
awk -v s="$seconds" -v b="$largest" 'BEGIN { exit !(s < 10 && b < 150 * 1024) }'
