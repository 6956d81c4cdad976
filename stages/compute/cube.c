/*
 * cube.c -- the measures of a range of months in memory (measure x month x
 * department, plus the hospital total), and the evaluation of an
 * indicator over any period and scope from them.
 *
 * This is where the aggregation rule of spec/INDICATORS.md lives: the
 * numerator and the denominator are each summed over the months and
 * departments of the period and scope, then divided; ratios are never
 * averaged. A value is undefined when a month of the period is not loaded,
 * when a measure it needs is missing in one of the months (a source file
 * absent), or when the denominator is 0. Money measures are integer cents
 * held in doubles: sums stay exact below 2^53 cents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute_internal.h"

#define CELL(c, m, t, d) ((c)->v[((size_t)(m) * (c)->nmonths + (t)) * ((c)->ndept + 1) + (d)])
#define MISSING(c, m, t) ((c)->missing[(size_t)(m) * (c)->nmonths + (t)])

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ind_cube_dept(const ind_cube *cube, const char *code)
{
    char *const *hit = bsearch(&code, cube->dept, (size_t)cube->ndept, sizeof(char *), cmp_str);
    return hit ? (int)(hit - cube->dept) : -1;
}

static void bind_range(sqlite3_stmt *st, const ind_cube *c)
{
    char a[8], b[8];
    period_month_label(c->first_month, a);
    period_month_label(c->first_month + c->nmonths - 1, b);
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
}

static int month_of(const ind_cube *c, const char *label)
{
    period p;
    if (period_parse_month(label, &p, NULL))
        return -1;
    int t = p.first - c->first_month;
    return t >= 0 && t < c->nmonths ? t : -1;
}

static int load_depts(sqlite3 *db, ind_cube *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT dept_code FROM dept WHERE period BETWEEN ?1 AND ?2"
                                  " UNION SELECT dept_code FROM ind_measure"
                                  " WHERE month BETWEEN ?1 AND ?2 ORDER BY 1",
                                  err);
    if (!st)
        return err->code;
    bind_range(st, c);
    int cap = 0, rc;
    while (db_row(st, &rc, err)) {
        if (c->ndept == cap) {
            cap = cap ? 2 * cap : 64;
            c->dept = xrealloc(c->dept, (size_t)cap * sizeof(char *));
        }
        c->dept[c->ndept++] = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    /* ORDER BY uses BINARY collation, the same byte order as strcmp. */
    return rc;
}

static int load_dictionary(sqlite3 *db, ind_cube *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT period, dept_code, category FROM dept"
                                  " WHERE period BETWEEN ?1 AND ?2",
                                  err);
    if (!st)
        return err->code;
    bind_range(st, c);
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        int t = month_of(c, (const char *)sqlite3_column_text(st, 0));
        int d = ind_cube_dept(c, (const char *)sqlite3_column_text(st, 1));
        const char *cat = (const char *)sqlite3_column_text(st, 2);
        if (t >= 0 && d >= 0)
            c->category[(size_t)t * c->ndept + d] = cat[0] ? cat[0] : '?';
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    st = db_prepare(db,
                    "SELECT period FROM period_state WHERE ingested_at IS NOT NULL"
                    " AND period BETWEEN ?1 AND ?2",
                    err);
    if (!st)
        return err->code;
    bind_range(st, c);
    while (db_row(st, &rc, err)) {
        int t = month_of(c, (const char *)sqlite3_column_text(st, 0));
        if (t >= 0)
            c->loaded[t] = 1;
    }
    sqlite3_finalize(st);
    return rc;
}

/* A set's measures are missing in months without a state row (never
 * computed: the month is not loaded) or whose state names missing sources. */
static int load_missing(sqlite3 *db, ind_cube *c, hr_error *err)
{
    const ind_catalogue *cat = c->cat;
    memset(c->missing, 1, (size_t)cat->nmeasures * c->nmonths);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT month, measure_set FROM ind_measure_state"
                                  " WHERE month BETWEEN ?1 AND ?2 AND missing IS NULL",
                                  err);
    if (!st)
        return err->code;
    bind_range(st, c);
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        int t = month_of(c, (const char *)sqlite3_column_text(st, 0));
        const char *set = (const char *)sqlite3_column_text(st, 1);
        for (int s = 0; t >= 0 && s < cat->nsets; s++)
            if (strcmp(cat->sets[s].id, set) == 0 && c->loaded[t])
                for (int m = 0; m < cat->sets[s].nmeasures; m++)
                    MISSING(c, cat->sets[s].first_measure + m, t) = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

