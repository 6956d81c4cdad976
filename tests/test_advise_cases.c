/*
 * test_advise_cases.c -- the advise stage on small hand-made cases, each a
 * few rows of compute's results written here and a rules file written
 * here; the expected sentences are worked out by hand in the comments.
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
#include "pipeline/core/strbuf.h"
#include "stages/advise/advise.h"
#include "tests/support/testkit.h"

static char dir[64];

/* A scratch database with two clinical departments in September and
 * October 2026, and the statements of `sql`. */
static sqlite3 *case_db(const char *sql)
{
    sqlite3 *db = tk_scratch_db(dir, "advise-cases");
    tk_exec(db, "INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no)"
                " VALUES ('2026-09', '0301', '内科', 'Internal Medicine', 'clinical', 1, 2),"
                " ('2026-09', '0302', '外科', 'Surgery', 'clinical', 1, 3),"
                " ('2026-10', '0301', '内科', 'Internal Medicine', 'clinical', 2, 2),"
                " ('2026-10', '0302', '外科', 'Surgery', 'clinical', 2, 3);");
    tk_exec(db, sql);
    return db;
}

/* Runs the rules `xml` (the body of <advice>) for `period`, failing the
 * test with the error's place when advise refuses. */
static void run_rules(sqlite3 *db, const char *period, const char *xml)
{
    char path[128];
    snprintf(path, sizeof path, "%s/rules.xml", dir);
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<advice version=\"1\">\n%s\n</advice>\n",
            xml);
    tk_write_file(path, sb.buf);
    sb_release(&sb);
    hr_error err;
    hr_error_clear(&err);
    if (advise_period_rules(db, period, path, &err))
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
}

