/*
 * ingest.c -- the ingest stage (see ingest.h): one month's export folder
 * into the canonical tables, through a source profile.
 *
 * Per file, in one transaction: a manifest row (source_file) is added
 * first to get the file_id the rows carry; the source's earlier rows for
 * the period are deleted; every record is typed field by field (batch.c)
 * and inserted, or sent to quarantine when a required field is empty or a
 * value is not of its type; the manifest row is completed (size, SHA-256
 * hashed while reading, counts, outcome), older entries for (period, source) lose
 * `current`, and period_state.inputs takes the month's new data
 * fingerprint (registry.h), which makes every stage's record of the month
 * stale. Any file-level
 * error rolls all of it back. An identical file (same SHA-256 as the
 * current entry) is recognised before the transaction and changes nothing.
 *
 * Speed: for a big load into a table that holds less than the file brings,
 * the table's indexes are dropped and rebuilt after the load, inside the
 * same transaction (a bulk build is much cheaper than a b-tree insert per
 * row). The file is read once: the byte source hashes as it goes. A CSV
 * file is read, transcoded, parsed and typed on a reader thread into
 * batches (batch.c) while this thread inserts the previous batch, so the
 * two cores share the work; only this thread touches the database. A batch
 * goes in with one step of INSERT ... SELECT from the batch shown as a
 * virtual table (rows_vtab.c): no bind call per value, no step per row.
 */
#include "stages/ingest/ingest.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/tree.h>

#include "pipeline/core/csv.h"
#include "pipeline/core/db.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/registry.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/core/xmlconf.h"
#include "pipeline/core/strbuf.h"
#include "stages/ingest/ingest_int.h"

/* The page cache during a load, in KiB, and the index sorter's worker
 * threads (see load_settings_begin). */
#define INGEST_CACHE_KIB "2048"
#define INGEST_SORT_THREADS "2"

typedef struct loader {
    sqlite3 *db;
    const profile *prof;
    const profile_file *pf;
    const ingest_table *t;
    const char *path, *period;
    sqlite3_int64 file_id;
    /* insert: a batch's typed rows, from ingest_rows showing `rows`. */
    rows_vtab_source rows;
    int rows_registered;
    sqlite3_stmt *insert, *quarantine;
    long long rows_read, rows_loaded, rows_rejected;
    int replacing; /* an earlier version of the file is loaded */
    progress progress;
    int detected_gb18030; /* no encoding declared and the file was not UTF-8 */
    /* the rowtap watching the file's rows (NULL: none, or dropped) */
    const rowtap *tap;
    void *tap_file;
    int tap_ncols;            /* the table's columns, then period, file_id, line_no */
    rowtap_cell *tap_cells;
} loader;

/* ---- inserting typed batches ---- */

