/*
 * test_render.c -- the render stage through its C API: templates rendered
 * from a fixture database (tests/data/render/fixture.sql), read back with
 * pdftotext in both languages; page breaks that repeat a table header;
 * template errors that name their line; the draft mark; no patient key in
 * any PDF; byte-identical output under SOURCE_DATE_EPOCH; and the units
 * (line breaking, number formats, axis ticks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hb.h>
#include <hpdf.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "tests/support/testkit.h"
#include "stages/render/font.h"
#include "stages/render/i18n.h"
#include "stages/render/layout.h"
#include "stages/render/pdffix.h"
#include "stages/render/render.h"
#include "stages/render/render_internal.h"

static char tmpdir[64];

static sqlite3 *fixture_db(const char *name)
{
    return tk_fixture_db(tmpdir, name, "tests/data/render/fixture.sql");
}

/* The one-page summary the render tests exercise (templates/monthly.xml is
 * the full report, tested by test_reports on a richer fixture). */
#define SUMMARY "tests/data/render/summary.xml"

static int render(sqlite3 *db, const char *tpl, const char *scope, const char *lang,
                  const char *out, hr_error *err)
{
    render_options o = {"monthly", "2026-10", scope, lang, tpl, out, 0};
    int written = 0;
    hr_error_clear(err);
    int rc = render_reports(db, &o, &written, err);
    if (rc) {
        char buf[1024];
        print_message("render: %s\n", hr_error_format(err, buf, sizeof buf));
    }
    return rc ? -rc : written;
}

static void test_monthly_both_languages(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("monthly");
    char out[128];
    snprintf(out, sizeof out, "%s/out-monthly", tmpdir);
    hr_error err;
    assert_int_equal(render(db, SUMMARY, "hospital", "all", out, &err), 3);
    strbuf t = STRBUF_INIT;
    char pdf[256];

    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.zh_CN.pdf", out);
    assert_int_equal(tk_pdf_pages(pdf), 1);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "全院2026年10月运营概要");
    assert_contains(t.buf, "门急诊人次");
    assert_contains(t.buf, "123,456");       /* value with thousands separator */
    assert_contains(t.buf, "+3.5%");         /* MoM */
    assert_contains(t.buf, "-2.4%");         /* YoY */
    assert_contains(t.buf, "环比");
    assert_contains(t.buf, "+1.5个百分点");  /* a percent indicator's change */
    assert_contains(t.buf, "门急诊人次环比上升3.5%，达到123,456。");
    assert_contains(t.buf, "平均住院日需关注：平均住院日高于预警上限8.5天");
    assert_contains(t.buf, "—");             /* surgeries has no MoM */
    assert_contains(t.buf, "monthly-2026-10-001");

    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Monthly Operations Summary: Whole hospital, October 2026");
    assert_contains(t.buf, "Outpatient and emergency visits rose 3.5% month on month, to 123,456.");
    assert_contains(t.buf, "+1.5 pp");
    assert_contains(t.buf, "Page 1 of 1");
    assert_contains(t.buf, "Demo City First People's Hospital");

    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.bilingual.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "门急诊人次环比上升3.5%");
    assert_contains(t.buf, "Outpatient and emergency visits rose 3.5%");
    sb_release(&t);
    db_close(db);
}

/* Checks that every in-use xref entry of pdf points at its object and
 * startxref at the table; returns the number of objects. */
static int check_xref(const char *pdf, size_t len)
{
    const char *sx = NULL;
    for (const char *p = pdf; (p = memmem(p, len - (size_t)(p - pdf), "startxref", 9)); p++)
        sx = p;
    assert_non_null(sx);
    long off = strtol(sx + 9, NULL, 10);
    assert_memory_equal(pdf + off, "xref\n0 ", 7);
    char *q;
    long size = strtol(pdf + off + 7, &q, 10);
    q++; /* the newline */
    for (long i = 0; i < size; i++) {
        const char *e = q + 20 * i;
        if (e[17] != 'n')
            continue;
        char head[32];
        int hl = snprintf(head, sizeof head, "%ld 0 obj", i);
        assert_memory_equal(pdf + strtol(e, NULL, 10), head, (size_t)hl);
    }
    return (int)size;
}

