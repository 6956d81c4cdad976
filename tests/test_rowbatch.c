/*
 * test_rowbatch.c -- compute's batched inserts (stages/compute/rowbatch.c):
 * the rows land in the order given (rowids included) across a full batch
 * and the one-row tail, with their types; nothing is in the table before
 * its batch is flushed; a failing batch names what it was storing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "stages/compute/compute_internal.h"
#include "tests/support/testkit.h"

static int setup(void **state)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tk_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY, i INTEGER, d REAL, s TEXT)");
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    sqlite3_close(*state);
    return 0;
}

/* 150 rows: two full batches of 64 and a tail of 22 by the one-row INSERT */
static void test_order_and_types(void **state)
{
    sqlite3 *db = *state;
    hr_error err;
    hr_error_clear(&err);
    row_batch *b = rb_open(db, "INSERT", "t (k, i, d, s)", 4, "storing t", &err);
    assert_non_null(b);
    for (int r = 0; r < 150; r++) {
        char k[16], s[16];
        snprintf(k, sizeof k, "k%03d", 149 - r); /* keys descending: rowid order is ours */
        snprintf(s, sizeof s, "s%d", r);
        rb_text(b, 1, k);
        rb_int(b, 2, (int64_t)r * 1000000007);
        if (r % 3)
            rb_double(b, 3, r + 0.25);
        else
            rb_null(b, 3);
        rb_text(b, 4, r % 5 ? s : NULL);
        assert_int_equal(rb_row(b, &err), HR_OK);
        if (r == 130) /* two batches in, the tail waits */
            assert_int_equal(tk_query_int(db, "SELECT count(*) FROM t"), 128);
    }
    assert_int_equal(rb_flush(b, &err), HR_OK);
    rb_close(b);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM t"), 150);
    /* rowid r + 1 holds row r */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM t WHERE rowid - 1 = i / 1000000007"
                                      " AND k = printf('k%03d', 150 - rowid)"
                                      " AND (d IS NULL) = ((rowid - 1) % 3 = 0)"
                                      " AND (d IS NULL OR d = rowid - 1 + 0.25)"
                                      " AND (s IS NULL) = ((rowid - 1) % 5 = 0)"
                                      " AND (s IS NULL OR s = 's' || (rowid - 1))"),
                     150);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM t WHERE typeof(i) = 'integer'"
                                      " AND typeof(d) IN ('real', 'null')"),
                     150);
}

/* a duplicate key in a full batch and in the tail: an error naming what */
static void test_error_names_what(void **state)
{
    sqlite3 *db = *state;
    hr_error err;
    for (int n = 64; n <= 65; n++) {
        tk_exec(db, "DELETE FROM t");
        hr_error_clear(&err);
        row_batch *b = rb_open(db, "INSERT", "t (k, i, d, s)", 4, "storing t", &err);
        int rc = HR_OK;
        for (int r = 0; r < n && !rc; r++) {
            char k[16];
            snprintf(k, sizeof k, "k%02d", r == n - 1 ? 0 : r); /* the last is the first's */
            rb_text(b, 1, k);
            rb_int(b, 2, r);
            rb_null(b, 3);
            rb_null(b, 4);
            rc = rb_row(b, &err);
        }
        if (!rc)
            rc = rb_flush(b, &err);
        rb_close(b);
        assert_int_not_equal(rc, HR_OK);
        assert_non_null(strstr(err.message, "storing t"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_names_what, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