static int quarantine_row(loader *ld, const row_batch *b, int i, hr_error *err)
{
    const batch_row *row = &b->rows[i];
    sqlite3_stmt *q = ld->quarantine;
    sqlite3_bind_int64(q, 3, ld->file_id);
    sqlite3_bind_int64(q, 5, row->line);
    sqlite3_bind_text(q, 6, b->text.buf + row->raw_off, (int)row->raw_len, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, ld->t->columns[row->bad_column].field, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, row->bad_rule, -1, SQLITE_STATIC);
    const char *msg = b->text.buf + row->msg_off, *sep = strchr(msg, INGEST_MSG_SEP);
    sqlite3_bind_text(q, 9, msg, sep ? (int)(sep - msg) : -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, sep ? sep + 1 : msg, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return db_fail(ld->db, "quarantine", err);
    ld->rows_rejected++;
    return HR_OK;
}

static void tap_drop(loader *ld)
{
    if (ld->tap_file)
        ld->tap->drop(ld->tap_file);
    ld->tap_file = NULL;
    free(ld->tap_cells);
    ld->tap_cells = NULL;
}

/* The column of each field as the tap sees it stored: a type whose stored
 * value is the typed one (text in TEXT, integers in INTEGER, reals in
 * REAL); 0 when a column's affinity would change a value (no tap). */
static int tap_types_exact(loader *ld)
{
    for (int j = 0; j < ld->t->ncolumns; j++) {
        const ingest_column *c = &ld->t->columns[j];
        const char *want = c->type == IT_MONEY || c->type == IT_INT ? "INTEGER"
                           : c->type == IT_DECIMAL                 ? "REAL"
                                                                   : "TEXT";
        int64_t ok = 0;
        db_query_int(ld->db, &ok, NULL,
                     "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2 AND "
                     "upper(type) = ?3",
                     ld->t->source, c->column, want, NULL);
        if (!ok)
            return 0;
    }
    return 1;
}

/* Begins the tap on the file, if any (rows_hint: at most so many rows). */
static void tap_begin(loader *ld, uint64_t size_bytes)
{
    if (!ld->tap || !tap_types_exact(ld))
        return;
    int n = ld->t->ncolumns;
    const char *cols[INGEST_MAX_COLUMNS + 3];
    for (int j = 0; j < n; j++)
        cols[j] = ld->t->columns[j].column;
    cols[n] = "period", cols[n + 1] = "file_id", cols[n + 2] = "line_no";
    ld->tap_ncols = n + 3;
    ld->tap_file = ld->tap->begin(ld->tap->ctx, ld->db, ld->t->source, ld->period, ld->file_id,
                                  cols, n + 3, (int64_t)(size_bytes / 16) + 1024);
    if (ld->tap_file)
        ld->tap_cells = xcalloc((size_t)n + 3, sizeof *ld->tap_cells);
}

/* The batch's typed rows, just inserted as rowids last - n + 1 .. last,
 * to the tap. */
static void tap_batch(loader *ld, const row_batch *b)
{
    int n = 0, ncol = ld->t->ncolumns;
    for (int i = 0; i < b->nrows; i++)
        n += b->rows[i].bad_column < 0;
    if (!n)
        return;
    if (sqlite3_changes(ld->db) != n) { /* not the rows we think: stop watching */
        tap_drop(ld);
        return;
    }
    int64_t rowid = sqlite3_last_insert_rowid(ld->db) - n + 1;
    rowtap_cell *c = ld->tap_cells;
    c[ncol] = (rowtap_cell){SQLITE_TEXT, 0, 0, (const unsigned char *)ld->period,
                            strlen(ld->period)};
    c[ncol + 1] = (rowtap_cell){SQLITE_INTEGER, ld->file_id, 0, NULL, 0};
    for (int i = 0, k = 0; i < b->nrows; i++) {
        if (b->rows[i].bad_column >= 0)
            continue;
        const typed_value *v = &b->values[(size_t)i * (size_t)ncol];
        for (int j = 0; j < ncol; j++) {
            rowtap_cell *x = &c[j];
            memset(x, 0, sizeof *x);
            switch (v[j].kind) {
            case TV_NULL: x->type = SQLITE_NULL; break;
            case TV_INT: x->type = SQLITE_INTEGER, x->i = v[j].u.i; break;
            case TV_REAL: x->type = SQLITE_FLOAT, x->d = v[j].u.d; break;
            case TV_TEXT:
                x->type = SQLITE_TEXT;
                x->s = (const unsigned char *)b->text.buf + v[j].u.off;
                x->n = (size_t)v[j].len;
                break;
            }
            if (!x->s)
                x->s = (const unsigned char *)"";
        }
        c[ncol + 2] = (rowtap_cell){SQLITE_INTEGER, b->rows[i].line, 0, NULL, 0};
        hr_error e;
        hr_error_clear(&e);
        if (ld->tap->row(ld->tap_file, rowid + k++, c, &e) != 0) {
            tap_drop(ld);
            return;
        }
    }
}

/* Inserts a batch: its typed rows with one step (in file order), its
 * rejected ones into quarantine. */
static int insert_batch(loader *ld, const row_batch *b, hr_error *err)
{
    int rc = HR_OK;
    for (int i = 0; i < b->nrows && rc == HR_OK; i++)
        if (b->rows[i].bad_column >= 0)
            rc = quarantine_row(ld, b, i, err);
    if (rc != HR_OK)
        return rc;
    ld->rows.batch = b;
    int step = sqlite3_step(ld->insert);
    sqlite3_reset(ld->insert);
    ld->rows.batch = NULL;
    if (step != SQLITE_DONE)
        return db_fail(ld->db, ld->t->source, err);
    if (ld->tap_file)
        tap_batch(ld, b);
    ld->rows_read += b->nrows;
    ld->rows_loaded = ld->rows_read - ld->rows_rejected;
    progress_update(&ld->progress, (unsigned long long)ld->rows_read);
    return HR_OK;
}

/* Takes the pipe's batches until the last one or the first error. */
static int insert_all(loader *ld, row_pipe *pipe, hr_error *err)
{
    row_batch *b;
    int rc = HR_OK;
    while (rc == HR_OK && (b = row_pipe_next(pipe)) != NULL) {
        if (b->last && b->rc != HR_OK) { /* the file is rejected: no use inserting */
            if (err)
                *err = b->err;
            rc = b->rc;
        } else {
            rc = insert_batch(ld, b, err);
        }
        row_pipe_done(pipe, b);
    }
    return rc;
}

/* ---- reading the file ---- */

/* The index of the column headed `header` at or after `from`, or -1. */
static int header_index(const csv_reader *csv, const char *header, size_t from)
{
    const csv_field *f = csv_fields(csv);
    size_t hl = strlen(header);
    for (size_t i = from; i < csv_count(csv); i++) {
        const char *s = f[i].data;
        size_t n = f[i].len;
        while (n && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n == hl && memcmp(s, header, n) == 0)
            return (int)i;
    }
    return -1;
}

/* A CSV file as a row source: the reader and each column's field index. */
typedef struct csv_source {
    csv_reader *csv;
    const ingest_table *t;
    int index[INGEST_MAX_COLUMNS];
} csv_source;

/* Reads the header row and finds each mapped field's column. */
static int read_header(loader *ld, csv_source *src, hr_error *err)
{
    csv_reader *csv = src->csv;
    int rc = csv_next(csv, err);
    if (rc < 0)
        return err->code;
    if (rc == 0)
        return hr_error_set(err, HR_EINPUT, ld->path, 1, NULL,
                            "empty file (expected a header row, profile %s)", ld->prof->name);
    for (int c = 0; c < ld->t->ncolumns; c++) {
        int fi = ld->pf->field_of_column[c];
        src->index[c] = fi < 0 ? -1 : header_index(csv, ld->pf->fields[fi].header, 0);
        int again = src->index[c] < 0 ? -1
                                      : header_index(csv, ld->pf->fields[fi].header,
                                                     (size_t)src->index[c] + 1);
        if (again >= 0)
            return hr_error_set(err, HR_EINPUT, ld->path, csv_line(csv),
                                ld->pf->fields[fi].header,
                                "the header names '%s' twice, columns %d and %d (which one "
                                "holds %s?): rename or remove one",
                                ld->pf->fields[fi].header, src->index[c] + 1, again + 1,
                                ld->t->columns[c].field);
        if (fi >= 0 && src->index[c] < 0 && !ld->t->columns[c].optional)
            return hr_error_set(err, HR_EINPUT, ld->path, csv_line(csv),
                                ld->pf->fields[fi].header,
                                "missing required column '%s' (field %s of profile %s)",
                                ld->pf->fields[fi].header, ld->t->columns[c].field,
                                ld->prof->name);
    }
    csv_expect_fields(csv, csv_count(csv));
    csv_name_columns(csv);
    return HR_OK;
}

/* row_source_fn over a CSV file (runs on the pipe's reader thread). */
static int csv_source_next(void *ctx, ingest_row *row, hr_error *err)
{
    csv_source *src = ctx;
    int more = csv_next(src->csv, err);
    if (more <= 0)
        return more;
    const csv_field *f = csv_fields(src->csv);
    for (int c = 0; c < src->t->ncolumns; c++)
        if (src->index[c] >= 0)
            row->value[c] = f[src->index[c]].data, row->len[c] = f[src->index[c]].len;
    row->raw = csv_raw(src->csv, &row->raw_len);
    row->line = csv_line(src->csv);
    return 1;
}

static int load_csv(loader *ld, ingest_input *in, hr_error *err)
{
    csv_source src = {0};
    src.csv = csv_open_source(ingest_input_read, in, ld->path, ld->pf->delimiter, err);
    csv_set_limits(src.csv, ld->pf->max_field, ld->pf->max_line);
    src.t = ld->t;
    int rc = read_header(ld, &src, err);
    if (rc == HR_OK) {
        row_pipe *pipe = row_pipe_start(ld->pf, csv_source_next, &src, 1, NULL, NULL);
        rc = insert_all(ld, pipe, err);
        row_pipe_stop(pipe);
    }
    csv_close(src.csv);
    return rc;
}

static int xml_source_row(void *ctx, ingest_row *row, hr_error *err)
{
    return xml_source_next(ctx, row, err);
}

static int load_xml(loader *ld, ingest_input *in, hr_error *err)
{
    xml_source *x = xml_source_open(in, ld->path, ld->pf, err);
    if (!x)
        return err->code;
    row_pipe *pipe = row_pipe_start(ld->pf, xml_source_row, x, 0, NULL, NULL);
    int rc = insert_all(ld, pipe, err);
    row_pipe_stop(pipe);
    xml_source_close(x);
    return rc;
}

/* ---- statements ---- */

/* INSERT INTO t (period, columns..., file_id, line_no) SELECT from the
 * batch shown by ingest_rows; ?1 is the period, ?2 the file_id. */
static sqlite3_stmt *prepare_insert(loader *ld, hr_error *err)
{
    ld->rows.ncolumns = ld->t->ncolumns;
    if (rows_vtab_register(ld->db, &ld->rows) != SQLITE_OK) {
        db_fail(ld->db, "registering ingest_rows", err);
        return NULL;
    }
    ld->rows_registered = 1;
    strbuf sql = STRBUF_INIT;
    sb_addf(&sql, "INSERT INTO %s (period", ld->t->source);
    for (int c = 0; c < ld->t->ncolumns; c++)
        sb_addf(&sql, ", %s", ld->t->columns[c].column);
    sb_addstr(&sql, ", file_id, line_no) SELECT ?1");
    for (int c = 0; c < ld->t->ncolumns; c++)
        sb_addf(&sql, ", c%d", c);
    sb_addstr(&sql, ", ?2, line FROM ingest_rows");
    sqlite3_stmt *st = db_prepare(ld->db, sql.buf, err);
    sb_release(&sql);
    if (st) {
        sqlite3_bind_text(st, 1, ld->period, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ld->file_id);
    }
    return st;
}

static int prepare(loader *ld, hr_error *err)
{
    ld->insert = prepare_insert(ld, err);
    ld->quarantine = db_prepare(ld->db,
                                "INSERT INTO quarantine (period, source, file_id, path, line_no, "
                                "raw, field, rule, message, message_zh, stage) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ingest')",
                                err);
    if (!ld->insert || !ld->quarantine)
        return HR_EFAIL;
    sqlite3_bind_text(ld->quarantine, 1, ld->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(ld->quarantine, 2, ld->t->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(ld->quarantine, 4, ld->path, -1, SQLITE_STATIC);
    return HR_OK;
}

/* Finalizes the statements, then removes ingest_rows. */
static void finalize(loader *ld)
{
    sqlite3_finalize(ld->insert);
    sqlite3_finalize(ld->quarantine);
    ld->insert = ld->quarantine = NULL;
    if (ld->rows_registered)
        rows_vtab_unregister(ld->db);
    ld->rows_registered = 0;
}

/* Drops the table's indexes, keeping their SQL in `saved` (NUL-separated). */
static int drop_indexes(loader *ld, strbuf *saved, hr_error *err)
{
    /* An index on period alone only grows at its end while a file loads
     * (one period, rising rowids): keeping it costs less than rebuilding it. */
    sqlite3_stmt *st = db_prepare(ld->db,
                                  "SELECT m.name, m.sql FROM sqlite_master m WHERE m.type = 'index' "
                                  "AND m.tbl_name = ? AND m.sql IS NOT NULL AND NOT ("
                                  "(SELECT count(*) FROM pragma_index_info(m.name)) = 1 AND "
                                  "(SELECT name FROM pragma_index_info(m.name)) = 'period')",
                                  err);
    if (!st)
        return HR_EFAIL;
    sqlite3_bind_text(st, 1, ld->t->source, -1, SQLITE_STATIC);
    strbuf drop = STRBUF_INIT;
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        sb_addf(&drop, "DROP INDEX \"%s\";", (const char *)sqlite3_column_text(st, 0));
        sb_addstr(saved, (const char *)sqlite3_column_text(st, 1));
        sb_add(saved, ";", 2); /* keeps the NUL as separator */
    }
    sqlite3_finalize(st);
    if (!rc && drop.len)
        rc = db_exec(ld->db, drop.buf, err);
    sb_release(&drop);
    return rc;
}

static int rebuild_indexes(loader *ld, const strbuf *saved, hr_error *err)
{
    for (size_t off = 0; off < saved->len; off += strlen(saved->buf + off) + 1)
        if (db_exec(ld->db, saved->buf + off, err))
            return HR_EFAIL;
    return HR_OK;
}

/* Worth dropping the indexes? When the file brings more rows (estimated
 * from its size) than the table holds for other periods. */
static int bulk_worth_it(loader *ld, uint64_t size_bytes)
{
    int64_t held = 0;
    if (size_bytes < (4u << 20))
        return 0;
    if (db_query_int(ld->db, &held, NULL,
                     "SELECT COALESCE(SUM(rows_loaded), 0) FROM source_file "
                     "WHERE source = ? AND current = 1 AND period <> ?",
                     ld->t->source, ld->period, NULL) < 0)
        return 0;
    return (int64_t)(size_bytes / 100) > held;
}

/* ---- one file ---- */

typedef struct current_entry {
    int exists;
    char sha256[DIGEST_HEX_SIZE];
    char read_with[DIGEST_HEX_SIZE]; /* the profile it was read with */
    int64_t size_bytes;
} current_entry;

static int find_current(sqlite3 *db, const char *period, const char *source, current_entry *cur,
                        hr_error *err)
{
    memset(cur, 0, sizeof *cur);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT sha256, size_bytes, coalesce(read_with, '') "
                                  "FROM source_file WHERE period = ? "
                                  "AND source = ? AND current = 1 ORDER BY file_id DESC LIMIT 1",
                                  err);
    if (!st)
        return HR_EFAIL;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    int got = db_one(st, err);
    if (got > 0) {
        cur->exists = 1;
        snprintf(cur->sha256, sizeof cur->sha256, "%s", (const char *)sqlite3_column_text(st, 0));
        cur->size_bytes = sqlite3_column_int64(st, 1);
        snprintf(cur->read_with, sizeof cur->read_with, "%s",
                 (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    return got < 0 ? HR_EFAIL : HR_OK;
}

static int start_manifest(loader *ld, hr_error *err)
{
    char now[32];
    db_now(now, sizeof now);
    if (db_exec_args(ld->db, err,
                   "INSERT INTO source_file (period, source, path, size_bytes, sha256, profile, "
                   "loaded_at, outcome, read_with) VALUES (?1, ?2, ?3, 0, '', ?4, ?5, 'loading', ?6)",
                   ld->period, ld->t->source, ld->path, ld->prof->name, now, ld->pf->read_with,
                   NULL))
        return HR_EFAIL;
    ld->file_id = sqlite3_last_insert_rowid(ld->db);
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE period = ?1", ld->t->source);
    if (db_exec_args(ld->db, err, sql, ld->period, NULL) ||
        db_exec_args(ld->db, err, "DELETE FROM quarantine WHERE period = ?1 AND source = ?2",
                   ld->period, ld->t->source, NULL))
        return HR_EFAIL;
    return HR_OK;
}

static int finish_manifest(loader *ld, ingest_input *in, int replaced, double seconds,
                           hr_error *err)
{
    char hex[DIGEST_HEX_SIZE];
    uint64_t size;
    ingest_input_finish(in, hex, &size);
    ld->detected_gb18030 = ld->pf->encoding == ENC_AUTO && !ld->pf->format_xml &&
                           ingest_input_encoding(in) == ENC_GB18030;
    sqlite3_stmt *st = db_prepare(ld->db,
                                  "UPDATE source_file SET size_bytes = ?, sha256 = ?, encoding = ?, "
                                  "rows_read = ?, rows_loaded = ?, rows_rejected = ?, seconds = ?, "
                                  "outcome = ? WHERE file_id = ?",
                                  err);
    if (!st)
        return HR_EFAIL;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ld->pf->format_xml && ld->pf->encoding == ENC_AUTO
                                 ? "xml"
                                 : profile_encoding_name(ingest_input_encoding(in)),
                      -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ld->rows_read);
    sqlite3_bind_int64(st, 5, ld->rows_loaded);
    sqlite3_bind_int64(st, 6, ld->rows_rejected);
    sqlite3_bind_double(st, 7, seconds);
    sqlite3_bind_text(st, 8, replaced ? "replaced" : "loaded", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, ld->file_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(ld->db, "manifest", err);
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)ld->file_id);
    return db_exec_args(ld->db, err,
                      "UPDATE source_file SET current = 0 WHERE period = ?1 AND source = ?2 "
                      "AND file_id <> ?3",
                      ld->period, ld->t->source, id, NULL);
}

/* budget.csv: the latest loaded for a year wins, whatever folder it was in. */
static int replace_budget_years(loader *ld, hr_error *err)
{
    if (strcmp(ld->t->source, "budget") != 0)
        return HR_OK;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)ld->file_id);
    return db_exec_args(ld->db, err,
                      "DELETE FROM budget WHERE file_id <> ?1 AND year IN "
                      "(SELECT DISTINCT year FROM budget WHERE file_id = ?1)",
                      id, NULL);
}

