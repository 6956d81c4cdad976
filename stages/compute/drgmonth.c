/*
 * drgmonth.c -- one month of the DRG group table (ind_drg_month, the rows
 * behind the drg_groups measure set and the 病组分析表): per discharging
 * department and DRG group, the month's drg.csv stays joined to their
 * inpatient.csv stay, with the group's benchmark as of the month.
 *
 * It is the join of an SQL query (the month's inpatient rows x its drg rows
 * by stay_id, left join the benchmark file as of the month), done as a
 * hash join in one pass over each of the three: a stay's inpatient row and
 * its group's benchmark are looked up in memory instead of by an index
 * search per stay, which cost three quarters of compute's time per month
 * at scale 1. Same rows, same NULL rules as that query:
 *   - a drg row whose stay is not discharged that month is left out
 *     (validate quarantines it), a stay with two inpatient or drg rows (or
 *     a group with two benchmark rows) counts once per pair, as a join
 *     does;
 *   - los is max(discharge - admit, 1) days, as for avg_los;
 *   - a stay whose group has no benchmark as of the month is left out of
 *     benched_stays, bench_los_sum, los_index_sum, bench_cost_sum_cents and
 *     cost_index_sum (a benchmark of 0 leaves its quotient out, as SQL's
 *     division by zero gives NULL);
 *   - payment NULL: left out of paid_stays, payment_cents and
 *     paid_cost_cents;
 *   - drg_name is the greatest of the group's names in byte order (max()).
 * Integer sums that pass 64 bits fail, as SQL's sum() does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute_internal.h"

/* ---- a small string-keyed hash: index of the first entry, chained ---- */

typedef struct strmap {
    int *head; /* nbuckets, -1 empty */
    int nbuckets;
} strmap;

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void map_init(strmap *m, int expected)
{
    m->nbuckets = 64;
    while (m->nbuckets < 2 * expected)
        m->nbuckets *= 2;
    m->head = xrealloc(NULL, (size_t)m->nbuckets * sizeof *m->head);
    for (int i = 0; i < m->nbuckets; i++)
        m->head[i] = -1;
}

/* Arena of NUL-terminated strings, addressed by offset. */
typedef struct arena {
    char *buf;
    size_t len, cap;
} arena;

