/*
 * test_render_small.c -- small counts (spec INDICATORS.md "Small counts"),
 * on the render fixture plus hand-made values, with a data folder whose
 * config/hospital.xml sets <small-counts threshold="5"/> (the default list:
 * mortality_rate low_risk_mortality complaints):
 *
 *   complaints     hospital 3, D01 3, D02 7, D03 0, D04 4, D05 5
 *   mortality_rate D01 2 deaths / 100 stays = 2 %, D02 6 / 200 = 3 %
 *
 * Department counts in 1..4 print "<5" (D01, D04); 0, 5 and 7 as they are;
 * the hospital's 3 as it is; D01's mortality, over 2 deaths, prints "—"
 * with the note "fewer than 5 cases not shown"; D02's 3 % as it is. The
 * table itself (export's source) is unchanged afterwards.
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
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "stages/render/render.h"
#include "stages/render/render_internal.h"
#include "tests/support/testkit.h"

static char tmpdir[64];

static const char values[] =
    "INSERT INTO indicator (indicator, name_zh, name_en, unit, direction, dimension, "
    "sort_order) VALUES ('complaints', '投诉件数', 'Complaints', 'count', 'down', 'quality', 90), "
    "('mortality_rate', '住院死亡率', 'Inpatient mortality', 'percent', 'down', 'quality', 91);"
    "INSERT INTO indicator_value (period, scope, indicator, numerator, denominator, value, mom, "
    "yoy) VALUES ('2026-10', 'hospital', 'complaints', 3, NULL, 3, 50, NULL), "
    "('2026-10', 'D01', 'complaints', 3, NULL, 3, 200, NULL), "
    "('2026-10', 'D02', 'complaints', 7, NULL, 7, NULL, NULL), "
    "('2026-10', 'D03', 'complaints', 0, NULL, 0, NULL, NULL), "
    "('2026-10', 'D04', 'complaints', 4, NULL, 4, NULL, NULL), "
    "('2026-10', 'D05', 'complaints', 5, NULL, 5, NULL, NULL), "
    "('2026-10', 'D01', 'mortality_rate', 2, 100, 2.0, 1.0, NULL), "
    "('2026-10', 'D02', 'mortality_rate', 6, 200, 3.0, NULL, NULL);";

static const char template_xml[] =
    "<?xml version=\"1.0\"?>\n<report title=\"T\">\n"
    "<dataset name=\"c\">SELECT scope AS name, value, 'count' AS unit FROM indicator_value "
    "WHERE period = :period AND indicator = 'complaints' ORDER BY scope</dataset>\n"
    "<dataset name=\"m\">SELECT scope AS name, value, 'percent' AS unit FROM indicator_value "
    "WHERE period = :period AND indicator = 'mortality_rate' ORDER BY scope</dataset>\n"
    "<h level=\"1\">Small</h>\n"
    "<kpis indicators=\"complaints mortality_rate\" columns=\"2\"/>\n"
    "<p>Complaints {value:complaints}; mortality {value:mortality_rate}.</p>\n"
    "<table dataset=\"c\"><col field=\"name\">Scope</col>"
    "<col field=\"value\" format=\"value\">Complaints</col></table>\n"
    "<table dataset=\"m\"><col field=\"name\">Scope</col>"
    "<col field=\"value\" format=\"value\">Mortality</col></table>\n"
    "</report>\n";

/* How many lines of the PDF's layout text match the extended regex. */
static int lines_matching(const char *pdf, const char *regex)
{
    char cmd[1024], line[32] = "";
    snprintf(cmd, sizeof cmd, "pdftotext -q -layout '%s' - | grep -cE -- '%s'", pdf, regex);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    return atoi(line);
}

