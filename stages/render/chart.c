/*
 * chart.c -- vector charts drawn with libharu from a long-format dataset
 * (columns x, series, value; optional highlight): line (a 13-month trend,
 * this year against the year before), bar (departments ranked, the report's
 * scope highlighted), stacked (revenue mix per month) and contribution
 * (which departments drove a change, diverging from zero, coloured by
 * whether the change is better or worse for the indicator). Axes use nice
 * round ticks; legends and labels are in the report language.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/utf8.h"
#include "pipeline/core/xalloc.h"
#include "stages/render/render_internal.h"
#include "stages/render/template.h"

#define MAX_X 256 /* rows of a chart: every department of a large hospital */
#define MAX_SERIES 10

static const rgb palette[MAX_SERIES] = {
    {0.09f, 0.27f, 0.50f}, {0.93f, 0.49f, 0.13f}, {0.30f, 0.62f, 0.45f}, {0.58f, 0.40f, 0.74f},
    {0.85f, 0.33f, 0.38f}, {0.40f, 0.66f, 0.85f}, {0.75f, 0.62f, 0.20f}, {0.55f, 0.55f, 0.58f},
    {0.20f, 0.45f, 0.45f}, {0.65f, 0.35f, 0.20f}};

typedef struct grid {
    int nx, ns;
    char x[MAX_X][256];
    char key[MAX_X][128]; /* what identifies a row: the column key, else x */
    char s[MAX_SERIES][64];
    double v[MAX_X][MAX_SERIES];
    int highlight[MAX_X];
    double share[MAX_X]; /* contributions: the row's % of the total change (NAN: none) */
    char unit[16];
    int gap_after, gap_rows; /* bars: gap_rows ranks left out after row gap_after */
    int gap2_after, gap2_rows; /* and after the scope's own row, when it is between */
} grid;

/* What a chart's values are: the unit, its word per language, the
 * indicator's warning band, and whether they are changes. */
typedef struct chart_unit {
    const char *unit;
    char word[2][32];
    double band_lo, band_hi; /* NAN: none */
    int delta;
} chart_unit;

void chart_nice_ticks(double lo, double hi, int target, double *first, double *last, double *step)
{
    if (!(hi > lo)) {
        double pad = fabs(hi) > 0 ? fabs(hi) * 0.1 : 1;
        lo -= pad, hi += pad;
    }
    double raw = (hi - lo) / (target > 1 ? target : 2);
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag, nice;
    if (norm <= 1)
        nice = 1;
    else if (norm <= 2)
        nice = 2;
    else if (norm <= 2.5)
        nice = 2.5;
    else if (norm <= 5)
        nice = 5;
    else
        nice = 10;
    *step = nice * mag;
    *first = floor(lo / *step + 1e-9) * *step;
    *last = ceil(hi / *step - 1e-9) * *step;
}

static int find_or_add(char (*names)[128], int *n, int max, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    if (*n == max)
        return -1;
    snprintf(names[*n], 128, "%s", name);
    return (*n)++;
}

static int build_grid(rctx *c, xmlNodePtr el, const dataset *d, grid *g)
{
    int cx = ds_col(d, "x"), cs = ds_col(d, "series"), cv = ds_col(d, "value");
    int ch = ds_col(d, "highlight"), cu = ds_col(d, "unit");
    if (cx < 0 || cv < 0)
        return hr_error_set(c->err, HR_EINPUT, c->tpl_path, xmlGetLineNo(el), "dataset",
                            "a chart dataset needs the columns x and value (and series)");
    memset(g, 0, sizeof *g);
    for (int i = 0; i < MAX_X; i++)
        for (int j = 0; j < MAX_SERIES; j++)
            g->v[i][j] = NAN;
    char snames[MAX_SERIES][128];
    int ck = ds_col(d, "key"), csh = ds_col(d, "share");
    for (int i = 0; i < MAX_X; i++)
        g->share[i] = NAN;
    for (int r = 0; r < d->nrows; r++) {
        /* rows are one x each by their key (equipment_id): two devices of
         * one name stay two bars, told apart by their key */
        const char *x = ds_at(d, r, cx)->text, *k = ck >= 0 ? ds_at(d, r, ck)->text : x;
        int n = g->nx, xi = find_or_add(g->key, &g->nx, MAX_X, k);
        int si = find_or_add(snames, &g->ns, MAX_SERIES, cs >= 0 ? ds_at(d, r, cs)->text : "");
        if (xi >= 0 && g->nx > n)
            utf8_copy(g->x[xi], sizeof g->x[xi], x);
        if (xi < 0 || si < 0)
            continue;
        g->v[xi][si] = ds_at(d, r, cv)->num;
        if (csh >= 0)
            g->share[xi] = ds_at(d, r, csh)->num;
        if (ch >= 0 && ds_at(d, r, ch)->num > 0)
            g->highlight[xi] = 1;
        if (cu >= 0)
            snprintf(g->unit, sizeof g->unit, "%s", ds_at(d, r, cu)->text);
    }
    for (int i = 0; i < g->ns; i++)
        buf_printf(g->s[i], sizeof g->s[i], "%s", snames[i]);
    int repeats[MAX_X] = {0}; /* labels that repeat name their key */
    for (int i = 0; i < g->nx; i++)
        for (int j = i + 1; j < g->nx; j++)
            if (!strcmp(g->x[i], g->x[j]))
                repeats[i] = repeats[j] = 1;
    for (int i = 0; i < g->nx; i++)
        if (repeats[i] && strcmp(g->key[i], g->x[i])) {
            char label[sizeof g->x[i] + sizeof g->key[i] + 2];
            snprintf(label, sizeof label, "%s %s", g->x[i], g->key[i]);
            utf8_copy(g->x[i], sizeof g->x[i], label);
        }
    return HR_OK;
}