static int load_values(sqlite3 *db, ind_cube *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT month, measure, dept_code, value FROM ind_measure"
                                  " WHERE month BETWEEN ?1 AND ?2 ORDER BY month, measure",
                                  err);
    if (!st)
        return err->code;
    bind_range(st, c);
    char last_month[8] = "", last_measure[128] = "";
    int t = -1, m = -1, rc;
    while (db_row(st, &rc, err)) {
        const char *mo = (const char *)sqlite3_column_text(st, 0);
        const char *me = (const char *)sqlite3_column_text(st, 1);
        if (strcmp(mo, last_month) != 0) {
            snprintf(last_month, sizeof last_month, "%s", mo);
            t = month_of(c, mo);
            last_measure[0] = '\0';
        }
        if (strcmp(me, last_measure) != 0) {
            snprintf(last_measure, sizeof last_measure, "%s", me);
            m = ind_catalogue_measure(c->cat, me);
        }
        int d = ind_cube_dept(c, (const char *)sqlite3_column_text(st, 2));
        if (t >= 0 && m >= 0 && d >= 0)
            CELL(c, m, t, d) = sqlite3_column_double(st, 3);
    }
    sqlite3_finalize(st);
    return rc;
}

/* compute_internal.h (missing.c asks it too). */
int ind_authority_source(sqlite3 *db, const char *month, const ind_alias *a, char *out,
                         size_t size, hr_error *err)
{
    snprintf(out, size, "%s", a->default_source);
    sqlite3_stmt *st = db_prepare(db, "SELECT source FROM authority WHERE period = ? AND fact = ?",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->fact, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return HR_OK;
}

static void fill_alias(ind_cube *c, const ind_alias *a, int t, const char *source)
{
    const ind_alias_use *use = NULL;
    for (int u = 0; u < a->nuses; u++)
        if (strcmp(a->uses[u].source, source) == 0)
            use = &a->uses[u];
    if (!use)
        return; /* stays missing: no rule for that authority */
    for (int i = 0; i < use->expr.n; i++)
        if (MISSING(c, use->expr.measure[i], t))
            return;
    MISSING(c, a->measure, t) = 0;
    for (int d = 0; d < c->ndept; d++) {
        double s = 0;
        for (int i = 0; i < use->expr.n; i++)
            s += use->expr.sign[i] * CELL(c, use->expr.measure[i], t, d);
        CELL(c, a->measure, t, d) = s;
    }
}

static int load_aliases(sqlite3 *db, ind_cube *c, hr_error *err)
{
    for (int t = 0; t < c->nmonths; t++) {
        if (!c->loaded[t])
            continue;
        char month[8], source[64];
        period_month_label(c->first_month + t, month);
        for (int a = 0; a < c->cat->naliases; a++) {
            if (ind_authority_source(db, month, &c->cat->aliases[a], source, sizeof source, err))
                return err->code;
            fill_alias(c, &c->cat->aliases[a], t, source);
        }
    }
    return HR_OK;
}

/* The keys of every distinct measure, numbered by key (dense_rank), in
 * per-(month, department) runs. */
static int load_distinct(sqlite3 *db, ind_cube *c, hr_error *err)
{
    const ind_catalogue *cat = c->cat;
    for (int m = 0; m < cat->nmeasures; m++)
        c->ndistinct += ind_measure_is_distinct(cat, m);
    if (!c->ndistinct)
        return HR_OK;
    c->distinct = xcalloc((size_t)c->ndistinct, sizeof *c->distinct);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT month, dept_code, dense_rank() OVER (ORDER BY key) - 1"
                                  " FROM ind_distinct WHERE measure = ?3"
                                  " AND month BETWEEN ?1 AND ?2",
                                  err);
    if (!st)
        return err->code;
    size_t cells = (size_t)c->nmonths * c->ndept;
    int k = 0, rc = HR_OK;
    for (int m = 0; m < cat->nmeasures && !rc; m++) {
        if (!ind_measure_is_distinct(cat, m))
            continue;
        ind_distinct_keys *dk = &c->distinct[k++];
        dk->measure = m;
        dk->off = xcalloc(cells + 1, sizeof *dk->off);
        int n = 0, cap = 0, *cell = NULL, *key = NULL;
        bind_range(st, c);
        sqlite3_bind_text(st, 3, cat->measure_ids[m], -1, SQLITE_STATIC);
        while (db_row(st, &rc, err)) {
            int t = month_of(c, (const char *)sqlite3_column_text(st, 0));
            int d = ind_cube_dept(c, (const char *)sqlite3_column_text(st, 1));
            int id = sqlite3_column_int(st, 2);
            if (t < 0 || d < 0)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                cell = xrealloc(cell, (size_t)cap * sizeof *cell);
                key = xrealloc(key, (size_t)cap * sizeof *key);
            }
            cell[n] = t * c->ndept + d;
            key[n++] = id;
            if (id + 1 > dk->nkeys)
                dk->nkeys = id + 1;
        }
        sqlite3_reset(st);
        /* counting sort into runs per cell */
        dk->key = xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *dk->key);
        for (int i = 0; i < n; i++)
            dk->off[cell[i] + 1]++;
        for (size_t i = 0; i < cells; i++)
            dk->off[i + 1] += dk->off[i];
        int *fill = xrealloc(NULL, (cells + 1) * sizeof *fill);
        memcpy(fill, dk->off, (cells + 1) * sizeof *fill);
        for (int i = 0; i < n; i++)
            dk->key[fill[cell[i]]++] = key[i];
        free(fill), free(cell), free(key);
    }
    sqlite3_finalize(st);
    return rc;
}

