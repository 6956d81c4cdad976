/*
 * test_reports_fit.c -- the shipped templates fit their reader (issue 15):
 * per-device charts keyed by equipment_id, so that two devices of one name
 * are two bars, each with its own value (read back with pdftotext -bbox);
 * the medical-technology departments in the equipment ranking; and the
 * running header that names scope, period and report kind. Fixture:
 * tests/data/reports/fixture.sql, with the cases planted here.
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

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "stages/render/render.h"
#include "tests/support/testkit.h"

static char tmpdir[64];

static int render(sqlite3 *db, const char *kind, const char *period, const char *tpl,
                  const char *scope, const char *lang, const char *out)
{
    render_options o = {kind, period, scope, lang, tpl, out, 0};
    int written = 0;
    hr_error err;
    hr_error_clear(&err);
    if (render_reports(db, &o, &written, &err)) {
        char buf[1024];
        fail_msg("render %s %s %s: %s", kind, period, scope, hr_error_format(&err, buf, sizeof buf));
    }
    return written;
}

/* One word of pdftotext -bbox: its page, box and text. */
typedef struct word {
    int page;
    double x0, y0, x1, y1;
    char text[128];
} word;

/* Every word of a PDF; returns how many (at most max). */
static int words_of(const char *pdf, word *w, int max)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdftotext -q -bbox '%s' -", pdf);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[1024];
    int n = 0, page = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "<page "))
            page++;
        const char *p = strstr(line, "<word ");
        if (!p || n == max)
            continue;
        word *x = &w[n];
        x->page = page;
        if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">", &x->x0, &x->y0,
                   &x->x1, &x->y1) != 4)
            continue;
        const char *t = strchr(p, '>') + 1, *e = strstr(t, "</word>");
        if (!e)
            continue;
        snprintf(x->text, sizeof x->text, "%.*s", (int)(e - t), t);
        n++;
    }
    pclose(f);
    return n;
}

/* The words on the line of the first word equal to `text` at or after
 * page `from` that lies right of it (a bar's value beside its label),
 * joined by spaces into buf. Returns the page it was found on, or 0. */
static int line_after(const word *w, int n, int from, const char *text, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (w[i].page < from || strcmp(w[i].text, text))
            continue;
        double mid = (w[i].y0 + w[i].y1) / 2;
        size_t used = 0;
        for (int j = 0; j < n; j++)
            if (w[j].page == w[i].page && w[j].x0 > w[i].x1 && fabs((w[j].y0 + w[j].y1) / 2 - mid) < 2.5)
                used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? " " : "", w[j].text);
        return w[i].page;
    }
    return 0;
}

/* The first page whose words include `text`, from page `from`; 0 if none. */
static int page_of(const word *w, int n, int from, const char *text)
{
    for (int i = 0; i < n; i++)
        if (w[i].page >= from && strstr(w[i].text, text))
            return w[i].page;
    return 0;
}

/*
 * Two 64排CT in Radiology (EQ001 and a planted EQ005) and a second 1.5T
 * MRI in Orthopaedics (EQ006, Radiology has EQ002): the net-benefit chart
 * has one bar per device, labelled with the department where the name
 * repeats across departments and with the id where it repeats within one,
 * each bar with its own value. Net benefits (fixture, CNY): EQ001
 * 1,808,493.24 -> 181万; EQ005 planted 520,000.00 -> 52.0万; EQ002
 * 1,451,267.20 -> 145万; EQ006 planted -230,000.00 -> -23.0万.
 */