/* libharu's /ToUnicode (its Identity-H encoding CMap, `begincidrange`) is
 * replaced by a real ToUnicode CMap, and the objects after it move: on a
 * small PDF made by hand, then on rendered ones, which poppler now reads
 * without a warning. */
static void test_tounicode_cmap(void **state)
{
    (void)state;
    strbuf pdf = STRBUF_INIT;
    size_t off[4];
    sb_addstr(&pdf, "%PDF-1.3\n");
    off[1] = pdf.len;
    sb_addstr(&pdf, "1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    off[2] = pdf.len;
    sb_addstr(&pdf, "2 0 obj\n<<\n/Type /CMap\n/CIDSystemInfo <<\n/Registry (Adobe)\n"
                    "/Ordering (Identity-H)\n>>\n/Length 3\n>>\nstream\r\nabc\nendstream\nendobj\n");
    off[3] = pdf.len;
    sb_addstr(&pdf, "3 0 obj\n<< /Type /Font /ToUnicode 2 0 R >>\nendobj\n");
    size_t xref = pdf.len;
    sb_addf(&pdf, "xref\n0 4\n0000000000 65535 f\r\n%010zu 00000 n\r\n%010zu 00000 n\r\n"
                  "%010zu 00000 n\r\ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
            off[1], off[2], off[3], xref);
    assert_int_equal(check_xref(pdf.buf, pdf.len), 4);
    unsigned char blocks[256] = {0};
    blocks[0x00] = blocks[0x4E] = blocks[0xD8] = 1; /* a surrogate block is left out */
    char *fixed;
    size_t n;
    assert_int_equal(pdf_fix_tounicode_mem(pdf.buf, pdf.len, blocks, &fixed, &n), 1);
    char *z = calloc(1, n + 1);
    memcpy(z, fixed, n);
    assert_int_equal(check_xref(z, n), 4);
    assert_contains(z, "2 0 obj\n<<\n/Length ");
    assert_contains(z, "/CMapType 2 def");
    assert_contains(z, "2 beginbfrange\n<0000> <00FF> <0000>\n<4E00> <4EFF> <4E00>\nendbfrange");
    assert_null(strstr(z, "Identity-H"));
    assert_null(strstr(z, "D800"));
    assert_contains(z, "3 0 obj\n<< /Type /Font /ToUnicode 2 0 R >>");
    /* mended once, it is left alone; so is a PDF whose table is elsewhere */
    char *again;
    assert_int_equal(pdf_fix_tounicode_mem(z, n, blocks, &again, &n), 0);
    char *moved = strstr(pdf.buf, "startxref\n") + 10;
    *moved = '9';
    assert_int_equal(pdf_fix_tounicode_mem(pdf.buf, pdf.len, blocks, &again, &n), 0);
    free(z);
    free(fixed);
    sb_release(&pdf);

    /* rendered: no warning from poppler, the text as before */
    sqlite3 *db = fixture_db("tounicode");
    char out[128], cmd[512];
    snprintf(out, sizeof out, "%s/out-tounicode", tmpdir);
    hr_error err;
    assert_int_equal(render(db, SUMMARY, "hospital", "all", out, &err), 3);
    for (int i = 0; i < 3; i++) {
        static const char *const lang[] = {"zh_CN", "en", "bilingual"};
        snprintf(cmd, sizeof cmd, "pdftotext '%s/monthly-2026-10-hospital.%s.pdf' /dev/null 2>&1",
                 out, lang[i]);
        FILE *p = popen(cmd, "r");
        char line[256] = "";
        int said = fgets(line, sizeof line, p) != NULL;
        pclose(p);
        if (said)
            fail_msg("pdftotext: %s", line);
    }
    strbuf t = STRBUF_INIT;
    char path[256];
    snprintf(path, sizeof path, "%s/monthly-2026-10-hospital.zh_CN.pdf", out);
    tk_pdf_text(path, 0, &t);
    assert_contains(t.buf, "门急诊人次环比上升3.5%，达到123,456。");
    sb_release(&t);
    db_close(db);
}

static void test_table_repeats_header_across_pages(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("full");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/out-full", tmpdir);
    hr_error err;
    assert_int_equal(render(db, "tests/data/render/full.xml", "hospital", "en", out, &err), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    int pages = tk_pdf_pages(pdf);
    assert_true(pages >= 5);
    strbuf t = STRBUF_INIT;
    int header_pages = 0, first = 0, last = 0;
    for (int p = 1; p <= pages; p++) {
        tk_pdf_text(pdf, p, &t);
        if (strstr(t.buf, "Code") && strstr(t.buf, "Department")) {
            header_pages++;
            if (!first)
                first = p;
            last = p;
        }
        if (strstr(t.buf, "D01"))
            assert_non_null(strstr(t.buf, "Code")); /* the first row sits under a header */
        if (strstr(t.buf, "D45"))
            assert_non_null(strstr(t.buf, "Code")); /* so does the last */
    }
    assert_true(header_pages >= 2);
    assert_int_equal(last - first + 1, header_pages);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Contents");
    assert_contains(t.buf, "Dermatology Ward 3");
    assert_contains(t.buf, "Total");
    assert_contains(t.buf, "83,295"); /* sum of 1000 + 37n, n = 1..45 */
    assert_contains(t.buf, "Year earlier");
    assert_contains(t.buf, "Above the warning limit of 8.5 days");
    assert_contains(t.buf, "MRI scanner");
    sb_release(&t);
    db_close(db);
}

static void test_full_zh_and_no_patient_key(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("full-zh");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/out-full-zh", tmpdir);
    hr_error err;
    assert_int_equal(render(db, "tests/data/render/full.xml", "all", "all", out, &err), 46 * 3);
    strbuf t = STRBUF_INIT;
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.zh_CN.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "目录");
    assert_contains(t.buf, "科室排名");
    assert_contains(t.buf, "皮肤科三病区");
    assert_contains(t.buf, "上年同期");
    assert_contains(t.buf, "合计");
    assert_contains(t.buf, "药品收入");
    assert_contains(t.buf, "磁共振成像系统");
    /* the revenue mix legend names the items, in both languages */
    assert_contains(t.buf, "卫生材料");
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Medical materials");
    assert_contains(t.buf, "Other revenue");
    /* no patient key in any PDF */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "for f in '%s'/*.pdf; do pdftotext -q \"$f\" - ; done | grep -c PK-SECRET", out);
    FILE *p = popen(cmd, "r");
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    assert_int_equal(atoi(line), 0);
    sb_release(&t);
    db_close(db);
}

