/*
 * test_drg.c -- catalogue v2 (spec/INDICATORS.md "Catalogue v2"): the 国考
 * and DRG/DIP indicators on the tiny hospital of tests/data/compute/
 * fixture.sql plus drg.sql. Every expected number is worked out by hand in
 * the comments from those rows.
 *
 * The stays of drg.sql (los: 0 days counted as 1; fees in CNY):
 *   2026-01 s1 0101 FM19 w1.5 los 4  fee 1000 pay 1200 low-risk N
 *           s2 0101 GB25 w0.5 los 1  fee  500 pay  400 low-risk Y, died
 *           s3 0102 IC29 w3.0 los 20 fee 3000 no pay   (IC29: no benchmark)
 *           s7 0102 FM19 w1.5 los 3  fee  600 pay  700
 *           (sX: no such stay, left out)
 *   2026-02 s4 0101 FM19 w1.5 los 10 fee 2000 pay 1800
 *           (s1 again: discharged in January, left out)
 *   2026-03 s6 0101 GB25 w0.5 los 1  fee  100 pay  150 low-risk Y
 * Benchmarks (avg_los, avg_cost): January FM19 5 / 1000, GB25 2 / 400;
 * February FM19 8 / 1600; March GB25 2 / 200. 2025-01 has no drg.csv.
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
#include "pipeline/core/strbuf.h"
#include "stages/compute/compute.h"
#include "tests/support/testkit.h"

#define DB_PATH "build/test_drg.db"
#define DB_V1 "build/test_drg_v1.db"

/* The outpatient roll-up as validate leaves it, with the appointment
 * counts of 006_v2_sources. */
static void commit_rollup(sqlite3 *db, const char *month)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO outpatient_rollup (period, dept_code, visit_type, row_count, "
        "total_fee_cents, total_fee_cents_n, drug_fee_cents, drug_fee_cents_n, "
        "material_fee_cents, material_fee_cents_n, exam_fee_cents, exam_fee_cents_n, "
        "wait_minutes, wait_minutes_n, appointment_y, appointment_n) "
        "SELECT period, dept_code, visit_type, count(*), "
        "coalesce(sum(total_fee_cents), 0), count(total_fee_cents), "
        "coalesce(sum(drug_fee_cents), 0), count(drug_fee_cents), "
        "coalesce(sum(material_fee_cents), 0), count(material_fee_cents), "
        "coalesce(sum(exam_fee_cents), 0), count(exam_fee_cents), "
        "coalesce(sum(wait_minutes), 0), count(wait_minutes), "
        "count(*) FILTER (WHERE appointment = 'Y'), count(appointment) FROM outpatient "
        "WHERE period = %Q GROUP BY period, dept_code, visit_type;"
        "INSERT INTO rollup_state (source, period, built_by, file_id) "
        "VALUES ('outpatient', %Q, 'validate', (SELECT max(file_id) FROM source_file "
        "WHERE source = 'outpatient' AND period = %Q AND current = 1))",
        month, month, month);
    tk_exec(db, sql);
    sqlite3_free(sql);
}

static sqlite3 *open_fixture(const char *path, int with_v2)
{
    remove(path);
    char aux[256];
    snprintf(aux, sizeof aux, "%s-wal", path), remove(aux);
    snprintf(aux, sizeof aux, "%s-shm", path), remove(aux);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    if (db_open(path, &db, &err))
        return NULL;
    const char *files[] = {"tests/data/compute/fixture.sql", "tests/data/compute/drg.sql"};
    for (int i = 0; i < 1 + with_v2; i++) {
        strbuf sql = STRBUF_INIT;
        tk_slurp(files[i], &sql);
        if (db_exec(db, sql.buf, &err)) {
            fprintf(stderr, "%s: %s\n", files[i], err.message);
            return NULL;
        }
        sb_release(&sql);
    }
    const char *months[] = {"2025-01", "2026-01", "2026-02", "2026-03"};
    for (int i = 0; i < 4; i++)
        commit_rollup(db, months[i]);
    return db;
}

static int setup(void **state)
{
    setenv("HOSPREPORT_DATADIR", ".", 1);
    *state = open_fixture(DB_PATH, 1);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    db_close(*state);
    return 0;
}

