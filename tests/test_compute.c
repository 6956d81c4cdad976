/*
 * test_compute.c -- the compute stage on a tiny hand-made hospital
 * (tests/data/compute/fixture.sql): every indicator of the catalogue,
 * comparisons, a quarter and a YTD where averaging monthly ratios would be
 * wrong, zero denominators, missing source files, the discharges
 * authority, flags, contributions, budget execution, the operating
 * statement, the equipment benefit table, recomputation when inputs change,
 * and the export CSV. Every expected number is worked out by hand in the
 * comments from the fixture's rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "stages/compute/compute.h"
#include "tests/support/testkit.h"
#include "stages/compute/compute_internal.h"

static char scratch[64];

static int setup(void **state)
{
    setenv("HOSPREPORT_DATADIR", ".", 1);
    tk_tmpdir_create(scratch, "test-compute");
    *state = tk_fixture_db(scratch, "compute", "tests/data/compute/fixture.sql");
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    tk_tmpdir_remove(scratch);
    return 0;
}



#define V(p, s, i, want) tk_expect_indicator(db, p, s, i, "value", want)
#define U(p, s, i) tk_expect_undefined(db, p, s, i, "value")

/* January 2026, hospital: one test per indicator, by hand from fixture.sql. */
static void test_month_hospital_every_indicator(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-01");
    const char *p = "2026-01", *h = "hospital";
    V(p, h, "outpatient_visits", 3);   /* v1 v2 v3 (O) */
    V(p, h, "emergency_visits", 1);    /* v4 (E) */
    V(p, h, "oe_visits", 4);
    V(p, h, "discharges", 3);          /* s1 s2 s3 */
    V(p, h, "admissions", 3);          /* census 1 + 2 + 0 */
    V(p, h, "surgeries", 3);           /* o1 o2 o3 dated January */
    V(p, h, "major_surgery_ratio", 200.0 / 3);      /* o1 (3), o2 (4) of 3 */
    V(p, h, "surgery_discharge_ratio", 200.0 / 3);  /* s1, s3 (o0 in December counts) */
    V(p, h, "exams", 20);                           /* E1 15 + E2 5 */
    V(p, h, "avg_los", 25.0 / 3);                   /* 4 + 1 (0 counted as 1) + 20 */
    V(p, h, "preop_days", 1.5);                     /* s1: 1 day, s3: 12-20 -> 12-22 = 2 */
    V(p, h, "bed_utilization", 90);                 /* 27 / 30 */
    V(p, h, "bed_turnover", 3.1);                   /* 3 / (30 / 31) */
    V(p, h, "avg_wait_minutes", 20);                /* (10 + 20 + 30) / 3, v4 has none */
    V(p, h, "oe_fee_per_visit", 125);               /* 500.00 / 4 */
    V(p, h, "oe_drug_fee_per_visit", 42.5);         /* 170.00 / 4 */
    V(p, h, "ip_fee_per_stay", 1500);               /* 4500.00 / 3 */
    V(p, h, "ip_drug_fee_per_stay", 1000.0 / 3);    /* 1000.00 / 3 */
    V(p, h, "drug_ratio", 23.4);                    /* (170 + 1000) / (500 + 4500) */
    V(p, h, "material_ratio", 22);                  /* (50 + 1050) / 5000 */
    V(p, h, "medical_revenue", 740);                /* 500 + 240 */
    tk_expect_indicator(db, p, h, "medical_revenue", "numerator", 74000); /* exact cents */
    V(p, h, "service_revenue_ratio", 60000.0 / 740); /* (300 + 100 + 200) / 740 */
    V(p, h, "direct_cost", 640);
    V(p, h, "full_cost", 640);                     /* hospital: all direct cost */
    V(p, h, "balance", 100);
    V(p, h, "personnel_cost_ratio", 75);           /* 480 / 640 */
    V(p, h, "oe_visits_per_doctor", 1);            /* 4 / 4 doctors */
    V(p, h, "record_grade_a_rate", 75);            /* s1 s3 s5 of 4 */
    V(p, h, "cure_improve_rate", 200.0 / 3);       /* s1 cured, s3 improved */
    V(p, h, "mortality_rate", 100.0 / 3);          /* s2 */
    V(p, h, "complaints", 2);
    V(p, h, "complaint_rate", 20000.0 / 7);        /* 2 / (4 + 3) x 10000 */
    V(p, h, "complaint_resolution_rate", 50);
    V(p, h, "equipment_utilization", 2000.0 / 720); /* 20 / (20 x 31 + 10 x 10) */
    V(p, h, "equipment_idle_rate", 3900.0 / 41);    /* (30 + 9) / (31 + 10) */
}

