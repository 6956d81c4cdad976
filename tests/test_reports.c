/*
 * test_reports.c -- the shipped report templates (templates/monthly.xml,
 * quarterly.xml, annual.xml, topic-*.xml) rendered through render_reports()
 * from a fixture database (tests/data/reports/fixture.sql, written by
 * make_fixture.py: 3 clinical departments over 25 months), after the advise
 * stage has written its findings and suggestions from config/advice.xml.
 * Each PDF is read back with pdftotext: section titles in both languages,
 * values computed by hand from the fixture, the planted anomaly (General
 * Surgery's drug share of 36.8 % in 2026-10) named in the findings and the
 * suggestions, and no patient key anywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "tests/support/testkit.h"
#include "stages/advise/advise.h"
#include "stages/render/render.h"

static char tmpdir[64];

/* The fixture database, advised for the given periods (NULL-terminated). */
static sqlite3 *fixture_db(const char *name, const char *const *periods)
{
    sqlite3 *db = tk_fixture_db(tmpdir, name, "tests/data/reports/fixture.sql");
    hr_error err;
    hr_error_clear(&err);
    for (; periods && *periods; periods++) {
        char buf[512];
        if (advise_period(db, *periods, &err))
            fail_msg("advise %s: %s", *periods, hr_error_format(&err, buf, sizeof buf));
    }
    return db;
}

static void pdf_text(const char *pdf, strbuf *sb) { tk_pdf_text(pdf, 0, sb); }

static int render(sqlite3 *db, const char *kind, const char *period, const char *tpl,
                  const char *scope, const char *lang, const char *out)
{
    render_options o = {kind, period, scope, lang, tpl, out, 0};
    int written = 0;
    hr_error err;
    hr_error_clear(&err);
    int rc = render_reports(db, &o, &written, &err);
    if (rc) {
        char buf[1024];
        fail_msg("render %s %s %s: %s", kind, period, scope, hr_error_format(&err, buf, sizeof buf));
    }
    return written;
}

/* The text of out/<kind>-<period>-<scope>.<lang>.pdf. */
static void text_of(const char *out, const char *kind, const char *period, const char *scope,
                    const char *lang, strbuf *t)
{
    char pdf[512];
    snprintf(pdf, sizeof pdf, "%s/%s-%s-%s.%s.pdf", out, kind, period, scope, lang);
    pdf_text(pdf, t);
    if (strstr(t->buf, "PK-SECRET"))
        fail_msg("a patient key in %s", pdf);
}

static void test_monthly(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("monthly", periods);
    /* what validate and reconcile left for the appendix */
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(
        db_exec(db,
                "INSERT INTO validation_summary VALUES ('2026-10', 'outpatient', NULL, 'o.csv', "
                "1000, 990, 10, 3, 0.01, 'bad_money total_fee: 7; unknown_dept dept_code: 3');"
                "INSERT INTO reconcile_rule_state VALUES ('2026-10', 'revenue_his_vs_ledger', "
                "'blocking', 'fail', 2, 5, NULL, NULL, NULL);"
                "INSERT INTO reconcile_result VALUES ('2026-10', 'revenue_his_vs_ledger', 'D02', "
                "'dept', 100, 90, 10, 1, 'fail', 'blocking');"
                "INSERT INTO data_warning VALUES ('2026-10', 'census', 'D02', 'census_overfull', "
                "'科室 D02 预警甲', 'department D02 warning A', NULL, NULL);"
                "INSERT INTO data_warning VALUES ('2026-10', 'census', 'D01', 'census_overfull', "
                "'科室 D01 预警乙', 'department D01 warning B', NULL, NULL);",
                &err),
        0);
    char out[128];
    snprintf(out, sizeof out, "%s/monthly", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "all", out), 3);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "D02", "all", out), 3);
    strbuf t = STRBUF_INIT;

    text_of(out, "monthly", "2026-10", "hospital", "zh_CN", &t);
    assert_contains(t.buf, "月度运营分析报告");
    assert_contains(t.buf, "monthly-2026-10-001");
    assert_contains(t.buf, "已校验、已对账（有警告，见附录）");
    assert_contains(t.buf, "执行摘要");
    assert_contains(t.buf, "月度经营报表");
    assert_contains(t.buf, "设备效益分析");
    assert_contains(t.buf, "改进建议");
    assert_contains(t.buf, "指标定义");
    /* the planted anomaly, named by the band rule's suggestion */
    assert_contains(t.buf, "药占比高于 30.0% 的科室：普通外科");
    assert_true(strstr(t.buf, "本科室") == NULL); /* no department-only part */
    /* appendix A: validation per source, reconciliation per rule, warnings */
    assert_contains(t.buf, "各数据源校验情况");
    assert_contains(t.buf, "1.0%"); /* 10 of 1,000 rows quarantined */
    assert_contains(t.buf, "bad_money total_fee: 7");
    assert_contains(t.buf, "医疗收入：HIS 费用与收入台账");
    assert_contains(t.buf, "超出容差");
    assert_contains(t.buf, "科室 D02 预警甲");
    assert_contains(t.buf, "科室 D01 预警乙");

    /* a department's report: itself against the hospital, its row marked */
    text_of(out, "monthly", "2026-10", "D02", "zh_CN", &t);
    assert_contains(t.buf, "本科室与全院对比");
    assert_contains(t.buf, "普通外科（本科室）");
    assert_contains(t.buf, "本科室药占比为 36.8%，高于预警上限 30.0%。"); /* to its director */
    assert_contains(t.buf, "本科室超出容差");
    assert_contains(t.buf, "科室 D02 预警甲"); /* its own data warnings only */
    assert_true(strstr(t.buf, "科室 D01 预警乙") == NULL);
    text_of(out, "monthly", "2026-10", "D02", "en", &t);
    assert_contains(t.buf, "The department against the whole hospital");
    assert_contains(t.buf, "(this");
    sb_release(&t);
    db_close(db);
}

