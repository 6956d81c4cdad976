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
#include "stages/compute/compute_internal.h"

static char scratch[64];

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

/* compute's fixture (and with_v2, the DRG sources of drg.sql) in the
 * scratch folder, the months' outpatient roll-ups committed. */
static sqlite3 *open_fixture(const char *name, int with_v2)
{
    sqlite3 *db = tk_fixture_db(scratch, name, "tests/data/compute/fixture.sql");
    if (with_v2) {
        strbuf sql = STRBUF_INIT;
        tk_slurp("tests/data/compute/drg.sql", &sql);
        tk_exec(db, sql.buf);
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
    tk_tmpdir_create(scratch, "test-drg");
    *state = open_fixture("drg", 1);
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    tk_tmpdir_remove(scratch);
    return 0;
}



static const char *group_row(sqlite3 *db, const char *period, const char *scope,
                             const char *code);

#define V(p, s, i, want) tk_expect_indicator(db, p, s, i, "value", want)
#define U(p, s, i) tk_expect_undefined(db, p, s, i, "value")

static const char *const drg_ids[] = {"drg_cases", "drg_groups", "drg_total_weight", "cmi",
                                      "time_efficiency_index", "cost_efficiency_index",
                                      "low_risk_mortality", "drg_balance"};

/* January: every v2 indicator, hospital and departments. */
static void test_v2_month(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-01");
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
    assert_true(tk_indicator(db, p, "0101", "antibiotic_intensity", "value", &v));
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
    tk_compute(db, "2025-01");
    for (size_t i = 0; i < sizeof drg_ids / sizeof *drg_ids; i++) {
        U("2025-01", "hospital", drg_ids[i]);
        U("2025-01", "0101", drg_ids[i]);
    }
    U("2025-01", "hospital", "antibiotic_intensity");
    /* the YoY of January 2026 has no base */
    tk_compute(db, "2026-01");
    tk_expect_undefined(db, "2026-01", "hospital", "cmi", "yoy");
    tk_expect_undefined(db, "2026-01", "hospital", "drg_cases", "yoy");
    V("2025-01", "hospital", "discharges", 1);

    sqlite3 *v1 = open_fixture("drg_v1", 0);
    assert_non_null(v1);
    tk_compute(v1, "2025-01");
    char attach[160];
    snprintf(attach, sizeof attach, "ATTACH '%s/drg_v1.db' AS v1", scratch);
    tk_exec(db, attach);
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
    tk_compute(db, "2026-Q1");
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
    tk_expect_indicator(db, "2026-03", h, "cmi", "mom", (0.5 - 1.5) / 1.5 * 100);
    /* the YTD of March is the quarter */
    tk_expect_indicator(db, "2026-03", h, "cmi", "ytd", 8.5 / 6);
    tk_expect_indicator(db, "2026-03", h, "drg_groups", "ytd", 3);
}

/* Benchmarks as of the month: a month without drg_benchmark.csv reads the
 * latest loaded before it, and a change to that file makes the month
 * stale. */
static void test_benchmark_as_of_month(void **state)
{
    sqlite3 *db = *state;
    tk_exec(db, "DELETE FROM drg_benchmark WHERE period = '2026-03';"
                "DELETE FROM source_file WHERE period = '2026-03' AND source = 'drg_benchmark'");
    tk_compute(db, "2026-03");
    /* February's benchmarks have FM19 only: s6 (GB25) is unbenched */
    U("2026-03", "hospital", "time_efficiency_index");
    U("2026-03", "hospital", "cost_efficiency_index");
    V("2026-03", "hospital", "cmi", 0.5); /* CMI needs no benchmark */
    /* February's file gains GB25 (avg_los 4, avg_cost 250.00) */
    tk_exec(db, "INSERT INTO drg_benchmark (period, drg_code, avg_los, avg_cost_cents, file_id,"
                " line_no) VALUES ('2026-02', 'GB25', 4, 25000, 1, 3);"
                "UPDATE source_file SET sha256 = 'new-sha-of-february-benchmarks'"
                " WHERE period = '2026-02' AND source = 'drg_benchmark'");
    tk_compute(db, "2026-03");
    V("2026-03", "hospital", "time_efficiency_index", 0.25); /* 1 / 4 */
    V("2026-03", "hospital", "cost_efficiency_index", 0.4);  /* 100 / 250 */
    assert_string_equal(group_row(db, "2026-03", "hospital", "GB25"),
                        "胃炎|1|0.5|0.5|1|1|4.0|10000|25000|1|15000|10000|5000|0|1"); /* share 0.5 / 1 stay */
}

/* ind_drg_month (stages/compute/drgmonth.c, a hash join in C) against the
 * same rows from SQL: the join the table is defined by, as the query
 * compute ran before. Planted besides drg.sql's rows: a stay with two drg
 * rows, a stay with two inpatient rows (duplicates validate would have
 * quarantined: a join counts each pair), a group with two benchmark rows,
 * a benchmark of 0 (its quotient is NULL, left out of the index sums), and
 * two names of one group in one department (the greatest is kept). Every
 * column is compared exactly. */
static void test_drg_month_is_the_join(void **state)
{
    sqlite3 *db = *state;
    tk_exec(db,
            "INSERT INTO drg (period, stay_id, drg_code, drg_name, weight, payment_cents,"
            " low_risk, file_id, line_no) VALUES"
            " ('2026-01','s2','GB25','胃炎（乙）',0.25,NULL,'N',1,7),"
            " ('2026-01','s7','ZZ01','零标杆组',1.1,5000,'Y',1,8);"
            "INSERT INTO inpatient VALUES"
            " ('2026-01','s7','p','0101','2026-01-05','2026-01-09',61000,0,0,0,'died',1,6);"
            "INSERT INTO drg_benchmark (period, drg_code, avg_los, avg_cost_cents, file_id,"
            " line_no) VALUES ('2026-01','GB25',3,50000,1,4), ('2026-01','ZZ01',0,0,1,5);");
    tk_compute(db, "2026-01");
    tk_exec(db,
            "CREATE TEMP TABLE want AS SELECT dept_code, drg_code, max(drg_name) AS drg_name,"
            "  count(*) AS stays, sum(weight) AS weight, sum(los) AS los_days,"
            "  count(b_los) AS benched_stays, coalesce(sum(b_los), 0) AS bench_los_sum,"
            "  coalesce(sum(los / b_los), 0) AS los_index_sum, sum(fee) AS cost_cents,"
            "  coalesce(sum(b_cost), 0) AS bench_cost_sum_cents,"
            "  coalesce(sum(CAST(fee AS REAL) / b_cost), 0) AS cost_index_sum,"
            "  count(payment) AS paid_stays, coalesce(sum(payment), 0) AS payment_cents,"
            "  coalesce(sum(fee) FILTER (WHERE payment IS NOT NULL), 0) AS paid_cost_cents,"
            "  count(*) FILTER (WHERE died) AS deaths,"
            "  count(*) FILTER (WHERE low_risk = 'Y') AS low_risk,"
            "  count(*) FILTER (WHERE low_risk = 'Y' AND died) AS low_risk_deaths"
            " FROM (SELECT i.dept_code, d.drg_code, d.drg_name, d.weight,"
            "   d.payment_cents AS payment, d.low_risk, i.total_fee_cents AS fee,"
            "   i.outcome = 'died' AS died,"
            "   max(CAST(julianday(i.discharge_date) - julianday(i.admit_date) AS INTEGER), 1)"
            "    AS los, b.avg_los AS b_los, b.avg_cost_cents AS b_cost"
            "  FROM inpatient i JOIN drg d ON d.period = i.period AND d.stay_id = i.stay_id"
            "  LEFT JOIN drg_benchmark b ON b.drg_code = d.drg_code AND b.period ="
            "   (SELECT max(period) FROM drg_benchmark WHERE period <= '2026-01')"
            "  WHERE i.period = '2026-01')"
            " GROUP BY dept_code, drg_code");
    const char *cols = "dept_code, drg_code, drg_name, stays, weight, los_days, benched_stays,"
                       " bench_los_sum, los_index_sum, cost_cents, bench_cost_sum_cents,"
                       " cost_index_sum, paid_stays, payment_cents, paid_cost_cents, deaths,"
                       " low_risk, low_risk_deaths";
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (SELECT %s FROM want EXCEPT SELECT %s FROM"
             " ind_drg_month WHERE month = '2026-01')) + (SELECT count(*) FROM (SELECT %s FROM"
             " ind_drg_month WHERE month = '2026-01' EXCEPT SELECT %s FROM want))",
             cols, cols, cols, cols);
    assert_int_equal(tk_query_int(db, sql), 0);
    /* the plants are there: s2 twice in GB25 x two benchmarks, s7 in 0101 too */
    assert_int_equal(tk_query_int(db, "SELECT stays FROM ind_drg_month WHERE month = '2026-01'"
                                      " AND dept_code = '0101' AND drg_code = 'GB25'"),
                     4);
    assert_string_equal(tk_query_text(db, "SELECT drg_name FROM ind_drg_month WHERE month ="
                                          " '2026-01' AND dept_code = '0101' AND drg_code = 'GB25'"),
                        "胃炎（乙）");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM want"), 6);
}

/* The indicators compute_undefined_by_sources lists for the absent
 * sources, "id:sources" joined by ','. */
static char *undefined_by(sqlite3 *db, const char *month, const char *const *absent, int n)
{
    compute_undefined *u;
    int nu;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(compute_undefined_by_sources(db, month, absent, n, &u, &nu, &err), HR_OK);
    static char out[4096];
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < nu; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s:%s", i ? "," : "", u[i].id,
                                u[i].sources);
    free(u);
    return out;
}

