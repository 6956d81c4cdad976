/*
 * blocks.c -- the template's body elements: headings, paragraphs with
 * placeholders and conditions, sections, KPI cards, lists, page breaks,
 * the table of contents and the cover page. Tables and charts have their
 * own files.
 *
 * Template text is an English message id translated through the catalog;
 * in bilingual documents the Chinese comes first and the English beneath.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/render/render_internal.h"
#include "stages/render/template.h"

static int fail(rctx *c, xmlNodePtr el, const char *field, const char *msg, const char *what)
{
    return hr_error_set(c->err, HR_EINPUT, c->tpl_path, xmlGetLineNo(el), field, "%s '%s'", msg,
                        what);
}

static double pick(const ind_row *r, const char *what)
{
    if (strcmp(what, "mom") == 0)
        return r->mom;
    if (strcmp(what, "yoy") == 0)
        return r->yoy;
    if (strcmp(what, "ytd") == 0)
        return r->ytd;
    if (strcmp(what, "ytd_yoy") == 0)
        return r->ytd_yoy;
    return r->value;
}

/* {row:DATASET:FIELD}: FIELD of the dataset's first row, "—" when it has no
 * row or the value is empty. FIELD_zh / FIELD_en, when the dataset has them,
 * are used for Chinese and English text. */
static int row_placeholder(rctx *c, xmlNodePtr el, i18n_lang lang, const char *name, strbuf *out)
{
    char ds_name[64], field[64], localized[72];
    if (sscanf(name, "row:%63[^:]:%63s", ds_name, field) != 2)
        return fail(c, el, "text", "placeholder is not {row:DATASET:FIELD}", name);
    dataset d;
    if (ds_load(c, el, ds_name, &d))
        return c->err->code;
    snprintf(localized, sizeof localized, "%s_%s", field, lang == LANG_EN ? "en" : "zh");
    int col = ds_col(&d, localized);
    if (col < 0)
        col = ds_col(&d, field);
    if (col < 0) {
        ds_free(&d);
        return fail(c, el, "text", "dataset has no column", field);
    }
    const char *text = d.nrows > 0 ? ds_at(&d, 0, col)->text : "";
    sb_addstr(out, *text ? text : i18n_tr(lang, "—"));
    ds_free(&d);
    return HR_OK;
}

static int placeholder(rctx *c, xmlNodePtr el, i18n_lang lang, const char *name, strbuf *out)
{
    char buf[I18N_NUM_MAX], label[128];
    if (strcmp(name, "period") == 0) {
        sb_addstr(out, i18n_period(lang, &c->per, label, sizeof label));
        return HR_OK;
    }
    if (strcmp(name, "scope") == 0)
        return sb_addstr(out, c->scope_name[lang]), HR_OK;
    if (strcmp(name, "hospital") == 0)
        return sb_addstr(out, c->hospital[lang]), HR_OK;
    if (strcmp(name, "report_no") == 0)
        return sb_addstr(out, c->report_no), HR_OK;
    if (strncmp(name, "row:", 4) == 0)
        return row_placeholder(c, el, lang, name, out);
    int nth;
    if (sscanf(name, "month:%d", &nth) == 1) { /* the period's nth month: 7月 / Jul */
        static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        int y = atoi(c->month_first), m = atoi(c->month_first + 5) + nth - 1;
        int last = atoi(c->month_last) * 12 + atoi(c->month_last + 5);
        if (nth < 1 || y * 12 + m > last)
            return fail(c, el, "text", "the period has no such month", name);
        sb_addstr(out, i18n_tr(lang, mon[(m - 1) % 12]));
        return HR_OK;
    }
    const char *colon = strchr(name, ':');
    if (!colon)
        return fail(c, el, "text", "unknown placeholder", name);
    char what[32];
    snprintf(what, sizeof what, "%.*s", (int)(colon - name), name);
    const ind_row *r = ind_find(c, colon + 1);
    if (!r)
        return fail(c, el, "text", "unknown indicator in placeholder", name);
    ind_mark(c, r->id);
    int wan = tpl_attr_num(el, "wan", 0) > 0;
    if (strcmp(what, "name") == 0)
        sb_addstr(out, r->name[lang]);
    else if (strcmp(what, "reason") == 0)
        sb_addstr(out, r->reason[lang][0] ? r->reason[lang] : i18n_tr(lang, "—"));
    else if (strcmp(what, "value") == 0 && r->masked[0]) { /* a small count */
        sb_addstr(out, r->masked);
        if (strcmp(r->masked, "—") == 0) {
            char note[128];
            snprintf(note, sizeof note, i18n_tr(lang, "— fewer than %d cases not shown"),
                     c->small_k);
            sb_addf(out, lang == LANG_EN ? " (%s)" : "（%s）", note + strlen("— "));
        }
    } else if (strcmp(what, "value") == 0 || strcmp(what, "ytd") == 0) {
        nf_opts o = ind_opts(r, wan);
        sb_addstr(out, nf_value(lang, r->unit, pick(r, what), &o, buf));
    } else if (!strcmp(what, "mom") || !strcmp(what, "yoy") || !strcmp(what, "ytd_yoy"))
        sb_addstr(out, nf_change(lang, r->unit, pick(r, what), NULL, buf));
    else if (!strcmp(what, "mom_abs") || !strcmp(what, "yoy_abs"))
        sb_addstr(out, nf_change(lang, r->unit, pick(r, what[0] == 'm' ? "mom" : "yoy"),
                                 &(nf_opts){.magnitude = 1}, buf));
    else
        return fail(c, el, "text", "unknown placeholder", name);
    return HR_OK;
}

