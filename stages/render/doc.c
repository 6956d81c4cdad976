/*
 * doc.c -- the page model of one PDF: the cursor that blocks advance, page
 * breaks, measured and wrapped text, simple shapes, headings with
 * bookmarks, and the finishing pass (page headers and footers with
 * "page x of y", the table of contents, the draft mark) that runs once the
 * page count is known. libharu lets us draw on any page until the document
 * is saved, which is what makes the finishing pass possible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/numfmt.h"
#include "pipeline/core/utf8.h"
#include "stages/render/layout.h"
#include "stages/render/render_internal.h"
#include "pipeline/core/xalloc.h"

const rgb RGB_TEXT = {0.13f, 0.13f, 0.15f}, RGB_MUTED = {0.42f, 0.44f, 0.48f},
          RGB_ACCENT = {0.09f, 0.27f, 0.50f}, RGB_GOOD = {0.10f, 0.55f, 0.25f},
          RGB_BAD = {0.80f, 0.15f, 0.15f}, RGB_NEUTRAL = {0.55f, 0.55f, 0.58f},
          RGB_RULE = {0.78f, 0.80f, 0.84f}, RGB_ZEBRA = {0.95f, 0.96f, 0.98f},
          RGB_CARD = {0.94f, 0.96f, 0.99f}, RGB_WHITE = {1, 1, 1},
          RGB_HIGHLIGHT = {0.93f, 0.49f, 0.13f};

i18n_lang ctx_primary(const rctx *c)
{
    return c->mode == MODE_EN ? LANG_EN : LANG_ZH;
}

const char *ctx_tr(const rctx *c, i18n_lang lang, const char *msgid)
{
    (void)c;
    return i18n_tr(lang, msgid);
}

char *ctx_note(const rctx *c, const char *one, const char *many, long n, char *buf, size_t size)
{
    char part[2][256];
    int langs = c->mode == MODE_BILINGUAL ? 2 : 1;
    for (int i = 0; i < langs; i++) {
        i18n_lang l = i ? LANG_EN : ctx_primary(c);
        const char *id = many ? nf_plural((nf_lang)l, n, one, many) : one;
        snprintf(part[i], sizeof part[i], i18n_tr(l, id), (int)n);
    }
    if (langs == 2 && strcmp(part[0], part[1]) != 0)
        snprintf(buf, size, "%s / %s", part[0], part[1]);
    else
        snprintf(buf, size, "%s", part[0]);
    return buf;
}

double ctx_width(const rctx *c) { return c->page_w - c->margin_l - c->margin_r; }
double ctx_bottom(const rctx *c) { return c->margin_b; }

static HPDF_Page page(rctx *c) { return c->pages[c->npages - 1]; }

void doc_new_page(rctx *c)
{
    HPDF_Page p = HPDF_AddPage(c->pdf);
    if (!p && c->npages > 0) { /* the document is in error (c->err is set): stop growing */
        c->y = c->page_h - c->margin_t;
        return;
    }
    HPDF_Page_SetWidth(p, (HPDF_REAL)c->page_w);
    HPDF_Page_SetHeight(p, (HPDF_REAL)c->page_h);
    HPDF_Page *grown = xrealloc(c->pages, (size_t)(c->npages + 1) * sizeof *grown);
    c->pages = grown;
    c->pages[c->npages++] = p;
    c->y = c->page_h - c->margin_t;
}

int doc_ensure(rctx *c, double height)
{
    if (c->npages == 0 || c->y - height < c->margin_b) {
        doc_new_page(c);
        return 1;
    }
    return 0;
}

/* Notes the 256-character blocks of text shown, for the PDF's ToUnicode map. */
static void note_blocks(rctx *c, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += (size_t)utf8_decode(s + i, len - i, &cp);
        if (cp <= 0xFFFF)
            c->text_blocks[cp >> 8] = 1;
    }
}

/* Control characters (a BEL, a right-to-left override) never reach the
 * page: text with one is drawn from a cleaned copy. */
static void text_at(HPDF_Page p, rctx *c, double x, double y, double size, const char *s, rgb k)
{
    char *clean = NULL;
    if (utf8_needs_clean(s)) {
        size_t n = strlen(s) + 1;
        clean = utf8_clean(xrealloc(NULL, n), n, s);
        s = clean;
    }
    font_check_text(c->font, s);
    note_blocks(c, s);
    HPDF_Page_SetRGBFill(p, k.r, k.g, k.b);
    HPDF_Page_BeginText(p);
    HPDF_Page_SetFontAndSize(p, c->hfont, (HPDF_REAL)size);
    HPDF_Page_TextOut(p, (HPDF_REAL)x, (HPDF_REAL)y, s);
    HPDF_Page_EndText(p);
    free(clean);
}