static void hospital_totals(ind_cube *c)
{
    for (int m = 0; m < c->cat->nmeasures; m++)
        for (int t = 0; t < c->nmonths; t++) {
            double s = 0;
            for (int d = 0; d < c->ndept; d++)
                s += CELL(c, m, t, d);
            CELL(c, m, t, c->ndept) = s;
        }
}

int ind_cube_load(sqlite3 *db, const ind_catalogue *cat, int first, int last, ind_cube *c,
                  hr_error *err)
{
    memset(c, 0, sizeof *c);
    c->cat = cat;
    c->first_month = first;
    c->nmonths = last - first + 1;
    int rc = load_depts(db, c, err);
    if (rc)
        return rc;
    size_t cells = (size_t)cat->nmeasures * c->nmonths * (c->ndept + 1);
    c->v = xcalloc(cells ? cells : 1, sizeof(double));
    c->missing = xmalloc((size_t)cat->nmeasures * c->nmonths + 1);
    c->loaded = xcalloc((size_t)c->nmonths, 1);
    c->category = xcalloc((size_t)c->nmonths * c->ndept + 1, 1);
    rc = load_dictionary(db, c, err);
    if (!rc)
        rc = load_missing(db, c, err);
    if (!rc)
        rc = load_values(db, c, err);
    if (!rc)
        rc = load_aliases(db, c, err);
    if (!rc)
        rc = load_distinct(db, c, err);
    if (!rc)
        hospital_totals(c);
    if (rc)
        ind_cube_free(c);
    return rc;
}

void ind_cube_free(ind_cube *c)
{
    for (int d = 0; d < c->ndept; d++)
        free(c->dept[d]);
    free(c->dept), free(c->v), free(c->missing), free(c->loaded), free(c->category);
    for (int i = 0; i < c->ndistinct; i++)
        free(c->distinct[i].off), free(c->distinct[i].key);
    free(c->distinct);
    memset(c, 0, sizeof *c);
}

char ind_cube_dept_in(const ind_cube *c, int d, const period *p)
{
    for (int m = p->last; m >= p->first; m--) {
        int t = m - c->first_month;
        if (t >= 0 && t < c->nmonths && c->category[(size_t)t * c->ndept + d])
            return c->category[(size_t)t * c->ndept + d];
    }
    return 0;
}