/* Without drg_benchmark.csv (this month's or, read as of the month, an
 * earlier one) the time and cost indices have no benched stay: they are
 * listed as undefined by that source (the measures drg_benched,
 * drg_los_index_sum and drg_cost_index_sum need it), CMI and the other
 * DRG indicators are not. */
static void test_undefined_without_benchmark(void **state)
{
    sqlite3 *db = *state;
    const char *bench[] = {"drg_benchmark"}, *both[] = {"drg", "drg_benchmark"};
    /* 2026-01 is the first month with benchmarks: without its file none serves */
    tk_exec(db, "DELETE FROM drg_benchmark WHERE period = '2026-01';"
                "DELETE FROM source_file WHERE period = '2026-01' AND source = 'drg_benchmark'");
    assert_string_equal(undefined_by(db, "2026-01", bench, 1),
                        "time_efficiency_index:drg_benchmark,cost_efficiency_index:drg_benchmark");
    tk_compute(db, "2026-01");
    U("2026-01", "hospital", "time_efficiency_index");
    U("2026-01", "hospital", "cost_efficiency_index");
    V("2026-01", "hospital", "cmi", 1.625);
    /* both absent: the indices need both, the other DRG indicators drg only */
    char *all = undefined_by(db, "2026-01", both, 2);
    assert_non_null(strstr(all, "cmi:drg,"));
    assert_non_null(strstr(all, "time_efficiency_index:drg drg_benchmark,"));
    assert_non_null(strstr(all, "cost_efficiency_index:drg drg_benchmark,"));
    assert_null(strstr(all, "cmi:drg drg_benchmark"));
    /* 2026-03 without its own file reads February's: nothing undefined */
    tk_exec(db, "DELETE FROM drg_benchmark WHERE period = '2026-03';"
                "DELETE FROM source_file WHERE period = '2026-03' AND source = 'drg_benchmark'");
    assert_string_equal(undefined_by(db, "2026-03", bench, 1), "");
    /* a catalogue whose measure needs a source that is not optional in its set */
    strbuf x = STRBUF_INIT;
    tk_slurp("config/indicators.xml", &x);
    char *at = strstr(x.buf, "<measure id=\"ip_stays\"/>");
    assert_non_null(at);
    strbuf y = STRBUF_INIT;
    sb_addf(&y, "%.*s<measure id=\"ip_stays\" needs=\"drg_benchmark\"/>%s", (int)(at - x.buf),
            x.buf, at + strlen("<measure id=\"ip_stays\"/>"));
    char needs[96];
    snprintf(needs, sizeof needs, "%s/needs.xml", scratch);
    tk_write_file(needs, y.buf);
    sb_release(&x), sb_release(&y);
    ind_catalogue cat;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(ind_catalogue_load(needs, "config/schema/indicators.xsd", &cat, &err),
                     HR_EINPUT);
    assert_string_equal(err.field, "needs");
    assert_non_null(strstr(err.message, "'ip_stays' needs 'drg_benchmark'"));
}

