/*
 * validate_pass.c -- what validate counts while its rules read the rows.
 *
 * Reads: the period's rows of each source that has a roll-up (rollup.h)
 * or a volume or zero-days threshold; source_file (the current file).
 * Writes: outpatient_rollup and rollup_state (validate is their one
 * writer), temp.validate_dept and temp.validate_passed.
 *
 * A GROUP BY over half a million visits sorts them (0.5 s, and memory that
 * grows with the month); here the rows stream by once, in the same pass as
 * the row rules (the pass reads each column once, for the rules and for
 * this: vscan_column, vpass_bind), and are
 * counted in small hash tables keyed by (department, visit type) for the
 * roll-up and (department, day) for the thresholds: a few thousand entries
 * whatever the month's size. The rows that then go to quarantine are taken
 * back out (vpass_take_back) before the counts are stored, so they count
 * the rows that stayed. The thresholds (validate_thresholds.c) read
 * temp.validate_dept: per source and department the rows (n) and the
 * distinct days of the zero-days date column (active_days).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/rollup.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/validate/validate_int.h"

/* ---- counting by a short text key ---- */

typedef struct ccount {
    size_t off, len; /* key bytes in keys */
    uint64_t hash;
    int64_t n;
} ccount;

typedef struct counter {
    ccount *e;
    size_t n, cap; /* cap: power of two, more than twice n */
    strbuf keys;
} counter;

static void counter_init(counter *c)
{
    memset(c, 0, sizeof *c);
    c->cap = 256;
    c->e = xrealloc(NULL, c->cap * sizeof *c->e);
    memset(c->e, 0, c->cap * sizeof *c->e);
    sb_init(&c->keys);
}

static void counter_free(counter *c)
{
    free(c->e);
    sb_release(&c->keys);
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h | 1; /* 0 marks an empty slot */
}

static void counter_put(ccount *e, size_t cap, const ccount *x)
{
    size_t j = x->hash & (cap - 1);
    while (e[j].hash)
        j = (j + 1) & (cap - 1);
    e[j] = *x;
}

static void counter_add(counter *c, const char *key, size_t len, int weight)
{
    uint64_t h = hash_bytes(key, len);
    size_t j = h & (c->cap - 1);
    for (; c->e[j].hash; j = (j + 1) & (c->cap - 1))
        if (c->e[j].hash == h && c->e[j].len == len &&
            memcmp(c->keys.buf + c->e[j].off, key, len) == 0) {
            c->e[j].n += weight;
            return;
        }
    if ((c->n + 1) * 2 > c->cap) {
        size_t cap = c->cap * 2;
        ccount *e = xrealloc(NULL, cap * sizeof *e);
        memset(e, 0, cap * sizeof *e);
        for (size_t i = 0; i < c->cap; i++)
            if (c->e[i].hash)
                counter_put(e, cap, &c->e[i]);
        free(c->e);
        c->e = e;
        c->cap = cap;
    }
    ccount x = {c->keys.len, len, h, weight};
    sb_add(&c->keys, key, len);
    counter_put(c->e, c->cap, &x);
    c->n++;
}

/* ---- one source ---- */

struct vpass {
    sqlite3 *db;
    const char *source;
    const rollup_spec *spec; /* NULL: no roll-up */
    int by_dept;             /* count rows per department (and day) */
    const char *date_column; /* zero-days: the date column; NULL none */
    rollup_acc *acc;         /* NULL: no roll-up, or a value not of its type */
    counter depts;
    strbuf key;
    /* the columns it reads, in this order: the roll-up's groups, sums and
     * flags, then dept_code and the date column; `at` their places in the
     * pass's row (vscan_column) */
    const char *names[ROLLUP_MAX_GROUP + ROLLUP_MAX_SUM + ROLLUP_MAX_FLAG + 2];
    int at[ROLLUP_MAX_GROUP + ROLLUP_MAX_SUM + ROLLUP_MAX_FLAG + 2];
    int nnames;
};

static int has_column(sqlite3 *db, const char *table, const char *column)
{
    int64_t n = 0;
    db_query_int(db, &n, NULL, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?", table,
                 column, NULL);
    return n > 0;
}

