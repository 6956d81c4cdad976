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

/* The path out/<kind>-<period>-<scope>.<lang>.pdf (a static buffer). */
static const char *out_pdf(const char *out, const char *kind, const char *period, const char *scope,
                           const char *lang)
{
    static char pdf[512];
    snprintf(pdf, sizeof pdf, "%s/%s-%s-%s.%s.pdf", out, kind, period, scope, lang);
    return pdf;
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

/* The text without line breaks and spaces (pdftotext ends every line of a
 * wrapped sentence, and a space may go at the break): compare a sentence
 * with flat_contains(). */
static void unwrap(strbuf *t)
{
    size_t w = 0;
    for (size_t r = 0; r < t->len; r++)
        if (t->buf[r] != '\n' && t->buf[r] != ' ')
            t->buf[w++] = t->buf[r];
    t->buf[w] = '\0';
    t->len = w;
}

#define flat_contains(hay, needle)                                                          \
    do {                                                                                    \
        strbuf n_ = STRBUF_INIT;                                                            \
        sb_addstr(&n_, (needle));                                                           \
        unwrap(&n_);                                                                        \
        assert_contains((hay), n_.buf);                                                     \
        sb_release(&n_);                                                                    \
    } while (0)

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
                "'科室 D01 预警乙', 'department D01 warning B', NULL, NULL);"
                /* 454,997.65 元 of the hospital's other cost is energy (v2
                 * cost category): the statement gets its own line, the
                 * direct cost total unchanged */
                "UPDATE operating_statement SET amount_cents = amount_cents - 45499765 "
                "WHERE period = '2026-10' AND scope = 'hospital' AND section = 'direct_cost' "
                "AND item = 'other';"
                "INSERT INTO operating_statement VALUES ('2026-10', 'hospital', 'direct_cost', "
                "'energy', 45499765);"
                /* what compute writes for the hospital: the cost each
                 * level moved between departments */
                "INSERT INTO operating_statement VALUES ('2026-10', 'hospital', 'allocated', "
                "'level1', 58723680);"
                /* radiology's examinations: most of the hospital's 8,031,
                 * of which the clinical rows hold 2,674 */
                "INSERT INTO indicator_value (period, scope, indicator, value) VALUES "
                "('2026-10', 'M01', 'exams', 5357);",
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
    /* the examinations column and the hospital's total: why they differ */
    {
        strbuf u = STRBUF_INIT;
        sb_add(&u, t.buf, strlen(t.buf));
        unwrap(&u);
        flat_contains(u.buf, "全院检查人次包含医技科室（放射科）完成的检查");
        sb_release(&u);
    }
    /* the hospital's allocation only moves cost: labelled so, and said */
    assert_contains(t.buf, "科室间分摊");
    assert_contains(t.buf, "全成本等于直接成本");
    /* the energy line in 万元 (no month before it: MoM and YoY are "—") */
    assert_contains(t.buf, "能耗支出\n\n45.50\n\n—\n\n—\n\n—\n\n—\n\n45.50");
    text_of(out, "monthly", "2026-10", "hospital", "en", &t);
    assert_contains(t.buf, "Energy\n\n45.50");

    /* a department's report: itself against the hospital, its row marked */
    text_of(out, "monthly", "2026-10", "D02", "zh_CN", &t);
    assert_contains(t.buf, "本科室与全院对比");
    assert_contains(t.buf, "普通外科（本科室）");
    assert_contains(t.buf, "本科室药占比为 36.8%，高于预警上限 30.0%。"); /* to its director */
    assert_contains(t.buf, "本科室超出容差");
    assert_contains(t.buf, "分摊成本为科室承担的三级分摊成本");
    assert_null(strstr(t.buf, "科室间分摊"));
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
    /* two items of the national assessment: one a value, one a 增幅 */
    tk_exec(db, "INSERT INTO guokao_item (item_no, dimension_zh, dimension_en, name_zh, name_en,"
                " indicator, figure, direction) VALUES"
                " (35, '运营效率', 'Operational efficiency', '收支结余', 'Balance', 'balance',"
                "  'value', 'up'),"
                " (39, '运营效率', 'Operational efficiency', '住院次均费用增幅',"
                "  'Growth of the fee per stay', 'ip_fee_per_stay', 'yoy', 'down');");
    char out[128];
    snprintf(out, sizeof out, "%s/quarterly", tmpdir);
    assert_int_equal(render(db, "quarterly", "2026-Q3", NULL, "all", "all", out), 4 * 3);
    strbuf t = STRBUF_INIT;
    text_of(out, "quarterly", "2026-Q3", "hospital", "zh_CN", &t);
    /* the indicator table names them, with the official name */
    assert_contains(t.buf, "国考指标");
    assert_contains(t.buf, "35 收支结余");
    assert_contains(t.buf, "39 住院次均费用增幅");
    assert_contains(t.buf, "序号与官方名称");
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
    unwrap(&t);
    flat_contains(t.buf, "39 Growth of the fee per stay");
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

/* The budget table judges execution by the indicator's direction, as the
 * dashboard does: drug share (lower is better) at 30.24 % year to date
 * against its 28 % target is 108.0 % of it, over the ceiling: "Alert",
 * never read as ahead of plan; O+E visits (a flow) at 83.1 % against the
 * time progress of October, 10 / 12 = 83.3 %, are 0.3 points behind:
 * "Watch"; medical revenue at 193.0 % is on track. */
static void test_budget_direction(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("budget", periods);
    tk_exec(db, "UPDATE indicator SET is_flow = 1 WHERE indicator IN ('medical_revenue', "
                "'oe_visits', 'discharges');"
                "UPDATE indicator_value SET value = 108.0 WHERE period = '2026-10' AND scope = "
                "'hospital' AND indicator = 'budget_execution.drug_ratio';");
    char out[128];
    snprintf(out, sizeof out, "%s/budget", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "en", out), 1);
    strbuf t = STRBUF_INIT;
    text_of(out, "monthly", "2026-10", "hospital", "en", &t);
    unwrap(&t);
    const char *b = strstr(t.buf, "Year-to-datebudgetexecution");
    assert_non_null(b);
    const char *drug = strstr(b, "Drugshareoffees");
    assert_non_null(drug);
    assert_non_null(strstr(drug, "108.0%100.0%Alert"));
    assert_non_null(strstr(b, "83.1%83.3%Watch"));
    assert_non_null(strstr(b, "193.0%83.3%Ontrack"));
    assert_non_null(strstr(b, "thetargetisaceiling"));
    sb_release(&t);
    db_close(db);
}

