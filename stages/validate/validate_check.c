/*
 * validate_check.c -- the row rules of one source evaluated in C, on the
 * values validate.c's one pass over the month's rows reads.
 *
 * As SQL conditions in that pass (a CASE over every rule), the rules cost
 * SQLite's virtual machine a second of CPU for a month of half a million
 * visits: each comparison, GLOB and NOT IN list probe is interpreted for
 * every row. Here each column a rule reads is read once per row, and each
 * rule is a few comparisons in C (vcheck, built by validate_rules.c from
 * the same rule as its SQL condition):
 *
 *   required   NULL or ''              enum       text not among the values
 *   range      a number beyond a bound period     first 7 characters not the month
 *   code       a byte outside A-Za-z0-9_.- , a leading . or -, too long
 *   sum-le     the parts' integer sum above the total
 *   compare    two TEXT (binary order) or two INTEGER columns
 *   reference  text not in the dictionary of the month (a hash set, read
 *              once per pass), unless the allowed value
 *
 * Each gives exactly what its SQL condition gives: NULL where SQL's
 * comparison is NULL (a rule that is not broken), and for a value whose
 * storage class the C form does not cover (text in an integer column, a
 * period with a non-ASCII character, a blob, an integer sum that would
 * overflow into a real) the rule's SQL condition is run for that one row
 * (`fallback`). A rule without a C form (vcheck.kind VC_SQL) is a column
 * of the scan holding its SQL condition; with HOSPREPORT_VALIDATE_SQL=1 in
 * the environment every rule is (the way before this file: make bench's
 * baseline, and test_validate_check's reference).
 *
 * Reads: the reference tables (dept, equipment, inpatient) of the month.
 * Writes: nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/validate/validate_int.h"

/* ---- a set of texts (the reference dictionaries) ---- */

typedef struct tset {
    uint64_t *hash; /* 0: empty slot */
    size_t *off, *len;
    size_t n, cap;
    strbuf bytes;
    int has_null; /* the dictionary holds a NULL: NOT IN is never true */
} tset;

static uint64_t hash_text(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h | 1;
}

static int tset_find(const tset *t, const void *p, size_t n, uint64_t h, size_t *slot)
{
    size_t j = h & (t->cap - 1);
    for (; t->hash[j]; j = (j + 1) & (t->cap - 1))
        if (t->hash[j] == h && t->len[j] == n && memcmp(t->bytes.buf + t->off[j], p, n) == 0)
            return 1;
    *slot = j;
    return 0;
}

static void tset_init(tset *t)
{
    memset(t, 0, sizeof *t);
    t->cap = 64;
    t->hash = xrealloc(NULL, t->cap * sizeof *t->hash);
    t->off = xrealloc(NULL, t->cap * sizeof *t->off);
    t->len = xrealloc(NULL, t->cap * sizeof *t->len);
    memset(t->hash, 0, t->cap * sizeof *t->hash);
    sb_init(&t->bytes);
}

static void tset_free(tset *t)
{
    free(t->hash), free(t->off), free(t->len);
    sb_release(&t->bytes);
}

static void tset_add(tset *t, const void *p, size_t n)
{
    uint64_t h = hash_text(p, n);
    size_t j;
    if (tset_find(t, p, n, h, &j))
        return;
    if ((t->n + 1) * 2 > t->cap) {
        tset old = *t;
        t->cap *= 2;
        t->hash = xrealloc(NULL, t->cap * sizeof *t->hash);
        t->off = xrealloc(NULL, t->cap * sizeof *t->off);
        t->len = xrealloc(NULL, t->cap * sizeof *t->len);
        memset(t->hash, 0, t->cap * sizeof *t->hash);
        for (size_t i = 0; i < old.cap; i++)
            if (old.hash[i]) {
                size_t k = old.hash[i] & (t->cap - 1);
                while (t->hash[k])
                    k = (k + 1) & (t->cap - 1);
                t->hash[k] = old.hash[i], t->off[k] = old.off[i], t->len[k] = old.len[i];
            }
        free(old.hash), free(old.off), free(old.len);
        tset_find(t, p, n, h, &j);
    }
    t->hash[j] = h, t->off[j] = t->bytes.len, t->len[j] = n;
    sb_add(&t->bytes, p, n);
    t->n++;
}