/* A budget target may name a v2 indicator (budget.csv takes any
 * catalogue id): execution is its YTD against the target. */
static void test_budget_names_v2(void **state)
{
    sqlite3 *db = *state;
    tk_exec(db, "INSERT INTO budget VALUES ('2026-01', 2026, '*', 'cmi', 1.3,"
                " (SELECT max(file_id) FROM source_file), 4)");
    tk_compute(db, "2026-01");
    V("2026-01", "hospital", "budget_execution.cmi", 1.625 / 1.3 * 100);
}

/* One row of drg_group as text, columns joined by '|' (NULL empty). */
static const char *group_row(sqlite3 *db, const char *period, const char *scope,
                             const char *code)
{
    static char buf[512];
    static const char *const cols[] = {
        "drg_name", "stays", "weight", "cmi_contribution", "los_days", "benched_stays",
        "bench_los_sum", "cost_cents", "bench_cost_sum_cents", "paid_stays", "payment_cents",
        "paid_cost_cents", "balance_cents", "deaths", "low_risk"};
    strbuf q = STRBUF_INIT;
    sb_addstr(&q, "SELECT ''");
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        sb_addf(&q, " || %scoalesce(%s, '')", i ? "'|' || " : "", cols[i]);
    sb_addstr(&q, " FROM drg_group WHERE period = %Q AND scope = %Q AND drg_code = %Q");
    char *sql = sqlite3_mprintf(q.buf,
        period, scope, code);
    snprintf(buf, sizeof buf, "%s", tk_query_text(db, sql));
    sqlite3_free(sql);
    sb_release(&q);
    return buf;
}

