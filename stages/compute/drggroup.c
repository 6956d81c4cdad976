/*
 * drggroup.c -- the DRG group table (病组分析表, table drg_group of
 * 044_drg_group.sql) of each period, summed in memory from the month rows
 * of ind_drg_month (drgmonth.c), which are read once for every period
 * compute writes instead of by one SQL query per period.
 *
 * It gives the rows the query below gives, in the same order and to the
 * last bit (sums of reals depend on their order):
 *
 *   WITH m AS (SELECT * FROM ind_drg_month WHERE month BETWEEN :first AND :last),
 *   g AS (SELECT dept_code AS scope, drg_code, <sums> FROM m GROUP BY dept_code, drg_code
 *         UNION ALL SELECT 'hospital', drg_code, <sums> FROM m GROUP BY drg_code)
 *   SELECT ..., weight / sum(stays) OVER (PARTITION BY scope), ... FROM g
 *
 * m is in primary-key order (month, dept_code, drg_code) and SQLite's
 * GROUP BY sorter keeps equal keys in input order, so a department's group
 * adds its months in month order and a hospital group its rows in (month,
 * department) order; the window's sort by scope keeps g's order within a
 * scope. Here: the rows of the period's months, sorted stably by (dept,
 * code) and by code, summed run by run; the output sorted by scope with
 * a department before the hospital on a tie. The name is the greatest of
 * month || drg_name (the latest month's, then the greatest). Means are left
 * to the reader as ratios of these sums; NULL sums where no stay had a
 * benchmark or a payment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute_internal.h"

typedef struct drg_sums {
    int64_t stays, los, bs, cost, bcs, ps, pay, pc, deaths, lr;
    double weight, bls;
} drg_sums;

typedef struct drg_mrow {
    int month; /* period_month index */
    char *dept, *code, *name;
    drg_sums v;
} drg_mrow;

struct drg_rows {
    drg_mrow *row; /* by (month, dept, code) */
    int n;
};

int drg_rows_load(sqlite3 *db, int first, int last, drg_rows **out, hr_error *err)
{
    *out = NULL;
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT month, dept_code, drg_code, drg_name, stays, weight, los_days, benched_stays,"
        " bench_los_sum, cost_cents, bench_cost_sum_cents, paid_stays, payment_cents,"
        " paid_cost_cents, deaths, low_risk FROM ind_drg_month WHERE month BETWEEN ?1 AND ?2"
        " ORDER BY month, dept_code, drg_code",
        err);
    if (!st)
        return err->code;
    char a[8], b[8];
    sqlite3_bind_text(st, 1, period_month_label(first, a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period_month_label(last, b), -1, SQLITE_STATIC);
    drg_rows *r = xcalloc(1, sizeof *r);
    int rc = HR_OK, cap = 0;
    while (db_row(st, &rc, err)) {
        period p;
        if (period_parse_month((const char *)sqlite3_column_text(st, 0), &p, NULL))
            continue;
        if (r->n == cap) {
            cap = cap ? 2 * cap : 1024;
            r->row = xrealloc(r->row, (size_t)cap * sizeof *r->row);
        }
        drg_mrow *x = &r->row[r->n++];
        x->month = p.first;
        x->dept = xstrdup((const char *)sqlite3_column_text(st, 1));
        x->code = xstrdup((const char *)sqlite3_column_text(st, 2));
        x->name = xstrdup((const char *)sqlite3_column_text(st, 3));
        x->v = (drg_sums){
            .stays = sqlite3_column_int64(st, 4), .weight = sqlite3_column_double(st, 5),
            .los = sqlite3_column_int64(st, 6), .bs = sqlite3_column_int64(st, 7),
            .bls = sqlite3_column_double(st, 8), .cost = sqlite3_column_int64(st, 9),
            .bcs = sqlite3_column_int64(st, 10), .ps = sqlite3_column_int64(st, 11),
            .pay = sqlite3_column_int64(st, 12), .pc = sqlite3_column_int64(st, 13),
            .deaths = sqlite3_column_int64(st, 14), .lr = sqlite3_column_int64(st, 15)};
    }
    sqlite3_finalize(st);
    if (rc) {
        drg_rows_free(r);
        return rc;
    }
    *out = r;
    return HR_OK;
}

void drg_rows_free(drg_rows *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        free(r->row[i].dept), free(r->row[i].code), free(r->row[i].name);
    free(r->row);
    free(r);
}

/* ---- one period ---- */

static const drg_mrow *sort_rows; /* qsort has no context argument */

static int by_dept_code(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b, c;
    if ((c = strcmp(sort_rows[i].dept, sort_rows[j].dept)) != 0 ||
        (c = strcmp(sort_rows[i].code, sort_rows[j].code)) != 0)
        return c;
    return i - j; /* stable: input order */
}

static int by_code(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    int c = strcmp(sort_rows[i].code, sort_rows[j].code);
    return c ? c : i - j;
}

typedef struct drg_out {
    const char *scope, *code, *name; /* name: the row's of the greatest month || name */
    int name_month;
    drg_sums v;
} drg_out;

static int add_sums(drg_sums *s, const drg_sums *x)
{
    int o = __builtin_add_overflow(s->stays, x->stays, &s->stays);
    o |= __builtin_add_overflow(s->los, x->los, &s->los);
    o |= __builtin_add_overflow(s->bs, x->bs, &s->bs);
    o |= __builtin_add_overflow(s->cost, x->cost, &s->cost);
    o |= __builtin_add_overflow(s->bcs, x->bcs, &s->bcs);
    o |= __builtin_add_overflow(s->ps, x->ps, &s->ps);
    o |= __builtin_add_overflow(s->pay, x->pay, &s->pay);
    o |= __builtin_add_overflow(s->pc, x->pc, &s->pc);
    o |= __builtin_add_overflow(s->deaths, x->deaths, &s->deaths);
    o |= __builtin_add_overflow(s->lr, x->lr, &s->lr);
    s->weight += x->weight;
    s->bls += x->bls;
    return o;
}

