#!/bin/sh
# Ways of losing an error that the code of pipeline/ and stages/ may not
# use (issue 13), checked by make check:
#   - a read loop on SQLITE_ROW alone, `while (sqlite3_step(st) == SQLITE_ROW)`,
#     which takes a read error for the end of the data: step with db_row()
#     (pipeline/core/db.h), or keep the step's code and test it after the loop;
#   - a db_row() loop whose rc is read before db_row() sets it (the loop's
#     condition tests an rc declared without a value: under -O1 that lost
#     whole months of DRG rows), or whose body assigns rc without the
#     condition testing it (the next db_row() overwrites the body's error);
#   - a single-row read on SQLITE_ROW alone, `if (sqlite3_step(st) ==
#     SQLITE_ROW)`, which takes a read error for "no row": use db_one().
#     The files listed in ONE_ROW_LEFT still hold that many, in code other
#     work owned when the check came; a file may lower its count, not raise it;
#   - an allocation checked for NULL by hand: use xmalloc, xcalloc, xstrdup,
#     xrealloc (pipeline/core/xalloc.h). A raw malloc/calloc/strdup/realloc
#     whose failure the code handles says so on its line ("may fail").
# Usage: scripts/check-idioms.sh [FILE.c ...]   (default: the tree's code)
set -u
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    files="$*"
else
    files=$(ls pipeline/*.c pipeline/core/*.c pipeline/core/*.h stages/*/*.c stages/*/*.h)
fi
cfiles=$(for f in $files; do case $f in *.c) echo "$f" ;; esac; done)
bad=0

loops=$(grep -nE 'while \((!?rc( == HR_OK)? && )?(st && )?(!rc && )?sqlite3_step\([a-z_>-]*\) == SQLITE_ROW' \
    $cfiles /dev/null)
if [ -n "$loops" ]; then
    echo "$loops" | sed 's/$/  <- a read loop that ignores errors: use db_row()/'
    bad=1
fi

rows=$(awk '
# per function: the int variables declared without a value
FNR == 1 || /^\{/ { delete uninit; inloop = 0 }
{ line = $0; sub(/\/\/.*/, "", line) }
line ~ /^[ \t]+int [a-z_][a-z_0-9]*( = [^;]*)?(, [a-z_][a-z_0-9]*( = [^;]*)?)*;/ {
    d = line
    sub(/^[ \t]+int /, "", d)
    sub(/;.*/, "", d)
    while (gsub(/\([^()]*\)/, "", d)) {}
    n = split(d, parts, /, */)
    for (i = 1; i <= n; i++) {
        p = parts[i]
        if (p ~ /^[a-z_][a-z_0-9]*$/)
            uninit[p] = 1
        else {
            sub(/ .*/, "", p)
            delete uninit[p]
        }
    }
}
inloop {
    if (line ~ ("(^|[^a-z_0-9.>])" v " = [^=]") || (line ~ /db_row\(/ && line ~ ("&" v "[,)]"))) {
        if (!guarded)
            printf "%s:%d: %s is set in the body of a db_row() loop whose condition does not test it: the next db_row() overwrites it (write while (!%s && db_row(...)))\n", FILENAME, FNR, v, v
        inloop = 0
    }
    t = line
    depth += gsub(/\{/, "{", t) - gsub(/\}/, "}", t)
    if ((braced && depth <= 0) || (!braced && line ~ /;[ \t]*(\/\*.*)?$/))
        inloop = 0
    next
}
line ~ /while \(.*db_row\(/ && match(line, /db_row\([^,]*, *&[a-z_][a-z_0-9]*/) {
    v = substr(line, RSTART, RLENGTH)
    sub(/.*&/, "", v)
    cond = substr(line, 1, RSTART - 1)
    guarded = cond ~ ("!" v " && ") || cond ~ ("[( ]" v " == HR_OK && ")
    if (guarded && (v in uninit))
        printf "%s:%d: the loop tests %s before db_row() has set it: declare it int %s = HR_OK\n", FILENAME, FNR, v, v
    t = line
    depth = gsub(/\{/, "{", t) - gsub(/\}/, "}", t)
    braced = depth > 0
    inloop = !(line ~ /\)[ \t]*[^ \t{][^;]*;[ \t]*$/)   # a body on the while line: none to scan
}' $cfiles /dev/null)
if [ -n "$rows" ]; then
    echo "$rows"
    bad=1
fi

# Single-row reads left on SQLITE_ROW alone, per file (to convert to db_one).
ONE_ROW_LEFT="stages/advise/advise.c 1
stages/compute/compute.c 1
stages/compute/cube.c 1
stages/compute/measures.c 1
stages/compute/missing.c 1
stages/render/request.c 1
stages/render/table.c 1
stages/validate/validate.c 2
stages/validate/validate_quarantine.c 2
stages/validate/validate_rules.c 1
stages/validate/validate_thresholds.c 1"
for f in $cfiles; do
    n=$(grep -E 'sqlite3_step\([a-z_>.-]*\) [!=]= SQLITE_ROW' "$f" | grep -vc 'while')
    allowed=$(echo "$ONE_ROW_LEFT" | awk -v f="$f" '$1 == f { print $2 }')
    if [ "$n" -gt "${allowed:-0}" ]; then
        grep -nE 'sqlite3_step\([a-z_>.-]*\) [!=]= SQLITE_ROW' "$f" | grep -v while |
            sed "s|^|$f:|; s/\$/  <- a single-row read that takes an error for no row: use db_one()/"
        bad=1
    fi
done

allocs=$(grep -nE '(^|[^_a-z])(malloc|calloc|strdup|strndup|realloc)\(' $files /dev/null |
    grep -v '^pipeline/core/xalloc.h:' | grep -v 'may fail')
if [ -n "$allocs" ]; then
    echo "$allocs" | sed 's/$/  <- use xmalloc, xcalloc, xstrdup, xrealloc (pipeline\/core\/xalloc.h)/'
    bad=1
fi
[ $bad -eq 0 ] && echo "idioms: every read loop and single-row read sees errors, every allocation is checked"
exit $bad
