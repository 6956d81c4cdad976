/*
 * test_advise.c -- the advise stage: number formatting; a fixture month
 * with known anomalies (tests/data/advise/fixture.sql) gives the expected
 * findings and suggestions, word for word, in both languages; changed data
 * change the text; the shipped config/advice.xml loads and names the
 * anomaly; broken rules files are refused with file, line and element.
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
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/error.h"
#include "pipeline/core/strbuf.h"
#include "stages/advise/advise.h"
#include "tests/support/testkit.h"

#define RULES "tests/data/advise/rules.xml"

static char tmpdir[64]; /* the test kit's scratch folder, one for the file */

/* The month of tests/data/advise/fixture.sql, in a fresh database. */
static sqlite3 *fixture_db(void)
{
    return tk_fixture_db(tmpdir, "test_advise", "tests/data/advise/fixture.sql");
}

/* The month with history of tests/data/advise/analysis.sql. */
static sqlite3 *analysis_db(void)
{
    return tk_fixture_db(tmpdir, "test_advise", "tests/data/advise/analysis.sql");
}

/* A path in the scratch folder, in a static buffer (one at a time). */
static const char *scratch(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

/* A copy of the rules file src with the edits of tk_edited_copy(), as
 * scratch/rules.xml; returns its path. */
#define edited_rules(src, ...) (tk_edited_copy(scratch("rules.xml"), (src), __VA_ARGS__, NULL), \
                                scratch("rules.xml"))

/* Runs advise on the period with a rules file (NULL: the shipped
 * config/advice.xml); fails the test on an error, saying it. */
static void advise_ok(sqlite3 *db, const char *period, const char *rules)
{
    hr_error err;
    hr_error_clear(&err);
    int rc = rules ? advise_period_rules(db, period, rules, &err) : advise_period(db, period, &err);
    if (rc)
        fail_msg("advise %s with %s: %s:%d: %s", period, rules ? rules : "config/advice.xml",
                 err.file, err.line, err.message);
}

/* The start of an insert into the indicator catalogue, for a test's own. */
#define ADD_INDICATOR                                                                       \
    "INSERT INTO indicator (indicator, name_zh, name_en, unit, direction, dimension, "      \
    "sort_order, is_flow) VALUES "

/* The period's sentences of a scope and kind, one per line, "zh | en". */
static const char *sentences_of(sqlite3 *db, const char *period, const char *scope,
                                const char *kind)
{
    static strbuf sb = STRBUF_INIT;
    sb_reset(&sb);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT text_zh, text_en, severity FROM advice WHERE "
                                        "period = ? AND scope = ? AND kind = ? "
                                        "ORDER BY sort_order",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        sb_addf(&sb, "%s | %s | %s\n", sqlite3_column_text(st, 2), sqlite3_column_text(st, 0),
                sqlite3_column_text(st, 1));
    assert_int_equal(step, SQLITE_DONE);
    sqlite3_finalize(st);
    return sb.buf ? sb.buf : "";
}

static const char *sentences(sqlite3 *db, const char *scope, const char *kind)
{
    return sentences_of(db, "2026-10", scope, kind);
}