/* The month's data fingerprint (registry.h) after this file: validate's,
 * reconcile's and compute's records of other fingerprints are stale from
 * now on; ingest clears nothing of theirs. */
static int mark_period(loader *ld, hr_error *err)
{
    /* in the file's transaction: inputs changes only with the month's
     * current files, so a stage's copy of it names the data it saw */
    assert(!sqlite3_get_autocommit(ld->db));
    char now[32], inputs[DIGEST_HEX_SIZE];
    db_now(now, sizeof now);
    if (registry_month_fingerprint(ld->db, ld->period, inputs, err))
        return err->code;
    return db_exec_args(ld->db, err,
                      "INSERT INTO period_state (period, ingested_at, inputs) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (period) DO UPDATE SET ingested_at = excluded.ingested_at, "
                      "inputs = excluded.inputs",
                      ld->period, now, inputs, NULL);
}

/* Everything of one file inside the open transaction. */
static int load_file(loader *ld, uint64_t size_bytes, int replaced, hr_error *err)
{
    double t0 = log_clock();
    strbuf indexes = STRBUF_INIT;
    ingest_input *in = ingest_input_open(ld->path, ld->pf->encoding, err);
    if (!in)
        return err->code;
    int rc = start_manifest(ld, err);
    if (rc == HR_OK && bulk_worth_it(ld, size_bytes))
        rc = drop_indexes(ld, &indexes, err);
    if (rc == HR_OK)
        rc = prepare(ld, err);
    if (rc == HR_OK)
        tap_begin(ld, size_bytes);
    if (rc == HR_OK) {
        progress_begin(&ld->progress, ld->pf->name);
        rc = ld->pf->format_xml ? load_xml(ld, in, err) : load_csv(ld, in, err);
        progress_end(&ld->progress, (unsigned long long)ld->rows_read);
    }
    finalize(ld);
    if (rc == HR_OK)
        rc = rebuild_indexes(ld, &indexes, err);
    if (rc == HR_OK && ld->tap_file) {
        hr_error e;
        hr_error_clear(&e);
        ld->tap->end(ld->tap_file, &e);
    }
    tap_drop(ld);
    if (rc == HR_OK)
        rc = finish_manifest(ld, in, replaced, log_clock() - t0, err);
    if (rc == HR_OK)
        rc = replace_budget_years(ld, err);
    if (rc == HR_OK)
        rc = mark_period(ld, err);
    ingest_input_close(in);
    sb_release(&indexes);
    return rc;
}