/* Comparability marks in tables come from advise's advice_break: the
 * hospital's discharges (mom) and D02's O+E visits (mom) are not
 * like-for-like; their cells carry "*" and the tables a footnote with the
 * reason, in the report's language; other cells carry none. */
static void test_break_marks(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("breaks", periods);
    tk_exec(db, "DELETE FROM advice_break;"
                "INSERT INTO advice_break VALUES ('2026-10', 'hospital', 'discharges', 'mom',"
                " '含新设科室急诊科', 'includes a new department, Emergency'),"
                "('2026-10', 'D02', 'oe_visits', 'mom', '科室字典变更：外科更名为普外科',"
                " 'the department dictionary changed: Surgery is now General Surgery');");
    char out[128];
    snprintf(out, sizeof out, "%s/breaks", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "all", out), 3);
    strbuf t = STRBUF_INIT;
    text_of(out, "monthly", "2026-10", "hospital", "en", &t);
    unwrap(&t);
    /* the indicator overview: the hospital's discharges */
    assert_contains(t.buf, "*Notlike-for-like,neitheranimprovementnoradeterioration:includesanew"
                           "department,Emergency.");
    /* volume by department: D02's visits (General Surgery 10,508, -0.48 %*)
     * and the hospital's discharges (1,320, -0.53 %*), both reasons */
    assert_contains(t.buf, "GeneralSurgery29,2721,23610,508-0.48%*433-0.46%");
    assert_contains(t.buf, "Wholehospital—30,8303,77034,600+7.4%1,320-0.53%*");
    assert_contains(t.buf, "*Notlike-for-like,neitheranimprovementnoradeterioration:thedepartment"
                           "dictionarychanged:SurgeryisnowGeneralSurgery;includesanewdepartment,"
                           "Emergency.");
    assert_true(strstr(t.buf, "Cardiology114,1401,54515,685+18.8%541-0.55%116") != NULL);
    text_of(out, "monthly", "2026-10", "hospital", "zh_CN", &t);
    unwrap(&t);
    assert_contains(t.buf, "*非同口径比较，不作为改善或恶化：含新设科室急诊科。");
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

    /* a topic by its name as the kind (--report topic-beds): the same PDFs */
    char out2[160];
    snprintf(out2, sizeof out2, "%s/topics-by-name", tmpdir);
    assert_int_equal(render(db, "topic-beds", "2026-01..2026-06", NULL, "hospital", "en", out2), 1);
    text_of(out2, "topic-beds", "2026-01..2026-06", "hospital", "en", &t);
    assert_contains(t.buf, "Bed Efficiency");
    {
        render_options bad = {"topic-nope", "2026-01..2026-06", "hospital", "en", NULL, out2, 0};
        int w = -1;
        hr_error e;
        hr_error_clear(&e);
        assert_int_equal(render_reports(db, &bad, &w, &e), HR_EUSAGE);
        assert_contains(e.message, "'topic-nope' is not a report");
        assert_contains(e.message, "beds");
    }

    /* a topic report without a template: a usage error listing the topics */
    render_options o = {"topic", "2026-01..2026-06", "hospital", "en", NULL, out, 0};
    int written = -1;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(render_reports(db, &o, &written, &err), HR_EUSAGE);
    assert_int_equal(written, 0);
    assert_contains(err.message, "--template");
    assert_contains(err.message, "beds, drg, drug-material, equipment, guokao");
    sb_release(&t);
    db_close(db);
}