static void test_known_anomaly(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    advise_ok(db, "2026-10", RULES);

    /* Warnings first, each severity by materiality (relative change over
     * min_change, or how far beyond the limit: 15.0 > 3.5 > 0.8). */
    assert_string_equal(
        sentences(db, "hospital", "finding"),
        "warning | 平均住院日环比上升 15.0%（8.0天 → 9.2天）。 | "
        "Average length of stay rose 15.0% vs the previous month (8.0 days → 9.2 days).\n"
        "warning | 药占比环比上升 3.5个百分点（29.0% → 32.5%）。 | "
        "Drug share rose 3.5 pp vs the previous month (29.0% → 32.5%).\n"
        "warning | 全院药占比为 32.5%，高于预警上限 30.0%（预警区间 ≤ 30.0%）。 | "
        "Drug share for the hospital was 32.5%, above 30.0% (band ≤ 30.0%).\n"
        "info | 全院门诊人次环比上升 12.2%，主要来自：内科（+1,000人次，占 74.3%）"
        "及外科（+345人次，占 25.7%）。 | "
        "The hospital's Outpatient visits rose 12.2% vs the previous month, driven by "
        "Internal Medicine (+1,000 visits, 74.3%) and Surgery (+345 visits, 25.7%).\n");
    /* the mover "门诊人次环比上升 12.2%（11,000人次 → 12,345人次）" states the
     * same figure as the drivers' sentence, which explains it: said once */
    assert_string_equal(sentences(db, "hospital", "suggestion"),
                        "warning | 药占比高于 30.0% 的科室：内科（38.2%）。 | "
                        "Drug share above 30.0% in: Internal Medicine (38.2%).\n");
    /* Internal Medicine: its own findings, in catalogue order; no hospital-only
     * suggestion, no movers (no bases). */
    assert_string_equal(
        sentences(db, "0301", "finding"),
        "warning | 内科药占比为 38.2%，高于预警上限 30.0%（预警区间 ≤ 30.0%）。 | "
        "Drug share for Internal Medicine was 38.2%, above 30.0% (band ≤ 30.0%).\n"
        "warning | 内科床位使用率为 95.5%，高于预警上限 93.0%（预警区间 80.0%–93.0%）。 | "
        "Bed occupancy for Internal Medicine was 95.5%, above 93.0% (band 80.0%–93.0%).\n");
    assert_string_equal(sentences(db, "0301", "suggestion"), "");
    assert_string_equal(sentences(db, "0302", "finding"), "");
    /* hospital 4 + 1, Internal Medicine 2 */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM advice"), 7);

    /* Surgery's drug share rises above the band, the hospital's falls below
     * it: the texts follow, and rerunning replaces the period's rows. */
    tk_exec(db, "UPDATE indicator_value SET value = 31.54 WHERE scope = '0302' "
                "AND indicator = 'drug_ratio';"
                "UPDATE indicator_value SET value = 28.0 WHERE scope = 'hospital' "
                "AND indicator = 'drug_ratio';");
    advise_ok(db, "2026-10", RULES);
    assert_string_equal(sentences(db, "hospital", "suggestion"),
                        "warning | 药占比高于 30.0% 的科室：内科（38.2%）、外科（31.5%）。 | "
                        "Drug share above 30.0% in: Internal Medicine (38.2%), Surgery (31.5%).\n");
    assert_null(strstr(sentences(db, "hospital", "finding"), "全院药占比为"));
    assert_non_null(strstr(sentences(db, "0302", "finding"), "外科药占比为 31.5%"));
    /* The hospital loses its band finding and the drug share's deterioration
     * (now an improvement of 3.4 %, under the rule's 5 %); Surgery gains one. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM advice"), 6);
    db_close(db);
}

/* Money in words people use, the reports' convention for a money total
 * (templates/README.md, "Numbers"; revenue is a flow of the catalogue):
 * 万元 in Chinese, ¥ m from a million in English, else whole yuan.
 * Revenue 33,049,401.05 -> 35,192,130.49 yuan: +2,142,729.44 (+6.5 %), of
 * which Internal Medicine +1,932,943.84 (90.2 %) and Surgery +209,785.60
 * (9.8 %): 193.29万元 and 20.98万元; ¥1.93m and ¥209,786. */
static void test_money_in_words(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, ADD_INDICATOR "('medical_revenue', '医疗收入', 'Medical revenue', 'money', 'up', "
                "'economics', 5, 1);"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES "
                "('2026-10', 'hospital', 'medical_revenue', 35192130.49, 33049401.05);"
                "INSERT INTO contribution (period, indicator, comparison, dept_code, delta, "
                "share, rank) VALUES "
                "('2026-10', 'medical_revenue', 'mom', '0301', 1932943.84, 90.2, 1),"
                "('2026-10', 'medical_revenue', 'mom', '0302', 209785.60, 9.8, 2);");
    advise_ok(db, "2026-10", "tests/data/advise/money.xml");
    assert_string_equal(
        sentences(db, "hospital", "finding"),
        "info | 全院医疗收入环比上升 6.5%，主要来自：内科（+193.29万元，占 90.2%）及"
        "外科（+20.98万元，占 9.8%）。 | "
        "The hospital's Medical revenue rose 6.5% vs the previous month, driven by "
        "Internal Medicine (+¥1.93m, 90.2%) and Surgery (+¥209,786, 9.8%).\n");
    db_close(db);
}

/* Drivers must make most of the change (cover="60"): visits +1,345 from
 * 0301 +600 (44.61 %) and 0302 +400 (29.74 %: together 74.35 % >= 60, so
 * two are named) and three more (+345, 25.65 %); in tenths 446.10, 297.40,
 * 256.51 round to 44.6 + 29.7 + 25.7 = 100.0 (the largest remainder gets
 * the last tenth). Then ten departments of 150 .. 125: the largest three
 * make 430 / 1,345 = 32.0 % < 60: a broad-based change, not "主要由…";
 * 111.52 / 104.09 / 104.09 / 680.30 tenths -> 11.2 + 10.4 + 10.4 + 68.0. */
static void test_drivers_cover(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, "DELETE FROM contribution;"
                "INSERT INTO contribution (period, indicator, comparison, dept_code, delta, share,"
                " rank) VALUES ('2026-10', 'outpatient_visits', 'mom', '0301', 600, 0, 1),"
                "('2026-10', 'outpatient_visits', 'mom', '0302', 400, 0, 2),"
                "('2026-10', 'outpatient_visits', 'mom', 'x1', 150, 0, 3),"
                "('2026-10', 'outpatient_visits', 'mom', 'x2', 100, 0, 4),"
                "('2026-10', 'outpatient_visits', 'mom', 'x3', 95, 0, 5);");
    advise_ok(db, "2026-10", "tests/data/advise/drivers.xml");
    assert_string_equal(sentences(db, "hospital", "finding"),
                        "info | 全院门诊人次环比上升 12.2%，主要由内科（+600人次，占 44.6%）、"
                        "外科（+400人次，占 29.7%）及其他 3 个科室（+345人次，占 25.7%）拉动。 | "
                        "The hospital's Outpatient visits rose 12.2% vs the previous month, "
                        "driven by Internal Medicine (+600 visits, 44.6%), Surgery (+400 visits, "
                        "29.7%) and 3 other departments (+345 visits, 25.7%).\n");
    tk_exec(db, "DELETE FROM contribution;"
                "INSERT INTO contribution (period, indicator, comparison, dept_code, delta, share,"
                " rank) VALUES ('2026-10', 'outpatient_visits', 'mom', '0301', 150, 0, 1),"
                "('2026-10', 'outpatient_visits', 'mom', '0302', 140, 0, 2),"
                "('2026-10', 'outpatient_visits', 'mom', '0401', 140, 0, 3),"
                "('2026-10', 'outpatient_visits', 'mom', 'x1', 135, 0, 4),"
                "('2026-10', 'outpatient_visits', 'mom', 'x2', 135, 0, 5),"
                "('2026-10', 'outpatient_visits', 'mom', 'x3', 130, 0, 6),"
                "('2026-10', 'outpatient_visits', 'mom', 'x4', 130, 0, 7),"
                "('2026-10', 'outpatient_visits', 'mom', 'x5', 130, 0, 8),"
                "('2026-10', 'outpatient_visits', 'mom', 'x6', 130, 0, 9),"
                "('2026-10', 'outpatient_visits', 'mom', 'x7', 125, 0, 10);");
    advise_ok(db, "2026-10", "tests/data/advise/drivers.xml");
    assert_string_equal(sentences(db, "hospital", "finding"),
                        "info | 全院门诊人次环比上升 12.2%，变动面广：10 个科室同向变动，其中"
                        "内科（+150人次，占 11.2%）、外科（+140人次，占 10.4%）、检验科（+140人次，"
                        "占 10.4%）及其他 7 个科室（+915人次，占 68.0%），列名科室合计占 32.0%。 | "
                        "The hospital's Outpatient visits rose 12.2% vs the previous month, a "
                        "broad-based change: 10 departments moved the same way, among them "
                        "Internal Medicine (+150 visits, 11.2%), Surgery (+140 visits, 10.4%), "
                        "Laboratory (+140 visits, 10.4%) and 7 other departments (+915 visits, "
                        "68.0%); those named make 32.0%.\n");
    db_close(db);
}