int blk_expand(rctx *c, xmlNodePtr el, i18n_lang lang, const char *text, strbuf *out)
{
    for (const char *s = text; *s;) {
        const char *close;
        if (*s == '{' && (close = strchr(s, '}')) && close - s < 100) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(close - s - 1), s + 1);
            if (placeholder(c, el, lang, name, out))
                return c->err->code;
            s = close + 1;
        } else {
            sb_addch(out, *s++);
        }
    }
    return HR_OK;
}

static int better(const ind_row *r, double change)
{
    if (strcmp(r->direction, "up") == 0)
        return change > 0;
    if (strcmp(r->direction, "down") == 0)
        return change < 0;
    return 0;
}

static int worse(const ind_row *r, double change)
{
    if (strcmp(r->direction, "up") == 0)
        return change < 0;
    if (strcmp(r->direction, "down") == 0)
        return change > 0;
    return 0;
}

int blk_has_data(const ind_row *r)
{
    return r->masked[0] || (isfinite(r->value) && (r->value != 0 || isfinite(r->mom) ||
                                                   isfinite(r->yoy)));
}

/* One condition term: "draft", "hospital", "department", "rows:DATASET",
 * "TEST:ID[:mom|yoy]". */
static int term(rctx *c, xmlNodePtr el, const char *t, int *result)
{
    if (!strcmp(t, "draft"))
        return *result = c->draft, HR_OK;
    if (!strcmp(t, "hospital"))
        return *result = strcmp(c->scope, "hospital") == 0, HR_OK;
    if (!strcmp(t, "department"))
        return *result = strcmp(c->scope, "hospital") != 0, HR_OK;
    if (!strncmp(t, "rows:", 5)) { /* the dataset has a row for this report */
        dataset d;
        if (ds_load(c, el, t + 5, &d))
            return c->err->code;
        *result = d.nrows > 0;
        ds_free(&d);
        return HR_OK;
    }
    char test[32], id[64], cmp[16] = "mom";
    if (sscanf(t, "%31[a-z_]:%63[a-z0-9_.]:%15s", test, id, cmp) < 2)
        return fail(c, el, "when", "unknown condition", t);
    static const char *const tests[] = {"flagged", "defined", "data",  "rises",
                                        "falls",   "better",  "worse"};
    int known = 0;
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++)
        known |= strcmp(test, tests[i]) == 0;
    if (!known)
        return fail(c, el, "when", "unknown condition", t);
    const ind_row *r = ind_find(c, id);
    if (!r)
        return fail(c, el, "when", "unknown indicator in condition", t);
    double ch = pick(r, cmp);
    if (!strcmp(test, "flagged"))
        *result = r->flag[0] != 0;
    else if (!strcmp(test, "defined"))
        *result = isfinite(r->value);
    else if (!strcmp(test, "data"))
        *result = blk_has_data(r);
    else if (!strcmp(test, "rises"))
        *result = isfinite(ch) && ch > 0;
    else if (!strcmp(test, "falls"))
        *result = isfinite(ch) && ch < 0;
    else if (!strcmp(test, "better"))
        *result = isfinite(ch) && better(r, ch);
    else if (!strcmp(test, "worse"))
        *result = isfinite(ch) && worse(r, ch);
    else
        return fail(c, el, "when", "unknown condition", t);
    return HR_OK;
}