/* Where `needle` first occurs in hay after `from`, or fails. */
static const char *after(const char *hay, const char *from, const char *needle)
{
    const char *p = strstr(from ? from : hay, needle);
    if (!p)
        fail_msg("expected '%s' after '%.40s' in:\n%.3000s", needle, from ? from : "", hay);
    return p;
}

/* The DRG/DIP section (issue 18) on the fixture's grouped stays of 2026-10
 * (make_fixture.py, GROUPS): the hospital's 107 stays in 12 groups weigh
 * 45.6 (Cardiology) + 61.4 (General Surgery) + 53.3 (Orthopaedics) = 160.3,
 * CMI 160.3 / 107 = 1.498 -> 1.50; 107 of 109 discharged stays grouped
 * (98.2 %). Balance = payment (weight x 19,000) - fee per stay x stays:
 * GB19 (72,200 - 104,400) x 8 = -257,600; IC29 (58,900 - 76,800) x 8 =
 * -143,200; FV29 (15,200 - 30,800) x 2 = -31,200; FM19 (39,900 - 42,000)
 * x 12 = -25,200; IB29 (55,100 - 60,610) x 3 = -16,530: the five losers in
 * that order. */
static void test_drg_section(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", "2026-Q3", "2025", NULL};
    sqlite3 *db = fixture_db("drg", periods);
    char out[128];
    snprintf(out, sizeof out, "%s/drg", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "all", "all", out), 4 * 3);
    strbuf t = STRBUF_INIT;

    text_of(out, "monthly", "2026-10", "hospital", "zh_CN", &t);
    /* ten sections: the run's font has the numeral 十 (charset.c) */
    assert_contains(t.buf, "十、改进建议");
    const char *sec = after(t.buf, NULL, "入组率 98.2%：出院 109 例，入组 107 例，未入组 2 例。");
    const char *cards = after(t.buf, after(t.buf, NULL, "、DRG/DIP 病组分析\n") + 1, "病例组合指数");
    assert_true(cards < sec);
    assert_contains(cards, "1.50");
    assert_contains(cards, "160.30");
    const char *losers = after(t.buf, sec, "亏损最多的病组");
    const char *p = after(t.buf, losers, "GB19 胃、食管、十二指肠大手术");
    p = after(t.buf, p, "-25.76");
    p = after(t.buf, p, "IC29 髋、肩、膝、肘和踝关节置换术");
    p = after(t.buf, p, "-14.32");
    p = after(t.buf, p, "FV29");
    p = after(t.buf, p, "-3.12");
    p = after(t.buf, p, "FM19");
    p = after(t.buf, p, "-2.52");
    p = after(t.buf, p, "IB29");
    p = after(t.buf, p, "-1.65");
    assert_contains(t.buf, "结余最多的病组");
    /* the largest surplus: FT19, (10,450 - 8,200) x 10 = +2.25万 */
    p = after(t.buf, p, "FT19 高血压");
    p = after(t.buf, p, "2.25");
    assert_contains(t.buf, "各科室 DRG 情况");
    /* departments by CMI: Orthopaedics 53.3 / 27 = 1.97, General Surgery
     * 61.4 / 42 = 1.46, Cardiology 45.6 / 38 = 1.20 */
    p = after(t.buf, p, "骨科\n\n27\n\n4\n\n1.97");
    p = after(t.buf, p, "普通外科\n\n42\n\n4\n\n1.46");
    p = after(t.buf, p, "心血管内科\n\n38\n\n4\n\n1.20");
    /* the hospital's DRG findings: GB19 45.0 % above its benchmark; its
     * suggestion is printed once, under 改进建议, not again in the section */
    assert_contains(t.buf, "费用超标杆或超支付标准的病组");
    p = after(t.buf, p, "比地区标杆 72,000.00元 高 45.0%");
    p = after(t.buf, p, "针对上述病组的改进建议见“改进建议”一节。");
    {
        strbuf u = STRBUF_INIT;
        sb_add(&u, t.buf, strlen(t.buf));
        unwrap(&u);
        const char *s1 = strstr(u.buf, "纳入DRG病组管理台账逐月跟踪");
        assert_non_null(s1);
        assert_null(strstr(s1 + 1, "纳入DRG病组管理台账逐月跟踪"));
        assert_true(s1 > strstr(strstr(u.buf, "十、改进建议") + 1, "十、改进建议"));
        sb_release(&u);
    }
    text_of(out, "monthly", "2026-10", "hospital", "en", &t);
    assert_contains(t.buf, "DRG/DIP case mix and payment");
    unwrap(&t);
    flat_contains(t.buf, "Grouping rate 98.2%: 107 of 109 discharged stays grouped, 2 not.");
    flat_contains(t.buf, "Groups losing most");

    /* the department block: its own CMI (61.4 / 42 = 1.46), its loss-making
     * groups, and the advise rule on the planted group: GB19 costs 104,400
     * a stay against 72,000 (+45.0 %) with stays of 22 days against 16
     * (+37.5 %): the cause is the length of stay */
    text_of(out, "monthly", "2026-10", "D02", "zh_CN", &t);
    sec = after(t.buf, NULL, "入组率 95.5%：出院 44 例，入组 42 例，未入组 2 例。");
    assert_true(after(t.buf, NULL, "1.46") < sec);
    p = after(t.buf, sec, "GB19 胃、食管、十二指肠大手术");
    p = after(t.buf, p, "HC29 胆囊切除手术");
    assert_true(strstr(sec, "结余最多的病组") == NULL); /* the hospital's only */
    assert_true(strstr(sec, "各科室 DRG 情况") == NULL);
    unwrap(&t); /* the findings wrap */
    flat_contains(t.buf, "病组GB19（胃、食管、十二指肠大手术）本期 8 例，次均费用 104,400.00元，比医保支付"
                           "标准 72,200.00元 高 44.6%（比地区标杆 72,000.00元 高 45.0%），病组亏损 "
                           "25.76万元；平均住院日 22.0 天，标杆 16.0 天（+37.5%）。");
    flat_contains(t.buf, "亏损 25.76万元，主要因住院日偏长（22.0 天，标杆 16.0 天）");
    text_of(out, "monthly", "2026-10", "D02", "en", &t);
    unwrap(&t);
    flat_contains(t.buf, "45.0% above the region's benchmark of ¥72,000.00");
    /* Orthopaedics' IC29: 76,800 against a payment of 58,900 (a loss of
     * 8 x 17,900 = 14.32万), 11 days as the benchmark: the cause is
     * spending; of its fees, materials (62 %) run above all the
     * hospital's stays (39.9 %: 139.57万 of 350.14万 yuan of fees), drugs
     * (12 % against 22.6 %) and examinations (8 % against 13.0 %) do not
     * and are not cited */
    text_of(out, "monthly", "2026-10", "D03", "zh_CN", &t);
    unwrap(&t);
    flat_contains(t.buf, "病组IC29（髋、肩、膝、肘和踝关节置换术）住院日不长而亏损 14.32万元；费用结构：耗材占 "
                           "62.0%（全院住院病例 39.9%）。");
    assert_true(strstr(t.buf, "药品占 12.0%") == NULL);
    assert_true(strstr(t.buf, "住院日偏长") == NULL);
    /* Cardiology's FV29 costs 2.2 x its benchmark on 2 stays: listed among
     * the losers, but too few stays for a finding (min_stays 5) */
    text_of(out, "monthly", "2026-10", "D01", "zh_CN", &t);
    assert_contains(t.buf, "FV29 严重心律失常及传导障碍");
    assert_true(strstr(t.buf, "病组FV29") == NULL);

    /* a quarter: the three months' stays (CMI 1.50 every month) */
    assert_int_equal(render(db, "quarterly", "2026-Q3", NULL, "hospital", "zh_CN", out), 1);
    text_of(out, "quarterly", "2026-Q3", "hospital", "zh_CN", &t);
    assert_contains(t.buf, "入组率 98.2%：出院 327 例，入组 321 例，未入组 6 例。");
    /* a year with grouped stays in October only: the line names the other months */
    assert_int_equal(render(db, "annual", "2025", NULL, "hospital", "zh_CN", out), 1);
    text_of(out, "annual", "2025", "hospital", "zh_CN", &t);
    unwrap(&t);
    flat_contains(t.buf, "以下月份未提供 DRG/DIP 分组结果（drg.csv），本期 DRG 指标无法汇总：2025-01、"
                           "2025-02");
    flat_contains(t.buf, "2025-09、2025-11、2025-12。");
    assert_true(strstr(t.buf, "亏损最多的病组") == NULL);
    sb_release(&t);
    db_close(db);
}

