/*
 * test_render_glyphs.c -- every CJK glyph a report uses has ink where it
 * should. The characters of a rendered Chinese report (read back with
 * pdftotext) are drawn again, spaced, at 24 pt through the render engine;
 * pdftoppm rasterizes that PDF and pdftotext -bbox locates each character.
 * The ink in each box is compared with a reference coverage computed here
 * from the original font's outlines (HarfBuzz draw API, nonzero winding).
 * The second test shows the checker fails a font without the glyphs at all;
 * the third renders in WenQuanYi Micro Hei, whose composite glyphs (made of
 * references to other glyphs, which an embedding can lose) must keep every
 * stroke in our PDF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hb.h>
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

#define DPI 72
#define SIZE_PT 24

static char tmpdir[64];

static sqlite3 *fixture_db(void)
{
    return tk_fixture_db(tmpdir, "glyphs", "tests/data/render/fixture.sql");
}

/* ---- a reference rasterizer: flattened outline, nonzero winding ---- */
typedef struct outline {
    double *xy; /* pairs of points; a contour ends with NAN NAN */
    size_t n, alloc;
    double cx, cy, sx, sy;
} outline;

static void pt(outline *o, double x, double y)
{
    if (o->n + 2 > o->alloc) {
        o->alloc = o->alloc ? o->alloc * 2 : 256;
        o->xy = realloc(o->xy, o->alloc * sizeof *o->xy);
    }
    o->xy[o->n++] = x;
    o->xy[o->n++] = y;
    o->cx = x, o->cy = y;
}

static void mv(hb_draw_funcs_t *f, void *d, hb_draw_state_t *s, float x, float y, void *u)
{
    (void)f, (void)s, (void)u;
    outline *o = d;
    pt(o, NAN, NAN);
    pt(o, x, y);
    o->sx = x, o->sy = y;
}
static void ln(hb_draw_funcs_t *f, void *d, hb_draw_state_t *s, float x, float y, void *u)
{
    (void)f, (void)s, (void)u;
    pt(d, x, y);
}
static void qd(hb_draw_funcs_t *f, void *d, hb_draw_state_t *s, float cx, float cy, float x,
               float y, void *u)
{
    (void)f, (void)s, (void)u;
    outline *o = d;
    double x0 = o->cx, y0 = o->cy;
    for (int i = 1; i <= 8; i++) {
        double t = i / 8.0, a = (1 - t) * (1 - t), b = 2 * t * (1 - t), c = t * t;
        pt(o, a * x0 + b * cx + c * x, a * y0 + b * cy + c * y);
    }
}
static void cu(hb_draw_funcs_t *f, void *d, hb_draw_state_t *s, float c1x, float c1y, float c2x,
               float c2y, float x, float y, void *u)
{
    (void)f, (void)s, (void)u;
    outline *o = d;
    double x0 = o->cx, y0 = o->cy;
    for (int i = 1; i <= 8; i++) {
        double t = i / 8.0, m = 1 - t;
        pt(o, m * m * m * x0 + 3 * m * m * t * c1x + 3 * m * t * t * c2x + t * t * t * x,
           m * m * m * y0 + 3 * m * m * t * c1y + 3 * m * t * t * c2y + t * t * t * y);
    }
}
static void cl(hb_draw_funcs_t *f, void *d, hb_draw_state_t *s, void *u)
{
    (void)f, (void)s, (void)u;
    outline *o = d;
    pt(o, o->sx, o->sy);
}