/* The DRG group table of a month and of the quarter: sums per scope and
 * group, the quarter the sum of its months. */
static void test_group_table(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-Q1");
    tk_compute(db, "2025-01");
    /* January, hospital: FM19 = s1 + s7 (two names in the month: the
     * greatest), GB25 = s2, IC29 = s3 without benchmark or payment.
     * name|stays|weight|cmi share|los|benched|bench los|cost|bench cost|
     * paid|payment|paid cost|balance|deaths|low-risk */
    assert_string_equal(group_row(db, "2026-01", "hospital", "FM19"),
                        "冠状动脉介入治疗（新）|2|3.0|0.75|7|2|10.0|160000|200000|2|190000|160000|"
                        "30000|0|0");
    assert_string_equal(group_row(db, "2026-01", "hospital", "GB25"),
                        "胃炎|1|0.5|0.125|1|1|2.0|50000|40000|1|40000|50000|-10000|1|1");
    assert_string_equal(group_row(db, "2026-01", "hospital", "IC29"),
                        "髋关节置换|1|3.0|0.75|20|0||300000||0||||0|0");
    assert_string_equal(group_row(db, "2026-01", "0101", "FM19"),
                        "冠状动脉介入治疗|1|1.5|0.75|4|1|5.0|100000|100000|1|120000|100000|"
                        "20000|0|0");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM drg_group WHERE period = '2026-01'"),
                     3 + 2 + 2); /* hospital 3 groups, 0101 2, 0102 2 */
    /* the quarter: FM19 s1 s7 s4 (February's name), GB25 s2 s6, IC29 s3;
     * CMI shares over the quarter's 6 stays */
    assert_string_equal(group_row(db, "2026-Q1", "hospital", "FM19"),
                        "冠状动脉介入治疗|3|4.5|0.75|17|3|18.0|360000|360000|3|370000|360000|"
                        "10000|0|0");
    assert_string_equal(group_row(db, "2026-Q1", "hospital", "GB25"),
                        "胃炎|2|1.0|0.166666666666667|2|2|4.0|60000|60000|2|55000|60000|-5000|1|2");
    assert_string_equal(group_row(db, "2026-Q1", "hospital", "IC29"),
                        "髋关节置换|1|3.0|0.5|20|0||300000||0||||0|0");
    assert_string_equal(group_row(db, "2026-Q1", "0102", "IC29"),
                        "髋关节置换|1|3.0|1.5|20|0||300000||0||||0|0");
    /* Σ stays of a scope's groups = its drg_cases; Σ balances = drg_balance */
    assert_int_equal(tk_query_int(db, "SELECT sum(stays) FROM drg_group WHERE period = "
                                      "'2026-Q1' AND scope = 'hospital'"),
                     6);
    assert_int_equal(tk_query_int(db, "SELECT sum(balance_cents) FROM drg_group WHERE period = "
                                      "'2026-Q1' AND scope = '0101'"),
                     -5000);
    /* a month without drg.csv has no rows */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM drg_group WHERE period = '2025-01'"),
                     0);
}

