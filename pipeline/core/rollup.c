/*
 * rollup.c -- roll-ups of the large canonical tables: see rollup.h.
 *
 * Every statement is written from the spec, so a roll-up added to
 * rollup_specs[] (with its table in a migration: period, the group
 * columns, `row_count`, then <col> and <col>_n per summed column) is built
 * by validate and read by compute with no other change. The writer's
 * statements name main."table": a connection may hold a TEMP shadow of the
 * same name (rollup_shadow), which unqualified reads see first.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/rollup.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"

static const rollup_spec specs[] = {
    {"outpatient", "outpatient_rollup", 2, {"dept_code", "visit_type"}, 5,
     {"total_fee_cents", "drug_fee_cents", "material_fee_cents", "exam_fee_cents",
      "wait_minutes"},
     1, {"appointment"}},
};

const rollup_spec *rollup_find(const char *source)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (strcmp(specs[i].source, source) == 0)
            return &specs[i];
    return NULL;
}

const rollup_spec *rollup_spec_at(int i)
{
    return i >= 0 && (size_t)i < sizeof specs / sizeof specs[0] ? &specs[i] : NULL;
}

/* "period, g1, g2, row_count, s1, s1_n, ..., f1_y, f1_n, ..." */
static void column_list(strbuf *sb, const rollup_spec *s)
{
    sb_addstr(sb, "period");
    for (int g = 0; g < s->ngroup; g++)
        sb_addf(sb, ", \"%s\"", s->group[g]);
    sb_addstr(sb, ", row_count");
    for (int i = 0; i < s->nsum; i++)
        sb_addf(sb, ", \"%s\", \"%s_n\"", s->sum[i], s->sum[i]);
    for (int i = 0; i < s->nflag; i++)
        sb_addf(sb, ", \"%s_y\", \"%s_n\"", s->flag[i], s->flag[i]);
}

