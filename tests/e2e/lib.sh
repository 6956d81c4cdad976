# tests/e2e/lib.sh -- what every end-to-end script shares (as git's
# t/test-lib.sh): the programs, a scratch folder, the checks and the summary
# line. Not a test itself (scripts/run-tests.sh skips it). A script starts
#     . "$(dirname "$0")/lib.sh"
# and ends with `summary`; run from the repository root, as make check does
# (`sh tests/e2e/NAME.sh [HOSPGEN]`).
#
# Sets:
#   ROOT   the folder the script was started in (the repository root)
#   BUILD  the build folder (environment BUILD, default build)
#   HR     $BUILD/hospreport
#   GEN    the sample generator: $1 if given (run-tests.sh passes it), else
#          $BUILD/hospgen
#   NAME   the script's name without .sh, which leads its summary line
#   T      a fresh scratch folder, removed when the script exits (KEEP=1
#          keeps it and prints where it is)
# Checks (each counts one passed or one failed):
#   ok                       a check passed
#   bad MESSAGE              a check failed: prints "FAIL: MESSAGE"
#   has DESC FILE PATTERN    FILE has a line matching PATTERN (grep); else
#                            fails, printing FILE
#   lacks DESC FILE PATTERN  FILE has no such line
#   check DESC STATUS CMD... CMD exits with STATUS; its output in $T/out,
#                            its errors in $T/err (printed when it fails)
#   status_is DESC WANT GOT  an exit status already taken is WANT
#   die MESSAGE              a failure after which nothing can be checked
#                            (a fixture not made): fails, summary, exit 1
#   summary                  "NAME: N passed, M failed"; the script's exit
#                            status is 0 only if none failed and some passed

ROOT=$(pwd)
BUILD=${BUILD:-build}
HR=$BUILD/hospreport
GEN=${1:-$BUILD/hospgen}
NAME=${0##*/}
NAME=${NAME%.sh}
T=$(mktemp -d "${TMPDIR:-/tmp}/hr-$NAME.XXXXXX") || {
    echo "$NAME: cannot make a scratch folder" >&2
    exit 1
}
if [ -n "${KEEP:-}" ]; then
    trap 'echo "$NAME: scratch folder kept: $T" >&2' EXIT
else
    # (u+w: a test may leave read-only folders behind)
    trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fi
tests_passed=0 tests_failed=0

ok() { tests_passed=$((tests_passed + 1)); }
bad() {
    tests_failed=$((tests_failed + 1))
    echo "FAIL: $*"
}
has() {
    if grep -q -- "$3" "$2"; then ok; else
        bad "$1: '$3' not in $2"
        cat "$2"
    fi
}
lacks() {
    if grep -q -- "$3" "$2"; then
        bad "$1: '$3' in $2"
        cat "$2"
    else ok; fi
}
check() {
    _desc=$1 _want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    _got=$?
    if [ "$_got" -eq "$_want" ]; then ok; else
        bad "$_desc: exit $_got, wanted $_want"
        cat "$T/err"
    fi
}
status_is() {
    if [ "$2" -eq "$3" ]; then ok; else bad "$1: exit $3, wanted $2"; fi
}
summary() {
    echo "$NAME: $tests_passed passed, $tests_failed failed"
    [ "$tests_failed" -eq 0 ] && [ "$tests_passed" -gt 0 ]
}
die() {
    bad "$*"
    summary
    exit 1
}