static void test_quarterly(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-Q3", NULL};
    sqlite3 *db = fixture_db("quarterly", periods);
    char out[128];
    snprintf(out, sizeof out, "%s/quarterly", tmpdir);
    assert_int_equal(render(db, "quarterly", "2026-Q3", NULL, "all", "all", out), 4 * 3);
    strbuf t = STRBUF_INIT;
    text_of(out, "quarterly", "2026-Q3", "hospital", "zh_CN", &t);
    assert_contains(t.buf, "季度综合运营报告");
    assert_contains(t.buf, "quarterly-2026-Q3-001");
    assert_contains(t.buf, "本季度与上季度、上年同期比较");
    /* the three months' columns are named by month, not 第一个月 */
    const char *three = strstr(t.buf, "三、季度内各月对比");
    assert_non_null(three);
    three = strstr(three + 1, "三、季度内各月对比"); /* the body, not the contents */
    assert_non_null(three);
    assert_contains(three, "指标\n\n7月\n\n8月\n\n9月\n\n本季度");
    assert_true(strstr(t.buf, "第一个月") == NULL);
    assert_contains(t.buf, "近八个季度趋势");
    assert_contains(t.buf, "2024-Q4"); /* the first of the eight quarters */
    assert_contains(t.buf, "成本分摊汇总");
    text_of(out, "quarterly", "2026-Q3", "hospital", "en", &t);
    assert_contains(t.buf, "The three months side by side");
    assert_contains(t.buf, "Indicator\n\nJul\n\nAug\n\nSep\n\nQuarter");
    assert_true(strstr(t.buf, "First month") == NULL);
    assert_contains(t.buf, "Cost allocation summary");
    assert_contains(t.buf, "QoQ"); /* the KPI cards: a quarter has no MoM */
    assert_true(strstr(t.buf, "MoM") == NULL);
    text_of(out, "quarterly", "2026-Q3", "D01", "bilingual", &t);
    assert_contains(t.buf, "心血管内科");
    assert_contains(t.buf, "Cost allocation summary");
    /* the department against the hospital, ranked "1 / 3" like monthly
     * (pdftotext drops the spaces): 35,715 of the hospital's 87,144
     * outpatient visits, the most of the 3 clinical departments */
    text_of(out, "quarterly", "2026-Q3", "D01", "zh_CN", &t);
    assert_contains(t.buf, "本科室与全院对比");
    assert_contains(t.buf, "35,715\n\n87,144\n\n-6.1%\n\n+4.6%\n\n1/3");
    /* the operating statement is the quarter's, not its last month's: D01's
     * revenue 2026-Q2 4,318.22万, 2025-Q3 3,877.34万, 2026-01..09
     * 12,562.70万; QoQ (4,055.35 - 4,318.22) / 4,318.22 = -6.1% */
    assert_contains(t.buf, "4,318.22");
    assert_contains(t.buf, "3,877.34");
    assert_contains(t.buf, "12,562.70");
    assert_contains(t.buf, "-6.1%");
    sb_release(&t);
    db_close(db);
}