static void test_template_errors_name_the_line(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("errors");
    char tpl[256], out[128];
    snprintf(out, sizeof out, "%s/out-errors", tmpdir);
    snprintf(tpl, sizeof tpl, "%s/bad.xml", tmpdir);
    hr_error err;

    tk_write_file(tpl, "<?xml version=\"1.0\"?>\n<report title=\"T\">\n  <h level=\"1\">A</h>\n"
                    "  <para>not an element</para>\n</report>\n");
    assert_true(render(db, tpl, "hospital", "en", out, &err) < 0);
    assert_int_equal(err.code, HR_EINPUT);
    assert_string_equal(err.file, tpl);
    assert_int_equal(err.line, 4);

    tk_write_file(tpl, "<?xml version=\"1.0\"?>\n<report title=\"T\">\n  <h level=\"1\">A</h>\n"
                    "  <p>open\n</report>\n");
    assert_true(render(db, tpl, "hospital", "en", out, &err) < 0);
    assert_int_equal(err.code, HR_EINPUT);
    assert_int_equal(err.line, 5);

    tk_write_file(tpl, "<?xml version=\"1.0\"?>\n<report title=\"T\">\n\n  <p>{value:no_such}</p>\n"
                    "</report>\n");
    assert_true(render(db, tpl, "hospital", "en", out, &err) < 0);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.message, "no_such"));

    tk_write_file(tpl, "<?xml version=\"1.0\"?>\n<report title=\"T\">\n  <p when=\"soon:x\">a</p>\n"
                    "</report>\n");
    assert_true(render(db, tpl, "hospital", "en", out, &err) < 0);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.field, "when");
    assert_string_equal(err.message, "unknown condition 'soon:x'");

    tk_write_file(tpl, "<?xml version=\"1.0\"?>\n<report title=\"T\">\n<dataset name=\"x\">\n"
                    "DELETE FROM indicator_value</dataset>\n<list dataset=\"x\"/>\n</report>\n");
    assert_true(render(db, tpl, "hospital", "en", out, &err) < 0);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.message, "dataset SQL must only read (a SELECT)");

    /* No template can print a patient identifier: reading patient_key is
     * refused, named or through *, and the connection is itself again
     * afterwards. */
    tk_write_file(tpl, "<?xml version=\"1.0\"?>\n<report title=\"T\">\n<dataset name=\"x\">\n"
                    "SELECT patient_key FROM outpatient</dataset>\n<list dataset=\"x\"/>\n"
                    "</report>\n");
    assert_true(render(db, tpl, "hospital", "en", out, &err) < 0);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "patient_key"));
    tk_write_file(tpl, "<?xml version=\"1.0\"?>\n<report title=\"T\">\n\n<dataset name=\"y\">\n"
                    "SELECT * FROM inpatient</dataset>\n<list dataset=\"y\"/>\n</report>\n");
    assert_true(render(db, tpl, "hospital", "en", out, &err) < 0);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.message, "no patient identifier"));
    int64_t readable = 0;
    assert_int_equal(db_query_int(db, &readable, &err,
                                  "SELECT count(patient_key) >= 0 FROM outpatient", NULL),
                     1);
    assert_int_equal(readable, 1);

    render_options o = {"monthly", "2026-09", "hospital", "en", SUMMARY, out, 0};
    int written = 0;
    hr_error_clear(&err);
    assert_int_equal(render_reports(db, &o, &written, &err), HR_EINPUT);
    assert_string_equal(err.message,
                        "period 2026-09 has not been computed: run hospreport compute --period 2026-09");
    assert_int_equal(render(db, SUMMARY, "X99", "en", out, &err), -HR_EUSAGE);
    db_close(db);
}

