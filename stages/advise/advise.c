/*
 * advise.c -- findings and suggestions from compute's results (see
 * advise.h; the rules are loaded by advise_rules.c).
 *
 * The period's catalogue, values and department names are read into
 * memory once (a large hospital has some 60 scopes x 40 indicators); each
 * rule is then evaluated for each scope it applies to, in file order, and
 * every sentence it produces is inserted with the next sort_order of its
 * scope. Placeholders are filled per language from small key/value slots.
 */
#include "stages/advise/advise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/numfmt.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/advise/advise_rules.h"

typedef struct ind_info {
    char id[96], unit[16];
    char name_zh[128], name_en[160], unit_zh[32], unit_en[32];
    int direction; /* 1 up, -1 down, 0 neutral */
    int has_low, has_high;
    double low, high;
} ind_info;

typedef struct value_row {
    char scope[64], indicator[96];
    int has_value, has_mom_base, has_yoy_base;
    double value, mom_base, yoy_base;
} value_row;

typedef struct dept_info {
    char code[64], category[16];
    char name_zh[128], name_en[160];
} dept_info;

typedef struct advise_ctx {
    sqlite3 *db;
    const char *period_text;
    period p;
    ind_info *inds;
    int ninds;
    value_row *vals;
    int nvals;
    dept_info *depts;
    int ndepts;
    const char *scope; /* the scope being evaluated */
    int sort_order;
    sqlite3_stmt *insert;
} advise_ctx;

/* ---- numbers (pipeline/core/numfmt.h) ---- */

static int is_percent(const ind_info *in)
{
    return strcmp(in->unit, "percent") == 0;
}

/* "32.5%", "8.3天" / "8.3 days", "12,345人次", "3,519.21万元" / "¥35,192,100";
 * with `sign` a '+' before a positive value; "—" when undefined. Money is
 * said in 万元 in Chinese; counts stay whole. */
static void format_value(strbuf *sb, const ind_info *in, int has, double v, int zh, int sign)
{
    char buf[NF_MAX];
    nf_opts o = {.wan = strcmp(in->unit, "money") == 0, .sign = sign, .unit_word = 1,
                 .word = {in->unit_zh, in->unit_en}};
    sb_addstr(sb, has ? nf_value(zh ? NF_ZH : NF_EN, in->unit, v, &o, buf) : nf_undefined());
}

/* A change from base to cur: percentage points for % indicators, else the
 * relative change in %; with `sign` a leading + or -, else its size. */
static void format_change(strbuf *sb, const ind_info *in, int has, double cur, double base,
                          int zh, int sign)
{
    if (!has || (!is_percent(in) && base == 0)) {
        sb_addstr(sb, nf_undefined());
        return;
    }
    char buf[NF_MAX];
    double d = is_percent(in) ? cur - base : (cur - base) / fabs(base) * 100.0;
    sb_addstr(sb, nf_change(zh ? NF_ZH : NF_EN, in->unit, d, &(nf_opts){.magnitude = !sign}, buf));
}

/* A count of departments: "12", "1,234". */
static void format_count(strbuf *sb, int n)
{
    char buf[NF_MAX];
    sb_addstr(sb, nf_number(n, 0, buf));
}

/* ---- placeholder slots ---- */

#define MAX_SLOTS 16

typedef struct slots {
    int n;
    const char *key[MAX_SLOTS];
    strbuf zh[MAX_SLOTS], en[MAX_SLOTS];
} slots;

static void slots_release(slots *s)
{
    for (int i = 0; i < s->n; i++) {
        sb_release(&s->zh[i]);
        sb_release(&s->en[i]);
    }
    s->n = 0;
}

/* A new slot `key`; returns its index (the caller fills zh/en). */
static int slot(slots *s, const char *key)
{
    int i = s->n++;
    s->key[i] = key;
    sb_init(&s->zh[i]);
    sb_init(&s->en[i]);
    return i;
}

static void slot_text(slots *s, const char *key, const char *zh, const char *en)
{
    int i = slot(s, key);
    sb_addstr(&s->zh[i], zh);
    sb_addstr(&s->en[i], en);
}

static void expand(const char *tmpl, const slots *s, int zh, strbuf *out)
{
    for (const char *p = tmpl; *p;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            sb_addch(out, *p++);
            continue;
        }
        int found = 0;
        for (int i = 0; i < s->n && !found; i++)
            if ((size_t)(end - p - 1) == strlen(s->key[i]) &&
                strncmp(p + 1, s->key[i], (size_t)(end - p - 1)) == 0) {
                sb_addstr(out, zh ? s->zh[i].buf : s->en[i].buf);
                found = 1;
            }
        if (!found)
            sb_addstr(out, "—"); /* a known placeholder this case has no value for */
        p = end + 1;
    }
}

