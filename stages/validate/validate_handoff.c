/*
 * validate_handoff.c -- validate's judgement of a file's rows made while
 * ingest loads them, and taken by validate instead of reading every row
 * back (half a second of a month of half a million visits).
 *
 * Ingest shows each stored row to a rowtap (pipeline/core/rowtap.h) that
 * the program hands it: this file's. For each file, the tap runs the very
 * pass validate runs over the table (validate.c's vsrc: the row rules in
 * C, the key check, the counts of validate_pass.c) on the rows as ingest
 * inserted them, with the reference data of that moment, and stores what
 * it found -- the hits as validate would record them, the counts, the
 * rowids and a fingerprint of everything the judgement depends on besides
 * the rows (vsrc_fingerprint) -- in validate_handoff (027), inside the
 * file's load transaction. Validate still owns every decision: it runs
 * its own code, rules and reference data; ingest only shows rows.
 *
 * Validate takes a hand-off (vhandoff_take) only when the file is the
 * month's current one, the month's rows are exactly the rowids the tap
 * saw, and the fingerprint computed now is the same (the same rules as
 * compiled, reference months and dictionaries, rules that run); else it
 * reads the rows as before. Either way the month's hand-offs are deleted
 * in its transaction: a month validated once is read again the next time.
 * The tap stands aside (validate reads the rows) when a rule has no C form
 * (it would need SQL per row), when a column a rule reads is not shown,
 * when the rowids are not one range, and for budget (replaced by year
 * across folders). HOSPREPORT_VALIDATE_SQL=1 or HOSPREPORT_VALIDATE_SCAN=1
 * ignore hand-offs (make bench's baselines; the tests that compare).
 *
 * Reads (in ingest's transaction): the rules file, the reference data.
 * Writes: validate_handoff, validate_handoff_hit; temp tables of ingest's
 * connection.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/log.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/rowtap.h"
#include "pipeline/core/xalloc.h"
#include "stages/validate/validate.h"
#include "stages/validate/validate_int.h"

/* Hand-offs ignored: the rows are read as before. */
static int handoff_off(void)
{
    const char *a = getenv("HOSPREPORT_VALIDATE_SQL"), *b = getenv("HOSPREPORT_VALIDATE_SCAN");
    return (a && *a && strcmp(a, "0") != 0) || (b && *b && strcmp(b, "0") != 0);
}

typedef struct vtap {
    rowtap tap;
    char *rules;  /* NULL: config/rules/validation.xml */
    vconfig conf;
    int loaded;   /* 1 loaded, -1 failed (no hand-offs), 0 not yet */
} vtap;

typedef struct vtap_file {
    vtap *t;
    sqlite3 *db;
    char *source, *period;
    int64_t file_id, first, last, rows;
    vref ref;
    vsrc *S;
    int *map; /* the pass's column i is the tap's column map[i] */
    int broken; /* the rows could not be followed: store nothing */
} vtap_file;

static void tap_drop(void *file)
{
    vtap_file *f = file;
    if (!f)
        return;
    vsrc_free(f->S);
    free(f->map), free(f->source), free(f->period);
    free(f);
}

static void *tap_begin(void *ctx, sqlite3 *db, const char *table, const char *period,
                       int64_t file_id, const char *const *columns, int ncolumns,
                       int64_t rows)
{
    vtap *t = ctx;
    if (handoff_off() || strcmp(table, "budget") == 0)
        return NULL;
    hr_error err;
    hr_error_clear(&err);
    if (!t->loaded) {
        char rules[4096];
        const char *path = t->rules;
        if (!path)
            path = paths_data_file("config/rules/validation.xml", rules, sizeof rules);
        t->loaded = vconfig_load(db, path, &t->conf, &err) ? -1 : 1;
    }
    if (t->loaded < 0 || vhit_prepare(db, &err))
        return NULL;
    vtap_file *f = xcalloc(1, sizeof *f);
    f->t = t, f->db = db, f->file_id = file_id;
    f->source = xstrdup(table), f->period = xstrdup(period);
    vref_init(db, f->period, 0, &f->ref);
    if (vsrc_open(db, &t->conf, f->source, &f->ref, rows, &f->S, &err) || !f->S ||
        !vscan_all_c(vsrc_scan(f->S))) {
        tap_drop(f);
        return NULL;
    }
    vscan *v = vsrc_scan(f->S);
    int n = vscan_ncols(v);
    f->map = xcalloc((size_t)n + 1, sizeof *f->map);
    for (int i = 0; i < n; i++) {
        f->map[i] = -1;
        for (int j = 0; j < ncolumns && f->map[i] < 0; j++)
            if (strcmp(vscan_col(v, i), columns[j]) == 0)
                f->map[i] = j;
        if (f->map[i] < 0) { /* a column ingest does not show */
            tap_drop(f);
            return NULL;
        }
    }
    vscan_cells(v);
    f->first = 0, f->last = -1;
    return f;
}