int vpass_prepare(sqlite3 *db, hr_error *err)
{
    return db_exec(db,
                   "CREATE TEMP TABLE IF NOT EXISTS validate_dept (source TEXT NOT NULL, "
                   " dept_code TEXT NOT NULL, n INTEGER NOT NULL, active_days INTEGER, "
                   " date_column TEXT);"
                   "CREATE TEMP TABLE IF NOT EXISTS validate_dept_day (d TEXT NOT NULL, "
                   " day TEXT, n INTEGER NOT NULL);"
                   "CREATE TEMP TABLE IF NOT EXISTS validate_passed (source TEXT PRIMARY KEY, "
                   " date_column TEXT);"
                   "DELETE FROM temp.validate_dept; DELETE FROM temp.validate_dept_day;"
                   "DELETE FROM temp.validate_passed;",
                   err);
}

int vpass_wanted(const vconfig *conf, const char *source)
{
    if (rollup_find(source))
        return 1;
    for (int i = 0; i < conf->nthresholds; i++)
        if (strcmp(conf->thresholds[i].source, source) == 0 &&
            (strcmp(conf->thresholds[i].kind, "volume") == 0 ||
             strcmp(conf->thresholds[i].kind, "zero_days") == 0))
            return 1;
    return 0;
}

vpass *vpass_begin(sqlite3 *db, const vconfig *conf, const char *source)
{
    if (!vpass_wanted(conf, source))
        return NULL;
    vpass *p = xrealloc(NULL, sizeof *p);
    memset(p, 0, sizeof *p);
    p->db = db;
    p->source = source;
    p->spec = rollup_find(source);
    int dept = has_column(db, source, "dept_code");
    for (int i = 0; i < conf->nthresholds && dept; i++) {
        const vthreshold *t = &conf->thresholds[i];
        if (strcmp(t->source, source) != 0)
            continue;
        int zero = strcmp(t->kind, "zero_days") == 0;
        if (zero || strcmp(t->kind, "volume") == 0)
            p->by_dept = 1;
        if (zero && !p->date_column)
            p->date_column = t->date_column;
    }
    p->acc = p->spec ? rollup_acc_new(p->spec) : NULL;
    counter_init(&p->depts);
    sb_init(&p->key);
    for (int g = 0; p->spec && g < p->spec->ngroup; g++)
        p->names[p->nnames++] = p->spec->group[g];
    for (int i = 0; p->spec && i < p->spec->nsum; i++)
        p->names[p->nnames++] = p->spec->sum[i];
    for (int i = 0; p->spec && i < p->spec->nflag; i++)
        p->names[p->nnames++] = p->spec->flag[i];
    if (p->by_dept) {
        p->names[p->nnames++] = "dept_code";
        if (p->date_column)
            p->names[p->nnames++] = p->date_column;
    }
    return p;
}

void vpass_free(vpass *p)
{
    if (!p)
        return;
    rollup_acc_free(p->acc);
    counter_free(&p->depts);
    sb_release(&p->key);
    free(p);
}

void vpass_bind(vpass *p, vscan *v)
{
    for (int j = 0; j < p->nnames; j++)
        p->at[j] = vscan_column(v, p->names[j]);
}

/* A flag as SQL's (t.col = 'Y') gives it: 1, 0, or NULL (absent). */
static int flag_of(const vval *x, int64_t *out)
{
    if (x->type == SQLITE_NULL)
        return 0;
    *out = x->type == SQLITE_TEXT && x->n == 1 && x->s[0] == 'Y';
    return 1;
}

/* The current row (vals[j]: the value of names[j]) into (weight 1) or out
 * of (-1) the roll-up; 0 when a value is not of its type (then the month
 * gets no roll-up and readers roll it up from the rows). */
static int acc_row(rollup_acc *acc, const rollup_spec *s, const vval *const *vals, int weight)
{
    const char *group[ROLLUP_MAX_GROUP];
    size_t glen[ROLLUP_MAX_GROUP];
    int64_t sum[ROLLUP_MAX_SUM];
    unsigned char present[ROLLUP_MAX_SUM];
    int j = 0;
    for (int g = 0; g < s->ngroup; g++, j++) {
        int type = vals[j]->type;
        if (type != SQLITE_TEXT && type != SQLITE_NULL)
            return 0;
        group[g] = type == SQLITE_TEXT ? (const char *)vals[j]->s : NULL;
        glen[g] = group[g] ? vals[j]->n : 0;
    }
    for (int i = 0; i < s->nsum; i++, j++) {
        int type = vals[j]->type;
        if (type != SQLITE_INTEGER && type != SQLITE_NULL)
            return 0;
        present[i] = type == SQLITE_INTEGER;
        sum[i] = present[i] ? vals[j]->i : 0;
    }
    for (int i = s->nsum; i < s->nsum + s->nflag; i++, j++)
        present[i] = (unsigned char)flag_of(vals[j], &sum[i]), sum[i] = present[i] ? sum[i] : 0;
    if (weight > 0)
        rollup_acc_add(acc, group, glen, sum, present);
    else
        rollup_acc_remove(acc, group, glen, sum, present);
    return 1;
}