/* ---- lookups ---- */

static int value_cmp(const void *a, const void *b)
{
    const value_row *x = a, *y = b;
    int c = strcmp(x->scope, y->scope);
    return c ? c : strcmp(x->indicator, y->indicator);
}

static const value_row *find_value(const advise_ctx *c, const char *scope, const char *indicator)
{
    value_row key;
    snprintf(key.scope, sizeof key.scope, "%s", scope);
    snprintf(key.indicator, sizeof key.indicator, "%s", indicator);
    return bsearch(&key, c->vals, (size_t)c->nvals, sizeof *c->vals, value_cmp);
}

static const dept_info *find_dept(const advise_ctx *c, const char *code)
{
    for (int i = 0; i < c->ndepts; i++)
        if (strcmp(c->depts[i].code, code) == 0)
            return &c->depts[i];
    return NULL;
}

static void scope_names(const advise_ctx *c, const char *scope, const char **zh, const char **en)
{
    const dept_info *d = find_dept(c, scope);
    if (strcmp(scope, "hospital") == 0) {
        *zh = "全院";
        *en = "the hospital";
    } else {
        *zh = d ? d->name_zh : scope;
        *en = d ? d->name_en : scope;
    }
}

static int in_categories(const advise_ctx *c, const advise_rule *r, const char *code)
{
    const dept_info *d = find_dept(c, code);
    if (!d)
        return 0;
    char list[80], cat[24];
    snprintf(list, sizeof list, " %s ", r->categories);
    snprintf(cat, sizeof cat, " %s ", d->category);
    return strstr(list, cat) != NULL;
}

/* ---- storing ---- */

static int emit(advise_ctx *c, const advise_rule *r, const char *indicator, const slots *s,
                hr_error *err)
{
    for (int k = 0; k < 2; k++) {
        const advise_sentence *out = &r->out[k];
        if (!out->present)
            continue;
        strbuf zh = STRBUF_INIT, en = STRBUF_INIT;
        expand(out->zh, s, 1, &zh);
        expand(out->en, s, 0, &en);
        sqlite3_stmt *st = c->insert;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->scope, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, k == ADVISE_FINDING ? "finding" : "suggestion", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, out->severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, r->id, -1, SQLITE_STATIC);
        if (indicator)
            sqlite3_bind_text(st, 6, indicator, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_int(st, 7, ++c->sort_order);
        sqlite3_bind_text(st, 8, zh.buf, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 9, en.buf, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        sb_release(&zh);
        sb_release(&en);
        if (rc != SQLITE_DONE)
            return db_fail(c->db, "storing advice", err);
    }
    return HR_OK;
}

/* The slots every rule has: name, scope, value, mom, yoy. */
static void common_slots(const advise_ctx *c, const ind_info *in, const value_row *v, slots *s)
{
    const char *szh, *sen;
    scope_names(c, c->scope, &szh, &sen);
    slot_text(s, "name", in->name_zh, in->name_en);
    slot_text(s, "scope", szh, sen);
    int i = slot(s, "value");
    format_value(&s->zh[i], in, v && v->has_value, v ? v->value : 0, 1, 0);
    format_value(&s->en[i], in, v && v->has_value, v ? v->value : 0, 0, 0);
    i = slot(s, "mom");
    int has = v && v->has_value && v->has_mom_base;
    format_change(&s->zh[i], in, has, v ? v->value : 0, v ? v->mom_base : 0, 1, 1);
    format_change(&s->en[i], in, has, v ? v->value : 0, v ? v->mom_base : 0, 0, 1);
    i = slot(s, "yoy");
    has = v && v->has_value && v->has_yoy_base;
    format_change(&s->zh[i], in, has, v ? v->value : 0, v ? v->yoy_base : 0, 1, 1);
    format_change(&s->en[i], in, has, v ? v->value : 0, v ? v->yoy_base : 0, 0, 1);
}

static void value_slot(slots *s, const char *key, const ind_info *in, int has, double v)
{
    int i = slot(s, key);
    format_value(&s->zh[i], in, has, v, 1, 0);
    format_value(&s->en[i], in, has, v, 0, 0);
}

/* ---- band and threshold rules ---- */

typedef struct ranked {
    const value_row *row;
    double key;
} ranked;

static int ranked_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return strcmp(x->row->scope, y->row->scope);
}

