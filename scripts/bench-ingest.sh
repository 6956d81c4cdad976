#!/bin/sh
# Benchmark: `hospreport ingest` of a 1,000,000-row outpatient.csv against
# the sqlite3 shell's `.import` of the same file into a typed table with
# the same columns (no checks), in the same run. Target: ingest, converting
# and checking every field, at least 2.5 times faster than the shell.
# RUNS (default 5) interleaved pairs of runs; the medians are compared.
# Also: peak RSS for 1M and 4M rows (must not grow with the file; needs
# /usr/bin/time from Debian's `time` package) and the GB18030 path's
# throughput on the same rows (profile chinese-his).
set -eu
BUILD=${BUILD:-build}
export HOSPREPORT_DATADIR=${HOSPREPORT_DATADIR:-$(pwd)}
HR=$BUILD/hospreport
GEN=$BUILD/hospgen
B=$BUILD/bench/ingest
P=2026-10
mkdir -p "$B"

# gen ROWS PROFILE DIR: a folder holding only outpatient.csv of ROWS rows.
gen() {
    if [ ! -f "$3/outpatient.csv" ]; then
        rm -rf "$3.tmp" "$3"
        "$GEN" --out "$3.tmp" --end "$P" --months 1 --outpatient-rows "$1" --profile "$2" --seed 7 --quiet
        mkdir -p "$3"
        mv "$3.tmp/$P/outpatient.csv" "$3/"
        rm -rf "$3.tmp"
    fi
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

gen 1000000 standard "$B/std1m"
gen 1000000 chinese-his "$B/zh1m"
bytes=$(wc -c < "$B/std1m/outpatient.csv")
rows=1000000

# ingest one folder into a fresh database; prints seconds
run_ingest() { # DIR [PROFILE]
    db=$B/ingest.db
    rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
    sync # the previous run's writes go to disk now, not during this one
    t0=$(now)
    if [ $# -gt 1 ]; then
        "$HR" ingest -q --in "$1" --period "$P" --db "$db" --profile "$2"
    else
        "$HR" ingest -q --in "$1" --period "$P" --db "$db"
    fi
    t1=$(now)
    n=$(sqlite3 "$db" "SELECT count(*) FROM outpatient")
    [ "$n" -eq "$rows" ] || { echo "bench-ingest: loaded $n rows, expected $rows" >&2; exit 1; }
    secs "$t0" "$t1"
}

# the shell's .import of the same file into a typed table; prints seconds
run_shell() {
    base=$B/import.db
    rm -f "$base" "$base-journal"
    sync
    t0=$(now)
    sqlite3 "$base" < "$B/import.sql"
    t1=$(now)
    secs "$t0" "$t1"
}
cat > "$B/import.sql" <<SQL
CREATE TABLE outpatient (visit_id TEXT, visit_time TEXT, dept_code TEXT, doctor_code TEXT,
  patient_key TEXT, visit_type TEXT, total_fee REAL, drug_fee REAL, material_fee REAL,
  exam_fee REAL, wait_minutes INTEGER);
.import --csv --skip 1 $B/std1m/outpatient.csv outpatient
SQL
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# RUNS pairs, ours then the shell's, interleaved so that both see the same
# machine (it is shared): the figures are the medians of each side.
RUNS=${RUNS:-5}
: > "$B/ours.txt"
: > "$B/shell.txt"
i=1
while [ "$i" -le "$RUNS" ]; do
    o=$(run_ingest "$B/std1m")
    s=$(run_shell)
    echo "$o" >> "$B/ours.txt"
    echo "$s" >> "$B/shell.txt"
    echo "bench-ingest: run $i: ours ${o} s, shell ${s} s," \
        "$(awk -v a="$s" -v b="$o" 'BEGIN { printf "%.2f", a / b }')x"
    i=$((i + 1))
done
ours=$(median < "$B/ours.txt")
shell=$(median < "$B/shell.txt")

echo "bench-ingest: outpatient.csv, $rows rows, $((bytes / 1000000)) MB (medians of $RUNS runs)"
echo "bench-ingest: hospreport ingest (typed, checked, SHA-256, manifest): ${ours} s"
echo "bench-ingest: sqlite3 shell .import (typed table, no checks):       ${shell} s"
ratio=$(awk -v a="$shell" -v b="$ours" 'BEGIN { printf "%.2f", a / b }')
echo "bench-ingest: speed-up over the shell: ${ratio}x (target >= 2.5x)"

zh=$(run_ingest "$B/zh1m" config/profiles/chinese-his.xml)
zbytes=$(wc -c < "$B/zh1m/outpatient.csv")
echo "bench-ingest: GB18030 (chinese-his) path, same rows: ${zh} s," \
    "$(awk -v r="$rows" -v s="$zh" 'BEGIN { printf "%.0f", r / s }') rows/s," \
    "$(awk -v b="$zbytes" -v s="$zh" 'BEGIN { printf "%.1f", b / s / 1e6 }') MB/s"

if [ -x /usr/bin/time ]; then
    gen 4000000 standard "$B/std4m"
    for d in std1m std4m; do
        db=$B/rss.db
        rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
        kb=$(/usr/bin/time -f %M "$HR" ingest -q --in "$B/$d" --period "$P" --db "$db" 2>&1 >/dev/null | tail -1)
        echo "bench-ingest: peak RSS, $d: $((kb / 1024)) MiB"
    done
else
    echo "bench-ingest: peak RSS: n/a (/usr/bin/time missing: apt-get install time)"
fi
awk -v r="$ratio" 'BEGIN { exit !(r >= 2.5) }' || echo "bench-ingest: BELOW TARGET"
