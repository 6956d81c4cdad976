/*
 * test_render_polish.c -- the render engine's finishing work (issue 6,
 * second round), through the C API on the render fixture
 * (tests/data/render/fixture.sql): a table of contents flowing over several
 * pages with the right page numbers, bilingual chart legends and headings,
 * chart value labels in the axis unit (a negative bar's inside the bar when it
 * would run into the names), bar charts without the departments that have
 * no value and no taller than a page, legends that wrap inside the margins,
 * table headers that shrink rather than break a word, the trend window a
 * chart chooses,
 * and characters that only a template's SQL returns reaching the font
 * subset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "tests/support/testkit.h"
#include "stages/render/font.h"
#include "stages/render/render.h"
#include "stages/render/render_internal.h"

static char tmpdir[64];

static sqlite3 *fixture_db(const char *name)
{
    return tk_fixture_db(tmpdir, name, "tests/data/render/fixture.sql");
}

static int render_scope(sqlite3 *db, const char *tpl, const char *scope, const char *lang,
                        const char *out)
{
    render_options o = {"monthly", "2026-10", scope, lang, tpl, out, 0};
    int written = 0;
    hr_error err;
    hr_error_clear(&err);
    int rc = render_reports(db, &o, &written, &err);
    if (rc) {
        char buf[1024];
        print_message("render: %s\n", hr_error_format(&err, buf, sizeof buf));
    }
    return rc ? -rc : written;
}

static int render(sqlite3 *db, const char *tpl, const char *lang, const char *out)
{
    return render_scope(db, tpl, "hospital", lang, out);
}

/* 70 level-1 headings, one per page, behind a <toc/>: at 21 pt an entry the
 * contents need 3 pages (page 1: 29 entries below the title, then 31 and
 * 10), so chapter k is on page 3 + k, and the TOC says so on every page. */