void doc_text(rctx *c, double x, double y, double size, const char *s, rgb color)
{
    if (s && *s)
        text_at(page(c), c, x, y, size, s, color);
}

double doc_text_width(const rctx *c, const char *s, double size)
{
    return font_text_width(c->font, s, size);
}

void doc_text_right(rctx *c, double right, double y, double size, const char *s, rgb color)
{
    doc_text(c, right - doc_text_width(c, s, size), y, size, s, color);
}

void doc_text_center(rctx *c, double center, double y, double size, const char *s, rgb color)
{
    doc_text(c, center - doc_text_width(c, s, size) / 2, y, size, s, color);
}

void doc_fill_rect(rctx *c, double x, double y, double w, double h, rgb k)
{
    HPDF_Page p = page(c);
    HPDF_Page_SetRGBFill(p, k.r, k.g, k.b);
    HPDF_Page_Rectangle(p, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
    HPDF_Page_Fill(p);
}

void doc_line(rctx *c, double x1, double y1, double x2, double y2, double width, rgb k)
{
    HPDF_Page p = page(c);
    HPDF_Page_SetRGBStroke(p, k.r, k.g, k.b);
    HPDF_Page_SetLineWidth(p, (HPDF_REAL)width);
    HPDF_Page_MoveTo(p, (HPDF_REAL)x1, (HPDF_REAL)y1);
    HPDF_Page_LineTo(p, (HPDF_REAL)x2, (HPDF_REAL)y2);
    HPDF_Page_Stroke(p);
}

void doc_triangle(rctx *c, double cx, double cy, double size, int up, rgb k)
{
    HPDF_Page p = page(c);
    double h = size * 0.8, half = size / 2;
    HPDF_Page_SetRGBFill(p, k.r, k.g, k.b);
    if (up) {
        HPDF_Page_MoveTo(p, (HPDF_REAL)(cx - half), (HPDF_REAL)(cy - h / 2));
        HPDF_Page_LineTo(p, (HPDF_REAL)(cx + half), (HPDF_REAL)(cy - h / 2));
        HPDF_Page_LineTo(p, (HPDF_REAL)cx, (HPDF_REAL)(cy + h / 2));
    } else {
        HPDF_Page_MoveTo(p, (HPDF_REAL)(cx - half), (HPDF_REAL)(cy + h / 2));
        HPDF_Page_LineTo(p, (HPDF_REAL)(cx + half), (HPDF_REAL)(cy + h / 2));
        HPDF_Page_LineTo(p, (HPDF_REAL)cx, (HPDF_REAL)(cy - h / 2));
    }
    HPDF_Page_ClosePath(p);
    HPDF_Page_Fill(p);
}

int doc_flow_text(rctx *c, const char *text, double size, double indent, rgb color, double leading)
{
    layout_lines l;
    layout_wrap(c->font, text, size, ctx_width(c) - indent, &l);
    double lh = size * leading;
    for (size_t i = 0; i < l.count; i++) {
        doc_ensure(c, lh);
        doc_text(c, c->margin_l + indent, c->y - size, size, l.line[i], color);
        c->y -= lh;
    }
    int n = (int)l.count;
    layout_lines_free(&l);
    return n;
}

double doc_box_text(rctx *c, double x, double top, double w, const char *text, double size,
                    char align, rgb color, int draw)
{
    layout_lines l;
    layout_wrap(c->font, text, size, w, &l);
    double lh = size * 1.25;
    if (draw)
        for (size_t i = 0; i < l.count; i++) {
            double y = top - size - lh * (double)i;
            if (align == 'r')
                doc_text_right(c, x + w, y, size, l.line[i], color);
            else if (align == 'c')
                doc_text_center(c, x + w / 2, y, size, l.line[i], color);
            else
                doc_text(c, x, y, size, l.line[i], color);
        }
    double h = lh * (double)l.count - (lh - size) + size * 0.25;
    layout_lines_free(&l);
    return h;
}

static void add_bookmark(rctx *c, int level, const char *text)
{
    HPDF_Outline parent = NULL;
    for (int l = level - 2; l >= 0 && !parent; l--)
        parent = c->outline[l];
    char clean[512];
    utf8_clean(clean, sizeof clean, text);
    HPDF_Outline o = HPDF_CreateOutline(c->pdf, parent, clean, HPDF_GetEncoder(c->pdf, "UTF-8"));
    HPDF_Destination d = HPDF_Page_CreateDestination(page(c));
    HPDF_Destination_SetXYZ(d, 0, (HPDF_REAL)(c->y + 30), 1);
    HPDF_Outline_SetDestination(o, d);
    HPDF_Outline_SetOpened(o, level == 1);
    c->outline[level - 1] = o;
    for (int l = level; l < 3; l++)
        c->outline[l] = NULL;
    heading *grown = xrealloc(c->heads, (size_t)(c->nheads + 1) * sizeof *grown);
    c->heads = grown;
    heading *h = &c->heads[c->nheads++];
    h->level = level;
    h->page = c->npages - 1;
    snprintf(h->text, sizeof h->text, "%s", text);
}

void doc_heading(rctx *c, int level, const char *text, const char *secondary)
{
    static const double sizes[] = {16, 13, 11.5};
    double size = sizes[level - 1] * c->base_size / 10.0;
    double need = size * 1.9 + (secondary ? size * 0.8 : 0) + 110; /* keep with what follows */
    if (c->y < c->page_h - c->margin_t - 1)
        c->y -= size * 0.6;
    doc_ensure(c, need);
    add_bookmark(c, level, text);
    snprintf(c->heads[c->nheads - 1].text_en, sizeof c->heads[0].text_en, "%s",
             secondary ? secondary : "");
    rgb color = level == 1 ? RGB_ACCENT : RGB_TEXT;
    doc_flow_text(c, text, size, 0, color, 1.3);
    if (secondary && *secondary)
        doc_flow_text(c, secondary, size * 0.75, 0, RGB_MUTED, 1.3);
    if (level == 1) { /* below the descenders (the baseline is 0.3 em up) */
        doc_line(c, c->margin_l, c->y - 1, c->page_w - c->margin_r, c->y - 1, 1.2, RGB_ACCENT);
        c->y -= 6;
    } else {
        c->y -= 3;
    }
}

/* Replaces {page} and {pages} in a catalog pattern. */
static void page_label(const char *pattern, int page_no, int pages, char *buf, size_t size)
{
    strbuf sb = STRBUF_INIT;
    for (const char *s = pattern; *s;) {
        if (strncmp(s, "{pages}", 7) == 0)
            sb_addf(&sb, "%d", pages), s += 7;
        else if (strncmp(s, "{page}", 6) == 0)
            sb_addf(&sb, "%d", page_no), s += 6;
        else
            sb_addch(&sb, *s++);
    }
    snprintf(buf, size, "%s", sb.buf);
    sb_release(&sb);
}

static void draw_draft_mark(rctx *c, HPDF_Page p)
{
    const char *en = c->draft == DRAFT_UNVALIDATED  ? N_("UNVALIDATED DRAFT")
                     : c->draft == DRAFT_UNRECONCILED ? N_("UNRECONCILED DRAFT")
                                                      : N_("UNVALIDATED, UNRECONCILED DRAFT");
    const char *mark = c->mode == MODE_EN ? en : c->mode == MODE_ZH ? i18n_tr(LANG_ZH, en) : NULL;
    char both[256];
    if (!mark) {
        snprintf(both, sizeof both, "%s %s", i18n_tr(LANG_ZH, en), en);
        mark = both;
    }
    double size = 44;
    double w = font_text_width(c->font, mark, size);
    if (w > c->page_h * 0.95) {
        size *= c->page_h * 0.95 / w;
        w = font_text_width(c->font, mark, size);
    }
    HPDF_ExtGState gs = HPDF_CreateExtGState(c->pdf);
    HPDF_ExtGState_SetAlphaFill(gs, 0.22f);
    HPDF_Page_GSave(p);
    HPDF_Page_SetExtGState(p, gs);
    HPDF_Page_SetRGBFill(p, RGB_BAD.r, RGB_BAD.g, RGB_BAD.b);
    double angle = atan2(c->page_h, c->page_w);
    double cs = cos(angle), sn = sin(angle);
    double x = c->page_w / 2 - (w / 2) * cs + (size / 3) * sn;
    double y = c->page_h / 2 - (w / 2) * sn - (size / 3) * cs;
    HPDF_Page_BeginText(p);
    HPDF_Page_SetFontAndSize(p, c->hfont, (HPDF_REAL)size);
    HPDF_Page_SetTextMatrix(p, (HPDF_REAL)cs, (HPDF_REAL)sn, (HPDF_REAL)-sn, (HPDF_REAL)cs,
                            (HPDF_REAL)x, (HPDF_REAL)y);
    note_blocks(c, mark);
    HPDF_Page_ShowText(p, mark);
    HPDF_Page_EndText(p);
    HPDF_Page_GRestore(p);
}

/* The running header's words in one language: "骨科 · 2026年10月 · 月度运营
 *分析报告" -- scope, period and report kind, so that a page torn out of
 * the report still says what it is. */
static void running_title(const rctx *c, i18n_lang lang, char *buf, size_t size)
{
    char per[64];
    snprintf(buf, size, "%s · %s · %s", c->scope_name[lang],
             i18n_period(lang, &c->per, per, sizeof per), i18n_tr(lang, c->title_id));
}

/* Draws s at (x, y) in at most width: a smaller size first (down to 6.5
 * pt), then cut at a character with "…". */
static void text_fit(HPDF_Page p, rctx *c, double x, double y, double size, double width,
                     const char *s, rgb k)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    while (size > 6.5 && font_text_width(c->font, buf, size) > width)
        size -= 0.5;
    size_t n = strlen(buf);
    while (n > 0 && font_text_width(c->font, buf, size) > width) {
        do
            n--;
        while (n > 0 && (buf[n] & 0xC0) == 0x80);
        snprintf(buf + n, sizeof buf - n, "…");
    }
    text_at(p, c, x, y, size, buf, k);
}