/* DRG group names in the English editions: drg.csv has the grouper's
 * Chinese name only; drg_benchmark.csv may give name_en (view drg_name_en,
 * the latest month that has one). Planted: GB19 with an English name in
 * 2026-10 and an older one in 2025-10. The English edition prints GB19 by
 * its English name, the other groups by code and Chinese name, and one
 * line saying so; the Chinese edition has neither; the bilingual both. */
static void test_drg_names_en(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("drg-names", periods);
    tk_exec(db, "UPDATE drg_benchmark SET name_en = 'Old name' WHERE drg_code = 'GB19' AND "
                "period = '2025-10';"
                "UPDATE drg_benchmark SET name_en = ' Major stomach, oesophageal and duodenal "
                "procedures ' WHERE drg_code = 'GB19' AND period = '2026-10';");
    char out[128];
    snprintf(out, sizeof out, "%s/drg-names", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "all", out), 3);
    strbuf t = STRBUF_INIT;
    text_of(out, "monthly", "2026-10", "hospital", "en", &t);
    unwrap(&t);
    const char *losers = strstr(t.buf, "Groupslosingmost");
    assert_non_null(losers);
    flat_contains(losers, "GB19 Major stomach, oesophageal and duodenal procedures");
    flat_contains(losers, "IC29 髋、肩、膝、肘和踝关节置换术");
    assert_null(strstr(t.buf, "GB19胃、食管"));
    assert_null(strstr(t.buf, "Oldname"));
    flat_contains(t.buf, "Groups without an English name are shown by their code and Chinese name.");
    text_of(out, "monthly", "2026-10", "hospital", "zh_CN", &t);
    unwrap(&t);
    flat_contains(t.buf, "GB19 胃、食管、十二指肠大手术");
    assert_null(strstr(t.buf, "Majorstomach"));
    assert_null(strstr(t.buf, "未提供英文名称的病组"));
    text_of(out, "monthly", "2026-10", "hospital", "bilingual", &t);
    unwrap(&t);
    flat_contains(t.buf, "GB19 胃、食管、十二指肠大手术");
    flat_contains(t.buf, "Major stomach, oesophageal and duodenal procedures");
    flat_contains(t.buf, "未提供英文名称的病组按编码和中文名称列出。");
    sb_release(&t);
    db_close(db);
}