/* "内科（35.2%）、外科（33.1%）等 5 个科室" / "Internal Medicine (35.2%), Surgery (33.1%) and 3 more" */
static void department_list(const advise_ctx *c, const ind_info *in, const ranked *list, int n,
                            int shown, slots *s)
{
    int i = slot(s, "departments");
    for (int k = 0; k < n && k < shown; k++) {
        const char *zh, *en;
        scope_names(c, list[k].row->scope, &zh, &en);
        sb_addf(&s->zh[i], "%s%s（", k ? "、" : "", zh);
        format_value(&s->zh[i], in, 1, list[k].row->value, 1, 0);
        sb_addstr(&s->zh[i], "）");
        sb_addf(&s->en[i], "%s%s (", k ? ", " : "", en);
        format_value(&s->en[i], in, 1, list[k].row->value, 0, 0);
        sb_addch(&s->en[i], ')');
    }
    if (n > shown) {
        sb_addstr(&s->zh[i], "等 ");
        format_count(&s->zh[i], n);
        sb_addstr(&s->zh[i], " 个科室");
        sb_addstr(&s->en[i], " and ");
        format_count(&s->en[i], n - shown);
        sb_addstr(&s->en[i], " more");
    }
    if (n == 0) {
        sb_addstr(&s->zh[i], "—");
        sb_addstr(&s->en[i], "—");
    }
    int j = slot(s, "count");
    format_count(&s->zh[j], n);
    format_count(&s->en[j], n);
}

static int beyond(int high_side, double v, double limit)
{
    return high_side ? v > limit : v < limit;
}

/* The departments beyond `limit` on one side, worst first; *n set. */
static ranked *departments_beyond(const advise_ctx *c, const advise_rule *r, const ind_info *in,
                                  int high_side, double limit, int *n)
{
    ranked *list = calloc((size_t)c->nvals + 1, sizeof *list);
    if (!list)
        abort();
    *n = 0;
    int hospital = strcmp(c->scope, "hospital") == 0;
    for (int i = 0; i < c->nvals; i++) {
        const value_row *v = &c->vals[i];
        if (strcmp(v->indicator, in->id) != 0 || !v->has_value ||
            strcmp(v->scope, "hospital") == 0 || !beyond(high_side, v->value, limit))
            continue;
        if (hospital ? !in_categories(c, r, v->scope) : strcmp(v->scope, c->scope) != 0)
            continue;
        list[(*n)++] = (ranked){v, high_side ? v->value : -v->value};
    }
    qsort(list, (size_t)*n, sizeof *list, ranked_desc);
    return list;
}

static int band_side(advise_ctx *c, const advise_rule *r, const ind_info *in, int high_side,
                     double limit, hr_error *err)
{
    const value_row *self = find_value(c, c->scope, in->id);
    int self_beyond = self && self->has_value && beyond(high_side, self->value, limit);
    int n;
    ranked *list = departments_beyond(c, r, in, high_side, limit, &n);
    int fire = self_beyond || (r->trigger_any && strcmp(c->scope, "hospital") == 0 && n > 0);
    int rc = HR_OK;
    if (fire) {
        slots s = {0};
        common_slots(c, in, self, &s);
        value_slot(&s, "limit", in, 1, limit);
        value_slot(&s, "low", in, in->has_low, in->low);
        value_slot(&s, "high", in, in->has_high, in->high);
        int i = slot(&s, "band");
        for (int zh = 1; zh >= 0; zh--) { /* "80.0%–93.0%", "≤ 30.0%", "≥ 95.0%" */
            strbuf *b = zh ? &s.zh[i] : &s.en[i];
            if (in->has_low && in->has_high) {
                format_value(b, in, 1, in->low, zh, 0);
                sb_addstr(b, "–");
                format_value(b, in, 1, in->high, zh, 0);
            } else if (in->has_low || in->has_high) {
                sb_addstr(b, in->has_low ? "≥ " : "≤ ");
                format_value(b, in, 1, in->has_low ? in->low : in->high, zh, 0);
            } else {
                sb_addstr(b, "—");
            }
        }
        department_list(c, in, list, n, r->count, &s);
        rc = emit(c, r, in->id, &s, err);
        slots_release(&s);
    }
    free(list);
    return rc;
}