/* "2026-03" -> "Mar" / "3月"; on an axis spanning two years (`years`),
 * the first and the last month, and every January, as "2025-10" so that
 * the reader sees which year each part is ("2025-10 ... 2026-10", not
 * "10月 ... 10月"); others (quarters "2026-Q3") unchanged. */
static const char *x_label(rctx *c, const char *x, int years, int ends, char *buf, size_t size)
{
    static const char *const mon[] = {N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
                                      N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec")};
    int y, m;
    if (strlen(x) == 7 && sscanf(x, "%4d-%2d", &y, &m) == 2 && m >= 1 && m <= 12) {
        if (years && (m == 1 || ends))
            snprintf(buf, size, "%04d-%02d", y, m);
        else
            snprintf(buf, size, "%s", i18n_tr(ctx_primary(c), mon[m - 1]));
    } else /* quarters stay "2026-Q3": short, and the same in both languages */
        snprintf(buf, size, "%s", x);
    return buf;
}

/* 1 when the x values are months of more than one year. */
static int spans_years(const grid *g)
{
    if (g->nx < 2 || strlen(g->x[0]) != 7 || strlen(g->x[g->nx - 1]) != 7 || g->x[0][4] != '-')
        return 0;
    return strncmp(g->x[0], g->x[g->nx - 1], 4) != 0;
}

/* The axis scale: values from 100,000 are shown in 万 (Chinese, said in
 * the caption) or in k / M (English, on every tick and label). Returns the
 * scale (1, 1e3, 1e4 or 1e6). */
static double axis_scale(rctx *c, double lo, double hi)
{
    double m = fmax(fabs(lo), fabs(hi));
    if (m < 100000)
        return 1;
    if (ctx_primary(c) == LANG_EN)
        return m >= 1e7 ? 1e6 : 1e3;
    return 1e4;
}

/* The unit of the value axis, on every chart that knows it:
 * "（单位：万元）", "（单位：人次）", "（单位：个百分点）", "(unit: visits)";
 * bilingual documents give both. Empty when the unit is unknown. */
static void axis_caption(rctx *c, const chart_unit *u, double scale, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int pass = 0; pass < (c->mode == MODE_BILINGUAL ? 2 : 1); pass++) {
        i18n_lang l = pass ? LANG_EN : ctx_primary(c);
        char word[64];
        const char *w = u->word[l];
        if (u->delta && u->unit && !strcmp(u->unit, "percent"))
            w = l == LANG_EN ? "pp" : "个百分点";
        else if (!*w && u->unit && !strcmp(u->unit, "money"))
            w = l == LANG_EN ? "CNY" : "元";
        else if (!*w && u->unit && !strcmp(u->unit, "percent"))
            w = "%";
        if (scale == 1e4)
            snprintf(word, sizeof word, l == LANG_EN ? (*w ? "10,000 %s" : "10,000%s") : "万%s", w);
        else
            snprintf(word, sizeof word, "%s", w);
        if (!*w && scale != 1e4)
            return;
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%s", n ? " " : "");
        n = strlen(buf);
        snprintf(buf + n, size - n, i18n_tr(l, "(unit: %s)"), word);
    }
}

static void tick_label(rctx *c, double v, double step, double scale, char *buf)
{
    double s = step / scale;
    i18n_lang lang = ctx_primary(c);
    /* as many decimals as the step needs: 2.5万 steps print 2.5, 5.0, 7.5 */
    int decimals = fabs(s - round(s)) < 1e-9 ? 0 : fabs(s * 10 - round(s * 10)) < 1e-6 ? 1 : 2;
    if (v == 0 || scale == 1e4) /* 万 is in the caption; k and M on each tick */
        nf_number(v / scale, decimals, buf);
    else
        nf_scaled(lang, v, scale, decimals, 0, buf);
}

char *chart_value_label(i18n_lang lang, const char *unit, double v, double scale, int delta,
                        char *buf)
{
    int money = unit && !strcmp(unit, "money");
    if (!isfinite(v))
        return nf_number(v, 0, buf);
    if (scale > 1)
        return nf_scaled(lang, v, scale, fabs(v / scale) >= 100 ? 0 : 1, money, buf);
    if (!unit || !*unit || !strcmp(unit, "count"))
        return nf_number(v, (unit && *unit) || v == floor(v) ? 0 : 1, buf);
    if (delta && !strcmp(unit, "percent")) /* a change of a rate: points; the bar shows its sign */
        return nf_change(lang, unit, v, &(nf_opts){.no_plus = 1}, buf);
    return nf_value(lang, unit, v, NULL, buf);
}

/* A series name in the report language; "本期 This year" in bilingual. */
static void series_label(rctx *c, const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s", i18n_tr(ctx_primary(c), id));
    if (c->mode == MODE_BILINGUAL && strcmp(buf, id) != 0) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " %s", id);
    }
}

/* The legend, right-aligned at `right` on the line y, in series order;
 * when it would pass `left` it continues on more lines, 10 pt apart.
 * Returns the number of lines. */
