/*
 * table.c -- tables from datasets: <table dataset="..."> with <col> children
 * naming a field, a label (message id), a format and a relative width.
 * Numbers are right-aligned, rows alternate (zebra), an optional totals
 * row sums the columns marked total="sum", and a row that does not fit
 * goes to a new page under a repeated header row. Cell text wraps, so long
 * words and numbers never overflow their cell.
 *
 * Formats: text, msg (the cell is a message id), int, num1, num2, money,
 * money_wan, pct, change (relative %), pp, value / change_unit (formatted
 * by the row's `unit` column, like indicator values), and row:FIELD (the
 * row's FIELD column names one of these, e.g. a value on most rows and a
 * change on others).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/render/render_internal.h"
#include "stages/render/template.h"

#define TBL_MAX_COLS 16

typedef struct tcol {
    char field[64], label[128], format[64], total[8];
    char brk[112];    /* break="mom[:ID]": mark not like-for-like comparisons */
    xmlNodePtr el;    /* the <col>, for its placeholders ({month:1}) */
    int index;        /* dataset column */
    double width;     /* points */
    char align;
} tcol;

char tbl_format(rctx *c, i18n_lang lang, const char *format, const dataset *d, int row, int col,
                char *buf, size_t size)
{
    const ds_cell *cell = ds_at(d, row, col);
    char num[I18N_NUM_MAX];
    if (!strncmp(format, "row:", 4)) { /* the row says, in the named column */
        int fc = ds_col(d, format + 4);
        format = fc >= 0 ? ds_at(d, row, fc)->text : "";
        if (!*format || !strncmp(format, "row:", 4))
            format = "text";
    }
    double v = cell->num;
    int unit_col = ds_col(d, "unit");
    const char *unit = unit_col >= 0 ? ds_at(d, row, unit_col)->text : "count";
    if (!strcmp(format, "text")) {
        snprintf(buf, size, "%s", cell->text[0] ? cell->text : i18n_tr(lang, "—"));
        return 'l';
    }
    if (!strcmp(format, "msg")) { /* bilingual: the English beneath */
        const char *t = i18n_tr(lang, cell->text);
        if (c->mode == MODE_BILINGUAL && lang == LANG_ZH && strcmp(t, cell->text))
            snprintf(buf, size, "%s\n%s", t, cell->text);
        else
            snprintf(buf, size, "%s", t);
        return 'l';
    }
    if (!strcmp(format, "int"))
        nf_number(v, 0, num);
    else if (!strcmp(format, "num1"))
        nf_number(v, 1, num);
    else if (!strcmp(format, "num2") || !strcmp(format, "money"))
        nf_number(v, 2, num);
    else if (!strcmp(format, "money_wan"))
        nf_number(v / 10000.0, 2, num);
    else if (!strcmp(format, "pct"))
        nf_value(lang, "percent", v, &(nf_opts){.fixed = 1, .decimals = 1}, num);
    else if (!strcmp(format, "change"))
        nf_change(lang, "count", v, NULL, num);
    else if (!strcmp(format, "pp"))
        nf_change(lang, "percent", v, NULL, num);
    else if (!strcmp(format, "value")) {
        /* by the row's indicator, when the dataset names it: totals,
         * fees and decimals as on the cards */
        int ic = ds_col(d, "indicator");
        const ind_row *r = ic >= 0 ? ind_find(c, ds_at(d, row, ic)->text) : NULL;
        nf_opts o = r ? ind_opts(r, 0) : (nf_opts){0};
        nf_value(lang, unit, v, &o, num);
    }
    else if (!strcmp(format, "change_unit"))
        nf_change(lang, unit, v, NULL, num);
    else
        snprintf(num, sizeof num, "%s", cell->text);
    /* a small count's mark where the number was: "<5" or "—"
     * (ds_small_counts_begin) */
    if (!isfinite(v) && strcmp(format, "text") != 0 &&
        ((cell->text[0] == '<' && cell->text[1] >= '1' && cell->text[1] <= '9') ||
         strcmp(cell->text, "—") == 0))
        snprintf(num, sizeof num, "%s", cell->text);
    snprintf(buf, size, "%s", num);
    return 'r';
}