static size_t arena_add(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    if (a->len + n > a->cap) {
        a->cap = a->cap ? 2 * a->cap : 65536;
        while (a->len + n > a->cap)
            a->cap *= 2;
        a->buf = xrealloc(a->buf, a->cap);
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
    return a->len - n;
}

static const char *col_text(sqlite3_stmt *st, int c)
{
    const unsigned char *t = sqlite3_column_text(st, c);
    return t ? (const char *)t : "";
}

/* ---- the three inputs ---- */

/* The first member of a row chained in a strmap: its key (an arena
 * offset) and the next row of its bucket. */
typedef struct chain {
    size_t key;
    int next;
} chain;

typedef struct bench_row {
    chain code;
    double los;
    int64_t cost;
} bench_row;

typedef struct drg_row {
    chain stay;
    size_t code, name;
    double weight;
    int has_payment, low_risk;
    int64_t payment;
} drg_row;

typedef struct group_acc {
    size_t dept, code, name; /* arena offsets; name: the greatest so far */
    int next;
    int64_t stays, los, benched, cost, bench_cost, paid, payment, paid_cost, deaths, low_risk,
        low_risk_deaths;
    double weight, bench_los, los_index, cost_index;
} group_acc;

typedef struct drg_month {
    arena text;
    bench_row *bench;
    int nbench, capbench;
    strmap bench_map;
    drg_row *drgs;
    int ndrgs, capdrgs;
    strmap drg_map;
    group_acc *groups;
    int ngroups, capgroups;
    strmap group_map;
    int overflow;
} drg_month;

/* The inputs of the join, once it is done. */
static void free_inputs(drg_month *d)
{
    free(d->bench), free(d->bench_map.head);
    free(d->drgs), free(d->drg_map.head);
    free(d->group_map.head);
    d->bench = NULL, d->drgs = NULL;
    d->bench_map.head = d->drg_map.head = d->group_map.head = NULL;
    d->nbench = d->ndrgs = 0;
}

void drg_month_free(drg_month *d)
{
    if (!d)
        return;
    free_inputs(d);
    free(d->text.buf), free(d->groups);
    free(d);
}

/* p with room for element n (of `size` bytes), *cap grown by doubling. */
static void *grow(void *p, int n, int *cap, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? 2 * *cap : 1024;
    return xrealloc(p, (size_t)*cap * size);
}

/* Chains rows[0 .. n) (each `stride` bytes, a chain first) by key; a
 * bucket's rows in row order. */
static void map_chain(strmap *m, const char *text, void *rows, int n, size_t stride)
{
    map_init(m, n);
    for (int i = n - 1; i >= 0; i--) {
        chain *c = (chain *)((char *)rows + (size_t)i * stride);
        uint32_t h = hash_str(text + c->key) & (uint32_t)(m->nbuckets - 1);
        c->next = m->head[h];
        m->head[h] = i;
    }
}

typedef void add_row_fn(sqlite3_stmt *st, drg_month *d);

/* Runs sql with ?1 the month, handing add() each row. */
static int load_rows(sqlite3 *db, const char *sql, const char *month, drg_month *d,
                     add_row_fn *add, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    int rc = HR_OK;
    while (db_row(st, &rc, err))
        add(st, d);
    sqlite3_finalize(st);
    return rc;
}

/* The benchmark file as of the month, by drg_code. */
static const char bench_sql[] =
    "SELECT drg_code, avg_los, avg_cost_cents FROM drg_benchmark"
    " WHERE period = (SELECT max(period) FROM drg_benchmark WHERE period <= ?1)";

static void add_bench(sqlite3_stmt *st, drg_month *d)
{
    d->bench = grow(d->bench, d->nbench, &d->capbench, sizeof *d->bench);
    bench_row *b = &d->bench[d->nbench++];
    b->code.key = arena_add(&d->text, col_text(st, 0));
    b->los = sqlite3_column_double(st, 1);
    b->cost = sqlite3_column_int64(st, 2);
}

/* The month's drg rows, by stay_id. */
static const char drg_sql[] = "SELECT stay_id, drg_code, drg_name, weight, payment_cents,"
                              " low_risk = 'Y' FROM drg WHERE period = ?1";

static void add_drg(sqlite3_stmt *st, drg_month *d)
{
    d->drgs = grow(d->drgs, d->ndrgs, &d->capdrgs, sizeof *d->drgs);
    drg_row *r = &d->drgs[d->ndrgs++];
    r->stay.key = arena_add(&d->text, col_text(st, 0));
    r->code = arena_add(&d->text, col_text(st, 1));
    r->name = arena_add(&d->text, col_text(st, 2));
    r->weight = sqlite3_column_double(st, 3);
    r->has_payment = sqlite3_column_type(st, 4) != SQLITE_NULL;
    r->payment = sqlite3_column_int64(st, 4);
    r->low_risk = sqlite3_column_int(st, 5);
}

/* The accumulator of (dept, code), created empty when new, and the
 * greatest name; all three are arena offsets. */
static group_acc *group_of(drg_month *d, size_t dept, size_t code, size_t name)
{
    const char *t = d->text.buf;
    uint32_t h = (hash_str(t + dept) * 31u + hash_str(t + code)) &
                 (uint32_t)(d->group_map.nbuckets - 1);
    for (int g = d->group_map.head[h]; g >= 0; g = d->groups[g].next)
        if (strcmp(t + d->groups[g].dept, t + dept) == 0 &&
            strcmp(t + d->groups[g].code, t + code) == 0) {
            if (strcmp(t + name, t + d->groups[g].name) > 0)
                d->groups[g].name = name;
            return &d->groups[g];
        }
    if (d->ngroups == d->capgroups) {
        d->capgroups = d->capgroups ? 2 * d->capgroups : 256;
        d->groups = xrealloc(d->groups, (size_t)d->capgroups * sizeof *d->groups);
    }
    group_acc *g = &d->groups[d->ngroups];
    memset(g, 0, sizeof *g);
    g->dept = dept;
    g->code = code;
    g->name = name;
    g->next = d->group_map.head[h];
    d->group_map.head[h] = d->ngroups++;
    return g;
}

static void add64(drg_month *d, int64_t *sum, int64_t v)
{
    if (__builtin_add_overflow(*sum, v, sum))
        d->overflow = 1;
}

/* One joined row: a stay, one of its drg rows, its group's benchmark
 * (NULL: none). */
static void accumulate(drg_month *d, size_t dept, int64_t los, int64_t fee, int died,
                       const drg_row *r, const bench_row *b)
{
    group_acc *g = group_of(d, dept, r->code, r->name);
    g->stays++;
    g->weight += r->weight;
    add64(d, &g->los, los);
    add64(d, &g->cost, fee);
    if (b) {
        g->benched++;
        g->bench_los += b->los;
        if (b->los != 0)
            g->los_index += (double)los / b->los;
        add64(d, &g->bench_cost, b->cost);
        if (b->cost != 0)
            g->cost_index += (double)fee / (double)b->cost;
    }
    if (r->has_payment) {
        g->paid++;
        add64(d, &g->payment, r->payment);
        add64(d, &g->paid_cost, fee);
    }
    g->deaths += died;
    g->low_risk += r->low_risk;
    g->low_risk_deaths += r->low_risk && died;
}

/* The month's discharges in department order (then row order, as the
 * inpatient_period index gives them), each with its drg rows: every
 * group's sums accumulate in the order an SQL GROUP BY over that join
 * adds them up, so that the real sums are the same to the last bit. */
static int join_stays(sqlite3 *db, const char *month, drg_month *d, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT stay_id, dept_code,"
        " max(CAST(julianday(discharge_date) - julianday(admit_date) AS INTEGER), 1),"
        " total_fee_cents, outcome = 'died' FROM inpatient WHERE period = ?1"
        " ORDER BY dept_code, rowid",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    map_init(&d->group_map, 1024);
    int rc = HR_OK, bad = HR_OK; /* db_row sets rc only at the end */
    while (!bad && db_row(st, &rc, err)) {
        const char *stay = col_text(st, 0);
        uint32_t h = hash_str(stay) & (uint32_t)(d->drg_map.nbuckets - 1);
        size_t dept = (size_t)-1;
        for (int i = d->drg_map.head[h]; i >= 0; i = d->drgs[i].stay.next) {
            const drg_row *r = &d->drgs[i];
            if (strcmp(d->text.buf + r->stay.key, stay) != 0)
                continue;
            if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
                bad = hr_error_set(err, HR_EINPUT, NULL, 0, "inpatient",
                                   "month %s: stay '%s' has no valid admit_date or "
                                   "discharge_date",
                                   month, stay);
                break;
            }
            if (dept == (size_t)-1)
                dept = arena_add(&d->text, col_text(st, 1));
            int64_t los = sqlite3_column_int64(st, 2), fee = sqlite3_column_int64(st, 3);
            int died = sqlite3_column_int(st, 4);
            uint32_t hb = hash_str(d->text.buf + r->code) & (uint32_t)(d->bench_map.nbuckets - 1);
            int matched = 0;
            for (int b = d->bench_map.head[hb]; b >= 0; b = d->bench[b].code.next)
                if (strcmp(d->text.buf + d->bench[b].code.key, d->text.buf + r->code) == 0) {
                    accumulate(d, dept, los, fee, died, r, &d->bench[b]);
                    matched = 1;
                }
            if (!matched)
                accumulate(d, dept, los, fee, died, r, NULL);
        }
    }
    sqlite3_finalize(st);
    return bad ? bad : rc;
}