static void test_month_departments(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-01");
    V("2026-01", "0101", "outpatient_visits", 3);
    V("2026-01", "0102", "outpatient_visits", 0);   /* in the dictionary: 0, not undefined */
    V("2026-01", "0101", "avg_los", 2.5);           /* (4 + 1) / 2 */
    V("2026-01", "0102", "avg_los", 20);
    /* allocation (see test_costalloc for the level by level split):
     * 0101 receives 25.00 + 32.50 + 40.83 -> full 398.33; 0102 10.00 + 81.67 */
    V("2026-01", "0101", "full_cost", 398.33);
    tk_expect_indicator(db, "2026-01", "0101", "full_cost", "numerator", 39833);
    V("2026-01", "0102", "full_cost", 241.67);
    V("2026-01", "0101", "balance", 101.67);       /* 500.00 - 398.33 */
    V("2026-01", "0102", "balance", -1.67);        /* 240.00 - 241.67 */
    U("2026-01", "0201", "full_cost");             /* medtech: undefined */
    U("2026-01", "0401", "balance");
    V("2026-01", "0201", "exams", 20);             /* by the device's department */
    V("2026-01", "0201", "direct_cost", 80);
    U("2026-01", "0102", "complaint_resolution_rate"); /* 0 / 0 */
    V("2026-01", "0102", "complaints", 0);
}

/* February: mr_front and equipment files missing, no surgery, no complaint. */
static void test_missing_source_and_zero_denominator(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-02");
    const char *p = "2026-02", *h = "hospital";
    U(p, h, "record_grade_a_rate");               /* mr_front missing */
    U(p, h, "exams");                             /* equipment missing */
    U(p, h, "equipment_utilization");
    tk_expect_undefined(db, p, h, "record_grade_a_rate", "ytd"); /* the YTD contains February */
    V(p, h, "discharges", 1);                     /* the rest is computed */
    V(p, h, "avg_los", 10);
    V(p, h, "surgeries", 0);                      /* a zero count is defined */
    U(p, h, "major_surgery_ratio");               /* 0 / 0 */
    U(p, h, "preop_days");                        /* s4 had no surgery */
    V(p, h, "complaint_rate", 0);                 /* 0 / (1 + 1) */
    U(p, h, "complaint_resolution_rate");
    V(p, h, "drug_ratio", 10);                    /* (10 + 200) / 2100 */
    tk_expect_undefined(db, p, h, "major_surgery_ratio", "mom"); /* undefined current */
    V(p, h, "full_cost", 100);
    V(p, h, "oe_visits_per_doctor", 1);
    tk_expect_indicator(db, p, h, "oe_visits_per_doctor", "ytd", 2); /* 5 visits / mean(4, 1) doctors */
}

static void test_comparisons(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-02");
    /* February against January */
    tk_expect_indicator(db, "2026-02", "hospital", "oe_visits", "mom", -75);      /* (1 - 4) / 4 */
    tk_expect_indicator(db, "2026-02", "hospital", "oe_visits", "mom_base", 4);
    tk_expect_indicator(db, "2026-02", "hospital", "avg_los", "mom", 20);         /* (10 - 25/3) / (25/3) */
    tk_expect_indicator(db, "2026-02", "hospital", "drug_ratio", "mom", 10 - 23.4); /* points */
    tk_expect_indicator(db, "2026-02", "hospital", "balance", "mom", 800); /* (900 - 100) / |100| */
    /* YTD Jan-Feb: 35 days / 4 stays = 8.75 (the mean of 8.33 and 10 would be 9.17) */
    tk_expect_indicator(db, "2026-02", "hospital", "avg_los", "ytd", 8.75);
    tk_expect_undefined(db, "2026-02", "hospital", "avg_los", "yoy"); /* 2025-02 not loaded */
    /* January against January 2025 (2 visits, 1 stay of 5 days) */
    tk_expect_indicator(db, "2026-01", "hospital", "oe_visits", "yoy", 100);
    tk_expect_indicator(db, "2026-01", "hospital", "oe_visits", "ytd_yoy", 100);
    tk_expect_indicator(db, "2026-01", "hospital", "avg_los", "yoy", (25.0 / 3 - 5) / 5 * 100);
    /* 2025-01 drug ratio (20 + 100) / (100 + 1000) = 10.909...%: points */
    tk_expect_indicator(db, "2026-01", "hospital", "drug_ratio", "yoy", 23.4 - 12000.0 / 1100);
    tk_expect_undefined(db, "2026-01", "hospital", "oe_visits", "mom"); /* December not loaded */
    tk_expect_undefined(db, "2026-01", "hospital", "medical_revenue", "yoy"); /* no ledger in 2025-01 */
    tk_expect_indicator(db, "2026-01", "hospital", "medical_revenue", "ytd", 740);
}