/* A topic report has no data-quality appendix: its cover's data state
 * with warnings points to the monthly reports' appendix, not to "见附录"
 * (fixture: 2026-10 validated and reconciled with warnings). The shipped
 * covers share the built-in data_state (topic-drg and topic-guokao read
 * period_state before, without the stale state month_state gives). */
static void test_topic_cover_data_state(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("topic-state", periods);
    char out[128];
    snprintf(out, sizeof out, "%s/topic-state", tmpdir);
    assert_int_equal(render(db, "topic", "2026-10", "beds", "hospital", "all", out), 3);
    strbuf t = STRBUF_INIT;
    text_of(out, "topic-beds", "2026-10", "hospital", "zh_CN", &t);
    unwrap(&t);
    flat_contains(t.buf, "已校验、已对账（有警告，见各月月度报告的数据质量附录）");
    assert_null(strstr(t.buf, "有警告，见附录"));
    text_of(out, "topic-beds", "2026-10", "hospital", "en", &t);
    unwrap(&t);
    flat_contains(t.buf, "with warnings (see the data-quality appendix of the monthly reports)");
    assert_null(strstr(t.buf, "(seetheappendix)"));
    assert_int_equal(render(db, "topic-drg", "2026-10", NULL, "hospital", "zh_CN", out), 1);
    text_of(out, "topic-drg", "2026-10", "hospital", "zh_CN", &t);
    unwrap(&t);
    flat_contains(t.buf, "已校验、已对账（有警告，见各月月度报告的数据质量附录）");
    sb_release(&t);
    db_close(db);
}

/* Without drg.csv: the DRG section is its heading and one line naming the
 * missing source; no card, no table, nothing empty. */
/* Whether the text from the line at `from` to `to` holds nothing but that
 * line, blank lines, and a page break's footer ("第 11 页 / 共 13 页"),
 * running header ("… · 月度运营分析报告") and report number: nothing was
 * drawn in between. */
static int only_page_furniture(const char *from, const char *to)
{
    const char *p = strchr(from, '\n');
    while (p && p < to) {
        const char *bol = p + 1, *eol = strchr(bol, '\n');
        if (!eol || eol >= to)
            break;
        size_t n = (size_t)(eol - bol);
        char l[256];
        snprintf(l, sizeof l, "%.*s", (int)(n < sizeof l ? n : sizeof l - 1), bol);
        if (l[0] && !(strncmp(l, "第 ", 4) == 0 && strstr(l, "页")) && !strstr(l, " · ") &&
            strncmp(l, "monthly-", 8) != 0)
            return 0;
        p = eol;
    }
    return 1;
}

