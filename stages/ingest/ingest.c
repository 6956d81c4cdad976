/*
 * ingest.c -- the ingest stage (see ingest.h): one month's export folder
 * into the canonical tables, through a source profile.
 *
 * Per file, in one transaction: a manifest row (source_file) is added
 * first to get the file_id the rows carry; the source's earlier rows for
 * the period are deleted; every record is typed field by field and inserted
 * with one prepared statement (values bound straight from the reader's
 * buffer), or sent to quarantine when a required field is empty or a value
 * is not of its type; the manifest row is completed (size, SHA-256 hashed
 * while reading, counts, outcome), older entries for (period, source) lose
 * `current`, and period_state is marked stale downstream. Any file-level
 * error rolls all of it back. An identical file (same SHA-256 as the
 * current entry) is recognised before the transaction and changes nothing.
 *
 * Speed: for a big load into a table that holds less than the file brings,
 * the table's indexes are dropped and rebuilt after the load, inside the
 * same transaction (a bulk build is much cheaper than a b-tree insert per
 * row). The file is read once: the byte source hashes as it goes.
 */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../pipeline/csv.h"
#include "../../pipeline/db.h"
#include "../../pipeline/digest.h"
#include "../../pipeline/log.h"
#include "../../pipeline/paths.h"
#include "../../pipeline/strbuf.h"
#include "../../pipeline/value.h"
#include "ingest_int.h"

/* The page cache during a load, in KiB (see ingest_folder). */
#define INGEST_CACHE_KIB "2048"

typedef struct loader {
    sqlite3 *db;
    const profile *prof;
    const profile_file *pf;
    const ingest_table *t;
    const char *path, *period;
    sqlite3_int64 file_id;
    sqlite3_stmt *insert, *quarantine;
    char temporal[INGEST_MAX_COLUMNS][20]; /* converted dates, bound STATIC */
    long long rows_read, rows_loaded, rows_rejected;
    progress progress;
    /* The first problem of the current row. */
    int bad_column;
    const char *bad_rule;
    char bad_message[256];
} loader;

/* ---- typing one row ---- */

static const char *expected_form(const loader *ld, ingest_type type)
{
    switch (type) {
    case IT_DATE: return ld->pf->date_format ? ld->pf->date_format : "YYYY-MM-DD";
    case IT_DATETIME:
        return ld->pf->datetime_format ? ld->pf->datetime_format : "YYYY-MM-DD HH:mm:ss";
    case IT_MONTH: return ld->pf->month_format ? ld->pf->month_format : "YYYY-MM";
    case IT_MONEY: return ld->pf->thousands ? "1,234.50" : "1234.50";
    case IT_INT: return "0, 1, 2, ...";
    case IT_DECIMAL: return "12 or 12.5";
    default: return "text without leading or trailing spaces";
    }
}

static int reject_value(loader *ld, int c, const char *rule, const char *s, size_t len)
{
    const ingest_column *col = &ld->t->columns[c];
    ld->bad_column = c;
    ld->bad_rule = rule;
    if (strcmp(rule, "required") == 0)
        snprintf(ld->bad_message, sizeof ld->bad_message, "%s is required (empty)", col->field);
    else
        snprintf(ld->bad_message, sizeof ld->bad_message, "'%.*s' is not %s (expected %s)",
                 len > 64 ? 64 : (int)len, s, ingest_type_name(col->type),
                 expected_form(ld, col->type));
    return -1;
}

/* A date/datetime/month: the ISO form bound without copying when the file
 * already writes ISO; otherwise converted into ld->temporal[c]. */
static int bind_temporal(loader *ld, int c, int pos, const char *s, size_t len)
{
    ingest_type type = ld->t->columns[c].type;
    const char *fmt = type == IT_DATE       ? ld->pf->date_format
                      : type == IT_DATETIME ? ld->pf->datetime_format
                                            : ld->pf->month_format;
    if (!fmt) {
        int bad = type == IT_DATE ? value_date(s, len)
                  : type == IT_DATETIME ? value_datetime(s, len)
                                        : value_month(s, len);
        if (bad)
            return reject_value(ld, c, "type", s, len);
        sqlite3_bind_text(ld->insert, pos, s, (int)len, SQLITE_STATIC);
        return 0;
    }
    int n = convert_temporal(fmt, type, s, len, ld->temporal[c]);
    if (n < 0)
        return reject_value(ld, c, "type", s, len);
    sqlite3_bind_text(ld->insert, pos, ld->temporal[c], n, SQLITE_STATIC);
    return 0;
}

