#!/bin/sh
# The command line's contract (spec/CLI.md): --help for every command,
# --version, usage errors with exit status 1 and a one-line message.
set -u
HR=${BUILD:-build}/hospreport
pass=0 fail=0
check() { # description, expected status, command...
    desc=$1 want=$2
    shift 2
    "$@" >/tmp/hr_cli_out 2>/tmp/hr_cli_err
    got=$?
    if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $desc: exit $got, wanted $want"; cat /tmp/hr_cli_err; fi
}
has() { # description, file, text
    if grep -q -- "$3" "$2"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1: '$3' not in $2"; cat "$2"; fi
}
check "--version" 0 "$HR" --version
has "--version" /tmp/hr_cli_out "^hospreport [0-9]"
check "--help" 0 "$HR" --help
for c in run ingest validate reconcile compute render export due status; do
    has "--help lists $c" /tmp/hr_cli_out "^  $c "
done
for c in run ingest validate reconcile compute render export due status; do
    check "$c --help" 0 "$HR" $c --help
    has "$c --help" /tmp/hr_cli_out "^Usage: hospreport $c"
done
check "no command" 1 "$HR"
check "unknown command" 1 "$HR" frobnicate
has "unknown command" /tmp/hr_cli_err "'frobnicate' is not a command"
check "unknown option" 1 "$HR" export --period 2026-10 --bogus
has "unknown option" /tmp/hr_cli_err "unknown option '--bogus'"
check "missing value" 1 "$HR" export --period
check "missing required" 1 "$HR" ingest --period 2026-10
has "missing required" /tmp/hr_cli_err "ingest needs --in"
check "option not taken" 1 "$HR" status --period 2026-10
check "bad period" 1 "$HR" compute --period 2026-13 --db /tmp/hr_cli.db
has "bad period" /tmp/hr_cli_err "not a period"
check "month only" 1 "$HR" ingest --in . --period 2026-Q3 --db /tmp/hr_cli.db
check "bad lang" 1 "$HR" render --report monthly --period 2026-10 --lang fr --db /tmp/hr_cli.db
has "bad lang" /tmp/hr_cli_err "not a language"
check "bad report" 1 "$HR" render --report weekly --period 2026-10 --db /tmp/hr_cli.db
check "stray argument" 1 "$HR" status extra
rm -f /tmp/hr_cli.db /tmp/hr_cli.db-wal /tmp/hr_cli.db-shm /tmp/hr_cli_out /tmp/hr_cli_err
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