/* The sentences of a scope and kind, one per line, "severity | zh | en". */
static const char *said(sqlite3 *db, const char *period, const char *scope, const char *kind)
{
    static strbuf sb = STRBUF_INIT;
    sb_reset(&sb);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT severity, text_zh, text_en FROM advice WHERE "
                                        "period = ? AND scope = ? AND kind = ? ORDER BY sort_order",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        sb_addf(&sb, "%s | %s | %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return sb.buf ? sb.buf : "";
}

/* ---- 1. a base at or below zero, or a change across zero ---- */

/* The DRG balance -2,034,300.00 -> -3,541,600.00 yuan year on year: not
 * "-74.1 %" but the amount, -1,507,300.00 = 150.73万元 (¥1.51m); a
 * department from +100,000 to -50,000 (across zero): 15.00万元 (¥150,000),
 * never "-150.0 %". The summary's {yoy:ID} / {mom:ID} say the same amount,
 * signed. A month a year earlier that moved -1,000,000 from a negative
 * base -1,000,000 (seasonal: the same sign and at least 0.5 x -74.1 %'s
 * size, -100 %) is quoted as -100.00万元. */
static void test_negative_base(void **state)
{
    (void)state;
    sqlite3 *db = case_db(
        "INSERT INTO indicator (indicator, name_zh, name_en, unit, direction, dimension, "
        "sort_order, is_flow) VALUES ('drg_balance', 'DRG病组结余', 'DRG balance', 'money', 'up', "
        "'economics', 1, 1);"
        "INSERT INTO indicator_value (period, scope, indicator, value, mom_base, yoy_base) VALUES"
        " ('2026-10', 'hospital', 'drg_balance', -3541600, -2034300, -2034300),"
        " ('2026-10', '0301', 'drg_balance', -50000, 100000, 100000),"
        " ('2025-10', 'hospital', 'drg_balance', -2000000, -1000000, NULL);");
    const char *rules =
        "<settings significance=\"0\" seasonal_ratio=\"0.5\"/>\n"
        "<overview id=\"ov\"><summary><zh>结余 {value:drg_balance}（同比 {yoy:drg_balance}，"
        "环比 {mom:drg_balance}）。</zh><en>Balance {value:drg_balance} ({yoy:drg_balance} yoy, "
        "{mom:drg_balance} mom).</en></summary></overview>\n"
        "<movers id=\"yoy\" comparison=\"yoy\" which=\"deterioration\" count=\"3\" "
        "min_change=\"5\">\n"
        "  <finding severity=\"warning\"><zh>{name}{comparison}{trend} {change}（{base} → "
        "{value}）。</zh><en>{name} {trend} {change} {comparison} ({base} → {value}).</en>"
        "</finding>\n"
        "  <headline><zh>{name}{trend} {change}</zh><en>{name} {trend} {change}</en></headline>\n"
        "</movers>\n"
        "<movers id=\"mom\" comparison=\"mom\" which=\"deterioration\" count=\"3\" "
        "min_change=\"5\" scope=\"hospital\">\n"
        "  <finding><zh>环比</zh><en>mom</en></finding>\n"
        "  <seasonal><zh>{name}{comparison}{trend} {change}，{same_period}亦{trend} "
        "{last_year}。</zh><en>{name} {trend} {change} {comparison}; {same_period} "
        "{last_year}.</en></seasonal>\n"
        "</movers>\n"
        "<department_events id=\"ev\" comparison=\"mom\" count=\"2\" min_change=\"5\" "
        "indicators=\"drg_balance\">\n"
        "  <finding><zh>{department}{name}{comparison}{trend} {change}（{delta}）。</zh>"
        "<en>{department}: {name} {trend} {change} {comparison} ({delta}).</en></finding>\n"
        "</department_events>\n";
    run_rules(db, "2026-10", rules);
    assert_string_equal(said(db, "2026-10", "hospital", "finding"),
                        "warning | DRG病组结余同比下降 150.73万元（-203.43万元 → -354.16万元）。 | "
                        "DRG balance fell ¥1.51m vs a year earlier (-¥2.03m → -¥3.54m).\n"
                        "info | 内科DRG病组结余环比下降 15.00万元（-15.00万元）。 | "
                        "Internal Medicine: DRG balance fell ¥150,000 vs the previous month "
                        "(-¥150,000).\n"
                        "info | DRG病组结余环比下降 150.73万元，去年同月亦下降 -100.00万元。 | "
                        "DRG balance fell ¥1.51m vs the previous month; the same month last "
                        "year -¥1.00m.\n");
    assert_string_equal(said(db, "2026-10", "hospital", "overview"),
                        "info | 结余 -354.16万元（同比 -150.73万元，环比 -150.73万元）。 | "
                        "Balance -¥3.54m (-¥1.51m yoy, -¥1.51m mom).\n");
    assert_string_equal(said(db, "2026-10", "0301", "finding"),
                        "warning | DRG病组结余同比下降 15.00万元（10.00万元 → -5.00万元）。 | "
                        "DRG balance fell ¥150,000 vs a year earlier (¥100,000 → -¥50,000).\n");
    tk_scratch_close(db, dir);
}

/* ---- 4. the previous period's words follow the period's kind ---- */

/* equipment_usage missing in 2026-05 and 2025-05, present in 2026's
 * months: the third quarter's report says its base is the previous
 * quarter (上季度); the annual report says it once, year on year, not
 * again as "vs the previous period" (a year's previous period is the year
 * earlier). The shipped rules. */
static void test_missing_base_period_kind(void **state)
{
    (void)state;
    sqlite3 *db = case_db(
        "INSERT INTO indicator (indicator, name_zh, name_en, unit, direction, dimension, "
        "sort_order, is_flow) VALUES ('exams', '检查人次', 'Examinations', 'count', 'up', "
        "'equipment', 1, 1);"
        "INSERT INTO indicator_value (period, scope, indicator, value) VALUES"
        " ('2026-Q3', 'hospital', 'exams', 100), ('2026', 'hospital', 'exams', 400);"
        "INSERT INTO ind_measure_state (month, measure_set, inputs, missing, computed_at) VALUES"
        " ('2025-05', 'equipment', 'a', 'equipment_usage', 't'),"
        " ('2026-05', 'equipment', 'b', 'equipment_usage', 't'),"
        " ('2026-08', 'equipment', 'c', NULL, 't');");
    hr_error err;
    hr_error_clear(&err);
    if (advise_period(db, "2026-Q3", &err))
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    const char *s = said(db, "2026-Q3", "hospital", "finding");
    assert_contains(s, "与上季度比较的基期数据不全：2026-05 缺少 equipment_usage 数据，"
                       "相关指标本季度不与上季度比较。");
    assert_contains(s, "The comparison base, the previous quarter, is incomplete: 2026-05 lacks "
                       "equipment_usage; the indicators from it are not compared with the "
                       "previous quarter.");
    assert_null(strstr(s, "上月"));
    assert_null(strstr(s, "month"));
    if (advise_period(db, "2026", &err))
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    assert_string_equal(said(db, "2026", "hospital", "finding"),
                        "warning | 同比基期数据不全：2025-05 缺少 equipment_usage 数据，"
                        "相关指标本期不作同比比较。 | The year-on-year comparison base is "
                        "incomplete: 2025-05 lacks equipment_usage; the indicators from it are "
                        "not compared vs a year earlier.\n");
    tk_scratch_close(db, dir);
}

/* ---- 6. an event's direction in its headline ---- */

/* Internal Medicine's drug share fell 35.0 % -> 28.0 % (which="any"), its
 * average stay rose 8.0 -> 9.6 days: the headlines say 降至 / "down to"
 * and 升至 / "up to" as the values moved. */
static void test_event_direction(void **state)
{
    (void)state;
    sqlite3 *db = case_db(
        "INSERT INTO indicator (indicator, name_zh, name_en, unit, direction, dimension, "
        "sort_order) VALUES ('drug_ratio', '药占比', 'Drug share', 'percent', 'down', "
        "'economics', 1), ('avg_los', '平均住院日', 'Average stay', 'days', 'down', "
        "'efficiency', 2);"
        "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES"
        " ('2026-10', 'hospital', 'drug_ratio', 30.0, 30.5),"
        " ('2026-10', '0301', 'drug_ratio', 28.0, 35.0),"
        " ('2026-10', '0302', 'avg_los', 9.6, 8.0);");
    run_rules(db, "2026-10",
              "<settings significance=\"0\"/>\n"
              "<overview id=\"ov\" count=\"3\"><summary><zh>{period}。</zh><en>{period}.</en></summary><attention><zh>关注：{attention}。</zh>"
              "<en>Watch: {attention}.</en></attention></overview>\n"
              "<department_events id=\"ev\" comparison=\"mom\" which=\"any\" count=\"3\" "
              "min_change=\"3\" indicators=\"drug_ratio avg_los\">\n"
              "  <finding><zh>{department}</zh><en>{department}</en></finding>\n"
              "  <headline><zh>{department}{name}{trend_to} {value}</zh>"
              "<en>{name} at {department} {trend_to} {value}</en></headline>\n"
              "</department_events>\n");
    assert_string_equal(said(db, "2026-10", "hospital", "overview"),
                        "info | 2026年10月。关注：外科平均住院日升至 9.6天；内科药占比降至 28.0%。 | "
                        "In October 2026. Watch: Average stay at Surgery up to 9.6 days; Drug share at Internal "
                        "Medicine down to 28.0%.\n");
    tk_scratch_close(db, dir);
}

/* ---- 5. ratios over few cases ---- */

/* Surgery's pre-operative stay 0.4 -> 1.3 days over 5 and 4 operations
 * (+225 %), and 1.3 days above a band of <= 1.0: no change and no state
 * under the default min_ratio_base of 30. Internal Medicine's 0.8 -> 1.2
 * days over 40 and 50 operations (+50 %) is both; so is Surgery's once
 * its indicator has a <min_base> of 4 (the smaller denominator, 4, is
 * enough), and once min_ratio_base="0" turns the default off. */
static void test_ratio_small_base(void **state)
{
    (void)state;
    sqlite3 *db = case_db(
        "INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, direction,"
        " warn_high, dimension, sort_order) VALUES ('preop_days', '术前平均住院日',"
        " 'Pre-operative stay', 'days', '天', 'days', 'down', 1.0, 'efficiency', 1);"
        "INSERT INTO indicator_value (period, scope, indicator, value, mom_base, numerator,"
        " denominator) VALUES"
        " ('2026-10', 'hospital', 'preop_days', 1.2, 0.8, 65.2, 54),"
        " ('2026-10', '0301', 'preop_days', 1.2, 0.8, 60, 50),"
        " ('2026-09', '0301', 'preop_days', 0.8, NULL, 32, 40),"
        " ('2026-10', '0302', 'preop_days', 1.3, 0.4, 5.2, 4),"
        " ('2026-09', '0302', 'preop_days', 0.4, NULL, 2, 5);");
    const char *body =
        "<movers id=\"m\" comparison=\"mom\" which=\"deterioration\" count=\"3\" "
        "min_change=\"5\" scope=\"departments\">\n"
        "  <finding><zh>{name}{trend} {change}（{base} → {value}）</zh>"
        "<en>{name} {trend} {change} ({base} → {value})</en></finding>\n"
        "</movers>\n"
        "<band id=\"b\" indicator=\"*\" side=\"high\" trigger=\"any_department\" "
        "scope=\"hospital\" count=\"3\">\n"
        "  <suggestion><zh>{departments}</zh><en>{departments}</en></suggestion>\n"
        "</band>\n"
        "<band id=\"own\" indicator=\"*\" side=\"high\" scope=\"departments\">\n"
        "  <finding><zh>{name}为 {value}</zh><en>{name} at {value}</en></finding>\n"
        "</band>\n";
    char rules[4096];
    snprintf(rules, sizeof rules, "<settings/>\n%s", body);
    run_rules(db, "2026-10", rules);
    assert_string_equal(said(db, "2026-10", "0302", "finding"), "");
    assert_string_equal(said(db, "2026-10", "0301", "finding"),
                        "info | 术前平均住院日上升 50.0%（0.8天 → 1.2天） | "
                        "Pre-operative stay rose 50.0% (0.8 days → 1.2 days)\n"
                        "info | 术前平均住院日为 1.2天 | Pre-operative stay at 1.2 days\n");
    assert_string_equal(said(db, "2026-10", "hospital", "suggestion"),
                        "info | 内科（1.2天） | Internal Medicine (1.2 days)\n");
    snprintf(rules, sizeof rules,
             "<settings><min_base indicator=\"preop_days\" value=\"4\"/></settings>\n%s", body);
    run_rules(db, "2026-10", rules);
    assert_string_equal(said(db, "2026-10", "0302", "finding"),
                        "info | 术前平均住院日上升 225.0%（0.4天 → 1.3天） | "
                        "Pre-operative stay rose 225.0% (0.4 days → 1.3 days)\n"
                        "info | 术前平均住院日为 1.3天 | Pre-operative stay at 1.3 days\n");
    snprintf(rules, sizeof rules, "<settings min_ratio_base=\"0\"/>\n%s", body);
    run_rules(db, "2026-10", rules);
    assert_string_equal(said(db, "2026-10", "hospital", "suggestion"),
                        "info | 外科（1.3天）、内科（1.2天） | Surgery (1.3 days), Internal "
                        "Medicine (1.2 days)\n");
    tk_scratch_close(db, dir);
}

/* ---- 7. DRG groups: one basis, the lines that run above ---- */

/* 2026-10: LU15 (Internal Medicine) 5 stays of 10,000 yuan, paid 8,000
 * (cost 1.25 x payment, +25.0 %; a loss of 5 x 2,000 = 1.00万元), benchmark
 * 9,000 (+11.1 %), 10 days against 8 (+25.0 %: the cause is the stay);
 * fees 10 % drugs, 15 % materials, 25 % examinations. IS25 (Surgery) 5
 * stays of 20,000, paid 15,000 (+33.3 %; loss 2.50万元, the largest),
 * benchmark 25,000 (20.0 % below it), 5 days against 6 (spending); fees
 * 40 % drugs, 30 % materials, 5 % examinations. GB19 (Internal Medicine)
 * 30,000 a stay against a benchmark of 20,000 (+50 %) but paid 31,000: no
 * loss. All the hospital's stays (LU15 and IS25; GB19 has no fee rows):
 * 150,000 yuan, drugs 45,000 (30.0 %), materials 37,500 (25.0 %),
 * examinations 17,500 (11.7 %). So LU15's drug and material shares are
 * below the hospital's and never cited, its examinations are; IS25's
 * drugs and materials are. Both levels judge by the payment: the hospital
 * names IS25, the largest loss (its benchmark alone would have named GB19
 * and never IS25), and states the benchmark too. */
static const char drg_case[] =
    "INSERT INTO indicator (indicator, name_zh, name_en, unit, direction, dimension, sort_order,"
    " is_flow) VALUES ('drg_balance', 'DRG病组结余', 'DRG balance', 'money', 'up', 'drg', 1, 1);"
    "INSERT INTO indicator_value (period, scope, indicator, value) VALUES"
    " ('2026-10', 'hospital', 'drg_balance', -30000), ('2026-10', '0301', 'drg_balance', -5000),"
    " ('2026-10', '0302', 'drg_balance', -25000);"
    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5)"
    " INSERT INTO inpatient (period, stay_id, patient_key, dept_code, admit_date, discharge_date,"
    " total_fee_cents, drug_fee_cents, material_fee_cents, exam_fee_cents, outcome, file_id,"
    " line_no) SELECT '2026-10', 'L' || i, 'p', '0301', '2026-10-01', '2026-10-11', 1000000,"
    " 100000, 150000, 250000, 'cured', 1, i FROM k UNION ALL SELECT '2026-10', 'S' || i, 'p',"
    " '0302', '2026-10-01', '2026-10-06', 2000000, 800000, 600000, 100000, 'cured', 1, i FROM k;"
    "INSERT INTO drg (period, stay_id, drg_code, drg_name, weight, payment_cents, file_id,"
    " line_no) SELECT '2026-10', stay_id, CASE WHEN dept_code = '0301' THEN 'LU15' ELSE 'IS25'"
    " END, '-', 1, NULL, 1, line_no FROM inpatient;"
    "INSERT INTO drg_group (period, scope, drg_code, drg_name, stays, weight, los_days,"
    " benched_stays, bench_los_sum, cost_cents, bench_cost_sum_cents, paid_stays,"
    " payment_cents, paid_cost_cents, balance_cents, deaths) VALUES"
    " ('2026-10', '0301', 'LU15', '肾及尿路感染', 5, 5, 50, 5, 40, 5000000, 4500000, 5,"
    "  4000000, 5000000, -1000000, 0),"
    " ('2026-10', '0301', 'GB19', '胃、食管、十二指肠大手术', 5, 15, 25, 5, 25, 15000000,"
    "  10000000, 5, 15500000, 15000000, 500000, 0),"
    " ('2026-10', '0302', 'IS25', '损伤', 5, 5, 25, 5, 30, 10000000, 12500000, 5, 7500000,"
    "  10000000, -2500000, 0);"
    "INSERT INTO drg_group SELECT period, 'hospital', drg_code, drg_name, stays, weight, NULL,"
    " los_days, benched_stays, bench_los_sum, cost_cents, bench_cost_sum_cents, paid_stays,"
    " payment_cents, paid_cost_cents, balance_cents, deaths, low_risk FROM drg_group;";

