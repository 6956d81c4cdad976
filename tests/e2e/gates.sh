#!/bin/sh
# Issue 11, items 4 and 5: the gates hold for `render` as for `run`.
#  - A month whose reconciliation is blocking (hospgen --faults): render
#    without --force exits 3 and writes nothing; with --force every page of
#    every PDF carries the UNRECONCILED DRAFT / 未对账草稿 mark, and `due`
#    does not count the draft as done.
#  - A month whose validation failed (most outpatient rows name an unknown
#    department): render exits 2, nothing written, `due` not done; with
#    --force the pages say UNVALIDATED DRAFT and the cover says so.
#  - A month only ingested, never validated: render exits 2, and leaves no
#    DB.lock beside the database (nor does a render that succeeds).
#  - A month whose data changed after validation and reconciliation: its
#    states are stale (read as not run); render exits 2, and a forced
#    draft's cover says stale / 视为未校验, not the old state.
set -u
. "$(dirname "$0")/lib.sh"
# The diagonal mark of one page, as pdftotext sees it: its words are the
# upper-case ones taller than any text line (44 pt), read from the bottom up;
# a word sharing its line with a word that is not upper-case is a heading's
# ("DRG by department"), not the mark's.
mark_of_page() { # pdf page
    pdftotext -q -bbox -f "$2" -l "$2" "$1" - |
        sed -n 's/.*yMin="\([0-9.]*\)".*yMax="\([0-9.]*\)">\([^<]*\)<\/word>.*/\1 \2 \3/p' |
        awk '$2 - $1 > 16 { n++; y[n] = $1; w[n] = $3; if ($3 !~ /^[A-Z,]+$/) text[$1] = 1 }
             END { for (i = 1; i <= n; i++) if (w[i] ~ /^[A-Z,]+$/ && !(y[i] in text)) print y[i], w[i] }' |
        sort -k1,1 -nr | awk '{ printf "%s", $2 }'
}
# every page of the PDF carries the mark (the words without spaces)
every_page_marked() { # description, pdf, mark
    n=$(pdfinfo "$2" | awk '/^Pages:/ { print $2 }')
    [ "${n:-0}" -gt 1 ] || { bad "$1: $2 has ${n:-no} pages"; return; }
    i=1 missing=""
    while [ "$i" -le "$n" ]; do
        # the mark's letters in order among the tall capitals: a heading in
        # capitals ("DRG ...") is tall too, and may fall between its words
        printf '%s\n' "$(mark_of_page "$2" "$i")" | awk -v m="$3" '
            { j = 1; for (k = 1; k <= length($0) && j <= length(m); k++)
                  if (substr($0, k, 1) == substr(m, j, 1)) j++
              exit !(j > length(m)) }' || missing="$missing $i"
        i=$((i + 1))
    done
    [ -z "$missing" ] && ok || bad "$1: no '$3' mark on page(s)$missing of $n"
}
dueline() { "$HR" due --today 2026-11-05 --lang en --db "$1" | grep -E "^monthly +2026-10 "; }

# ---- item 4: blocking reconciliation ----
"$GEN" --out "$T/faulty" --end 2026-10 --months 1 --scale 0.01 --faults --quiet || die "hospgen"
db=$T/blocking.db
"$HR" ingest -q --in "$T/faulty/2026-10" --period 2026-10 --db "$db" || bad "ingest"
"$HR" validate -q --period 2026-10 --db "$db" >/dev/null || bad "validate"
"$HR" reconcile -q --period 2026-10 --db "$db" >/dev/null 2>&1
status_is "reconcile of the faulty month" 3 $?
"$HR" render --report monthly --period 2026-10 --lang en --db "$db" --out "$T/o1" >"$T/o" 2>"$T/e"
status_is "render of a blocking month" 3 $?
has "render of a blocking month" "$T/e" "reconciliation of 2026-10 is blocking"
[ -z "$(ls "$T/o1" 2>/dev/null)" ] && ok || bad "render of a blocking month wrote $(ls "$T/o1")"
dueline "$db" >"$T/due"
has "due, blocking, nothing rendered" "$T/due" " due$"
"$HR" render --report monthly --period 2026-10 --lang all --force --db "$db" --out "$T/o2" >"$T/o" 2>"$T/e"
status_is "render --force of a blocking month" 0 $?
every_page_marked "forced, en" "$T/o2/monthly-2026-10-hospital.en.pdf" "UNRECONCILEDDRAFT"
# Chinese: each character of the mark is a word of its own (one character
# of three UTF-8 bytes, taller than any text line)
n=$(pdfinfo "$T/o2/monthly-2026-10-hospital.zh_CN.pdf" | awk '/^Pages:/ { print $2 }')
i=1 missing=""
while [ "$i" -le "$n" ]; do
    pdftotext -q -bbox -f $i -l $i "$T/o2/monthly-2026-10-hospital.zh_CN.pdf" - |
        sed -n 's/.*yMin="\([0-9.]*\)".*yMax="\([0-9.]*\)">\([^<]*\)<\/word>.*/\1 \2 \3/p' |
        awk '$2 - $1 > 16 && $3 ~ /^[^ -~]+$/ && length($3) <= 3 { print $1, $3 }' |
        sort -k1,1 -nr | awk '{ printf "%s", $2 }' >"$T/zhmark"
    grep -q "未对账草稿" "$T/zhmark" || missing="$missing $i"
    i=$((i + 1))