static int bind_value(loader *ld, int c, const char *s, size_t len)
{
    const ingest_column *col = &ld->t->columns[c];
    int pos = c + 2; /* ?1 is period */
    int fi = ld->pf->field_of_column[c];
    if (fi >= 0 && ld->pf->fields[fi].nmaps)
        convert_map(&ld->pf->fields[fi], &s, &len);
    if (len == 0) {
        if (!col->optional)
            return reject_value(ld, c, "required", s, len);
        sqlite3_bind_null(ld->insert, pos);
        return 0;
    }
    int64_t i;
    double d;
    switch (col->type) {
    case IT_CODE:
        if (value_code(s, len))
            return reject_value(ld, c, "type", s, len);
        /* fall through */
    case IT_TEXT:
    case IT_ENUM:
        sqlite3_bind_text(ld->insert, pos, s, (int)len, SQLITE_STATIC);
        return 0;
    case IT_DATE:
    case IT_DATETIME:
    case IT_MONTH:
        return bind_temporal(ld, c, pos, s, len);
    case IT_MONEY:
        if (value_money_cents(s, len, ld->pf->thousands, &i))
            return reject_value(ld, c, "type", s, len);
        sqlite3_bind_int64(ld->insert, pos, i);
        return 0;
    case IT_INT:
        if (value_int(s, len, &i))
            return reject_value(ld, c, "type", s, len);
        sqlite3_bind_int64(ld->insert, pos, i);
        return 0;
    case IT_DECIMAL:
        if (value_decimal(s, len, &d))
            return reject_value(ld, c, "type", s, len);
        sqlite3_bind_double(ld->insert, pos, d);
        return 0;
    }
    return 0;
}