static void test_drg_basis_and_lines(void **state)
{
    (void)state;
    sqlite3 *db = case_db(drg_case);
    hr_error err;
    hr_error_clear(&err);
    if (advise_period(db, "2026-10", &err)) /* the shipped rules */
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    const char *s = said(db, "2026-10", "hospital", "finding");
    assert_contains(s, "warning | 病组IS25（损伤）本期 5 例（主要收治科室：外科），次均费用 "
                       "20,000.00元，比医保支付标准 15,000.00元 高 33.3%（比地区标杆 25,000.00元 "
                       "低 20.0%），病组亏损 2.50万元，为全院亏损最多的病组。 | Group IS25 (损伤): 5 "
                       "stays (mostly in Surgery) at a mean cost of ¥20,000.00, 33.3% above the "
                       "insurer's payment of ¥15,000.00 (20.0% below the region's benchmark of "
                       "¥25,000.00); it lost ¥25,000, more than any other group.\n");
    assert_null(strstr(s, "GB19"));
    s = said(db, "2026-10", "hospital", "suggestion");
    assert_contains(s, "费用结构：药品占 40.0%（全院住院病例 30.0%）、耗材占 30.0%（全院住院病例 "
                       "25.0%））");
    assert_contains(s, "its fees: drugs 40.0% of fees (all the hospital's stays 30.0%), materials "
                       "30.0% of fees (all the hospital's stays 25.0%))");
    /* the departments judge by the payment as the hospital does */
    s = said(db, "2026-10", "0301", "finding");
    assert_contains(s, "病组LU15（肾及尿路感染）本期 5 例，次均费用 10,000.00元，比医保支付标准 "
                       "8,000.00元 高 25.0%（比地区标杆 9,000.00元 高 11.1%），病组亏损 1.00万元；"
                       "平均住院日 10.0 天，标杆 8.0 天（+25.0%）。");
    assert_null(strstr(s, "GB19"));
    assert_contains(said(db, "2026-10", "0302", "suggestion"),
                    "病组IS25（损伤）住院日不长而亏损 2.50万元；费用结构：药品占 40.0%（全院住院病例 "
                    "30.0%）、耗材占 30.0%（全院住院病例 25.0%）。");
    /* LU15's shares below the hospital's are not cited, whatever the rule */
    run_rules(db, "2026-10",
              "<drg_groups id=\"d\" basis=\"payment\" scope=\"departments\" min_ratio=\"1.1\">"
              "<finding><zh>{code}：{cost_lines}</zh><en>{code}: {cost_lines}</en></finding>"
              "</drg_groups>\n"
              "<drg_groups id=\"e\" basis=\"payment\" scope=\"departments\" min_ratio=\"1.1\" "
              "line_gap=\"15\"><finding><zh>{code}：{cost_lines}</zh><en>{code}: {cost_lines}</en>"
              "</finding></drg_groups>\n");
    assert_string_equal(said(db, "2026-10", "0301", "finding"),
                        "info | LU15：检查占 25.0%（全院住院病例 11.7%） | LU15: examinations "
                        "25.0% of fees (all the hospital's stays 11.7%)\n");
    tk_exec(db, "DELETE FROM advice");
    run_rules(db, "2026-10",
              "<drg_groups id=\"e\" basis=\"payment\" scope=\"departments\" min_ratio=\"1.1\" "
              "line_gap=\"15\"><finding><zh>{code}：{cost_lines}</zh><en>{code}: {cost_lines}</en>"
              "</finding></drg_groups>\n");
    assert_string_equal(said(db, "2026-10", "0301", "finding"),
                        "info | LU15：药品、耗材、检查占比均不高于全院住院病例 | LU15: no drug, "
                        "material or examination share above the hospital's stays\n");
    tk_scratch_close(db, dir);
}

