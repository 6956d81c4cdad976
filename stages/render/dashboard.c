/*
 * dashboard.c -- the dashboard page's own elements (templates/README.md,
 * "The dashboard"):
 *
 *   <scorecard indicators="a b c" columns="4"/>  status cards: the value,
 *       its changes, a traffic light judged against the indicator's warning
 *       band (config/indicators.xml warn_low / warn_high) and its budget
 *       (budget.csv through compute's budget_execution.ID), and a 13-month
 *       sparkline; a note below says what the lights mean and how much of
 *       the budget year has gone.
 *   <quadrant dataset="N" x-label="MSGID" y-label="MSGID">Title</quadrant>
 *       one point per row (x = label, xvalue, value, optional highlight),
 *       divided at the row with reference = 1 (the whole hospital), else at
 *       the medians; top right is better on both, bottom left worse on both.
 *
 * Budget execution is read against time: a flow (revenue, visits) is
 * judged against the elapsed share of the budget year (the period's last
 * month / 12: 83.3 % in October, 100 % for a year). A ratio (drug share)
 * is judged by its year-to-date value against the budget's target, a cap
 * when the indicator should fall and a floor when it should rise, like a
 * band limit: beyond it red, within 5 % of it amber.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "stages/render/render_internal.h"
#include "stages/render/template.h"

/* Budget execution this many points on the wrong side of its benchmark is
 * red; less is amber. A value within NEAR_SHARE of a band limit is amber. */
#define BUDGET_TOLERANCE 2.0
#define NEAR_SHARE 0.05

enum { ST_NONE, ST_GOOD, ST_WATCH, ST_ALERT };

static const char *const status_word[] = {N_("No target"), N_("On track"), N_("Watch"),
                                          N_("Alert")};

static rgb status_color(int s)
{
    static const rgb amber = {0.93f, 0.62f, 0.10f};
    return s == ST_ALERT ? RGB_BAD : s == ST_WATCH ? amber : s == ST_GOOD ? RGB_GOOD : RGB_NEUTRAL;
}

/* The elapsed share of the budget year at the end of the period, in %. */
static double time_progress(const rctx *c)
{
    int m = atoi(c->month_last + 5);
    return m >= 1 && m <= 12 ? m * 100.0 / 12 : NAN;
}

typedef struct card_status {
    int level;
    char line[2][2][160]; /* [n][lang]: what it was judged against */
    int nlines;
} card_status;

static void add_line(card_status *s, const char *zh, const char *en)
{
    if (s->nlines == 2)
        return;
    snprintf(s->line[s->nlines][LANG_ZH], sizeof s->line[0][0], "%s", zh);
    snprintf(s->line[s->nlines][LANG_EN], sizeof s->line[0][0], "%s", en);
    s->nlines++;
}

static int max_level(int a, int b) { return a > b ? a : b; }