static int eval_band(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    int rc = HR_OK;
    for (int i = 0; i < c->ninds && rc == HR_OK; i++) {
        const ind_info *in = &c->inds[i];
        if (!advise_rule_matches(r, in->id))
            continue;
        if (r->type == ADVISE_BAND) {
            if (r->side_high && in->has_high)
                rc = band_side(c, r, in, 1, in->high, err);
            if (rc == HR_OK && r->side_low && in->has_low)
                rc = band_side(c, r, in, 0, in->low, err);
        } else {
            if (r->has_above)
                rc = band_side(c, r, in, 1, r->above, err);
            if (rc == HR_OK && r->has_below)
                rc = band_side(c, r, in, 0, r->below, err);
        }
    }
    return rc;
}

/* ---- movers and contributors ---- */

typedef struct mover {
    const ind_info *in;
    const value_row *row;
    double base, rel, key;
} mover;

static int mover_desc(const void *a, const void *b)
{
    const mover *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return x->in < y->in ? -1 : x->in > y->in; /* catalogue order */
}

static void change_slots(const advise_ctx *c, const advise_rule *r, const mover *m, slots *s)
{
    value_slot(s, "base", m->in, 1, m->base);
    int i = slot(s, "change");
    format_change(&s->zh[i], m->in, 1, m->row->value, m->base, 1, 0);
    format_change(&s->en[i], m->in, 1, m->row->value, m->base, 0, 0);
    double d = m->row->value - m->base;
    slot_text(s, "trend", d > 0 ? "上升" : d < 0 ? "下降" : "持平",
              d > 0 ? "rose" : d < 0 ? "fell" : "was unchanged");
    const char *what = c->p.kind == PERIOD_MONTH     ? "vs the previous month"
                       : c->p.kind == PERIOD_QUARTER ? "vs the previous quarter"
                                                     : "vs the previous period";
    slot_text(s, "comparison", r->mom ? "环比" : "同比", r->mom ? what : "vs a year earlier");
}

/* The scope's indicators with a defined change and |relative change| >=
 * min_change; key = the relative change, signed by direction when
 * `directed`, else its size. */
static mover *changes(const advise_ctx *c, const advise_rule *r, const char *scope, int directed,
                      int *n)
{
    mover *list = calloc((size_t)c->ninds + 1, sizeof *list);
    if (!list)
        abort();
    *n = 0;
    for (int i = 0; i < c->ninds; i++) {
        const ind_info *in = &c->inds[i];
        const value_row *v = find_value(c, scope, in->id);
        if (!advise_rule_matches(r, in->id) || !v || !v->has_value || (directed && !in->direction))
            continue;
        int has_base = r->mom ? v->has_mom_base : v->has_yoy_base;
        double base = r->mom ? v->mom_base : v->yoy_base;
        if (!has_base || base == 0)
            continue;
        double rel = (v->value - base) / fabs(base) * 100.0;
        if (fabs(rel) < r->min_change || rel == 0)
            continue;
        double key = directed ? rel * in->direction : fabs(rel);
        list[(*n)++] = (mover){in, v, base, rel, key};
    }
    return list;
}

static int eval_movers(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    int n, rc = HR_OK;
    mover *list = changes(c, r, c->scope, 1, &n);
    if (!r->improvement)
        for (int i = 0; i < n; i++)
            list[i].key = -list[i].key; /* worst first */
    qsort(list, (size_t)n, sizeof *list, mover_desc);
    for (int i = 0, shown = 0; i < n && shown < r->count && rc == HR_OK; i++) {
        if (list[i].key <= 0)
            break; /* the rest go the other way */
        slots s = {0};
        common_slots(c, list[i].in, list[i].row, &s);
        change_slots(c, r, &list[i], &s);
        rc = emit(c, r, list[i].in->id, &s, err);
        slots_release(&s);
        shown++;
    }
    free(list);
    return rc;
}