/* A first load more of whose rows than this fail their types is refused
 * whole (nothing else of the month is displaced by it; below this, the
 * rows load, the bad ones go to quarantine and validate judges the file
 * by the quarantine limit). */
#define INGEST_REFUSE_FIRST_PERCENT 50.0

/* The quarantine limit of config/rules/validation.xml (the one validate
 * judges files by; 1 % when it says none), percent. */
static double quarantine_limit_percent(hr_error *err)
{
    char rules[4096], xsd[4096];
    paths_data_file("config/rules/validation.xml", rules, sizeof rules);
    paths_data_file("config/schema/validation.xsd", xsd, sizeof xsd);
    xmlDoc *doc = xmlconf_load(rules, xsd, HR_EINPUT, err);
    if (!doc)
        return -1;
    double limit = 1.0;
    xmlChar *v = xmlGetProp(xmlDocGetRootElement(doc), (const xmlChar *)"quarantine-limit-percent");
    if (v)
        limit = strtod((const char *)v, NULL);
    xmlFree(v);
    xmlFreeDoc(doc);
    return limit;
}

/* A replacement file whose rows fail their types above the quarantine
 * limit -- a wrong date format, another delimiter -- would put worse data
 * in place of rows that passed: it is refused whole (the transaction is
 * rolled back, the earlier version stays loaded), naming the count and the
 * most frequent reasons. A first load is refused only above
 * INGEST_REFUSE_FIRST_PERCENT (there is nothing to keep; its quarantine
 * fails validation, and the gate stops render). Called inside the
 * transaction. */