static int legend(rctx *c, const grid *g, double left, double right, double y, int line)
{
    char label[128];
    double width[MAX_SERIES];
    for (int i = 0; i < g->ns; i++) {
        series_label(c, g->s[i], label, sizeof label);
        width[i] = doc_text_width(c, label, 7.5) + 22; /* swatch 12, gap 10 */
    }
    int rows = 0;
    for (int from = 0; from < g->ns; rows++) {
        int to = from;
        double w = 0;
        while (to < g->ns && (to == from || w + width[to] <= right - left))
            w += width[to++];
        double x = right - w + 10;
        for (int i = from; i < to; i++) {
            series_label(c, g->s[i], label, sizeof label);
            if (line)
                doc_line(c, x, y + 3, x + 9, y + 3, 2, palette[i % MAX_SERIES]);
            else
                doc_fill_rect(c, x + 1, y, 7, 7, palette[i % MAX_SERIES]);
            doc_text(c, x + 12, y, 7.5, label, RGB_TEXT);
            x += width[i];
        }
        from = to;
        y -= 10;
    }
    return rows;
}

/* Draws the value axis (horizontal gridlines) for a vertical chart. */
static void y_axis(rctx *c, double x0, double y0, double w, double h, double first, double last,
                   double step, double scale)
{
    char buf[I18N_NUM_MAX];
    for (double t = first; t <= last + step / 2; t += step) {
        double y = y0 + (t - first) / (last - first) * h;
        doc_line(c, x0, y, x0 + w, y, fabs(t) < step / 2 ? 0.8 : 0.3,
                 fabs(t) < step / 2 ? RGB_MUTED : RGB_RULE);
        tick_label(c, fabs(t) < step / 2 ? 0 : t, step, scale, buf);
        doc_text_right(c, x0 - 4, y - 2.5, 7, buf, RGB_MUTED);
    }
}

static void range_of(const grid *g, int stacked, double *lo, double *hi)
{
    *lo = 0, *hi = 0;
    int any = 0;
    for (int i = 0; i < g->nx; i++) {
        double pos = 0, neg = 0;
        for (int j = 0; j < g->ns; j++) {
            double v = g->v[i][j];
            if (!isfinite(v))
                continue;
            if (stacked)
                v >= 0 ? (pos += v) : (neg += v);
            else {
                *lo = any ? fmin(*lo, v) : v;
                *hi = any ? fmax(*hi, v) : v;
            }
            any = 1;
        }
        if (stacked)
            *hi = fmax(*hi, pos), *lo = fmin(*lo, neg);
    }
}

/* Where a trend's value axis starts and ends (templates/README.md,
 * "Charts"): bars from zero; a line from zero when its values spread over
 * 60 % of the largest, else around them, but over at least a fifth of the
 * largest value, so that a 0.5-point move of a 30 % share fills a sixth of
 * the chart, not all of it; a percent axis whose values are at most 100
 * does not pass 100. The warning band is inside the range. */
void chart_value_range(const char *unit, double band_lo, double band_hi, int from_zero,
                       double *lo, double *hi)
{
    if (isfinite(band_lo))
        *lo = fmin(*lo, band_lo), *hi = fmax(*hi, band_lo);
    if (isfinite(band_hi))
        *lo = fmin(*lo, band_hi), *hi = fmax(*hi, band_hi);
    if (from_zero) {
        *lo = fmin(*lo, 0), *hi = fmax(*hi, 0);
        return;
    }
    double m = fmax(fabs(*lo), fabs(*hi)), data_lo = *lo, data_hi = *hi;
    if (*lo > 0 && *hi - *lo > *hi * 0.6) {
        *lo = 0;
        return;
    }
    double span = m * 0.2;
    if (*hi - *lo >= span)
        return;
    double mid = (*hi + *lo) / 2;
    *lo = mid - span / 2, *hi = mid + span / 2;
    if (data_lo >= 0 && *lo < 0)
        *hi -= *lo, *lo = 0;
    if (unit && !strcmp(unit, "percent") && data_hi <= 100 && *hi > 100)
        *lo -= *hi - 100, *hi = 100;
}

/* A dashed line at a warning limit, with its name at the line's end. */
static void band_line(rctx *c, double x1, double y1, double x2, double y2, const char *label,
                      double lx, double ly, int right)
{
    HPDF_Page p = c->pages[c->npages - 1];
    HPDF_Page_SetDash(p, (HPDF_UINT16[]){4, 2}, 2, 0);
    doc_line(c, x1, y1, x2, y2, 0.9, RGB_BAD);
    HPDF_Page_SetDash(p, NULL, 0, 0);
    if (right)
        doc_text_right(c, lx, ly, 6.5, label, RGB_BAD);
    else
        doc_text(c, lx, ly, 6.5, label, RGB_BAD);
}

/* "预警上限 30.0%" / "Warning limit 30.0%" for a band limit. */
static void band_label(rctx *c, const chart_unit *u, double v, int high, char *buf, size_t size)
{
    char num[I18N_NUM_MAX];
    i18n_lang l = ctx_primary(c);
    nf_value(l, u->unit ? u->unit : "", v, NULL, num);
    snprintf(buf, size, i18n_tr(l, high ? "Warning above %s" : "Warning below %s"), num);
}