static void test_quarter_and_ytd_aggregate_not_average(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-Q1");
    /* Q1: stays 3 + 1 + 1, days 25 + 10 + 1 = 36 -> 7.2 (monthly mean 6.44) */
    V("2026-Q1", "hospital", "avg_los", 7.2);
    V("2026-Q1", "hospital", "oe_visits", 6);
    /* drugs 1170 + 210 + 60 over fees 5000 + 2100 + 200 (monthly mean 21.13) */
    V("2026-Q1", "hospital", "drug_ratio", 144000.0 / 7300);
    U("2026-Q1", "hospital", "record_grade_a_rate"); /* February missing */
    U("2026-Q1", "hospital", "bed_utilization");     /* March has no census */
    tk_expect_undefined(db, "2026-Q1", "hospital", "avg_los", "mom"); /* Q4 2025 not loaded */
    tk_expect_undefined(db, "2026-Q1", "hospital", "avg_los", "yoy");
    /* the quarter also left the trend months in the database */
    V("2026-03", "hospital", "avg_los", 1);
    tk_expect_indicator(db, "2026-03", "hospital", "avg_los", "ytd", 7.2);
    tk_expect_undefined(db, "2026-03", "hospital", "avg_los", "ytd_yoy"); /* 2025-02 not loaded */
    V("2026-01", "hospital", "avg_los", 25.0 / 3);
    int64_t n = 0;
    db_query_int(db, &n, NULL, "SELECT count(*) FROM computed_period WHERE period GLOB"
                 " '[0-9][0-9][0-9][0-9]-[0-9][0-9]'",
                 NULL);
    assert_int_equal(n, 24);
    db_query_int(db, &n, NULL, "SELECT count(*) FROM computed_period WHERE period LIKE '%Q%'",
                 NULL);
    assert_int_equal(n, 8);
    /* a range compares with the range of the same length before it */
    tk_compute(db, "2026-02..2026-03");
    V("2026-02..2026-03", "hospital", "avg_los", 5.5); /* (10 + 1) / 2 */
    tk_expect_undefined(db, "2026-02..2026-03", "hospital", "oe_visits", "mom_base"); /* Dec not loaded */
    tk_expect_indicator(db, "2026-02..2026-03", "hospital", "oe_visits", "value", 2);
}