static int read_cols(rctx *c, xmlNodePtr el, const dataset *d, tcol *cols, int *ncols)
{
    double total_weight = 0;
    *ncols = 0;
    for (xmlNodePtr n = el->children; n; n = n->next) {
        if (!tpl_is(n, "col") || *ncols == TBL_MAX_COLS)
            continue;
        tcol *k = &cols[(*ncols)++];
        k->el = n;
        tpl_attr_buf(n, "field", "", k->field, sizeof k->field);
        char *label = tpl_text(n);
        snprintf(k->label, sizeof k->label, "%s", label);
        free(label);
        tpl_attr_buf(n, "format", "text", k->format, sizeof k->format);
        tpl_attr_buf(n, "total", "", k->total, sizeof k->total);
        tpl_attr_buf(n, "break", "", k->brk, sizeof k->brk);
        k->width = tpl_attr_num(n, "width", 1);
        total_weight += k->width;
        k->index = ds_col(d, k->field);
        char align[16];
        tpl_attr_buf(n, "align", "", align, sizeof align);
        if (align[0]) /* the template decides: left, right or center */
            k->align = align[0] == 'r' ? 'r' : align[0] == 'c' ? 'c' : 'l';
        else /* numbers right, text left */
            k->align = strcmp(k->format, "text") && strcmp(k->format, "msg") ? 'r' : 'l';
        if (k->index < 0)
            return hr_error_set(c->err, HR_EINPUT, c->tpl_path, xmlGetLineNo(n), "field",
                                "the dataset has no column '%s'", k->field);
        if (!strncmp(k->format, "row:", 4) && ds_col(d, k->format + 4) < 0)
            return hr_error_set(c->err, HR_EINPUT, c->tpl_path, xmlGetLineNo(n), "format",
                                "the dataset has no column '%s' to take the format from",
                                k->format + 4);
    }
    for (int i = 0; i < *ncols; i++)
        cols[i].width = cols[i].width / total_weight * ctx_width(c);
    return HR_OK;
}

#define PAD 4.0

/* The header cell text: the label in the primary language, English beneath
 * in bilingual documents. */
/* The header of a column in the report's language(s), its placeholders
 * expanded ("{month:1}" -> 7月 / Jul); an error is left in c->err. */
static void header_label(rctx *c, const tcol *k, char *buf, size_t size)
{
    strbuf a = STRBUF_INIT, b = STRBUF_INIT;
    blk_expand(c, k->el, ctx_primary(c), i18n_tr(ctx_primary(c), k->label), &a);
    if (c->mode == MODE_BILINGUAL)
        blk_expand(c, k->el, LANG_EN, k->label, &b);
    if (c->mode == MODE_BILINGUAL && b.len && strcmp(a.buf ? a.buf : "", b.buf) != 0)
        snprintf(buf, size, "%s\n%s", a.buf ? a.buf : "", b.buf);
    else
        snprintf(buf, size, "%s", a.buf ? a.buf : "");
    sb_release(&a);
    sb_release(&b);
}

/* 1 when, at `size`, every line of a header label fits the width: a
 * Chinese term of up to 7 characters whole (longer ones may wrap), other
 * text word by word. */
static int header_fits(rctx *c, const char *label, double w, double size)
{
    char line[300];
    for (const char *p = label; *p;) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        p += n + (p[n] == '\n');
        int cjk = 0, chars = 0;
        for (const char *q = line; *q; q++) {
            cjk |= (unsigned char)*q >= 0x80;
            chars += ((unsigned char)*q & 0xC0) != 0x80;
        }
        if (cjk) {
            if (chars <= 7 && doc_text_width(c, line, size) > w)
                return 0;
            continue;
        }
        for (char *word = strtok(line, " "); word; word = strtok(NULL, " "))
            if (doc_text_width(c, word, size) > w)
                return 0;
    }
    return 1;
}

/* A header cell's font size: the table's, or down to 3/4 of it so that no
 * word is broken ("Operation-s", "门急诊合-计"); the table's when even that
 * is not enough. */
static double header_size(rctx *c, const char *label, double w, double size)
{
    for (double s = size; s >= size * 0.75 - 1e-9; s -= 0.25)
        if (header_fits(c, label, w, s))
            return s;
    return size;
}