static void test_toc_flows_over_pages(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("toc");
    char tpl[256], out[256], pdf[300];
    snprintf(tpl, sizeof tpl, "%s/toc.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out-toc", tmpdir);
    strbuf x = STRBUF_INIT;
    sb_addstr(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report title=\"TOC\">\n<toc/>\n");
    for (int k = 1; k <= 70; k++)
        sb_addf(&x, "<h level=\"1\">Chapter %d</h>\n<p>Text of chapter %d.</p>\n%s", k, k,
                k < 70 ? "<pagebreak/>\n" : "");
    sb_addstr(&x, "</report>\n");
    tk_write_file(tpl, x.buf);
    sb_release(&x);
    assert_int_equal(render(db, tpl, "en", out), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    assert_int_equal(tk_pdf_pages(pdf), 3 + 70);
    strbuf t = STRBUF_INIT;
    int found = 0;
    for (int page = 1; page <= 3; page++) {
        tk_pdf_text(pdf, page, &t);
        for (const char *s = t.buf; (s = strstr(s, "Chapter ")); s++) {
            int k, n;
            if (sscanf(s, "Chapter %d .%*[ .]%d", &k, &n) == 2 ||
                sscanf(s, "Chapter %d %d", &k, &n) == 2) {
                assert_int_equal(n, 3 + k);
                found++;
            }
        }
    }
    assert_int_equal(found, 70); /* no entry dropped */
    tk_pdf_text(pdf, 3 + 70, &t);
    assert_contains(t.buf, "Chapter 70");
    assert_contains(t.buf, "Page 73 of 73");
    tk_pdf_text(pdf, 2, &t);
    assert_contains(t.buf, "Page 2 of 73");
    sb_release(&t);
    db_close(db);
}

/* Renders a one-chart-section template `body` in `lang` and returns the
 * whole PDF's text (-layout) in t. */
static void render_body(sqlite3 *db, const char *name, const char *body, const char *lang,
                        strbuf *t)
{
    char tpl[256], out[256], pdf[300];
    snprintf(tpl, sizeof tpl, "%s/%s.xml", tmpdir, name);
    snprintf(out, sizeof out, "%s/out-%s", tmpdir, name);
    strbuf x = STRBUF_INIT;
    sb_addf(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report title=\"Charts\">\n%s\n"
                "</report>\n", body);
    tk_write_file(tpl, x.buf);
    sb_release(&x);
    assert_int_equal(render(db, tpl, lang, out), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.%s.pdf", out, lang);
    tk_pdf_text(pdf, 0, t);
}

static void test_value_labels(void **state)
{
    (void)state;
    char b[I18N_NUM_MAX];
    i18n_begin();
    assert_string_equal(chart_value_label(LANG_EN, "count", -61, 1, 1, b), "-61");
    assert_string_equal(chart_value_label(LANG_EN, "", -61, 1, 1, b), "-61");
    assert_string_equal(chart_value_label(LANG_EN, "", 2.5, 1, 0, b), "2.5");
    assert_string_equal(chart_value_label(LANG_ZH, "money", -345545, 1e4, 0, b), "-34.6万");
    assert_string_equal(chart_value_label(LANG_EN, "money", -345545, 1e3, 0, b), "-¥346k");
    assert_string_equal(chart_value_label(LANG_EN, "money", 34554, 1e3, 0, b), "¥34.6k");
    assert_string_equal(chart_value_label(LANG_EN, "count", 12345678, 1e6, 0, b), "12.3M");
    assert_string_equal(chart_value_label(LANG_EN, "percent", 0.25, 1, 1, b), "0.25 pp");
    assert_string_equal(chart_value_label(LANG_ZH, "percent", -1.5, 1, 1, b), "-1.5个百分点");
    assert_string_equal(chart_value_label(LANG_EN, "days", 0.5, 1, 1, b), "0.5");
    i18n_end();
}

/* Contribution bars of a count are labelled as integers; bars of money in
 * the axis unit (万 with 单位：万元 in Chinese, k in English). */
static void test_chart_labels_in_axis_unit(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("labels");
    hr_error err;
    assert_int_equal(db_exec(db,
                             "UPDATE contribution SET delta = -61 WHERE rank = 8;"
                             "INSERT INTO indicator_value (period, scope, indicator, value) VALUES "
                             "('2026-10', 'D01', 'medical_revenue', 1234567),"
                             "('2026-10', 'D02', 'medical_revenue', -345545);",
                             &err),
                     0);
    strbuf t = STRBUF_INIT;
    const char *body = "<chart type=\"contribution\" indicator=\"oe_visits\">C</chart>"
                       "<chart type=\"bar\" indicator=\"medical_revenue\">R</chart>";
    render_body(db, "labels", body, "en", &t);
    assert_contains(t.buf, "-61");
    assert_null(strstr(t.buf, "-61.0"));
    assert_contains(t.buf, "-700");
    assert_contains(t.buf, "¥1,235k");
    assert_contains(t.buf, "-¥346k");
    assert_contains(t.buf, "1,500k"); /* ticks -500k..1,500k by 500k */
    render_body(db, "labels", body, "zh_CN", &t);
    assert_contains(t.buf, "123万"); /* 123.46万: no decimal from 100 */
    assert_contains(t.buf, "-34.6万");
    assert_contains(t.buf, "单位：万元");
    assert_null(strstr(t.buf, "345,545"));
    sb_release(&t);
    db_close(db);
}

/* A word of page 1 as pdftotext -bbox places it, in points from the top left. */
typedef struct word_box {
    double x0, y0, x1, y1;
    char text[128];
} word_box;

/* The words of page 1 of out-NAME/monthly-2026-10-hospital.en.pdf (at most
 * max); returns how many. */
static int page_words(const char *name, word_box *w, int max)
{
    char cmd[512], line[512];
    snprintf(cmd, sizeof cmd,
             "pdftotext -q -bbox -f 1 -l 1 '%s/out-%s/monthly-2026-10-hospital.en.pdf' -", tmpdir,
             name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int n = 0;
    while (n < max && fgets(line, sizeof line, p))
        n += sscanf(line, " <word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%127[^<]",
                    &w[n].x0, &w[n].y0, &w[n].x1, &w[n].y1, w[n].text) == 5;
    pclose(p);
    return n;
}

/* A negative bar that reaches the axis's left end: its value label goes
 * inside the bar, clear of the department names (it used to be drawn over
 * them). Positions from pdftotext -bbox, in points. */
static void test_negative_label_clear_of_names(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("neglabel");
    hr_error err;
    /* deltas 900 .. -1000: axis -1,000 .. 1,000, D02's bar spans its left half */
    assert_int_equal(db_exec(db, "UPDATE contribution SET delta = -1000 WHERE dept_code = 'D02'",
                             &err),
                     0);
    strbuf t = STRBUF_INIT;
    render_body(db, "neglabel", "<chart type=\"contribution\" indicator=\"oe_visits\">C</chart>",
                "en", &t);
    sb_release(&t);
    static word_box w[600];
    int n = page_words("neglabel", w, 600), found = 0;
    for (int i = 0; i < n; i++)     /* "Cardiology Ward 2" ends in "2" */
        for (int k = 0; k < n; k++) /* "-1,000": the bar's label, and a tick */
            if (!strcmp(w[i].text, "2") && !strcmp(w[k].text, "-1,000") &&
                fabs(w[i].y0 - w[k].y0) < 4) { /* the label on D02's line */
                found = 1;
                assert_true(w[k].x0 > w[i].x1 + 3);
            }
    assert_true(found);
    db_close(db);
}

/* Bar names too wide for their column (DRG groups: "LA13 肾、输尿管及膀胱
 * 恶性肿瘤大手术，伴…" twice, cut at one width, read alike) wrap at a break
 * (after "，") onto a second line, code first; a name without any break
 * that does not fit two lines is cut with "…" -- and two such names that
 * would print alike print as head "…" tail, which differ (甲组 / 乙组).
 * The names' column is 0.3 of the 493 pt text width: 148 pt. */
static void test_bar_names_stay_distinct(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("names");
    strbuf t = STRBUF_INIT;
    const char *body =
        "<dataset name=\"g\">SELECT column1 AS x, 'Current' AS series, column2 AS value, "
        "column3 AS key FROM (VALUES "
        "('LA13 肾、输尿管及膀胱恶性肿瘤大手术，伴一般并发症或合并症', 54000, 'LA13'), "
        "('LA11 肾、输尿管及膀胱恶性肿瘤大手术，伴严重并发症或合并症', 51000, 'LA11'), "
        "('门诊部', 30000, 'K1'), "
        "('心血管内科介入治疗中心导管室第一手术组心血管内科介入治疗中心导管室第二手术组"
        "心血管内科介入治疗中心导管室第三手术组甲组', "
        "20000, 'K2'), "
        "('心血管内科介入治疗中心导管室第一手术组心血管内科介入治疗中心导管室第二手术组"
        "心血管内科介入治疗中心导管室第三手术组乙组', "
        "10000, 'K3'))</dataset>"
        "<chart type=\"bar\" dataset=\"g\">Groups</chart>";
    render_body(db, "names", body, "zh_CN", &t);
    /* whole, in two lines broken after the comma */
    assert_contains(t.buf, "LA13 肾、输尿管及膀胱恶性肿瘤大手术，");
    assert_contains(t.buf, "LA11 肾、输尿管及膀胱恶性肿瘤大手术，");
    assert_contains(t.buf, "伴一般并发症或合并症");
    assert_contains(t.buf, "伴严重并发症或合并症");
    assert_contains(t.buf, "门诊部");
    /* head … tail, told apart by their ends */
    const char *a = strstr(t.buf, "…"), *b = a ? strstr(a + 1, "…") : NULL;
    assert_non_null(a);
    assert_non_null(b);
    assert_contains(a, "第三手术组甲组");
    assert_contains(b, "第三手术组乙组");
    assert_null(strstr(b + 1, "…"));
    sb_release(&t);
    db_close(db);
}

/* A contribution chart leaves out the departments whose change is under
 * 2 % of the total (the tail "+1", "-0.3万" bars said nothing) and says how
 * many. Total change +1,000: D01 +600 (60 %), D02 +300, D03 +150, D04 -80,
 * D05 +25 (2.5 %), D06 +19 (1.9 %), D07 -10, D08 -4: five drawn, three
 * noted; with limit 4, D05 (material) is cut too: four, each under 2.5 %. */
static void test_contribution_materiality(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("material");
    hr_error err;
    assert_int_equal(db_exec(db,
                             "DELETE FROM contribution;"
                             "INSERT INTO contribution VALUES "
                             "('2026-10', 'oe_visits', 'mom', 'D01', 600, 60.0, 1),"
                             "('2026-10', 'oe_visits', 'mom', 'D02', 300, 30.0, 2),"
                             "('2026-10', 'oe_visits', 'mom', 'D03', 150, 15.0, 3),"
                             "('2026-10', 'oe_visits', 'mom', 'D04', -80, -8.0, 4),"
                             "('2026-10', 'oe_visits', 'mom', 'D05', 25, 2.5, 5),"
                             "('2026-10', 'oe_visits', 'mom', 'D06', 19, 1.9, 6),"
                             "('2026-10', 'oe_visits', 'mom', 'D07', -10, -1.0, 7),"
                             "('2026-10', 'oe_visits', 'mom', 'D08', -4, -0.4, 8);",
                             &err),
                     0);
    strbuf t = STRBUF_INIT;
    render_body(db, "material", "<chart type=\"contribution\" indicator=\"oe_visits\">C</chart>",
                "en", &t);
    assert_contains(t.buf, "Respiratory and Critical Care Ward 2"); /* D05, 2.5 % */
    assert_null(strstr(t.buf, "Respiratory and Critical Care Ward 3")); /* D06, 1.9 % */
    assert_null(strstr(t.buf, "Gastroenterology Ward"));                /* D07, D08 */
    assert_contains(t.buf, "3 more departments, under 2% of the total change each, are not shown.");
    render_body(db, "material", "<chart type=\"contribution\" indicator=\"oe_visits\">C</chart>",
                "zh_CN", &t);
    assert_contains(t.buf, "另有 3 个科室的变动各不足总变动的 2%，未列出。");
    render_body(db, "material4",
                "<chart type=\"contribution\" indicator=\"oe_visits\" limit=\"4\">C</chart>", "en",
                &t);
    assert_null(strstr(t.buf, "Respiratory and Critical Care Ward 2"));
    assert_contains(t.buf, "4 more departments, under 2.5% of the total change each, are not "
                           "shown.");
    /* nothing left out: no line */
    render_body(db, "material0",
                "<chart type=\"contribution\" indicator=\"oe_visits\" materiality=\"0\">C</chart>",
                "en", &t);
    assert_contains(t.buf, "Gastroenterology Ward 2");
    assert_null(strstr(t.buf, "not shown"));
    sb_release(&t);
    db_close(db);
}

/* A header word wider than its column: the cell's font shrinks (to 3/4 at
 * most) rather than the word being broken. "Examinations" is 46.6 pt at
 * 8 pt; the column is a tenth of the 493 pt text width, 41.3 pt inside. */
static void test_header_words_not_broken(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("header");
    strbuf t = STRBUF_INIT;
    render_body(db, "header",
                "<dataset name=\"t\">SELECT 'Cardiology' AS name, 1234 AS n</dataset>"
                "<table dataset=\"t\" font-size=\"8\"><col field=\"name\" width=\"9\">Department</col>"
                "<col field=\"n\" width=\"1\">Examinations</col></table>",
                "en", &t);
    assert_contains(t.buf, "Examinations");
    assert_contains(t.buf, "1234");
    sb_release(&t);
    db_close(db);
}

/* A bar chart leaves out the departments without a value (no equipment,
 * no utilization) instead of listing their names without a bar: here
 * of Cardiology Wards 1 to 3, Ward 2 has no discharges figure. */
static void test_bar_chart_skips_undefined(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("undef");
    hr_error err;
    assert_int_equal(db_exec(db,
                             "UPDATE indicator_value SET value = NULL WHERE scope = 'D02' "
                             "AND indicator = 'discharges';"
                             "UPDATE indicator_value SET value = 999 WHERE scope = 'D01' "
                             "AND indicator = 'discharges';"
                             "UPDATE indicator_value SET value = 998 WHERE scope = 'D03' "
                             "AND indicator = 'discharges';" /* not all equal: drawn */
                             "DELETE FROM indicator_value WHERE indicator = 'discharges' "
                             "AND scope NOT IN ('D01', 'D02', 'D03', 'hospital')",
                             &err),
                     0);
    strbuf t = STRBUF_INIT;
    render_body(db, "undef", "<chart type=\"bar\" indicator=\"discharges\">U</chart>", "en", &t);
    assert_contains(t.buf, "Cardiology Ward 1");
    assert_contains(t.buf, "Cardiology Ward 3");
    assert_null(strstr(t.buf, "Cardiology Ward 2"));
    sb_release(&t);
    db_close(db);
}

/* "Every value is X" is said of all the rows, not of the top ones a
 * ranking keeps: three departments tied first, a fourth below them. */
static void test_ranking_ties_at_the_top_still_drawn(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("ties");
    hr_error err;
    assert_int_equal(db_exec(db,
                             "UPDATE indicator_value SET value = 50 WHERE indicator = 'discharges' "
                             "AND scope IN ('D01', 'D02', 'D03');"
                             "UPDATE indicator_value SET value = 10 WHERE indicator = 'discharges' "
                             "AND scope = 'D04';"
                             "DELETE FROM indicator_value WHERE indicator = 'discharges' "
                             "AND scope NOT IN ('D01', 'D02', 'D03', 'D04', 'hospital')",
                             &err),
                     0);
    strbuf t = STRBUF_INIT;
    render_body(db, "ties", "<chart type=\"bar\" indicator=\"discharges\" limit=\"3\">T</chart>",
                "en", &t);
    assert_null(strstr(t.buf, "not drawn"));
    assert_contains(t.buf, "Cardiology Ward 1");
    /* all four equal: left out, with its note */
    assert_int_equal(db_exec(db, "UPDATE indicator_value SET value = 50 WHERE indicator = "
                                 "'discharges' AND scope = 'D04'", &err), 0);
    render_body(db, "ties2", "<chart type=\"bar\" indicator=\"discharges\" limit=\"3\">T</chart>",
                "en", &t);
    assert_contains(t.buf, "every value is 50");
    sb_release(&t);
    db_close(db);
}

/* A bar chart asked for more departments than a page holds keeps those
 * that fit (38 of 45 with limit 60), the best two thirds and the worst
 * third: D45 .. D20 (125 .. 100 discharges) and D12 .. D01 (92 .. 81);
 * the 7 between are noted, and the axis stays on the page. */
static void test_bar_chart_fits_the_page(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("fits");
    strbuf t = STRBUF_INIT;
    render_body(db, "fits", "<chart type=\"bar\" indicator=\"discharges\" limit=\"60\">D</chart>",
                "en", &t);
    assert_contains(t.buf, "Dermatology Ward 3"); /* the first, 125 discharges */
    assert_contains(t.buf, "\n25\n"); /* the axis (0, 25 ... 125) is on the page */
    assert_contains(t.buf, "General Surgery Ward 2"); /* D20, 100: the last of the top */
    assert_null(strstr(t.buf, "General Surgery Ward 1")); /* D19, 99: between */
    assert_contains(t.buf, "… 7 rows not shown");
    assert_contains(t.buf, "Gastroenterology Ward 1"); /* 87: among the worst */
    assert_contains(t.buf, "Cardiology Ward 1"); /* D01, 81: the last */
    /* in the report of D16 (96 discharges, among the 7 left out): it is
     * drawn in its place, between two gaps, not as the last of the top:
     * D45 .. D21, the first gap (D20 .. D17: 4 rows), D16, the second (D15
     * .. D13: 3 rows), then the worst */
    char tpl[256], out[256], pdf[300];
    snprintf(tpl, sizeof tpl, "%s/fits.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out-fits-d16", tmpdir);
    assert_int_equal(render_scope(db, tpl, "D16", "en", out), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D16.en.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "… 4 rows not shown");
    assert_contains(t.buf, "… 3 rows not shown");
    assert_null(strstr(t.buf, "General Surgery Ward 2")); /* D20: now in the first gap */
    sb_release(&t);
    db_close(db);
}

/* A legend wider than the page goes on as many lines as it needs, inside
 * the margins (it ran off the left edge): seven series of long names. */
static void test_legend_wraps(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("legend");
    strbuf t = STRBUF_INIT;
    render_body(db, "legend",
                "<dataset name=\"d\">WITH s(n) AS (VALUES ('Computed tomography scanner'), "
                "('Magnetic resonance imaging system'), ('Digital radiography unit'), "
                "('Colour Doppler ultrasound'), ('Holter monitoring system'), "
                "('Automated haematology analyser'), ('Automated biochemistry analyser')), "
                "m(x) AS (VALUES ('2026-09'), ('2026-10')) "
                "SELECT m.x AS x, s.n AS series, length(s.n) AS value FROM m, s</dataset>"
                "<chart type=\"line\" dataset=\"d\">Devices</chart>",
                "en", &t);
    sb_release(&t);
    static word_box w[600];
    int n = page_words("legend", w, 600), seen = 0;
    double top = 1e9, bottom = 0;
    for (int i = 0; i < n; i++) {
        const char *t = w[i].text;
        if (strcmp(t, "Computed") && strcmp(t, "Magnetic") && strcmp(t, "Digital") &&
            strcmp(t, "Colour") && strcmp(t, "Holter") && strcmp(t, "Automated"))
            continue;
        seen++;
        assert_true(w[i].x0 >= 45 && w[i].x1 <= 550); /* the text width is 51 .. 544 pt */
        top = fmin(top, w[i].y0), bottom = fmax(bottom, w[i].y0);
    }
    assert_int_equal(seen, 7);
    assert_true(bottom - top >= 9); /* on more than one line */
    db_close(db);
}

/* Bilingual: legends "本期 Current", the English chart title beneath. */
static void test_bilingual_legends(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("bilingual");
    strbuf t = STRBUF_INIT;
    render_body(db, "bi", "<chart type=\"line\" indicator=\"oe_visits\">Trend</chart>",
                "bilingual", &t);
    assert_contains(t.buf, "本期 Current");
    assert_contains(t.buf, "上年同期 Year earlier");
    assert_contains(t.buf, "（单位：万） (unit: 10,000)");
    sb_release(&t);
    db_close(db);
}

/* window="13m" (default) spans two years, 2025-10 .. 2026-10: its ends
 * and its January carry the year ("2025-10 ... 2026-10", not "Oct ...
 * Oct"), the months between their names; "24m" spans 2024-11..2026-10;
 * "8q" labels the quarters 2025-Q1..2026-Q4. */
static void test_trend_windows(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("windows");
    strbuf t = STRBUF_INIT;
    render_body(db, "w13", "<chart type=\"line\" indicator=\"oe_visits\">T</chart>", "en", &t);
    assert_contains(t.buf, "2025-10");
    assert_contains(t.buf, "2026-01");
    assert_contains(t.buf, "2026-10");
    assert_contains(t.buf, "Dec");
    assert_null(strstr(t.buf, "\nOct\n"));
    assert_null(strstr(t.buf, "2025-11")); /* months between: their names */
    render_body(db, "w13z", "<chart type=\"line\" indicator=\"oe_visits\">T</chart>", "zh_CN", &t);
    assert_contains(t.buf, "2025-10");
    assert_contains(t.buf, "12月");
    assert_null(strstr(t.buf, "10月\n"));
    render_body(db, "w24", "<chart type=\"line\" indicator=\"oe_visits\" window=\"24m\">T</chart>",
                "en", &t);
    assert_contains(t.buf, "2024-11");
    assert_contains(t.buf, "2025-01");
    assert_contains(t.buf, "Nov");
    assert_null(strstr(t.buf, "Year earlier")); /* one line */
    /* two computed quarters: a chart with nothing in it is not drawn */
    tk_exec(db, "INSERT INTO indicator_value (period, scope, indicator, value) VALUES "
                "('2025-Q2', 'hospital', 'oe_visits', 350000), "
                "('2026-Q3', 'hospital', 'oe_visits', 370000)");
    render_body(db, "w8", "<chart type=\"line\" indicator=\"oe_visits\" window=\"8q\">T</chart>",
                "en", &t);
    assert_contains(t.buf, "2025-Q1");
    assert_contains(t.buf, "2026-Q4");
    assert_null(strstr(t.buf, "2024-Q4"));
    sb_release(&t);
    db_close(db);
}

/* Text only a template's own SQL returns (a table no built-in reads) is in
 * the run's subset: 鑫 and 龘 appear nowhere else. */
static void test_dataset_text_in_subset(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("memo");
    hr_error err;
    assert_int_equal(db_exec(db, "CREATE TABLE memo (note TEXT); INSERT INTO memo VALUES "
                                 "('鑫龘 note');", &err), 0);
    strbuf t = STRBUF_INIT, warnings = STRBUF_INIT;
    char log[256];
    snprintf(log, sizeof log, "%s/memo.stderr", tmpdir);
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(log, "w");
    dup2(fileno(f), 2); /* the engine warns on stderr about blank characters */
    render_body(db, "memo", "<dataset name=\"memo\">SELECT note AS text FROM memo</dataset>"
                            "<list dataset=\"memo\" field=\"text\"/>", "zh_CN", &t);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    assert_contains(t.buf, "鑫龘 note");
    tk_slurp(log, &warnings);
    if (strstr(warnings.buf, "U+9F98")) /* without the fix: "the run's font subset lacks" */
        fail_msg("龘 was drawn blank: %s", warnings.buf);
    sb_release(&warnings);
    sb_release(&t);
    db_close(db);
}

/* Text only a built-in dataset returns is in the run's subset too: the
 * sources appendix prints source_name (门急诊就诊（HIS）, whose 就 was drawn
 * blank) through the built-in `sources`, which no template SQL names. 麤
 * appears nowhere else. */
static void test_builtin_dataset_text_in_subset(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("builtin");
    tk_exec(db, "UPDATE source_name SET name_zh = '门急诊就诊麤（HIS）' WHERE source = "
                "'outpatient'");
    strbuf t = STRBUF_INIT, warnings = STRBUF_INIT;
    char log[256];
    snprintf(log, sizeof log, "%s/builtin.stderr", tmpdir);
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(log, "w");
    dup2(fileno(f), 2);
    render_body(db, "builtin", "<table dataset=\"sources\"><col field=\"source\">Source</col>"
                               "</table>", "zh_CN", &t);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    assert_contains(t.buf, "门急诊就诊麤（HIS）");
    tk_slurp(log, &warnings);
    if (strstr(warnings.buf, "U+9EA4")) /* without the fix: "the run's font subset lacks" */
        fail_msg("麤 was drawn blank: %s", warnings.buf);
    sb_release(&warnings);
    sb_release(&t);
    db_close(db);
}

/* A character the font lacks is counted (and warned about once). */
static void test_missing_glyph_reported(void **state)
{
    (void)state;
    font_charset *cs = font_charset_new();
    font_charset_add_utf8(cs, "门诊\xF0\x9F\x98\x80", strlen("门诊\xF0\x9F\x98\x80"));
    render_font *f = NULL;
    hr_error err;
    assert_int_equal(font_open(paths_font_file(), cs, &f, &err), 0);
    font_charset_free(cs);
    assert_int_equal(font_check_text(f, "门诊 ok"), 0);
    assert_int_equal(font_check_text(f, "门\xF0\x9F\x98\x80诊"), 1); /* U+1F600: not in the font */
    assert_int_equal(font_check_text(f, "龘\xF0\x9F\x98\x80"), 2);   /* 龘: not in this subset */
    font_close(f);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-rpolish");
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
        cmocka_unit_test(test_toc_flows_over_pages),
        cmocka_unit_test(test_value_labels),
        cmocka_unit_test(test_chart_labels_in_axis_unit),
        cmocka_unit_test(test_negative_label_clear_of_names),
        cmocka_unit_test(test_header_words_not_broken),
        cmocka_unit_test(test_bar_names_stay_distinct),
        cmocka_unit_test(test_contribution_materiality),
        cmocka_unit_test(test_bar_chart_skips_undefined),
        cmocka_unit_test(test_bar_chart_fits_the_page),
        cmocka_unit_test(test_ranking_ties_at_the_top_still_drawn),
        cmocka_unit_test(test_legend_wraps),
        cmocka_unit_test(test_bilingual_legends),
        cmocka_unit_test(test_trend_windows),
        cmocka_unit_test(test_dataset_text_in_subset),
        cmocka_unit_test(test_builtin_dataset_text_in_subset),
        cmocka_unit_test(test_missing_glyph_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
