/*
 * pdfout.c -- one PDF: its libharu document (error handler, compression,
 * the subset font, document information), the template's page settings,
 * the drawing of the body, and the file written under a temporary name
 * renamed when complete -- with the work-around libharu 2.3.0 needs to
 * save some documents and the real /ToUnicode map (pdffix.c).
 */
#include "stages/render/request.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/utf8.h"
#include "pipeline/core/xalloc.h"
#include "stages/render/pdffix.h"
#include "stages/render/template.h"

/* strerror() in the C locale: the renderer switches gettext's LANGUAGE,
 * which would otherwise translate libc's messages into the report's
 * language; errors are for the person at the terminal. */
const char *render_system_error(int errnum)
{
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return c_locale ? strerror_l(errnum, c_locale) : strerror(errnum);
}

static void haru_error(HPDF_STATUS code, HPDF_STATUS detail, void *data)
{
    hr_error *err = data;
    if (err->code != HR_OK)
        return;
    /* File errors carry errno as their detail: say it as the system does. */
    if (code == HPDF_FILE_OPEN_ERROR || code == HPDF_FILE_IO_ERROR)
        hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot write the PDF: %s",
                     detail ? render_system_error((int)detail) : "I/O error");
    else
        hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "PDF library error 0x%04X (detail %u)",
                     (unsigned)code, (unsigned)detail);
}

static void set_info(rctx *c, HPDF_Doc pdf, const run *r)
{
    i18n_lang lang = ctx_primary(c);
    char title[512], label[64];
    snprintf(title, sizeof title, "%s %s %s", i18n_tr(lang, c->title_id),
             i18n_period(lang, &r->per, label, sizeof label), c->scope_name[lang]);
    char clean[512];
    HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, utf8_clean(clean, sizeof clean, title));
    HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, utf8_clean(clean, sizeof clean, r->author));
    HPDF_SetInfoAttr(pdf, HPDF_INFO_SUBJECT, c->report_no);
    snprintf(title, sizeof title, "%s, %s, %s, %s", c->kind, r->period_text, c->scope,
             c->mode == MODE_EN ? "en" : c->mode == MODE_ZH ? "zh_CN" : "bilingual");
    HPDF_SetInfoAttr(pdf, HPDF_INFO_KEYWORDS, utf8_clean(clean, sizeof clean, title));
    HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "hospreport");
    char now[32];
    db_now(now, sizeof now);
    HPDF_Date d = {0};
    sscanf(now, "%d-%d-%dT%d:%d:%d", &d.year, &d.month, &d.day, &d.hour, &d.minutes, &d.seconds);
    d.ind = 'Z';
    HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, d);
}

static void settings(rctx *c)
{
    xmlNodePtr root = xmlDocGetRootElement(c->tpl);
    tpl_attr_buf(root, "title", N_("Operations Analysis Report"), c->title_id, sizeof c->title_id);
    c->page_w = 595.276, c->page_h = 841.89; /* A4 */
    double margin_mm = 18;
    c->base_size = 10;
    for (xmlNodePtr n = root->children; n; n = n->next)
        if (tpl_is(n, "settings")) {
            margin_mm = tpl_attr_num(n, "margin-mm", margin_mm);
            c->base_size = tpl_attr_num(n, "font-size", c->base_size);
            char orient[16];
            if (!strcmp(tpl_attr_buf(n, "orientation", "portrait", orient, sizeof orient),
                        "landscape"))
                c->page_w = 841.89, c->page_h = 595.276;
        }
    c->margin_l = c->margin_r = margin_mm * 72 / 25.4;
    c->margin_t = c->margin_b = margin_mm * 72 / 25.4 + 10;
}

/*
 * The PDF is saved into libharu's memory stream, mended (pdffix.c) and
 * written by paths_out_*: a unique temporary file in the folder, synced and
 * renamed over the final name, so two runs writing one folder never mix
 * their bytes, and a write error is the system's (No space left on
 * device), with the file's name.
 *
 * libharu 2.3.0 rebuilds the embedded TrueType at save time from the glyphs
 * the document used, in a memory stream of 4096-byte blocks; seeking to the
 * very end of that stream fails (HPDF_INVALID_OBJECT) when its size is an
 * exact multiple of the block size -- about one document in a thousand.
 * When that happens, marking one more glyph as used changes the size: draw
 * one invisible character outside the first page's box and save again.
 */