static void compute_ok(sqlite3 *db, const char *period)
{
    hr_error err;
    hr_error_clear(&err);
    int rc = compute_period(db, period, &err);
    if (rc)
        fprintf(stderr, "compute %s: %s\n", period, err.message);
    assert_int_equal(rc, HR_OK);
}

static int get(sqlite3 *db, const char *period, const char *scope, const char *ind,
               const char *col, double *out)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM indicator_value WHERE period = ? AND scope = ? AND indicator = ?",
             col);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        fprintf(stderr, "no row %s %s %s\n", period, scope, ind);
        fail();
    }
    int defined = sqlite3_column_type(st, 0) != SQLITE_NULL;
    *out = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return defined;
}

static void expect(sqlite3 *db, const char *period, const char *scope, const char *ind,
                   const char *col, double want)
{
    double v;
    if (!get(db, period, scope, ind, col, &v)) {
        fprintf(stderr, "%s %s %s %s: undefined, expected %.17g\n", period, scope, ind, col, want);
        fail();
    }
    if (fabs(v - want) > 1e-9 * (1 + fabs(want))) {
        fprintf(stderr, "%s %s %s %s: %.17g, expected %.17g\n", period, scope, ind, col, v, want);
        fail();
    }
}

static void undefined(sqlite3 *db, const char *period, const char *scope, const char *ind,
                      const char *col)
{
    double v;
    if (get(db, period, scope, ind, col, &v)) {
        fprintf(stderr, "%s %s %s %s: %.17g, expected undefined\n", period, scope, ind, col, v);
        fail();
    }
}

#define V(p, s, i, want) expect(db, p, s, i, "value", want)
#define U(p, s, i) undefined(db, p, s, i, "value")

static const char *const drg_ids[] = {"drg_cases", "drg_groups", "drg_total_weight", "cmi",
                                      "time_efficiency_index", "cost_efficiency_index",
                                      "low_risk_mortality", "drg_balance"};