static double header_height(rctx *c, const tcol *cols, int n, double size)
{
    double h = 0;
    char buf[300];
    for (int i = 0; i < n; i++) {
        header_label(c, &cols[i], buf, sizeof buf);
        double w = cols[i].width - 2 * PAD;
        double hh = doc_box_text(c, 0, 0, w, buf, header_size(c, buf, w, size), 'l', RGB_TEXT, 0);
        h = hh > h ? hh : h;
    }
    return h + 2 * PAD;
}

static void draw_header(rctx *c, const tcol *cols, int n, double size, double h)
{
    double x = c->margin_l;
    doc_fill_rect(c, x, c->y - h, ctx_width(c), h, RGB_ACCENT);
    char buf[300];
    for (int i = 0; i < n; i++) {
        header_label(c, &cols[i], buf, sizeof buf);
        double w = cols[i].width - 2 * PAD;
        doc_box_text(c, x + PAD, c->y - PAD, w, buf, header_size(c, buf, w, size), cols[i].align,
                     RGB_WHITE, 1);
        x += cols[i].width;
    }
    c->y -= h;
}

typedef struct row_text {
    char cell[TBL_MAX_COLS][256];
} row_text;

static double row_height(rctx *c, const tcol *cols, int n, const row_text *t, double size)
{
    double h = 0;
    for (int i = 0; i < n; i++) {
        double hh = doc_box_text(c, 0, 0, cols[i].width - 2 * PAD, t->cell[i], size, 'l',
                                 RGB_TEXT, 0);
        h = hh > h ? hh : h;
    }
    return h + 2 * PAD;
}

static void draw_row(rctx *c, const tcol *cols, int n, const row_text *t, double size, double h,
                     rgb fill, int bold_rule)
{
    if (fill.r < 1)
        doc_fill_rect(c, c->margin_l, c->y - h, ctx_width(c), h, fill);
    double x = c->margin_l;
    for (int i = 0; i < n; i++) {
        doc_box_text(c, x + PAD, c->y - PAD, cols[i].width - 2 * PAD, t->cell[i], size,
                     cols[i].align, RGB_TEXT, 1);
        x += cols[i].width;
    }
    if (bold_rule)
        doc_line(c, c->margin_l, c->y, c->margin_l + ctx_width(c), c->y, 0.8, RGB_ACCENT);
    c->y -= h;
    doc_line(c, c->margin_l, c->y, c->margin_l + ctx_width(c), c->y, 0.3, RGB_RULE);
}

static void totals_row(rctx *c, const tcol *cols, int n, const dataset *d, row_text *t)
{
    i18n_lang lang = ctx_primary(c);
    for (int i = 0; i < n; i++) {
        t->cell[i][0] = '\0';
        if (strcmp(cols[i].total, "sum") != 0)
            continue;
        double sum = 0;
        for (int r = 0; r < d->nrows; r++) {
            double v = ds_at(d, r, cols[i].index)->num;
            if (isfinite(v))
                sum += v;
        }
        char num[I18N_NUM_MAX];
        const char *f = cols[i].format;
        double shown = !strcmp(f, "money_wan") ? sum / 10000.0 : sum;
        nf_number(shown, !strcmp(f, "int") ? 0 : (!strcmp(f, "num1") ? 1 : 2), num);
        snprintf(t->cell[i], sizeof t->cell[i], "%s", num);
    }
    const char *label = i18n_tr(lang, "Total");
    if (c->mode == MODE_BILINGUAL)
        snprintf(t->cell[0], sizeof t->cell[0], "%s Total", label);
    else
        snprintf(t->cell[0], sizeof t->cell[0], "%s", label);
}

/* ---- comparisons that are not like-for-like (advise's advice_break) ---- */

#define TBL_MAX_REASONS 8

typedef struct breaks {
    sqlite3_stmt *st;
    int sc, ic;  /* the dataset's scope and indicator columns, or -1 */
    int n;       /* distinct reasons marked */
    char reason[TBL_MAX_REASONS][2][320];
} breaks;