static void test_flags_and_contributions(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-02");
    int64_t found = 0;
    assert_int_equal(db_query_int(db, &found, NULL,
                                  "SELECT count(*) FROM indicator_value WHERE period = '2026-01'"
                                  " AND scope = 'hospital' AND indicator = 'material_ratio'"
                                  " AND flag = 'band_high' AND flag_reason_en LIKE '%above%'",
                                  NULL),
                     1);
    assert_int_equal(found, 1);
    assert_int_equal(db_query_int(db, &found, NULL,
                                  "SELECT count(*) FROM indicator_value WHERE period = '2026-02'"
                                  " AND scope = 'hospital' AND indicator = 'bed_utilization'"
                                  " AND flag = 'band_low'",
                                  NULL),
                     1);
    assert_int_equal(found, 1);
    assert_int_equal(db_query_int(db, &found, NULL,
                                  "SELECT count(*) FROM indicator_value WHERE period = '2026-02'"
                                  " AND scope = 'hospital' AND indicator = 'oe_visits'"
                                  " AND flag = 'mom' AND flag_reason_zh LIKE '%环比下降%'",
                                  NULL),
                     1);
    assert_int_equal(found, 1);
    /* oe_visits Feb vs Jan: -3 = 0101 (1 - 3) + 0102 (0 - 1) */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT dept_code, delta, share, rank FROM contribution"
                                        " WHERE period = '2026-02' AND indicator = 'oe_visits'"
                                        " AND comparison = 'mom' ORDER BY rank",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(st, 0), "0101");
    assert_true(sqlite3_column_double(st, 1) == -2);
    assert_true(fabs(sqlite3_column_double(st, 2) - 200.0 / 3) < 1e-9);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(st, 0), "0102");
    assert_true(sqlite3_column_double(st, 1) == -1);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    /* contributions to the change in full cost add up (money, in CNY) */
    double sum = 0;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT sum(delta) FROM contribution WHERE period ="
                                        " '2026-02' AND indicator = 'full_cost' AND comparison"
                                        " = 'mom'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sum = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    assert_true(fabs(sum - (100 - 640)) < 1e-9);
    /* oe_visits: both departments fell with the total, drivers of 2/3 and
     * 1/3; in every change, each role's shares add up to 100 and a driver
     * has the sign of the total */
    int64_t n = -1;
    assert_int_equal(db_query_int(db, &n, NULL,
                                  "SELECT count(*) FROM contribution_role WHERE period ="
                                  " '2026-02' AND indicator = 'oe_visits' AND comparison = 'mom'"
                                  " AND role = 'driver' AND ((dept_code = '0101' AND"
                                  " abs(role_share - 200.0 / 3) < 1e-9) OR (dept_code = '0102'"
                                  " AND abs(role_share - 100.0 / 3) < 1e-9))",
                                  NULL),
                     1);
    assert_int_equal(n, 2);
    assert_int_equal(db_query_int(db, &n, NULL,
                                  "SELECT count(*) FROM (SELECT indicator, comparison, role,"
                                  " sum(role_share) AS s FROM contribution_role WHERE period ="
                                  " '2026-02' GROUP BY 1, 2, 3) WHERE abs(s - 100) > 1e-9",
                                  NULL),
                     1);
    assert_int_equal(n, 0);
    assert_int_equal(db_query_int(db, &n, NULL,
                                  "SELECT count(*) FROM contribution c JOIN contribution_role r"
                                  " USING (period, indicator, comparison, dept_code) WHERE"
                                  " c.period = '2026-02' AND (r.role = 'driver') <> (c.delta *"
                                  " (SELECT sum(delta) FROM contribution t WHERE t.period ="
                                  " c.period AND t.indicator = c.indicator AND t.comparison ="
                                  " c.comparison) > 0)",
                                  NULL),
                     1);
    assert_int_equal(n, 0);
    assert_int_equal(db_query_int(db, &n, NULL,
                                  "SELECT (SELECT count(*) FROM contribution) - (SELECT"
                                  " count(*) FROM contribution_role)",
                                  NULL),
                     1);
    assert_int_equal(n, 0);
}

static void test_budget_execution(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-02");
    V("2026-02", "hospital", "budget_execution.oe_visits", 5);   /* YTD 5 / 100 */
    V("2026-02", "0101", "budget_execution.avg_los", 62.5);      /* YTD (5 + 10) / 3 = 5 / 8 */
    V("2026-01", "hospital", "budget_execution.oe_visits", 4);
}

