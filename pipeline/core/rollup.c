/*
 * rollup.c -- roll-ups of the large canonical tables: see rollup.h.
 *
 * Every statement is written from the spec, so a roll-up added to
 * rollup_specs[] (with its table in a migration: period, the group
 * columns, `row_count`, then <col> and <col>_n per summed column) is kept by
 * ingest, validate and compute with no other change.
 */
#include <stdio.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/rollup.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"

static const rollup_spec specs[] = {
    {"outpatient", "outpatient_rollup", 2, {"dept_code", "visit_type"}, 5,
     {"total_fee_cents", "drug_fee_cents", "material_fee_cents", "exam_fee_cents",
      "wait_minutes"}},
};

const rollup_spec *rollup_find(const char *source)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (strcmp(specs[i].source, source) == 0)
            return &specs[i];
    return NULL;
}

/* "period, g1, g2, row_count, s1, s1_n, ..." */
static void column_list(strbuf *sb, const rollup_spec *s)
{
    sb_addstr(sb, "period");
    for (int g = 0; g < s->ngroup; g++)
        sb_addf(sb, ", \"%s\"", s->group[g]);
    sb_addstr(sb, ", row_count");
    for (int i = 0; i < s->nsum; i++)
        sb_addf(sb, ", \"%s\", \"%s_n\"", s->sum[i], s->sum[i]);
}

static int mark(sqlite3 *db, const rollup_spec *s, const char *period, const char *by,
                hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db, "INSERT OR REPLACE INTO rollup_state (source, period, built_by) VALUES (?, ?, ?)",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, s->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(db, "marking a roll-up", err);
}

