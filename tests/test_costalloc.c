/*
 * test_costalloc.c -- three-level cost allocation (spec/INDICATORS.md) on a
 * hand-computed small hospital: two admin, two support, two medtech and
 * three clinical departments; every level checked to the cent, including
 * largest-remainder ties broken by dept_code, backwards drivers ignored with
 * a warning, a pool without receivers reported unallocated, and
 * conservation. Then conservation on pseudo-random months.
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
#include "stages/compute/compute_internal.h"
#include "tests/support/testkit.h"

static char scratch[64]; /* the test kit's, one per test */

static int setup(void **state)
{
    *state = tk_scratch_db(scratch, "test-costalloc");
    return 0;
}

static int teardown(void **state)
{
    tk_scratch_close(*state, scratch);
    return 0;
}

/* D in cents; FTE; category. */
static const char hospital_sql[] =
    "INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no) VALUES"
    " ('2026-05','0801','院办','Office','admin',1,2), ('2026-05','0802','财务','Finance','admin',1,3),"
    " ('2026-05','0601','洗衣','Laundry','support',1,4), ('2026-05','0602','供应','Supply','support',1,5),"
    " ('2026-05','0501','放射','Radiology','medtech',1,6), ('2026-05','0502','检验','Lab','medtech',1,7),"
    " ('2026-05','0101','内科','Medicine','clinical',1,8), ('2026-05','0102','外科','Surgery','clinical',1,9),"
    " ('2026-05','0103','儿科','Paediatrics','clinical',1,10);"
    "INSERT INTO cost (period, month, dept_code, category, amount_cents, file_id, line_no) VALUES"
    " ('2026-05','2026-05','0801','personnel',1000,2,2), ('2026-05','2026-05','0802','other',333,2,3),"
    " ('2026-05','2026-05','0601','other',500,2,4), ('2026-05','2026-05','0602','other',100,2,5),"
    " ('2026-05','2026-05','0501','personnel',700,2,6), ('2026-05','2026-05','0101','drug',2000,2,7),"
    " ('2026-05','2026-05','0102','drug',1000,2,8);"
    "INSERT INTO staff (period, month, dept_code, doctors, nurses, technicians, others, file_id,"
    " line_no) VALUES"
    " ('2026-05','2026-05','0801',0,0,0,5,3,2), ('2026-05','2026-05','0601',0,0,0,1,3,3),"
    " ('2026-05','2026-05','0602',0,0,0,1,3,4), ('2026-05','2026-05','0501',0,0,1.5,0.5,3,5),"
    " ('2026-05','2026-05','0502',0,0,1,0,3,6), ('2026-05','2026-05','0101',1,2,0,0,3,7),"
    " ('2026-05','2026-05','0102',1,1,0,0,3,8);"
    "INSERT INTO alloc_driver (period, month, from_dept, to_dept, units, file_id, line_no) VALUES"
    " ('2026-05','2026-05','0601','0101',1,4,2), ('2026-05','2026-05','0601','0501',1,4,3),"
    " ('2026-05','2026-05','0601','0103',1,4,4), ('2026-05','2026-05','0601','0602',5,4,5),"
    " ('2026-05','2026-05','0602','0801',2,4,6),"
    " ('2026-05','2026-05','0501','0101',1,4,7), ('2026-05','2026-05','0501','0102',1,4,8),"
    " ('2026-05','2026-05','0501','0103',1,4,9), ('2026-05','2026-05','0501','0502',1,4,10),"
    " ('2026-05','2026-05','0502','0102',3,4,11), ('2026-05','2026-05','0502','0103',1,4,12);";

static int64_t flow(sqlite3 *db, int level, const char *from, const char *to)
{
    int64_t v = 0;
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT amount_cents FROM cost_allocation WHERE month = '2026-05' AND level = %d"
             " AND from_dept = '%s' AND to_dept = '%s'",
             level, from, to);
    return db_query_int(db, &v, NULL, sql, NULL) == 1 ? v : -1;
}

static int64_t count(sqlite3 *db, const char *sql)
{
    int64_t v = -1;
    db_query_int(db, &v, NULL, sql, NULL);
    return v;
}