static void vertical_chart(rctx *c, const grid *g, const chart_unit *u, int stacked, double top,
                           double h)
{
    double lo, hi, first, last, step;
    range_of(g, stacked, &lo, &hi);
    chart_value_range(u->unit, stacked ? NAN : u->band_lo, stacked ? NAN : u->band_hi, stacked,
                      &lo, &hi);
    chart_nice_ticks(lo, hi, 5, &first, &last, &step);
    char caption[128];
    double scale = axis_scale(c, first, last);
    axis_caption(c, u, scale, caption, sizeof caption);
    double x0 = c->margin_l + 44, w = ctx_width(c) - 50, y0 = top - h + 16, ph = h - 34;
    double left = c->margin_l;
    if (caption[0]) {
        doc_text(c, c->margin_l, top - 8, 7, caption, RGB_MUTED);
        left += doc_text_width(c, caption, 7) + 10;
    }
    /* a lone "Current" (8 quarters, 24 months) needs no legend */
    int rows = g->ns == 1 && !strcmp(g->s[0], "Current")
                   ? 1
                   : legend(c, g, left, c->margin_l + ctx_width(c), top - 8, !stacked);
    ph -= (rows > 1 ? rows - 1 : 0) * 10;
    y_axis(c, x0, y0, w, ph, first, last, step, scale);
    double slot = w / (g->nx > 0 ? g->nx : 1);
    char buf[64];
    int years = spans_years(g), every = 1; /* label every n-th slot when labels would collide */
    for (int i = 0; i < g->nx; i++)
        while (doc_text_width(c, x_label(c, g->x[i], years, 0, buf, sizeof buf), 7) + 3 >
               slot * every)
            every++;
    for (int i = 0; i < g->nx; i++) {
        int ends = i == 0 || i == g->nx - 1;
        x_label(c, g->x[i], years, ends, buf, sizeof buf);
        int dated = years && strlen(buf) == 7 && buf[4] == '-';
        /* the ends and Januaries always; the others every n-th, where they
         * do not run into a dated label */
        if (!dated && i % every)
            continue;
        if (!dated && years) {
            char near[64];
            int clash = 0;
            for (int j = i - every; j <= i + every; j++)
                if (j >= 0 && j < g->nx && j != i && abs(j - i) * slot < 26 &&
                    strlen(x_label(c, g->x[j], years, j == 0 || j == g->nx - 1, near,
                                   sizeof near)) == 7)
                    clash = 1;
            if (clash)
                continue;
        }
        doc_text_center(c, x0 + slot * (i + 0.5), y0 - 11, 7, buf, RGB_MUTED);
    }
#define YPOS(v) (y0 + ((v) - first) / (last - first) * ph)
    if (stacked) {
        for (int i = 0; i < g->nx; i++) {
            double pos = 0, neg = 0, bw = slot * 0.6, bx = x0 + slot * i + slot * 0.2;
            for (int j = 0; j < g->ns; j++) {
                double v = g->v[i][j];
                if (!isfinite(v) || v == 0)
                    continue;
                double base = v > 0 ? pos : neg;
                doc_fill_rect(c, bx, YPOS(base), bw, YPOS(base + v) - YPOS(base),
                              palette[j % MAX_SERIES]);
                v > 0 ? (pos += v) : (neg += v);
            }
        }
        return;
    }
    char label[96];
    for (int high = 0; high < 2; high++) { /* the warning band's limits */
        double v = high ? u->band_hi : u->band_lo;
        if (!isfinite(v) || v < first || v > last)
            continue;
        band_label(c, u, v, high, label, sizeof label);
        /* the upper limit's name above its line, the lower's below: two
         * close limits do not print over each other */
        band_line(c, x0, YPOS(v), x0 + w, YPOS(v), label, x0 + w, YPOS(v) + (high ? 2 : -8), 1);
    }
    HPDF_Page p = c->pages[c->npages - 1];
    for (int j = g->ns - 1; j >= 0; j--) {
        rgb k = palette[j % MAX_SERIES];
        HPDF_Page_SetRGBStroke(p, k.r, k.g, k.b);
        /* a period and its comparison (a year earlier): the comparison
         * thinner and dashed; several series of their own (devices): all
         * alike */
        int comparison = g->ns == 2 && j == 1;
        HPDF_Page_SetLineWidth(p, comparison ? 1.2f : g->ns == 2 || g->ns == 1 ? 1.8f : 1.4f);
        if (comparison)
            HPDF_Page_SetDash(p, (HPDF_UINT16[]){3, 2}, 2, 0);
        int pen = 0;
        for (int i = 0; i < g->nx; i++) {
            double v = g->v[i][j];
            if (!isfinite(v)) {
                pen = 0;
                continue;
            }
            double x = x0 + slot * (i + 0.5), y = YPOS(v);
            pen ? HPDF_Page_LineTo(p, (HPDF_REAL)x, (HPDF_REAL)y)
                : HPDF_Page_MoveTo(p, (HPDF_REAL)x, (HPDF_REAL)y);
            pen = 1;
        }
        if (HPDF_Page_GetGMode(p) == HPDF_GMODE_PATH_OBJECT)
            HPDF_Page_Stroke(p);
        HPDF_Page_SetDash(p, NULL, 0, 0);
        for (int i = 0; i < g->nx; i++)
            if (isfinite(g->v[i][j]))
                doc_fill_rect(c, x0 + slot * (i + 0.5) - 1.8, YPOS(g->v[i][j]) - 1.8, 3.6, 3.6, k);
    }
#undef YPOS
}