static void draw_header_footer(rctx *c, int index, int pages)
{
    HPDF_Page p = c->pages[index];
    i18n_lang lang = ctx_primary(c);
    double top = c->page_h - c->margin_t + 14, size = 8;
    char left[512], foot[128], foot_en[128];
    double no_w = font_text_width(c->font, c->report_no, size);
    double room = c->page_w - c->margin_l - c->margin_r - no_w - 12;
    running_title(c, lang, left, sizeof left);
    text_fit(p, c, c->margin_l, top, size, room, left, RGB_MUTED);
    if (c->mode == MODE_BILINGUAL) { /* the English words above, smaller */
        running_title(c, LANG_EN, left, sizeof left);
        text_fit(p, c, c->margin_l, top + 10, 7, room, left, RGB_MUTED);
    }
    text_at(p, c, c->page_w - c->margin_r - no_w, top, size, c->report_no, RGB_MUTED);
    HPDF_Page_SetRGBStroke(p, RGB_RULE.r, RGB_RULE.g, RGB_RULE.b);
    HPDF_Page_SetLineWidth(p, 0.5);
    HPDF_Page_MoveTo(p, (HPDF_REAL)c->margin_l, (HPDF_REAL)(top - 4));
    HPDF_Page_LineTo(p, (HPDF_REAL)(c->page_w - c->margin_r), (HPDF_REAL)(top - 4));
    HPDF_Page_Stroke(p);
    page_label(i18n_tr(lang, "Page {page} of {pages}"), index + 1, pages, foot, sizeof foot);
    if (c->mode == MODE_BILINGUAL) {
        page_label("Page {page} of {pages}", index + 1, pages, foot_en, sizeof foot_en);
        size_t n = strlen(foot);
        buf_printf(foot + n, sizeof foot - n, "  ·  %s", foot_en);
    }
    double fy = c->margin_b - 22;
    text_at(p, c, c->page_w / 2 - font_text_width(c->font, foot, size) / 2, fy, size, foot,
            RGB_MUTED);
}

