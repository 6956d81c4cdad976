/*
 * costalloc.c -- three-level cost allocation (三级分摊) of one month, exactly
 * as spec/INDICATORS.md defines it.
 *
 *   level 1  each admin department's direct cost D over every non-admin
 *            department, by total FTE (doctors + nurses + technicians +
 *            others) in staff;
 *   level 2  each support department's pool (D + level 1 received) over the
 *            medtech and clinical departments its alloc_driver rows name, by
 *            units;
 *   level 3  each medtech department's pool (D + levels 1-2 received) over
 *            the clinical departments its driver rows name, by units.
 *
 * Every split is in integer cents by the largest-remainder rule: floors
 * first, then one cent each to the largest fractional parts, ties to the
 * smaller dept_code (byte order). Weights are decimals; they are scaled to
 * integers (micro-units, rounded) so that the shares and their remainders
 * are computed exactly in 128-bit integers, with no floating point.
 * Driver rows pointing backwards (or from a department that is neither
 * support nor medtech, or to a department not in the month's dictionary)
 * are ignored with a warning (log and table cost_alloc_warning). A pool
 * without valid receivers goes to cost_unallocated. Conservation is
 * checked to the cent before anything is written:
 *   Σ full_cost(clinical) + Σ unallocated = Σ D(all departments).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/core/log.h"
#include "stages/compute/compute_internal.h"

typedef enum { CAT_ADMIN, CAT_SUPPORT, CAT_MEDTECH, CAT_CLINICAL, CAT_UNKNOWN } dept_cat;

typedef struct ca_dept {
    char code[64];
    dept_cat cat;
    int64_t direct_cents;
    int64_t received_cents[4]; /* by level 1..3 */
    int64_t fte_micro;         /* FTE x 1e6, rounded */
} ca_dept;

typedef struct ca_driver {
    char from[64], to[64];
    int64_t units_micro;
} ca_driver;

typedef struct ca_flow {
    int level;
    int from, to; /* dept indexes */
    int64_t amount_cents;
} ca_flow;

typedef struct ca_unalloc {
    int level;
    char dept[64];
    int64_t amount_cents;
    const char *reason;
} ca_unalloc;

typedef struct ca_month {
    const char *month;
    ca_dept *dept;
    int ndept;
    ca_driver *drv;
    int ndrv;
    ca_flow *flow;
    int nflow, aflow;
    ca_unalloc *un;
    int nun, aun;
    int64_t total_direct_cents; /* includes departments not in the dictionary */
    int nwarnings;
    int warning_lost; /* a cost_alloc_warning row could not be stored */
} ca_month;

#define CA_WARN_LOG_MAX 5 /* per month on stderr; the table keeps them all */

static dept_cat cat_of(const char *s)
{
    return strcmp(s, "admin") == 0     ? CAT_ADMIN
           : strcmp(s, "support") == 0 ? CAT_SUPPORT
           : strcmp(s, "medtech") == 0 ? CAT_MEDTECH
           : strcmp(s, "clinical") == 0 ? CAT_CLINICAL
                                        : CAT_UNKNOWN;
}