/* Pixels (at SIZE_PT, DPI) whose centre the glyph covers. */
static int reference_pixels(hb_font_t *font, uint32_t cp)
{
    hb_codepoint_t gid;
    if (!hb_font_get_nominal_glyph(font, cp, &gid))
        return -1;
    static hb_draw_funcs_t *funcs;
    if (!funcs) {
        funcs = hb_draw_funcs_create();
        hb_draw_funcs_set_move_to_func(funcs, mv, NULL, NULL);
        hb_draw_funcs_set_line_to_func(funcs, ln, NULL, NULL);
        hb_draw_funcs_set_quadratic_to_func(funcs, qd, NULL, NULL);
        hb_draw_funcs_set_cubic_to_func(funcs, cu, NULL, NULL);
        hb_draw_funcs_set_close_path_func(funcs, cl, NULL, NULL);
    }
    outline o = {0};
    hb_font_get_glyph_shape(font, gid, funcs, &o); /* HarfBuzz 6 name of draw_glyph */
    double scale = (double)SIZE_PT * DPI / 72.0 / hb_face_get_upem(hb_font_get_face(font));
    double minx = 1e9, miny = 1e9, maxx = -1e9, maxy = -1e9;
    for (size_t i = 0; i < o.n; i += 2)
        if (!isnan(o.xy[i])) {
            o.xy[i] *= scale, o.xy[i + 1] *= scale;
            minx = fmin(minx, o.xy[i]), maxx = fmax(maxx, o.xy[i]);
            miny = fmin(miny, o.xy[i + 1]), maxy = fmax(maxy, o.xy[i + 1]);
        }
    int count = 0;
    for (double py = floor(miny) + 0.5; py < maxy; py += 1)
        for (double px = floor(minx) + 0.5; px < maxx; px += 1) {
            int wind = 0;
            for (size_t i = 0; i + 3 < o.n; i += 2) {
                double x1 = o.xy[i], y1 = o.xy[i + 1], x2 = o.xy[i + 2], y2 = o.xy[i + 3];
                if (isnan(x1) || isnan(x2))
                    continue;
                if ((y1 <= py) != (y2 <= py)) {
                    double x = x1 + (py - y1) / (y2 - y1) * (x2 - x1);
                    if (x > px)
                        wind += y2 > y1 ? 1 : -1;
                }
            }
            count += wind != 0;
        }
    free(o.xy);
    return count;
}

/* ---- the raster of the PDF ---- */
typedef struct pgm {
    int w, h;
    unsigned char *px;
} pgm;

static void read_pgm(const char *path, pgm *g)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    int maxv;
    assert_int_equal(fscanf(f, "P5 %d %d %d", &g->w, &g->h, &maxv), 3);
    fgetc(f);
    g->px = malloc((size_t)g->w * (size_t)g->h);
    assert_int_equal(fread(g->px, 1, (size_t)g->w * (size_t)g->h, f), (size_t)g->w * (size_t)g->h);
    fclose(f);
}

static int render(sqlite3 *db, const char *tpl, const char *scope, const char *out)
{
    render_options o = {"monthly", "2026-10", scope, "zh_CN", tpl, out, 0};
    int written = 0;
    hr_error err;
    hr_error_clear(&err);
    int rc = render_reports(db, &o, &written, &err);
    if (rc) {
        char m[1024];
        print_message("%s\n", hr_error_format(&err, m, sizeof m));
    }
    return rc;
}

static void run_cmd(const char *cmd, strbuf *out)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sb_add(out, buf, n);
    assert_int_equal(pclose(p), 0);
}

static int ink_check_pdf(const char *pdf, const char *chars, const char *reference_path,
                         strbuf *bad);

/* Draws `chars` (UTF-8, one character per word) with the engine and the font
 * font_path, then returns how many characters lack the ink the reference
 * font's outlines call for; their list goes to bad. */
static int check_ink(sqlite3 *db, const char *chars, const char *font_path,
                     const char *reference_path, strbuf *bad)
{
    char tpl[256], out[256];
    snprintf(tpl, sizeof tpl, "%s/glyphs.xml", tmpdir);
    snprintf(out, sizeof out, "%s/glyphs-out", tmpdir);
    FILE *f = fopen(tpl, "w");
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report title=\"Glyphs\">\n"
               "<settings font-size=\"%d\"/>\n<p>%s</p>\n</report>\n", SIZE_PT, chars);
    fclose(f);
    setenv("HOSPREPORT_FONT", font_path, 1);
    int rc = render(db, tpl, "hospital", out);
    unsetenv("HOSPREPORT_FONT");
    assert_int_equal(rc, 0);
    char pdf[300];
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.zh_CN.pdf", out);
    return ink_check_pdf(pdf, chars, reference_path, bad);
}