/* The TOC lists the level 1-2 headings; its first page starts below the
 * "Contents" title, the pages it flows onto at the top. */
#define TOC_TITLE_GAP 30
static int toc_listed(const heading *h) { return h->level <= 2; }
static double toc_entry_size(const heading *h) { return h->level == 1 ? 10.5 : 9.5; }

static int toc_pages_needed(const rctx *c)
{
    double top = c->page_h - c->margin_t - 20, y = top - TOC_TITLE_GAP;
    int pages = 1;
    for (int i = 0; i < c->nheads; i++) {
        if (!toc_listed(&c->heads[i]))
            continue;
        if (y < c->margin_b)
            pages++, y = top;
        y -= toc_entry_size(&c->heads[i]) * 2;
    }
    return pages;
}

/* Inserts `extra` pages after the TOC page; headings behind it move down. */
static void toc_insert_pages(rctx *c, int extra)
{
    HPDF_Page *grown = xrealloc(c->pages, (size_t)(c->npages + extra) * sizeof *grown);
    c->pages = grown;
    int at = c->toc_page + 1; /* the <toc/> block always starts a page after it */
    memmove(&c->pages[at + extra], &c->pages[at], (size_t)(c->npages - at) * sizeof *c->pages);
    for (int k = 0; k < extra; k++) {
        HPDF_Page p = HPDF_InsertPage(c->pdf, c->pages[at + extra]);
        HPDF_Page_SetWidth(p, (HPDF_REAL)c->page_w);
        HPDF_Page_SetHeight(p, (HPDF_REAL)c->page_h);
        c->pages[at + k] = p;
    }
    c->npages += extra;
    for (int i = 0; i < c->nheads; i++)
        if (c->heads[i].page > c->toc_page)
            c->heads[i].page += extra;
}