/* A rule's when="...": the shipped deficit suggestion of a department with
 * beds (Surgery: bed occupancy 78.0 %) speaks of bed use, that of one
 * without (the laboratory: no bed occupancy) never names beds; a rule
 * whose condition does not hold writes nothing, and a malformed condition
 * is refused with the file and line. */
static void test_when_beds(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, ADD_INDICATOR
                "('balance', '收支结余', 'Balance', 'money', 'up', 'economics', 5, 1),"
                "('medical_revenue', '医疗收入', 'Medical revenue', 'money', 'up', 'economics', 6, 1);"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES "
                "('2026-10', '0302', 'balance', -50000, -20000),"
                "('2026-10', '0401', 'balance', -90000, -80000),"
                "('2026-10', '0302', 'medical_revenue', 1000000, 1000000),"
                "('2026-10', '0401', 'medical_revenue', 1000000, 1000000);");
    advise_ok(db, "2026-10", NULL);
    const char *s = sentences(db, "0302", "suggestion");
    assert_non_null(strstr(s, "本科室持续亏损（结余 -5.00万元）"));
    assert_non_null(strstr(s, "床位使用效率"));
    s = sentences(db, "0401", "suggestion");
    assert_non_null(strstr(s, "本科室持续亏损（结余 -9.00万元）"));
    assert_null(strstr(s, "床位"));
    assert_null(strstr(s, " bed"));
    assert_non_null(strstr(s, "门诊排班"));

    tk_write_file(scratch("when.xml"),
                  "<?xml version=\"1.0\"?>\n<advice version=\"1\">\n"
                  "  <deficit id=\"d\" state=\"any\" scope=\"departments\" when=\"not data:bed_utilization"
                  " and category:medtech\">\n"
                  "    <finding><zh>亏损 {value}</zh><en>deficit {value}</en></finding>\n"
                  "  </deficit>\n</advice>\n");
    advise_ok(db, "2026-10", scratch("when.xml"));
    assert_string_equal(sentences(db, "0302", "finding"), "");
    assert_string_equal(sentences(db, "0401", "finding"), "info | 亏损 -9.00万元 | deficit -¥90,000\n");
    tk_write_file(scratch("when.xml"),
                  "<?xml version=\"1.0\"?>\n<advice version=\"1\">\n"
                  "  <deficit id=\"d\" state=\"any\" when=\"beds:yes\">\n"
                  "    <finding><zh>亏损</zh><en>deficit</en></finding>\n"
                  "  </deficit>\n</advice>\n");
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(advise_period_rules(db, "2026-10", scratch("when.xml"), &err), HR_EFAIL);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "when=\"beds:yes\""));
    db_close(db);
}

/* One figure, one sentence (tests/data/advise/said_once.xml). Internal
 * Medicine's direct cost 100.00万元 -> 106.80万元 (+6.8 %) with no allocated
 * cost: full cost is the same figure, said once; with 50万元 allocated
 * (150.00 -> 160.20万元, also +6.8 %) the two are one <said_once> group,
 * still said once; without the group both are written. The overview lists
 * what needs a decision (the drug share, whose suggestion is an alert) and
 * does not list it again as needing attention. */