static void test_small_counts(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "small", "tests/data/render/fixture.sql");
    tk_exec(db, values);
    char tpl[256], out[128], pdf[256];
    snprintf(tpl, sizeof tpl, "%s/small.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    tk_write_file(tpl, template_xml);
    render_options o = {"monthly", "2026-10", "D01", "all", tpl, out, 0};
    int written = 0;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(render_reports(db, &o, &written, &err), HR_OK);
    assert_int_equal(written, 3);

    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D01.en.pdf", out);
    /* the tables: department counts under 5 (not 0) hidden, the hospital's not */
    assert_int_equal(lines_matching(pdf, "^ *hospital +3 *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D01 +<5 *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D02 +7 *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D03 +0 *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D04 +<5 *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D05 +5 *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D01 +— *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D02 +3\\.00? ?% *$"), 1);
    /* the text and the cards: D01's own values; its changes are not shown */
    strbuf t = STRBUF_INIT;
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Complaints <5; mortality — (fewer than 5 cases not shown).");
    assert_contains(t.buf, "— fewer than 5 cases not shown");
    assert_null(strstr(t.buf, "200"));  /* D01's complaints MoM */
    assert_null(strstr(t.buf, "2.0"));  /* D01's mortality */
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D01.zh_CN.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "少于 5 例不显示");
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D01.bilingual.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "少于 5 例不显示 / — fewer than 5 cases not shown");

    /* the hospital report prints its own 3 */
    render_options h = {"monthly", "2026-10", "hospital", "en", tpl, out, 0};
    assert_int_equal(render_reports(db, &h, &written, &err), HR_OK);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Complaints 3;");
    sb_release(&t);

    /* what export reads is as computed, and no view is left behind */
    assert_string_equal(tk_query_text(db, "SELECT value FROM indicator_value WHERE scope = "
                                          "'D01' AND indicator = 'complaints'"),
                        "3.0");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM sqlite_temp_master"), 0);
    db_close(db);
}

/* A template may not read the table behind the small-count view: through
 * main.indicator_value D01's 3 complaints would print as they are. Each
 * spelling is refused, naming the template and its line; the unqualified
 * name still renders "<5". */
static void test_small_counts_not_read_past_the_view(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "bypass", "tests/data/render/fixture.sql");
    tk_exec(db, values);
    static const char *const bypass[] = {
        "SELECT value FROM main.indicator_value WHERE scope = 'D01' AND indicator = 'complaints'",
        "SELECT v.value AS value FROM \"main\".\"indicator_value\" v WHERE v.scope = 'D01' "
        "AND v.indicator = 'complaints'",
        "SELECT (SELECT numerator FROM main.indicator_value WHERE scope = 'D01' AND indicator = "
        "'complaints') AS value",
        "WITH c AS (SELECT * FROM main.indicator_value) SELECT value FROM c WHERE scope = 'D01' "
        "AND indicator = 'complaints'",
        /* a CTE with the view's own name */
        "WITH indicator_value AS (SELECT * FROM main.indicator_value) SELECT value FROM "
        "indicator_value WHERE scope = 'D01' AND indicator = 'complaints'",
    };
    char tpl[256], out[128], pdf[256];
    snprintf(tpl, sizeof tpl, "%s/bypass.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out-bypass", tmpdir);
    hr_error err;
    for (size_t i = 0; i <= sizeof bypass / sizeof *bypass; i++) {
        /* the last one: the same query through the view */
        const char *sql = i < sizeof bypass / sizeof *bypass
                              ? bypass[i]
                              : "SELECT value FROM indicator_value WHERE scope = 'D01' AND "
                                "indicator = 'complaints'";
        strbuf x = STRBUF_INIT;
        sb_addf(&x,
                "<?xml version=\"1.0\"?>\n<report title=\"T\">\n<dataset name=\"x\">%s"
                "</dataset>\n<h level=\"1\">Bypass</h>\n<table dataset=\"x\"><col "
                "field=\"value\" format=\"value\">Complaints</col></table>\n</report>\n",
                sql);
        tk_write_file(tpl, x.buf);
        sb_release(&x);
        render_options o = {"monthly", "2026-10", "D01", "en", tpl, out, 0};
        int written = 0;
        hr_error_clear(&err);
        int rc = render_reports(db, &o, &written, &err);
        if (i < sizeof bypass / sizeof *bypass) {
            if (rc == HR_OK)
                fail_msg("rendered a template reading past the view: %s", sql);
            assert_int_equal(rc, HR_EINPUT);
            assert_string_equal(err.file, tpl);
            assert_int_equal(err.line, 3);
            assert_contains(err.message, "main.indicator_value");
            assert_contains(err.message, "small-count");
        } else {
            assert_int_equal(rc, HR_OK);
            snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D01.en.pdf", out);
            assert_int_equal(lines_matching(pdf, "^ *<5 *$"), 1);
            assert_int_equal(lines_matching(pdf, "^ *3(\\.0)? *$"), 0);
        }
    }
    db_close(db);
}

