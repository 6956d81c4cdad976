#!/bin/sh
# Benchmark: `hospreport validate` of one month at scale 1.0 (~500,000
# visits) and at scale 4.0 (~2,000,000), after its ingest (not timed).
# Targets: under 0.4 s per scale-1.0 month, and peak memory that does not
# grow with the month (scale 4 within a few MiB of scale 1).
# validate takes what it judged while ingest loaded the rows (its hand-off,
# stages/validate/validate_handoff.c) instead of reading every row back.
# Baselines, in the same run and on the same database: validate reading
# the rows (HOSPREPORT_VALIDATE_SCAN=1, the way before the hand-off), and
# validate with every
# row rule as an SQL condition of its pass (HOSPREPORT_VALIDATE_SQL=1, the
# way before stages/validate/validate_check.c judged them in C), time, CPU
# and peak memory; and the sqlite3 shell running the duplicate-key check as
# validate ran it before that (SQL's GROUP BY over the month's visit_ids,
# which sorts them all in memory). RUNS (default 3) runs each; medians. The CPU time (user +
# system) is printed too: on a shared machine it moves less than the wall
# clock. Needs /usr/bin/time
# (Debian's `time` package) for peak RSS.
set -eu
BUILD=${BUILD:-build}
export HOSPREPORT_DATADIR=${HOSPREPORT_DATADIR:-$(pwd)}
HR=$BUILD/hospreport
GEN=$BUILD/hospgen
B=$BUILD/bench/validate
P=2026-10
RUNS=${RUNS:-3}
mkdir -p "$B"
for b in "$HR" "$GEN"; do
    [ -x "$b" ] || { echo "bench-validate: $b not built" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "bench-validate: needs the sqlite3 shell" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# prepare SCALE: exports and a database with the month ingested
prepare() {
    d=$B/s$1
    # (a database of an ingest from before the hand-off is made again)
    if [ ! -f "$d/ingested.db" ] ||
       ! sqlite3 "$d/ingested.db" "SELECT 1 FROM validate_handoff LIMIT 1" >/dev/null 2>&1; then
        rm -rf "$d"
        "$GEN" --out "$d/exports" --end "$P" --months 1 --scale "$1" --seed 7 --quiet
        "$HR" ingest -q --in "$d/exports/$P" --period "$P" --db "$d/ingested.db"
    fi
}

# ingest_cpu SCALE [ENV...]: median CPU seconds of ingesting the month
ingest_cpu() {
    d=$B/s$1
    shift
    : > "$d/i.txt"
    i=0
    while [ $i -lt "$RUNS" ]; do
        rm -f "$d/i.db" "$d/i.db-wal" "$d/i.db-shm"
        env "$@" /usr/bin/time -f "%e %M %U %S" -o "$d/t" "$HR" ingest -q --in "$d/exports/$P" \
            --period "$P" --db "$d/i.db" >/dev/null || true
        cat "$d/t" >> "$d/i.txt"
        i=$((i + 1))
    done
    rm -f "$d/i.db"
    echo "$(awk '{ printf "%.2f\n", $3 + $4 }' "$d/i.txt" | median)" \
        "$(($(cut -d' ' -f2 "$d/i.txt" | median) / 1024))"
}

# measure SCALE: prints "seconds KiB" medians of validate, then of the
# GROUP BY baseline, rows, validate's CPU, then the SQL-rules baseline's
# seconds, KiB and CPU
measure() {
    d=$B/s$1
    : > "$d/v.txt"
    : > "$d/b.txt"
    : > "$d/q.txt"
    : > "$d/r.txt"
    i=0
    while [ $i -lt "$RUNS" ]; do
        cp "$d/ingested.db" "$d/run.db"
        rm -f "$d/run.db-wal" "$d/run.db-shm"
        sync
        /usr/bin/time -f "%e %M %U %S" -o "$d/t" "$HR" validate -q --period "$P" --db "$d/run.db" >/dev/null || true
        cat "$d/t" >> "$d/v.txt"
        cp "$d/ingested.db" "$d/run.db"
        rm -f "$d/run.db-wal" "$d/run.db-shm"
        sync
        HOSPREPORT_VALIDATE_SQL=1 /usr/bin/time -f "%e %M %U %S" -o "$d/t" "$HR" validate -q \
            --period "$P" --db "$d/run.db" >/dev/null || true
        cat "$d/t" >> "$d/q.txt"
        cp "$d/ingested.db" "$d/run.db"
        rm -f "$d/run.db-wal" "$d/run.db-shm"
        sync
        HOSPREPORT_VALIDATE_SCAN=1 /usr/bin/time -f "%e %M %U %S" -o "$d/t" "$HR" validate -q \
            --period "$P" --db "$d/run.db" >/dev/null || true
        cat "$d/t" >> "$d/r.txt"
        sync
        /usr/bin/time -f "%e %M" -o "$d/t" sqlite3 "$d/run.db" "PRAGMA temp_store = MEMORY;
            SELECT count(*) FROM (SELECT visit_id FROM outpatient WHERE period = '$P'
            GROUP BY visit_id HAVING count(*) > 1)" >/dev/null
        cat "$d/t" >> "$d/b.txt"
        i=$((i + 1))
    done
    vs=$(cut -d' ' -f1 "$d/v.txt" | median)
    vk=$(cut -d' ' -f2 "$d/v.txt" | median)
    bs=$(cut -d' ' -f1 "$d/b.txt" | median)
    bk=$(cut -d' ' -f2 "$d/b.txt" | median)
    vc=$(awk '{ printf "%.2f\n", $3 + $4 }' "$d/v.txt" | median)
    qs=$(cut -d' ' -f1 "$d/q.txt" | median)
    qk=$(cut -d' ' -f2 "$d/q.txt" | median)
    qc=$(awk '{ printf "%.2f\n", $3 + $4 }' "$d/q.txt" | median)
    rs=$(cut -d' ' -f1 "$d/r.txt" | median)
    rk=$(cut -d' ' -f2 "$d/r.txt" | median)
    rc=$(awk '{ printf "%.2f\n", $3 + $4 }' "$d/r.txt" | median)
    rows=$(sqlite3 "$d/ingested.db" "SELECT count(*) FROM outpatient")
    echo "$vs $vk $bs $bk $rows $vc $qs $qk $qc $rs $rk $rc"
}

prepare 1.0
prepare 4.0
set -- $(measure 1.0)
s1=$1 k1=$2 bs1=$3 bk1=$4 r1=$5 c1=$6 qs1=$7 qk1=$8 qc1=$9 rs1=${10} rk1=${11} rc1=${12}
set -- $(measure 4.0)
s4=$1 k4=$2 bs4=$3 bk4=$4 r4=$5 c4=$6 qs4=$7 qk4=$8 qc4=$9 rs4=${10} rk4=${11} rc4=${12}
set -- $(ingest_cpu 1.0)
ic1=$1 im1=$2
set -- $(ingest_cpu 1.0 HOSPREPORT_VALIDATE_SCAN=1)
in1=$1 inm1=$2
set -- $(ingest_cpu 4.0)
ic4=$1 im4=$2
echo "bench-validate: scale 1.0 ($r1 visits): validate $s1 s (CPU $c1 s), peak $((k1 / 1024)) MiB (target < 0.4 s)"
echo "bench-validate: scale 4.0 ($r4 visits): validate $s4 s (CPU $c4 s), peak $((k4 / 1024)) MiB (target: flat memory)"
echo "bench-validate: baseline, validate reading the rows back (HOSPREPORT_VALIDATE_SCAN=1): $rs1 s (CPU $rc1 s), $((rk1 / 1024)) MiB at scale 1.0; $rs4 s (CPU $rc4 s), $((rk4 / 1024)) MiB at scale 4.0"
echo "bench-validate: what the hand-off costs ingest: CPU $ic1 s, peak $im1 MiB at scale 1.0 (without it, HOSPREPORT_VALIDATE_SCAN=1: $in1 s, $inm1 MiB); $ic4 s, $im4 MiB at scale 4.0"
echo "bench-validate: baseline, the rules as SQL conditions (HOSPREPORT_VALIDATE_SQL=1): $qs1 s (CPU $qc1 s), $((qk1 / 1024)) MiB at scale 1.0; $qs4 s (CPU $qc4 s), $((qk4 / 1024)) MiB at scale 4.0"
echo "bench-validate: baseline, the sqlite3 shell's GROUP BY key check (the old way): $bs1 s, $((bk1 / 1024)) MiB at scale 1.0; $bs4 s, $((bk4 / 1024)) MiB at scale 4.0"
awk -v a="$k1" -v b="$k4" 'BEGIN { exit !(b < a + 8192) }' && echo "bench-validate: memory flat: PASS" ||
    echo "bench-validate: memory GROWS with the month"
awk -v s="$c1" 'BEGIN { exit !(s < 0.4) }' && echo "bench-validate: time (CPU): PASS" ||
    echo "bench-validate: SLOWER than the 0.4 s target"