static void test_said_once(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, ADD_INDICATOR
                "('direct_cost', '直接成本', 'Direct cost', 'money', 'down', 'economics', 7, 1),"
                "('full_cost', '全成本', 'Full cost', 'money', 'down', 'economics', 8, 1);"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES "
                "('2026-10', '0301', 'direct_cost', 1068000, 1000000),"
                "('2026-10', '0301', 'full_cost', 1068000, 1000000);"
                /* the same name as in September: no dictionary break */
                "UPDATE dept SET name_zh = '内科', name_en = 'Internal Medicine' WHERE "
                "dept_code = '0301';");
    advise_ok(db, "2026-10", "tests/data/advise/said_once.xml");
    assert_string_equal(sentences(db, "0301", "finding"),
                        "warning | 直接成本环比上升 6.8%（100.00万元 → 106.80万元）。 | "
                        "Direct cost rose 6.8% vs the previous month (¥1.00m → ¥1.07m).\n"
                        "warning | 药占比为 38.2%。 | Drug share at 38.2%.\n");
    assert_string_equal(sentences(db, "0301", "overview"),
                        "info | 内科本月概况。需关注：直接成本上升 6.8%。需决策：药占比 38.2%。 | "
                        "Internal Medicine this month. Watch: Direct cost rose 6.8%. "
                        "Decide: Drug share 38.2%.\n");
    tk_exec(db, "UPDATE indicator_value SET value = 1602000, mom_base = 1500000 WHERE scope = "
                "'0301' AND indicator = 'full_cost'");
    advise_ok(db, "2026-10", "tests/data/advise/said_once.xml");
    assert_null(strstr(sentences(db, "0301", "finding"), "全成本"));
    advise_ok(db, "2026-10",
              edited_rules("tests/data/advise/said_once.xml",
                           "<said_once indicators=\"direct_cost full_cost\"/>", ""));
    assert_non_null(strstr(sentences(db, "0301", "finding"),
                           "warning | 全成本环比上升 6.8%（150.00万元 → 160.20万元）。"));
    db_close(db);
}

/* Significance and seasonality in a quarterly report, from the months'
 * totals: outpatient visits of 2026-Q3 fell 3,000 -> 2,850 (-5.0 %); the
 * eight quarters before (ending 2024-09 .. 2026-06) alternate 3,030 and
 * 3,000 visits (months of 1,010 and 1,000): QoQ changes +1.0 % and
 * -0.990099 %, four of each, sample sd 1.063753, so -5.0 % is 4.7 times the
 * usual variation. With quarters of 3,360 (+12 % / -10.71 %: sd 12.1) the
 * same fall is noise, no finding. When the same quarter a year earlier
 * fell too (2025-Q3 at 2,700 after 3,000: -10 %, >= 0.5 x 5 %), the fall
 * is seasonal. */
static void test_quarter_significance(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, "UPDATE indicator SET is_flow = 1 WHERE indicator = 'outpatient_visits';"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES"
                " ('2026-Q3', 'hospital', 'outpatient_visits', 2850, 3000);"
                "WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < 26)"
                " INSERT INTO indicator_value (period, scope, indicator, value)"
                " SELECT printf('%04d-%02d', 2024 + (i + 3) / 12, (i + 3) % 12 + 1), 'hospital',"
                " 'outpatient_visits', CASE WHEN (i / 3) % 2 = 1 THEN 1010 ELSE 1000 END FROM m;");
    advise_ok(db, "2026-Q3", "tests/data/advise/quarter.xml");
    assert_string_equal(
        sentences_of(db, "2026-Q3", "hospital", "finding"),
        "warning | 门诊人次环比下降 5.0%（3,000人次 → 2,850人次），为通常波动的 4.7 倍。 | "
        "Outpatient visits fell 5.0% vs the previous quarter (3,000 visits → 2,850 visits), "
        "4.7 times its usual variation.\n");
    tk_exec(db, "UPDATE indicator_value SET value = 1120 WHERE value = 1010");
    advise_ok(db, "2026-Q3", "tests/data/advise/quarter.xml");
    assert_string_equal(sentences_of(db, "2026-Q3", "hospital", "finding"), "");
    tk_exec(db, "UPDATE indicator_value SET value = 1010 WHERE value = 1120;"
                "UPDATE indicator_value SET value = 900 WHERE scope = 'hospital' AND indicator ="
                " 'outpatient_visits' AND period IN ('2025-07', '2025-08', '2025-09');"
                "UPDATE indicator_value SET value = 1000 WHERE scope = 'hospital' AND indicator ="
                " 'outpatient_visits' AND period IN ('2025-04', '2025-05', '2025-06');");
    /* (that -10 % widens the usual variation: significance off for this) */
    advise_ok(db, "2026-Q3",
              edited_rules("tests/data/advise/quarter.xml", "significance=\"2\"",
                           "significance=\"0\""));
    assert_string_equal(sentences_of(db, "2026-Q3", "hospital", "finding"),
                        "info | 门诊人次环比下降 5.0%，去年同季度 -10.0%，属季节性。 | "
                        "Outpatient visits fell 5.0% vs the previous quarter; the same quarter "
                        "last year -10.0%: seasonal.\n");
    db_close(db);
}

/* The period's words follow its kind: one text serves a month, a quarter
 * and a year ({this_period} {prev_period} {next_period} {vs_prev}), and a
 * group comparing with the previous period is left out for a year, which
 * has no such comparison. */