/* ---- bar names that fit their column ----
 *
 * A name too wide for the names' column is wrapped onto a second line
 * where the slot has room, and the last line cut with "…" -- both at a
 * break: a space, after Chinese punctuation (，、；：。）), before an opening
 * bracket; only a name without any break is cut between two characters.
 * Names stay distinguishable: two names that would print alike are printed
 * as their head "…" their tail (where DRG group names differ: 伴严重 /
 * 不伴), and numbered if even that is the same. */

#define NAME_LINES 2

typedef struct bar_name {
    int n;                      /* lines */
    char line[NAME_LINES][128];
} bar_name;

/* 1 when a line may break before byte i of s (0 < i < strlen(s)). */
static int break_before(const char *s, size_t i)
{
    static const char *const after[] = {"，", "、", "；", "：", "。", "）", "】", "》", ",", ";", ")", "/"};
    static const char *const before[] = {"（", "【", "《", "("};
    if (s[i - 1] == ' ' || s[i] == ' ')
        return 1;
    for (size_t k = 0; k < sizeof after / sizeof *after; k++) {
        size_t n = strlen(after[k]);
        if (i >= n && !strncmp(s + i - n, after[k], n))
            return 1;
    }
    for (size_t k = 0; k < sizeof before / sizeof *before; k++)
        if (!strncmp(s + i, before[k], strlen(before[k])))
            return 1;
    return 0;
}

static size_t prev_char(const char *s, size_t i)
{
    while (i > 0 && (s[--i] & 0xC0) == 0x80)
        ;
    return i;
}

static void copy_trimmed(char *dst, size_t size, const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == ' ')
        n--;
    snprintf(dst, size, "%.*s", (int)n, s);
}

/* The longest head of s (with `tail` after it) that fits w, ending at a
 * break when one fits, else at a character. */
static size_t fit_head(const rctx *c, const char *s, const char *tail, double size, double w)
{
    size_t len = strlen(s), any = 0;
    char buf[384];
    for (size_t i = len; i > 0; i = prev_char(s, i)) {
        copy_trimmed(buf, sizeof buf, s, i);
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s", tail);
        if (doc_text_width(c, buf, size) > w)
            continue;
        if (i == len || break_before(s, i))
            return i;
        if (!any)
            any = i;
    }
    return any;
}

/* s in at most `lines` lines of width w. */
static void fit_name(const rctx *c, const char *s, double size, double w, int lines, bar_name *out)
{
    memset(out, 0, sizeof *out);
    while (*s && out->n < lines) {
        while (*s == ' ')
            s++;
        char *dst = out->line[out->n++];
        if (doc_text_width(c, s, size) <= w) {
            copy_trimmed(dst, 128, s, strlen(s));
            return;
        }
        if (out->n == lines) { /* the last line: cut with "…" */
            size_t n = fit_head(c, s, "…", size, w);
            copy_trimmed(dst, 128, s, n);
            snprintf(dst + strlen(dst), 128 - strlen(dst), "…");
            return;
        }
        size_t n = fit_head(c, s, "", size, w);
        if (n == 0)
            n = strlen(s);
        copy_trimmed(dst, 128, s, n);
        s += n;
    }
}

/* One line: the head of s, "…", and as much of its end as fits in a
 * third of w, starting at a break where one fits. */
static void fit_head_tail(const rctx *c, const char *s, double size, double w, bar_name *out)
{
    memset(out, 0, sizeof *out);
    out->n = 1;
    size_t len = strlen(s), from = len, any = len;
    for (size_t i = prev_char(s, len); i > 0; i = prev_char(s, i)) {
        if (doc_text_width(c, s + i, size) > w / 3)
            break;
        any = i;
        if (break_before(s, i))
            from = i;
    }
    if (from == len) /* no break in the end that fits: as many characters */
        from = any;
    char tail[256];
    snprintf(tail, sizeof tail, "…%s", s + from);
    char head[256];
    snprintf(head, sizeof head, "%.*s", (int)from, s);
    size_t n = fit_head(c, head, tail, size, w);
    copy_trimmed(out->line[0], sizeof out->line[0], head, n);
    snprintf(out->line[0] + strlen(out->line[0]), sizeof out->line[0] - strlen(out->line[0]),
             "%s", tail);
}

static int same_name(const bar_name *a, const bar_name *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->line[i], b->line[i]))
            return 0;
    return 1;
}

/* The names of g's rows fitted to w: two lines where the slot is tall
 * enough, no two alike. */
static void fit_names(const rctx *c, const grid *g, double size, double w, int lines,
                      bar_name *names)
{
    for (int i = 0; i < g->nx; i++)
        fit_name(c, g->x[i], size, w, lines, &names[i]);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < g->nx; i++)
            for (int j = i + 1; j < g->nx; j++) {
                if (!same_name(&names[i], &names[j]))
                    continue;
                if (pass == 0 && strcmp(g->x[i], g->x[j])) {
                    fit_head_tail(c, g->x[i], size, w, &names[i]);
                    fit_head_tail(c, g->x[j], size, w, &names[j]);
                    continue;
                }
                /* still alike: number the second */
                char *l = names[j].line[names[j].n - 1], num[16];
                snprintf(num, sizeof num, " #%d", j + 1);
                size_t keep = fit_head(c, l, num, size, w);
                l[keep] = '\0';
                snprintf(l + strlen(l), 128 - strlen(l), "%s", num);
            }
}

/* Horizontal bars, one per x (department); contribution mode colours each
 * bar by whether its change is better or worse for `direction`. */