static void test_small_hospital_by_hand(void **state)
{
    sqlite3 *db = *state;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_exec(db, hospital_sql, &err), HR_OK);
    assert_int_equal(costalloc_month(db, "2026-05", &err), HR_OK);

    /* Level 1. FTE of non-admin: 0601 1, 0602 1, 0501 2, 0502 1, 0101 3,
     * 0102 2, 0103 0 = 10 (0801's own 5 FTE do not count).
     * 0801: 10.00 splits exactly: 1.00 1.00 2.00 1.00 3.00 2.00. */
    assert_int_equal(flow(db, 1, "0801", "0601"), 100);
    assert_int_equal(flow(db, 1, "0801", "0501"), 200);
    assert_int_equal(flow(db, 1, "0801", "0101"), 300);
    assert_int_equal(flow(db, 1, "0801", "0102"), 200);
    assert_int_equal(flow(db, 1, "0801", "0103"), -1); /* 0 FTE: no row */
    /* 0802: 3.33 -> 33.3 33.3 66.6 33.3 99.9 66.6 cents: floors 330, 3 cents
     * left to .9 (0101), then the .6 tie 0102 before 0501 (byte order). */
    assert_int_equal(flow(db, 1, "0802", "0101"), 100);
    assert_int_equal(flow(db, 1, "0802", "0102"), 67);
    assert_int_equal(flow(db, 1, "0802", "0501"), 67);
    assert_int_equal(flow(db, 1, "0802", "0601"), 33);
    assert_int_equal(flow(db, 1, "0802", "0602"), 33);
    assert_int_equal(flow(db, 1, "0802", "0502"), 33);

    /* Level 2. 0601 pool 5.00 + 1.33 = 6.33 over 0101, 0501, 0103 (1 unit
     * each; 0601 -> 0602 is backwards): 2.11 each. 0602's only driver points
     * at admin: its pool 1.00 + 1.33 = 2.33 is unallocated. */
    assert_int_equal(flow(db, 2, "0601", "0101"), 211);
    assert_int_equal(flow(db, 2, "0601", "0501"), 211);
    assert_int_equal(flow(db, 2, "0601", "0103"), 211);
    assert_int_equal(flow(db, 2, "0601", "0602"), -1);
    assert_int_equal(count(db, "SELECT amount_cents FROM cost_unallocated WHERE month = '2026-05'"
                               " AND level = 2 AND dept_code = '0602'"),
                     233);

    /* Level 3. 0501 pool 7.00 + 2.67 + 2.11 = 11.78 over three clinical
     * (0501 -> 0502 backwards): 392.67 each, 2 cents to the tie's first
     * codes 0101 and 0102. 0502 pool 1.33 over 0102 (3) and 0103 (1):
     * 99.75 and 33.25 -> 100 and 33. */
    assert_int_equal(flow(db, 3, "0501", "0101"), 393);
    assert_int_equal(flow(db, 3, "0501", "0102"), 393);
    assert_int_equal(flow(db, 3, "0501", "0103"), 392);
    assert_int_equal(flow(db, 3, "0502", "0102"), 100);
    assert_int_equal(flow(db, 3, "0502", "0103"), 33);

    /* full cost: 0101 20.00 + 4.00 + 2.11 + 3.93 = 30.04; 0102 10.00 + 2.67 +
     * 3.93 + 1.00 = 17.60; 0103 2.11 + 3.92 + 0.33 = 6.36. */
    assert_int_equal(count(db, "SELECT sum(amount_cents) FROM cost_allocation WHERE to_dept ="
                               " '0101'") + 2000,
                     3004);
    assert_int_equal(count(db, "SELECT sum(amount_cents) FROM cost_allocation WHERE to_dept ="
                               " '0102'") + 1000,
                     1760);
    assert_int_equal(count(db, "SELECT sum(amount_cents) FROM cost_allocation WHERE to_dept ="
                               " '0103'"),
                     636);
    /* conservation: 30.04 + 17.60 + 6.36 + 2.33 unallocated = 56.33 = Σ D */
    assert_int_equal(3004 + 1760 + 636 + 233, 5633);
    /* the three backwards drivers were reported */
    assert_int_equal(count(db, "SELECT count(*) FROM cost_alloc_warning WHERE month = '2026-05'"
                               " AND reason LIKE 'backwards%'"),
                     3);

    /* rerunning replaces, not duplicates */
    assert_int_equal(costalloc_month(db, "2026-05", &err), HR_OK);
    assert_int_equal(count(db, "SELECT count(*) FROM cost_unallocated"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM cost_alloc_warning"), 3);

    /* a row that cannot be stored fails the month, it is not dropped */
    const char *tables[] = {"cost_allocation", "cost_unallocated", "cost_alloc_warning"};
    for (int i = 0; i < 3; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER refuse BEFORE INSERT ON %s BEGIN SELECT RAISE(ABORT, 'full'); "
                 "END",
                 tables[i]);
        assert_int_equal(db_exec(db, sql, &err), HR_OK);
        hr_error_clear(&err);
        assert_int_equal(costalloc_month(db, "2026-05", &err), HR_EFAIL);
        assert_non_null(strstr(err.message, "full"));
        assert_int_equal(db_exec(db, "DROP TRIGGER refuse", &err), HR_OK);
    }

    /* a read error in a reader loop (here while summing the drivers: a view
     * whose column fails to evaluate) fails the month with the database's
     * reason; it is not taken for a month without drivers */
    assert_int_equal(db_exec(db,
                             "ALTER TABLE alloc_driver RENAME TO alloc_driver_rows;"
                             "CREATE VIEW alloc_driver AS SELECT period, month, from_dept, "
                             "to_dept, CASE WHEN to_dept = '0103' THEN json('{') ELSE units END"
                             " AS units, file_id, line_no FROM alloc_driver_rows",
                             &err),
                     HR_OK);
    hr_error_clear(&err);
    assert_int_equal(costalloc_month(db, "2026-05", &err), HR_EFAIL);
    assert_non_null(strstr(err.message, "malformed JSON"));
    assert_non_null(strstr(err.message, "alloc_driver"));
}

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 8) % 1000003u;
}