/* The ink check of page 1 of a PDF on which `chars` are drawn at SIZE_PT. */
static int ink_check_pdf(const char *pdf, const char *chars, const char *reference_path,
                         strbuf *bad)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "pdftoppm -q -r %d -gray -f 1 -l 1 '%s' '%s/page'", DPI, pdf, tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -q -bbox -f 1 -l 1 '%s' -", pdf);
    strbuf html = STRBUF_INIT;
    run_cmd(cmd, &html);
    char pgm_path[300];
    snprintf(pgm_path, sizeof pgm_path, "%s/page-1.pgm", tmpdir);
    pgm g;
    read_pgm(pgm_path, &g);

    hb_blob_t *blob = hb_blob_create_from_file(reference_path);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_font_t *font = hb_font_create(face);
    int missing = 0, checked = 0;
    for (const char *s = html.buf; (s = strstr(s, "<word ")); s++) {
        double x0, y0, x1, y1;
        char word[64];
        if (sscanf(s, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%63[^<]", &x0,
                   &y0, &x1, &y1, word) != 5)
            continue;
        uint32_t cp;
        if (utf8_decode(word, strlen(word), &cp) != (int)strlen(word) || cp < 0x80)
            continue; /* header/footer words, ASCII */
        if (strstr(chars, word) == NULL || y1 - y0 < SIZE_PT * 0.8)
            continue; /* not one of ours (the footer has 第 and 页 at 8 pt) */
        int ref = reference_pixels(font, cp);
        double ink = 0;
        for (int y = (int)y0 - 2; y < (int)y1 + 2; y++)
            for (int x = (int)x0 - 2; x < (int)x1 + 2; x++)
                if (x >= 0 && y >= 0 && x < g.w && y < g.h)
                    ink += (255 - g.px[y * g.w + x]) / 255.0;
        checked++;
        if (ref <= 0 || ink < 0.7 * ref || ink > 1.4 * ref + 4) {
            missing++;
            sb_addf(bad, "%s(ink %.0f, expected %d) ", word, ink, ref);
        }
    }
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    free(g.px);
    sb_release(&html);
    int expected = 0;
    for (const char *c = chars; *c; c++)
        expected += *c != ' ' && (*c & 0xC0) != 0x80;
    assert_int_equal(checked, expected); /* every character was found and checked */
    return missing;
}