static int find_dept(const ca_month *m, const char *code)
{
    int lo = 0, hi = m->ndept - 1; /* sorted by code */
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(m->dept[mid].code, code);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static void add_unalloc(ca_month *m, int level, const char *dept, int64_t cents,
                        const char *reason)
{
    if (m->nun == m->aun) {
        m->aun = m->aun ? 2 * m->aun : 8;
        m->un = xrealloc(m->un, (size_t)m->aun * sizeof *m->un);
    }
    ca_unalloc *u = &m->un[m->nun++];
    u->level = level;
    snprintf(u->dept, sizeof u->dept, "%s", dept);
    u->amount_cents = cents;
    u->reason = reason;
}

static void add_flow(ca_month *m, int level, int from, int to, int64_t cents)
{
    if (m->nflow == m->aflow) {
        m->aflow = m->aflow ? 2 * m->aflow : 64;
        m->flow = xrealloc(m->flow, (size_t)m->aflow * sizeof *m->flow);
    }
    m->flow[m->nflow++] = (ca_flow){level, from, to, cents};
    m->dept[to].received_cents[level] += cents;
}

static int64_t micro(double v) { return (int64_t)llround(v * 1e6); }

/* ---- reading the month ---- */

static int load_depts(sqlite3 *db, ca_month *m, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT dept_code, min(category) FROM dept WHERE period = ?"
                                  " GROUP BY dept_code ORDER BY dept_code",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, m->month, -1, SQLITE_STATIC);
    int cap = 0, rc;
    while (db_row(st, &rc, err)) {
        if (m->ndept == cap) {
            cap = cap ? 2 * cap : 64;
            m->dept = xrealloc(m->dept, (size_t)cap * sizeof *m->dept);
        }
        ca_dept *d = &m->dept[m->ndept++];
        memset(d, 0, sizeof *d);
        snprintf(d->code, sizeof d->code, "%s", (const char *)sqlite3_column_text(st, 0));
        d->cat = cat_of((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return rc;
}

static int load_direct_and_fte(sqlite3 *db, ca_month *m, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT dept_code, sum(amount_cents) FROM cost WHERE period = ?"
                                  " GROUP BY dept_code ORDER BY dept_code",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, m->month, -1, SQLITE_STATIC);
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        int64_t cents = sqlite3_column_int64(st, 1);
        int d = find_dept(m, code);
        m->total_direct_cents += cents;
        if (d >= 0)
            m->dept[d].direct_cents = cents;
        else if (cents)
            add_unalloc(m, 0, code, cents, "department not in the month's dictionary");
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    st = db_prepare(db,
                    "SELECT dept_code, sum(doctors + nurses + technicians + others) FROM staff"
                    " WHERE period = ? GROUP BY dept_code",
                    err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, m->month, -1, SQLITE_STATIC);
    while (db_row(st, &rc, err)) {
        int d = find_dept(m, (const char *)sqlite3_column_text(st, 0));
        if (d >= 0)
            m->dept[d].fte_micro = micro(sqlite3_column_double(st, 1));
    }
    sqlite3_finalize(st);
    return rc;
}

static int load_drivers(sqlite3 *db, ca_month *m, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT from_dept, to_dept, sum(units) FROM alloc_driver"
                                  " WHERE period = ? GROUP BY from_dept, to_dept"
                                  " ORDER BY from_dept, to_dept",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, m->month, -1, SQLITE_STATIC);
    int cap = 0, rc;
    while (db_row(st, &rc, err)) {
        if (m->ndrv == cap) {
            cap = cap ? 2 * cap : 64;
            m->drv = xrealloc(m->drv, (size_t)cap * sizeof *m->drv);
        }
        ca_driver *r = &m->drv[m->ndrv++];
        snprintf(r->from, sizeof r->from, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(r->to, sizeof r->to, "%s", (const char *)sqlite3_column_text(st, 1));
        r->units_micro = micro(sqlite3_column_double(st, 2));
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- the split ---- */

typedef struct ca_share {
    int to;
    int64_t weight;
    int64_t cents;
    __int128 remainder;
} ca_share;

static const ca_month *sort_month; /* qsort has no context argument */

static int by_remainder(const void *a, const void *b)
{
    const ca_share *x = a, *y = b;
    if (x->remainder != y->remainder)
        return x->remainder > y->remainder ? -1 : 1;
    return strcmp(sort_month->dept[x->to].code, sort_month->dept[y->to].code);
}

/* Splits pool over the receivers in proportion to weight, largest
 * remainder; returns 0, or -1 when the weights sum to 0. */
static int split(ca_month *m, int level, int from, int64_t pool, ca_share *s, int n)
{
    __int128 total = 0;
    int negative = pool < 0;
    for (int i = 0; i < n; i++) {
        total += s[i].weight;
        negative |= s[i].weight < 0;
    }
    if (total <= 0)
        return -1;
    int64_t given = 0;
    for (int i = 0; i < n; i++) {
        __int128 exact = (__int128)pool * s[i].weight;
        s[i].cents = (int64_t)(exact / total);
        s[i].remainder = exact % total;
        given += s[i].cents;
    }
    sort_month = m;
    qsort(s, (size_t)n, sizeof *s, by_remainder);
    for (int i = 0; pool - given > 0 && i < n; i++, given++)
        s[i].cents++;
    /* Conservation, split by split: the largest remainder hands out the
     * whole pool to the cent (a pool or a weight below 0, which no export
     * has, is left to check_conservation() to report). */
    assert(negative || given == pool);
    for (int i = 0; i < n; i++)
        if (s[i].cents)
            add_flow(m, level, from, s[i].to, s[i].cents);
    return 0;
}

static int64_t pool_of(const ca_dept *d)
{
    return d->direct_cents + d->received_cents[1] + d->received_cents[2] + d->received_cents[3];
}

static void warn_driver(sqlite3 *db, ca_month *m, const ca_driver *r, const char *reason)
{
    if (m->nwarnings++ < CA_WARN_LOG_MAX)
        log_warn("%s: alloc_driver %s -> %s ignored: %s", m->month, r->from, r->to, reason);
    if (db_exec_args(db, NULL,
                     "INSERT INTO cost_alloc_warning (month, from_dept, to_dept, reason)"
                     " VALUES (?,?,?,?)",
                     m->month, r->from, r->to, reason, NULL))
        m->warning_lost = 1;
}

static void level1(ca_month *m, ca_share *s)
{
    for (int a = 0; a < m->ndept; a++) {
        if (m->dept[a].cat != CAT_ADMIN || pool_of(&m->dept[a]) == 0)
            continue;
        int n = 0;
        for (int d = 0; d < m->ndept; d++)
            if (m->dept[d].cat != CAT_ADMIN)
                s[n++] = (ca_share){d, m->dept[d].fte_micro, 0, 0};
        if (split(m, 1, a, pool_of(&m->dept[a]), s, n))
            add_unalloc(m, 1, m->dept[a].code, pool_of(&m->dept[a]),
                        "no non-admin department with FTE");
    }
}

/* Levels 2 (support -> medtech, clinical) and 3 (medtech -> clinical). */
static void driver_level(sqlite3 *db, ca_month *m, int level, ca_share *s)
{
    dept_cat giver = level == 2 ? CAT_SUPPORT : CAT_MEDTECH;
    for (int g = 0; g < m->ndept; g++) {
        if (m->dept[g].cat != giver)
            continue;
        int64_t pool = pool_of(&m->dept[g]);
        int n = 0;
        for (int i = 0; i < m->ndrv; i++) {
            const ca_driver *r = &m->drv[i];
            if (strcmp(r->from, m->dept[g].code) != 0)
                continue;
            int to = find_dept(m, r->to);
            if (to < 0)
                warn_driver(db, m, r, "receiver not in the month's dictionary");
            else if (m->dept[to].cat == CAT_CLINICAL ||
                     (level == 2 && m->dept[to].cat == CAT_MEDTECH))
                s[n++] = (ca_share){to, r->units_micro, 0, 0};
            else
                warn_driver(db, m, r,
                            level == 2 ? "backwards: a support department may only allocate to "
                                         "medtech or clinical departments"
                                       : "backwards: a medtech department may only allocate to "
                                         "clinical departments");
        }
        if (pool != 0 && split(m, level, g, pool, s, n))
            add_unalloc(m, level, m->dept[g].code, pool,
                        n ? "driver units sum to 0" : "no valid receivers in alloc_driver");
    }
}

static void check_driver_givers(sqlite3 *db, ca_month *m)
{
    for (int i = 0; i < m->ndrv; i++) {
        int f = find_dept(m, m->drv[i].from);
        if (f < 0)
            warn_driver(db, m, &m->drv[i], "from_dept not in the month's dictionary");
        else if (m->dept[f].cat != CAT_SUPPORT && m->dept[f].cat != CAT_MEDTECH)
            warn_driver(db, m, &m->drv[i], "from_dept is neither support nor medtech");
    }
}

/* Non-clinical departments that are not admin/support/medtech keep their
 * cost: it cannot reach a clinical department. */
static void unknown_categories(ca_month *m)
{
    for (int d = 0; d < m->ndept; d++)
        if (m->dept[d].cat == CAT_UNKNOWN && pool_of(&m->dept[d]))
            add_unalloc(m, 0, m->dept[d].code, pool_of(&m->dept[d]), "unknown category");
}

static int check_conservation(const ca_month *m, hr_error *err)
{
    int64_t clinical = 0, unallocated = 0;
    for (int d = 0; d < m->ndept; d++)
        if (m->dept[d].cat == CAT_CLINICAL)
            clinical += pool_of(&m->dept[d]);
    for (int i = 0; i < m->nun; i++)
        unallocated += m->un[i].amount_cents;
    if (clinical + unallocated != m->total_direct_cents)
        return hr_error_set(err, HR_EFAIL, NULL, 0, "cost_allocation",
                            "%s: cost allocation does not conserve cost: clinical full cost "
                            "%lld + unallocated %lld != direct cost %lld (cents)",
                            m->month, (long long)clinical, (long long)unallocated,
                            (long long)m->total_direct_cents);
    return HR_OK;
}

static int store(sqlite3 *db, const ca_month *m, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "INSERT INTO cost_allocation (month, level, from_dept, to_dept,"
                                  " amount_cents) VALUES (?,?,?,?,?)",
                                  err);
    if (!st)
        return err->code;
    int rc = HR_OK;
    for (int i = 0; i < m->nflow && !rc; i++) {
        const ca_flow *f = &m->flow[i];
        sqlite3_bind_text(st, 1, m->month, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, f->level);
        sqlite3_bind_text(st, 3, m->dept[f->from].code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, m->dept[f->to].code, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, f->amount_cents);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "storing the cost allocation", err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    st = db_prepare(db,
                    "INSERT INTO cost_unallocated (month, level, dept_code, amount_cents, reason)"
                    " VALUES (?,?,?,?,?)",
                    err);
    if (!st)
        return err->code;
    for (int i = 0; i < m->nun && !rc; i++) {
        sqlite3_bind_text(st, 1, m->month, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, m->un[i].level);
        sqlite3_bind_text(st, 3, m->un[i].dept, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, m->un[i].amount_cents);
        sqlite3_bind_text(st, 5, m->un[i].reason, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "storing the unallocated cost", err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

int costalloc_clear_month(sqlite3 *db, const char *month, hr_error *err)
{
    static const char *const sql[] = {"DELETE FROM cost_allocation WHERE month = ?",
                                      "DELETE FROM cost_unallocated WHERE month = ?",
                                      "DELETE FROM cost_alloc_warning WHERE month = ?"};
    for (int i = 0; i < 3; i++)
        if (db_exec_args(db, err, sql[i], month, NULL))
            return err->code;
    return HR_OK;
}

int costalloc_month(sqlite3 *db, const char *month, hr_error *err)
{
    ca_month m = {.month = month};
    int rc = costalloc_clear_month(db, month, err);
    if (!rc)
        rc = load_depts(db, &m, err);
    if (!rc)
        rc = load_direct_and_fte(db, &m, err);
    if (!rc)
        rc = load_drivers(db, &m, err);
    if (!rc) {
        ca_share *s = xmalloc((size_t)(m.ndept + m.ndrv + 1) * sizeof *s);
        check_driver_givers(db, &m);
        level1(&m, s);
        driver_level(db, &m, 2, s);
        driver_level(db, &m, 3, s);
        unknown_categories(&m);
        free(s);
        if (m.nwarnings > CA_WARN_LOG_MAX)
            log_warn("%s: %d more alloc_driver rows ignored (see table cost_alloc_warning)",
                     month, m.nwarnings - CA_WARN_LOG_MAX);
        rc = m.warning_lost ? db_fail(db, "storing a cost allocation warning", err)
                            : check_conservation(&m, err);
    }
    if (!rc)
        rc = store(db, &m, err);
    free(m.dept), free(m.drv), free(m.flow), free(m.un);
    return rc;
}