/* Renders a one-table template over `sql` for D01 (English); the rc, err
 * and the PDF's path in pdf. */
static int render_sql(sqlite3 *db, const char *name, const char *sql, hr_error *err, char *pdf,
                      size_t size)
{
    char tpl[256], out[128];
    snprintf(tpl, sizeof tpl, "%s/%s.xml", tmpdir, name);
    snprintf(out, sizeof out, "%s/out-%s", tmpdir, name);
    strbuf x = STRBUF_INIT;
    sb_addf(&x,
            "<?xml version=\"1.0\"?>\n<report title=\"T\">\n<dataset name=\"x\">%s"
            "</dataset>\n<h level=\"1\">Raw</h>\n<table dataset=\"x\"><col field=\"name\">Name"
            "</col><col field=\"value\">Value</col></table>\n</report>\n",
            sql);
    tk_write_file(tpl, x.buf);
    sb_release(&x);
    render_options o = {"monthly", "2026-10", "D01", "en", tpl, out, 0};
    int written = 0;
    hr_error_clear(err);
    snprintf(pdf, size, "%s/monthly-2026-10-D01.en.pdf", out);
    return render_reports(db, &o, &written, err);
}

/* Small counts computed from the tables behind the indicators: D01 has 2
 * deaths among its stays (inpatient), 2 in group G1 of drg_group (D02: 6),
 * 2 in compute's measure table, and a contribution to the change of its
 * hidden complaints. A template counting them from inpatient, ind_measure
 * or any other patient-level table is refused, naming the template, its
 * line and the table; main.drg_group past its view too; through the view
 * drg_group a department's deaths below 5 are NULL (D02's 6 and the
 * hospital's 8 print), and contribution has no row for D01's complaints. */