static int64_t statement(sqlite3 *db, const char *period, const char *scope, const char *section,
                         const char *item)
{
    int64_t v = -999999;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT amount_cents FROM operating_statement WHERE"
                                        " period = ? AND scope = ? AND section = ? AND item = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    const char *a[] = {period, scope, section, item};
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(st, i + 1, a[i], -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_operating_statement_and_equipment(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-01");
    assert_int_equal(statement(db, "2026-01", "0101", "revenue", "treatment"), 30000);
    assert_int_equal(statement(db, "2026-01", "0102", "revenue", "material"), -1000);
    assert_int_equal(statement(db, "2026-01", "0101", "direct_cost", "personnel"), 20000);
    assert_int_equal(statement(db, "2026-01", "0101", "allocated", "level1"), 2500);
    assert_int_equal(statement(db, "2026-01", "0101", "allocated", "level2"), 3250);
    assert_int_equal(statement(db, "2026-01", "0101", "allocated", "level3"), 4083);
    assert_int_equal(statement(db, "2026-01", "0101", "total", "full_cost"), 39833);
    assert_int_equal(statement(db, "2026-01", "0101", "total", "balance"), 10167);
    assert_int_equal(statement(db, "2026-01", "hospital", "total", "balance"), 10000);
    assert_int_equal(statement(db, "2026-01", "0201", "total", "full_cost"), -999999); /* NULL */

    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT exams, utilization, idle_rate, revenue_cents,"
                                        " depreciation_cents, net_benefit_cents, payback_years"
                                        " FROM equipment_benefit WHERE period = '2026-01'"
                                        " ORDER BY equipment_id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    /* E1: 15 exams / (20 x 31); idle 30 of 31 days; depreciation 120000.00 / 10 / 12 */
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 15);
    assert_true(fabs(sqlite3_column_double(st, 1) - 1500.0 / 620) < 1e-9);
    assert_true(fabs(sqlite3_column_double(st, 2) - 3000.0 / 31) < 1e-9);
    assert_int_equal(sqlite3_column_int64(st, 3), 150000);
    assert_int_equal(sqlite3_column_int64(st, 4), 100000);
    assert_int_equal(sqlite3_column_int64(st, 5), 50000);
    assert_true(fabs(sqlite3_column_double(st, 6) - 20) < 1e-9); /* 120000 / (500 x 12) */
    /* E2: bought 2026-01-22: 10 device-days; net benefit < 0: no payback */
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_true(fabs(sqlite3_column_double(st, 1) - 5) < 1e-9);
    assert_true(fabs(sqlite3_column_double(st, 2) - 90) < 1e-9);
    assert_int_equal(sqlite3_column_int64(st, 5), -50000);
    assert_int_equal(sqlite3_column_type(st, 6), SQLITE_NULL);
    sqlite3_finalize(st);
}

/* The authority says discharges come from the medical records for January:
 * the stored results are stale and recomputed (4 stays, s5 included). */
static void test_authority_and_recompute(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-01");
    V("2026-01", "hospital", "discharges", 3);
    hr_error err;
    assert_int_equal(db_exec(db,
                             "INSERT INTO authority VALUES ('2026-01', 'discharges', 'mr_front')",
                             &err),
                     0);
    tk_compute(db, "2026-01");
    V("2026-01", "hospital", "discharges", 4);
    V("2026-01", "hospital", "avg_los", 6.75); /* mr_front: 4 + 1 + 20 + 2 */
    V("2026-01", "hospital", "ip_fee_per_stay", 1500); /* HIS fees stay over HIS stays */
    assert_int_equal(db_exec(db, "DELETE FROM authority", &err), 0);
    tk_compute(db, "2026-01");
    V("2026-01", "hospital", "discharges", 3);
}

static void test_export(void **state)
{
    sqlite3 *db = *state;
    hr_error err;
    hr_error_clear(&err);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(compute_export(db, "2026-01", "all", out, &err), HR_OK);
    fclose(out);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    /* header, 6 scopes x 49 (35 of v1, 14 of v2), 2 budget rows */
    assert_int_equal(lines, 1 + 6 * 49 + 2);
    assert_memory_equal(buf, "period,scope,indicator,value,mom,yoy,ytd,ytd_yoy\n"
                             "2026-01,hospital,outpatient_visits,3,,50,3,50\n",
                        strlen("period,scope,indicator,value,mom,yoy,ytd,ytd_yoy\n"
                               "2026-01,hospital,outpatient_visits,3,,50,3,50\n"));
    assert_non_null(strstr(buf, "\n2026-01,hospital,oe_visits,4,,100,4,100\n"));
    assert_non_null(strstr(buf, "\n2026-01,hospital,medical_revenue,740.00,,,740.00,\n"));
    assert_non_null(strstr(buf, "\n2026-01,hospital,bed_utilization,90,,,90,\n"));
    assert_non_null(strstr(buf, "\n2026-01,0101,full_cost,398.33,,,398.33,\n"));
    assert_non_null(strstr(buf, "\n2026-01,0102,balance,-1.67,,,-1.67,\n"));
    assert_non_null(strstr(buf, "\n2026-01,0201,full_cost,,,,,\n"));
    assert_non_null(strstr(buf, "\n2026-01,hospital,budget_execution.oe_visits,4,,,,\n"));
    /* scopes in order: hospital, then dept_code */
    assert_true(strstr(buf, "2026-01,0101,") < strstr(buf, "2026-01,0102,"));
    assert_true(strstr(buf, "2026-01,0301,") < strstr(buf, "2026-01,0401,"));
    free(buf);

    out = open_memstream(&buf, &len);
    assert_int_equal(compute_export(db, "2026-02", "0101", out, &err), HR_OK);
    fclose(out);
    assert_non_null(strstr(buf, "\n2026-02,0101,budget_execution.avg_los,62.5,,,,\n"));
    assert_null(strstr(buf, "hospital"));
    free(buf);

    out = open_memstream(&buf, &len);
    assert_int_equal(compute_export(db, "2026-01", "9999", out, &err), HR_EUSAGE);
    fclose(out);
    assert_string_equal(err.field, "--scope");
    free(buf);
}

/* A month's outpatient roll-up as validate leaves it: current for the
 * month's outpatient file. */
static void commit_rollup(sqlite3 *db, const char *month)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO outpatient_rollup (period, dept_code, visit_type, row_count, "
        "total_fee_cents, total_fee_cents_n, drug_fee_cents, drug_fee_cents_n, "
        "material_fee_cents, material_fee_cents_n, exam_fee_cents, exam_fee_cents_n, "
        "wait_minutes, wait_minutes_n) "
        "SELECT period, dept_code, visit_type, count(*), "
        "coalesce(sum(total_fee_cents), 0), count(total_fee_cents), "
        "coalesce(sum(drug_fee_cents), 0), count(drug_fee_cents), "
        "coalesce(sum(material_fee_cents), 0), count(material_fee_cents), "
        "coalesce(sum(exam_fee_cents), 0), count(exam_fee_cents), "
        "coalesce(sum(wait_minutes), 0), count(wait_minutes) FROM outpatient "
        "WHERE period = %Q GROUP BY period, dept_code, visit_type;"
        "INSERT INTO rollup_state (source, period, built_by, file_id) "
        "VALUES ('outpatient', %Q, 'validate', (SELECT max(file_id) FROM source_file "
        "WHERE source = 'outpatient' AND period = %Q AND current = 1))",
        month, month, month);
    tk_exec(db, sql);
    sqlite3_free(sql);
}