static void test_period_words(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, "INSERT INTO indicator_value (period, scope, indicator, value, mom_base, yoy_base)"
                " VALUES ('2026-Q3', 'hospital', 'outpatient_visits', 30000, 28000, 29000),"
                " ('2025', 'hospital', 'outpatient_visits', 120000, NULL, 110000);");
    tk_write_file(scratch("words.xml"),
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<advice version=\"1\">\n"
                  "  <threshold id=\"t\" indicator=\"outpatient_visits\" above=\"100\">\n"
                  "    <finding severity=\"warning\">\n"
                  "      <zh>{this_period}{name} {value}（[{vs_prev} {mom}，]同比 {yoy}），"
                  "若{next_period}仍高于{prev_period}。</zh>\n"
                  "      <en>{name} {value} {this_period} ([{mom} {vs_prev}, ]{yoy} vs a year"
                  " earlier); {prev_period}, {next_period}.</en>\n"
                  "    </finding>\n  </threshold>\n</advice>\n");
    const char *rules = scratch("words.xml");
    advise_ok(db, "2026-10", rules);
    assert_string_equal(sentences_of(db, "2026-10", "hospital", "finding"),
                        "warning | 本月门诊人次 12,345人次（环比 +12.2%，同比 +2.9%），"
                        "若下月仍高于上月。 | Outpatient visits 12,345 visits this month "
                        "(+12.2% vs the previous month, +2.9% vs a year earlier); the previous "
                        "month, next month.\n");
    advise_ok(db, "2026-Q3", rules);
    assert_string_equal(sentences_of(db, "2026-Q3", "hospital", "finding"),
                        "warning | 本季度门诊人次 30,000人次（环比 +7.1%，同比 +3.4%），"
                        "若下季度仍高于上季度。 | Outpatient visits 30,000 visits this quarter "
                        "(+7.1% vs the previous quarter, +3.4% vs a year earlier); the previous "
                        "quarter, next quarter.\n");
    advise_ok(db, "2025", rules);
    assert_string_equal(sentences_of(db, "2025", "hospital", "finding"),
                        "warning | 本年门诊人次 120,000人次（同比 +9.1%），若下一年仍高于上年。 | "
                        "Outpatient visits 120,000 visits this year (+9.1% vs a year earlier); "
                        "the previous year, next year.\n");
    db_close(db);
}

/* A dictionary change is a comparability break: the fixture's 0301 is
 * 大内科 in September and 内科 in October (renamed), so its direct cost's
 * +6.8 % is no mover but a break, stored in advice_break; Surgery moved
 * to another category breaks too; a department in September's dictionary
 * and gone from October's (0305, merged) breaks the hospital's visits it
 * accounted for -300 of the +1,345 (1,300 + 345 - 300; 22.3 % >=
 * new_department_share 10 %). */
static void test_dictionary_break(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, ADD_INDICATOR
                "('direct_cost', '直接成本', 'Direct cost', 'money', 'down', 'economics', 7, 1);"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES "
                "('2026-10', '0301', 'direct_cost', 1068000, 1000000),"
                "('2026-10', '0302', 'direct_cost', 1068000, 1000000);"
                "UPDATE dept SET category = 'medtech' WHERE dept_code = '0302' AND period = '2026-10';"
                "INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no)"
                " VALUES ('2026-09', '0305', '老年科', 'Geriatrics', 'clinical', 1, 6);"
                "INSERT INTO contribution (period, indicator, comparison, dept_code, delta, share,"
                " rank) VALUES ('2026-10', 'outpatient_visits', 'mom', '0305', -300, 0, 3);"
                "UPDATE contribution SET delta = 1300 WHERE dept_code = '0301' AND indicator ="
                " 'outpatient_visits';");
    advise_ok(db, "2026-10", "tests/data/advise/analysis.xml");
    assert_string_equal(sentences(db, "0301", "finding"),
                        "warning | 直接成本环比上升 6.8%，科室字典变更：大内科更名为内科，非同口径比较。 | "
                        "Direct cost rose 6.8% vs the previous month, but the department "
                        "dictionary changed: General Medicine is now Internal Medicine: not "
                        "like-for-like.\n");
    assert_non_null(strstr(sentences(db, "0302", "finding"),
                           "科室字典变更：外科的类别由 clinical 改为 medtech"));
    assert_non_null(strstr(sentences(db, "hospital", "finding"),
                           "科室字典变更：老年科已撤销或并入其他科室，非同口径比较。"));
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM advice_break WHERE period = "
                                      "'2026-10' AND comparison = 'mom' AND ((scope = '0301' AND "
                                      "indicator = '') OR (scope = '0302' AND indicator = '') OR "
                                      "(scope = 'hospital' AND indicator = 'outpatient_visits'))"),
                     3);
    db_close(db);
}

/* The connectors are advice.xml's <word>s: a translator who changes them
 * changes every sentence built with them, with no C. */
static void test_words(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_write_file(scratch("rules.xml"),
                  "<?xml version=\"1.0\"?>\n<advice version=\"1\">\n"
                  "  <settings><word id=\"list_last\" zh=\"与\" en=\" plus \"/>"
                  "<word id=\"share\" zh=\"，比重 \" en=\"; \"/></settings>\n"
                  "  <contributors id=\"d\" indicator=\"outpatient_visits\" comparison=\"mom\">\n"
                  "    <finding><zh>{drivers}</zh><en>{drivers}</en></finding>\n"
                  "  </contributors>\n</advice>\n");
    advise_ok(db, "2026-10", scratch("rules.xml"));
    assert_string_equal(sentences(db, "hospital", "finding"),
                        "info | 内科（+1,000人次，比重 74.3%）与外科（+345人次，比重 25.7%） | "
                        "Internal Medicine (+1,000 visits; 74.3%) plus Surgery (+345 visits; "
                        "25.7%)\n");
    db_close(db);
}

/* A department's material share jumping (0302, Surgery, whose name did not
 * change: 20.0 % -> 26.0 %, +6.0
 * pp, above min_change 3) is named in the hospital report with the
 * materials office's remedy, not the pharmacy's prescription review that
 * the drug share gets (the shipped rules, with a year of quiet history). */