static void test_small_counts_not_from_raw_tables(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "raw", "tests/data/render/fixture.sql");
    tk_exec(db, values);
    tk_exec(db,
            "INSERT INTO drg_group (period, scope, drg_code, drg_name, stays, weight, los_days, "
            "benched_stays, cost_cents, paid_stays, deaths) VALUES "
            "('2026-10', 'D01', 'G1', 'g', 40, 40, 300, 0, 100, 0, 2), "
            "('2026-10', 'D02', 'G1', 'g', 50, 50, 300, 0, 100, 0, 6), "
            "('2026-10', 'hospital', 'G1', 'g', 90, 90, 600, 0, 200, 0, 8);"
            "INSERT INTO ind_measure (month, measure, dept_code, value) VALUES "
            "('2026-10', 'deaths', 'D01', 2);"
            "INSERT INTO contribution (period, indicator, comparison, dept_code, delta, share, "
            "rank) VALUES ('2026-10', 'complaints', 'mom', 'D01', 2, 100, 1), "
            "('2026-10', 'complaints', 'mom', 'D02', 1, 50, 2);");
    static const struct {
        const char *sql, *table;
    } refused[] = {
        {"SELECT dept_code AS name, count(*) AS value FROM inpatient WHERE outcome = 'died' "
         "GROUP BY dept_code",
         "inpatient"},
        {"SELECT measure AS name, value FROM ind_measure WHERE dept_code = 'D01'", "ind_measure"},
        {"SELECT 'x' AS name, (SELECT count(*) FROM complaints c WHERE c.dept_code = :scope) AS "
         "value",
         "complaints"},
        {"WITH d AS (SELECT dept_code FROM mr_front) SELECT dept_code AS name, count(*) AS value "
         "FROM d GROUP BY 1",
         "mr_front"},
        {"SELECT scope AS name, deaths AS value FROM main.drg_group", "main.drg_group"},
        {"SELECT dept_code AS name, delta AS value FROM main.contribution", "main.contribution"},
    };
    hr_error err;
    char pdf[256];
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        int rc = render_sql(db, "raw", refused[i].sql, &err, pdf, sizeof pdf);
        if (rc == HR_OK)
            fail_msg("rendered a template counting from %s: %s", refused[i].table,
                     refused[i].sql);
        assert_int_equal(rc, HR_EINPUT);
        assert_int_equal(err.line, 3);
        assert_contains(err.message, refused[i].table);
        assert_contains(err.message, "small-count");
    }
    /* through the views: G1's deaths of D01 hidden, D02's and the hospital's shown */
    assert_int_equal(render_sql(db, "dg",
                                "SELECT scope AS name, coalesce(deaths, 'hidden') AS value FROM "
                                "drg_group WHERE drg_code = 'G1' ORDER BY scope",
                                &err, pdf, sizeof pdf),
                     HR_OK);
    assert_int_equal(lines_matching(pdf, "^ *D01 +hidden *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *D02 +6 *$"), 1);
    assert_int_equal(lines_matching(pdf, "^ *hospital +8 *$"), 1);
    assert_int_equal(render_sql(db, "co",
                                "SELECT dept_code AS name, delta AS value FROM contribution "
                                "WHERE indicator = 'complaints' ORDER BY dept_code",
                                &err, pdf, sizeof pdf),
                     HR_OK);
    assert_int_equal(lines_matching(pdf, "^ *D01 "), 0);
    assert_int_equal(lines_matching(pdf, "^ *D02 +1(\\.0)? *$"), 1);
    /* the tables themselves are unchanged, and no view is left behind */
    assert_int_equal(tk_query_int(db, "SELECT deaths FROM drg_group WHERE scope = 'D01'"), 2);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM sqlite_temp_master"), 0);
    db_close(db);
}

/* Every table of pipeline/schema/ has its class for the small-count rule
 * (a new table is refused to templates until it is given one in data.c). */
static void test_every_table_classed(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "classes", "tests/data/render/fixture.sql");
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "ORDER BY name",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (ds_small_count_class(t) < 0)
            fail_msg("table %s has no small-count class in stages/render/data.c "
                     "(small_count_tables): say whether templates may read it while the rule "
                     "is on", t);
        n++;
    }
    sqlite3_finalize(st);
    assert_true(n > 40);
    assert_int_equal(ds_small_count_class("inpatient"), 'x');
    assert_int_equal(ds_small_count_class("drg_group"), 's');
    assert_int_equal(ds_small_count_class("dept"), 'r');
    assert_int_equal(ds_small_count_class("no_such_table"), -1);
    db_close(db);
}

/* A data folder like the tree's, with its own config/hospital.xml. */
static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-render-small");
    char cwd[2048], cmd[8192];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/data/config' && ln -s '%s/templates' '%s/data/templates' && "
             "ln -s '%s/config/schema' '%s/data/config/schema'",
             tmpdir, cwd, tmpdir, cwd, tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/data/config/hospital.xml", tmpdir);
    tk_write_file(cmd, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hospital>\n"
                       "  <name lang=\"zh_CN\">测试医院</name>\n  <name lang=\"en\">Test "
                       "Hospital</name>\n  <small-counts threshold=\"5\"/>\n</hospital>\n");
    snprintf(cmd, sizeof cmd, "%s/data", tmpdir);
    setenv("HOSPREPORT_DATADIR", cmd, 1);
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
        cmocka_unit_test(test_small_counts),
        cmocka_unit_test(test_small_counts_not_read_past_the_view),
        cmocka_unit_test(test_small_counts_not_from_raw_tables),
        cmocka_unit_test(test_every_table_classed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