static void test_drg_missing(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("drg-missing", periods);
    tk_exec(db, "DELETE FROM drg; DELETE FROM drg_benchmark; DELETE FROM drg_group;"
                "DELETE FROM source_file WHERE source IN ('drg', 'drg_benchmark');"
                "DELETE FROM indicator_value WHERE indicator IN ('drg_cases', 'drg_groups',"
                " 'drg_total_weight', 'cmi', 'time_efficiency_index', 'cost_efficiency_index',"
                " 'low_risk_mortality', 'drg_balance') AND period = '2026-10';");
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(advise_period(db, "2026-10", &err), 0);
    char out[128];
    snprintf(out, sizeof out, "%s/drg-missing", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "all", out), 3);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "D02", "zh_CN", out), 1);
    strbuf t = STRBUF_INIT;
    static const char *const scopes[] = {"hospital", "D02"};
    for (int i = 0; i < 2; i++) {
        text_of(out, "monthly", "2026-10", scopes[i], "zh_CN", &t);
        const char *toc = after(t.buf, NULL, "、DRG/DIP 病组分析\n");
        const char *sec = after(t.buf, toc + 1, "、DRG/DIP 病组分析\n");
        const char *line = after(t.buf, sec, "未提供 DRG/DIP 分组结果（drg.csv），本期不做病组分析。");
        assert_true(line - sec < 40); /* the line right under the heading */
        const char *next = after(t.buf, line, "、改进建议\n"); /* the next section follows */
        assert_true(only_page_furniture(line, next));
        assert_true(strstr(t.buf, "亏损最多的病组") == NULL);
        assert_true(strstr(t.buf, "入组率") == NULL);
    }
    text_of(out, "monthly", "2026-10", "hospital", "en", &t);
    unwrap(&t);
    flat_contains(t.buf, "No DRG/DIP grouping result (drg.csv) was loaded for the period: no group analysis.");

    sb_release(&t);
    db_close(db);
}

/* topic-drg on 2026-10 (--report topic-drg). The hospital's 12 groups all
 * have a payment; 7 lose: GB19 257,600, IC29 143,200, FV29 31,200, FM19
 * 25,200, IB29 16,530, IF39 (43,700 - 45,000) x 6 = 7,800, HC29 (22,800 -
 * 23,000) x 14 = 2,800, 484,330 in all; 5 gain: FT19 22,500, IU29 9,000,
 * GD19 7,800, FR29 7,700, GK29 5,600 = 52,600; net -431,730. The three
 * worst lose 432,000 together, 89.2 % of the losses. */
static void test_topic_drg(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", "2026-01..2026-06", NULL};
    sqlite3 *db = fixture_db("topic-drg", periods);
    char out[128];
    snprintf(out, sizeof out, "%s/topic-drg", tmpdir);
    assert_int_equal(render(db, "topic-drg", "2026-10", NULL, "all", "all", out), 4 * 3);
    strbuf t = STRBUF_INIT;
    text_of(out, "topic-drg", "2026-10", "hospital", "zh_CN", &t);
    assert_contains(t.buf, "专题分析报告：DRG病组盈亏");
    assert_contains(t.buf, "topic-drg-2026-10-001");
    unwrap(&t);
    flat_contains(t.buf, "本期有结算的 12 个病组中 7 个亏损，合计亏损 48.43万元；盈余病组合计结余 5.26万元，"
                         "净结余 -43.17万元。亏损最多的病组为GB19（胃、食管、十二指肠大手术）、IC29（髋、肩、"
                         "膝、肘和踝关节置换术）、FV29（严重心律失常及传导障碍），合计亏损 43.20万元，占全部亏损的 "
                         "89.2%。");
    flat_contains(t.buf, "入组率 98.2%");
    /* losers in order, then the seven in the cost structure: GB19's fees
     * are 30 % drugs, 35 % materials, 12 % examinations, 23 % other */
    const char *p = after(t.buf, NULL, "二、病组盈亏排名");
    p = after(t.buf, p, "GB19胃、食管、十二指肠大手术");
    p = after(t.buf, p, "IF39");
    p = after(t.buf, p, "HC29");
    p = after(t.buf, p, "FT19高血压");
    p = after(t.buf, p, "四、亏损病组费用结构");
    p = after(t.buf, p, "GB19胃、食管、十二指肠大手术104,400.0030.0%35.0%12.0%23.0%-25.76");
    p = after(t.buf, p, "IC29髋、肩、膝、肘和踝关节置换术76,800.0012.0%62.0%8.0%18.0%-14.32");
    after(t.buf, p, "全部入组病例");
    flat_contains(t.buf, "比地区标杆 72,000.00元 高 45.0%"); /* the hospital's DRG finding */
    text_of(out, "topic-drg", "2026-10", "hospital", "en", &t);
    unwrap(&t);
    flat_contains(t.buf, "7 of the 12 groups with a payment lost money, ¥484,330 in all; the gaining groups "
                         "gained ¥52,600, a net balance of -¥431,730.");
    flat_contains(t.buf, "Cost structure of the loss-making groups");
    /* a department: its own groups only, its findings */
    text_of(out, "topic-drg", "2026-10", "D03", "zh_CN", &t);
    unwrap(&t);
    flat_contains(t.buf, "骨科");
    flat_contains(t.buf, "住院日不长而亏损 14.32万元");
    assert_true(strstr(t.buf, "GB19") == NULL);

    /* the topic range has no grouped stay: one line, no empty page */
    assert_int_equal(render(db, "topic", "2026-01..2026-06", "drg", "hospital", "zh_CN", out), 1);
    text_of(out, "topic-drg", "2026-01..2026-06", "hospital", "zh_CN", &t);
    assert_contains(t.buf, "未提供 DRG/DIP 分组结果（drg.csv），本期不做病组分析。");
    assert_true(strstr(t.buf, "病组盈亏排名") == NULL);
    assert_int_equal(tk_pdf_pages(out_pdf(out, "topic-drg", "2026-01..2026-06", "hospital", "zh_CN")), 2);
    sb_release(&t);
    db_close(db);
}