static void test_draft_mark_and_reproducible(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("draft");
    hr_error err;
    assert_int_equal(db_exec(db, "UPDATE period_state SET reconcile_state = 'blocking', "
                                 "reconcile_forced = 1",
                             &err),
                     0);
    char out[128], pdf[256], copy[300];
    snprintf(out, sizeof out, "%s/out-draft", tmpdir);
    setenv("SOURCE_DATE_EPOCH", "1790000000", 1);
    assert_int_equal(render(db, SUMMARY, "D07", "zh_CN", out, &err), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D07.zh_CN.pdf", out);
    strbuf t = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "消化内科一病区");
    /* the diagonal mark comes out of pdftotext a character at a time, mixed
     * with the page's text: look for its characters, absent otherwise */
    static const char *const mark[] = {"未", "对", "账", "草", "稿"};
    for (int i = 0; i < 5; i++)
        assert_contains(t.buf, mark[i]);
    tk_slurp(pdf, &a);
    snprintf(copy, sizeof copy, "%s.first", pdf);
    rename(pdf, copy);
    assert_int_equal(render(db, SUMMARY, "D07", "zh_CN", out, &err), 1);
    tk_slurp(pdf, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    assert_true(a.len < 150 * 1024);
    unsetenv("SOURCE_DATE_EPOCH");
    /* blocking and not forced: refused (exit 3), no PDF (issue 11, item 4) */
    assert_int_equal(db_exec(db, "UPDATE period_state SET reconcile_forced = 0", &err), 0);
    unlink(pdf);
    assert_int_equal(render(db, SUMMARY, "D07", "zh_CN", out, &err), -HR_EBLOCKED);
    assert_int_equal(access(pdf, F_OK), -1);
    /* reconciled: no mark */
    assert_int_equal(db_exec(db, "UPDATE period_state SET reconcile_state = 'ok'", &err), 0);
    assert_int_equal(render(db, SUMMARY, "D07", "zh_CN", out, &err), 1);
    tk_pdf_text(pdf, 0, &t);
    assert_null(strstr(t.buf, "账"));
    assert_null(strstr(t.buf, "稿"));
    sb_release(&t);
    sb_release(&a);
    sb_release(&b);
    db_close(db);
}

static render_font *test_font(const char *text)
{
    font_charset *cs = font_charset_new();
    font_charset_add_utf8(cs, text, strlen(text));
    render_font *f = NULL;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(font_open(paths_font_file(), cs, &f, &err), 0);
    font_charset_free(cs);
    return f;
}

/* The run's subset maps each character to the glyph of the full font, in a
 * format-4 cmap of few segments (font.c: libharu searches the segments one
 * by one for each of 65,536 code points in every PDF). 40 ideographs none
 * of which follows another: HarfBuzz's own cmap has a segment for each. */
static void test_subset_cmap_compact(void **state)
{
    (void)state;
    strbuf text = STRBUF_INIT;
    sb_addstr(&text, "Ab1");
    for (uint32_t cp = 0x4E00; cp < 0x4E00 + 40 * 97; cp += 97) {
        char u[4] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)),
                     (char)(0x80 | (cp & 0x3F)), 0};
        sb_addstr(&text, u);
    }
    render_font *f = test_font(text.buf);
    hb_blob_t *blob = hb_blob_create_from_file(font_subset_path(f));
    hb_face_t *sub = hb_face_create(blob, 0);
    hb_blob_destroy(blob);
    blob = hb_blob_create_from_file(paths_font_file());
    hb_face_t *full = hb_face_create(blob, 0);
    hb_blob_destroy(blob);
    hb_font_t *fs = hb_font_create(sub), *ff = hb_font_create(full);
    int mapped = 0;
    for (size_t i = 0; i < text.len;) {
        uint32_t cp;
        i += (size_t)utf8_decode(text.buf + i, text.len - i, &cp);
        hb_codepoint_t gs, gf;
        assert_true(hb_font_get_nominal_glyph(ff, cp, &gf));
        assert_true(hb_font_get_nominal_glyph(fs, cp, &gs));
        hb_glyph_extents_t es, ef;
        assert_true(hb_font_get_glyph_extents(fs, gs, &es));
        assert_true(hb_font_get_glyph_extents(ff, gf, &ef));
        assert_memory_equal(&es, &ef, sizeof es); /* the same outline's box */
        assert_int_equal(hb_font_get_glyph_h_advance(fs, gs), hb_font_get_glyph_h_advance(ff, gf));
        mapped++;
    }
    assert_int_equal(mapped, 43);
    /* what lies between the characters maps to no glyph */
    hb_codepoint_t g;
    assert_false(hb_font_get_nominal_glyph(fs, 0x4E01, &g));
    assert_false(hb_font_get_nominal_glyph(fs, 0x4E00 + 97 * 40, &g)); /* past the last */
    /* the Windows Unicode BMP subtable: format 4, and its segment count */
    hb_blob_t *cmap = hb_face_reference_table(sub, HB_TAG('c', 'm', 'a', 'p'));
    unsigned len;
    const unsigned char *d = (const unsigned char *)hb_blob_get_data(cmap, &len);
    assert_true(len >= 20);
    unsigned ntables = (unsigned)(d[2] << 8 | d[3]), segs = 0;
    for (unsigned i = 0; i < ntables; i++) {
        const unsigned char *r = d + 4 + 8 * i;
        unsigned off = (unsigned)(r[4] << 24 | r[5] << 16 | r[6] << 8 | r[7]);
        if ((r[0] << 8 | r[1]) == 3 && (r[2] << 8 | r[3]) == 1 && off + 8 <= len) {
            assert_int_equal(d[off] << 8 | d[off + 1], 4);
            segs = (unsigned)(d[off + 6] << 8 | d[off + 7]) / 2;
        }
    }
    hb_blob_destroy(cmap);
    assert_true(segs >= 2);  /* found; HarfBuzz's cmap has 43 and a last one */
    assert_true(segs <= 4);  /* printable ASCII (always in), the ideographs, 0xFFFF */
    hb_font_destroy(fs);
    hb_font_destroy(ff);
    hb_face_destroy(sub);
    hb_face_destroy(full);
    font_close(f);
    sb_release(&text);
}