/* January: every v2 indicator, hospital and departments. */
static void test_v2_month(void **state)
{
    sqlite3 *db = *state;
    compute_ok(db, "2026-01");
    const char *p = "2026-01", *h = "hospital";
    /* stays with a surgery: s1 (o1), s3 (o0 December, o2); s7 none */
    V(p, h, "minimally_invasive_ratio", 50);  /* s1 (o1 Y) of 2 */
    V(p, "0101", "minimally_invasive_ratio", 100);
    U(p, "0102", "minimally_invasive_ratio"); /* s3: no flag recorded: "—", not 0 */
    V(p, h, "grade4_surgery_ratio", 50);      /* s3 (o2 grade 4) of 2 */
    V(p, "0101", "grade4_surgery_ratio", 0);
    V(p, "0102", "grade4_surgery_ratio", 100);
    /* January surgeries with the flag: o1 N, o2 Y, o3 Y */
    V(p, h, "day_surgery_ratio", 200.0 / 3);
    V(p, "0101", "day_surgery_ratio", 50);    /* o1 N, o3 Y */
    V(p, "0102", "day_surgery_ratio", 100);   /* o2 Y */
    /* outpatient (O) visits: v1 Y, v2 N, v3 none (v4 Y is an emergency visit) */
    V(p, h, "appointment_rate", 50);
    V(p, "0101", "appointment_rate", 50);
    U(p, "0102", "appointment_rate");
    /* DDDs 2.5 + 4.6 over patient-days 0101 4 + 1, 0102 20 + 3 */
    V(p, h, "antibiotic_intensity", 710.0 / 28);
    V(p, "0101", "antibiotic_intensity", 50);
    V(p, "0102", "antibiotic_intensity", 20);
    double v;
    assert_true(get(db, p, "0101", "antibiotic_intensity", "value", &v));
    assert_string_equal(tk_query_text(db, "SELECT flag FROM indicator_value WHERE period = "
                                          "'2026-01' AND scope = '0101' AND indicator = "
                                          "'antibiotic_intensity'"),
                        "band_high"); /* 50 > 40 */
    assert_int_equal(tk_query_int(db, "SELECT flag IS NULL FROM indicator_value WHERE period = "
                                      "'2026-01' AND scope = '0102' AND indicator = "
                                      "'antibiotic_intensity'"),
                     1);
    /* energy 74.00 over revenue: hospital 740.00, 0101 500.00 */
    V(p, h, "energy_per_10k_revenue", 1000);
    V(p, "0101", "energy_per_10k_revenue", 1480);
    U(p, "0102", "energy_per_10k_revenue"); /* no energy rows: "—", not 0 */

    /* DRG, hospital: s1 s2 s3 s7 (sX is no stay) */
    V(p, h, "drg_cases", 4);
    V(p, h, "drg_groups", 3);                 /* FM19 GB25 IC29; 0101 2 + 0102 2 = 4 */
    V(p, h, "drg_total_weight", 6.5);         /* 1.5 + 0.5 + 3.0 + 1.5 */
    V(p, h, "cmi", 6.5 / 4);
    /* benched: s1 4/5, s2 1/2, s7 3/5 (s3's IC29 has none) */
    V(p, h, "time_efficiency_index", (0.8 + 0.5 + 0.6) / 3);
    /* s1 1000/1000, s2 500/400, s7 600/1000 */
    V(p, h, "cost_efficiency_index", (1.0 + 1.25 + 0.6) / 3);
    V(p, h, "low_risk_mortality", 100);       /* s2 of s2 */
    V(p, h, "drg_balance", 200);              /* (1200-1000) + (400-500) + (700-600) */
    V(p, "0101", "drg_cases", 2);
    V(p, "0101", "drg_groups", 2);
    V(p, "0101", "cmi", 1);
    V(p, "0101", "time_efficiency_index", 0.65);
    V(p, "0101", "cost_efficiency_index", 1.125);
    V(p, "0101", "drg_balance", 100);
    V(p, "0102", "drg_cases", 2);
    V(p, "0102", "drg_groups", 2);
    V(p, "0102", "cmi", 2.25);                /* (3.0 + 1.5) / 2 */
    V(p, "0102", "time_efficiency_index", 0.6); /* s7 only: s3 left out of both sides */
    V(p, "0102", "cost_efficiency_index", 0.6);
    U(p, "0102", "low_risk_mortality");       /* no low-risk stay */
    V(p, "0102", "drg_balance", 100);         /* s7 only: s3 has no payment */
    /* a department without stays: counts 0, ratios undefined */
    V(p, "0201", "drg_cases", 0);
    U(p, "0201", "cmi");
    U(p, "0201", "drg_balance");
    /* money flow exact, CMI not a flow; drg_groups no flow (no contributions) */
    assert_int_equal(tk_query_int(db, "SELECT is_flow FROM indicator WHERE indicator = "
                                      "'drg_balance'"),
                     1);
    assert_int_equal(tk_query_int(db, "SELECT is_flow FROM indicator WHERE indicator = "
                                      "'drg_groups'"),
                     0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM contribution WHERE indicator = "
                                      "'drg_groups'"),
                     0);
    assert_string_equal(tk_query_text(db, "SELECT dimension || ' ' || unit FROM indicator "
                                          "WHERE indicator = 'cmi'"),
                        "drg number");
}

/* 2025-01 has no drg.csv (nor antibiotic.csv, nor any v2 field): its DRG
 * indicators are undefined, and every other value is exactly what the
 * fixture without any v2 row gives. */
static void test_month_without_drg(void **state)
{
    sqlite3 *db = *state;
    compute_ok(db, "2025-01");
    for (size_t i = 0; i < sizeof drg_ids / sizeof *drg_ids; i++) {
        U("2025-01", "hospital", drg_ids[i]);
        U("2025-01", "0101", drg_ids[i]);
    }
    U("2025-01", "hospital", "antibiotic_intensity");
    /* the YoY of January 2026 has no base */
    compute_ok(db, "2026-01");
    undefined(db, "2026-01", "hospital", "cmi", "yoy");
    undefined(db, "2026-01", "hospital", "drg_cases", "yoy");
    V("2025-01", "hospital", "discharges", 1);

    sqlite3 *v1 = open_fixture(DB_V1, 0);
    assert_non_null(v1);
    compute_ok(v1, "2025-01");
    tk_exec(db, "ATTACH 'build/test_drg_v1.db' AS v1");
    /* same rows, same values, for every indicator but the DRG ones */
    const char *same =
        "SELECT count(*) FROM indicator_value a JOIN v1.indicator_value b"
        " ON b.period = a.period AND b.scope = a.scope AND b.indicator = a.indicator"
        " WHERE a.period = '2025-01' AND a.value IS b.value AND a.mom IS b.mom"
        " AND a.yoy IS b.yoy AND a.ytd IS b.ytd AND a.numerator IS b.numerator";
    int64_t n_same = tk_query_int(db, same);
    int64_t n_v1 = tk_query_int(db, "SELECT count(*) FROM v1.indicator_value"
                                    " WHERE period = '2025-01'");
    int64_t n_v1_defined = tk_query_int(db, "SELECT count(*) FROM v1.indicator_value"
                                            " WHERE period = '2025-01' AND value IS NOT NULL");
    assert_true(n_v1_defined >= 10);
    assert_int_equal(n_same, n_v1);
    tk_exec(db, "DETACH v1");
    db_close(v1);
}

