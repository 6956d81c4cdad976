/*
 * validate_keys.c -- the key rules (<key fields="..."/>): within a period,
 * the first row with a key value (by file_id, line_no) stays and every
 * later one is an error (or warning) hit naming the first one's line.
 *
 * A sort of the month's keys (GROUP BY or a window in SQL) holds them all
 * in memory: 115 MB for a month of half a million visits, 400 MB at four
 * times that. Here the rules' one pass over the rows (validate.c) hands
 * each row's rowid and key to vkey_add(), which hashes the key to 64 bits
 * and keeps (hash, rowid) -- in memory up to VKEY_PART_ROWS entries, else
 * in partitions by hash, each a temporary file of about VKEY_PART_ROWS
 * entries. vkey_finish() sorts each partition alone (a radix sort by hash,
 * in twice the partition's 4 MiB), and reads again, by rowid, only the rows whose hash occurs twice,
 * to compare their keys exactly (a hash collision is not a duplicate).
 * A key with a NULL part is never a duplicate (as SQL's IN would have it).
 *
 * Reads: the source table (rows by rowid). Writes: temp.validate_hit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/validate/validate_int.h"

/* Entries per partition: 16 bytes each, so a partition sorts in 4 MiB. */
#define VKEY_PART_ROWS (1 << 18)

typedef struct kentry {
    uint64_t hash;
    int64_t rowid;
} kentry;

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ s[i]) * 1099511628211ull;
}

/* The key of a row (its n values, vals[0..n-1]) in a canonical form:
 * equal bytes exactly when SQL calls the values equal (1 = 1.0). Appends
 * to `out` when not NULL, hashes into *h. Returns 0 when a part is NULL
 * (no key). */
static int key_form(const vval *const *vals, int n, uint64_t *h, strbuf *out)
{
    *h = 1469598103934665603ull;
    for (int c = 0; c < n; c++) {
        const vval *x = vals[c];
        unsigned char tag;
        int64_t i;
        double d;
        const void *bytes = NULL;
        uint32_t len = 0;
        switch (x->type) {
        case SQLITE_NULL: return 0;
        case SQLITE_INTEGER: tag = 'i', i = x->i, bytes = &i, len = sizeof i; break;
        case SQLITE_FLOAT:
            d = x->d;
            if (d == (double)(int64_t)d && d > -9.2e18 && d < 9.2e18)
                tag = 'i', i = (int64_t)d, bytes = &i, len = sizeof i;
            else
                tag = 'r', bytes = &d, len = sizeof d;
            break;
        case SQLITE_TEXT: tag = 't', bytes = x->s, len = (uint32_t)x->n; break;
        default: tag = 'b', bytes = x->s, len = (uint32_t)x->n; break;
        }
        fnv(h, &tag, 1);
        fnv(h, &len, sizeof len);
        if (len)
            fnv(h, bytes, len);
        if (out) {
            sb_addch(out, (char)tag);
            sb_add(out, &len, sizeof len);
            if (len)
                sb_add(out, bytes, len);
        }
    }
    return 1;
}

/* One row whose key hash is shared: its exact key and place. */
typedef struct kcand {
    int64_t rowid, file_id, line_no;
    size_t key_off, key_len;
    char *shown; /* the key's values as the message shows them */
} kcand;

typedef struct kctx {
    sqlite3 *db;
    const vrule *r;
    int ord;
    sqlite3_stmt *fetch, *hit;
    const char *fmt_zh; /* the message's format in Chinese (SQLite printf) */
    strbuf keys;
    kcand *c;
    size_t nc, capc;
} kctx;

/* qsort_r order: by exact key (arg: the key bytes), then file and line. */
static int by_key_then_line(const void *a, const void *b, void *arg)
{
    const char *kctx_keys = arg;
    const kcand *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int k = memcmp(kctx_keys + x->key_off, kctx_keys + y->key_off, n);
    if (k || x->key_len != y->key_len)
        return k ? k : (x->key_len < y->key_len ? -1 : 1);
    if (x->file_id != y->file_id)
        return x->file_id < y->file_id ? -1 : 1;
    return (x->line_no > y->line_no) - (x->line_no < y->line_no);
}

static int add_hit(kctx *k, const kcand *row, const kcand *first, hr_error *err)
{
    const char *fmt = N_("duplicate %s (%s): first at line %lld");
    char *msg = sqlite3_mprintf(fmt, k->r->key_shown, row->shown, (long long)first->line_no);
    char *msg_zh = sqlite3_mprintf(k->fmt_zh, k->r->key_shown, row->shown,
                                   (long long)first->line_no);
    sqlite3_stmt *h = k->hit;
    sqlite3_bind_int64(h, 2, row->rowid);
    sqlite3_bind_text(h, 6, msg, -1, SQLITE_STATIC);
    sqlite3_bind_text(h, 7, msg_zh, -1, SQLITE_STATIC);
    int step = sqlite3_step(h);
    sqlite3_reset(h);
    sqlite3_free(msg);
    sqlite3_free(msg_zh);
    return step == SQLITE_DONE ? HR_OK : db_fail(k->db, "recording a duplicate key", err);
}