static void horizontal_chart(rctx *c, const grid *g, const chart_unit *u, int contribution,
                             const char *direction, double top, double h)
{
    const char *unit = u->unit;
    double lo, hi, first, last, step;
    range_of(g, 0, &lo, &hi);
    chart_value_range(unit, contribution ? NAN : u->band_lo, contribution ? NAN : u->band_hi, 1,
                      &lo, &hi);
    chart_nice_ticks(lo, hi, 5, &first, &last, &step);
    char caption[128], buf[I18N_NUM_MAX];
    double scale = axis_scale(c, first, last);
    axis_caption(c, u, scale, caption, sizeof caption);
    double label_w = 0;
    for (int i = 0; i < g->nx; i++)
        label_w = fmax(label_w, doc_text_width(c, g->x[i], 7.5));
    label_w = fmin(label_w + 6, ctx_width(c) * 0.3);
    double x0 = c->margin_l + label_w, w = ctx_width(c) - label_w - 40, y_top = top - 14;
    double ph = h - 30, slot = ph / (g->nx > 0 ? g->nx : 1);
    if (caption[0])
        doc_text(c, c->margin_l, top - 8, 7, caption, RGB_MUTED);
#define XPOS(v) (x0 + ((v) - first) / (last - first) * w)
    for (double t = first; t <= last + step / 2; t += step) {
        double x = XPOS(t);
        doc_line(c, x, y_top - ph, x, y_top, fabs(t) < step / 2 ? 0.8 : 0.3,
                 fabs(t) < step / 2 ? RGB_MUTED : RGB_RULE);
        tick_label(c, fabs(t) < step / 2 ? 0 : t, step, scale, buf);
        doc_text_center(c, x, y_top - ph - 10, 7, buf, RGB_MUTED);
    }
    for (int high = 0; high < 2 && !contribution; high++) { /* the warning band's limits */
        double v = high ? u->band_hi : u->band_lo;
        if (!isfinite(v) || v < first || v > last)
            continue;
        char label[96];
        band_label(c, u, v, high, label, sizeof label);
        /* the lower limit's name left of its line, the upper's right of
         * it (unless it would leave the chart): they spread apart */
        int right = !high || XPOS(v) + 2 + doc_text_width(c, label, 6.5) > x0 + w;
        band_line(c, XPOS(v), y_top - ph, XPOS(v), y_top, label, right ? XPOS(v) : XPOS(v) + 2,
                  y_top + 1, right);
    }
    for (int k = 0; k < 2; k++) { /* the ranks left out between the best and the worst */
        int rows = k ? g->gap2_rows : g->gap_rows, after = k ? g->gap2_after : g->gap_after;
        if (rows <= 0)
            continue;
        char note[200];
        ctx_note(c, N_("… %d row not shown"), N_("… %d rows not shown"), rows, note, sizeof note);
        double gy = y_top - slot * (after + 1);
        HPDF_Page p = c->pages[c->npages - 1];
        HPDF_Page_SetDash(p, (HPDF_UINT16[]){1, 2}, 2, 0);
        doc_line(c, c->margin_l, gy, x0 + w, gy, 0.6, RGB_MUTED);
        HPDF_Page_SetDash(p, NULL, 0, 0);
        doc_text_right(c, x0 + w, gy + 1.5, 6, note, RGB_MUTED);
    }
    /* the names: one line of 7.5 pt where they fit, else two of 6.5 pt
     * where the slot holds them */
    bar_name *names = xmalloc(sizeof *names * (size_t)(g->nx > 0 ? g->nx : 1));
    int wide = 0;
    for (int i = 0; i < g->nx; i++)
        wide |= doc_text_width(c, g->x[i], 7.5) > label_w - 4;
    double name_size = wide && slot >= 15 ? 6.5 : 7.5;
    fit_names(c, g, name_size, label_w - 4, wide && slot >= 15 ? NAME_LINES : 1, names);
    for (int i = 0; i < g->nx; i++) {
        double v = g->v[i][0], y = y_top - slot * (i + 1) + slot * 0.18;
        double mid = y + slot * 0.32 - 2.5;
        for (int l = 0; l < names[i].n; l++)
            doc_text_right(c, x0 - 4, mid + (names[i].n - 1) * 3.5 - l * 7, name_size,
                           names[i].line[l], g->highlight[i] ? RGB_HIGHLIGHT : RGB_TEXT);
        if (!isfinite(v)) {
            doc_text(c, XPOS(0) + 3, y + slot * 0.32 - 2.5, 6.5, "—", RGB_MUTED);
            continue;
        }
        rgb k = contribution ? blk_change_color(direction, v)
                             : (g->highlight[i] ? RGB_HIGHLIGHT : RGB_ACCENT);
        double a = XPOS(0), b = XPOS(v);
        doc_fill_rect(c, fmin(a, b), y, fabs(b - a), slot * 0.64, k);
        char val[I18N_NUM_MAX];
        chart_value_label(ctx_primary(c), unit, v, scale, contribution, val);
        /* Beside the bar's end; a label that would run into the names (a
         * negative bar reaching the axis's left end) goes inside the bar. */
        double tw = doc_text_width(c, val, 6.5), ty = y + slot * 0.32 - 2.5;
        if (v >= 0)
            doc_text(c, b + 3, ty, 6.5, val, RGB_MUTED);
        else if (b - 3 - tw >= x0 + 2 || a - b < tw + 6)
            doc_text_right(c, b - 3, ty, 6.5, val, RGB_MUTED);
        else
            doc_text(c, b + 3, ty, 6.5, val, RGB_WHITE);
    }
    free(names);
#undef XPOS
}

