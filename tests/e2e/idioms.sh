#!/bin/sh
# idioms.sh -- scripts/check-idioms.sh finds each way of losing a read error
# it names, planted in files of its own, and passes their corrected forms
# (and the tree, which make check also runs it on).
set -u
. "$(dirname "$0")/lib.sh"
C=scripts/check-idioms.sh

plant() { # NAME: the C text on stdin, into $T/NAME.c
    cat >"$T/$1.c"
}
flags() { # DESC FILE PATTERN: the check fails on FILE, naming PATTERN
    if sh $C "$T/$2.c" >"$T/out" 2>&1; then
        bad "$1: the check passed $2.c"
        cat "$T/$2.c"
    else
        has "$1" "$T/out" "$3"
    fi
}
passes() { # DESC FILE
    check "$1" 0 sh $C "$T/$2.c"
}

# rc tested by the loop's condition before db_row() has set it (drgmonth's
# -O1 loss) and the same with rc initialised
plant uninit <<'C'
static int f(sqlite3_stmt *st, hr_error *err)
{
    int n = 0, rc;
    while (!rc && db_row(st, &rc, err)) {
        rc = g(st);
    }
    return rc;
}
C
flags "rc read before db_row sets it" uninit "uninit.c:4: the loop tests rc before db_row() has set it"
sed 's/int n = 0, rc;/int n = 0, rc = HR_OK;/' "$T/uninit.c" >"$T/uninit_ok.c"
passes "rc initialised" uninit_ok

# a body's own error overwritten by the next db_row(), and guarded
plant unguarded <<'C'
static int f(sqlite3_stmt *st, hr_error *err)
{
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        if (bad_row(st))
            rc = hr_error_set(err, HR_EINPUT, NULL, 0, NULL, "bad");
    }
    return rc;
}
C
flags "a body's error overwritten" unguarded "unguarded.c:6: rc is set in the body of a db_row() loop"
sed 's/while (db_row(/while (rc == HR_OK \&\& db_row(/' "$T/unguarded.c" >"$T/unguarded_ok.c"
passes "a guarded body" unguarded_ok
# an inner loop on the same rc, under an outer loop that does not test it
plant nested <<'C'
static int f(sqlite3_stmt *st, sqlite3_stmt *q, hr_error *err)
{
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        while (db_row(q, &rc, err))
            n++;
    }
    return rc;
}
C
flags "an inner loop's error overwritten" nested "nested.c:5: rc is set in the body"
# reading rc inside the loop is fine: db_row sets it on every call
plant reads <<'C'
static int f(sqlite3_stmt *st, hr_error *err)
{
    int rc;
    while (db_row(st, &rc, err)) {
        if (rc)
            break;
    }
    return rc;
}
C
passes "rc read in the body" reads

# single-row reads and loops on SQLITE_ROW alone
plant onerow <<'C'
static int f(sqlite3_stmt *st)
{
    if (sqlite3_step(st) == SQLITE_ROW)
        return 1;
    return 0;
}
C
flags "a single-row read" onerow "use db_one()"
plant loop <<'C'
static void f(sqlite3_stmt *st)
{
    while (sqlite3_step(st) == SQLITE_ROW)
        n++;
}
C
flags "a loop on SQLITE_ROW alone" loop "use db_row()"
plant steps <<'C'
static int f(sqlite3_stmt *st, hr_error *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        n++;
    return rc == SQLITE_DONE ? db_one(st, err) : -1;
}
C
passes "a loop that keeps the step's code" steps

check "the tree" 0 sh $C
summary
