/*
 * render_internal.h -- what the render stage's files share: the context of
 * one PDF being drawn (template, data, language, libharu document, cursor)
 * and the functions each file provides. Not a public header: other stages
 * use render.h only.
 *
 * One rctx lives for one PDF; pdfout.c creates it per (scope, language),
 * the blocks draw into it top to bottom, doc_finish adds what needs the
 * page count (headers, "page x of y", table of contents, draft marks).
 */
#ifndef HR_RENDER_INTERNAL_H
#define HR_RENDER_INTERNAL_H

#include <hpdf.h>
#include <libxml/tree.h>
#include <math.h>
#include <sqlite3.h>

#include "pipeline/core/error.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "stages/render/font.h"
#include "stages/render/i18n.h"

/* Why a PDF is a draft (render --force, or reconcile --force): bits. */
#define DRAFT_UNRECONCILED 1 /* a month's reconciliation is blocking */
#define DRAFT_UNVALIDATED 2  /* a month failed validation or was never validated */

typedef enum render_mode { MODE_ZH, MODE_EN, MODE_BILINGUAL } render_mode;

typedef struct rgb {
    float r, g, b;
} rgb;

extern const rgb RGB_TEXT, RGB_MUTED, RGB_ACCENT, RGB_GOOD, RGB_BAD, RGB_NEUTRAL, RGB_RULE,
    RGB_ZEBRA, RGB_CARD, RGB_WHITE, RGB_HIGHLIGHT;

typedef struct ind_row {
    char id[64];
    char name[2][128];   /* [LANG_ZH], [LANG_EN] */
    char unit[16];
    char direction[8];
    char dimension[16];
    double value, mom, yoy, ytd, ytd_yoy; /* NAN = undefined */
    double num, den; /* numerator, denominator (budget_execution.X: YTD value, target) */
    char masked[16];     /* a small count's "<5" or "—" in place of value */
    char flag[16];
    char reason[2][256];
    int flow;     /* a sum over time (revenue, visits), not a ratio */
    int decimals; /* the catalogue's digits after the point, -1: the unit's */
    double warn_low, warn_high; /* the catalogue's warning band; NAN = none */
    char unit_label[2][32];     /* the catalogue's unit word: 人次 / visits, % */
} ind_row;

typedef struct heading {
    int level;
    int page;           /* 0-based page index */
    char text[256];
    char text_en[256];  /* bilingual: the English beside it in the contents */
} heading;

typedef struct rctx {
    /* inputs */
    sqlite3 *db;
    const render_font *font;
    xmlDocPtr tpl;
    const char *tpl_path;
    render_mode mode;
    const char *kind;
    char period_text[32];
    period per;
    char month_first[8], month_last[8];
    char scope[64];
    char scope_name[2][128];
    char hospital[2][128];
    char author[128];
    char report_no[128 + PERIOD_LABEL_MAX + 16]; /* kind (run.kind[128]), period, number */
    int draft; /* DRAFT_* bits: the mark every page carries */
    int small_k;         /* small counts: "<k" and "—" (data.c); 0 = off */
    ind_row *ind;
    int nind;
    /* document */
    HPDF_Doc pdf;
    HPDF_Font hfont;
    unsigned char text_blocks[256]; /* [b]: text shown uses U+bb00..U+bbFF (ToUnicode) */
    HPDF_Page *pages;
    int npages;
    int toc_page;        /* -1 when no TOC */
    int cover_pages;     /* pages without header/footer */
    heading *heads;
    int nheads;
    int sections;        /* numbered level-1 headings drawn so far */
    int appendices;      /* and appendices */
    HPDF_Outline outline[3];
    double page_w, page_h, margin_l, margin_r, margin_t, margin_b;
    double base_size;
    double y;            /* the cursor: top of the free space */
    char title_id[256];  /* the report title msgid */
    hr_error *err;
} rctx;

/* doc.c -- pages, text and shapes */
i18n_lang ctx_primary(const rctx *c);   /* ZH for zh and bilingual */
const char *ctx_tr(const rctx *c, i18n_lang lang, const char *msgid);
/* A short note (a printf format with at most one %d, n; `many` its plural,
 * NULL when none) in the document's language, "中文 / English" in the
 * bilingual edition. */
char *ctx_note(const rctx *c, const char *one, const char *many, long n, char *buf, size_t size);
double ctx_width(const rctx *c);        /* content width */
double ctx_bottom(const rctx *c);
void doc_new_page(rctx *c);
int doc_ensure(rctx *c, double height); /* new page if height does not fit; 1 if it did */
void doc_text(rctx *c, double x, double y, double size, const char *s, rgb color);
void doc_text_right(rctx *c, double right, double y, double size, const char *s, rgb color);
void doc_text_center(rctx *c, double center, double y, double size, const char *s, rgb color);
double doc_text_width(const rctx *c, const char *s, double size);
void doc_fill_rect(rctx *c, double x, double y, double w, double h, rgb color);
void doc_line(rctx *c, double x1, double y1, double x2, double y2, double width, rgb color);
void doc_triangle(rctx *c, double cx, double cy, double size, int up, rgb color);
/* Wrapped text flowing over pages from the cursor; returns lines drawn. */
int doc_flow_text(rctx *c, const char *text, double size, double indent, rgb color, double leading);
/* Text wrapped into a box at (x, top) of width w; returns the height used.
 * align: 'l' 'r' 'c'. draw = 0 only measures. */
