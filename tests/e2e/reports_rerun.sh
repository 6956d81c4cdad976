#!/bin/sh
# The run registry end to end (issue 7, items 7-9): `hospreport run` twice on
# the same small generated month renders nothing the second time ("up to
# date", PDFs byte-identical with the same mtime); a changed input file
# renders that month's reports again; `due` around the deadline (the 9th of
# the next month) and `status` on the same database.
set -u
. "$(dirname "$0")/lib.sh"
# sha256 and mtime of every PDF, one line each
snapshot() { (cd "$T/out" && for f in *.pdf; do echo "$(sha256sum "$f" | cut -c1-64) $(stat -c %Y "$f") $f"; done); }

"$GEN" --out "$T/exports" --end 2026-10 --months 13 --scale 0.01 --seed 3 --quiet || die "hospgen"
db=$T/hr.db
for m in $(ls "$T/exports" | grep -E '^[0-9]{4}-[0-9]{2}$' | sort | head -n 12); do
    "$HR" ingest -q --in "$T/exports/$m" --period "$m" --db "$db" || bad "ingest $m"
    # validated too: a report (here the topic one below) is drawn only from
    # validated months
    "$HR" validate -q --period "$m" --db "$db" >/dev/null || bad "validate $m"
done
run() { "$HR" run --in "$T/exports/2026-10" --period 2026-10 --db "$db" --out "$T/out" \
          --scope hospital --lang all >"$T/run.out" 2>"$T/run.err"; }


run || { bad "first run"; cat "$T/run.err"; }
n1=$(ls "$T/out"/monthly-2026-10-hospital.*.pdf 2>/dev/null | wc -l)
[ "$n1" -eq 3 ] && ok || bad "first run wrote $n1 monthly PDFs, wanted 3"
snapshot >"$T/snap1"
sleep 1.1

# the same inputs again: nothing rendered, files untouched
run || { bad "second run"; cat "$T/run.err"; }
has "second run" "$T/run.err" "up to date"
lacks "second run" "$T/run.err" "PDFs\? written"
snapshot >"$T/snap2"
if cmp -s "$T/snap1" "$T/snap2"; then ok; else bad "PDFs changed on an unchanged re-run"; diff "$T/snap1" "$T/snap2"; fi

# one more valid outpatient row (a copy of the last one with a new visit id
# and no fees, so that revenue still reconciles): the month's reports are
# rendered again
f=$T/exports/2026-10/outpatient.csv
tail -n 1 "$f" | awk -F, -v OFS=, '{ $1 = $1 "X"; $7 = "0.00"; $8 = "0.00"; $9 = "0.00"; $10 = "0.00"; print }' >>"$f"
run || { bad "run after a changed input"; cat "$T/run.err"; }
snapshot >"$T/snap3"
changed=$(diff "$T/snap2" "$T/snap3" | grep -c '^>')
[ "$changed" -eq 3 ] && ok || { bad "after a changed input $changed PDFs re-rendered, wanted 3"; cat "$T/run.err"; }

# due around the deadline (monthly reports: the 9th of the next month).
# Rendered in every language: done on the 9th and after it.
mline() { grep -E "^monthly +2026-10 " "$1"; }
"$HR" due --today 2026-11-09 --db "$db" >"$T/due1" 2>&1
mline "$T/due1" >"$T/m1"
has "rendered, the 9th" "$T/m1" "2026-11-09 *done"
"$HR" due --today 2026-11-11 --db "$db" >"$T/due2" 2>&1
mline "$T/due2" >"$T/m2"
has "rendered, the 11th" "$T/m2" "done"

# a second database with the month loaded but no report rendered:
# due on the 8th and 9th, overdue from the 10th
db2=$T/hr2.db
"$HR" ingest -q --in "$T/exports/2026-10" --period 2026-10 --db "$db2" || bad "ingest db2"
for d in 08 09 10 11; do
    "$HR" due --today 2026-11-$d --db "$db2" >"$T/due_$d" 2>&1
    mline "$T/due_$d" >"$T/m_$d"
done
has "not rendered, the 8th" "$T/m_08" "2026-11-09 *due"
has "not rendered, the 9th" "$T/m_09" "2026-11-09 *due"
has "not rendered, the 10th" "$T/m_10" "overdue"
has "not rendered, the 11th" "$T/m_11" "overdue"

"$HR" status --db "$db" >"$T/status" 2>&1 || bad "status"
has "status" "$T/status" "2026-10"

# an ad-hoc topic report in one command: render computes the range first
"$HR" render --report topic --template beds --period 2026-05..2026-10 --lang en \
    --db "$db" --out "$T/topic" >"$T/topic.out" 2>"$T/topic.err" || { bad "topic render"; cat "$T/topic.err"; }
[ -s "$T/topic/topic-beds-2026-05..2026-10-hospital.en.pdf" ] && ok || bad "no topic PDF"
has "topic range computed" "$T/topic.err" "PDF written"
# a period of which nothing is loaded: refused, nothing computed
"$HR" render --report topic --template beds --period 2030-01..2030-02 --db "$db" --out "$T/topic" \
    >"$T/none.out" 2>"$T/none.err"
[ $? -eq 2 ] && ok || bad "render of an unloaded period: exit status not 2"
has "unloaded period" "$T/none.err" "no month of 2030-01..2030-02 is loaded"
n=$(sqlite3 "$db" "SELECT count(*) FROM computed_period WHERE period LIKE '2030%'")
[ "$n" -eq 0 ] && ok || bad "an unloaded period was computed"

summary