static int forget(sqlite3 *db, const rollup_spec *s, const char *period, hr_error *err)
{
    char *sql = sqlite3_mprintf("DELETE FROM \"%w\" WHERE period = %Q;"
                                "DELETE FROM rollup_state WHERE source = %Q AND period = %Q",
                                s->table, period, s->source, period);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

int rollup_forget(sqlite3 *db, const char *source, const char *period, hr_error *err)
{
    const rollup_spec *s = rollup_find(source);
    return s ? forget(db, s, period, err) : HR_OK;
}

/* ---- the accumulator: open addressing over the group values ---- */

typedef struct acc_entry {
    uint64_t hash;
    size_t key_off, key_len; /* into keys: per group value a NULL flag, length, bytes */
    int64_t rows;
    int64_t sum[ROLLUP_MAX_SUM], n[ROLLUP_MAX_SUM];
} acc_entry;

struct rollup_acc {
    const rollup_spec *spec;
    acc_entry *e;
    size_t n, cap;     /* cap: a power of two, kept over twice n */
    int *slot;         /* cap slots: entry index + 1, 0 empty */
    strbuf keys, probe;
    int overflow;      /* a sum passed 64 bits: nothing is stored */
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

void rollup_acc_add(rollup_acc *a, const char *const *group, const size_t *group_len,
                    const int64_t *sum, const unsigned char *present)
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
    e->rows++;
    for (int i = 0; i < a->spec->nsum; i++)
        if (present[i]) {
            if (__builtin_add_overflow(e->sum[i], sum[i], &e->sum[i]))
                a->overflow = 1;
            e->n[i]++;
        }
}

int rollup_acc_store(rollup_acc *a, sqlite3 *db, const char *period, hr_error *err)
{
    const rollup_spec *s = a->spec;
    if (forget(db, s, period, err))
        return err->code;
    if (a->overflow)
        return HR_OK; /* no mark: rolled up from the rows once validate has
                       * quarantined the amounts beyond belief */
    strbuf sql = STRBUF_INIT;
    sb_addf(&sql, "INSERT INTO \"%s\" (", s->table);
    column_list(&sql, s);
    sb_addstr(&sql, ") VALUES (?");
    for (int i = 0; i < s->ngroup + 1 + 2 * s->nsum; i++)
        sb_addstr(&sql, ", ?");
    sb_addch(&sql, ')');
    sqlite3_stmt *st = db_prepare(db, sql.buf, err);
    sb_release(&sql);
    if (!st)
        return err->code;
    int rc = HR_OK;
    for (size_t i = 0; i < a->n && !rc; i++) {
        const acc_entry *e = &a->e[i];
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
        for (int k = 0; k < s->nsum; k++) {
            sqlite3_bind_int64(st, col++, e->sum[k]);
            sqlite3_bind_int64(st, col++, e->n[k]);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, s->table, err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc ? rc : mark(db, s, period, "ingest", err);
}

/* ---- subtracting a row, rolling up from the rows ---- */

int rollup_remove_row(sqlite3 *db, const char *source, sqlite3_int64 rowid, hr_error *err)
{
    const rollup_spec *s = rollup_find(source);
    if (!s)
        return HR_OK;
    strbuf sql = STRBUF_INIT;
    sb_addf(&sql, "UPDATE \"%s\" AS r SET row_count = r.row_count - 1", s->table);
    for (int i = 0; i < s->nsum; i++)
        sb_addf(&sql, ", \"%s\" = r.\"%s\" - coalesce(o.\"%s\", 0), \"%s_n\" = r.\"%s_n\" - "
                      "(o.\"%s\" IS NOT NULL)",
                s->sum[i], s->sum[i], s->sum[i], s->sum[i], s->sum[i], s->sum[i]);
    sb_addf(&sql, " FROM (SELECT * FROM \"%s\" WHERE rowid = ?1) AS o WHERE r.period = o.period",
            s->source);
    for (int g = 0; g < s->ngroup; g++)
        sb_addf(&sql, " AND r.\"%s\" IS o.\"%s\"", s->group[g], s->group[g]);
    sb_addf(&sql, " RETURNING row_count");
    sqlite3_stmt *st = db_prepare(db, sql.buf, err);
    sb_release(&sql);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, rowid);
    int step = sqlite3_step(st), found = step == SQLITE_ROW;
    int emptied = found && sqlite3_column_int64(st, 0) == 0;
    while (step == SQLITE_ROW)
        step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return db_fail(db, s->table, err);
    if (!found) {
        /* No roll-up row for it: the month has no roll-up (compute builds
         * one), or it is not what it should be -- then it goes, and compute
         * rolls the month up from its rows. */
        char *sql = sqlite3_mprintf(
            "DELETE FROM \"%w\" WHERE period = (SELECT period FROM \"%w\" WHERE rowid = %lld);"
            "DELETE FROM rollup_state WHERE source = %Q AND period = "
            "(SELECT period FROM \"%w\" WHERE rowid = %lld)",
            s->table, s->source, (long long)rowid, s->source, s->source, (long long)rowid);
        int rc = db_exec(db, sql, err);
        sqlite3_free(sql);
        return rc;
    }
    if (!emptied)
        return HR_OK;
    /* A group whose every row went to quarantine has no row at all, as in
     * a GROUP BY over the table. */
    char *del = sqlite3_mprintf("DELETE FROM \"%w\" WHERE row_count = 0", s->table);
    int rc = db_exec(db, del, err);
    sqlite3_free(del);
    return rc;
}

static int rollup_rows(sqlite3 *db, const rollup_spec *s, const char *period, hr_error *err)
{
    if (forget(db, s, period, err))
        return err->code;
    strbuf sql = STRBUF_INIT;
    sb_addf(&sql, "INSERT INTO \"%s\" (", s->table);
    column_list(&sql, s);
    sb_addstr(&sql, ") SELECT period");
    for (int g = 0; g < s->ngroup; g++)
        sb_addf(&sql, ", \"%s\"", s->group[g]);
    sb_addstr(&sql, ", count(*)");
    for (int i = 0; i < s->nsum; i++)
        sb_addf(&sql, ", coalesce(sum(\"%s\"), 0), count(\"%s\")", s->sum[i], s->sum[i]);
    sb_addf(&sql, " FROM \"%s\" WHERE period = ?1 GROUP BY period", s->source);
    for (int g = 0; g < s->ngroup; g++)
        sb_addf(&sql, ", \"%s\"", s->group[g]);
    sqlite3_stmt *st = db_prepare(db, sql.buf, err);
    sb_release(&sql);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE && strstr(sqlite3_errmsg(db), "integer overflow"))
        return hr_error_set(err, HR_EINPUT, NULL, 0, NULL,
                            "%s rows of %s: a sum passes 64 bits (amounts far beyond any real "
                            "one; validate quarantines those beyond money-limit)",
                            s->source, period);
    if (step != SQLITE_DONE)
        return db_fail(db, s->table, err);
    return mark(db, s, period, "rows", err);
}

int rollup_ensure(sqlite3 *db, const char *period, int *rebuilt, hr_error *err)
{
    if (rebuilt)
        *rebuilt = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const rollup_spec *s = &specs[i];
        int64_t marked = 0;
        int q = db_query_int(db, &marked, err,
                             "SELECT 1 FROM rollup_state WHERE source = ? AND period = ?",
                             s->source, period, NULL);
        if (q < 0)
            return err->code;
        if (q == 1)
            continue;
        if (rollup_rows(db, s, period, err))
            return err->code;
        if (rebuilt)
            *rebuilt = 1;
    }
    return HR_OK;
}