/* The DRG group table summed in memory (drggroup.c) is the SQL query it
 * replaced, to the last bit: a group whose weights add up differently in
 * another order (0.1, 0.2, 0.4, 0.6 over three months and two
 * departments), in every scope of the quarter and its months. */
static void test_group_table_is_the_query(void **state)
{
    sqlite3 *db = *state;
    tk_exec(db,
            "INSERT INTO inpatient VALUES"
            " ('2026-01','z1','p','0101','2026-01-02','2026-01-04',1000,0,0,0,'cured',1,90),"
            " ('2026-02','z2','p','0102','2026-02-02','2026-02-03',2000,0,0,0,'cured',1,91),"
            " ('2026-03','z3','p','0101','2026-03-02','2026-03-09',3000,0,0,0,'cured',1,92),"
            " ('2026-03','z4','p','0102','2026-03-02','2026-03-05',4000,0,0,0,'died',1,93);"
            "INSERT INTO drg (period, stay_id, drg_code, drg_name, weight, payment_cents,"
            " low_risk, file_id, line_no) VALUES"
            " ('2026-01','z1','ZZ99','甲',0.1,900,'N',1,90),"
            " ('2026-02','z2','ZZ99','乙',0.2,NULL,'Y',1,91),"
            " ('2026-03','z3','ZZ99','丙',0.4,3500,'N',1,92),"
            " ('2026-03','z4','ZZ99','乙',0.6,4100,'Y',1,93);");
    tk_compute(db, "2026-Q1");
    assert_true(tk_query_int(db, "SELECT count(*) FROM drg_group WHERE drg_code = 'ZZ99'") > 0);
    /* the hospital's weight adds months in order, then departments:
     * 0.1 + 0.2 + 0.4 + 0.6, not 0.1 + 0.4 + 0.2 + 0.6 (1.2999999999999998) */
    assert_true(tk_query_int(db, "SELECT weight = ((0.1 + 0.2) + 0.4) + 0.6 AND"
                                 " weight != ((0.1 + 0.4) + 0.2) + 0.6 FROM drg_group"
                                 " WHERE period = '2026-Q1' AND scope = 'hospital'"
                                 " AND drg_code = 'ZZ99'"));
    static const char sums[] =
        " substr(max(month || drg_name), 8) AS drg_name, sum(stays) AS stays, sum(weight) AS weight,"
        " sum(los_days) AS los, sum(benched_stays) AS bs, sum(bench_los_sum) AS bls,"
        " sum(cost_cents) AS cost, sum(bench_cost_sum_cents) AS bcs, sum(paid_stays) AS ps,"
        " sum(payment_cents) AS pay, sum(paid_cost_cents) AS pc, sum(deaths) AS deaths,"
        " sum(low_risk) AS lr FROM m";
    static const char *const periods[][3] = {{"2026-Q1", "2026-01", "2026-03"},
                                              {"2026-01", "2026-01", "2026-01"},
                                              {"2026-03", "2026-03", "2026-03"}};
    for (int i = 0; i < 3; i++) {
        char sql[4096];
        snprintf(sql, sizeof sql,
                 "WITH m AS (SELECT * FROM ind_drg_month WHERE month BETWEEN '%s' AND '%s'),"
                 " g AS (SELECT dept_code AS scope, drg_code, %s GROUP BY dept_code, drg_code"
                 "  UNION ALL SELECT 'hospital', drg_code, %s GROUP BY drg_code),"
                 " want AS (SELECT '%s', scope, drg_code, drg_name, stays, weight,"
                 "  weight / sum(stays) OVER (PARTITION BY scope), los, bs,"
                 "  CASE WHEN bs > 0 THEN bls END, cost, CASE WHEN bs > 0 THEN bcs END, ps,"
                 "  CASE WHEN ps > 0 THEN pay END, CASE WHEN ps > 0 THEN pc END,"
                 "  CASE WHEN ps > 0 THEN pay - pc END, deaths, lr FROM g),"
                 " got AS (SELECT * FROM drg_group WHERE period = '%s')"
                 " SELECT (SELECT count(*) FROM (SELECT * FROM want EXCEPT SELECT * FROM got))"
                 " + (SELECT count(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM want))",
                 periods[i][1], periods[i][2], sums, sums, periods[i][0], periods[i][0]);
        assert_int_equal(tk_query_int(db, sql), 0);
    }
}