static void toc_entry(rctx *c, HPDF_Page toc, const heading *h, double y)
{
    double size = toc_entry_size(h), x = c->margin_l + (h->level - 1) * 16;
    char num[16];
    snprintf(num, sizeof num, "%d", h->page + 1);
    double right = c->page_w - c->margin_r;
    double avail = right - x - 40;
    char text[520];
    snprintf(text, sizeof text, "%s", h->text);
    char *nl = strchr(text, '\n'); /* bilingual headings: the first line */
    if (nl)
        *nl = '\0';
    if (h->text_en[0] && strcmp(h->text_en, text)) { /* "一、执行摘要  1. Executive summary" */
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "  %s", h->text_en);
    }
    while (font_text_width(c->font, text, size) > avail && strlen(text) > 3) {
        size_t n = strlen(text) - 1;
        while (n > 0 && (text[n] & 0xC0) == 0x80)
            n--;
        text[n] = '\0';
    }
    doc_text(c, x, y, size, text, h->level == 1 ? RGB_TEXT : RGB_MUTED);
    double tw = font_text_width(c->font, text, size);
    for (double dx = x + tw + 6; dx < right - 24; dx += 4)
        doc_fill_rect(c, dx, y + 1, 0.8, 0.8, RGB_RULE);
    doc_text_right(c, right, y, size, num, RGB_TEXT);
    HPDF_Rect r = {(HPDF_REAL)x, (HPDF_REAL)(y - 3), (HPDF_REAL)right, (HPDF_REAL)(y + size)};
    HPDF_Destination d = HPDF_Page_CreateDestination(c->pages[h->page]);
    HPDF_Destination_SetXYZ(d, 0, (HPDF_REAL)c->page_h, 1);
    HPDF_Annotation a = HPDF_Page_CreateLinkAnnot(toc, r, d);
    HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
}

/* Fills the TOC, flowing over as many pages as its entries need (pages are
 * inserted after the reserved one, so every page number is final). */
static void draw_toc(rctx *c)
{
    int extra = toc_pages_needed(c) - 1;
    if (extra > 0)
        toc_insert_pages(c, extra);
    HPDF_Page saved_last = c->pages[c->npages - 1];
    int tp = c->toc_page;
    c->pages[c->npages - 1] = c->pages[tp]; /* draw on the TOC page */
    i18n_lang lang = ctx_primary(c);
    double top = c->page_h - c->margin_t - 20, y = top;
    doc_text(c, c->margin_l, y, 16, i18n_tr(lang, "Contents"), RGB_ACCENT);
    if (c->mode == MODE_BILINGUAL)
        doc_text(c, c->margin_l + doc_text_width(c, i18n_tr(lang, "Contents"), 16) + 10, y, 11,
                 "Contents", RGB_MUTED);
    y -= TOC_TITLE_GAP;
    for (int i = 0; i < c->nheads; i++) {
        const heading *h = &c->heads[i];
        if (!toc_listed(h))
            continue;
        if (y < c->margin_b) {
            c->pages[c->npages - 1] = c->pages[++tp];
            y = top;
        }
        toc_entry(c, c->pages[tp], h, y);
        y -= toc_entry_size(h) * 2;
    }
    c->pages[c->npages - 1] = saved_last;
}

int doc_finish(rctx *c)
{
    if (c->toc_page >= 0)
        draw_toc(c);
    for (int i = 0; i < c->npages; i++) {
        if (i >= c->cover_pages)
            draw_header_footer(c, i, c->npages);
        if (c->draft)
            draw_draft_mark(c, c->pages[i]);
    }
    return HR_OK;
}
