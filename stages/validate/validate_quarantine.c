/*
 * validate_quarantine.c -- moving rows that broke an error rule from their
 * canonical table to `quarantine`.
 *
 * The rule statements (validate_rules.c) leave their hits in
 * temp.validate_hit: (source, rowid, rule order, field, rule, severity,
 * message). Here each table row with an error hit becomes exactly one
 * quarantine row -- the first rule it broke, in rules-file order -- and is
 * deleted from its table, so rows read = rows loaded + rows quarantined
 * stays true per file. The quarantine row keeps the record as it stood in
 * the file: re-read from source_file.path when that file is still there
 * with the same SHA-256 (only for the few bad rows' files), else rebuilt
 * from the stored values. Warning hits of rows that stay go to row_warning.
 * The caller holds the transaction.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/csv.h"
#include "pipeline/core/db.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/strbuf.h"
#include "stages/validate/validate_int.h"
#include "pipeline/core/xalloc.h"

typedef struct vbad {
    char *source, *field, *rule, *message, *raw;
    long long rowid, file_id, line_no;
} vbad;

typedef struct vbad_list {
    vbad *items;
    size_t n, cap;
} vbad_list;

int vhit_prepare(sqlite3 *db, hr_error *err)
{
    return db_exec(db,
                   "CREATE TEMP TABLE IF NOT EXISTS validate_hit ("
                   " source TEXT NOT NULL, rid INTEGER NOT NULL, ord INTEGER NOT NULL,"
                   " field TEXT, rule TEXT NOT NULL, severity TEXT NOT NULL, message TEXT);"
                   "DELETE FROM temp.validate_hit;",
                   err);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return strdup(s ? s : "");
}

static void csv_quote(strbuf *sb, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        sb_addstr(sb, s);
        return;
    }
    sb_addch(sb, '"');
    for (; *s; s++) {
        if (*s == '"')
            sb_addch(sb, '"');
        sb_addch(sb, *s);
    }
    sb_addch(sb, '"');
}

char *vquarantine_rebuild_raw(sqlite3 *db, const char *table, long long rowid)
{
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" WHERE rowid = %lld", table, rowid);
    sqlite3_stmt *st = NULL;
    strbuf sb = STRBUF_INIT;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        int first = 1;
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *name = sqlite3_column_name(st, i);
            if (!strcmp(name, "period") || !strcmp(name, "file_id") || !strcmp(name, "line_no"))
                continue;
            if (!first)
                sb_addch(&sb, ',');
            first = 0;
            size_t len = strlen(name);
            int type = sqlite3_column_type(st, i);
            if (type == SQLITE_NULL)
                continue;
            if (len > 6 && !strcmp(name + len - 6, "_cents") && type == SQLITE_INTEGER) {
                long long c = sqlite3_column_int64(st, i);
                unsigned long long a = c < 0 ? 0ULL - (unsigned long long)c : (unsigned long long)c;
                sb_addf(&sb, "%s%llu.%02llu", c < 0 ? "-" : "", a / 100, a % 100);
            } else {
                csv_quote(&sb, (const char *)sqlite3_column_text(st, i));
            }
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return sb_detach(&sb, NULL);
}

/* Raw bytes in the file's encoding to UTF-8 (GB18030 files). */
static char *to_utf8(const char *raw, size_t len, const char *encoding)
{
    if (!encoding || (strncasecmp(encoding, "gb", 2) != 0))
        return strndup(raw, len);
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return strndup(raw, len);
    size_t cap = len * 2 + 4, left_out = cap - 1, left_in = len;
    char *out = malloc(cap), *o = out;
    char *in = (char *)raw;
    if (!out)
        abort();
    if (iconv(cd, &in, &left_in, &o, &left_out) == (size_t)-1) {
        free(out);
        iconv_close(cd);
        return strndup(raw, len);
    }
    *o = '\0';
    iconv_close(cd);
    return out;
}

static int by_file_line(const void *a, const void *b)
{
    const vbad *x = a, *y = b;
    if (x->file_id != y->file_id)
        return x->file_id < y->file_id ? -1 : 1;
    return (x->line_no > y->line_no) - (x->line_no < y->line_no);
}

/* Fills raw for items[from..to) (one file, sorted by line) from the file
 * if it is unchanged; returns 1 when it could. */
static int raw_from_file(sqlite3 *db, vbad *items, size_t from, size_t to)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT path, sha256, encoding FROM source_file WHERE file_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, items[from].file_id);
    int ok = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(st, 0);
        const char *sha = (const char *)sqlite3_column_text(st, 1);
        const char *encoding = (const char *)sqlite3_column_text(st, 2);
        char hex[DIGEST_HEX_SIZE];
        uint64_t size;
        hr_error e;
        hr_error_clear(&e);
        if (path && sha && digest_file(path, hex, &size, &e) == 0 && strcasecmp(hex, sha) == 0) {
            csv_reader *r = csv_open_file(path, ',', &e);
            size_t i = from;
            while (r && i < to && csv_next(r, &e) == 1) {
                long line = csv_line(r);
                while (i < to && items[i].line_no < line)
                    i++; /* a line that is not a record start: rebuilt below */
                for (; i < to && items[i].line_no == line; i++) {
                    size_t len;
                    const char *raw = csv_raw(r, &len);
                    items[i].raw = to_utf8(raw, len, encoding);
                }
            }
            csv_close(r);
            ok = 1;
        }
    }
    sqlite3_finalize(st);
    return ok;
}