/* Sums the runs of idx[0 .. n) (sorted so that a group's rows are
 * adjacent) into out; hospital: one group per code. Returns the number of
 * groups, or -1 when an integer sum passes 64 bits. */
static int sum_runs(const drg_mrow *row, const int *idx, int n, int hospital, drg_out *out)
{
    int ng = 0;
    for (int k = 0; k < n; k++) {
        const drg_mrow *x = &row[idx[k]];
        drg_out *g = ng ? &out[ng - 1] : NULL;
        if (!g || strcmp(g->code, x->code) != 0 || (!hospital && strcmp(g->scope, x->dept) != 0)) {
            g = &out[ng++];
            memset(g, 0, sizeof *g);
            g->scope = hospital ? "hospital" : x->dept;
            g->code = x->code;
            g->name = x->name;
            g->name_month = x->month;
        } else if (x->month > g->name_month ||
                   (x->month == g->name_month && strcmp(x->name, g->name) > 0)) {
            g->name = x->name;
            g->name_month = x->month;
        }
        if (add_sums(&g->v, &x->v))
            return -1;
    }
    return ng;
}

static void bind_sum(row_batch *st, int col, int ok, int64_t v)
{
    if (ok)
        rb_int(st, col, v);
    else
        rb_null(st, col);
}

/* Inserts groups g[0 .. n), all of one scope, whose stays add up to total. */
static int insert_scope(row_batch *st, const char *label, const drg_out *g, int n,
                        hr_error *err)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += g[i].v.stays;
    for (int i = 0; i < n; i++) {
        const drg_sums *v = &g[i].v;
        rb_text(st, 1, label);
        rb_text(st, 2, g[i].scope);
        rb_text(st, 3, g[i].code);
        rb_text(st, 4, g[i].name);
        rb_int(st, 5, v->stays);
        rb_double(st, 6, v->weight);
        if (total)
            rb_double(st, 7, v->weight / (double)total);
        else
            rb_null(st, 7);
        rb_int(st, 8, v->los);
        rb_int(st, 9, v->bs);
        if (v->bs > 0)
            rb_double(st, 10, v->bls);
        else
            rb_null(st, 10);
        rb_int(st, 11, v->cost);
        bind_sum(st, 12, v->bs > 0, v->bcs);
        rb_int(st, 13, v->ps);
        bind_sum(st, 14, v->ps > 0, v->pay);
        bind_sum(st, 15, v->ps > 0, v->pc);
        int64_t balance;
        if (v->ps > 0 && __builtin_sub_overflow(v->pay, v->pc, &balance))
            rb_double(st, 16, (double)v->pay - (double)v->pc); /* as SQLite does */
        else
            bind_sum(st, 16, v->ps > 0, v->ps > 0 ? balance : 0);
        rb_int(st, 17, v->deaths);
        rb_int(st, 18, v->lr);
        if (rb_row(st, err))
            return err->code;
    }
    return HR_OK;
}

/* Runs of one scope in g[0 .. n), which is sorted by scope. */
static int insert_groups(row_batch *st, const char *label, const drg_out *g, int n,
                         hr_error *err)
{
    for (int i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && strcmp(g[j].scope, g[i].scope) == 0; j++)
            ;
        if (insert_scope(st, label, g + i, j - i, err))
            return err->code;
    }
    return HR_OK;
}

int drg_group_store(row_batch *ins, const drg_rows *r, const char *label, const period *p,
                    hr_error *err)
{
    int lo = 0, hi;
    while (lo < r->n && r->row[lo].month < p->first)
        lo++;
    for (hi = lo; hi < r->n && r->row[hi].month <= p->last; hi++)
        ;
    int n = hi - lo, rc = HR_OK;
    if (!n)
        return HR_OK;
    int *idx = xmalloc((size_t)n * sizeof *idx);
    drg_out *dept = xmalloc((size_t)n * sizeof *dept), *hosp = xmalloc((size_t)n * sizeof *hosp);
    sort_rows = r->row;
    for (int k = 0; k < n; k++)
        idx[k] = lo + k;
    qsort(idx, (size_t)n, sizeof *idx, by_dept_code);
    int nd = sum_runs(r->row, idx, n, 0, dept);
    for (int k = 0; k < n; k++)
        idx[k] = lo + k;
    qsort(idx, (size_t)n, sizeof *idx, by_code);
    int nh = nd < 0 ? -1 : sum_runs(r->row, idx, n, 1, hosp);
    if (nh < 0) {
        rc = hr_error_set(err, HR_EINPUT, NULL, 0, "drg",
                          "the DRG group table of %s: a sum passed 64 bits (amounts far beyond "
                          "any real one; validate quarantines those beyond money-limit)",
                          label);
    } else {
        /* by scope: the departments before "hospital", the hospital, the rest */
        int split = 0;
        while (split < nd && strcmp(dept[split].scope, "hospital") <= 0)
            split++;
        rc = insert_groups(ins, label, dept, split, err);
        if (!rc)
            rc = insert_groups(ins, label, hosp, nh, err);
        if (!rc)
            rc = insert_groups(ins, label, dept + split, nd - split, err);
    }
    free(idx), free(dept), free(hosp);
    return rc;
}