static int refuse_mostly_bad(loader *ld, hr_error *err)
{
    if (ld->rows_read == 0 || ld->rows_rejected == 0)
        return HR_OK;
    double limit = quarantine_limit_percent(err);
    if (limit < 0)
        return err->code;
    double share = 100.0 * (double)ld->rows_rejected / (double)ld->rows_read;
    if (share <= limit || (!ld->replacing && share <= INGEST_REFUSE_FIRST_PERCENT))
        return HR_OK;
    strbuf why = STRBUF_INIT;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)ld->file_id);
    sqlite3_stmt *st = db_prepare(ld->db,
                                  "SELECT coalesce(field, ''), count(*), min(message) FROM "
                                  "quarantine WHERE file_id = ? GROUP BY field, rule "
                                  "ORDER BY 2 DESC, 1 LIMIT 3",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = HR_OK;
    while (db_row(st, &rc, err))
        sb_addf(&why, "%s%s: %lld rows (e.g. %s)", why.len ? "; " : "",
                (const char *)sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
                (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    if (rc) { /* the database failed: that, not the refusal, is the news */
        sb_release(&why);
        return rc;
    }
    hr_error_set(err, HR_EINPUT, ld->path, 0, NULL,
                 "%lld of %lld rows failed their types (%.2f %%, above the limit of %g %%): "
                 "file refused, %s; %s",
                 ld->rows_rejected, ld->rows_read, share,
                 ld->replacing ? limit : INGEST_REFUSE_FIRST_PERCENT,
                 ld->replacing ? "the earlier version stays loaded" : "nothing loaded",
                 why.len ? why.buf : "no reason recorded");
    sb_release(&why);
    return HR_EINPUT;
}

static int ingest_file(sqlite3 *db, const profile *prof, const profile_file *pf,
                       const char *path, const char *period, const rowtap *tap,
                       ingest_summary *sum, hr_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return hr_error_set(err, HR_EINPUT, path, 0, NULL, "cannot read: %s", strerror(errno));
    current_entry cur;
    if (find_current(db, period, pf->table->source, &cur, err))
        return HR_EFAIL;
    /* unchanged: the same bytes read the same way (a profile that maps,
     * decodes or parses differently loads the file again) */
    if (cur.exists && cur.size_bytes == (int64_t)st.st_size &&
        strcmp(cur.read_with, pf->read_with) == 0) {
        char hex[DIGEST_HEX_SIZE];
        uint64_t size;
        if (digest_file(path, hex, &size, err))
            return err->code;
        if (strcmp(hex, cur.sha256) == 0) {
            sum->files_unchanged++;
            log_info("%s: unchanged, already loaded for %s", path, period);
            return HR_OK;
        }
    }
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.db = db, ld.prof = prof, ld.pf = pf, ld.t = pf->table;
    ld.path = path, ld.period = period, ld.tap = tap;
    if (db_begin(db, err))
        return HR_EFAIL;
    ld.replacing = cur.exists;
    int rc = load_file(&ld, (uint64_t)st.st_size, cur.exists, err);
    if (rc == HR_OK)
        rc = refuse_mostly_bad(&ld, err);
    if (rc == HR_OK)
        rc = db_commit(db, err);
    if (rc) {
        db_rollback(db);
        hr_error_locate(err, path, 0, NULL);
        return rc;
    }
    sum->files_loaded++;
    sum->rows_read += ld.rows_read;
    sum->rows_loaded += ld.rows_loaded;
    sum->rows_rejected += ld.rows_rejected;
    log_info("%s: %lld rows loaded, %lld quarantined%s", path, ld.rows_loaded, ld.rows_rejected,
             cur.exists ? " (replacing the earlier file)" : "");
    if (ld.detected_gb18030)
        log_info("%s: not UTF-8, read as GB18030 (profile %s declares no encoding; recorded "
                 "for the data-quality appendix)",
                 path, prof->name);
    return HR_OK;
}

/* ---- connection settings for a load ---- */

/* What load_settings_begin() changed and load_settings_end() puts back. */
typedef struct load_settings {
    int64_t cache_size, threads, mmap_size;
    int have_cache_size, have_threads, have_mmap_size;
} load_settings;

/* A bulk load is written once into the database file with a rollback
 * journal (new pages are not journaled), twice with WAL (log, then
 * checkpoint): load in rollback mode, return to WAL after. Each file is
 * still one transaction. If another connection holds the database, the
 * switch does not happen and nothing else changes.
 * Memory: the page cache is capped at INGEST_CACHE_KIB during the load.
 * An append to a rowid table touches only the b-tree's right edge, so a
 * big cache buys nothing: dirty pages beyond it are written to the
 * database file early (new pages need no journal), which costs no more
 * than writing them at commit. Index rebuilds sort within the same cap
 * (SQLite sizes its sorter's runs by the cache) and spill to temporary
 * files, so peak memory does not grow with the file (the default 64 MiB
 * cache filled up and was most of the RSS); for the same reason the
 * database is not memory-mapped during a load (the index pages a rebuild
 * reads would count). With INGEST_SORT_THREADS the
 * sorter sorts those runs on worker threads: the rebuild comes after the
 * reader thread is done, so the second core is free then. */
static void load_settings_begin(sqlite3 *db, load_settings *saved)
{
    saved->have_cache_size =
        db_query_int(db, &saved->cache_size, NULL, "PRAGMA cache_size", NULL) == 1;
    saved->have_threads = db_query_int(db, &saved->threads, NULL, "PRAGMA threads", NULL) == 1;
    saved->have_mmap_size =
        db_query_int(db, &saved->mmap_size, NULL, "PRAGMA mmap_size", NULL) == 1;
    db_exec(db,
            "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE; "
            "PRAGMA cache_size = -" INGEST_CACHE_KIB "; PRAGMA threads = " INGEST_SORT_THREADS
            "; PRAGMA mmap_size = 0",
            NULL);
}

static void load_settings_end(sqlite3 *db, const load_settings *saved)
{
    db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY",
            NULL);
    char sql[64];
    if (saved->have_cache_size) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)saved->cache_size);
        db_exec(db, sql, NULL);
    }
    if (saved->have_threads) {
        snprintf(sql, sizeof sql, "PRAGMA threads = %lld", (long long)saved->threads);
        db_exec(db, sql, NULL);
    }
    if (saved->have_mmap_size) {
        snprintf(sql, sizeof sql, "PRAGMA mmap_size = %lld", (long long)saved->mmap_size);
        db_exec(db, sql, NULL);
    }
}