/* A run of rows sharing a hash: read their keys again, compare exactly. */
static int check_run(kctx *k, const kentry *e, size_t n, hr_error *err)
{
    k->nc = 0;
    sb_reset(&k->keys);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *f = k->fetch;
        sqlite3_bind_int64(f, 1, e[i].rowid);
        int step = sqlite3_step(f);
        uint64_t h;
        if (step == SQLITE_ROW) {
            if (k->nc == k->capc) {
                k->capc = k->capc ? 2 * k->capc : 16;
                k->c = xrealloc(k->c, k->capc * sizeof *k->c);
            }
            kcand *c = &k->c[k->nc];
            c->rowid = e[i].rowid;
            c->file_id = sqlite3_column_int64(f, 0);
            c->line_no = sqlite3_column_int64(f, 1);
            c->key_off = k->keys.len;
            vval vals[16];
            const vval *pv[16];
            int nk = k->r->nkey < 16 ? k->r->nkey : 16;
            if (vval_fill(f, 2, nk, vals))
                return hr_error_set(err, HR_EFAIL, NULL, 0, k->r->field, "out of memory");
            for (int j = 0; j < nk; j++)
                pv[j] = &vals[j];
            if (key_form(pv, nk, &h, &k->keys)) {
                c->key_len = k->keys.len - c->key_off;
                strbuf shown = STRBUF_INIT;
                for (int j = 0; j < k->r->nkey; j++) {
                    const char *v = (const char *)sqlite3_column_text(f, 2 + j);
                    if (strcmp(sqlite3_column_name(f, 2 + j), "patient_key") == 0)
                        v = VQUARANTINE_MASK; /* never shown */
                    sb_addf(&shown, "%s%s", j ? ", " : "", v ? v : "");
                }
                c->shown = sb_detach(&shown, NULL);
                k->nc++;
            }
        }
        sqlite3_reset(f);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return db_fail(k->db, "reading a key", err);
    }
    qsort_r(k->c, k->nc, sizeof *k->c, by_key_then_line, k->keys.buf);
    int rc = HR_OK;
    for (size_t i = 0, j; i < k->nc; i = j) {
        for (j = i + 1; j < k->nc && k->c[j].key_len == k->c[i].key_len &&
                        memcmp(k->keys.buf + k->c[j].key_off, k->keys.buf + k->c[i].key_off,
                               k->c[i].key_len) == 0;
             j++)
            if (!rc)
                rc = add_hit(k, &k->c[j], &k->c[i], err);
    }
    for (size_t i = 0; i < k->nc; i++)
        free(k->c[i].shown);
    return rc;
}

/* Sorts e by hash: four stable passes of 16 bits (a tenth of qsort's
 * time for a partition); entries of one hash stay in the order they came,
 * the rows' order in the pass. */
static void sort_by_hash(kentry *e, size_t n)
{
    kentry *tmp = xrealloc(NULL, (n ? n : 1) * sizeof *tmp);
    size_t *count = xrealloc(NULL, 65536 * sizeof *count);
    kentry *from = e, *to = tmp;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(from[i].hash >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[(from[i].hash >> shift) & 0xffff]++] = from[i];
        kentry *t = from;
        from = to, to = t;
    }
    /* four passes: the sorted entries are back in e */
    free(count);
    free(tmp);
}

/* Sorts one partition and checks every hash seen more than once. */
static int check_partition(kctx *k, kentry *e, size_t n, hr_error *err)
{
    sort_by_hash(e, n);
    int rc = HR_OK;
    for (size_t i = 0, j; i < n && !rc; i = j) {
        for (j = i + 1; j < n && e[j].hash == e[i].hash; j++)
            ;
        if (j - i > 1)
            rc = check_run(k, e + i, j - i, err);
    }
    return rc;
}

struct vkey {
    kctx k;
    int at[16]; /* the key's columns in the pass's row (vkey_bind) */
    int nparts;
    FILE **part;
    size_t *count;
    kentry *mem;
    size_t memcap, nmem;
};

static int prepare(kctx *k, hr_error *err)
{
    char *sql = sqlite3_mprintf("SELECT file_id, line_no, %s FROM \"%w\" WHERE rowid = ?",
                                k->r->key_cols, k->r->source);
    k->fetch = db_prepare(k->db, sql, err);
    sqlite3_free(sql);
    k->hit = k->fetch ? db_prepare(k->db,
                                   "INSERT INTO temp.validate_hit (source, rid, ord, field, rule, "
                                   "severity, message, message_zh) "
                                   "VALUES (?1, ?2, ?3, ?4, 'key', ?5, ?6, ?7)",
                                   err)
                      : NULL;
    if (!k->hit)
        return err->code;
    k->fmt_zh = msg_tr_lang(1, "duplicate %s (%s): first at line %lld");
    sqlite3_bind_text(k->hit, 1, k->r->source, -1, SQLITE_STATIC);
    sqlite3_bind_int(k->hit, 3, k->ord);
    sqlite3_bind_text(k->hit, 4, k->r->field, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->hit, 5, k->r->is_warning ? "warning" : "error", -1, SQLITE_STATIC);
    return HR_OK;
}