done
[ -z "$missing" ] && ok || bad "forced, zh_CN: no 未对账草稿 on page(s)$missing of $n"
pdftotext -q -f 1 -l 1 "$T/o2/monthly-2026-10-hospital.zh_CN.pdf" "$T/cover.txt"
has "forced cover" "$T/cover.txt" "未对账草稿"
dueline "$db" >"$T/due"
has "due, blocking, a draft rendered" "$T/due" " due$"

# ---- item 5: failed validation ----
"$GEN" --out "$T/clean" --end 2026-10 --months 1 --scale 0.01 --seed 9 --quiet || die "hospgen"
mkdir "$T/bad"
cp "$T/clean/2026-10/"* "$T/bad/"
# two rows in three name a department the dictionary does not have
awk -F, -v OFS=, 'NR > 1 && NR % 3 != 0 { $3 = "9999" } { print }' "$T/clean/2026-10/outpatient.csv" >"$T/bad/outpatient.csv"
db=$T/failed.db
"$HR" ingest -q --in "$T/bad" --period 2026-10 --db "$db" || bad "ingest of the bad month"
"$HR" validate -q --period 2026-10 --db "$db" >/dev/null 2>&1
status_is "validate above the quarantine limit" 2 $?
"$HR" status --db "$db" >"$T/status"
has "status after failed validation" "$T/status" "^2026-10 .* failed "
# (run stops at validation: the month is not reconciled)
"$HR" render --report monthly --period 2026-10 --lang en --db "$db" --out "$T/o3" >"$T/o" 2>"$T/e"
status_is "render after failed validation" 2 $?
has "render after failed validation" "$T/e" "2026-10 not validated or failed validation"
[ -z "$(ls "$T/o3" 2>/dev/null)" ] && ok || bad "render after failed validation wrote $(ls "$T/o3")"
"$HR" render --report monthly --period 2026-10 --lang en --force --db "$db" --out "$T/o4" >"$T/o" 2>"$T/e"
status_is "render --force after failed validation" 0 $?
pdf=$T/o4/monthly-2026-10-hospital.en.pdf
m=$(mark_of_page "$pdf" 1)
case "$m" in *UNVALIDATED*DRAFT) ok ;; *) bad "forced after failed validation: mark '$m'" ;; esac
every_page_marked "forced after failed validation" "$pdf" "$m"
pdftotext -q -f 1 -l 1 "$pdf" "$T/cover.txt"
has "forced cover, failed validation" "$T/cover.txt" "Validation failed"
dueline "$db" >"$T/due"
has "due, failed validation, a draft rendered" "$T/due" " due$"

# ---- item 5: never validated ----
db=$T/unvalidated.db
"$HR" ingest -q --in "$T/clean/2026-10" --period 2026-10 --db "$db" || bad "ingest"
"$HR" render --report monthly --period 2026-10 --lang en --db "$db" --out "$T/o5" >"$T/o" 2>"$T/e"
status_is "render of a month never validated" 2 $?
[ -z "$(ls "$T/o5" 2>/dev/null)" ] && ok || bad "render of a month never validated wrote $(ls "$T/o5")"
[ ! -e "$db.lock" ] && ok || bad "a refused render left $db.lock"
# validated and reconciled: rendered, no mark, done
"$HR" validate -q --period 2026-10 --db "$db" >/dev/null || bad "validate"
"$HR" reconcile -q --period 2026-10 --db "$db" >/dev/null || bad "reconcile"
"$HR" render --report monthly --period 2026-10 --lang en --db "$db" --out "$T/o6" >"$T/o" 2>"$T/e" || bad "render: $(cat "$T/e")"
[ -z "$(mark_of_page "$T/o6/monthly-2026-10-hospital.en.pdf" 2)" ] && ok || bad "a clean report carries a mark"
dueline "$db" >"$T/due"
has "due, clean" "$T/due" " done$"
[ ! -e "$db.lock" ] && ok || bad "render left $db.lock"

# ---- the cover reads the state of the current data ----
# a corrected census.csv (one row fewer) after validation and reconciliation
mkdir "$T/fix"
cp "$T/clean/2026-10/"* "$T/fix/"
sed '$d' "$T/clean/2026-10/census.csv" >"$T/fix/census.csv"
"$HR" ingest -q --in "$T/fix" --period 2026-10 --db "$db" || bad "ingest of the correction"
"$HR" status --db "$db" >"$T/status"
has "status after a correction" "$T/status" "^2026-10 .* stale "
"$HR" render --report monthly --period 2026-10 --lang en --db "$db" --out "$T/o7" >"$T/o" 2>"$T/e"
status_is "render of a month changed after validation" 2 $?
"$HR" render --report monthly --period 2026-10 --lang all --force --db "$db" --out "$T/o7" >"$T/o" 2>"$T/e"
status_is "render --force of a month changed after validation" 0 $?
pdftotext -q -f 1 -l 1 "$T/o7/monthly-2026-10-hospital.en.pdf" "$T/cover.txt"
has "forced cover, stale states" "$T/cover.txt" "Stale: the data changed after validation or"
if grep -q "^Validated and reconciled" "$T/cover.txt"; then bad "the stale cover says validated"; else ok; fi
pdftotext -q -f 1 -l 1 "$T/o7/monthly-2026-10-hospital.zh_CN.pdf" "$T/cover.txt"
has "forced cover, stale states, zh_CN" "$T/cover.txt" "视为未校验"

summary