/* "内科（+1,234，占 45.6%）、..." / "Internal Medicine (+1,234, 45.6% of the change), ..." */
static int contributor_list(advise_ctx *c, const advise_rule *r, const mover *m, slots *s,
                            int *found, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT dept_code, delta, share FROM contribution WHERE "
                                  "period = ? AND indicator = ? AND comparison = ? "
                                  "ORDER BY rank LIMIT ?",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->in->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->mom ? "mom" : "yoy", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, r->count);
    int i = slot(s, "departments"), rc;
    *found = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *zh, *en;
        scope_names(c, (const char *)sqlite3_column_text(st, 0), &zh, &en);
        double delta = sqlite3_column_double(st, 1);
        int has_share = sqlite3_column_type(st, 2) != SQLITE_NULL;
        double share = sqlite3_column_double(st, 2);
        sb_addf(&s->zh[i], "%s%s（", *found ? "、" : "", zh);
        format_value(&s->zh[i], m->in, 1, delta, 1, 1);
        sb_addf(&s->en[i], "%s%s (", *found ? ", " : "", en);
        format_value(&s->en[i], m->in, 1, delta, 0, 1);
        if (has_share) {
            char pct[NF_MAX];
            sb_addf(&s->zh[i], "，占 %s", nf_value(NF_ZH, "percent", share, NULL, pct));
            sb_addf(&s->en[i], ", %s of the change", nf_value(NF_EN, "percent", share, NULL, pct));
        }
        sb_addstr(&s->zh[i], "）");
        sb_addch(&s->en[i], ')');
        (*found)++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, "reading contribution", err);
    return HR_OK;
}

static int eval_contributors(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    int n, rc = HR_OK;
    mover *list = changes(c, r, "hospital", 0, &n);
    qsort(list, (size_t)n, sizeof *list, mover_desc);
    int limit = strcmp(r->indicator, "*") == 0 ? r->indicators : 1;
    for (int i = 0, shown = 0; i < n && shown < limit && rc == HR_OK; i++) {
        slots s = {0};
        common_slots(c, list[i].in, list[i].row, &s);
        change_slots(c, r, &list[i], &s);
        int found = 0;
        rc = contributor_list(c, r, &list[i], &s, &found, err);
        if (rc == HR_OK && found) { /* an indicator without contributions says nothing */
            rc = emit(c, r, list[i].in->id, &s, err);
            shown++;
        }
        slots_release(&s);
    }
    free(list);
    return rc;
}

/* ---- loading the period ---- */

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static void *grow(void *p, int n, int *cap, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 64;
    return xrealloc(p, (size_t)*cap * size);
}

static int load_indicators(advise_ctx *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT indicator, name_zh, name_en, unit, unit_zh, unit_en,"
                                  " direction, warn_low, warn_high FROM indicator "
                                  "ORDER BY sort_order, indicator",
                                  err);
    if (!st)
        return err->code;
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->inds = grow(c->inds, c->ninds, &cap, sizeof *c->inds);
        ind_info *in = &c->inds[c->ninds++];
        memset(in, 0, sizeof *in);
        copy_col(st, 0, in->id, sizeof in->id);
        copy_col(st, 1, in->name_zh, sizeof in->name_zh);
        copy_col(st, 2, in->name_en, sizeof in->name_en);
        copy_col(st, 3, in->unit, sizeof in->unit);
        copy_col(st, 4, in->unit_zh, sizeof in->unit_zh);
        copy_col(st, 5, in->unit_en, sizeof in->unit_en);
        const char *dir = (const char *)sqlite3_column_text(st, 6);
        in->direction = dir && !strcmp(dir, "up") ? 1 : dir && !strcmp(dir, "down") ? -1 : 0;
        in->has_low = sqlite3_column_type(st, 7) != SQLITE_NULL;
        in->low = sqlite3_column_double(st, 7);
        in->has_high = sqlite3_column_type(st, 8) != SQLITE_NULL;
        in->high = sqlite3_column_double(st, 8);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading indicator", err);
}

static int load_values(advise_ctx *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT scope, indicator, value, mom_base, yoy_base "
                                  "FROM indicator_value WHERE period = ?",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->vals = grow(c->vals, c->nvals, &cap, sizeof *c->vals);
        value_row *v = &c->vals[c->nvals++];
        copy_col(st, 0, v->scope, sizeof v->scope);
        copy_col(st, 1, v->indicator, sizeof v->indicator);
        v->has_value = sqlite3_column_type(st, 2) != SQLITE_NULL;
        v->value = sqlite3_column_double(st, 2);
        v->has_mom_base = sqlite3_column_type(st, 3) != SQLITE_NULL;
        v->mom_base = sqlite3_column_double(st, 3);
        v->has_yoy_base = sqlite3_column_type(st, 4) != SQLITE_NULL;
        v->yoy_base = sqlite3_column_double(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, "reading indicator_value", err);
    qsort(c->vals, (size_t)c->nvals, sizeof *c->vals, value_cmp);
    return HR_OK;
}