/* Drops the rows of a bar chart without a value (a department without
 * equipment has no utilization): they would be names without a bar. The
 * highlighted row stays, marked "—". */
static void drop_undefined(grid *g)
{
    int n = 0;
    for (int i = 0; i < g->nx; i++) {
        if (!isfinite(g->v[i][0]) && !g->highlight[i])
            continue;
        if (n != i) {
            memcpy(g->x[n], g->x[i], sizeof g->x[0]);
            memcpy(g->v[n], g->v[i], sizeof g->v[0]);
            g->highlight[n] = g->highlight[i];
            g->share[n] = g->share[i];
        }
        n++;
    }
    g->nx = n;
}

static void move_row(grid *g, int to, int from)
{
    if (to == from)
        return;
    memcpy(g->x[to], g->x[from], sizeof g->x[0]);
    memcpy(g->v[to], g->v[from], sizeof g->v[0]);
    g->highlight[to] = g->highlight[from];
    g->share[to] = g->share[from];
}

/* Keeps `limit` rows of a ranked grid: the first ones and the last third
 * (the worst as well as the best: a loss-maker ranked 15th of 15 stays in
 * a chart of 12), and the highlighted row where it is not among them, in
 * its place between the two: the rows left out are noted on either side
 * of it (the scope ranked 56th of 60 is not drawn as if 8th). */
static void keep_ends(grid *g, int limit)
{
    g->gap_rows = g->gap2_rows = 0;
    if (g->nx <= limit)
        return;
    int bottom = limit >= 3 ? limit / 3 : 0, top = limit - bottom, hl = -1;
    for (int i = top; i < g->nx - bottom; i++)
        if (g->highlight[i])
            hl = i;
    int from = g->nx - bottom;
    if (hl >= 0) { /* the scope itself, after the top less one, between two gaps */
        move_row(g, top - 1, hl);
        g->gap_after = top - 2;
        g->gap_rows = hl - (top - 1);
        g->gap2_after = top - 1;
        g->gap2_rows = from - 1 - hl;
        for (int i = 0; i < bottom; i++)
            move_row(g, top + i, from + i);
        g->nx = limit;
        return;
    }
    g->gap_after = top - 1;
    g->gap_rows = g->nx - bottom - top;
    for (int i = 0; i < bottom; i++)
        move_row(g, top + i, from + i);
    g->nx = limit;
}

/* A contribution chart keeps the rows that matter: a department whose
 * change is under `materiality` % of the total change (its share; from
 * the values where the dataset has no share column) is left out, and of
 * the others the `limit` largest, in the dataset's order (by size). Returns
 * how many rows were left out; *under is the share they each stay under
 * (materiality, or the largest share left out when the limit cut more). */
static int keep_material(grid *g, int limit, double materiality, double *under)
{
    double total = 0;
    int have_share = 0;
    for (int i = 0; i < g->nx; i++) {
        have_share |= isfinite(g->share[i]);
        if (isfinite(g->v[i][0]))
            total += g->v[i][0];
    }
    int n = 0, out = 0;
    *under = materiality;
    for (int i = 0; i < g->nx; i++) {
        double sh = have_share ? g->share[i]
                    : total != 0 && isfinite(g->v[i][0]) ? g->v[i][0] * 100 / total
                                                          : NAN;
        int material = !isfinite(sh) || fabs(sh) >= materiality;
        if (!material || n == limit) {
            out++;
            if (material && isfinite(sh) && fabs(sh) > *under)
                *under = fabs(sh);
            continue;
        }
        move_row(g, n++, i);
    }
    g->nx = n;
    return out;
}

/* Why a chart is not worth drawing: a message id with {title} (and
 * {value}), or NULL to draw it. Nothing to show; one value everywhere (a
 * flat line, bars of one length); or, in a department's report, a ranking
 * in which the department itself has no value (bed occupancy of an
 * outpatient-only department). */
static const char *not_drawn(const rctx *c, const grid *g, double *same)
{
    int finite = 0, equal = 1;
    for (int i = 0; i < g->nx; i++)
        for (int j = 0; j < g->ns; j++) {
            double v = g->v[i][j];
            if (!isfinite(v))
                continue;
            if (finite++ && fabs(v - *same) > 1e-9 * fmax(1, fabs(v)))
                equal = 0;
            if (finite == 1)
                *same = v;
        }
    if (finite == 0)
        return N_("{title}: no data for this period; not drawn.");
    if (strcmp(c->scope, "hospital"))
        for (int i = 0; i < g->nx; i++)
            if (g->highlight[i] && !isfinite(g->v[i][0]))
                return N_("{title}: no data for this department; not drawn.");
    if (equal && (finite > 1 || *same == 0))
        return N_("{title}: every value is {value}; not drawn.");
    return NULL;
}

/* The one line that stands for a chart left out. */
static void not_drawn_note(rctx *c, const char *id, const char *title_zh_or_en,
                           const char *title_en, const char *unit, double same)
{
    char value[I18N_NUM_MAX];
    for (int pass = 0; pass < (c->mode == MODE_BILINGUAL ? 2 : 1); pass++) {
        i18n_lang lang = pass ? LANG_EN : ctx_primary(c);
        const char *pattern = i18n_tr(lang, id);
        chart_value_label(lang, unit, same, 1, 0, value);
        strbuf line = STRBUF_INIT;
        for (const char *p = pattern; *p;) {
            if (!strncmp(p, "{title}", 7))
                sb_addstr(&line, pass ? title_en : title_zh_or_en), p += 7;
            else if (!strncmp(p, "{value}", 7))
                sb_addstr(&line, value), p += 7;
            else
                sb_addch(&line, *p++);
        }
        doc_flow_text(c, line.buf, pass ? 7.5 : 8.5, 0, RGB_MUTED, 1.5);
        sb_release(&line);
    }
    c->y -= 6;
}