/* The status of an indicator's card, and the lines saying why. */
static void judge(const rctx *c, const ind_row *r, card_status *s)
{
    memset(s, 0, sizeof *s);
    char a[I18N_NUM_MAX], b[I18N_NUM_MAX], zh[160], en[160];
    nf_opts o = ind_opts(r, 1);
    /* the warning band */
    if (isfinite(r->warn_low) || isfinite(r->warn_high)) {
        int st = ST_GOOD;
        double v = r->value, lo = r->warn_low, hi = r->warn_high;
        if (isfinite(v)) {
            if ((isfinite(lo) && v < lo) || (isfinite(hi) && v > hi))
                st = ST_ALERT;
            else if ((isfinite(hi) && v > hi - fabs(hi) * NEAR_SHARE) ||
                     (isfinite(lo) && v < lo + fabs(lo) * NEAR_SHARE))
                st = ST_WATCH;
            s->level = max_level(s->level, st);
        }
        for (int l = 0; l < 2; l++) {
            char *out = l == LANG_ZH ? zh : en;
            nf_value(l, r->unit, lo, &o, a);
            nf_value(l, r->unit, hi, &o, b);
            if (isfinite(lo) && isfinite(hi))
                snprintf(out, 160, i18n_tr(l, "Band %s–%s"), a, b);
            else if (isfinite(hi))
                snprintf(out, 160, i18n_tr(l, "Warning above %s"), b);
            else
                snprintf(out, 160, i18n_tr(l, "Warning below %s"), a);
        }
        add_line(s, zh, en);
    }
    /* the budget: a flow's execution against time; a ratio's year-to-date
     * value against the budget's own target, which the direction makes a
     * cap (drug share at most 28.0 %) or a floor, judged like a band limit */
    char id[96];
    snprintf(id, sizeof id, "budget_execution.%s", r->id);
    const ind_row *b_row = ind_find(c, id);
    int up = !strcmp(r->direction, "up"), down = !strcmp(r->direction, "down");
    if (b_row && isfinite(b_row->value) && r->flow) {
        double bench = time_progress(c), gap = b_row->value - bench;
        int wrong = (up && gap < 0) || (down && gap > 0);
        if (isfinite(bench) && (up || down))
            s->level = max_level(s->level, !wrong                            ? ST_GOOD
                                           : fabs(gap) > BUDGET_TOLERANCE ? ST_ALERT
                                                                            : ST_WATCH);
        for (int l = 0; l < 2; l++) {
            char *out = l == LANG_ZH ? zh : en;
            nf_number(b_row->value, 1, a);
            nf_number(bench, 1, b);
            snprintf(out, 160, i18n_tr(l, N_("Budget %s%% (time %s%%)")), a, b);
        }
        add_line(s, zh, en);
    } else if (b_row && isfinite(b_row->num) && isfinite(b_row->den) && (up || down)) {
        double v = b_row->num, cap = b_row->den;
        int st = (up && v < cap) || (down && v > cap) ? ST_ALERT
                 : (up && v < cap + fabs(cap) * NEAR_SHARE) ||
                         (down && v > cap - fabs(cap) * NEAR_SHARE)
                     ? ST_WATCH
                     : ST_GOOD;
        s->level = max_level(s->level, st);
        for (int l = 0; l < 2; l++) {
            char *out = l == LANG_ZH ? zh : en;
            nf_value(l, r->unit, cap, &o, a);
            nf_value(l, r->unit, v, &o, b);
            snprintf(out, 160,
                     i18n_tr(l, down ? N_("Budget cap %s (year to date %s)")
                                     : N_("Budget floor %s (year to date %s)")),
                     a, b);
        }
        add_line(s, zh, en);
    }
    /* a change beyond the catalogue's thresholds (compute's flag) */
    if (r->flag[0] && (!strcmp(r->flag, "mom") || !strcmp(r->flag, "yoy")))
        s->level = max_level(s->level, ST_WATCH);
    if (r->flag[0] && (!strcmp(r->flag, "band_low") || !strcmp(r->flag, "band_high")))
        s->level = ST_ALERT;
}