static int quarantine_row(loader *ld, const ingest_row *row, hr_error *err)
{
    sqlite3_stmt *q = ld->quarantine;
    sqlite3_bind_int64(q, 3, ld->file_id);
    sqlite3_bind_int64(q, 5, row->line);
    sqlite3_bind_text(q, 6, row->raw, (int)row->raw_len, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, ld->t->columns[ld->bad_column].field, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, ld->bad_rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, ld->bad_message, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return db_fail(ld->db, "quarantine", err);
    ld->rows_rejected++;
    return HR_OK;
}

/* Types and inserts one record, or quarantines it. */
static int load_row(loader *ld, const ingest_row *row, hr_error *err)
{
    ld->rows_read++;
    for (int c = 0; c < ld->t->ncolumns; c++)
        if (bind_value(ld, c, row->value[c] ? row->value[c] : "", row->len[c]))
            return quarantine_row(ld, row, err);
    sqlite3_bind_int64(ld->insert, ld->t->ncolumns + 3, row->line);
    int rc = sqlite3_step(ld->insert);
    sqlite3_reset(ld->insert);
    if (rc != SQLITE_DONE)
        return db_fail(ld->db, ld->t->source, err);
    ld->rows_loaded++;
    if ((ld->rows_read & 8191) == 0)
        progress_update(&ld->progress, (unsigned long long)ld->rows_read);
    return HR_OK;
}

/* ---- reading the file ---- */

static int header_index(const csv_reader *csv, const char *header)
{
    const csv_field *f = csv_fields(csv);
    size_t hl = strlen(header);
    for (size_t i = 0; i < csv_count(csv); i++) {
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

/* Reads the header row and finds each mapped field's column. */
static int read_header(loader *ld, csv_reader *csv, int index[INGEST_MAX_COLUMNS], hr_error *err)
{
    int rc = csv_next(csv, err);
    if (rc < 0)
        return err->code;
    if (rc == 0)
        return hr_error_set(err, HR_EINPUT, ld->path, 1, NULL,
                            "empty file (expected a header row, profile %s)", ld->prof->name);
    for (int c = 0; c < ld->t->ncolumns; c++) {
        int fi = ld->pf->field_of_column[c];
        index[c] = fi < 0 ? -1 : header_index(csv, ld->pf->fields[fi].header);
        if (fi >= 0 && index[c] < 0 && !ld->t->columns[c].optional)
            return hr_error_set(err, HR_EINPUT, ld->path, csv_line(csv),
                                ld->pf->fields[fi].header,
                                "missing required column '%s' (field %s of profile %s)",
                                ld->pf->fields[fi].header, ld->t->columns[c].field,
                                ld->prof->name);
    }
    csv_expect_fields(csv, csv_count(csv));
    return HR_OK;
}

static int load_csv(loader *ld, ingest_input *in, hr_error *err)
{
    csv_reader *csv = csv_open_source(ingest_input_read, in, ld->path, ld->pf->delimiter, err);
    int index[INGEST_MAX_COLUMNS];
    int rc = read_header(ld, csv, index, err);
    ingest_row row;
    memset(&row, 0, sizeof row);
    while (rc == HR_OK) {
        int more = csv_next(csv, err);
        if (more <= 0) {
            rc = more < 0 ? err->code : HR_OK;
            break;
        }
        const csv_field *f = csv_fields(csv);
        for (int c = 0; c < ld->t->ncolumns; c++)
            if (index[c] >= 0)
                row.value[c] = f[index[c]].data, row.len[c] = f[index[c]].len;
        row.raw = csv_raw(csv, &row.raw_len);
        row.line = csv_line(csv);
        rc = load_row(ld, &row, err);
    }
    csv_close(csv);
    return rc;
}

static int load_xml(loader *ld, ingest_input *in, hr_error *err)
{
    xml_source *x = xml_source_open(in, ld->path, ld->pf, err);
    if (!x)
        return err->code;
    ingest_row row;
    int rc = HR_OK, more;
    while (rc == HR_OK && (more = xml_source_next(x, &row, err)) != 0)
        rc = more < 0 ? err->code : load_row(ld, &row, err);
    xml_source_close(x);
    return rc;
}

/* ---- statements ---- */

static int prepare(loader *ld, hr_error *err)
{
    strbuf sql = STRBUF_INIT;
    sb_addf(&sql, "INSERT INTO %s (period", ld->t->source);
    for (int c = 0; c < ld->t->ncolumns; c++)
        sb_addf(&sql, ", %s", ld->t->columns[c].column);
    sb_addstr(&sql, ", file_id, line_no) VALUES (?");
    for (int c = 0; c < ld->t->ncolumns + 2; c++)
        sb_addstr(&sql, ", ?");
    sb_addch(&sql, ')');
    ld->insert = db_prepare(ld->db, sql.buf, err);
    sb_release(&sql);
    ld->quarantine = db_prepare(ld->db,
                                "INSERT INTO quarantine (period, source, file_id, path, line_no, "
                                "raw, field, rule, message, stage) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ingest')",
                                err);
    if (!ld->insert || !ld->quarantine)
        return HR_EFAIL;
    sqlite3_bind_text(ld->insert, 1, ld->period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ld->insert, ld->t->ncolumns + 2, ld->file_id);
    sqlite3_bind_text(ld->quarantine, 1, ld->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(ld->quarantine, 2, ld->t->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(ld->quarantine, 4, ld->path, -1, SQLITE_STATIC);
    return HR_OK;
}

/* Runs sql with text parameters ?1.. (NULL-terminated). */
static int exec_bound(sqlite3 *db, hr_error *err, const char *sql, ...)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return HR_EFAIL;
    va_list ap;
    va_start(ap, sql);
    const char *arg;
    for (int i = 1; (arg = va_arg(ap, const char *)) != NULL; i++)
        sqlite3_bind_text(st, i, arg, -1, SQLITE_TRANSIENT);
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(db, sql, err);
}

/* Drops the table's indexes, keeping their SQL in `saved` (NUL-separated). */
static int drop_indexes(loader *ld, strbuf *saved, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(ld->db,
                                  "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                  "AND tbl_name = ? AND sql IS NOT NULL",
                                  err);
    if (!st)
        return HR_EFAIL;
    sqlite3_bind_text(st, 1, ld->t->source, -1, SQLITE_STATIC);
    strbuf drop = STRBUF_INIT;
    while (sqlite3_step(st) == SQLITE_ROW) {
        sb_addf(&drop, "DROP INDEX \"%s\";", (const char *)sqlite3_column_text(st, 0));
        sb_addstr(saved, (const char *)sqlite3_column_text(st, 1));
        sb_add(saved, ";", 2); /* keeps the NUL as separator */
    }
    sqlite3_finalize(st);
    int rc = drop.len ? db_exec(ld->db, drop.buf, err) : HR_OK;
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
    int64_t size_bytes;
} current_entry;

static int find_current(sqlite3 *db, const char *period, const char *source, current_entry *cur,
                        hr_error *err)
{
    memset(cur, 0, sizeof *cur);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT sha256, size_bytes FROM source_file WHERE period = ? "
                                  "AND source = ? AND current = 1 ORDER BY file_id DESC LIMIT 1",
                                  err);
    if (!st)
        return HR_EFAIL;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        cur->exists = 1;
        snprintf(cur->sha256, sizeof cur->sha256, "%s", (const char *)sqlite3_column_text(st, 0));
        cur->size_bytes = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return HR_OK;
}

static int start_manifest(loader *ld, hr_error *err)
{
    char now[32];
    db_now(now, sizeof now);
    if (exec_bound(ld->db, err,
                   "INSERT INTO source_file (period, source, path, size_bytes, sha256, profile, "
                   "loaded_at, outcome) VALUES (?1, ?2, ?3, 0, '', ?4, ?5, 'loading')",
                   ld->period, ld->t->source, ld->path, ld->prof->name, now, NULL))
        return HR_EFAIL;
    ld->file_id = sqlite3_last_insert_rowid(ld->db);
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE period = ?1", ld->t->source);
    if (exec_bound(ld->db, err, sql, ld->period, NULL) ||
        exec_bound(ld->db, err, "DELETE FROM quarantine WHERE period = ?1 AND source = ?2",
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
    return exec_bound(ld->db, err,
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
    return exec_bound(ld->db, err,
                      "DELETE FROM budget WHERE file_id <> ?1 AND year IN "
                      "(SELECT DISTINCT year FROM budget WHERE file_id = ?1)",
                      id, NULL);
}

static int mark_period(loader *ld, hr_error *err)
{
    char now[32];
    db_now(now, sizeof now);
    return exec_bound(ld->db, err,
                      "INSERT INTO period_state (period, ingested_at) VALUES (?1, ?2) "
                      "ON CONFLICT (period) DO UPDATE SET ingested_at = excluded.ingested_at, "
                      "validated_at = NULL, validation_state = NULL, reconciled_at = NULL, "
                      "reconcile_state = NULL, computed_at = NULL",
                      ld->period, now, NULL);
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
    if (rc == HR_OK) {
        progress_begin(&ld->progress, ld->pf->name);
        rc = ld->pf->format_xml ? load_xml(ld, in, err) : load_csv(ld, in, err);
        progress_end(&ld->progress, (unsigned long long)ld->rows_read);
    }
    sqlite3_finalize(ld->insert);
    sqlite3_finalize(ld->quarantine);
    ld->insert = ld->quarantine = NULL;
    if (rc == HR_OK)
        rc = rebuild_indexes(ld, &indexes, err);
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

static int ingest_file(sqlite3 *db, const profile *prof, const profile_file *pf,
                       const char *path, const char *period, ingest_summary *sum, hr_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return hr_error_set(err, HR_EINPUT, path, 0, NULL, "cannot read: %s", strerror(errno));
    current_entry cur;
    if (find_current(db, period, pf->table->source, &cur, err))
        return HR_EFAIL;
    if (cur.exists && cur.size_bytes == (int64_t)st.st_size) {
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
    ld.path = path, ld.period = period;
    if (db_begin(db, err))
        return HR_EFAIL;
    int rc = load_file(&ld, (uint64_t)st.st_size, cur.exists, err);
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
    return HR_OK;
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

int ingest_folder(sqlite3 *db, const ingest_options *opt, ingest_summary *sum, hr_error *err)
{
    char standard[4096];
    const char *profile_path = opt->profile;
    if (!profile_path)
        profile_path = paths_data_file("config/profiles/standard.xml", standard, sizeof standard);
    profile *prof;
    int rc = profile_load(profile_path, &prof, err);
    if (rc)
        return rc;
    if ((rc = report_strangers(prof, opt->in_dir, sum, err))) {
        profile_free(prof);
        return rc;
    }
    /* A bulk load is written once into the database file with a rollback
     * journal (new pages are not journaled), twice with WAL (log, then
     * checkpoint): load in rollback mode, return to WAL after. Each file is
     * still one transaction. If another connection holds the database, the
     * switch does not happen and nothing else changes.
     * Memory: the page cache is capped at INGEST_CACHE_KIB during the load.
     * An append to a rowid table touches only the b-tree's right edge, so
     * a big cache buys nothing: dirty pages beyond it are written to the
     * database file early (new pages need no journal), which costs no more
     * than writing them at commit. Index rebuilds sort within the same cap
     * and spill to temporary files, so peak memory does not grow with the
     * file (the default 64 MiB cache filled up and was most of the RSS). */
    int64_t cache_size = 0;
    int restore_cache = db_query_int(db, &cache_size, NULL, "PRAGMA cache_size", NULL) == 1;
    db_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE; "
                "PRAGMA cache_size = -" INGEST_CACHE_KIB, NULL);
    hr_error first;
    hr_error_clear(&first);
    for (int i = 0; i < prof->nfiles; i++) {
        const profile_file *pf = &prof->files[i];
        strbuf path = STRBUF_INIT;
        sb_addf(&path, "%s/%s", opt->in_dir, pf->name);
        struct stat st;
        if (stat(path.buf, &st) != 0) {
            log_debug("%s: not in the folder", path.buf);
        } else {
            hr_error e;
            hr_error_clear(&e);
            if (ingest_file(db, prof, pf, path.buf, opt->period, sum, &e)) {
                char line[1600];
                log_warn("rejected: %s", hr_error_format(&e, line, sizeof line));
                if (!first.code)
                    first = e;
            }
        }
        sb_release(&path);
    }
    db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY", NULL);
    if (restore_cache) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)cache_size);
        db_exec(db, sql, NULL);
    }
    profile_free(prof);
    if (first.code) {
        if (err)
            *err = first;
        return first.code;
    }
    return HR_OK;
}