/* topic-guokao on 2026-10: items of guokao_item (045, loaded by compute
 * from config/guokao.xml; here written by hand, with two test reference
 * values) against the fixture's values. 14 low-risk mortality: 1 death in
 * the 28 low-risk stays (FT19 10, GK29 8, IU29 10) = 3.57 %, none a year
 * earlier: +3.57 pp, worse (lower is better), short of the reference 0.5;
 * 31 the service revenue share rose (+2.2 pp): better; 35 the balance
 * rose 7.4 %: better; 39 fees per stay grew -0.01 % (the 增幅 item's
 * figure), within the reference of 5 %; 6 grade-4 operations has no value
 * in the fixture: "—". */
static void test_topic_guokao(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("topic-guokao", periods);
    tk_exec(db,
            "CREATE TABLE IF NOT EXISTS guokao_item (item_no INTEGER PRIMARY KEY, dimension_zh TEXT "
            "NOT NULL, dimension_en TEXT NOT NULL, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, "
            "indicator TEXT NOT NULL, figure TEXT NOT NULL, direction TEXT NOT NULL, reference REAL, "
            "reference_source TEXT);"
            "DELETE FROM guokao_item;"
            "INSERT INTO guokao_item (item_no, dimension_zh, dimension_en, name_zh, name_en, indicator,"
            " figure, direction, reference, reference_source) VALUES"
            " (6, '医疗质量', 'Medical quality', '出院患者四级手术比例', 'Discharges with grade 4 surgery',"
            "  'grade4_surgery_ratio', 'value', 'up', NULL, NULL),"
            " (14, '医疗质量', 'Medical quality', '低风险组病例死亡率', 'Mortality in low-risk groups',"
            "  'low_risk_mortality', 'value', 'down', 0.5, '测试参考值'),"
            " (31, '运营效率', 'Operational efficiency', '医疗服务收入占医疗收入比例',"
            "  'Medical service revenue share', 'service_revenue_ratio', 'value', 'up', NULL, NULL),"
            " (35, '运营效率', 'Operational efficiency', '收支结余', 'Balance', 'balance', 'value', 'up',"
            "  NULL, NULL),"
            " (39, '运营效率', 'Operational efficiency', '住院次均费用增幅', 'Growth of the fee per stay',"
            "  'ip_fee_per_stay', 'yoy', 'down', 5, '测试参考值');"
            /* the fee per stay grew 3.0 % a year earlier: this year's
             * -0.01 % is 3.01 points less growth, better for a 'down' item */
            "INSERT OR REPLACE INTO indicator_value (period, scope, indicator, value, yoy)"
            " VALUES ('2025-10', 'hospital', 'ip_fee_per_stay', 10300, 3.0);");
    char out[128];
    snprintf(out, sizeof out, "%s/topic-guokao", tmpdir);
    assert_int_equal(render(db, "topic-guokao", "2026-10", NULL, "hospital", "all", out), 3);
    strbuf t = STRBUF_INIT;
    text_of(out, "topic-guokao", "2026-10", "hospital", "zh_CN", &t);
    assert_contains(t.buf, "专题分析报告：国考自评");
    unwrap(&t);
    flat_contains(t.buf, "本报告计算 5 项国考指标，本期有数值的 4 项；与上年同期相比改善 3 项、变差 1 项；"
                         "填写了参考值的 2 项中达到参考值 1 项。");
    /* the one item worse than a year earlier, by its direction */
    flat_contains(t.buf, "较上年同期变差的 1 项：14 低风险组病例死亡率。");
    /* in the assessment's order, by dimension, one row per item (read
     * with -layout: a row is a line) */
    strbuf lay = STRBUF_INIT;
    tk_pdf_text_layout(out_pdf(out, "topic-guokao", "2026-10", "hospital", "zh_CN"), 0, &lay);
    static const char *const rows[][6] = {
        {"医疗质量", "6", "出院患者四级手术比例", "—", "↑ 逐步提高", ""},
        {"14", "低风险组病例死亡率", "3.57%", "+3.6个百分点", "变差", "未达到"},
        {"运营效率", "31", "医疗服务收入占医疗收入比例", "31.8%", "+2.2个百分点", "改善"},
        {"35", "收支结余", "+7.4%", "↑ 逐步提高", "改善", ""},
        {"39", "住院次均费用增幅", "-0.01%", "-3.0个百分点", "改善", "达到"}};
    const char *at = strstr(lay.buf, "考核维度");
    assert_non_null(at);
    for (int i = 0; i < 5; i++) {
        const char *name = after(lay.buf, at, rows[i][i == 0 || i == 2 ? 2 : 1]);
        const char *bol = name, *eol = strchr(name, '\n');
        while (bol > lay.buf && bol[-1] != '\n')
            bol--;
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(eol ? eol - bol : (long)strlen(bol)), bol);
        for (int k = 0; k < 6; k++)
            if (rows[i][k][0] && !strstr(line, rows[i][k]))
                fail_msg("row %d: expected '%s' in '%s'", i, rows[i][k], line);
        at = name;
    }
    sb_release(&lay);
    text_of(out, "topic-guokao", "2026-10", "hospital", "en", &t);
    unwrap(&t);
    flat_contains(t.buf, "5 items of the national assessment computed, 4 with a value this period; against a "
                         "year earlier 3 better and 1 worse; of the 2 with a reference value, 1 meet it.");
    flat_contains(t.buf, "1 item worse than a year earlier: 14 Mortality in low-risk groups.");
    flat_contains(t.buf, "Mortality in low-risk groups");
    sb_release(&t);
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