/* Pseudo-random months: conservation holds to the cent in every one. */
static void test_conservation_random(void **state)
{
    sqlite3 *db = *state;
    hr_error err;
    unsigned seed = 12345;
    static const char *const cats[] = {"admin", "support", "medtech", "clinical"};
    for (int month = 1; month <= 12; month++) {
        char m[24], sql[2048];
        snprintf(m, sizeof m, "2025-%02d", month);
        for (int d = 0; d < 40; d++) {
            unsigned cost = rnd(&seed) * 37u, a = rnd(&seed) % 9, b = rnd(&seed) % 7;
            snprintf(sql, sizeof sql,
                     "INSERT INTO dept VALUES ('%s','D%02d','x','x','%s',1,1);"
                     "INSERT INTO cost VALUES ('%s','%s','D%02d','other',%u,1,1);"
                     "INSERT INTO staff VALUES ('%s','%s','D%02d',%u.5,%u,0,0.25,1,1);",
                     m, d, cats[d % 4], m, m, d, cost, m, m, d, a, b);
            assert_int_equal(db_exec(db, sql, &err), HR_OK);
        }
        for (int i = 0; i < 120; i++) {
            unsigned from = rnd(&seed) % 40, to = rnd(&seed) % 40, u = rnd(&seed) % 50,
                     frac = rnd(&seed) % 10;
            snprintf(sql, sizeof sql,
                     "INSERT INTO alloc_driver VALUES ('%s','%s','D%02u','D%02u',%u.%u,1,1);", m, m,
                     from, to, u, frac);
            assert_int_equal(db_exec(db, sql, &err), HR_OK);
        }
        assert_int_equal(costalloc_month(db, m, &err), HR_OK);
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT coalesce(sum(c.amount_cents), 0) FROM cost c JOIN dept d"
                 "  ON d.period = c.period AND d.dept_code = c.dept_code AND d.category = 'clinical'"
                 "  WHERE c.period = '%s')"
                 " + (SELECT coalesce(sum(a.amount_cents), 0) FROM cost_allocation a JOIN dept d"
                 "  ON d.period = a.month AND d.dept_code = a.to_dept AND d.category = 'clinical'"
                 "  WHERE a.month = '%s')"
                 " + (SELECT coalesce(sum(amount_cents), 0) FROM cost_unallocated WHERE month = '%s')"
                 " - (SELECT sum(amount_cents) FROM cost WHERE period = '%s')",
                 m, m, m, m);
        assert_int_equal(count(db, sql), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_hospital_by_hand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conservation_random, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