/* The 13 monthly values to the period's last month (NAN where none). */
static int sparkline_values(rctx *c, const char *id, double v[13])
{
    for (int i = 0; i < 13; i++)
        v[i] = NAN;
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT (CAST(substr(:last, 1, 4) AS INTEGER) * 12 + "
                                  "CAST(substr(:last, 6, 2) AS INTEGER)) - (CAST(substr(period, 1, "
                                  "4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER)), "
                                  "value FROM indicator_value WHERE scope = :scope AND indicator "
                                  "= :ind AND length(period) = 7 AND period <= :last AND period "
                                  ">= strftime('%Y-%m', :last || '-01', '-12 months')",
                                  c->err);
    if (!st)
        return c->err->code;
    sqlite3_bind_text(st, 1, c->month_last, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    int rc = HR_OK;
    while (db_row(st, &rc, c->err)) {
        int back = sqlite3_column_int(st, 0);
        if (back >= 0 && back <= 12 && sqlite3_column_type(st, 1) != SQLITE_TEXT &&
            sqlite3_column_type(st, 1) != SQLITE_NULL)
            v[12 - back] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    return rc;
}

static void sparkline(rctx *c, const double v[13], double x, double y, double w, double h, rgb k)
{
    double lo = INFINITY, hi = -INFINITY;
    int n = 0;
    for (int i = 0; i < 13; i++)
        if (isfinite(v[i]))
            lo = fmin(lo, v[i]), hi = fmax(hi, v[i]), n++;
    if (n < 2)
        return;
    if (hi - lo < 1e-9 * fmax(1, fabs(hi)))
        lo -= 1, hi += 1;
    HPDF_Page p = c->pages[c->npages - 1];
    HPDF_Page_SetRGBStroke(p, k.r, k.g, k.b);
    HPDF_Page_SetLineWidth(p, 1);
    int pen = 0;
    double lx = 0, ly = 0;
    for (int i = 0; i < 13; i++) {
        if (!isfinite(v[i])) {
            pen = 0;
            continue;
        }
        lx = x + w * i / 12, ly = y + (v[i] - lo) / (hi - lo) * h;
        pen ? HPDF_Page_LineTo(p, (HPDF_REAL)lx, (HPDF_REAL)ly)
            : HPDF_Page_MoveTo(p, (HPDF_REAL)lx, (HPDF_REAL)ly);
        pen = 1;
    }
    if (HPDF_Page_GetGMode(p) == HPDF_GMODE_PATH_OBJECT)
        HPDF_Page_Stroke(p);
    if (isfinite(v[12]))
        doc_fill_rect(c, lx - 1.6, ly - 1.6, 3.2, 3.2, k);
}

static void dot(rctx *c, double x, double y, double r, rgb k)
{
    HPDF_Page p = c->pages[c->npages - 1];
    HPDF_Page_SetRGBFill(p, k.r, k.g, k.b);
    HPDF_Page_Circle(p, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)r);
    HPDF_Page_Fill(p);
}

/* Shrinks size until text fits w. */
static double fit(rctx *c, const char *text, double size, double w, double min)
{
    while (size > min && doc_text_width(c, text, size) > w)
        size -= 0.5;
    return size;
}

static double card_height(const rctx *c)
{
    return c->mode == MODE_BILINGUAL ? 118 : 92;
}

static int card(rctx *c, const ind_row *r, double x, double top, double w, double h)
{
    i18n_lang lang = ctx_primary(c);
    int bi = c->mode == MODE_BILINGUAL;
    char buf[I18N_NUM_MAX], word[64];
    card_status s;
    judge(c, r, &s);
    rgb k = status_color(s.level);
    doc_fill_rect(c, x, top - h, w, h, RGB_CARD);
    doc_fill_rect(c, x, top - h, 3, h, k);
    double pad = 8, y = top - pad, inner = w - 2 * pad;
    /* the status word at the right, a dot before it */
    snprintf(word, sizeof word, "%s", i18n_tr(lang, status_word[s.level]));
    double sw = doc_text_width(c, word, 7);
    doc_text_right(c, x + w - pad, y - 7, 7, word, k);
    dot(c, x + w - pad - sw - 5, y - 4.6, 2.6, k);
    double name_w = inner - sw - 12;
    doc_text(c, x + pad, y - 8, fit(c, r->name[lang], 8, name_w, 6), r->name[lang], RGB_MUTED);
    y -= 10;
    if (bi) {
        const char *en_word = status_word[s.level];
        doc_text_right(c, x + w - pad, y - 6, 6, en_word, k);
        doc_text(c, x + pad, y - 6.5, fit(c, r->name[LANG_EN], 6.5, inner - doc_text_width(c, en_word, 6) - 6, 5),
                 r->name[LANG_EN], RGB_MUTED);
        y -= 8;
    }
    nf_opts o = ind_opts(r, 1);
    if (r->masked[0])
        snprintf(buf, sizeof buf, "%s", r->masked);
    else
        nf_value(lang, r->unit, r->value, &o, buf);
    double vs = fit(c, buf, 15, inner, 9);
    doc_text(c, x + pad, y - vs - 1, vs, buf, RGB_TEXT);
    y -= vs + 5;
    /* MoM (QoQ) and YoY on one line; a year has no MoM */
    static const char *const cmp_label[] = {"MoM", "YoY"};
    char lab[2][32], val[2][I18N_NUM_MAX];
    double ch[2] = {r->mom, r->yoy}, total = 0, cs = 7;
    int from = c->per.kind == PERIOD_YEAR ? 1 : 0;
    for (int i = from; i < 2; i++) {
        snprintf(lab[i], sizeof lab[i], "%s",
                 i18n_tr(lang, i == 0 && c->per.kind == PERIOD_QUARTER ? "QoQ" : cmp_label[i]));
        nf_change(lang, r->unit, ch[i], NULL, val[i]);
    }
    for (;; cs -= 0.25) { /* both on one line: "+3.6个百分点" twice shrinks */
        total = 0;
        for (int i = from; i < 2; i++)
            total += doc_text_width(c, lab[i], cs) + doc_text_width(c, val[i], cs) + 2 + (i ? 0 : 6);
        if (total <= inner || cs <= 5)
            break;
    }
    double cx = x + pad;
    for (int i = from; i < 2; i++) {
        doc_text(c, cx, y - 7, cs, lab[i], RGB_MUTED);
        cx += doc_text_width(c, lab[i], cs) + 2;
        doc_text(c, cx, y - 7, cs, val[i], blk_change_color(r->direction, ch[i]));
        cx += doc_text_width(c, val[i], cs) + 6;
    }
    y -= 10;
    for (int i = 0; i < s.nlines; i++) {
        doc_text(c, x + pad, y - 6.5, fit(c, s.line[i][lang], 6.8, inner, 5), s.line[i][lang],
                 RGB_TEXT);
        y -= 8.5;
        if (bi) {
            doc_text(c, x + pad, y - 6, fit(c, s.line[i][LANG_EN], 6, inner, 5),
                     s.line[i][LANG_EN], RGB_MUTED);
            y -= 7.5;
        }
    }
    double v[13];
    if (sparkline_values(c, r->id, v))
        return c->err->code;
    sparkline(c, v, x + pad, top - h + pad, inner, 14, RGB_ACCENT);
    return HR_OK;
}

int dash_scorecard(rctx *c, xmlNodePtr el)
{
    char list[1024];
    tpl_attr_buf(el, "indicators", "", list, sizeof list);
    const ind_row *rows[64];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(list, " ,", &save); t && n < 64; t = strtok_r(NULL, " ,", &save)) {
        const ind_row *r = ind_find(c, t);
        if (!r)
            return hr_error_set(c->err, HR_EINPUT, c->tpl_path, xmlGetLineNo(el), "indicators",
                                "unknown indicator '%s'", t);
        if (blk_has_data(r)) /* no card without data for the scope */
            rows[n++] = r;
    }
    int per_row = (int)tpl_attr_num(el, "columns", 4);
    double gap = 7, w = (ctx_width(c) - gap * (per_row - 1)) / per_row, h = card_height(c);
    for (int i = 0; i < n; i += per_row) {
        doc_ensure(c, h + gap);
        for (int j = 0; j < per_row && i + j < n; j++)
            if (card(c, rows[i + j], c->margin_l + j * (w + gap), c->y, w, h))
                return c->err->code;
        c->y -= h + gap;
    }
    /* what the lights mean, and the time progress of the budget year */
    char progress[I18N_NUM_MAX];
    nf_number(time_progress(c), 1, progress);
    for (int pass = 0; pass < (c->mode == MODE_BILINGUAL ? 2 : 1); pass++) {
        i18n_lang lang = pass ? LANG_EN : ctx_primary(c);
        char note[1024];
        snprintf(note, sizeof note,
                 i18n_tr(lang, "Alert: outside the warning band or the budget's cap or floor "
                               "(year to date), or budget execution more than %s points behind "
                               "time progress; Watch: near a band limit or the budget's, slightly "
                               "behind, or a change beyond its threshold; No target: neither band "
                               "nor budget. Time progress of the budget year: %s%% (%d of 12 "
                               "months)."),
                 "2", progress, atoi(c->month_last + 5));
        doc_flow_text(c, note, pass ? 7 : 7.5, 0, RGB_MUTED, 1.45);
    }
    c->y -= 6;
    return HR_OK;
}