/* ---- the folder ---- */

/* Warns about every file of the folder the profile does not name. */
static int report_strangers(const profile *prof, const char *dir, ingest_summary *sum,
                            hr_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return hr_error_set(err, HR_EINPUT, dir, 0, NULL, "cannot open the export folder: %s",
                            strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            profile_find_file(prof, e->d_name))
            continue;
        log_warn("%s/%s: not part of profile %s, skipped", dir, e->d_name, prof->name);
        sum->files_skipped++;
    }
    closedir(d);
    return HR_OK;
}

/* Refuses a file that resolves (through "..", or a symbolic link) to a
 * place outside the export folder, whose resolved path is dir_real: a
 * profile's file name may not read anything but the export. */
static int inside_folder(const char *dir_real, const char *dir, const char *path,
                         const profile *prof, hr_error *err)
{
    char *real = realpath(path, NULL);
    size_t n = dir_real ? strlen(dir_real) : 0;
    int inside = real && dir_real && strncmp(real, dir_real, n) == 0 &&
                 (real[n] == '/' || (n == 1 && dir_real[0] == '/'));
    if (!inside)
        hr_error_set(err, HR_EINPUT, path, 0, NULL,
                     "resolves to %s, outside the export folder %s: profile %s may name only "
                     "files inside --in",
                     real ? real : "(unresolvable)", dir, prof->name);
    free(real);
    return inside ? HR_OK : HR_EINPUT;
}