static void test_material_event_remedy(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, "INSERT OR IGNORE INTO indicator (indicator, name_zh, name_en, unit, direction, "
                "dimension, sort_order) VALUES ('material_ratio', '耗占比', 'Material share of fees', "
                "'percent', 'down', 'economics', 7);"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base, mom) VALUES "
                "('2026-10', '0302', 'material_ratio', 26.0, 20.0, 6.0);");
    /* a year of history moving by 0.1-0.3 pp: 6 pp stands out from it */
    double v[13] = {20.0, 20.2, 19.9, 20.1, 20.0, 20.3, 20.1, 19.9, 20.2, 20.0, 20.1, 19.8, 20.0};
    for (int i = 0; i < 12; i++) {
        char sql[300];
        snprintf(sql, sizeof sql,
                 "INSERT INTO indicator_value (period, scope, indicator, value, mom_base, mom) "
                 "VALUES (strftime('%%Y-%%m', '2025-10-01', '+%d months'), '0302', "
                 "'material_ratio', %.1f, %.1f, %.1f);",
                 i, v[i + 1], v[i], v[i + 1] - v[i]);
        tk_exec(db, sql);
    }
    advise_ok(db, "2026-10", NULL);
    const char *s = sentences(db, "hospital", "suggestion");
    const char *m = strstr(s, "耗占比升至 26.0%");
    if (!m)
        fail_msg("no material event in:\n%s\nfindings:\n%s", s, sentences(db, "hospital", "finding"));
    const char *end = strchr(m, '\n');
    char one[2048];
    snprintf(one, sizeof one, "%.*s", (int)(end ? end - m : (long)strlen(m)), m);
    assert_non_null(strstr(one, "耗材使用点评"));
    assert_null(strstr(one, "处方点评"));
    db_close(db);
}

static void test_shipped_rules(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    advise_ok(db, "2026-10", NULL);
    const char *s = sentences(db, "hospital", "suggestion");
    assert_non_null(strstr(s, "药占比高于 30.0% 的科室：内科（38.2%）。建议"));
    assert_non_null(strstr(s, "Drug share above 30.0% in: Internal Medicine (38.2%). Review"));
    assert_non_null(strstr(s, "床位使用率高于 93.0% 的科室：内科（95.5%）。"));
    assert_non_null(strstr(s, "床位使用率低于 80.0% 的科室：外科（78.0%）。"));
    s = sentences(db, "0301", "suggestion");
    assert_non_null(strstr(s, "本科室药占比 38.2%，超过 30% 的控制线"));
    s = sentences(db, "hospital", "finding");
    assert_non_null(strstr(s, "全院药占比为 32.5%，高于预警上限 30.0%。"));
    assert_non_null(strstr(s, "主要由内科（+1,000人次，占 74.3%）及外科（+345人次，占 25.7%）拉动"));
    db_close(db);
}

/* A deficit is a finding only when it is material: Internal Medicine's
 * -5,000 is 0.5 % of its revenue of 1,000,000, under min_loss="1";
 * Surgery's -50,000 is 5 %; the laboratory (medtech) is not a clinical
 * department. Without the minimum both are listed, the larger first. */
static void test_deficit_materiality(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    tk_exec(db, ADD_INDICATOR
                "('balance', '收支结余', 'Balance', 'money', 'up', 'economics', 5, 1),"
                "('medical_revenue', '医疗收入', 'Medical revenue', 'money', 'up', 'economics', 6, 1);"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES "
                "('2026-10', '0301', 'balance', -5000, 1000),"
                "('2026-10', '0302', 'balance', -50000, -20000),"
                "('2026-10', '0401', 'balance', -90000, -80000),"
                "('2026-10', '0301', 'medical_revenue', 1000000, 1000000),"
                "('2026-10', '0302', 'medical_revenue', 1000000, 1000000),"
                "('2026-10', '0401', 'medical_revenue', 1000000, 1000000),"
                "('2026-10', 'hospital', 'balance', -145000, -99000);");
    advise_ok(db, "2026-10", "tests/data/advise/deficit.xml");
    const char *s = sentences(db, "hospital", "finding");
    assert_non_null(strstr(s, "亏损的科室 1 个：外科（-5.00万元）。"));
    assert_null(strstr(s, "内科"));
    /* {count|department|departments}: the noun in its form, no "(s)" */
    assert_non_null(strstr(s, "| 1 department in deficit: Surgery ("));
    advise_ok(db, "2026-10",
              edited_rules("tests/data/advise/deficit.xml", "min_loss=\"1\"", "min_loss=\"0\""));
    s = sentences(db, "hospital", "finding");
    assert_non_null(strstr(s, "亏损的科室 2 个：外科（-5.00万元）、内科（-0.50万元）。")); /* the larger first */
    assert_non_null(strstr(s, "| 2 departments in deficit: Surgery ("));
    db_close(db);
}

/* Shares rounded so that they add up to exactly 100.0. */
static void test_shares(void **state)
{
    (void)state;
    double parts[] = {1, 1, 1}, shares[3];
    advise_shares(parts, 3, 3, shares);
    assert_true(fabs(shares[0] - 33.4) < 1e-9);
    assert_true(fabs(shares[1] - 33.3) < 1e-9);
    assert_true(fabs(shares[2] - 33.3) < 1e-9);
    double p2[] = {-80, -50, -10}, s2[3]; /* 57.14 / 35.71 / 7.14 */
    advise_shares(p2, 3, -140, s2);
    assert_true(fabs(s2[0] + s2[1] + s2[2] - 100.0) < 1e-9);
    assert_true(fabs(s2[0] - 57.2) < 1e-9); /* .43 remainders tie: the first gets it */
    assert_true(fabs(s2[1] - 35.7) < 1e-9);
    assert_true(fabs(s2[2] - 7.1) < 1e-9);
}