/* Every month of p loaded and inside the cube? */
static int period_loaded(const ind_cube *c, const period *p)
{
    for (int m = p->first; m <= p->last; m++) {
        int t = m - c->first_month;
        if (t < 0 || t >= c->nmonths || !c->loaded[t])
            return 0;
    }
    return 1;
}

static int expr_sum(const ind_cube *c, const ind_expr *e, const period *p, int d, double *out)
{
    double s = 0;
    for (int m = p->first; m <= p->last; m++) {
        int t = m - c->first_month;
        for (int i = 0; i < e->n; i++) {
            if (MISSING(c, e->measure[i], t))
                return -1;
            s += e->sign[i] * CELL(c, e->measure[i], t, d);
        }
    }
    *out = s;
    return 0;
}

int ind_cube_sum(const ind_cube *c, int measure, const period *p, int d, double *out)
{
    if (measure < 0 || !period_loaded(c, p))
        return -1;
    ind_expr e = {1, {measure}, {1}};
    return expr_sum(c, &e, p, d, out);
}

/* The number of distinct keys of measure m over the months of p and scope
 * d (the hospital: every department): -1 when m is missing in a month. */
static int distinct_count(const ind_cube *c, int m, const period *p, int d, double *out)
{
    const ind_distinct_keys *dk = NULL;
    for (int i = 0; i < c->ndistinct; i++)
        if (c->distinct[i].measure == m)
            dk = &c->distinct[i];
    for (int mo = p->first; mo <= p->last; mo++)
        if (MISSING(c, m, mo - c->first_month))
            return -1;
    unsigned char *seen = xcalloc((size_t)(dk && dk->nkeys ? dk->nkeys : 1), 1);
    int n = 0, d0 = d == c->ndept ? 0 : d, d1 = d == c->ndept ? c->ndept : d + 1;
    for (int mo = p->first; dk && mo <= p->last; mo++) {
        int t = mo - c->first_month;
        for (int x = dk->off[t * c->ndept + d0]; x < dk->off[t * c->ndept + d1]; x++)
            if (!seen[dk->key[x]]) {
                seen[dk->key[x]] = 1;
                n++;
            }
    }
    free(seen);
    *out = n;
    return 0;
}

static int term_value(const ind_cube *c, const ind_term *t, const period *p, int d,
                      int hospital_expr, double *out)
{
    const ind_expr *e = (hospital_expr && t->has_hospital) ? &t->hospital : &t->expr;
    /* A distinct count stands alone in its term (catalogue.c checks). */
    if (e->n == 1 && ind_measure_is_distinct(c->cat, e->measure[0]))
        return distinct_count(c, e->measure[0], p, d, out);
    if (expr_sum(c, e, p, d, out))
        return -1;
    if (t->kind == TERM_PER_DAY)
        *out /= period_days(p);
    else if (t->kind == TERM_MEAN_MONTHLY)
        *out /= period_length(p);
    return 0;
}

ind_value ind_cube_eval(const ind_cube *c, const ind_indicator *ind, const period *p, int d,
                        int use_hospital_expr)
{
    ind_value r = {0, 0, 0, 0};
    int hospital = d == c->ndept;
    if (ind->is_budget || !period_loaded(c, p))
        return r;
    if (!hospital && !use_hospital_expr && ind->clinical_only && ind_cube_dept_in(c, d, p) != 'c')
        return r;
    double need;
    if (ind->requires >= 0 &&
        (ind_cube_sum(c, ind->requires, p, d, &need) || !(need > 0)))
        return r;
    if (term_value(c, &ind->num, p, d, hospital || use_hospital_expr, &r.num))
        return r;
    if (ind->den.present) {
        if (term_value(c, &ind->den, p, d, hospital || use_hospital_expr, &r.den) || r.den == 0)
            return r;
        /* Multiply before dividing, and divide money by 100 rather than
         * multiply by 0.01, so that exact results stay exact (2700 / 30). */
        r.value = ind->unit == UNIT_MONEY ? r.num / r.den / 100 : r.num * ind->scale / r.den;
    } else {
        r.value = ind->unit == UNIT_MONEY ? r.num / 100 : r.num * ind->scale;
    }
    if (ind->multiplier != 1)
        r.value *= ind->multiplier;
    r.defined = 1;
    return r;
}