/* ---- the quadrant chart ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void axis_range(double lo, double hi, double ref, double *first, double *last, double *step)
{
    lo = fmin(lo, ref), hi = fmax(hi, ref);
    double pad = (hi - lo) * 0.08;
    chart_nice_ticks(lo - pad, hi + pad, 5, first, last, step);
}

static void tick(double v, double step, char *buf)
{
    double s = fabs(step);
    nf_number(v, s >= 1 ? 0 : s >= 0.1 ? 1 : 2, buf);
}

int dash_quadrant(rctx *c, xmlNodePtr el)
{
    char name[64], xl[256], yl[256];
    tpl_attr_buf(el, "dataset", "", name, sizeof name);
    tpl_attr_buf(el, "x-label", "", xl, sizeof xl);
    tpl_attr_buf(el, "y-label", "", yl, sizeof yl);
    dataset d;
    if (ds_load(c, el, name, &d))
        return c->err->code;
    int cl = ds_col(&d, "x"), cx = ds_col(&d, "xvalue"), cy = ds_col(&d, "value");
    int ch = ds_col(&d, "highlight"), cr = ds_col(&d, "reference");
    if (cl < 0 || cx < 0 || cy < 0) {
        ds_free(&d);
        return hr_error_set(c->err, HR_EINPUT, c->tpl_path, xmlGetLineNo(el), "dataset",
                            "a quadrant dataset needs the columns x, xvalue and value");
    }
    int n = 0, ref = -1;
    double *xs = xmalloc(sizeof(double) * (size_t)(d.nrows + 1) * 2), *ys = xs + d.nrows + 1;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int r = 0; r < d.nrows; r++) {
        double a = ds_at(&d, r, cx)->num, b = ds_at(&d, r, cy)->num;
        if (!isfinite(a) || !isfinite(b))
            continue;
        if (cr >= 0 && ds_at(&d, r, cr)->num > 0) {
            ref = r;
            continue;
        }
        xs[n] = a, ys[n] = b, n++;
        xlo = fmin(xlo, a), xhi = fmax(xhi, a), ylo = fmin(ylo, b), yhi = fmax(yhi, b);
    }
    char *title_id = tpl_text(el);
    strbuf t = STRBUF_INIT;
    blk_expand(c, el, ctx_primary(c), i18n_tr(ctx_primary(c), title_id), &t);
    if (n < 3) { /* fewer than three departments: nothing to place */
        char note[512];
        snprintf(note, sizeof note, i18n_tr(ctx_primary(c), "%s: fewer than three departments with values; not drawn."), t.buf);
        doc_flow_text(c, note, 8.5, 0, RGB_MUTED, 1.5);
        free(title_id), sb_release(&t), free(xs), ds_free(&d);
        return HR_OK;
    }
    double xref = ref >= 0 ? ds_at(&d, ref, cx)->num : median(xs, n);
    double yref = ref >= 0 ? ds_at(&d, ref, cy)->num : median(ys, n);
    double xf, xt, xstep, yf, yt, ystep;
    axis_range(xlo, xhi, xref, &xf, &xt, &xstep);
    axis_range(ylo, yhi, yref, &yf, &yt, &ystep);
    double h = tpl_attr_num(el, "height-mm", 72) * 72 / 25.4;
    int bi = c->mode == MODE_BILINGUAL;
    doc_ensure(c, h + 40 + (bi ? 21 : 0));
    doc_text(c, c->margin_l, c->y - 10, 9.5, t.buf, RGB_TEXT);
    c->y -= 16;
    if (bi) {
        strbuf en = STRBUF_INIT;
        blk_expand(c, el, LANG_EN, title_id, &en);
        doc_text(c, c->margin_l, c->y - 6, 7.5, en.buf, RGB_MUTED);
        c->y -= 11;
        sb_release(&en);
    }
    if (bi) /* the axis titles' second language sits above the plot */
        c->y -= 10;
    double x0 = c->margin_l + 40, w = ctx_width(c) - 56, y0 = c->y - h + 22, ph = h - 30;