/* 连环替代法 by hand: 1,000 visits x 300 CNY -> 1,100 x 280: revenue
 * 300,000 -> 308,000 (+8,000) = volume (+100 x 300 = +30,000) + price
 * (1,100 x -20 = -22,000): volume rose, price fell. */
static void test_factors(void **state)
{
    (void)state;
    double ve, pe;
    advise_factors(1000, 300, 1100, 280, &ve, &pe);
    assert_true(fabs(ve - 30000) < 1e-9);
    assert_true(fabs(pe + 22000) < 1e-9);
    assert_true(fabs(ve + pe - (1100 * 280 - 1000 * 300)) < 1e-9);
    advise_factors(500, 20000, 450, 21000, &ve, &pe); /* stays fell, fee rose */
    assert_true(fabs(ve + 1000000) < 1e-9);
    assert_true(fabs(pe - 450000) < 1e-9);

    sqlite3 *db = analysis_db();
    advise_ok(db, "2026-10", "tests/data/advise/analysis.xml");
    assert_string_equal(
        sentences(db, "0301", "finding"),
        "info | 内科门诊收入环比上升 2.7%（+0.80万元）：工作量（门诊人次 +100人次）影响 "
        "+3.00万元，门诊次均费用（-20.00元）影响 -2.20万元。 | "
        "Outpatient revenue for Internal Medicine rose 2.7% vs the previous month "
        "(+¥8,000): workload (Outpatient visits +100 visits) +¥30,000, "
        "Fee per visit (-¥20.00) -¥22,000.\n");
    db_close(db);
}

/* Drivers and offsets, worded by sign, shares of the drivers' -200 adding
 * up to 100 %; materiality: small bases, noise against the scope's own
 * history, seasonality; the cap; the overview. */
static void test_materiality(void **state)
{
    (void)state;
    sqlite3 *db = analysis_db();
    advise_ok(db, "2026-10", "tests/data/advise/analysis.xml");
    /* The mover "门诊人次环比下降 5.0%（2,000人次 → 1,900人次），4.8 倍" and the
     * drivers' sentence state one figure: the drivers' words, which explain
     * it, take the mover's place and severity.
     * visits: -5.0 % against a history of +1.01 / -0.99 %: sd 1.0446, 4.8 x;
     * discharges -16.7 % is 3.7 x its sd of 4.53 but last October moved
     * -14.3 % (>= 0.5 x): seasonal; surgeries -10 % is 0.8 x its 12.5:
     * nothing; complaints 4 -> 6 and mortality of 50 discharges: bases too
     * small. */
    assert_string_equal(
        sentences(db, "hospital", "finding"),
        "warning | 全院门诊人次环比下降 5.0%（-100人次），主要由外科（-110人次，占 55.0%）、"
        "儿科（-70人次，占 35.0%）及眼科（-20人次，占 10.0%）拉动，内科（+100人次）部分抵消"
        "（合计 +100人次）。 | "
        "The hospital's Outpatient visits fell 5.0% vs the previous month (-100 visits), "
        "driven by Surgery (-110 visits, 55.0%), Paediatrics (-70 visits, 35.0%) and "
        "Ophthalmology (-20 visits, 10.0%); Internal Medicine (+100 visits) partly offset it "
        "(together +100 visits).\n"
        "info | 出院人数环比下降 16.7%，去年同月 -14.3%，属季节性。 | "
        "Discharges fell 16.7% vs the previous month, last year -14.3%: seasonal.\n");
    /* the watch text "持续观察：门诊人次（1,900人次）" would say a third time
     * what the summary and the finding say: not written */
    assert_string_equal(sentences(db, "hospital", "suggestion"), "");
    assert_string_equal(sentences(db, "hospital", "overview"),
                        "info | 2026年10月，全院门诊 1,900人次（-5.0%）。 | "
                        "In October 2026, the hospital had 1,900 visits (-5.0%).\n");
    /* (the headline "门诊下降 5.0%" would repeat the summary's -5.0%) */

    /* Without the minimum bases, 4 -> 6 complaints is "+50 %" again; with a
     * cap of 2, the seasonal sentence (lowest priority) goes. */
    advise_ok(db, "2026-10",
              edited_rules("tests/data/advise/analysis.xml", "min_count_base=\"30\"",
                           "min_count_base=\"0\"", "max_findings=\"4\"", "max_findings=\"2\""));
    const char *s = sentences(db, "hospital", "finding");
    assert_non_null(strstr(s, "投诉件数环比上升 50.0%（4件 → 6件）"));
    assert_null(strstr(s, "季节性"));
    assert_null(strstr(s, "手术台次"));
    db_close(db);
}

/* Comparability: a department new this month (Emergency, +50 of the
 * discharges' -100 change, 50 % >= new_department_share's 10 %) breaks the
 * hospital's discharges, which are then no mover (the seasonal sentence
 * goes) but a break; a source missing in the base month while present this
 * month is said once. Both are stored in advice_break. */