/* when="a and b", "not a"; terms joined by " and " / " or " left to right. */
int blk_condition(rctx *c, xmlNodePtr el, int *result)
{
    char *when = tpl_attr(el, "when");
    *result = 1;
    if (!when)
        return HR_OK;
    int acc = -1, op_and = 1, rc = HR_OK;
    char *save = NULL;
    int negate = 0;
    for (char *tok = strtok_r(when, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (!strcmp(tok, "not")) {
            negate = !negate;
            continue;
        }
        if (!strcmp(tok, "and") || !strcmp(tok, "or")) {
            op_and = tok[0] == 'a';
            continue;
        }
        int v = 0;
        if ((rc = term(c, el, tok, &v)))
            break;
        v = negate ? !v : v;
        negate = 0;
        acc = acc < 0 ? v : (op_and ? (acc && v) : (acc || v));
    }
    xmlFree(when);
    *result = acc != 0;
    return rc;
}

rgb blk_change_color(const char *direction, double change)
{
    if (!isfinite(change) || change == 0 || !strcmp(direction, "neutral"))
        return RGB_NEUTRAL;
    int good = strcmp(direction, "up") == 0 ? change > 0 : change < 0;
    return good ? RGB_GOOD : RGB_BAD;
}

/* The element's text, translated into lang and expanded. */
static int element_text(rctx *c, xmlNodePtr el, i18n_lang lang, strbuf *out)
{
    char *msgid = tpl_text(el);
    int rc = blk_expand(c, el, lang, i18n_tr(lang, msgid), out);
    free(msgid);
    return rc;
}

/* The room a heading needs below it so that it is not left alone at the
 * foot of a page: what follows it -- past up to two short paragraphs (a
 * note, a unit line) -- if that is a chart (its whole height; a bar chart's
 * grows with its bars) or a table (its header and three rows). 0 when
 * something else follows. */
static double next_block_height(rctx *c, xmlNodePtr el)
{
    double notes = 0;
    xmlNodePtr n = el->next;
    for (int skipped = 0;; n = n->next) {
        while (n && n->type != XML_ELEMENT_NODE)
            n = n->next;
        if (!n || xmlStrcmp(n->name, (const xmlChar *)"p") || skipped == 2)
            break;
        notes += c->mode == MODE_BILINGUAL ? 34 : 22;
        skipped++;
    }
    if (n && !xmlStrcmp(n->name, (const xmlChar *)"table"))
        return notes + 4 * 22 + 10;
    if (!n || xmlStrcmp(n->name, (const xmlChar *)"chart"))
        return 0;
    char type[32];
    tpl_attr_buf(n, "type", "line", type, sizeof type);
    int bars = !strcmp(type, "bar") || !strcmp(type, "contribution");
    double mm = tpl_attr_num(n, "height-mm", bars ? 8 + (tpl_attr_num(n, "limit", 12) + 1) * 6 : 62);
    return notes + mm * 72 / 25.4 + 30; /* its title */
}

static const char *const cn_digits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

/* The length of the Chinese numeral (一 .. 九十九) opening s. */
static size_t cn_numeral(const char *s)
{
    const char *p = s;
    for (int more = 1; more;) {
        more = 0;
        for (size_t i = 1; i < sizeof cn_digits / sizeof *cn_digits; i++)
            if (!strncmp(p, cn_digits[i], strlen(cn_digits[i]))) {
                p += strlen(cn_digits[i]), more = 1;
                break;
            }
    }
    return (size_t)(p - s);
}

static void cn_number(strbuf *out, int number)
{
    if (number >= 20)
        sb_addstr(out, cn_digits[number / 10 % 10]);
    if (number >= 10)
        sb_addstr(out, "十");
    sb_addstr(out, cn_digits[number % 10]);
}

/* How a heading is numbered: 's' a section ("6. ", "六、"), 'a' an appendix
 * ("Appendix B. ", "附录二 "), 0 not at all; *len is the number's extent
 * and *at where it starts. */
static int number_kind(const char *s, size_t *at, size_t *len)
{
    size_t n = strspn(s, "0123456789");
    if (n > 0 && s[n] == '.' && s[n + 1] == ' ')
        return *at = 0, *len = n, 's';
    if ((n = cn_numeral(s)) > 0 && !strncmp(s + n, "、", strlen("、")))
        return *at = 0, *len = n, 's';
    if (!strncmp(s, "Appendix ", 9) && isupper((unsigned char)s[9]) && s[10] == '.')
        return *at = 9, *len = 1, 'a';
    if (!strncmp(s, "附录", strlen("附录")) && (n = cn_numeral(s + strlen("附录"))) > 0)
        return *at = strlen("附录"), *len = n, 'a';
    return 0;
}

/* Gives a numbered heading the number of its place among those drawn, so
 * that a section left out (a department without devices has no equipment
 * section) leaves no gap: "6. " -> "5. ", "六、" -> "五、", "Appendix C."
 * -> "Appendix B.". */
static void renumber(strbuf *s, int number)
{
    size_t at, len;
    if (!number_kind(s->buf, &at, &len))
        return;
    strbuf out = STRBUF_INIT;
    sb_addf(&out, "%.*s", (int)at, s->buf);
    if (isdigit((unsigned char)s->buf[at]))
        sb_addf(&out, "%d", number);
    else if (isupper((unsigned char)s->buf[at]))
        sb_addch(&out, (char)('A' + (number - 1) % 26));
    else
        cn_number(&out, number);
    sb_addstr(&out, s->buf + at + len);
    sb_reset(s);
    sb_addstr(s, out.buf);
    sb_release(&out);
}

static int blk_heading(rctx *c, xmlNodePtr el)
{
    int level = (int)tpl_attr_num(el, "level", 1);
    double next_h = next_block_height(c, el);
    if (next_h > 0 && next_h < (c->page_h - c->margin_t) * 0.6)
        doc_ensure(c, next_h + 60);
    strbuf a = STRBUF_INIT, b = STRBUF_INIT;
    int rc = element_text(c, el, ctx_primary(c), &a);
    if (!rc && c->mode == MODE_BILINGUAL)
        rc = element_text(c, el, LANG_EN, &b);
    size_t at, len;
    int kind = level == 1 && !rc ? number_kind(a.buf, &at, &len) : 0;
    if (!kind && level == 1 && !rc && b.len)
        kind = number_kind(b.buf, &at, &len);
    if (kind) {
        int number = kind == 's' ? ++c->sections : ++c->appendices;
        renumber(&a, number);
        if (b.len)
            renumber(&b, number);
    }
    if (!rc)
        doc_heading(c, level, a.buf, c->mode == MODE_BILINGUAL ? b.buf : NULL);
    sb_release(&a);
    sb_release(&b);
    return rc;
}

static int blk_paragraph(rctx *c, xmlNodePtr el)
{
    char style[16];
    tpl_attr_buf(el, "style", "normal", style, sizeof style);
    double size = c->base_size * (strcmp(style, "note") == 0 ? 0.85 : 1.0);
    rgb color = strcmp(style, "note") == 0 ? RGB_MUTED : RGB_TEXT;
    double indent = strcmp(style, "bullet") == 0 ? 12 : 0;
    strbuf a = STRBUF_INIT;
    int rc = element_text(c, el, ctx_primary(c), &a);
    if (!rc) {
        doc_ensure(c, size * 1.6);
        if (indent > 0)
            doc_fill_rect(c, c->margin_l + 3, c->y - size * 0.65, 3, 3, RGB_ACCENT);
        doc_flow_text(c, a.buf, size, indent, color, 1.6);
    }
    if (!rc && c->mode == MODE_BILINGUAL) {
        sb_reset(&a);
        rc = element_text(c, el, LANG_EN, &a);
        if (!rc)
            doc_flow_text(c, a.buf, size * 0.85, indent, RGB_MUTED, 1.45);
    }
    c->y -= size * 0.5;
    sb_release(&a);
    return rc;
}

/* <list dataset="findings" field="text" empty="No indicator crossed a threshold."/> */
static int blk_list(rctx *c, xmlNodePtr el)
{
    char name[64], field[64], empty[256];
    tpl_attr_buf(el, "dataset", "findings", name, sizeof name);
    tpl_attr_buf(el, "field", "text", field, sizeof field);
    tpl_attr_buf(el, "empty", "", empty, sizeof empty);
    dataset d;
    if (ds_load(c, el, name, &d))
        return c->err->code;
    int col = ds_col(&d, field), label = ds_col(&d, "name");
    if (col < 0) {
        ds_free(&d);
        return fail(c, el, "field", "dataset has no column", field);
    }
    double size = c->base_size;
    for (int r = 0; r < d.nrows; r++) {
        strbuf line = STRBUF_INIT;
        if (label >= 0 && label != col)
            sb_addf(&line, "%s%s", ds_at(&d, r, label)->text, i18n_tr(ctx_primary(c), ": "));
        sb_addstr(&line, ds_at(&d, r, col)->text);
        doc_ensure(c, size * 1.6);
        doc_fill_rect(c, c->margin_l + 3, c->y - size * 0.65, 3, 3, RGB_ACCENT);
        doc_flow_text(c, line.buf, size, 12, RGB_TEXT, 1.55);
        sb_release(&line);
    }
    if (d.nrows == 0 && empty[0]) {
        doc_flow_text(c, i18n_tr(ctx_primary(c), empty), size, 0, RGB_MUTED, 1.55);
        if (c->mode == MODE_BILINGUAL)
            doc_flow_text(c, empty, size * 0.85, 0, RGB_MUTED, 1.45);
    }
    c->y -= size * 0.5;
    ds_free(&d);
    return HR_OK;
}

/* Draws one KPI card with its top-left corner at (x, top). */
static void kpi_card(rctx *c, const ind_row *r, double x, double top, double w, double h, int wan)
{
    i18n_lang lang = ctx_primary(c);
    char buf[I18N_NUM_MAX];
    doc_fill_rect(c, x, top - h, w, h, RGB_CARD);
    doc_fill_rect(c, x, top - h, 3, h, RGB_ACCENT);
    double pad = 9, y = top - pad;
    double nsize = 8.5; /* long names shrink to the card's width */
    while (doc_text_width(c, r->name[lang], nsize) > w - 2 * pad && nsize > 6)
        nsize -= 0.5;
    doc_text(c, x + pad, y - 8.5, nsize, r->name[lang], RGB_MUTED);
    y -= 11;
    if (c->mode == MODE_BILINGUAL) {
        doc_text(c, x + pad, y - 7, 7, r->name[LANG_EN], RGB_MUTED);
        y -= 9;
    }
    double vsize = 17;
    nf_opts o = ind_opts(r, wan);
    if (r->masked[0])
        snprintf(buf, sizeof buf, "%s", r->masked);
    else
        nf_value(lang, r->unit, r->value, &o, buf);
    while (doc_text_width(c, buf, vsize) > w - 2 * pad && vsize > 9)
        vsize -= 1;
    doc_text(c, x + pad, y - vsize - 2, vsize, buf, RGB_TEXT);
    y -= vsize + 8;
    /* A quarter's MoM base is the previous quarter (QoQ); a year has none. */
    static const char *const cmp[] = {"mom", "yoy"};
    const char *label[] = {c->per.kind == PERIOD_QUARTER ? "QoQ" : "MoM", "YoY"};
    for (int i = c->per.kind == PERIOD_YEAR ? 1 : 0; i < 2; i++) {
        double ch = pick(r, cmp[i]);
        rgb color = blk_change_color(r->direction, ch);
        const char *lab = i18n_tr(lang, label[i]);
        doc_text(c, x + pad, y - 8, 8, lab, RGB_MUTED);
        double ax = x + pad + doc_text_width(c, lab, 8) + 8;
        if (isfinite(ch) && ch != 0)
            doc_triangle(c, ax, y - 5, 6.5, ch > 0, color);
        else
            doc_fill_rect(c, ax - 3, y - 5.6, 6, 1.4, RGB_NEUTRAL);
        doc_text(c, ax + 7, y - 8, 8, nf_change(lang, r->unit, ch, NULL, buf), color);
        y -= 11.5;
    }
}

int blk_kpis(rctx *c, xmlNodePtr el)
{
    char list[512], dim[32];
    tpl_attr_buf(el, "indicators", "", list, sizeof list);
    tpl_attr_buf(el, "dimension", "", dim, sizeof dim);
    const ind_row *rows[64];
    int n = 0;
    if (dim[0]) {
        for (int i = 0; i < c->nind && n < 64; i++)
            if (strcmp(c->ind[i].dimension, dim) == 0)
                rows[n++] = &c->ind[i];
    } else {
        char *save = NULL;
        for (char *t = strtok_r(list, " ,", &save); t && n < 64; t = strtok_r(NULL, " ,", &save))
            if (!(rows[n++] = ind_find(c, t)))
                return fail(c, el, "indicators", "unknown indicator", t);
    }
    /* a card without data for the scope is left out, not drawn empty (an
     * outpatient-only department has no bed or discharge cards) */
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (blk_has_data(rows[i])) {
            ind_mark(c, rows[i]->id);
            rows[kept++] = rows[i];
        }
    n = kept;
    int per_row = (int)tpl_attr_num(el, "columns", 4), wan = tpl_attr_num(el, "wan", 0) > 0;
    double gap = 8, w = (ctx_width(c) - gap * (per_row - 1)) / per_row;
    double h = c->mode == MODE_BILINGUAL ? 78 : 69;
    int left_out = 0;
    for (int i = 0; i < n; i += per_row) {
        doc_ensure(c, h + gap);
        for (int j = 0; j < per_row && i + j < n; j++) {
            kpi_card(c, rows[i + j], c->margin_l + j * (w + gap), c->y, w, h, wan);
            left_out |= strcmp(rows[i + j]->masked, "—") == 0;
        }
        c->y -= h + gap;
    }
    c->y -= 4;
    if (left_out)
        ds_small_counts_note(c);
    return HR_OK;
}

int blk_cover(rctx *c, xmlNodePtr el)
{
    doc_new_page(c);
    c->cover_pages = c->npages;
    i18n_lang lang = ctx_primary(c);
    double cx = c->page_w / 2;
    doc_fill_rect(c, 0, c->page_h - 12, c->page_w, 12, RGB_ACCENT);
    c->y = c->page_h * 0.70;
    doc_text_center(c, cx, c->y, 15, c->hospital[lang], RGB_MUTED);
    if (c->mode == MODE_BILINGUAL)
        doc_text_center(c, cx, c->y - 18, 10, c->hospital[LANG_EN], RGB_MUTED);
    c->y -= 70;
    for (xmlNodePtr n = el->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        int show;
        if (blk_condition(c, n, &show))
            return c->err->code;
        if (!show)
            continue;
        int title = tpl_is(n, "title");
        double size = title ? 26 : 12;
        strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        if (element_text(c, n, lang, &a) ||
            (c->mode == MODE_BILINGUAL && element_text(c, n, LANG_EN, &b)))
            return sb_release(&a), sb_release(&b), c->err->code;
        doc_text_center(c, cx, c->y, size, a.buf, title ? RGB_ACCENT : RGB_TEXT);
        c->y -= size * 1.5;
        if (c->mode == MODE_BILINGUAL) {
            doc_text_center(c, cx, c->y + size * 0.3, size * 0.55, b.buf, RGB_MUTED);
            c->y -= size * 0.8;
        }
        if (title) {
            doc_line(c, cx - 60, c->y + 4, cx + 60, c->y + 4, 1.5, RGB_ACCENT);
            c->y -= 24;
        }
        sb_release(&a);
        sb_release(&b);
    }
    c->y = 0; /* what follows starts on a new page */
    return HR_OK;
}

int blk_body(rctx *c, xmlNodePtr first)
{
    for (xmlNodePtr n = first; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        int show, rc = HR_OK;
        if (blk_condition(c, n, &show))
            return c->err->code;
        if (!show)
            continue;
        const char *name = (const char *)n->name;
        if (!strcmp(name, "h"))
            rc = blk_heading(c, n);
        else if (!strcmp(name, "p"))
            rc = blk_paragraph(c, n);
        else if (!strcmp(name, "kpis"))
            rc = blk_kpis(c, n);
        else if (!strcmp(name, "scorecard"))
            rc = dash_scorecard(c, n);
        else if (!strcmp(name, "quadrant"))
            rc = dash_quadrant(c, n);
        else if (!strcmp(name, "table"))
            rc = tbl_render(c, n);
        else if (!strcmp(name, "chart"))
            rc = chart_render(c, n);
        else if (!strcmp(name, "list"))
            rc = blk_list(c, n);
        else if (!strcmp(name, "section"))
            rc = blk_body(c, n->children);
        else if (!strcmp(name, "pagebreak"))
            doc_new_page(c);
        else if (!strcmp(name, "toc")) {
            doc_new_page(c);
            c->toc_page = c->npages - 1;
            doc_new_page(c);
        } else if (!strcmp(name, "cover"))
            rc = blk_cover(c, n);
        else if (!strcmp(name, "spacer"))
            c->y -= tpl_attr_num(n, "height-mm", 5) * 72 / 25.4;
        if (rc)
            return rc;
        if (c->err->code) /* a PDF library error */
            return c->err->code;
    }
    return HR_OK;
}