static int collect(sqlite3 *db, vbad_list *list, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT source, rid, field, rule, message, min(ord) "
                                  "FROM temp.validate_hit WHERE severity = 'error' "
                                  "GROUP BY source, rid ORDER BY source, rid",
                                  err);
    if (!st)
        return err->code;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (list->n == list->cap) {
            list->cap = list->cap ? list->cap * 2 : 64;
            list->items = xrealloc(list->items, list->cap * sizeof *list->items);
        }
        vbad *b = &list->items[list->n++];
        memset(b, 0, sizeof *b);
        b->source = dup_col(st, 0);
        b->rowid = sqlite3_column_int64(st, 1);
        b->field = dup_col(st, 2);
        b->rule = dup_col(st, 3);
        b->message = dup_col(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading validation hits", err);
    return 0;
}

/* file_id and line_no of each bad row, from its table. */
static int locate(sqlite3 *db, vbad_list *list, hr_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *prepared_for = NULL;
    for (size_t i = 0; i < list->n; i++) {
        vbad *b = &list->items[i];
        if (!prepared_for || strcmp(prepared_for, b->source) != 0) {
            sqlite3_finalize(st);
            char *sql =
                sqlite3_mprintf("SELECT file_id, line_no FROM \"%w\" WHERE rowid = ?", b->source);
            st = db_prepare(db, sql, err);
            sqlite3_free(sql);
            if (!st)
                return err->code;
            prepared_for = b->source;
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, b->rowid);
        if (sqlite3_step(st) == SQLITE_ROW) {
            b->file_id = sqlite3_column_int64(st, 0);
            b->line_no = sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_finalize(st);
    return 0;
}

static void fill_raw(sqlite3 *db, vbad_list *list)
{
    if (list->n == 0)
        return;
    qsort(list->items, list->n, sizeof *list->items, by_file_line);
    for (size_t from = 0, to; from < list->n; from = to) {
        for (to = from; to < list->n && list->items[to].file_id == list->items[from].file_id; to++)
            ;
        raw_from_file(db, list->items, from, to);
        for (size_t i = from; i < to; i++)
            if (!list->items[i].raw)
                list->items[i].raw =
                    vquarantine_rebuild_raw(db, list->items[i].source, list->items[i].rowid);
    }
}

static int move_rows(sqlite3 *db, const char *period, vbad_list *list, hr_error *err)
{
    sqlite3_stmt *ins = db_prepare(
        db,
        "INSERT INTO quarantine (period, source, file_id, path, line_no, raw, field, rule, "
        "message, stage) VALUES (?1, ?2, ?3, (SELECT path FROM source_file WHERE file_id = ?3), "
        "?4, ?5, ?6, ?7, ?8, 'validate')",
        err);
    if (!ins)
        return err->code;
    int rc = 0;
    for (size_t i = 0; i < list->n && !rc; i++) {
        vbad *b = &list->items[i];
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, period, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, b->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, b->file_id);
        sqlite3_bind_int64(ins, 4, b->line_no);
        sqlite3_bind_text(ins, 5, b->raw, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, b->field, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 7, b->rule, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, b->message, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            rc = db_fail(db, "recording a quarantined row", err);
            break;
        }
        char *del = sqlite3_mprintf("DELETE FROM \"%w\" WHERE rowid = %lld", b->source, b->rowid);
        rc = db_exec(db, del, err);
        sqlite3_free(del);
    }
    sqlite3_finalize(ins);
    return rc;
}

static int record_warnings(sqlite3 *db, const char *period, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db, "SELECT DISTINCT source FROM temp.validate_hit WHERE severity = 'warning'", err);
    if (!st)
        return err->code;
    int rc = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *src = (const char *)sqlite3_column_text(st, 0);
        char *sql = sqlite3_mprintf(
            "INSERT INTO row_warning (period, source, file_id, line_no, field, rule, message) "
            "SELECT %Q, h.source, t.file_id, t.line_no, h.field, h.rule, h.message "
            "FROM temp.validate_hit h JOIN \"%w\" t ON t.rowid = h.rid "
            "WHERE h.source = %Q AND h.severity = 'warning' ORDER BY t.file_id, t.line_no, h.ord",
            period, src, src);
        rc = db_exec(db, sql, err);
        sqlite3_free(sql);
    }
    sqlite3_finalize(st);
    return rc;
}

int vquarantine_apply(sqlite3 *db, const char *period, long long *quarantined, hr_error *err)
{
    vbad_list list = {0};
    int rc = collect(db, &list, err);
    if (!rc)
        rc = locate(db, &list, err);
    if (!rc) {
        fill_raw(db, &list);
        rc = move_rows(db, period, &list, err);
    }
    if (!rc)
        rc = record_warnings(db, period, err);
    *quarantined = (long long)list.n;
    for (size_t i = 0; i < list.n; i++) {
        vbad *b = &list.items[i];
        free(b->source), free(b->field), free(b->rule), free(b->message), free(b->raw);
    }
    free(list.items);
    return rc;
}