static int load_profile(const ingest_options *opt, profile **prof, hr_error *err)
{
    char standard[4096];
    const char *profile_path = opt->profile;
    if (!profile_path)
        profile_path = paths_data_file("config/profiles/standard.xml", standard, sizeof standard);
    return profile_load(profile_path, prof, err);
}

/* Loads each (profile file, path); a file that is not there is skipped;
 * with in_dir, one that resolves outside it is refused. */
static int load_each(sqlite3 *db, const profile *prof, const profile_file *const *pfs,
                     const char *const *paths, int n, const char *in_dir, const char *period,
                     const rowtap *tap, ingest_summary *sum, hr_error *err)
{
    load_settings saved;
    load_settings_begin(db, &saved);
    hr_error first;
    hr_error_clear(&first);
    char *in_real = in_dir ? realpath(in_dir, NULL) : NULL;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            log_debug("%s: not in the folder", paths[i]);
            continue;
        }
        hr_error e;
        hr_error_clear(&e);
        const char *kind = ingest_not_regular(&st);
        if (kind) /* before anything opens it: opening a FIFO blocks */
            hr_error_set(&e, HR_EINPUT, paths[i], 0, NULL,
                         "%s, not a regular file: an export must be a plain file", kind);
        if (e.code || (in_dir && inside_folder(in_real, in_dir, paths[i], prof, &e)) ||
            ingest_file(db, prof, pfs[i], paths[i], period, tap, sum, &e)) {
            char line[1600];
            log_warn("rejected: %s", hr_error_format(&e, line, sizeof line));
            if (!first.code)
                first = e;
        }
    }
    load_settings_end(db, &saved);
    free(in_real);
    if (first.code) {
        if (err)
            *err = first;
        return first.code;
    }
    return HR_OK;
}