/* Each department's latest name and category up to the period's last month. */
static int load_departments(advise_ctx *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT dept_code, name_zh, name_en, category, max(period) "
                                  "FROM dept WHERE period <= ? GROUP BY dept_code",
                                  err);
    if (!st)
        return err->code;
    char last[PERIOD_LABEL_MAX];
    sqlite3_bind_text(st, 1, period_month_label(c->p.last, last), -1, SQLITE_TRANSIENT);
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->depts = grow(c->depts, c->ndepts, &cap, sizeof *c->depts);
        dept_info *d = &c->depts[c->ndepts++];
        copy_col(st, 0, d->code, sizeof d->code);
        copy_col(st, 1, d->name_zh, sizeof d->name_zh);
        copy_col(st, 2, d->name_en, sizeof d->name_en);
        copy_col(st, 3, d->category, sizeof d->category);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading dept", err);
}

/* ---- the stage ---- */

static int eval_rule(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    switch (r->type) {
    case ADVISE_BAND:
    case ADVISE_THRESHOLD: return eval_band(c, r, err);
    case ADVISE_MOVERS: return eval_movers(c, r, err);
    default: return strcmp(c->scope, "hospital") == 0 ? eval_contributors(c, r, err) : HR_OK;
    }
}

/* Every scope of the period, the hospital first, each with its rules. */
static int eval_scopes(advise_ctx *c, const advise_rules *rules, hr_error *err)
{
    int rc = HR_OK;
    for (int pass = 0; pass < 2 && rc == HR_OK; pass++) {
        for (int i = 0; i < c->nvals && rc == HR_OK; i++) {
            const char *scope = c->vals[i].scope;
            int hospital = strcmp(scope, "hospital") == 0;
            if (hospital != (pass == 0) || (i > 0 && !strcmp(scope, c->vals[i - 1].scope)))
                continue;
            c->scope = scope;
            c->sort_order = 0;
            int bit = hospital ? ADVISE_SCOPE_HOSPITAL : ADVISE_SCOPE_DEPARTMENTS;
            for (int k = 0; k < rules->count && rc == HR_OK; k++)
                if (rules->rules[k].scopes & bit)
                    rc = eval_rule(c, &rules->rules[k], err);
        }
    }
    return rc;
}

static int advise_store(advise_ctx *c, const advise_rules *rules, hr_error *err)
{
    if (db_begin(c->db, err))
        return err->code;
    sqlite3_stmt *del = db_prepare(c->db, "DELETE FROM advice WHERE period = ?", err);
    int rc = del ? HR_OK : err->code;
    if (del) {
        sqlite3_bind_text(del, 1, c->period_text, -1, SQLITE_STATIC);
        if (sqlite3_step(del) != SQLITE_DONE)
            rc = db_fail(c->db, "clearing advice", err);
        sqlite3_finalize(del);
    }
    if (rc == HR_OK) {
        c->insert = db_prepare(c->db,
                               "INSERT INTO advice (period, scope, kind, severity, rule_id,"
                               " indicator, sort_order, text_zh, text_en)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               err);
        rc = c->insert ? eval_scopes(c, rules, err) : err->code;
        sqlite3_finalize(c->insert);
        c->insert = NULL;
    }
    if (rc == HR_OK)
        rc = db_commit(c->db, err);
    else
        db_rollback(c->db);
    return rc;
}

int advise_period_rules(sqlite3 *db, const char *period_text, const char *rules_path,
                        hr_error *err)
{
    advise_ctx c = {.db = db, .period_text = period_text};
    if (period_parse(period_text, &c.p, err))
        return err->code;
    char schema[4096];
    advise_rules rules;
    int rc = advise_rules_load(rules_path,
                               paths_data_file("config/schema/advice.xsd", schema, sizeof schema),
                               &rules, err);
    if (rc)
        return rc;
    rc = load_indicators(&c, err);
    if (rc == HR_OK)
        rc = load_values(&c, err);
    if (rc == HR_OK)
        rc = load_departments(&c, err);
    if (rc == HR_OK)
        rc = advise_store(&c, &rules, err);
    free(c.inds);
    free(c.vals);
    free(c.depts);
    advise_rules_free(&rules);
    return rc;
}

int advise_period(sqlite3 *db, const char *period_text, hr_error *err)
{
    char path[4096];
    return advise_period_rules(db, period_text,
                               paths_data_file("config/advice.xml", path, sizeof path), err);
}