#define QX(v) (x0 + ((v) - xf) / (xt - xf) * w)
#define QY(v) (y0 + ((v) - yf) / (yt - yf) * ph)
    char buf[I18N_NUM_MAX];
    for (double v = xf; v <= xt + xstep / 2; v += xstep) {
        doc_line(c, QX(v), y0, QX(v), y0 + ph, 0.3, RGB_RULE);
        tick(fabs(v) < xstep / 2 ? 0 : v, xstep, buf);
        doc_text_center(c, QX(v), y0 - 9, 7, buf, RGB_MUTED);
    }
    for (double v = yf; v <= yt + ystep / 2; v += ystep) {
        doc_line(c, x0, QY(v), x0 + w, QY(v), 0.3, RGB_RULE);
        tick(fabs(v) < ystep / 2 ? 0 : v, ystep, buf);
        doc_text_right(c, x0 - 4, QY(v) - 2.5, 7, buf, RGB_MUTED);
    }
    /* the dividing lines, and the axis titles (which carry the unit) */
    doc_line(c, QX(xref), y0, QX(xref), y0 + ph, 0.9, RGB_MUTED);
    doc_line(c, x0, QY(yref), x0 + w, QY(yref), 0.9, RGB_MUTED);
    for (int pass = 0; pass < (bi ? 2 : 1); pass++) {
        i18n_lang lang = pass ? LANG_EN : ctx_primary(c);
        const char *a = pass ? xl : i18n_tr(lang, xl), *b = pass ? yl : i18n_tr(lang, yl);
        doc_text_right(c, x0 + w, y0 - 19 - pass * 8, 7, a, RGB_MUTED);
        doc_text(c, x0 - 36, y0 + ph + 6 + (bi ? 8 : 0) - pass * 8, 7, b, RGB_MUTED);
    }
    const char *ref_id = ref >= 0 ? N_("Lines: the whole hospital") : N_("Lines: the medians");
    char ref_note[200];
    doc_text_right(c, x0 + w, y0 + ph + 6, 6.5, ctx_note(c, ref_id, NULL, 0, ref_note, sizeof ref_note),
                   RGB_MUTED);
    /* the points; then the names of the most remote ones (and the
     * scope's), as many as fit without overlapping, at most 16 */
    typedef struct pt {
        double x, y, score;
        int row, hl;
    } pt;
    pt *pts = xmalloc(sizeof *pts * (size_t)(d.nrows + 1));
    int np = 0;
    for (int r = 0; r < d.nrows; r++) {
        double a = ds_at(&d, r, cx)->num, b = ds_at(&d, r, cy)->num;
        if (!isfinite(a) || !isfinite(b) || r == ref)
            continue;
        int hl = ch >= 0 && ds_at(&d, r, ch)->num > 0;
        rgb k = a >= xref && b >= yref ? RGB_GOOD : a < xref && b < yref ? RGB_BAD : RGB_ACCENT;
        dot(c, QX(a), QY(b), hl ? 3.6 : 2.4, hl ? RGB_HIGHLIGHT : k);
        double sx = fabs(QX(a) - QX(xref)) / w, sy = fabs(QY(b) - QY(yref)) / ph;
        pts[np++] = (pt){QX(a), QY(b), hl ? 1e9 : fmax(sx, sy), r, hl};
    }
    for (int i = 1; i < np; i++) /* most remote first */
        for (int j = i; j > 0 && pts[j].score > pts[j - 1].score; j--) {
            pt tmp = pts[j];
            pts[j] = pts[j - 1], pts[j - 1] = tmp;
        }
    double (*box)[4] = xmalloc(sizeof *box * (size_t)(np + 1));
    int placed = 0;
    for (int i = 0; i < np && placed < 16; i++) {
        /* a bilingual name ("骨科\nOrthopaedics"): the second line
         * smaller, beneath */
        const char *label = ds_at(&d, pts[i].row, cl)->text;
        char first[128], second[128] = "";
        size_t cut = strcspn(label, "\n");
        snprintf(first, sizeof first, "%.*s", (int)cut, label);
        if (label[cut])
            snprintf(second, sizeof second, "%s", label + cut + 1);
        double lw = fmax(doc_text_width(c, first, 6.5), second[0] ? doc_text_width(c, second, 5.5) : 0);
        double lh = second[0] ? 13 : 7, lx = pts[i].x + 5, ly = pts[i].y - 2.2 - (lh - 7);
        if (lx + lw > x0 + w)
            lx = pts[i].x - 5 - lw;
        int clash = 0;
        for (int j = 0; j < placed && !clash; j++)
            clash = lx < box[j][2] && lx + lw > box[j][0] && ly < box[j][3] && ly + lh > box[j][1];
        if (clash && !pts[i].hl)
            continue;
        box[placed][0] = lx, box[placed][1] = ly, box[placed][2] = lx + lw, box[placed][3] = ly + lh;
        placed++;
        doc_text(c, lx, ly + lh - 7, 6.5, first, pts[i].hl ? RGB_HIGHLIGHT : RGB_TEXT);
        if (second[0])
            doc_text(c, lx, ly, 5.5, second, RGB_MUTED);
    }
    free(box);
    free(pts);
#undef QX
#undef QY
    c->y -= h + 14;
    free(title_id), sb_release(&t), free(xs), ds_free(&d);
    return HR_OK;
}