static void test_equipment_devices_of_one_name(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "devices", "tests/data/reports/fixture.sql");
    tk_exec(db, "INSERT INTO equipment_benefit VALUES ('2026-10', 'EQ005', 'M01', '64排CT', "
                "'64-slice CT scanner', 1200, 60.0, 2.0, 70000000, 18000000, 52000000, 2.5);"
                "INSERT INTO equipment_benefit VALUES ('2026-10', 'EQ006', 'D03', '1.5T磁共振', "
                "'1.5T MRI scanner', 300, 20.0, 40.0, 2000000, 25000000, -23000000, NULL);"
                "INSERT INTO indicator_value (period, scope, indicator, value) VALUES "
                "('2026-10', 'M01', 'equipment_utilization', 89.272727);");
    char out[128];
    snprintf(out, sizeof out, "%s/devices", tmpdir);
    assert_int_equal(render(db, "topic", "2026-10", "equipment", "hospital", "zh_CN", out), 1);
    char pdf[256], buf[512];
    snprintf(pdf, sizeof pdf, "%s/topic-equipment-2026-10-hospital.zh_CN.pdf", out);
    static word w[20000];
    int n = words_of(pdf, w, 20000);
    int chart = page_of(w, n, 1, "各设备净收益");
    assert_true(chart > 0);
    /* 64排CT twice in Radiology: the id tells them apart */
    assert_int_equal(line_after(w, n, chart, "EQ001)", buf, sizeof buf), chart);
    assert_string_equal(buf, "181万");
    assert_int_equal(line_after(w, n, chart, "EQ005)", buf, sizeof buf), chart);
    assert_string_equal(buf, "52.0万");
    /* 1.5T磁共振 in two departments: the department tells them apart */
    assert_int_equal(line_after(w, n, chart, "1.5T磁共振", buf, sizeof buf), chart);
    assert_string_equal(buf, "(放射科) 145万");
    assert_int_equal(line_after(w, n, chart, "(骨科)", buf, sizeof buf), chart);
    assert_string_equal(buf, "-23.0万");
    /* six devices, six bars: each value label once on the chart's page */
    int values = 0;
    for (int i = 0; i < n; i++)
        if (w[i].page == chart && strspn(w[i].text, "-0123456789.,") > 0 &&
            !strcmp(w[i].text + strspn(w[i].text, "-0123456789.,"), "万"))
            values++;
    assert_int_equal(values, 6);

    /* the department ranking of utilization includes Radiology (medtech) */
    strbuf t = STRBUF_INIT;
    tk_pdf_text(pdf, chart, &t);
    const char *rank = strstr(t.buf, "各科室设备利用率");
    assert_non_null(rank);
    assert_contains(rank, "放射科");
    assert_contains(rank, "89.3%");
    sb_release(&t);
    db_close(db);
}

/* Every inner page names scope, period and kind; the bilingual edition in
 * both languages; the cover has no running header. */
static void test_running_header(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "header", "tests/data/reports/fixture.sql");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/header", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "D03", "all", out), 3);
    strbuf t = STRBUF_INIT;
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D03.zh_CN.pdf", out);
    int pages = tk_pdf_pages(pdf);
    assert_true(pages > 2);
    tk_pdf_text(pdf, 1, &t);
    assert_true(strstr(t.buf, "骨科 · 2026年10月 · 月度运营分析报告") == NULL);
    for (int p = 2; p <= pages; p++) {
        tk_pdf_text(pdf, p, &t);
        assert_contains(t.buf, "骨科 · 2026年10月 · 月度运营分析报告");
    }
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D03.en.pdf", out);
    tk_pdf_text(pdf, 2, &t);
    assert_contains(t.buf, "Orthopaedics · October 2026 · Monthly Operations Analysis Report");
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D03.bilingual.pdf", out);
    tk_pdf_text(pdf, tk_pdf_pages(pdf), &t);
    assert_contains(t.buf, "骨科 · 2026年10月 · 月度运营分析报告");
    assert_contains(t.buf, "Orthopaedics · October 2026 · Monthly Operations Analysis Report");
    sb_release(&t);
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-reports-fit");
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
        cmocka_unit_test(test_equipment_devices_of_one_name),
        cmocka_unit_test(test_running_header),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