/* libharu's error, if any, for the font_boundary test. */
static HPDF_STATUS haru_status;
static void haru_note(HPDF_STATUS code, HPDF_STATUS detail, void *data)
{
    (void)detail, (void)data;
    if (!haru_status)
        haru_status = code;
}

/* Saves a one-line PDF of text in the run's font and returns the size of
 * the table data libharu wrote for the embedded font: /Length1 less its
 * 12 + 16 x 13-byte table directory. Sets haru_status on a library error. */
static long embedded_font_tables(const render_font *f, const char *text)
{
    haru_status = 0;
    HPDF_Doc pdf = HPDF_New(haru_note, NULL);
    HPDF_UseUTFEncodings(pdf);
    const char *name = HPDF_LoadTTFontFromFile(pdf, font_subset_path(f), HPDF_TRUE);
    HPDF_Page page = HPDF_AddPage(pdf);
    HPDF_Page_BeginText(page);
    HPDF_Page_SetFontAndSize(page, HPDF_GetFont(pdf, name, "UTF-8"), 10);
    HPDF_Page_ShowText(page, text);
    HPDF_Page_EndText(page);
    long tables = -1;
    if (HPDF_SaveToStream(pdf) == HPDF_OK) {
        HPDF_UINT32 n = HPDF_GetStreamSize(pdf);
        char *buf = malloc(n + 1);
        HPDF_ReadFromStream(pdf, (HPDF_BYTE *)buf, &n);
        buf[n] = 0;
        const char *l = memmem(buf, n, "/Length1 ", 9);
        if (l)
            tables = strtol(l + 9, NULL, 10) - (12 + 16 * 13);
        free(buf);
    }
    HPDF_Free(pdf);
    return tables;
}