static int tap_row(void *file, int64_t rowid, const rowtap_cell *cells, hr_error *err)
{
    vtap_file *f = file;
    if (f->broken)
        return HR_OK;
    if (f->rows && rowid != f->last + 1) {
        f->broken = 1; /* not one range of rowids: validate reads the rows */
        return HR_OK;
    }
    if (!f->rows)
        f->first = rowid;
    f->last = rowid;
    f->rows++;
    vscan *v = vsrc_scan(f->S);
    vval *c = vscan_cells(v);
    int n = vscan_ncols(v);
    for (int i = 0; i < n; i++)
        c[i] = cells[f->map[i]];
    return vsrc_row(f->S, rowid, err);
}

static int store(vtap_file *f, hr_error *err)
{
    int rc = vsrc_finish(f->S, err);
    char id[32], first[32], last[32], rows[32];
    snprintf(id, sizeof id, "%lld", (long long)f->file_id);
    snprintf(first, sizeof first, "%lld", (long long)f->first);
    snprintf(last, sizeof last, "%lld", (long long)f->last);
    snprintf(rows, sizeof rows, "%lld", (long long)f->rows);
    if (!rc)
        rc = db_exec_args(f->db, err,
                          "DELETE FROM validate_handoff_hit WHERE file_id IN (SELECT file_id FROM "
                          "validate_handoff WHERE source = ?1 AND period = ?2) OR file_id = ?3",
                          f->source, f->period, id, NULL);
    if (!rc)
        rc = db_exec_args(f->db, err,
                          "DELETE FROM validate_handoff WHERE (source = ?1 AND period = ?2) OR "
                          "file_id = ?3",
                          f->source, f->period, id, NULL);
    if (!rc)
        rc = db_exec_args(f->db, err,
                          "INSERT INTO validate_handoff_hit (file_id, rid, ord, field, rule, "
                          "severity, message, message_zh) SELECT ?1, rid, ord, field, rule, "
                          "severity, message, message_zh FROM temp.validate_hit WHERE source = ?2",
                          id, f->source, NULL);
    if (!rc)
        rc = db_exec(f->db, "DELETE FROM temp.validate_hit", err);
    vpass *p = rc ? NULL : vsrc_take_pass(f->S);
    strbuf blob = STRBUF_INIT;
    if (p)
        vpass_dump(p, &blob);
    vpass_free(p);
    sqlite3_stmt *st = rc ? NULL
                          : db_prepare(f->db,
                                       "INSERT INTO validate_handoff (file_id, source, period, "
                                       "fingerprint, first_rowid, last_rowid, rows, pass) VALUES "
                                       "(?, ?, ?, ?, ?, ?, ?, ?)",
                                       err);
    if (!rc && !st)
        rc = err->code;
    if (st) {
        sqlite3_bind_int64(st, 1, f->file_id);
        sqlite3_bind_text(st, 2, f->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, f->period, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, vsrc_fingerprint(f->S), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, f->first);
        sqlite3_bind_int64(st, 6, f->last);
        sqlite3_bind_int64(st, 7, f->rows);
        if (p)
            sqlite3_bind_blob(st, 8, blob.buf ? blob.buf : "", (int)blob.len, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(f->db, "storing validate's hand-off", err);
        sqlite3_finalize(st);
    }
    sb_release(&blob);
    return rc;
}

/* What the tap found goes in whole or not at all: a failure here leaves
 * no hand-off (validate then reads the rows), never a failed load. */
static int tap_end(void *file, hr_error *err)
{
    vtap_file *f = file;
    (void)err;
    if (f->broken || f->rows == 0)
        return HR_OK;
    hr_error e;
    hr_error_clear(&e);
    if (db_exec(f->db, "SAVEPOINT validate_handoff", &e))
        return HR_OK;
    if (store(f, &e))
        db_exec(f->db, "ROLLBACK TO validate_handoff", NULL);
    db_exec(f->db, "RELEASE validate_handoff", NULL);
    return HR_OK;
}

rowtap *validate_tap_new(const char *rules)
{
    vtap *t = xcalloc(1, sizeof *t);
    t->rules = rules ? xstrdup(rules) : NULL;
    t->tap.ctx = t;
    t->tap.begin = tap_begin;
    t->tap.row = tap_row;
    t->tap.end = tap_end;
    t->tap.drop = tap_drop;
    return &t->tap;
}

void validate_tap_free(rowtap *tap)
{
    if (!tap)
        return;
    vtap *t = tap->ctx;
    if (t->loaded > 0)
        vconfig_free(&t->conf);
    free(t->rules);
    free(t);
}

int vhandoff_take(sqlite3 *db, vsrc *S, const int64_t range[2], int *taken, hr_error *err)
{
    *taken = 0;
    const char *source = vsrc_source(S), *period = vsrc_period(S);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT h.file_id, h.fingerprint, h.first_rowid, h.last_rowid, "
                                  "h.rows, h.pass, (SELECT max(f.file_id) FROM source_file f "
                                  "WHERE f.source = h.source AND f.period = h.period AND "
                                  "f.current = 1) FROM validate_handoff h WHERE h.source = ? AND "
                                  "h.period = ?",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    int rc = HR_OK, n = 0;
    int64_t file_id = 0, rows = 0;
    unsigned char *blob = NULL;
    size_t blob_n = 0;
    while (!handoff_off() && sqlite3_step(st) == SQLITE_ROW) {
        if (n++) { /* more than one: none is taken */
            *taken = 0;
            break;
        }
        file_id = sqlite3_column_int64(st, 0);
        rows = sqlite3_column_int64(st, 4);
        const char *fp = (const char *)sqlite3_column_text(st, 1);
        if (!fp || strcmp(fp, vsrc_fingerprint(S)) != 0 ||
            sqlite3_column_int64(st, 2) != range[0] || sqlite3_column_int64(st, 3) != range[1] ||
            sqlite3_column_type(st, 6) != SQLITE_INTEGER ||
            sqlite3_column_int64(st, 6) != file_id)
            continue;
        free(blob);
        blob_n = (size_t)sqlite3_column_bytes(st, 5);
        blob = sqlite3_column_type(st, 5) == SQLITE_BLOB ? xmalloc(blob_n + 1) : NULL;
        if (blob)
            memcpy(blob, sqlite3_column_blob(st, 5), blob_n);
        *taken = 1;
    }
    sqlite3_finalize(st);
    if (*taken) { /* every row of the month is one of the file's, as loaded */
        char *q = sqlite3_mprintf("SELECT count(*) FROM \"%w\" WHERE period = ?", source);
        int64_t count = -1;
        db_query_int(db, &count, NULL, q, period, NULL);
        sqlite3_free(q);
        *taken = count == rows && range[1] - range[0] + 1 == rows;
    }
    /* the counts: a new pass, loaded (S's stays as it is if not) */
    if (*taken && vsrc_has_pass(S) && (!blob || vsrc_load_pass(S, blob, blob_n) != 0))
        *taken = 0;
    free(blob);
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)file_id);
    if (*taken)
        rc = db_exec_args(db, err,
                          "INSERT INTO temp.validate_hit (source, rid, ord, field, rule, severity, "
                          "message, message_zh) SELECT ?1, rid, ord, field, rule, severity, "
                          "message, message_zh FROM validate_handoff_hit WHERE file_id = ?2",
                          source, id, NULL);
    if (!rc && *taken)
        vsrc_set_rows(S, file_id, rows);
    log_debug("validate %s: %s: %s", period, source,
              *taken ? "judged while ingest loaded it (its hand-off)" : "rows read");
    if (!rc)
        rc = db_exec_args(db, err,
                          "DELETE FROM validate_handoff_hit WHERE file_id IN (SELECT file_id FROM "
                          "validate_handoff WHERE source = ?1 AND period = ?2)",
                          source, period, NULL);
    if (!rc)
        rc = db_exec_args(db, err,
                          "DELETE FROM validate_handoff WHERE source = ?1 AND period = ?2",
                          source, period, NULL);
    return rc;
}