static int mark(sqlite3 *db, const rollup_spec *s, const char *period, sqlite3_int64 file_id,
                hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "INSERT OR REPLACE INTO main.rollup_state (source, period, "
                                  "built_by, file_id) VALUES (?, ?, 'validate', ?)",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, s->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    if (file_id > 0)
        sqlite3_bind_int64(st, 3, file_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(db, "marking a roll-up", err);
}

/* ---- the accumulator: open addressing over the group values ---- */

typedef struct acc_entry {
    uint64_t hash;
    size_t key_off, key_len; /* into keys: per group value a NULL flag, length, bytes */
    int64_t rows;
    /* 128 bits: exact while rows are added and taken back; a sum that does
     * not fit 64 bits at the end is not stored */
    __int128 sum[ROLLUP_MAX_SUM];
    int64_t n[ROLLUP_MAX_SUM];
} acc_entry;

struct rollup_acc {
    const rollup_spec *spec;
    acc_entry *e;
    size_t n, cap;     /* cap: a power of two, kept over twice n */
    int *slot;         /* cap slots: entry index + 1, 0 empty */
    strbuf keys, probe;

};

rollup_acc *rollup_acc_new(const rollup_spec *spec)
{
    rollup_acc *a = xrealloc(NULL, sizeof *a);
    memset(a, 0, sizeof *a);
    a->spec = spec;
    sb_init(&a->keys);
    sb_init(&a->probe);
    a->cap = 256;
    a->slot = xrealloc(NULL, a->cap * sizeof *a->slot);
    memset(a->slot, 0, a->cap * sizeof *a->slot);
    return a;
}

void rollup_acc_free(rollup_acc *a)
{
    if (!a)
        return;
    free(a->e);
    free(a->slot);
    sb_release(&a->keys);
    sb_release(&a->probe);
    free(a);
}

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

static void grow(rollup_acc *a)
{
    size_t cap = a->cap * 2;
    int *slot = xrealloc(NULL, cap * sizeof *slot);
    memset(slot, 0, cap * sizeof *slot);
    for (size_t i = 0; i < a->n; i++) {
        size_t j = a->e[i].hash & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = (int)i + 1;
    }
    free(a->slot);
    a->slot = slot;
    a->cap = cap;
}

static void acc_add(rollup_acc *a, const char *const *group, const size_t *group_len,
                    const int64_t *sum, const unsigned char *present, int weight)
{
    strbuf *k = &a->probe;
    sb_reset(k);
    for (int g = 0; g < a->spec->ngroup; g++) {
        uint32_t len = group[g] ? (uint32_t)group_len[g] : 0;
        sb_addch(k, group[g] ? 1 : 0);
        sb_add(k, &len, sizeof len);
        if (len)
            sb_add(k, group[g], len);
    }
    uint64_t h = fnv1a(k->buf, k->len);
    size_t j = h & (a->cap - 1);
    acc_entry *e = NULL;
    for (; a->slot[j]; j = (j + 1) & (a->cap - 1)) {
        acc_entry *c = &a->e[a->slot[j] - 1];
        if (c->hash == h && c->key_len == k->len &&
            memcmp(a->keys.buf + c->key_off, k->buf, k->len) == 0) {
            e = c;
            break;
        }
    }
    assert(e || weight > 0); /* only a row added before is taken back */
    if (!e) {
        if ((a->n + 1) * 2 > a->cap) {
            grow(a);
            j = h & (a->cap - 1);
            while (a->slot[j])
                j = (j + 1) & (a->cap - 1);
        }
        if (a->n % 64 == 0)
            a->e = xrealloc(a->e, (a->n + 64) * sizeof *a->e);
        e = &a->e[a->n];
        memset(e, 0, sizeof *e);
        e->hash = h;
        e->key_off = a->keys.len;
        e->key_len = k->len;
        sb_add(&a->keys, k->buf, k->len);
        a->slot[j] = (int)++a->n;
    }
    e->rows += weight;
    for (int i = 0; i < a->spec->nsum + a->spec->nflag; i++)
        if (present[i]) {
            e->sum[i] += weight > 0 ? (__int128)sum[i] : -(__int128)sum[i];
            e->n[i] += weight;
            assert(e->n[i] >= 0 && e->n[i] <= e->rows);
        }
    assert(e->rows >= 0 && a->n * 2 <= a->cap && (a->cap & (a->cap - 1)) == 0);
}

void rollup_acc_add(rollup_acc *a, const char *const *group, const size_t *group_len,
                    const int64_t *sum, const unsigned char *present)
{
    acc_add(a, group, group_len, sum, present, 1);
}

void rollup_acc_remove(rollup_acc *a, const char *const *group, const size_t *group_len,
                       const int64_t *sum, const unsigned char *present)
{
    acc_add(a, group, group_len, sum, present, -1);
}

void rollup_acc_dump(const rollup_acc *a, strbuf *out)
{
    int nsum = a->spec->nsum + a->spec->nflag;
    uint64_t n = a->n;
    sb_add(out, &n, sizeof n);
    for (size_t i = 0; i < a->n; i++) {
        const acc_entry *e = &a->e[i];
        uint64_t len = e->key_len;
        sb_add(out, &len, sizeof len);
        sb_add(out, a->keys.buf + e->key_off, e->key_len);
        sb_add(out, &e->rows, sizeof e->rows);
        sb_add(out, e->sum, (size_t)nsum * sizeof *e->sum);
        sb_add(out, e->n, (size_t)nsum * sizeof *e->n);
    }
}

rollup_acc *rollup_acc_load(const rollup_spec *spec, const void *bytes, size_t size)
{
    const unsigned char *p = bytes, *end = p + size;
    int nsum = spec->nsum + spec->nflag;
    uint64_t n, len;
    if (size < sizeof n)
        return NULL;
    memcpy(&n, p, sizeof n);
    p += sizeof n;
    rollup_acc *a = rollup_acc_new(spec);
    for (uint64_t i = 0; i < n; i++) {
        if ((size_t)(end - p) < sizeof len)
            break;
        memcpy(&len, p, sizeof len);
        p += sizeof len;
        size_t fixed = sizeof(int64_t) + (size_t)nsum * (sizeof(__int128) + sizeof(int64_t));
        if ((size_t)(end - p) < len || (size_t)(end - p) - len < fixed)
            break;
        while ((a->n + 1) * 2 > a->cap)
            grow(a);
        if (a->n % 64 == 0)
            a->e = xrealloc(a->e, (a->n + 64) * sizeof *a->e);
        acc_entry *e = &a->e[a->n];
        memset(e, 0, sizeof *e);
        e->hash = fnv1a((const char *)p, len);
        e->key_off = a->keys.len;
        e->key_len = len;
        sb_add(&a->keys, p, len);
        p += len;
        memcpy(&e->rows, p, sizeof e->rows);
        p += sizeof e->rows;
        memcpy(e->sum, p, (size_t)nsum * sizeof *e->sum);
        p += (size_t)nsum * sizeof *e->sum;
        memcpy(e->n, p, (size_t)nsum * sizeof *e->n);
        p += (size_t)nsum * sizeof *e->n;
        size_t j = e->hash & (a->cap - 1);
        while (a->slot[j])
            j = (j + 1) & (a->cap - 1);
        a->slot[j] = (int)++a->n;
    }
    if (a->n != n || p != end) {
        rollup_acc_free(a);
        return NULL;
    }
    return a;
}

int rollup_acc_store(rollup_acc *a, sqlite3 *db, const char *period, sqlite3_int64 file_id,
                     hr_error *err)
{
    assert(a && period && file_id >= 0);
    /* the one writer stores inside its transaction: the roll-up and its
     * mark change together with the rows they summarise, or not at all */
    assert(!sqlite3_get_autocommit(db));
    const rollup_spec *s = a->spec;
    char *del = sqlite3_mprintf("DELETE FROM main.\"%w\" WHERE period = %Q", s->table, period);
    int drc = db_exec(db, del, err);
    sqlite3_free(del);
    if (drc)
        return err->code;
    int overflow = 0;
    for (size_t i = 0; i < a->n; i++)
        for (int k = 0; k < s->nsum + s->nflag; k++)
            overflow |= a->e[i].sum[k] > INT64_MAX || a->e[i].sum[k] < INT64_MIN;
    if (overflow)
        return HR_OK; /* no mark: rolled up from the rows once validate has
                       * quarantined the amounts beyond belief */
    strbuf sql = STRBUF_INIT;
    sb_addf(&sql, "INSERT INTO main.\"%s\" (", s->table);
    column_list(&sql, s);
    sb_addstr(&sql, ") VALUES (?");
    for (int i = 0; i < s->ngroup + 1 + 2 * (s->nsum + s->nflag); i++)
        sb_addstr(&sql, ", ?");
    sb_addch(&sql, ')');
    sqlite3_stmt *st = db_prepare(db, sql.buf, err);
    sb_release(&sql);
    if (!st)
        return err->code;
    int rc = HR_OK;
    for (size_t i = 0; i < a->n && !rc; i++) {
        const acc_entry *e = &a->e[i];
        if (e->rows == 0) /* every row of the group removed: no group, as in a GROUP BY */
            continue;
        const char *p = a->keys.buf + e->key_off;
        int col = 1;
        sqlite3_bind_text(st, col++, period, -1, SQLITE_STATIC);
        for (int g = 0; g < s->ngroup; g++) {
            int not_null = *p++;
            uint32_t len;
            memcpy(&len, p, sizeof len);
            p += sizeof len;
            if (not_null)
                sqlite3_bind_text(st, col, p, (int)len, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, col);
            col++;
            p += len;
        }
        sqlite3_bind_int64(st, col++, e->rows);
        for (int k = 0; k < s->nsum + s->nflag; k++) {
            sqlite3_bind_int64(st, col++, (int64_t)e->sum[k]);
            sqlite3_bind_int64(st, col++, e->n[k]);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, s->table, err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc ? rc : mark(db, s, period, file_id, err);
}

/* ---- reading: current or not, the shadow ---- */

/* ?1 source, ?2 period: the mark of a current roll-up. */
#define CURRENT_MARK                                                                          \
    "SELECT 1 FROM main.rollup_state r WHERE r.source = ?1 AND r.period = ?2 AND r.file_id IS " \
    "(SELECT max(f.file_id) FROM main.source_file f WHERE f.source = ?1 AND f.period = ?2 "    \
    "AND f.current = 1)"

int rollup_current(sqlite3 *db, const rollup_spec *s, const char *period, hr_error *err)
{
    int64_t one = 0;
    return db_query_int(db, &one, err, CURRENT_MARK, s->source, period, NULL);
}

/* The shadow's rows of the months current in main, copied afresh (validate
 * may have run on this connection since). */
static int shadow_refresh(sqlite3 *db, const rollup_spec *s, hr_error *err)
{
    char *sql = sqlite3_mprintf(
        "DELETE FROM temp.\"%w\" WHERE period IN (SELECT r.period FROM main.rollup_state r "
        "WHERE r.source = %Q AND r.file_id IS (SELECT max(f.file_id) FROM main.source_file f "
        "WHERE f.source = r.source AND f.period = r.period AND f.current = 1));"
        "INSERT INTO temp.\"%w\" SELECT t.* FROM main.\"%w\" t JOIN main.rollup_state r "
        "ON r.source = %Q AND r.period = t.period WHERE r.file_id IS (SELECT max(f.file_id) "
        "FROM main.source_file f WHERE f.source = r.source AND f.period = r.period AND "
        "f.current = 1)",
        s->table, s->source, s->table, s->table, s->source);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

static int shadow_month(sqlite3 *db, const rollup_spec *s, const char *period, hr_error *err)
{
    int64_t exists = 0;
    char *q = sqlite3_mprintf("SELECT count(*) FROM sqlite_temp_master WHERE type = 'table' "
                              "AND name = %Q",
                              s->table);
    int rc = db_query_int(db, &exists, err, q, NULL) < 0 ? HR_EFAIL : HR_OK;
    sqlite3_free(q);
    if (!rc && !exists) {
        char *mk = sqlite3_mprintf("CREATE TEMP TABLE \"%w\" AS SELECT * FROM main.\"%w\" "
                                   "WHERE 0",
                                   s->table, s->table);
        rc = db_exec(db, mk, err);
        sqlite3_free(mk);
    }
    if (!rc)
        rc = shadow_refresh(db, s, err);
    if (rc)
        return rc;
    strbuf sql = STRBUF_INIT;
    sb_addf(&sql, "DELETE FROM temp.\"%s\" WHERE period = ?1; ", s->table);
    sqlite3_stmt *del = db_prepare(db, sql.buf, err);
    sb_reset(&sql);
    sb_addf(&sql, "INSERT INTO temp.\"%s\" (", s->table);
    column_list(&sql, s);
    sb_addstr(&sql, ") SELECT period");
    for (int g = 0; g < s->ngroup; g++)
        sb_addf(&sql, ", \"%s\"", s->group[g]);
    sb_addstr(&sql, ", count(*)");
    for (int i = 0; i < s->nsum; i++)
        sb_addf(&sql, ", coalesce(sum(\"%s\"), 0), count(\"%s\")", s->sum[i], s->sum[i]);
    for (int i = 0; i < s->nflag; i++)
        sb_addf(&sql, ", coalesce(sum(\"%s\" = 'Y'), 0), count(\"%s\")", s->flag[i], s->flag[i]);
    sb_addf(&sql, " FROM main.\"%s\" WHERE period = ?1 GROUP BY period", s->source);
    for (int g = 0; g < s->ngroup; g++)
        sb_addf(&sql, ", \"%s\"", s->group[g]);
    sqlite3_stmt *ins = del ? db_prepare(db, sql.buf, err) : NULL;
    sb_release(&sql);
    if (!ins) {
        sqlite3_finalize(del);
        return err->code;
    }
    sqlite3_bind_text(del, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 1, period, -1, SQLITE_STATIC);
    int step = sqlite3_step(del);
    if (step == SQLITE_DONE)
        step = sqlite3_step(ins);
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    if (step != SQLITE_DONE && strstr(sqlite3_errmsg(db), "integer overflow"))
        return hr_error_set(err, HR_EINPUT, NULL, 0, NULL,
                            "%s rows of %s: a sum passes 64 bits (amounts far beyond any real "
                            "one; validate quarantines those beyond money-limit)",
                            s->source, period);
    return step == SQLITE_DONE ? HR_OK : db_fail(db, s->table, err);
}

int rollup_shadow(sqlite3 *db, const char *period, int *shadowed, hr_error *err)
{
    if (shadowed)
        *shadowed = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const rollup_spec *s = &specs[i];
        int cur = rollup_current(db, s, period, err);
        if (cur < 0)
            return err->code;
        if (cur)
            continue;
        if (shadow_month(db, s, period, err))
            return err->code;
        if (shadowed)
            *shadowed = 1;
    }
    return HR_OK;
}

void rollup_shadow_drop(sqlite3 *db)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        char *sql = sqlite3_mprintf("DROP TABLE IF EXISTS temp.\"%w\"", specs[i].table);
        db_exec(db, sql, NULL);
        sqlite3_free(sql);
    }
}