/* The line under a contribution chart saying what it left out. */
static void materiality_note(rctx *c, int n, double under)
{
    char pct[I18N_NUM_MAX];
    double up = ceil(under * 10 - 1e-9) / 10; /* "under 3.3 %" of 3.24 %: rounded up */
    nf_number(up, fabs(up - round(up)) < 1e-9 ? 0 : 1, pct);
    for (int pass = 0; pass < (c->mode == MODE_BILINGUAL ? 2 : 1); pass++) {
        i18n_lang lang = pass ? LANG_EN : ctx_primary(c);
        char line[512];
        snprintf(line, sizeof line,
                 i18n_tr(lang, nf_plural((nf_lang)lang, n,
                                         N_("%d more department, under %s%% of the total change "
                                            "each, is not shown."),
                                         N_("%d more departments, under %s%% of the total change "
                                            "each, are not shown."))),
                 n, pct);
        doc_flow_text(c, line, pass ? 7 : 7.5, 0, RGB_MUTED, 1.4);
    }
    c->y -= 4;
}

int chart_render(rctx *c, xmlNodePtr el)
{
    char type[16], name[64], title_id[256], ind[64];
    tpl_attr_buf(el, "type", "line", type, sizeof type);
    tpl_attr_buf(el, "indicator", "", ind, sizeof ind);
    const char *def = !strcmp(type, "line")      ? "trend"
                      : !strcmp(type, "stacked") ? "revenue_mix"
                      : !strcmp(type, "bar")     ? "departments"
                                                 : "contributions";
    tpl_attr_buf(el, "dataset", def, name, sizeof name);
    dataset d;
    if (ds_load(c, el, name, &d))
        return c->err->code;
    grid *g = xmalloc(sizeof *g);
    int rc = build_grid(c, el, &d, g);
    ds_free(&d);
    if (rc) {
        free(g);
        return rc;
    }
    /* Judged over every row: a ranking cut to its top rows may be all equal
     * (25 departments at 100 %) while the others differ. */
    double same = 0;
    const char *why = not_drawn(c, g, &same);
    int left_out = 0;
    double under = 0;
    int horizontal = !strcmp(type, "bar") || !strcmp(type, "contribution");
    if (horizontal) {
        /* no more rows than a page holds (6 mm each, below the title) */
        int limit = (int)tpl_attr_num(el, "limit", 12);
        int fits = (int)((c->page_h - c->margin_t - c->margin_b - 60) / (6 * 72 / 25.4));
        drop_undefined(g);
        if (!strcmp(type, "contribution"))
            left_out = keep_material(g, limit < fits ? limit : fits,
                                     tpl_attr_num(el, "materiality", 2), &under);
        else
            keep_ends(g, limit < fits ? limit : fits);
    }
    double h = tpl_attr_num(el, "height-mm", horizontal ? 8 + g->nx * 6 : 62) * 72 / 25.4;
    char *title = tpl_text(el);
    snprintf(title_id, sizeof title_id, "%s", title);
    free(title);
    strbuf t = STRBUF_INIT;
    if ((rc = blk_expand(c, el, ctx_primary(c), i18n_tr(ctx_primary(c), title_id), &t))) {
        free(g);
        return rc;
    }
    strbuf en = STRBUF_INIT; /* bilingual: the English title beneath, smaller */
    if (c->mode == MODE_BILINGUAL && title_id[0])
        blk_expand(c, el, LANG_EN, title_id, &en);
    const ind_row *r = ind_find(c, ind);
    const char *unit = g->unit[0] ? g->unit : r ? r->unit : "";
    chart_unit u = {.unit = unit, .band_lo = NAN, .band_hi = NAN,
                    .delta = !strcmp(type, "contribution")};
    if (r && !strcmp(unit, r->unit)) {
        memcpy(u.word, r->unit_label, sizeof u.word);
        if (!u.delta)
            u.band_lo = r->warn_low, u.band_hi = r->warn_high;
    }
    if (why) {
        not_drawn_note(c, why, t.buf, en.buf ? en.buf : "", unit, same);
        sb_release(&t);
        sb_release(&en);
        free(g);
        return HR_OK;
    }
    doc_ensure(c, h + 22 + (en.len ? 11 : 0));
    doc_text(c, c->margin_l, c->y - 10, 9.5, t.buf, RGB_TEXT);
    c->y -= 16;
    if (en.len) {
        doc_text(c, c->margin_l, c->y - 6, 7.5, en.buf, RGB_MUTED);
        c->y -= 11;
    }
    sb_release(&t);
    sb_release(&en);
    if (horizontal)
        horizontal_chart(c, g, &u, !strcmp(type, "contribution"), r ? r->direction : "neutral",
                         c->y, h);
    else
        vertical_chart(c, g, &u, !strcmp(type, "stacked"), c->y, h);
    c->y -= h + 10;
    if (left_out > 0)
        materiality_note(c, left_out, under);
    free(g);
    return HR_OK;
}
