/*
 * test_db.c -- the database wrapper (pipeline/core/db.h): migrations
 * applied once each, in any order of arrival, a newer database refused; and
 * the one read loop, db_row, which tells the end of the data from an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/error.h"
#include "tests/support/testkit.h"

static void test_db_migrations(void **state)
{
    (void)state;
    char dir[64], path[128];
    tk_tmpdir_create(dir, "test-db");
    snprintf(path, sizeof path, "%s/migrations.db", dir);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    assert_int_equal(db_schema_version(db), db_latest_version());
    assert_true(db_latest_version() >= 1);
    int64_t n = -1;
    assert_int_equal(db_query_int(db, &n, &err,
                                  "SELECT count(*) FROM sqlite_master WHERE name = ?",
                                  "outpatient", NULL),
                     1);
    assert_int_equal(n, 1);
    db_close(db);
    /* Reopening applies nothing again. */
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    assert_int_equal(db_schema_version(db), db_latest_version());
    /* A migration not recorded is applied even though higher ones are: here
     * 021 (validate_volume) after 061 -- a stage adding a migration in its
     * own, lower number range must reach existing databases. */
    assert_int_equal(db_exec(db,
                             "DROP TABLE validate_volume; "
                             "DELETE FROM schema_migration WHERE number = 21",
                             &err),
                     HR_OK);
    db_close(db);
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    n = -1;
    assert_int_equal(db_query_int(db, &n, &err,
                                  "SELECT count(*) FROM sqlite_master WHERE name = ?",
                                  "validate_volume", NULL),
                     1);
    assert_int_equal(n, 1);
    assert_int_equal(db_schema_version(db), db_latest_version());
    /* A database from a newer hospreport is refused with a clear message. */
    char newer[128];
    snprintf(newer, sizeof newer,
             "INSERT INTO schema_migration VALUES (%d, 'future', '2030-01-01T00:00:00Z')",
             db_latest_version() + 1);
    assert_int_equal(db_exec(db, newer, &err), HR_OK);
    db_close(db);
    assert_int_equal(db_open(path, &db, &err), HR_EFAIL);
    assert_non_null(strstr(err.message, "newer"));
    assert_null(db);
    /* A bad statement names itself. */
    hr_error_clear(&err);
    char p2[160];
    snprintf(p2, sizeof p2, "%s.2", path);
    assert_int_equal(db_open(p2, &db, &err), HR_OK);
    assert_int_equal(db_exec(db, "SELEC 1", &err), HR_EFAIL);
    assert_non_null(strstr(err.message, "SELEC 1"));
    db_close(db);
    tk_tmpdir_remove(dir);
}

/* db_row: 1 per row, then 0 with HR_OK at the end; a read error in the
 * middle (the statement interrupted after its first rows) is 0 with
 * HR_EFAIL and a message naming the SQL, never the end of the data. rc is
 * set by every call, HR_OK with each row: a body that reads it never sees
 * a value from before the loop (under -O1 an uninitialised one lost
 * drgmonth's rows). */
static void test_db_row(void **state)
{
    (void)state;
    char dir[64];
    sqlite3 *db = tk_scratch_db(dir, "test-db-row");
    tk_exec(db, "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                "FROM n WHERE i < 1000) INSERT INTO t SELECT i FROM n;");
    hr_error err;
    hr_error_clear(&err);
    sqlite3_stmt *st = db_prepare(db, "SELECT x FROM t WHERE x > 0", &err);
    assert_non_null(st);
    int rc = -1, rows = 0, stale = 0;
    while (db_row(st, &rc, &err)) {
        rows++;
        stale += rc != HR_OK;
    }
    assert_int_equal(rc, HR_OK);
    assert_int_equal(rows, 1000);
    assert_int_equal(stale, 0);
    sqlite3_reset(st);

    tk_interrupt_reader(db, "SELECT x FROM t", 200);
    rc = -1, rows = 0;
    while (db_row(st, &rc, &err))
        rows++;
    tk_interrupt_clear(db);
    assert_true(tk_interrupt_fired());
    assert_true(rows > 0 && rows < 1000);
    assert_int_equal(rc, HR_EFAIL);
    assert_int_equal(err.code, HR_EFAIL);
    assert_non_null(strstr(err.message, "interrupted"));
    assert_non_null(strstr(err.message, "SELECT x FROM t WHERE x > 0"));
    sqlite3_finalize(st);
    tk_scratch_close(db, dir);
}

/* A scope's indicator over a range of months (a sparkline, a trend) is a
 * seek on the series index (063), not a scan of the months' every row. */
static void test_db_series_index(void **state)
{
    (void)state;
    char dir[64], path[128];
    tk_tmpdir_create(dir, "test-db");
    snprintf(path, sizeof path, "%s/series.db", dir);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    sqlite3_stmt *st = db_prepare(db,
                                  "EXPLAIN QUERY PLAN SELECT period, value FROM indicator_value "
                                  "WHERE scope = '0101' AND indicator = 'discharges' AND "
                                  "period >= '2025-10' AND period <= '2026-10'",
                                  &err);
    assert_non_null(st);
    int seek = 0, rc = HR_OK;
    while (db_row(st, &rc, &err)) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        if (detail && strstr(detail, "indicator_value_series (scope=? AND indicator=?"))
            seek = 1;
    }
    assert_int_equal(rc, HR_OK);
    sqlite3_finalize(st);
    assert_true(seek);
    db_close(db);
    tk_tmpdir_remove(dir);
}

/* db_one: a row is 1, no row 0 (both without touching err), a read error
 * -1 with err naming the SQL -- not "no row", which a single-row read on
 * SQLITE_ROW alone takes it for. */
static void test_db_one(void **state)
{
    (void)state;
    char dir[64];
    sqlite3 *db = tk_scratch_db(dir, "test-db-one");
    tk_exec(db, "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                "FROM n WHERE i < 1000) INSERT INTO t SELECT i FROM n;");
    hr_error err;
    hr_error_clear(&err);
    sqlite3_stmt *st = db_prepare(db, "SELECT sum(x) FROM t WHERE x > ?", &err);
    assert_non_null(st);
    sqlite3_bind_int(st, 1, 998);
    assert_int_equal(db_one(st, &err), 1);
    assert_int_equal(sqlite3_column_int(st, 0), 999 + 1000);
    sqlite3_finalize(st);
    st = db_prepare(db, "SELECT x FROM t WHERE x > ?", &err);
    sqlite3_bind_int(st, 1, 1000);
    assert_int_equal(db_one(st, &err), 0);
    assert_int_equal(err.code, HR_OK);
    sqlite3_finalize(st);
    /* the aggregate reads the table before its one row: interrupted there */
    st = db_prepare(db, "SELECT sum(x) FROM t WHERE x > ?", &err);
    sqlite3_bind_int(st, 1, 0);
    tk_interrupt_reader(db, "SELECT sum(x) FROM t", 200);
    assert_int_equal(db_one(st, &err), -1);
    tk_interrupt_clear(db);
    assert_true(tk_interrupt_fired());
    assert_int_equal(err.code, HR_EFAIL);
    assert_non_null(strstr(err.message, "interrupted"));
    assert_non_null(strstr(err.message, "SELECT sum(x) FROM t WHERE x > ?"));
    sqlite3_finalize(st);
    tk_scratch_close(db, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_migrations),
        cmocka_unit_test(test_db_row),
        cmocka_unit_test(test_db_series_index),
        cmocka_unit_test(test_db_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
