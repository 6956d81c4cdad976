#!/bin/sh
# Two ways of losing an error that the code of pipeline/ and stages/ may not
# use (issue 13), checked by make check:
#   - a read loop on SQLITE_ROW alone, `while (sqlite3_step(st) == SQLITE_ROW)`,
#     which takes a read error for the end of the data: step with db_row()
#     (pipeline/core/db.h), or keep the step's code and test it after the loop;
#   - an allocation checked for NULL by hand: use xmalloc, xcalloc, xstrdup,
#     xrealloc (pipeline/core/xalloc.h). A raw malloc/calloc/strdup/realloc
#     whose failure the code handles says so on its line ("may fail").
set -u
cd "$(dirname "$0")/.."
bad=0
loops=$(grep -nE 'while \((!?rc( == HR_OK)? && )?(st && )?(!rc && )?sqlite3_step\([a-z_>-]*\) == SQLITE_ROW' \
    pipeline/*.c pipeline/core/*.c stages/*/*.c)
if [ -n "$loops" ]; then
    echo "$loops" | sed 's/$/  <- a read loop that ignores errors: use db_row()/'
    bad=1
fi
allocs=$(grep -nE '(^|[^_a-z])(malloc|calloc|strdup|strndup|realloc)\(' \
    pipeline/*.c pipeline/core/*.[ch] stages/*/*.[ch] | grep -v '^pipeline/core/xalloc.h:' |
    grep -v 'may fail')
if [ -n "$allocs" ]; then
    echo "$allocs" | sed 's/$/  <- use xmalloc, xcalloc, xstrdup, xrealloc (pipeline\/core\/xalloc.h)/'
    bad=1
fi
[ $bad -eq 0 ] && echo "idioms: every read loop sees errors, every allocation is checked"
exit $bad