int ingest_folder(sqlite3 *db, const ingest_options *opt, ingest_summary *sum, hr_error *err)
{
    profile *prof;
    int rc = load_profile(opt, &prof, err);
    if (rc)
        return rc;
    if ((rc = report_strangers(prof, opt->in_dir, sum, err))) {
        profile_free(prof);
        return rc;
    }
    const profile_file **pfs = xrealloc(NULL, (size_t)(prof->nfiles + 1) * sizeof *pfs);
    char **paths = xrealloc(NULL, (size_t)(prof->nfiles + 1) * sizeof *paths);
    for (int i = 0; i < prof->nfiles; i++) {
        strbuf path = STRBUF_INIT;
        sb_addf(&path, "%s/%s", opt->in_dir, prof->files[i].name);
        pfs[i] = &prof->files[i];
        paths[i] = sb_detach(&path, NULL);
    }
    rc = load_each(db, prof, pfs, (const char *const *)paths, prof->nfiles, opt->in_dir,
                   opt->period, opt->tap, sum, err);
    for (int i = 0; i < prof->nfiles; i++)
        free(paths[i]);
    free(paths);
    free(pfs);
    profile_free(prof);
    return rc;
}

int ingest_files(sqlite3 *db, const ingest_options *opt, const ingest_file_ref *files, int n,
                 ingest_summary *sum, hr_error *err)
{
    profile *prof;
    int rc = load_profile(opt, &prof, err);
    if (rc)
        return rc;
    const profile_file **pfs = xrealloc(NULL, (size_t)(n + 1) * sizeof *pfs);
    const char **paths = xrealloc(NULL, (size_t)(n + 1) * sizeof *paths);
    for (int i = 0; i < n && rc == HR_OK; i++) {
        pfs[i] = profile_find_file(prof, files[i].name);
        paths[i] = files[i].path;
        if (!pfs[i])
            rc = hr_error_set(err, HR_EINPUT, files[i].path, 0, NULL,
                              "profile %s has no file %s to read it as", prof->name,
                              files[i].name);
    }
    if (rc == HR_OK)
        rc = load_each(db, prof, pfs, paths, n, NULL, opt->period, opt->tap, sum, err);
    free(pfs);
    free(paths);
    profile_free(prof);
    return rc;
}