static void test_every_cjk_glyph_has_ink(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    char out[256], cmd[512];
    snprintf(out, sizeof out, "%s/full", tmpdir);
    assert_int_equal(render(db, "tests/data/render/full.xml", "hospital", out), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -q '%s/monthly-2026-10-hospital.zh_CN.pdf' -", out);
    strbuf text = STRBUF_INIT, chars = STRBUF_INIT, bad = STRBUF_INIT;
    run_cmd(cmd, &text);
    int seen[0x10000] = {0}, n = 0;
    for (size_t i = 0; i < text.len;) {
        uint32_t cp;
        int len = utf8_decode(text.buf + i, text.len - i, &cp);
        if (cp >= 0x3400 && cp <= 0x9FFF && !seen[cp]) {
            seen[cp] = 1;
            sb_add(&chars, text.buf + i, (size_t)len);
            sb_addch(&chars, ' ');
            n++;
        }
        i += (size_t)len;
    }
    assert_true(n > 150); /* the report uses many characters */
    int missing = check_ink(db, chars.buf, paths_font_file(), paths_font_file(), &bad);
    if (missing)
        fail_msg("%d of %d characters without their ink: %s", missing, n, bad.buf);
    sb_release(&text);
    sb_release(&chars);
    sb_release(&bad);
    db_close(db);
}

/* The synthetic negative case: a font without the glyphs at all (DejaVu
 * Sans; its composite accents draw correctly through the engine). Partial
 * loss shows the same way, as ink below 70 % of the reference: see the
 * Micro Hei test below for a real font losing strokes. */
static void test_checker_fails_a_font_that_loses_glyphs(void **state)
{
    (void)state;
    const char *dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if (access(dejavu, R_OK) != 0)
        skip();
    sqlite3 *db = fixture_db();
    strbuf bad = STRBUF_INIT;
    const char *chars = "门 急 诊 人 次 é ü";
    int missing = check_ink(db, chars, dejavu, paths_font_file(), &bad);
    print_message("drawn with DejaVu Sans: %d flagged: %s\n", missing, bad.buf);
    assert_int_equal(missing, 5); /* every CJK character; the accented letters are fine */
    sb_reset(&bad);
    assert_int_equal(check_ink(db, chars, paths_font_file(), paths_font_file(), &bad), 0);
    sb_release(&bad);
    db_close(db);
}

/* Whether the glyph of cp in face is a composite (TrueType glyf: a
 * negative number of contours), read from the font's own tables. */
static int is_composite(hb_face_t *face, hb_font_t *font, uint32_t cp)
{
    hb_codepoint_t gid;
    if (!hb_font_get_nominal_glyph(font, cp, &gid))
        return 0;
    hb_blob_t *head = hb_face_reference_table(face, HB_TAG('h', 'e', 'a', 'd'));
    hb_blob_t *loca = hb_face_reference_table(face, HB_TAG('l', 'o', 'c', 'a'));
    hb_blob_t *glyf = hb_face_reference_table(face, HB_TAG('g', 'l', 'y', 'f'));
    unsigned hn, ln, gn;
    const unsigned char *h = (const unsigned char *)hb_blob_get_data(head, &hn);
    const unsigned char *l = (const unsigned char *)hb_blob_get_data(loca, &ln);
    const unsigned char *g = (const unsigned char *)hb_blob_get_data(glyf, &gn);
    int composite = 0;
    if (hn >= 54) {
        int long_offsets = (h[50] << 8 | h[51]) == 1;
        size_t off = 0, next = 0;
        if (long_offsets && (gid + 2) * 4 <= ln) {
            const unsigned char *e = l + gid * 4;
            off = (size_t)e[0] << 24 | (size_t)e[1] << 16 | (size_t)e[2] << 8 | e[3];
            next = (size_t)e[4] << 24 | (size_t)e[5] << 16 | (size_t)e[6] << 8 | e[7];
        } else if (!long_offsets && (gid + 2) * 2 <= ln) {
            const unsigned char *e = l + gid * 2;
            off = 2 * (size_t)(e[0] << 8 | e[1]);
            next = 2 * (size_t)(e[2] << 8 | e[3]);
        }
        if (next > off && off + 2 <= gn)
            composite = (int16_t)(g[off] << 8 | g[off + 1]) < 0;
    }
    hb_blob_destroy(head);
    hb_blob_destroy(loca);
    hb_blob_destroy(glyf);
    return composite;
}

/* The distinct CJK characters of full.xml's Chinese PDF, space separated. */
static int report_chars(sqlite3 *db, strbuf *chars)
{
    char out[256], cmd[512];
    snprintf(out, sizeof out, "%s/full", tmpdir);
    assert_int_equal(render(db, "tests/data/render/full.xml", "hospital", out), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -q '%s/monthly-2026-10-hospital.zh_CN.pdf' -", out);
    strbuf text = STRBUF_INIT;
    run_cmd(cmd, &text);
    static char seen[0x10000];
    memset(seen, 0, sizeof seen);
    int n = 0;
    for (size_t i = 0; i < text.len;) {
        uint32_t cp;
        int len = utf8_decode(text.buf + i, text.len - i, &cp);
        if (cp >= 0x3400 && cp <= 0x9FFF && !seen[cp] && n < 16 * 22) {
            seen[cp] = 1;
            sb_add(chars, text.buf + i, (size_t)len);
            sb_addch(chars, ' ');
            n++;
        }
        i += (size_t)len;
    }
    sb_release(&text);
    return n;
}

/*
 * Our guarantee for composite glyphs: WenQuanYi Micro Hei
 * (fonts-wqy-microhei) draws many of the report's characters as composites
 * (glyphs made of references to other glyphs: counted below from its glyf
 * table, so the test knows it exercises them). A PDF of ours in that font
 * (HOSPREPORT_FONT) has every stroke of every one of them: the engine
 * subsets with HarfBuzz first, which keeps the components a composite
 * references (embedding the .ttc as it is, libharu 2.3.0 loses them:
 * 急 诊 次 院 收 报 came out blank).
 */
static void test_composite_glyphs_keep_every_stroke(void **state)
{
    (void)state;
    const char *micro = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
    if (access(micro, R_OK) != 0)
        skip();
    sqlite3 *db = fixture_db();
    strbuf chars = STRBUF_INIT, bad = STRBUF_INIT;
    int n = report_chars(db, &chars);
    assert_true(n > 150);
    hb_blob_t *blob = hb_blob_create_from_file(micro);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_font_t *font = hb_font_create(face);
    int composites = 0;
    for (size_t i = 0; i < chars.len;) {
        uint32_t cp;
        int len = utf8_decode(chars.buf + i, chars.len - i, &cp);
        composites += cp != ' ' && is_composite(face, font, cp);
        i += (size_t)len;
    }
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    print_message("Micro Hei: %d of the report's %d characters are composite glyphs\n",
                  composites, n);
    assert_true(composites >= 10); /* measured: dozens */
    int lost = check_ink(db, chars.buf, micro, micro, &bad);
    if (lost)
        fail_msg("Micro Hei through the engine: %d flagged: %s", lost, bad.buf);
    sb_release(&chars);
    sb_release(&bad);
    db_close(db);
}

/* A section heading's rule is drawn below the heading's descenders, not
 * through them (要, 摘 and g, j, p, q, y reach below the baseline). The page
 * is rasterised at 288 dpi; every rule (a row dark over most of the page's
 * width) must have white rows between it and the ink above it. */
static void test_heading_rule_clears_the_text(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db();
    char tpl[256], out[256];
    snprintf(tpl, sizeof tpl, "%s/heading.xml", tmpdir);
    snprintf(out, sizeof out, "%s/heading-out", tmpdir);
    tk_write_file(tpl, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report title=\"Heading\">\n"
                       "<h level=\"1\">执行摘要要 gjpqy</h>\n<p>正文。</p>\n</report>\n");
    assert_int_equal(render(db, tpl, "hospital", out), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "pdftoppm -q -r 288 -gray -f 1 -l 1 '%s/monthly-2026-10-hospital.zh_CN.pdf' "
             "'%s/heading'", out, tmpdir);
    assert_int_equal(system(cmd), 0);
    char path[300];
    snprintf(path, sizeof path, "%s/heading-1.pgm", tmpdir);
    pgm g;
    read_pgm(path, &g);
    int rules = 0;
    for (int y = 1; y < g.h; y++) {
        int dark = 0, prev = 0, x0 = g.w, x1 = 0;
        for (int x = 0; x < g.w; x++) {
            dark += g.px[y * g.w + x] < 160;
            prev += g.px[(y - 1) * g.w + x] < 160;
            if (g.px[y * g.w + x] < 160)
                x0 = x < x0 ? x : x0, x1 = x;
        }
        if (dark < g.w / 2 || prev >= g.w / 2)
            continue; /* not the top row of a rule */
        rules++;
        int gap = 0; /* white rows above the rule, over its width */
        for (int yy = y - 1; yy >= 0; yy--, gap++) {
            int ink = 0;
            for (int x = x0; x <= x1 && !ink; x++)
                ink = g.px[yy * g.w + x] < 200;
            if (ink)
                break;
        }
        if (gap < 4) /* 1 pt at 288 dpi */
            fail_msg("the rule at row %d touches the ink above it (%d white rows)", y, gap);
    }
    assert_true(rules >= 1);
    free(g.px);
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-glyphs");
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
        cmocka_unit_test(test_every_cjk_glyph_has_ink),
        cmocka_unit_test(test_checker_fails_a_font_that_loses_glyphs),
        cmocka_unit_test(test_composite_glyphs_keep_every_stroke),
        cmocka_unit_test(test_heading_rule_clears_the_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