/* ---- one source's rules ---- */

typedef struct vrun {
    const vrule *r;
    int ord;              /* index in conf->rules */
    int warn_bit;         /* -1: an error rule */
    int sql;              /* judged by its SQL condition, a column of the scan */
    int col, other;       /* scan columns of check.col and check.other */
    int *parts;           /* sum-le: scan columns of the parts */
    tset *set;            /* reference: the dictionary */
    sqlite3_stmt *fallback; /* the SQL condition for one row (?4 = rowid) */
} vrun;

struct vscan {
    sqlite3 *db;
    const char *source;
    const char *const *binds;
    vrun *runs;
    int nruns;
    char **cols; /* the columns read, each once */
    int ncols, first;
    vval *row;   /* their values in the current row */
    tset sets[3]; /* dept, equipment, inpatient */
    int loaded[3];
};

int vscan_column(vscan *v, const char *name)
{
    for (int i = 0; i < v->ncols; i++)
        if (strcmp(v->cols[i], name) == 0)
            return i;
    v->cols = xrealloc(v->cols, (size_t)(v->ncols + 1) * sizeof *v->cols);
    v->cols[v->ncols] = xstrdup(name);
    return v->ncols++;
}

/* The month's dictionary of a reference rule, read once per pass. */
static tset *reference_set(vscan *v, const char *ref, hr_error *err)
{
    int k = strcmp(ref, "dept") == 0 ? 0 : strcmp(ref, "equipment") == 0 ? 1 : 2;
    if (v->loaded[k])
        return &v->sets[k];
    static const char *const sql[3] = {
        "SELECT dept_code FROM dept WHERE period = ?2",
        "SELECT equipment_id FROM equipment WHERE period = ?3",
        "SELECT stay_id FROM inpatient WHERE period = ?1",
    };
    sqlite3_stmt *st = db_prepare(v->db, sql[k], err);
    if (!st)
        return NULL;
    for (int b = 0; b < 3; b++)
        sqlite3_bind_text(st, b + 1, v->binds[b], -1, SQLITE_STATIC);
    tset *t = &v->sets[k];
    tset_init(t);
    v->loaded[k] = 1;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
            t->has_null = 1;
            continue;
        }
        /* NOT IN compares with the column's text affinity: as text */
        const unsigned char *p = sqlite3_column_text(st, 0);
        tset_add(t, p, (size_t)sqlite3_column_bytes(st, 0));
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        db_fail(v->db, "reading a reference dictionary", err);
        return NULL;
    }
    return t;
}

void vcheck_free(vcheck *c)
{
    free(c->col);
    free(c->other);
    for (int i = 0; i < c->nlist; i++)
        free(c->list[i]);
    free(c->list);
    free(c->ref);
    free(c->allow);
    memset(c, 0, sizeof *c);
}

void vscan_free(vscan *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->nruns; i++) {
        free(v->runs[i].parts);
        sqlite3_finalize(v->runs[i].fallback);
    }
    for (int i = 0; i < v->ncols; i++)
        free(v->cols[i]);
    for (int k = 0; k < 3; k++)
        if (v->loaded[k])
            tset_free(&v->sets[k]);
    free(v->cols);
    free(v->row);
    free(v->runs);
    free(v);
}

