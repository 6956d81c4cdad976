/*
 * test_render_polish.c -- the render engine's finishing work (issue 6,
 * second round), through the C API on the render fixture
 * (tests/data/render/fixture.sql): a table of contents flowing over several
 * pages with the right page numbers, bilingual chart legends and headings,
 * chart value labels in the axis unit, the trend window a chart chooses,
 * and characters that only a template's SQL returns reaching the font
 * subset.
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

#include "pipeline/db.h"
#include "pipeline/strbuf.h"
#include "stages/render/render.h"

static char tmpdir[64];

static void slurp(const char *path, strbuf *sb)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(sb, buf, n);
    fclose(f);
}

static sqlite3 *fixture_db(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.db", tmpdir, name);
    unlink(path);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_open(path, &db, &err), 0);
    strbuf sql = STRBUF_INIT;
    slurp("tests/data/render/fixture.sql", &sql);
    assert_int_equal(db_exec(db, sql.buf, &err), 0);
    sb_release(&sql);
    return db;
}

/* pdftotext -layout of one page (0 = all) into sb. */
static void pdf_text(const char *pdf, int page, strbuf *sb)
{
    char cmd[512];
    if (page)
        snprintf(cmd, sizeof cmd, "pdftotext -q -layout -f %d -l %d '%s' -", page, page, pdf);
    else
        snprintf(cmd, sizeof cmd, "pdftotext -q -layout '%s' -", pdf);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[8192];
    size_t n;
    sb_reset(sb);
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sb_add(sb, buf, n);
    pclose(p);
}

static int pdf_pages(const char *pdf)
{
    char cmd[512], line[256];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", pdf);
    FILE *p = popen(cmd, "r");
    int pages = 0;
    while (fgets(line, sizeof line, p))
        sscanf(line, "Pages: %d", &pages);
    pclose(p);
    return pages;
}

#define assert_contains(hay, needle)                                                        \
    do {                                                                                    \
        if (!strstr((hay), (needle)))                                                       \
            fail_msg("expected '%s' in:\n%.3000s", (needle), (hay));                        \
    } while (0)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int render(sqlite3 *db, const char *tpl, const char *lang, const char *out)
{
    render_options o = {"monthly", "2026-10", "hospital", lang, tpl, out};
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
    write_file(tpl, x.buf);
    sb_release(&x);
    assert_int_equal(render(db, tpl, "en", out), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    assert_int_equal(pdf_pages(pdf), 3 + 70);
    strbuf t = STRBUF_INIT;
    int found = 0;
    for (int page = 1; page <= 3; page++) {
        pdf_text(pdf, page, &t);
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
    pdf_text(pdf, 3 + 70, &t);
    assert_contains(t.buf, "Chapter 70");
    assert_contains(t.buf, "Page 73 of 73");
    pdf_text(pdf, 2, &t);
    assert_contains(t.buf, "Page 2 of 73");
    sb_release(&t);
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test-rpolish-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toc_flows_over_pages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