/* libharu 2.3.0 cannot seek to the end of its font stream when that end
 * falls on a 4096-byte boundary; a table the font lacks ('prep', in
 * WenQuanYi Zen Hei) is written empty at that very end, and the PDF fails
 * with 0x1033 (the demo's annual-2025-0102.bilingual.pdf did). The test
 * picks characters whose glyphs bring the font's tables to a multiple of
 * 4096 bytes and saves that document. */
static void test_font_ending_on_a_4096_boundary_saves(void **state)
{
    (void)state;
    const char *pool = "门急诊人次环比上升平均住院日天缩短手术收入结余药品耗材检查化验治疗护理床位使用率"
                       "周转出院患者费用医保支付病组权重时间消耗指数低风险死亡预约微创日间抗菌强度科室"
                       "内外妇儿骨心血管神经呼吸消化肾肿瘤眼耳鼻喉口腔皮肤康复急重症麻醉放射超声核医学"
                       "检验病理营养感染预防质量安全效率经济运营分析报告季度年度专题改进建议发现原因";
    render_font *f = test_font(pool);
    const char *seed = "门";
    long base = embedded_font_tables(f, seed);
    assert_true(base > 0);
    /* what each further character adds: its glyph's bytes */
    enum { MAXC = 200, SPAN = 2 * 4096 };
    char chars[MAXC][5];
    long add[MAXC];
    int nc = 0;
    for (size_t i = 3; pool[i] && nc < MAXC;) { /* skip the seed */
        uint32_t cp;
        int n = utf8_decode(pool + i, strlen(pool + i), &cp);
        memcpy(chars[nc], pool + i, (size_t)n);
        chars[nc][n] = 0;
        char text[16];
        snprintf(text, sizeof text, "%s%s", seed, chars[nc]);
        add[nc] = embedded_font_tables(f, text) - base;
        assert_int_equal(haru_status, 0);
        if (add[nc] > 0)
            nc++;
        i += (size_t)n;
    }
    /* subset sum: reach[s] = the last character that first reached s extra bytes */
    static short reach[SPAN + 1], from[SPAN + 1];
    for (int s = 0; s <= SPAN; s++)
        reach[s] = -1;
    reach[0] = MAXC;
    for (int c = 0; c < nc; c++)
        for (long s = SPAN; s >= add[c]; s--)
            if (reach[s] < 0 && reach[s - add[c]] >= 0)
                reach[s] = (short)c, from[s] = (short)(s - add[c]);
    long target = (4096 - base % 4096) % 4096;
    while (target <= SPAN && reach[target] < 0)
        target += 4096;
    assert_true(target <= SPAN); /* the pool's glyphs can reach a boundary */
    strbuf text = STRBUF_INIT;
    sb_addstr(&text, seed);
    for (long s = target; s > 0; s = from[s])
        sb_addstr(&text, chars[reach[s]]);
    long tables = embedded_font_tables(f, text.buf);
    assert_int_equal(haru_status, 0);
    assert_int_equal(tables % 4096, 0);
    sb_release(&text);
    font_close(f);
}