/* ---- 3. the overview and the suggestions ---- */

/* Three deteriorations: discharges 200 -> 170 (-15.0 %), visits 1,000 ->
 * 900 (-10.0 %), operations 100 -> 95 (-5.0 %). The overview's summary
 * gives the visits' change, and it quotes one headline, the discharges':
 * their 持续观察 texts would say the same facts a third time and are not
 * written; the operations', stated only among the findings, is. */
static void test_overview_repeats(void **state)
{
    (void)state;
    sqlite3 *db = case_db(
        "INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, direction,"
        " dimension, sort_order, is_flow) VALUES"
        " ('oe_visits', '门急诊人次', 'Visits', 'count', '人次', 'visits', 'up', 'volume', 1, 1),"
        " ('discharges', '出院人数', 'Discharges', 'count', '人', 'stays', 'up', 'volume', 2, 1),"
        " ('surgeries', '手术台次', 'Operations', 'count', '台次', 'operations', 'up', 'volume',"
        "  3, 1);"
        "INSERT INTO indicator_value (period, scope, indicator, value, mom_base) VALUES"
        " ('2026-10', 'hospital', 'oe_visits', 900, 1000),"
        " ('2026-10', 'hospital', 'discharges', 170, 200),"
        " ('2026-10', 'hospital', 'surgeries', 95, 100);");
    run_rules(db, "2026-10",
              "<settings significance=\"0\"/>\n"
              "<overview id=\"ov\" count=\"1\"><summary><zh>{period}门诊 {value:oe_visits}"
              "（{mom:oe_visits}）。</zh><en>{period}: visits {value:oe_visits} "
              "({mom:oe_visits}).</en></summary><attention><zh>关注：{attention}。</zh><en>Watch: "
              "{attention}.</en></attention></overview>\n"
              "<movers id=\"w\" comparison=\"mom\" which=\"deterioration\" count=\"5\" "
              "min_change=\"5\">\n"
              "  <finding severity=\"warning\"><zh>{name}{trend} {change}</zh><en>{name} "
              "{trend} {change}</en></finding>\n"
              "  <headline><zh>{name}{trend} {change}</zh><en>{name} {trend} {change}</en>"
              "</headline>\n"
              "  <watch><zh>持续观察：{name}（{value}）。</zh><en>Keep watching {name} "
              "({value}).</en></watch>\n"
              "</movers>\n");
    assert_string_equal(said(db, "2026-10", "hospital", "overview"),
                        "info | 2026年10月门诊 900人次（-10.0%）。关注：出院人数下降 15.0%。 | "
                        "In October 2026: visits 900 visits (-10.0%). Watch: Discharges fell "
                        "15.0%.\n");
    assert_string_equal(said(db, "2026-10", "hospital", "finding"),
                        "warning | 出院人数下降 15.0% | Discharges fell 15.0%\n"
                        "warning | 门急诊人次下降 10.0% | Visits fell 10.0%\n"
                        "warning | 手术台次下降 5.0% | Operations fell 5.0%\n");
    assert_string_equal(said(db, "2026-10", "hospital", "suggestion"),
                        "info | 持续观察：手术台次（95台次）。 | Keep watching Operations (95 "
                        "operations).\n");
    tk_scratch_close(db, dir);
}

int main(void)
{
    setenv("HOSPREPORT_DATADIR", ".", 1); /* tests run from the tree's root */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negative_base),
        cmocka_unit_test(test_missing_base_period_kind),
        cmocka_unit_test(test_event_direction),
        cmocka_unit_test(test_ratio_small_base),
        cmocka_unit_test(test_drg_basis_and_lines),
        cmocka_unit_test(test_overview_repeats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
