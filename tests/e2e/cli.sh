#!/bin/sh
# The command line's contract (spec/CLI.md): --help for every command,
# --version, usage errors with exit status 1 and a one-line message.
set -u
. "$(dirname "$0")/lib.sh"
check "--version" 0 "$HR" --version
has "--version" $T/out "^hospreport [0-9]"
check "--help" 0 "$HR" --help
for c in run ingest validate reconcile compute render export due status; do
    has "--help lists $c" $T/out "^  $c "
done
for c in run ingest validate reconcile compute render export due status; do
    check "$c --help" 0 "$HR" $c --help
    has "$c --help" $T/out "^Usage: hospreport $c"
    if grep -q '%%' $T/out; then bad "$c --help prints a literal %%"; else ok; fi
done
check "no command" 1 "$HR"
check "unknown command" 1 "$HR" frobnicate
has "unknown command" $T/err "'frobnicate' is not a command"
check "unknown option" 1 "$HR" export --period 2026-10 --bogus
has "unknown option" $T/err "unknown option '--bogus'"
check "missing value" 1 "$HR" export --period
check "missing required" 1 "$HR" ingest --period 2026-10
has "missing required" $T/err "ingest needs --in"
check "option not taken" 1 "$HR" status --period 2026-10
check "bad period" 1 "$HR" compute --period 2026-13 --db $T/hr.db
has "bad period" $T/err "not a period"
check "month only" 1 "$HR" ingest --in . --period 2026-Q3 --db $T/hr.db
check "bad lang" 1 "$HR" render --report monthly --period 2026-10 --lang fr --db $T/hr.db
has "bad lang" $T/err "not a language"
check "bad report" 1 "$HR" render --report weekly --period 2026-10 --db $T/hr.db
check "stray argument" 1 "$HR" status extra
rm -f $T/hr.db $T/hr.db-wal $T/hr.db-shm $T/out $T/err
summary