static int save_pdf(rctx *c, strbuf *out, hr_error *err)
{
    static const char pad[] = "0123456789.-ABCDEFGHIJabcdefghij";
    for (size_t i = 0;; i++) {
        if (HPDF_SaveToStream(c->pdf) == HPDF_OK && !err->code) {
            c->text_blocks[0] = 1; /* the padding below, if it was needed */
            HPDF_UINT32 size = HPDF_GetStreamSize(c->pdf);
            sb_grow(out, (size_t)size + 1);
            HPDF_ResetStream(c->pdf);
            HPDF_UINT32 got = size;
            HPDF_STATUS st = HPDF_ReadFromStream(c->pdf, (HPDF_BYTE *)out->buf, &got);
            if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || got != size)
                return hr_error_set(err, HR_EFAIL, NULL, 0, NULL,
                                    "cannot read back the PDF from libharu's stream");
            out->len = got;
            out->buf[got] = '\0';
            char *fixed = NULL;
            size_t fixed_len = 0;
            if (pdf_fix_tounicode_mem(out->buf, out->len, c->text_blocks, &fixed, &fixed_len)) {
                sb_reset(out);
                sb_add(out, fixed, fixed_len);
                free(fixed);
            }
            return HR_OK;
        }
        if (HPDF_GetError(c->pdf) != HPDF_INVALID_OBJECT || i == sizeof pad - 1 ||
            c->npages == 0)
            return err->code ? err->code
                             : hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot make the PDF");
        HPDF_ResetError(c->pdf);
        hr_error_clear(err);
        char one[2] = {pad[i], '\0'};
        HPDF_Page p = c->pages[0];
        HPDF_Page_BeginText(p);
        HPDF_Page_SetTextRenderingMode(p, HPDF_INVISIBLE);
        HPDF_Page_SetFontAndSize(p, c->hfont, 1);
        HPDF_Page_TextOut(p, -50, -50, one);
        HPDF_Page_SetTextRenderingMode(p, HPDF_FILL);
        HPDF_Page_EndText(p);
    }
}

static int write_pdf(rctx *c, const char *path, hr_error *err)
{
    strbuf pdf = STRBUF_INIT;
    paths_out o;
    int rc = save_pdf(c, &pdf, err);
    if (rc)
        hr_error_locate(err, path, 0, NULL);
    else if (!(rc = paths_out_open(&o, path, err)) &&
             !(rc = paths_out_write(&o, pdf.buf, pdf.len, err)))
        rc = paths_out_commit(&o, err);
    sb_release(&pdf);
    return rc;
}

const char *const mode_tags[] = {"zh_CN", "en", "bilingual"};

int pdf_path(const run *r, const scope_item *s, render_mode mode, char *buf, size_t size,
             hr_error *err)
{
    char stem[512], suffix[32];
    snprintf(stem, sizeof stem, "%s-%s-%s", r->kind, r->period_text, s->code);
    snprintf(suffix, sizeof suffix, ".%s.pdf", mode_tags[mode]);
    return paths_output_file(r->opt->out_dir, stem, suffix, buf, size, err) ? err->code : HR_OK;
}

int render_one(run *r, int scope_index, render_mode mode, const char *path, hr_error *err)
{
    const scope_item *s = &r->scopes[scope_index];
    rctx *c = xcalloc(1, sizeof *c);
    c->db = r->db, c->font = r->font, c->tpl = r->tpl, c->tpl_path = r->tpl_path;
    c->mode = mode, c->kind = r->opt->kind, c->per = r->per, c->draft = r->draft, c->err = err;
    c->small_k = r->small_k;
    c->toc_page = -1;
    snprintf(c->period_text, sizeof c->period_text, "%s", r->period_text);
    memcpy(c->month_first, r->month_first, sizeof c->month_first);
    memcpy(c->month_last, r->month_last, sizeof c->month_last);
    snprintf(c->scope, sizeof c->scope, "%s", s->code);
    memcpy(c->scope_name, s->name, sizeof c->scope_name);
    memcpy(c->hospital, r->hospital, sizeof c->hospital);
    snprintf(c->report_no, sizeof c->report_no, "%s-%s-%03d", r->kind, r->period_text,
             s->number);
    settings(c);
    int rc = ind_load(c);
    HPDF_Doc pdf = rc ? NULL : HPDF_New(haru_error, err);
    if (pdf) {
        c->pdf = pdf;
        HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
        HPDF_UseUTFEncodings(pdf);
        HPDF_SetCurrentEncoder(pdf, "UTF-8");
        HPDF_SetPageMode(pdf, HPDF_PAGE_MODE_USE_OUTLINE);
        const char *fname = HPDF_LoadTTFontFromFile(pdf, font_subset_path(r->font), HPDF_TRUE);
        c->hfont = fname ? HPDF_GetFont(pdf, fname, "UTF-8") : NULL;
        if (!c->hfont)
            rc = err->code ? err->code : hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "font");
        if (!rc) {
            set_info(c, pdf, r);
            rc = blk_body(c, xmlDocGetRootElement(r->tpl)->children);
        }
        if (!rc && c->npages == 0)
            doc_new_page(c);
        if (!rc)
            rc = doc_finish(c);
        if (!rc)
            rc = write_pdf(c, path, err);
        HPDF_Free(pdf);
    }
    free(c->pages);
    free(c->heads);
    free(c->ind);
    free(c);
    return rc ? rc : err->code;
}