static void test_line_breaking(void **state)
{
    (void)state;
    const char *zh = "门急诊人次环比上升，平均住院日（天）缩短。";
    render_font *f = test_font(zh);
    /* every CJK glyph is 1 em wide in wqy-zenhei: 10 pt text, 45 pt = 4.5 chars */
    assert_true(fabs(font_advance(f, 0x95E8) - 1000) < 1);
    layout_lines l;
    layout_wrap(f, zh, 10, 35, &l);
    for (size_t i = 0; i < l.count; i++) {
        uint32_t first, last = 0;
        utf8_decode(l.line[i], strlen(l.line[i]), &first);
        for (size_t k = 0; l.line[i][k];) {
            k += (size_t)utf8_decode(l.line[i] + k, strlen(l.line[i] + k), &last);
        }
        assert_false(layout_no_line_start(first));
        assert_false(layout_no_line_end(last));
        assert_true(font_text_width(f, l.line[i], 10) <= 35.01);
    }
    strbuf joined = STRBUF_INIT;
    for (size_t i = 0; i < l.count; i++)
        sb_addstr(&joined, l.line[i]);
    assert_string_equal(joined.buf, zh); /* nothing lost */
    /* line 4 would start with "，": "升" moves down with it */
    assert_string_equal(l.line[0], "门急诊");
    assert_string_equal(l.line[1], "人次环");
    assert_string_equal(l.line[2], "比上");
    assert_string_equal(l.line[3], "升，平");
    layout_lines_free(&l);
    sb_release(&joined);

    layout_wrap(f, "Average length of stay fell", 10,
                font_text_width(f, "Average length", 10) + 1, &l);
    assert_int_equal(l.count, 2);
    assert_string_equal(l.line[0], "Average length");
    assert_string_equal(l.line[1], "of stay fell");
    layout_lines_free(&l);
    /* a minus stays with its number; a hyphen in a word still breaks */
    layout_wrap(f, "fell by -3.5 pp", 10, font_text_width(f, "fell by -", 10) + 1, &l);
    assert_string_equal(l.line[0], "fell by");
    assert_string_equal(l.line[1], "-3.5 pp");
    layout_lines_free(&l);
    layout_wrap(f, "medical-technology", 10, font_text_width(f, "medical-", 10) + 1, &l);
    assert_string_equal(l.line[0], "medical-");
    layout_lines_free(&l);
    layout_wrap(f, "12345678901234567890", 10, 30, &l); /* a number wider than the cell */
    assert_true(l.count > 1);
    for (size_t i = 0; i < l.count; i++)
        assert_true(font_text_width(f, l.line[i], 10) <= 30.01);
    layout_lines_free(&l);
    font_close(f);
}

static void test_formats(void **state)
{
    (void)state;
    char p[64];
    i18n_begin();
    period per;
    hr_error err;
    assert_int_equal(period_parse("2026-10", &per, &err), 0);
    assert_string_equal(i18n_period(LANG_ZH, &per, p, sizeof p), "2026年10月");
    assert_string_equal(i18n_period(LANG_EN, &per, p, sizeof p), "October 2026");
    assert_int_equal(period_parse("2026-Q3", &per, &err), 0);
    assert_string_equal(i18n_period(LANG_EN, &per, p, sizeof p), "Q3 2026");
    assert_string_equal(i18n_period(LANG_ZH, &per, p, sizeof p), "2026年第3季度");
    assert_int_equal(period_parse("2026", &per, &err), 0);
    assert_string_equal(i18n_period(LANG_ZH, &per, p, sizeof p), "2026年");
    assert_string_equal(i18n_period(LANG_EN, &per, p, sizeof p), "2026");
    i18n_end();
    double first, last, step;
    chart_nice_ticks(3.2, 97.5, 5, &first, &last, &step);
    assert_true(step == 20 && first == 0 && last == 100);
    chart_nice_ticks(-730, 910, 5, &first, &last, &step);
    assert_true(step == 500 && first == -1000 && last == 1000);
}

/* The report number of a department is the same whether it is rendered
 * alone or with every scope (001 is always the hospital). */