vscan *vscan_new(sqlite3 *db, const vconfig *conf, const char *source, const int *rules,
                 int nrules, const char *const binds[3], hr_error *err)
{
    vscan *v = xrealloc(NULL, sizeof *v);
    memset(v, 0, sizeof *v);
    v->db = db, v->source = source, v->binds = binds;
    v->runs = xrealloc(NULL, ((size_t)nrules + 1) * sizeof *v->runs);
    int nwarn = 0, rc = HR_OK;
    /* every rule by its SQL condition, as before validate_check.c: the
     * baseline of make bench and what test_validate_check compares with */
    const char *env = getenv("HOSPREPORT_VALIDATE_SQL");
    int all_sql = env && *env && strcmp(env, "0") != 0;
    for (int i = 0; i < nrules && !rc; i++) {
        const vrule *r = &conf->rules[rules[i]];
        vrun *x = &v->runs[v->nruns++];
        memset(x, 0, sizeof *x);
        x->r = r, x->ord = rules[i];
        x->warn_bit = r->is_warning ? nwarn++ : -1;
        x->col = x->other = -1;
        const vcheck *c = &r->check;
        x->sql = all_sql || c->kind == VC_SQL;
        if (x->sql)
            continue; /* a column of its own: vscan_columns */
        x->col = vscan_column(v, c->col);
        if (c->kind == VC_COMPARE)
            x->other = vscan_column(v, c->other);
        if (c->kind == VC_SUM_LE) {
            x->parts = xrealloc(NULL, ((size_t)c->nlist + 1) * sizeof *x->parts);
            for (int k = 0; k < c->nlist; k++)
                x->parts[k] = vscan_column(v, c->list[k]);
        }
        if (c->kind == VC_REFERENCE && !(x->set = reference_set(v, c->ref, err)))
            rc = err->code;
    }
    if (rc) {
        vscan_free(v);
        return NULL;
    }
    return v;
}

int vscan_columns(vscan *v, strbuf *sql, int first)
{
    v->first = first;
    v->row = xrealloc(v->row, ((size_t)v->ncols + 1) * sizeof *v->row);
    for (int i = 0; i < v->ncols; i++)
        sb_addf(sql, ", t.\"%s\"", v->cols[i]);
    int n = v->ncols;
    /* the rules without a C form: their condition, 1 when broken */
    for (int i = 0; i < v->nruns; i++)
        if (v->runs[i].sql) {
            v->runs[i].col = n++;
            sb_addf(sql, ", CASE WHEN (%s) THEN 1 ELSE 0 END", v->runs[i].r->cond);
        }
    return n;
}

/* The rule's SQL condition for one row: 1 when it is broken. */
static int by_sql(vscan *v, vrun *x, int64_t rowid, hr_error *err)
{
    if (!x->fallback) {
        char *sql = sqlite3_mprintf("SELECT (%s) FROM \"%w\" t WHERE t.rowid = ?4", x->r->cond,
                                    v->source);
        x->fallback = db_prepare(v->db, sql, err);
        sqlite3_free(sql);
        if (!x->fallback)
            return -1;
        for (int b = 0; b < 3; b++)
            sqlite3_bind_text(x->fallback, b + 1, v->binds[b], -1, SQLITE_STATIC);
    }
    sqlite3_stmt *f = x->fallback;
    sqlite3_bind_int64(f, 4, rowid);
    int step = sqlite3_step(f);
    int broken = step == SQLITE_ROW && sqlite3_column_type(f, 0) != SQLITE_NULL &&
                 sqlite3_column_int64(f, 0) != 0;
    sqlite3_reset(f);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        db_fail(v->db, "running a validation rule", err);
        hr_error_locate(err, NULL, 0, x->r->field);
        return -1;
    }
    return broken;
}

/* v against a bound as SQL compares an integer with the literal:
 * -1, 0, 1; 2 when C cannot tell exactly. */
static int cmp_int(int64_t v, double bound, int is_int, long long bound_i)
{
    if (is_int)
        return (v > bound_i) - (v < bound_i);
    if (v > (1LL << 53) || v < -(1LL << 53))
        return 2;
    double d = (double)v;
    return (d > bound) - (d < bound);
}