static void breaks_open(rctx *c, xmlNodePtr el, const dataset *d, const tcol *cols, int n,
                        breaks *b)
{
    memset(b, 0, sizeof *b);
    int any = 0;
    for (int i = 0; i < n; i++)
        any |= cols[i].brk[0] != '\0';
    if (!any)
        return;
    char field[64];
    tpl_attr_buf(el, "scope-field", "scope", field, sizeof field);
    b->sc = ds_col(d, field);
    b->ic = ds_col(d, "indicator");
    if (sqlite3_prepare_v2(c->db,
                           "SELECT reason_zh, reason_en FROM advice_break WHERE period = ?1 AND"
                           " comparison = ?2 AND scope = ?3 AND (indicator = ?4 OR indicator = '')"
                           " ORDER BY indicator DESC LIMIT 1",
                           -1, &b->st, NULL) != SQLITE_OK) {
        sqlite3_finalize(b->st); /* a database without advice: nothing to mark */
        b->st = NULL;
    }
}

/* The cell's comparison is not like-for-like: its mark is added to the
 * cell, its reason to the table's footnote. */
static void breaks_mark(rctx *c, breaks *b, const tcol *k, const dataset *d, int row, char *cell,
                        size_t size)
{
    if (!b->st || !k->brk[0] || !isfinite(ds_at(d, row, k->index)->num))
        return;
    char cmp[8], ind[96];
    const char *colon = strchr(k->brk, ':');
    snprintf(cmp, sizeof cmp, "%.*s", colon ? (int)(colon - k->brk) : (int)strlen(k->brk), k->brk);
    snprintf(ind, sizeof ind, "%s", colon ? colon + 1 : b->ic >= 0 ? ds_at(d, row, b->ic)->text : "");
    const char *scope = b->sc >= 0 ? ds_at(d, row, b->sc)->text : c->scope;
    sqlite3_reset(b->st);
    sqlite3_bind_text(b->st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(b->st, 2, cmp, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(b->st, 3, scope, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(b->st, 4, ind, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(b->st) != SQLITE_ROW)
        return;
    size_t len = strlen(cell);
    snprintf(cell + len, size - len, "*");
    const char *zh = (const char *)sqlite3_column_text(b->st, 0);
    const char *en = (const char *)sqlite3_column_text(b->st, 1);
    for (int i = 0; i < b->n; i++)
        if (!strcmp(b->reason[i][0], zh))
            return;
    if (b->n < TBL_MAX_REASONS) {
        snprintf(b->reason[b->n][0], sizeof b->reason[0][0], "%s", zh);
        snprintf(b->reason[b->n][1], sizeof b->reason[0][1], "%s", en);
        b->n++;
    }
}

/* "* 非同口径比较，不作为改善或恶化：…" under the table, in the report's
 * language(s). */
static void breaks_note(rctx *c, breaks *b)
{
    sqlite3_finalize(b->st);
    b->st = NULL;
    if (!b->n)
        return;
    double size = c->base_size * 0.8;
    for (int l = 0; l < 2; l++) {
        i18n_lang lang = l == 0 ? ctx_primary(c) : LANG_EN;
        if (l == 1 && c->mode != MODE_BILINGUAL)
            break;
        strbuf reasons = STRBUF_INIT, note = STRBUF_INIT;
        for (int i = 0; i < b->n; i++) {
            if (i)
                sb_addstr(&reasons, i18n_tr(lang, N_("; ")));
            sb_addstr(&reasons, b->reason[i][lang == LANG_EN]);
        }
        sb_addf(&note, i18n_tr(lang, N_("* Not like-for-like, neither an improvement nor a "
                                        "deterioration: %s.")),
                reasons.buf ? reasons.buf : "");
        doc_ensure(c, size * 1.6);
        doc_flow_text(c, note.buf, size, 0, RGB_MUTED, 1.45);
        sb_release(&reasons);
        sb_release(&note);
    }
    c->y -= size * 0.5;
}

int tbl_render(rctx *c, xmlNodePtr el)
{
    char name[64];
    tpl_attr_buf(el, "dataset", "", name, sizeof name);
    dataset d;
    if (ds_load(c, el, name, &d))
        return c->err->code;
    tcol cols[TBL_MAX_COLS];
    int n;
    if (read_cols(c, el, &d, cols, &n)) {
        ds_free(&d);
        return c->err->code;
    }
    double size = tpl_attr_num(el, "font-size", c->base_size * 0.85);
    int zebra = tpl_attr_num(el, "zebra", 1) > 0, totals = tpl_attr_num(el, "totals", 0) > 0;
    int limit = (int)tpl_attr_num(el, "limit", 1e9);
    double hh = header_height(c, cols, n, size);
    row_text *t = xmalloc(sizeof *t);
    i18n_lang lang = ctx_primary(c);
    breaks brk;
    breaks_open(c, el, &d, cols, n, &brk);
    double first_h = 0;
    if (d.nrows > 0) {
        for (int i = 0; i < n; i++)
            tbl_format(c, lang, cols[i].format, &d, 0, cols[i].index, t->cell[i], sizeof t->cell[i]);
        first_h = row_height(c, cols, n, t, size);
    }
    doc_ensure(c, hh + first_h * (d.nrows < 3 ? d.nrows : 3) + 4); /* header + 3 rows together */
    draw_header(c, cols, n, size, hh);
    /* limit="5" tail="5": the first five rows and the last five (a league
     * table's top and bottom), and a highlighted row between them, with one
     * line saying how many were left out */
    int tail = (int)tpl_attr_num(el, "tail", 0), hl = ds_col(&d, "highlight");
    int ic = ds_col(&d, "indicator");
    int rows = d.nrows < limit ? d.nrows : limit, left_out = 0, skipped = 0;
    if (tail > 0 && d.nrows > limit + tail)
        rows = d.nrows;
    for (int r = 0; r < rows; r++) {
        if (tail > 0 && r >= limit && r < d.nrows - tail &&
            !(hl >= 0 && ds_at(&d, r, hl)->num > 0)) {
            skipped++;
            if (r + 1 < d.nrows - tail)
                continue;
        }
        if (skipped > 0) { /* the gap, said where it is */
            ctx_note(c, N_("… %d row not shown"), N_("… %d rows not shown"), skipped,
                     t->cell[0], sizeof t->cell[0]);
            double gh = size * 1.25 + 2 * PAD; /* one line across the table */
            if (doc_ensure(c, gh))
                draw_header(c, cols, n, size, hh);
            doc_text(c, c->margin_l + PAD, c->y - PAD - size * 0.9, size * 0.9, t->cell[0], RGB_MUTED);
            c->y -= gh;
            doc_line(c, c->margin_l, c->y, c->margin_l + ctx_width(c), c->y, 0.3, RGB_RULE);
            skipped = 0;
            if (r < d.nrows - tail && !(hl >= 0 && ds_at(&d, r, hl)->num > 0))
                continue;
        }
        if (ic >= 0) /* a row of an indicator: the appendix defines it */
            ind_mark(c, ds_at(&d, r, ic)->text);
        for (int i = 0; i < n; i++) {
            tbl_format(c, lang, cols[i].format, &d, r, cols[i].index, t->cell[i], sizeof t->cell[i]);
            breaks_mark(c, &brk, &cols[i], &d, r, t->cell[i], sizeof t->cell[i]);
            left_out |= c->small_k > 0 && cols[i].index >= 0 &&
                        strcmp(ds_at(&d, r, cols[i].index)->text, "—") == 0;
        }
        double h = row_height(c, cols, n, t, size);
        if (doc_ensure(c, h))
            draw_header(c, cols, n, size, hh); /* repeated on every page */
        draw_row(c, cols, n, t, size, h, zebra && r % 2 ? RGB_ZEBRA : RGB_WHITE, 0);
    }
    if (rows == 0) {
        snprintf(t->cell[0], sizeof t->cell[0], "%s", i18n_tr(lang, "No data for this period."));
        for (int i = 1; i < n; i++)
            t->cell[i][0] = '\0';
        draw_row(c, cols, n, t, size, size * 1.25 + 2 * PAD, RGB_WHITE, 0);
    } else if (totals) {
        totals_row(c, cols, n, &d, t);
        double h = row_height(c, cols, n, t, size);
        if (doc_ensure(c, h))
            draw_header(c, cols, n, size, hh);
        draw_row(c, cols, n, t, size, h, RGB_CARD, 1);
    }
    c->y -= 10;
    if (left_out)
        ds_small_counts_note(c);
    breaks_note(c, &brk);
    free(t);
    ds_free(&d);
    return HR_OK;
}