/* The SQL sets on reader threads (the outpatient roll-ups committed, as
 * validate leaves them): an error in one reaches the caller, and the
 * results are those worked out by hand above. */
static void test_reader_threads(void **state)
{
    sqlite3 *db = *state;
    hr_error err;
    hr_error_clear(&err);
    const char *months[] = {"2025-01", "2026-01", "2026-02", "2026-03"};
    for (int i = 0; i < 4; i++)
        commit_rollup(db, months[i]);
    setenv("HOSPREPORT_JOBS", "3", 1);
    ind_catalogue cat;
    assert_int_equal(ind_catalogue_load_default(&cat, &err), HR_OK);
    int first = period_month_index(2025, 1), last = period_month_index(2026, 3);
    /* a set whose query fails */
    int k = 0;
    while (strcmp(cat.sets[k].id, "surgery") != 0)
        k++;
    char *good = cat.sets[k].sql;
    cat.sets[k].sql = "SELECT dept_code, count(*), no_such FROM surgery WHERE period = :month "
                      "GROUP BY dept_code";
    ind_refresh_stats st;
    assert_int_equal(db_begin(db, &err), HR_OK);
    assert_int_equal(ind_measures_refresh(db, &cat, first, last, &st, &err), HR_EFAIL);
    db_rollback(db);
    assert_string_equal(err.field, "surgery");
    assert_non_null(strstr(err.message, "no_such"));
    cat.sets[k].sql = good;
    /* issue 12: a set that writes, or whose sum passes 64 bits, is named
     * with the catalogue file and the line of its <measures> (found here by
     * reading the file), and the month of the sum */
    long set_line = 0;
    {
        FILE *f = fopen(cat.sets[k].file, "r");
        char buf[512];
        for (long n = 1; f && fgets(buf, sizeof buf, f); n++)
            if (strstr(buf, "<measures id=\"surgery\""))
                set_line = n;
        if (f)
            fclose(f);
    }
    assert_true(set_line > 0);
    const char *bad[] = {
        "DELETE FROM surgery WHERE period = :month RETURNING dept_code, 1, 1",
        "SELECT '', sum(9223372036854775807), 0, 0, 0 FROM surgery WHERE period = :month",
    };
    for (int b = 0; b < 2; b++) {
        cat.sets[k].sql = (char *)bad[b];
        hr_error_clear(&err);
        assert_int_equal(db_begin(db, &err), HR_OK);
        assert_int_equal(ind_measures_refresh(db, &cat, first, last, &st, &err), HR_EINPUT);
        db_rollback(db);
        assert_non_null(strstr(err.file, "config/indicators.xml"));
        assert_int_equal(err.line, set_line);
        assert_string_equal(err.field, "surgery");
        assert_non_null(strstr(err.message, b == 0 ? "its query writes to the database"
                                                   : "month 2026-01: integer overflow"));
    }
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM surgery"), 4); /* none deleted */
    cat.sets[k].sql = good;
    /* 2025-01 and 2026-03 have outpatient and inpatient only: 2 sets each
     * (inpatient_surgery lacks surgery); 2026-01 has all 12; 2026-02 all
     * but mr_front and equipment. The SQL sets go to the readers: 2 + 10 +
     * 9 + 2, less the two surgery sets; cost allocation (twice) and
     * equipment (once) stay on db. */
    /* a set that reads a table compute writes stays on db (here the
     * surgery set, in 2026-01 and 2026-02, with a clause that changes
     * nothing) */
    cat.sets[k].sql = "SELECT dept_code, count(*), count(*) FILTER (WHERE grade >= 3), 0, 0 FROM surgery "
                      "WHERE period = :month AND NOT EXISTS (SELECT 1 FROM Ind_Measure_State "
                      "WHERE 0) GROUP BY dept_code";
    hr_error_clear(&err);
    assert_int_equal(db_begin(db, &err), HR_OK);
    assert_int_equal(ind_measures_refresh(db, &cat, first, last, &st, &err), HR_OK);
    assert_int_equal(db_commit(db, &err), HR_OK);
    cat.sets[k].sql = good;
    ind_catalogue_free(&cat);
    unsetenv("HOSPREPORT_JOBS");
    assert_int_equal(st.reader_threads, 2);
    assert_int_equal(st.sets_on_readers, 21);
    assert_int_equal(st.sets, 26);
    tk_compute(db, "2026-Q1");
    V("2026-Q1", "hospital", "avg_los", 7.2);
    V("2026-Q1", "hospital", "oe_visits", 6);
    V("2026-Q1", "hospital", "drug_ratio", 144000.0 / 7300);
    U("2026-Q1", "hospital", "record_grade_a_rate");
    V("2026-01", "hospital", "outpatient_visits", 3);
    V("2026-01", "hospital", "avg_wait_minutes", 20);
    V("2026-01", "hospital", "preop_days", 1.5);
    V("2026-01", "hospital", "surgeries", 3);
    V("2026-01", "hospital", "equipment_utilization", 2000.0 / 720);
}