/* "前五": seven more clinical departments all cured or improved at 100 %,
 * tied at the top of the quality table of D02's report: it lists five of
 * them (the first by code, 测试科1-5), D02 and the hospital, not all seven. */
static void test_top_five_ties(void **state)
{
    (void)state;
    static const char *const periods[] = {"2026-10", NULL};
    sqlite3 *db = fixture_db("ties", periods);
    for (int i = 1; i <= 7; i++) {
        char sql[600];
        snprintf(sql, sizeof sql,
                 "INSERT INTO dept VALUES ('2026-10', 'T%d', '测试科%d', 'Test %d', 'clinical', "
                 "25297, %d);"
                 "INSERT INTO indicator_value (period, scope, indicator, value) VALUES "
                 "('2026-10', 'T%d', 'cure_improve_rate', 100.0);",
                 i, i, i, 20 + i, i);
        tk_exec(db, sql);
    }
    char out[128];
    snprintf(out, sizeof out, "%s/ties", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "D02", "zh_CN", out), 1);
    strbuf lay = STRBUF_INIT;
    tk_pdf_text_layout(out_pdf(out, "monthly", "2026-10", "D02", "zh_CN"), 0, &lay);
    /* a row of the quality table: the name, then 100.0% cured */
    int rows = 0, seen[8] = {0};
    for (const char *l = lay.buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *eol = strchr(l, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(eol ? eol - l : (long)strlen(l)), l);
        const char *name = strstr(line, "测试科");
        if (name && strstr(name, "100.0%")) {
            rows++;
            seen[name[strlen("测试科")] - '0'] = 1;
        }
    }
    assert_int_equal(rows, 5);
    for (int i = 1; i <= 5; i++)
        assert_true(seen[i]);
    sb_release(&lay);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monthly),
        cmocka_unit_test(test_quarterly),
        cmocka_unit_test(test_annual),
        cmocka_unit_test(test_budget_direction),
        cmocka_unit_test(test_break_marks),
        cmocka_unit_test(test_topics),
        cmocka_unit_test(test_drg_section),
        cmocka_unit_test(test_drg_names_en),
        cmocka_unit_test(test_topic_cover_data_state),
        cmocka_unit_test(test_drg_missing),
        cmocka_unit_test(test_topic_drg),
        cmocka_unit_test(test_topic_guokao),
        cmocka_unit_test(test_top_five_ties),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
