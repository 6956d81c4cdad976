/*
 * validate_quarantine.c -- moving rows that broke an error rule from their
 * canonical table to `quarantine`.
 *
 * The rule statements (validate.c, validate_keys.c) leave their hits in
 * temp.validate_hit: (source, rowid, rule order, field, rule, severity,
 * message). Here each table row with an error hit becomes exactly one
 * quarantine row -- the first rule it broke, in rules-file order -- and is
 * deleted from its table, so rows read = rows loaded + rows quarantined
 * stays true per file. The quarantine row's record is the row as ingest
 * stored it, written back as a CSV record (fields in the table's order,
 * money in CNY), with the patient_key field masked: validate never opens
 * the export files again (their profile, delimiter and encoding are
 * ingest's business), and no patient identifier leaves the tables it is
 * stored in. Warning hits of rows that stay go to row_warning. The caller
 * holds the transaction.
 *
 * Reads: temp.validate_hit, the canonical tables, source_file (path).
 * Writes: quarantine, row_warning, the canonical tables (deletes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/csv.h"
#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "stages/validate/validate_int.h"
#include "pipeline/core/xalloc.h"

typedef struct vbad {
    char *source, *field, *rule, *message, *message_zh, *raw;
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
                   " field TEXT, rule TEXT NOT NULL, severity TEXT NOT NULL, message TEXT,"
                   " message_zh TEXT);"
                   "DELETE FROM temp.validate_hit;",
                   err);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return xstrdup(s ? s : "");
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
            if (strcmp(name, "patient_key") == 0)
                sb_addstr(&sb, VQUARANTINE_MASK);
            else if (len > 6 && !strcmp(name + len - 6, "_cents") && type == SQLITE_INTEGER) {
                long long c = sqlite3_column_int64(st, i);
                unsigned long long a = c < 0 ? 0ULL - (unsigned long long)c : (unsigned long long)c;
                sb_addf(&sb, "%s%llu.%02llu", c < 0 ? "-" : "", a / 100, a % 100);
            } else {
                csv_add_field(&sb, (const char *)sqlite3_column_text(st, i));
            }
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return sb_detach(&sb, NULL);
}

static int collect(sqlite3 *db, vbad_list *list, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT source, rid, field, rule, message, min(ord), message_zh "
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
        b->message_zh = dup_col(st, 6);
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
    for (size_t i = 0; i < list->n; i++)
        list->items[i].raw = vquarantine_rebuild_raw(db, list->items[i].source, list->items[i].rowid);
}

static int move_rows(sqlite3 *db, const char *period, vbad_list *list, hr_error *err)
{
    sqlite3_stmt *ins = db_prepare(
        db,
        "INSERT INTO quarantine (period, source, file_id, path, line_no, raw, field, rule, "
        "message, message_zh, stage) VALUES (?1, ?2, ?3, (SELECT path FROM source_file WHERE "
        "file_id = ?3), ?4, ?5, ?6, ?7, ?8, ?9, 'validate')",
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
        sqlite3_bind_text(ins, 9, b->message_zh, -1, SQLITE_STATIC);
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
    while (!rc && db_row(st, &rc, err)) {
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
        free(b->source), free(b->field), free(b->rule), free(b->message), free(b->message_zh), free(b->raw);
    }
    free(list.items);
    return rc;
}