static void test_catalogue_errors(void **state)
{
    (void)state;
    ind_catalogue cat;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(ind_catalogue_load("tests/data/compute/bad_measure.xml",
                                        "config/schema/indicators.xsd", &cat, &err),
                     HR_EINPUT);
    assert_string_equal(err.file, "tests/data/compute/bad_measure.xml");
    assert_int_equal(err.line, 12);
    assert_string_equal(err.field, "op_visits_x");
    hr_error_clear(&err);
    assert_int_equal(ind_catalogue_load("tests/data/compute/bad_unit.xml",
                                        "config/schema/indicators.xsd", &cat, &err),
                     HR_EINPUT);
    assert_int_equal(err.line, 8);
    assert_non_null(strstr(err.message, "unit"));
    /* the shipped catalogue: every indicator of INDICATORS.md v1 (36 with
     * budget_execution) and the 14 of catalogue v2 */
    assert_int_equal(ind_catalogue_load("config/indicators.xml", "config/schema/indicators.xsd",
                                        &cat, &err),
                     HR_OK);
    assert_int_equal(cat.nind, 50);
    assert_string_equal(cat.ind[0].id, "outpatient_visits");
    ind_catalogue_free(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_month_hospital_every_indicator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_month_departments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_source_and_zero_denominator, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_comparisons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quarter_and_ytd_aggregate_not_average, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flags_and_contributions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_execution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operating_statement_and_equipment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authority_and_recompute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_threads, setup, teardown),
        cmocka_unit_test(test_catalogue_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
