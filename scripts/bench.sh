#!/bin/sh
# make bench: every benchmark, each printing its figures against its target
# and a named baseline measured in the same run.
set -u
BUILD=${BUILD:-build}
export BUILD
status=0
for b in scripts/bench-ingest.sh scripts/bench-validate.sh scripts/bench-compute.sh scripts/bench-render.sh scripts/bench-run.sh; do
    [ -f "$b" ] || continue
    echo "== $b"
    sh "$b" || status=1
done
exit $status