double doc_box_text(rctx *c, double x, double top, double w, const char *text, double size,
                    char align, rgb color, int draw);
void doc_heading(rctx *c, int level, const char *zh_or_en, const char *secondary);
int doc_finish(rctx *c);

/* data.c -- datasets and indicators */
typedef struct ds_cell {
    char *text;    /* never NULL ("" for NULL) */
    double num;    /* NAN when NULL or not a number */
} ds_cell;

typedef struct dataset {
    int ncols, nrows;
    char **cols;
    ds_cell *cells; /* nrows * ncols */
} dataset;

int ds_load(rctx *c, xmlNodePtr el, const char *name, dataset *out);
/* The SQL of the i-th built-in dataset, NULL past the last (the character
 * set scan reads the tables they name). */
const char *ds_builtin_sql(int i);
/* The sandbox templates' SQL runs in: an authorizer on db refusing any
 * identifier column always, and while ds_load prepares a dataset anything
 * but a SELECT with allowed functions (data.c says what exactly). */
void ds_sandbox_install(sqlite3 *db);
void ds_sandbox_remove(sqlite3 *db);
/* Small counts (INDICATORS.md): while rendering, a temporary view
 * temp.indicator_value shadows the table for every query (built-ins,
 * templates, ind_load): on department scopes, a covered indicator whose
 * numerator is in 1..k-1 has value (and ytd) '<k' for a count, '—' for a
 * ratio, and no numerator, denominator, changes or bases. k = 0 does
 * nothing. The view is dropped by ds_small_counts_end; export and compute
 * read the table itself. Meanwhile the sandbox refuses a template naming
 * main.indicator_value, the table behind the view. */
int ds_small_counts_begin(sqlite3 *db, int k, const char *indicators, hr_error *err);
void ds_small_counts_end(sqlite3 *db);
/* The note under a block where a ratio was left out ("少于 5 例不显示"). */
void ds_small_counts_note(rctx *c);
/* While the small-count rule is on, how a template may read `table`: 'r'
 * readable, 's' through the view of its name that applies the rule, 'x'
 * refused; -1 a table not classed (refused). data.c lists them. */
int ds_small_count_class(const char *table);
/* 1 when no query of render may read table.column (table may be NULL). */
int ds_column_denied(const char *table, const char *column);
void ds_free(dataset *d);
int ds_col(const dataset *d, const char *name);
const ds_cell *ds_at(const dataset *d, int row, int col);
int ind_load(rctx *c);
const ind_row *ind_find(const rctx *c, const char *id);
/* How the indicator's values print (numfmt.h): money flows as totals,
 * money ratios as fees, the catalogue's decimals; wan as asked. */
nf_opts ind_opts(const ind_row *r, int wan);

/* blocks.c -- text, conditions, KPI cards, lists, TOC */
int blk_expand(rctx *c, xmlNodePtr el, i18n_lang lang, const char *text, strbuf *out);
int blk_condition(rctx *c, xmlNodePtr el, int *result);
int blk_body(rctx *c, xmlNodePtr first);
int blk_cover(rctx *c, xmlNodePtr el);
int blk_kpis(rctx *c, xmlNodePtr el);
/* 1 when the scope has data for the indicator: a value, and one that is
 * not a zero with nothing to compare it with (0 discharges of an
 * outpatient-only department, 0 exams where there is no device). */
int blk_has_data(const ind_row *r);
/* Colour of a change for an indicator direction ("up" "down" "neutral"). */
rgb blk_change_color(const char *direction, double change);

/* dashboard.c -- the dashboard page: status cards, the quadrant chart */
int dash_scorecard(rctx *c, xmlNodePtr el);
int dash_quadrant(rctx *c, xmlNodePtr el);

/* table.c */
int tbl_render(rctx *c, xmlNodePtr el);
/* Formats one dataset cell for a column format; returns 'r' or 'l' alignment. */
char tbl_format(rctx *c, i18n_lang lang, const char *format, const dataset *d, int row, int col,
                char *buf, size_t size);

/* chart.c */
int chart_render(rctx *c, xmlNodePtr el);
/* Nice round axis ticks covering [lo, hi]: fills step and the first/last tick. */
/* A value label in the axis unit `scale` (1, 1e3 "k", 1e4 "万", 1e6 "M"):
 * counts as integers, money with ¥ in English, a change (`delta`) of a
 * percent indicator in points. Writes I18N_NUM_MAX bytes at most. */
char *chart_value_label(i18n_lang lang, const char *unit, double v, double scale, int delta,
                        char *buf);
void chart_nice_ticks(double lo, double hi, int target, double *first, double *last, double *step);
/* Widens [lo, hi] to what a value axis shows (templates/README.md,
 * "Charts"): the warning band inside, bars (from_zero) from 0, a line over
 * at least a fifth of its largest value. */
void chart_value_range(const char *unit, double band_lo, double band_hi, int from_zero,
                       double *lo, double *hi);

#endif
