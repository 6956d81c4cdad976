/*
 * rowtap.h -- a file's rows shown to a watcher as they are loaded: how the
 * stage that judges rows (validate) sees what the stage that loads them
 * (ingest) stores, while it stores it, without either naming the other
 * (the program, pipeline/, hands the one's rowtap to the other).
 *
 * Per file, inside the loader's transaction: begin() before the first row
 * (NULL: the watcher does not want this file); row() for every row stored,
 * in file order, after its batch was inserted (the rowids are the table's;
 * the cells are the row's columns as stored, in begin()'s order); end()
 * after the last row, where the watcher may write what it found; drop()
 * frees, after end() or instead of it when the file is abandoned or its
 * rows could not be shown exactly (then the watcher has seen only a part
 * and must keep nothing). The watcher never fails the load: row()
 * returning non-zero drops it (no more rows, no end()); end() writes what
 * it found whole or not at all.
 */
#ifndef HR_ROWTAP_H
#define HR_ROWTAP_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/error.h"

/* A value as SQLite stores it: type is SQLITE_NULL, SQLITE_INTEGER (i),
 * SQLITE_FLOAT (d), SQLITE_TEXT or SQLITE_BLOB (s, n bytes; "" when n is
 * 0). */
typedef struct rowtap_cell {
    int type;
    int64_t i;
    double d;
    const unsigned char *s;
    size_t n;
} rowtap_cell;

typedef struct rowtap {
    void *ctx;
    /* rows_hint: at most about this many rows will come */
    void *(*begin)(void *ctx, sqlite3 *db, const char *table, const char *period,
                   int64_t file_id, const char *const *columns, int ncolumns, int64_t rows_hint);
    int (*row)(void *file, int64_t rowid, const rowtap_cell *cells, hr_error *err);
    int (*end)(void *file, hr_error *err);
    void (*drop)(void *file);
} rowtap;

#endif