/* A value as sqlite3_column_text() gives it (a number in SQLite's text
 * form, in buf); its length in *n. */
static const unsigned char *as_text(const vval *x, char *buf, size_t size, size_t *n)
{
    if (x->type == SQLITE_TEXT || x->type == SQLITE_BLOB) {
        *n = x->n;
        return x->s;
    }
    if (x->type == SQLITE_INTEGER)
        sqlite3_snprintf((int)size, buf, "%lld", (long long)x->i);
    else
        sqlite3_snprintf((int)size, buf, "%!.15g", x->d);
    *n = strlen(buf);
    return (const unsigned char *)buf;
}

/* The bytes of the first 10 characters, as substr(x, 1, 10) (of a blob:
 * its first 10 bytes). */
static size_t day_bytes(int type, const unsigned char *s, size_t n)
{
    if (type == SQLITE_BLOB)
        return n < 10 ? n : 10;
    size_t i = 0;
    for (int chars = 0; i < n && chars < 10; chars++) {
        i++;
        while (i < n && (s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static void add_vals(vpass *p, const vval *const *vals, int weight)
{
    if (p->acc && !acc_row(p->acc, p->spec, vals, weight)) {
        rollup_acc_free(p->acc);
        p->acc = NULL;
    }
    if (!p->by_dept)
        return;
    int d = p->spec ? p->spec->ngroup + p->spec->nsum + p->spec->nflag : 0;
    const vval *dept = vals[d];
    if (dept->type == SQLITE_NULL)
        return;
    /* key: dept (as text), then 0x1f and 't' + day when the row has one */
    strbuf *key = &p->key;
    sb_reset(key);
    char buf[64];
    size_t n;
    const unsigned char *t = as_text(dept, buf, sizeof buf, &n);
    sb_add(key, t, n);
    if (p->date_column && vals[d + 1]->type != SQLITE_NULL) {
        const vval *day = vals[d + 1];
        sb_addstr(key, "\x1ft");
        t = as_text(day, buf, sizeof buf, &n);
        sb_add(key, t, day_bytes(day->type, t, n));
    }
    counter_add(&p->depts, key->buf, key->len, weight);
}

void vpass_add(vpass *p, const vval *row, int weight)
{
    const vval *vals[sizeof p->at / sizeof *p->at];
    for (int j = 0; j < p->nnames; j++)
        vals[j] = &row[p->at[j]];
    add_vals(p, vals, weight);
}

int vpass_take_back(vpass *p, hr_error *err)
{
    strbuf sql = STRBUF_INIT;
    sb_addstr(&sql, "SELECT 0");
    for (int j = 0; j < p->nnames; j++)
        sb_addf(&sql, ", t.\"%s\"", p->names[j]);
    char *from = sqlite3_mprintf(" FROM \"%w\" t WHERE t.rowid IN (SELECT rid FROM "
                                 "temp.validate_hit WHERE source = %Q AND severity = 'error')",
                                 p->source, p->source);
    sb_addstr(&sql, from);
    sqlite3_free(from);
    sqlite3_stmt *st = db_prepare(p->db, sql.buf, err);
    sb_release(&sql);
    if (!st)
        return err->code;
    int step;
    vval row[sizeof p->at / sizeof *p->at];
    const vval *vals[sizeof p->at / sizeof *p->at];
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (vval_fill(st, 1, p->nnames, row)) {
            step = SQLITE_NOMEM;
            break;
        }
        for (int j = 0; j < p->nnames; j++)
            vals[j] = &row[j];
        add_vals(p, vals, -1);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? HR_OK : db_fail(p->db, p->source, err);
}

/* The counted (department, day) pairs into temp.validate_dept. */
static int store_depts(vpass *p, hr_error *err)
{
    sqlite3 *db = p->db;
    const counter *c = &p->depts;
    sqlite3_stmt *ins = db_prepare(db,
                                   "INSERT INTO temp.validate_dept_day (d, day, n) "
                                   "VALUES (?1, ?2, ?3)",
                                   err);
    if (!ins)
        return err->code;
    int rc = HR_OK;
    for (size_t i = 0; i < c->cap && !rc; i++) {
        const ccount *e = &c->e[i];
        if (!e->hash || e->n == 0)
            continue;
        const char *k = c->keys.buf + e->off;
        const char *sep = memchr(k, '\x1f', e->len);
        size_t dlen = sep ? (size_t)(sep - k) : e->len;
        sqlite3_bind_text(ins, 1, k, (int)dlen, SQLITE_STATIC);
        if (sep)
            sqlite3_bind_text(ins, 2, sep + 2, (int)(e->len - dlen - 2), SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 2);
        sqlite3_bind_int64(ins, 3, e->n);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = db_fail(db, "counting rows per department", err);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (rc)
        return rc;
    /* (a NULL date_column ends the list: ?2 stays NULL) */
    if (db_exec_args(db, err,
                     "INSERT INTO temp.validate_dept (source, dept_code, n, active_days, "
                     "date_column) SELECT ?1, d, sum(n), count(day), ?2 "
                     "FROM temp.validate_dept_day GROUP BY d",
                     p->source, p->date_column, NULL))
        return err->code;
    return db_exec(db, "DELETE FROM temp.validate_dept_day", err);
}

int vpass_store(vpass *p, const char *period, hr_error *err)
{
    int rc = HR_OK;
    if (p->acc) {
        int64_t file_id = 0;
        if (db_query_int(p->db, &file_id, err,
                         "SELECT max(file_id) FROM source_file WHERE source = ? AND period = ? "
                         "AND current = 1",
                         p->source, period, NULL) < 0)
            rc = err->code;
        if (!rc)
            rc = rollup_acc_store(p->acc, p->db, period, file_id, err);
    }
    if (!rc && p->by_dept)
        rc = store_depts(p, err);
    if (!rc)
        rc = db_exec_args(p->db, err,
                          "INSERT INTO temp.validate_passed (source, date_column) VALUES (?1, ?2)",
                          p->source, p->by_dept ? p->date_column : NULL, NULL);
    return rc;
}

void vpass_dump(const vpass *p, strbuf *out)
{
    unsigned char has_acc = p->acc != NULL;
    sb_add(out, &has_acc, 1);
    if (p->acc) {
        strbuf acc = STRBUF_INIT;
        rollup_acc_dump(p->acc, &acc);
        uint64_t len = acc.len;
        sb_add(out, &len, sizeof len);
        sb_add(out, acc.buf, acc.len);
        sb_release(&acc);
    }
    uint64_t n = 0;
    for (size_t i = 0; i < p->depts.cap; i++)
        n += p->depts.e[i].hash != 0;
    sb_add(out, &n, sizeof n);
    for (size_t i = 0; i < p->depts.cap; i++) {
        const ccount *e = &p->depts.e[i];
        if (!e->hash)
            continue;
        uint64_t len = e->len;
        sb_add(out, &len, sizeof len);
        sb_add(out, p->depts.keys.buf + e->off, e->len);
        sb_add(out, &e->n, sizeof e->n);
    }
}

int vpass_load(vpass *p, const void *bytes, size_t size)
{
    const unsigned char *s = bytes, *end = s + size;
    uint64_t len, n;
    if (size < 1)
        return -1;
    unsigned char has_acc = *s++;
    rollup_acc_free(p->acc);
    p->acc = NULL;
    if (has_acc) {
        if (!p->spec || (size_t)(end - s) < sizeof len)
            return -1;
        memcpy(&len, s, sizeof len);
        s += sizeof len;
        if ((size_t)(end - s) < len || !(p->acc = rollup_acc_load(p->spec, s, len)))
            return -1;
        s += len;
    }
    counter_free(&p->depts);
    counter_init(&p->depts);
    if ((size_t)(end - s) < sizeof n)
        return -1;
    memcpy(&n, s, sizeof n);
    s += sizeof n;
    for (uint64_t i = 0; i < n; i++) {
        int64_t count;
        if ((size_t)(end - s) < sizeof len)
            return -1;
        memcpy(&len, s, sizeof len);
        s += sizeof len;
        if ((size_t)(end - s) < len || (size_t)(end - s) - len < sizeof count)
            return -1;
        memcpy(&count, s + len, sizeof count);
        counter_add(&p->depts, (const char *)s, len, 0);
        /* counter_add with weight 0 made the entry; set its count */
        uint64_t h = hash_bytes((const char *)s, len);
        for (size_t j = h & (p->depts.cap - 1);; j = (j + 1) & (p->depts.cap - 1))
            if (p->depts.e[j].hash == h && p->depts.e[j].len == len &&
                memcmp(p->depts.keys.buf + p->depts.e[j].off, s, len) == 0) {
                p->depts.e[j].n = count;
                break;
            }
        s += len + sizeof count;
    }
    return s == end ? 0 : -1;
}