static int range_broken(const vcheck *c, const vval *a)
{
    int type = a->type;
    if (type == SQLITE_NULL)
        return 0;
    int lo = 0, hi = 0; /* the value against lo, hi: -1 0 1 */
    if (type == SQLITE_INTEGER) {
        int64_t x = a->i;
        lo = c->has_lo ? cmp_int(x, c->lo, c->lo_int, c->lo_i) : 0;
        hi = c->has_hi ? cmp_int(x, c->hi, c->hi_int, c->hi_i) : 0;
        if (lo == 2 || hi == 2)
            return -1;
    } else if (type == SQLITE_FLOAT) {
        double x = a->d;
        if (c->has_lo) { /* an integer literal is compared with a real exactly */
            double b = c->lo_int ? (double)c->lo_i : c->lo;
            if (c->lo_int && (c->lo_i > (1LL << 53) || c->lo_i < -(1LL << 53)))
                return -1;
            lo = (x > b) - (x < b);
        }
        if (c->has_hi) {
            double b = c->hi_int ? (double)c->hi_i : c->hi;
            if (c->hi_int && (c->hi_i > (1LL << 53) || c->hi_i < -(1LL << 53)))
                return -1;
            hi = (x > b) - (x < b);
        }
    } else {
        return -1; /* text or blob in a number's place: SQL's order of classes */
    }
    return (c->has_lo && (c->lo_open ? lo <= 0 : lo < 0)) || (c->has_hi && hi > 0);
}

static int is_code_byte(unsigned char b)
{
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
           b == '_' || b == '.' || b == '-';
}

/* Whether rule x is broken by the current row: 1, 0, or -1 for "ask SQL". */
static int broken_in_c(const vscan *v, const vrun *x)
{
    const vcheck *c = &x->r->check;
    const vval *a = &v->row[x->col];
    int type = a->type;
    const unsigned char *s = a->s;
    size_t n = a->n;
    switch (c->kind) {
    case VC_REQUIRED:
        return type == SQLITE_NULL ? 1 : type == SQLITE_TEXT ? n == 0 : type == SQLITE_BLOB ? -1 : 0;
    case VC_ENUM:
        if (type == SQLITE_NULL)
            return 0;
        if (type != SQLITE_TEXT)
            return -1;
        for (int i = 0; i < c->nlist; i++)
            if (strlen(c->list[i]) == n && memcmp(c->list[i], s, n) == 0)
                return 0;
        return 1;
    case VC_RANGE: return range_broken(c, a);
    case VC_PERIOD: {
        if (type == SQLITE_NULL)
            return 0;
        if (type != SQLITE_TEXT)
            return -1;
        size_t k = n < 7 ? n : 7;
        for (size_t i = 0; i < k; i++)
            if (s[i] >= 0x80 || s[i] == 0)
                return -1; /* substr counts characters */
        const char *p = v->binds[0];
        return !(strlen(p) == k && memcmp(p, s, k) == 0);
    }
    case VC_CODE:
        if (type == SQLITE_NULL)
            return 0;
        if (type != SQLITE_TEXT || memchr(s, 0, n))
            return -1;
        for (size_t i = 0; i < n; i++)
            if (!is_code_byte(s[i]))
                return 1; /* any character outside the set (a multi-byte one too) */
        return (n && (s[0] == '.' || s[0] == '-')) || (long)n > c->max_len;
    case VC_SUM_LE: {
        if (type == SQLITE_NULL)
            return 0;
        int64_t sum = 0;
        for (int k = 0; k < c->nlist; k++) {
            const vval *part = &v->row[x->parts[k]];
            if (part->type == SQLITE_NULL)
                return 0; /* NULL + ... is NULL */
            if (part->type != SQLITE_INTEGER || __builtin_add_overflow(sum, part->i, &sum))
                return -1;
        }
        if (type != SQLITE_INTEGER)
            return -1;
        return sum > a->i;
    }
    case VC_COMPARE: {
        const vval *o = &v->row[x->other];
        int ot = o->type;
        if (type == SQLITE_NULL || ot == SQLITE_NULL)
            return 0;
        int order;
        if (c->text && type == SQLITE_TEXT && ot == SQLITE_TEXT) {
            int m = memcmp(s, o->s, n < o->n ? n : o->n);
            order = m ? (m > 0) - (m < 0) : (n > o->n) - (n < o->n);
        } else if (!c->text && type == SQLITE_INTEGER && ot == SQLITE_INTEGER) {
            order = (a->i > o->i) - (a->i < o->i);
        } else {
            return -1;
        }
        switch (c->op) { /* the broken case of COMPARE_OPS */
        case 0: return order >= 0;
        case 1: return order > 0;
        case 2: return order <= 0;
        case 3: return order < 0;
        case 4: return order != 0;
        default: return order == 0;
        }
    }
    case VC_REFERENCE: {
        const tset *t = x->set;
        if (type == SQLITE_NULL) /* NULL NOT IN (): true; NOT IN (rows): NULL */
            return t->n == 0 && !t->has_null && !c->allow;
        if (type != SQLITE_TEXT)
            return -1;
        size_t slot;
        if (t->n && tset_find(t, s, n, hash_text(s, n), &slot))
            return 0;
        if (t->has_null)
            return 0; /* NOT IN a list with a NULL: NULL */
        return !(c->allow && strlen(c->allow) == n && memcmp(c->allow, s, n) == 0);
    }
    default: return -1;
    }
}