static void test_group_export(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-01");
    hr_error err;
    hr_error_clear(&err);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(compute_export_drg_groups(db, "2026-01", "hospital", out, &err), HR_OK);
    fclose(out);
    assert_string_equal(
        buf,
        "period,scope,drg_code,drg_name,stays,weight,cmi_contribution,los_days,benched_stays,"
        "bench_los_sum,cost_cents,bench_cost_sum_cents,paid_stays,payment_cents,paid_cost_cents,"
        "balance_cents,deaths,low_risk,mean_los,bench_mean_los,mean_cost_cents,"
        "bench_mean_cost_cents\n"
        "2026-01,hospital,FM19,冠状动脉介入治疗（新）,2,3,0.75,7,2,10,160000,200000,2,190000,"
        "160000,30000,0,0,3.5,5,80000,100000\n"
        "2026-01,hospital,GB25,胃炎,1,0.5,0.125,1,1,2,50000,40000,1,40000,50000,-10000,1,1,1,2,"
        "50000,40000\n"
        "2026-01,hospital,IC29,髋关节置换,1,3,0.75,20,0,,300000,,0,,,,0,0,20,,300000,\n");
    /* no patient identifier: no stay id, no patient key */
    assert_null(strstr(buf, "s1"));
    assert_null(strstr(buf, ",p,"));
    free(buf);
    /* all: hospital first, then the departments by code */
    out = open_memstream(&buf, &len);
    assert_int_equal(compute_export_drg_groups(db, "2026-01", "all", out, &err), HR_OK);
    fclose(out);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    assert_int_equal(lines, 1 + 3 + 2 + 2);
    assert_true(strstr(buf, "\n2026-01,hospital,") < strstr(buf, "\n2026-01,0101,"));
    assert_true(strstr(buf, "\n2026-01,0101,") < strstr(buf, "\n2026-01,0102,"));
    free(buf);
    out = open_memstream(&buf, &len);
    assert_int_equal(compute_export_drg_groups(db, "2026-01", "9999", out, &err), HR_EUSAGE);
    assert_int_equal(compute_export_drg_groups(db, "2026-05", "hospital", out, &err), HR_EINPUT);
    fclose(out);
    free(buf);
}