static void test_breaks(void **state)
{
    (void)state;
    sqlite3 *db = analysis_db();
    tk_exec(db, "INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, "
                "line_no) VALUES ('2026-10', '0305', '急诊科', 'Emergency', 'clinical', 2, 6);"
                "INSERT INTO contribution (period, indicator, comparison, dept_code, delta, "
                "share, rank) VALUES ('2026-10', 'discharges', 'mom', '0305', 50, -50, 2),"
                "('2026-10', 'discharges', 'mom', '0302', -150, 150, 1);"
                "INSERT INTO ind_measure_state (month, measure_set, inputs, missing, "
                "computed_at) VALUES ('2026-09', 'equipment', 'x', 'equipment_usage', 't'),"
                "('2026-10', 'equipment', 'y', NULL, 't');");
    advise_ok(db, "2026-10", "tests/data/advise/analysis.xml");
    const char *s = sentences(db, "hospital", "finding");
    assert_null(strstr(s, "季节性"));
    assert_non_null(strstr(s, "warning | 出院人数环比下降 16.7%，含新设科室急诊科，非同口径比较。 | "
                              "Discharges fell 16.7% vs the previous month, but includes a new "
                              "department, Emergency: not like-for-like.\n"));
    assert_non_null(strstr(s, "warning | 环比基期：2026-09 缺少 equipment_usage 数据。 | "
                              "The base vs the previous month: 2026-09 lacks equipment_usage.\n"));
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM advice_break WHERE period = "
                                      "'2026-10' AND ((scope = 'hospital' AND indicator = "
                                      "'discharges') OR (scope = '0305' AND indicator = '') OR "
                                      "scope = '*')"),
                     3);
    /* the new department's own comparisons are broken too: no mover there */
    assert_string_equal(sentences(db, "0305", "finding"), "");

    /* Capped to 2, no finding left has a headline: the overview says
     * nothing about attention, and never "calm" while there are findings. */
    advise_ok(db, "2026-10",
              edited_rules("tests/data/advise/analysis.xml", "max_findings=\"4\"",
                           "max_findings=\"2\""));
    assert_string_equal(sentences(db, "hospital", "overview"),
                        "info | 2026年10月，全院门诊 1,900人次（-5.0%）。 | "
                        "In October 2026, the hospital had 1,900 visits (-5.0%).\n");
    db_close(db);
}

/* The third month out of band replaces the plain band finding (replaces=);
 * an overview group [ ... ] is left out for a scope without that value. */
static void test_replaces(void **state)
{
    (void)state;
    sqlite3 *db = analysis_db();
    tk_exec(db, "UPDATE indicator SET warn_high = 0.6 WHERE indicator = "
                "'mortality_rate';"
                "INSERT INTO indicator_value (period, scope, indicator, value) "
                "VALUES ('2026-09', 'hospital', 'mortality_rate', 0.7);");
    advise_ok(db, "2026-10", "tests/data/advise/replaces.xml");
    assert_string_equal(sentences(db, "hospital", "finding"),
                        "alert | 住院死亡率连续 2 个月高于 0.60%。 | "
                        "Inpatient mortality above 0.60% 2 months running.\n");
    assert_string_equal(sentences(db, "hospital", "overview"),
                        "info | 全院门诊 1,900人次，出院 500人。 | "
                        "the hospital: 1,900 visits, 500 discharges.\n");
    assert_string_equal(sentences(db, "0301", "overview"),
                        "info | 本科室门诊 1,100人次。 | the department: 1,100 visits.\n");
    /* without replaces= both are written */
    advise_ok(db, "2026-10",
              edited_rules("tests/data/advise/replaces.xml", " replaces=\"b_high\"", ""));
    assert_non_null(strstr(sentences(db, "hospital", "finding"), "warning | 住院死亡率为 0.80%。"));
    db_close(db);
}

static void test_bad_rules(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    hr_error err;
    assert_int_equal(advise_period_rules(db, "2026-10", "tests/data/advise/bad_placeholder.xml",
                                         &err),
                     HR_EFAIL);
    assert_string_equal(err.file, "tests/data/advise/bad_placeholder.xml");
    assert_int_equal(err.line, 6);
    assert_string_equal(err.field, "en");
    assert_non_null(strstr(err.message, "rule 'up': unknown placeholder {departments}"));

    assert_int_equal(advise_period_rules(db, "2026-10", "tests/data/advise/bad_schema.xml", &err),
                     HR_EFAIL);
    assert_int_equal(err.line, 6);
    assert_string_equal(err.field, "band");

    assert_int_equal(advise_period_rules(db, "2026-10", "tests/data/advise/none.xml", &err),
                     HR_EFAIL);
    assert_non_null(strstr(err.message, "cannot read: No such file"));

    /* Nothing was written by the refused runs. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM advice"), 0);
    db_close(db);
}

/* The tests read the tree's config/ (run from its root) and write into one
 * scratch folder of the test kit. */
static int setup(void **state)
{
    (void)state;
    setenv("HOSPREPORT_DATADIR", ".", 1);
    tk_tmpdir_create(tmpdir, "test-advise");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_anomaly),
        cmocka_unit_test(test_money_in_words),
        cmocka_unit_test(test_shipped_rules),
        cmocka_unit_test(test_material_event_remedy),
        cmocka_unit_test(test_drivers_cover),
        cmocka_unit_test(test_when_beds),
        cmocka_unit_test(test_said_once),
        cmocka_unit_test(test_quarter_significance),
        cmocka_unit_test(test_period_words),
        cmocka_unit_test(test_dictionary_break),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_deficit_materiality),
        cmocka_unit_test(test_bad_rules),
        cmocka_unit_test(test_shares),
        cmocka_unit_test(test_factors),
        cmocka_unit_test(test_materiality),
        cmocka_unit_test(test_breaks),
        cmocka_unit_test(test_replaces),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
