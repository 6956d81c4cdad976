#!/bin/sh
# Who may include what (README "Architecture"), checked by make check:
#   pipeline/core/   only pipeline/core/ (the library knows no stage, no CLI)
#   stages/NAME/     pipeline/core/ and its own stages/NAME/
#   samples/         samples/ and pipeline/core/calendar.h (the generator stands
#                    alone but for the one calendar)
#   pipeline/*.c     the program: anything
# Every project header is named from the repository root ("pipeline/core/db.h").
set -u
cd "$(dirname "$0")/.."
bad=0
for f in pipeline/core/*.[ch] stages/*/*.[ch] samples/*.[ch] pipeline/*.[ch] tests/*.c tests/support/*.[ch]; do
    [ -f "$f" ] || continue
    case $f in
        pipeline/core/*) allow='pipeline/core/' ;;
        stages/*) stage=$(echo "$f" | cut -d/ -f2); allow="pipeline/core/ stages/$stage/" ;;
        samples/*) allow='samples/ pipeline/core/calendar.h' ;;
        *) allow='pipeline/ stages/ tests/' ;;
    esac
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
        inc=$(echo "$line" | sed 's/.*include[[:space:]]*"\([^"]*\)".*/\1/')
        ok=0
        for a in $allow; do case $inc in "$a"*) ok=1 ;; esac; done
        case $inc in */../*|../*|./*) ok=0 ;; esac
        [ $ok -eq 1 ] || echo "$f:${line%%:*}: includes \"$inc\" (allowed: $allow)"
    done
done | tee /dev/stderr | grep -q . && bad=1
[ $bad -eq 0 ] && echo "includes: every file includes only what its folder may"
exit $bad