void vkey_free(vkey *v)
{
    if (!v)
        return;
    for (int p = 0; p < v->nparts; p++)
        if (v->part[p])
            fclose(v->part[p]);
    free(v->part);
    free(v->count);
    free(v->mem);
    free(v->k.c);
    sb_release(&v->k.keys);
    sqlite3_finalize(v->k.fetch);
    sqlite3_finalize(v->k.hit);
    free(v);
}

vkey *vkey_begin(sqlite3 *db, const vrule *r, int ord, long long rows, hr_error *err)
{
    vkey *v = xrealloc(NULL, sizeof *v);
    memset(v, 0, sizeof *v);
    v->k.db = db, v->k.r = r, v->k.ord = ord;
    sb_init(&v->k.keys);
    /* One partition in memory when the rows fit; else files of about
     * VKEY_PART_ROWS entries each (the hash spreads them evenly). */
    v->nparts = rows > VKEY_PART_ROWS ? (int)(rows / VKEY_PART_ROWS) + 1 : 1;
    v->part = xrealloc(NULL, (size_t)v->nparts * sizeof *v->part);
    v->count = xrealloc(NULL, (size_t)v->nparts * sizeof *v->count);
    memset(v->part, 0, (size_t)v->nparts * sizeof *v->part);
    memset(v->count, 0, (size_t)v->nparts * sizeof *v->count);
    int rc = prepare(&v->k, err);
    for (int p = 0; !rc && v->nparts > 1 && p < v->nparts; p++)
        if (!(v->part[p] = tmpfile()))
            rc = hr_error_set(err, HR_EFAIL, NULL, 0, r->field,
                              "cannot make a temporary file for the key check");
    if (rc) {
        vkey_free(v);
        return NULL;
    }
    return v;
}

void vkey_bind(vkey *v, vscan *s)
{
    /* key_cols: "a, b" */
    char *copy = xstrdup(v->k.r->key_cols), *save = NULL;
    int n = 0;
    for (char *t = strtok_r(copy, ", ", &save); t && n < 16; t = strtok_r(NULL, ", ", &save))
        v->at[n++] = vscan_column(s, t);
    free(copy);
}

int vkey_add(vkey *v, int64_t rowid, const vval *row, hr_error *err)
{
    kentry e;
    const vval *vals[16];
    int nk = v->k.r->nkey < 16 ? v->k.r->nkey : 16;
    for (int j = 0; j < nk; j++)
        vals[j] = &row[v->at[j]];
    if (!key_form(vals, nk, &e.hash, NULL))
        return HR_OK;
    e.rowid = rowid;
    if (v->nparts == 1) {
        if (v->nmem == v->memcap) {
            v->memcap = v->memcap ? 2 * v->memcap : 1024;
            v->mem = xrealloc(v->mem, v->memcap * sizeof *v->mem);
        }
        v->mem[v->nmem++] = e;
        return HR_OK;
    }
    int p = (int)(e.hash % (uint64_t)v->nparts);
    if (fwrite(&e, sizeof e, 1, v->part[p]) != 1)
        return hr_error_set(err, HR_EFAIL, NULL, 0, v->k.r->field,
                            "cannot write a temporary file for the key check");
    v->count[p]++;
    return HR_OK;
}

int vkey_finish(vkey *v, hr_error *err)
{
    kctx *k = &v->k;
    int rc = HR_OK;
    if (v->nparts == 1)
        rc = check_partition(k, v->mem, v->nmem, err);
    for (int p = 0; !rc && v->nparts > 1 && p < v->nparts; p++) {
        if (v->count[p] > v->memcap) {
            v->memcap = v->count[p];
            v->mem = xrealloc(v->mem, v->memcap * sizeof *v->mem);
        }
        if (fflush(v->part[p]) != 0 || fseek(v->part[p], 0, SEEK_SET) != 0 ||
            fread(v->mem, sizeof *v->mem, v->count[p], v->part[p]) != v->count[p])
            rc = hr_error_set(err, HR_EFAIL, NULL, 0, k->r->field,
                              "cannot read back a temporary file of the key check");
        else
            rc = check_partition(k, v->mem, v->count[p], err);
        fclose(v->part[p]);
        v->part[p] = NULL;
    }
    if (rc)
        hr_error_locate(err, NULL, 0, k->r->field);
    return rc;
}