static void test_annual(void **state)
{
    (void)state;
    static const char *const periods[] = {"2025", NULL};
    sqlite3 *db = fixture_db("annual", periods);
    char out[128];
    snprintf(out, sizeof out, "%s/annual", tmpdir);
    assert_int_equal(render(db, "annual", "2025", NULL, "hospital", "all", out), 3);
    assert_int_equal(render(db, "annual", "2025", NULL, "D03", "en", out), 1);
    strbuf t = STRBUF_INIT;
    text_of(out, "annual", "2025", "hospital", "zh_CN", &t);
    assert_contains(t.buf, "年度总结报告");
    assert_contains(t.buf, "本年与上年比较");
    assert_contains(t.buf, "近24个月趋势");
    assert_contains(t.buf, "临床科室排名");
    assert_contains(t.buf, "预算执行");
    text_of(out, "annual", "2025", "hospital", "en", &t);
    assert_contains(t.buf, "Department rankings");
    assert_contains(t.buf, "Annual target");
    assert_contains(t.buf, "410,000"); /* the year's O+E visits target in budget */
    assert_contains(t.buf, "94.1%");   /* 385,847 visits in 2025 / 410,000 */
    assert_true(strstr(t.buf, "MoM") == NULL); /* a year has no MoM */
    text_of(out, "annual", "2025", "D03", "en", &t);
    assert_contains(t.buf, "Orthopaedics");
    assert_contains(t.buf, "The department against the whole hospital");
    assert_contains(t.buf, "/3\n"); /* its rank among the 3 clinical departments */
    sb_release(&t);
    db_close(db);
}

static void test_topics(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-01..2026-06", NULL};
    sqlite3 *db = fixture_db("topics", periods);
    /* a file, or a short name; the PDFs are named by the template: all
     * three topics go to one folder without overwriting each other */
    static const char *const topics[][4] = {
        {"templates/topic-equipment.xml", "topic-equipment", "设备效益", "Equipment Benefit"},
        {"drug-material", "topic-drug-material", "药占比与耗占比控制", "Drug and Material Ratio Control"},
        {"topic-beds", "topic-beds", "床位效率", "Bed Efficiency"}};
    strbuf t = STRBUF_INIT;
    char out[128];
    snprintf(out, sizeof out, "%s/topics", tmpdir);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(render(db, "topic", "2026-01..2026-06", topics[i][0], "hospital", "all", out), 3);
        assert_int_equal(render(db, "topic", "2026-01..2026-06", topics[i][0], "D02", "zh_CN", out), 1);
    }
    for (int i = 0; i < 3; i++) {
        text_of(out, topics[i][1], "2026-01..2026-06", "hospital", "zh_CN", &t);
        assert_contains(t.buf, topics[i][2]);
        assert_contains(t.buf, "2026年1月");
        assert_contains(t.buf, topics[i][1]); /* the report number */
        text_of(out, topics[i][1], "2026-01..2026-06", "hospital", "en", &t);
        assert_contains(t.buf, topics[i][3]);
        text_of(out, topics[i][1], "2026-01..2026-06", "D02", "zh_CN", &t);
        assert_contains(t.buf, "普通外科");
    }
    sb_release(&t);

    /* a topic report without a template: a usage error listing the topics */
    render_options o = {"topic", "2026-01..2026-06", "hospital", "en", NULL, out, 0};
    int written = -1;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(render_reports(db, &o, &written, &err), HR_EUSAGE);
    assert_int_equal(written, 0);
    assert_contains(err.message, "--template");
    assert_contains(err.message, "beds, drug-material, equipment");
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-reports");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (getenv("KEEP_REPORTS")) {
        fprintf(stderr, "reports kept in %s\n", tmpdir);
        return 0;
    }
    tk_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monthly),
        cmocka_unit_test(test_quarterly),
        cmocka_unit_test(test_annual),
        cmocka_unit_test(test_topics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