static void report_number(const char *pdf, char *out, size_t size)
{
    strbuf t = STRBUF_INIT;
    tk_pdf_text(pdf, 1, &t);
    const char *p = strstr(t.buf, "monthly-2026-10-");
    assert_non_null(p);
    snprintf(out, size, "%.19s", p);
    sb_release(&t);
}

static void test_report_numbers_are_stable(void **state)
{
    (void)state;
    char all[128], one[128], pdf[256], a[32], b[32], h[32];
    snprintf(all, sizeof all, "%s/numbers-all", tmpdir);
    snprintf(one, sizeof one, "%s/numbers-one", tmpdir);
    hr_error err;
    sqlite3 *db = fixture_db("numbers");
    assert_true(render(db, SUMMARY, "all", "en", all, &err) > 2);
    assert_int_equal(render(db, SUMMARY, "D07", "en", one, &err), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D07.en.pdf", all);
    report_number(pdf, a, sizeof a);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D07.en.pdf", one);
    report_number(pdf, b, sizeof b);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", all);
    report_number(pdf, h, sizeof h);
    assert_string_equal(a, b);
    assert_string_equal(h, "monthly-2026-10-001");
    assert_string_not_equal(a, h);
    db_close(db);
}

/* Rendering on several worker processes writes exactly what one process
 * writes, records every PDF in the registry, and a failure inside a worker
 * comes back as the run's error. */
static void test_parallel_workers_match_serial(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1790000000", 1);
    char one[128], two[128];
    snprintf(one, sizeof one, "%s/jobs1", tmpdir);
    snprintf(two, sizeof two, "%s/jobs2", tmpdir);
    hr_error err;
    sqlite3 *db1 = fixture_db("jobs1"), *db2 = fixture_db("jobs2");
    setenv("HOSPREPORT_JOBS", "1", 1);
    int n1 = render(db1, SUMMARY, "all", "all", one, &err);
    setenv("HOSPREPORT_JOBS", "2", 1);
    int n2 = render(db2, SUMMARY, "all", "all", two, &err);
    assert_true(n1 >= 6);
    assert_int_equal(n1, n2);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && sha256sum *.pdf > ../sums1 && cd '%s' && sha256sum *.pdf > ../sums2 && "
             "cmp -s ../sums1 ../sums2",
             one, two);
    assert_int_equal(system(cmd), 0);
    int64_t recorded = 0;
    assert_int_equal(db_query_int(db2, &recorded, &err, "SELECT count(*) FROM report_run", NULL),
                     1);
    assert_int_equal(recorded, n2);

    /* A folder where one PDF must go makes that save fail, in whichever
     * worker renders it, naming the PDF; no temporary file is left. */
    char blocker[256], three[128];
    snprintf(three, sizeof three, "%s/jobs3", tmpdir);
    snprintf(blocker, sizeof blocker, "%s/monthly-2026-10-hospital.en.pdf", three);
    assert_int_equal(mkdir(three, 0777), 0);
    assert_int_equal(mkdir(blocker, 0777), 0);
    tk_write_file(strcat(strcpy(cmd, blocker), "/inside"), "x");
    sqlite3 *db3 = fixture_db("jobs3");
    assert_true(render(db3, SUMMARY, "all", "all", three, &err) < 0);
    assert_string_equal(err.file, blocker);
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c hospreport-", three);
    FILE *p = popen(cmd, "r");
    char line[32] = "";
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    assert_int_equal(atoi(line), 0);
    unsetenv("HOSPREPORT_JOBS");
    unsetenv("SOURCE_DATE_EPOCH");
    db_close(db1), db_close(db2), db_close(db3);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-render");
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
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_line_breaking),
        cmocka_unit_test(test_subset_cmap_compact),
        cmocka_unit_test(test_monthly_both_languages),
        cmocka_unit_test(test_tounicode_cmap),
        cmocka_unit_test(test_font_ending_on_a_4096_boundary_saves),
        cmocka_unit_test(test_table_repeats_header_across_pages),
        cmocka_unit_test(test_template_errors_name_the_line),
        cmocka_unit_test(test_draft_mark_and_reproducible),
        cmocka_unit_test(test_full_zh_and_no_patient_key),
        cmocka_unit_test(test_parallel_workers_match_serial),
        cmocka_unit_test(test_report_numbers_are_stable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
