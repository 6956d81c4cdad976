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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