/* The first quarter: ratios of sums, a distinct count over the period. */
static void test_quarter_not_average(void **state)
{
    sqlite3 *db = *state;
    compute_ok(db, "2026-Q1");
    const char *q = "2026-Q1", *h = "hospital";
    V(q, h, "drg_cases", 6);                  /* 4 + 1 + 1 */
    /* FM19 GB25 IC29 once each: the monthly counts 3 + 1 + 1 = 5 are not added */
    V(q, h, "drg_groups", 3);
    V(q, "0101", "drg_groups", 2);            /* FM19 GB25; monthly 2 + 1 + 1 */
    V(q, "0102", "drg_groups", 2);
    V(q, h, "drg_total_weight", 8.5);
    /* 8.5 / 6 = 1.4167; the mean of monthly CMIs (1.625 + 1.5 + 0.5) / 3 = 1.2083 */
    V(q, h, "cmi", 8.5 / 6);
    /* (1.9 + 10/8 + 1/2) / (3 + 1 + 1) = 0.73; mean of monthly 0.7944 */
    V(q, h, "time_efficiency_index", 0.73);
    /* (2.85 + 2000/1600 + 100/200) / 5 = 0.92; mean of monthly 0.9 */
    V(q, h, "cost_efficiency_index", 0.92);
    V(q, h, "low_risk_mortality", 50);        /* s2 died, s6 not */
    V(q, h, "drg_balance", 50);               /* 200 - 200 + 50 */
    V(q, "0101", "cmi", 1);                   /* 4.0 / 4 */
    V(q, "0101", "time_efficiency_index", 3.05 / 4);
    V(q, "0101", "cost_efficiency_index", 1);
    V(q, "0101", "drg_balance", -50);         /* 100 - 200 + 50 */
    V(q, "0102", "cmi", 2.25);
    /* February alone: FM19 10/8 and 2000/1600, balance 1800 - 2000 */
    V("2026-02", h, "time_efficiency_index", 1.25);
    V("2026-02", h, "drg_balance", -200);
    U("2026-02", h, "low_risk_mortality");
    V("2026-03", h, "low_risk_mortality", 0);
    /* antibiotic.csv only in January: the quarter is undefined */
    U(q, h, "antibiotic_intensity");
    /* MoM of March on February: CMI 0.5 against 1.5 */
    expect(db, "2026-03", h, "cmi", "mom", (0.5 - 1.5) / 1.5 * 100);
    /* the YTD of March is the quarter */
    expect(db, "2026-03", h, "cmi", "ytd", 8.5 / 6);
    expect(db, "2026-03", h, "drg_groups", "ytd", 3);
}

/* A budget target may name a v2 indicator (budget.csv takes any
 * catalogue id): execution is its YTD against the target. */
static void test_budget_names_v2(void **state)
{
    sqlite3 *db = *state;
    tk_exec(db, "INSERT INTO budget VALUES ('2026-01', 2026, '*', 'cmi', 1.3,"
                " (SELECT max(file_id) FROM source_file), 4)");
    compute_ok(db, "2026-01");
    V("2026-01", "hospital", "budget_execution.cmi", 1.625 / 1.3 * 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v2_month, setup, teardown),
        cmocka_unit_test_setup_teardown(test_month_without_drg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quarter_not_average, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_names_v2, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