/* config/guokao.xml into guokao_item: the assessment's order, the 增幅
 * items as YoY, no reference shipped; a hospital's reference stored; an
 * item naming no indicator refused with its line. */
static void test_guokao_items(void **state)
{
    sqlite3 *db = *state;
    tk_compute(db, "2026-01");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM guokao_item"), 15);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(item_no, ' ') FROM"
                                          " (SELECT item_no FROM guokao_item ORDER BY item_no)"),
                        "3 5 6 14 17 22 31 33 34 35 37 38 39 40 41");
    assert_string_equal(tk_query_text(db, "SELECT group_concat(indicator, ' ') FROM (SELECT"
                                          " indicator FROM guokao_item WHERE figure = 'yoy'"
                                          " ORDER BY item_no)"),
                        "medical_revenue oe_fee_per_visit oe_drug_fee_per_visit ip_fee_per_stay"
                        " ip_drug_fee_per_stay");
    assert_string_equal(tk_query_text(db, "SELECT dimension_zh || '|' || dimension_en || '|' ||"
                                          " name_zh || '|' || indicator || '|' || direction"
                                          " FROM guokao_item WHERE item_no = 31"),
                        "运营效率|Operational efficiency|医疗服务收入（不含药品、耗材、检查检验收入）"
                        "占医疗收入比例|service_revenue_ratio|up");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM guokao_item WHERE reference IS NOT"
                                      " NULL OR reference_source IS NOT NULL"),
                     0);
    /* every item names an indicator with a value row */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM guokao_item g JOIN indicator_value v"
                                      " ON v.indicator = g.indicator AND v.period = '2026-01'"
                                      " AND v.scope = 'hospital'"),
                     15);

    ind_catalogue cat;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(ind_catalogue_load_default(&cat, &err), HR_OK);
    const char *bad = "tests/data/compute/guokao_ref.xml";
    char edited[96];
    snprintf(edited, sizeof edited, "%s/guokao.xml", scratch);
    assert_int_equal(guokao_load(db, &cat, bad, "config/schema/guokao.xsd", &err), HR_EINPUT);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 13);
    assert_string_equal(err.field, "indicator");
    assert_non_null(strstr(err.message, "appointment_wait"));
    /* without the bad item: the reference and its source are stored */
    strbuf x = STRBUF_INIT;
    tk_slurp(bad, &x);
    char *cut = strstr(x.buf, "    <item no=\"23\"");
    char *end = strstr(cut, "</item>\n") + strlen("</item>\n");
    memmove(cut, end, strlen(end) + 1);
    tk_write_file(edited, x.buf);
    sb_release(&x);
    hr_error_clear(&err);
    assert_int_equal(guokao_load(db, &cat, edited,
                                 "config/schema/guokao.xsd", &err),
                     HR_OK);
    assert_string_equal(tk_query_text(db, "SELECT item_no || '|' || reference || '|' ||"
                                          " reference_source FROM guokao_item"),
                        "17|40.0|国家卫生健康委 抗菌药物临床应用管理（目标值）");
    /* out of order */
    tk_slurp(bad, &x);
    cut = strstr(x.buf, "no=\"23\" indicator=\"appointment_wait\"");
    memcpy(cut, "no=\"12\" indicator=\"appointment_rate\"", strlen("no=\"12\" indicator=\"appointment_rate\""));
    tk_write_file(edited, x.buf);
    sb_release(&x);
    hr_error_clear(&err);
    assert_int_equal(guokao_load(db, &cat, edited,
                                 "config/schema/guokao.xsd", &err),
                     HR_EINPUT);
    assert_string_equal(err.field, "no");
    ind_catalogue_free(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v2_month, setup, teardown),
        cmocka_unit_test_setup_teardown(test_month_without_drg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quarter_not_average, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_names_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_benchmark_as_of_month, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefined_without_benchmark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drg_month_is_the_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_table_is_the_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guokao_items, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