int drg_month_store(sqlite3 *db, const char *month, const drg_month *d, hr_error *err)
{
    sqlite3_stmt *ins = db_prepare(
        db,
        "INSERT INTO ind_drg_month (month, dept_code, drg_code, drg_name, stays, weight,"
        " los_days, benched_stays, bench_los_sum, los_index_sum, cost_cents,"
        " bench_cost_sum_cents, cost_index_sum, paid_stays, payment_cents, paid_cost_cents,"
        " deaths, low_risk, low_risk_deaths)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
        err);
    if (!ins)
        return err->code;
    int rc = HR_OK;
    for (int i = 0; i < d->ngroups && !rc; i++) {
        const group_acc *g = &d->groups[i];
        sqlite3_bind_text(ins, 1, month, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, d->text.buf + g->dept, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, d->text.buf + g->code, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, d->text.buf + g->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 5, g->stays);
        sqlite3_bind_double(ins, 6, g->weight);
        sqlite3_bind_int64(ins, 7, g->los);
        sqlite3_bind_int64(ins, 8, g->benched);
        sqlite3_bind_double(ins, 9, g->bench_los);
        sqlite3_bind_double(ins, 10, g->los_index);
        sqlite3_bind_int64(ins, 11, g->cost);
        sqlite3_bind_int64(ins, 12, g->bench_cost);
        sqlite3_bind_double(ins, 13, g->cost_index);
        sqlite3_bind_int64(ins, 14, g->paid);
        sqlite3_bind_int64(ins, 15, g->payment);
        sqlite3_bind_int64(ins, 16, g->paid_cost);
        sqlite3_bind_int64(ins, 17, g->deaths);
        sqlite3_bind_int64(ins, 18, g->low_risk);
        sqlite3_bind_int64(ins, 19, g->low_risk_deaths);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = db_fail(db, "storing the DRG month table", err);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    return rc;
}

/* Keeps only the groups' strings: a month's result waits in memory for
 * its store (measures.c) while other months are joined. */
static void keep_groups(drg_month *d)
{
    arena kept = {0};
    for (int i = 0; i < d->ngroups; i++) {
        group_acc *g = &d->groups[i];
        g->dept = arena_add(&kept, d->text.buf + g->dept);
        g->code = arena_add(&kept, d->text.buf + g->code);
        g->name = arena_add(&kept, d->text.buf + g->name);
    }
    free(d->text.buf);
    d->text = kept;
    free_inputs(d);
}

int drg_month_join(sqlite3 *db, const char *month, drg_month **out, hr_error *err)
{
    drg_month *d = xcalloc(1, sizeof *d);
    int rc = load_rows(db, bench_sql, month, d, add_bench, err);
    if (!rc)
        rc = load_rows(db, drg_sql, month, d, add_drg, err);
    if (!rc) {
        map_chain(&d->bench_map, d->text.buf, d->bench, d->nbench, sizeof *d->bench);
        map_chain(&d->drg_map, d->text.buf, d->drgs, d->ndrgs, sizeof *d->drgs);
        rc = join_stays(db, month, d, err);
    }
    if (!rc && d->overflow)
        rc = hr_error_set(err, HR_EINPUT, NULL, 0, "drg",
                          "the DRG group table of %s: a sum passed 64 bits (amounts far beyond "
                          "any real one; validate quarantines those beyond money-limit)",
                          month);
    if (rc) {
        drg_month_free(d);
        d = NULL;
    } else {
        keep_groups(d);
    }
    *out = d;
    return rc;
}

int drg_month_build(sqlite3 *db, const char *month, hr_error *err)
{
    drg_month *d;
    int rc = drg_month_join(db, month, &d, err);
    if (!rc)
        rc = drg_month_store(db, month, d, err);
    drg_month_free(d);
    return rc;
}