int vval_fill(sqlite3_stmt *st, int first, int n, vval *out)
{
    int rc = 0;
    for (int k = 0; k < n; k++) {
        sqlite3_value *x = sqlite3_column_value(st, first + k);
        vval *a = &out[k];
        a->s = NULL, a->n = 0;
        switch ((a->type = sqlite3_value_type(x))) {
        case SQLITE_INTEGER: a->i = sqlite3_value_int64(x); break;
        case SQLITE_FLOAT: a->d = sqlite3_value_double(x); break;
        case SQLITE_TEXT:
            a->s = sqlite3_value_text(x);
            a->n = (size_t)sqlite3_value_bytes(x);
            break;
        case SQLITE_BLOB:
            a->s = sqlite3_value_blob(x);
            a->n = (size_t)sqlite3_value_bytes(x);
            break;
        default: break;
        }
        if (!a->s && a->type == SQLITE_TEXT)
            rc = -1; /* out of memory */
        if (!a->s)
            a->s = (const unsigned char *)""; /* an empty blob */
    }
    return rc;
}

const vval *vscan_values(const vscan *v)
{
    return v->row;
}

vval *vscan_cells(vscan *v)
{
    if (!v->row)
        v->row = xcalloc((size_t)v->ncols + 1, sizeof *v->row);
    return v->row;
}

int vscan_ncols(const vscan *v)
{
    return v->ncols;
}

const char *vscan_col(const vscan *v, int i)
{
    return v->cols[i];
}

int vscan_all_c(const vscan *v)
{
    for (int i = 0; i < v->nruns; i++)
        if (v->runs[i].sql)
            return 0;
    return 1;
}

void vscan_digest(const vscan *v, digest_ctx *d)
{
    for (int k = 0; k < 3; k++) {
        const tset *t = &v->sets[k];
        uint64_t head[3] = {(uint64_t)k, v->loaded[k] ? t->n : UINT64_MAX,
                            v->loaded[k] ? (uint64_t)t->has_null : 0};
        digest_update(d, head, sizeof head);
        if (!v->loaded[k])
            continue;
        digest_update(d, t->bytes.buf, t->bytes.len);
        for (size_t i = 0; i < t->cap; i++)
            if (t->hash[i]) {
                uint64_t x[2] = {(uint64_t)t->off[i], (uint64_t)t->len[i]};
                digest_update(d, x, sizeof x);
            }
    }
}

int vscan_row(vscan *v, sqlite3_stmt *st, int64_t rowid, int *e, int64_t *w, hr_error *err)
{
    if (vval_fill(st, v->first, v->ncols, v->row))
        return hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "out of memory reading a row");
    return vscan_judge(v, st, rowid, e, w, err);
}

int vscan_judge(vscan *v, sqlite3_stmt *st, int64_t rowid, int *e, int64_t *w, hr_error *err)
{
    *e = -1;
    *w = 0;
    for (int i = 0; i < v->nruns; i++) {
        vrun *x = &v->runs[i];
        if (x->warn_bit < 0 && *e >= 0)
            continue; /* an earlier error rule already holds the row */
        int b = x->sql ? (st ? sqlite3_column_int(st, v->first + x->col) : -1)
                       : broken_in_c(v, x);
        if (b < 0 && (b = by_sql(v, x, rowid, err)) < 0)
            return err->code;
        if (!b)
            continue;
        if (x->warn_bit < 0)
            *e = x->ord;
        else
            *w |= (int64_t)1 << x->warn_bit;
    }
    return HR_OK;
}
