/*
 * rowbatch.c -- inserting many rows into one table by multi-row INSERT
 * statements (compute_internal.h, row_batch).
 *
 * compute writes some 300,000 rows a run (indicator values, measures,
 * statement lines, contributions). Inserted one statement execution per
 * row, a third of each row's cost is the statement's own: opening its
 * cursors, finding the last rowid, halting. Here a row's values are kept
 * until RB_ROWS rows are there, then inserted by one execution of an
 * INSERT with RB_ROWS rows of VALUES; what is left at rb_flush() goes
 * through the one-row INSERT. Rows are inserted in the order given, so
 * the tables (rowids included) are the same as row by row. Nothing is
 * visible in the table before its rows are flushed: flush before reading
 * it back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute_internal.h"

#define RB_ROWS 64

typedef struct rb_cell {
    int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT */
    int64_t i;
    double d;
    size_t text; /* offset in the batch's text */
} rb_cell;

struct row_batch {
    sqlite3 *db;
    sqlite3_stmt *one, *many;
    int ncols, nrows;
    rb_cell *cell; /* RB_ROWS x ncols */
    char *text;
    size_t len, cap;
    const char *what; /* for errors: "storing indicator values" */
};

row_batch *rb_open(sqlite3 *db, const char *insert, const char *table, int ncols,
                   const char *what, hr_error *err)
{
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "%s INTO %s VALUES ", insert, table);
    for (int r = 0; r < RB_ROWS; r++) {
        sb_addstr(&sb, r ? ",(" : "(");
        for (int c = 0; c < ncols; c++)
            sb_addstr(&sb, c ? ",?" : "?");
        sb_addch(&sb, ')');
    }
    row_batch *b = xcalloc(1, sizeof *b);
    b->db = db;
    b->ncols = ncols;
    b->what = what;
    b->cell = xcalloc((size_t)RB_ROWS * (size_t)ncols, sizeof *b->cell);
    b->many = db_prepare(db, sb.buf, err);
    sb_reset(&sb);
    sb_addf(&sb, "%s INTO %s VALUES (", insert, table);
    for (int c = 0; c < ncols; c++)
        sb_addstr(&sb, c ? ",?" : "?");
    sb_addch(&sb, ')');
    b->one = b->many ? db_prepare(db, sb.buf, err) : NULL;
    sb_release(&sb);
    if (!b->one) {
        rb_close(b);
        return NULL;
    }
    return b;
}

static rb_cell *cell_of(row_batch *b, int col)
{
    return &b->cell[(size_t)b->nrows * (size_t)b->ncols + (size_t)(col - 1)];
}

void rb_null(row_batch *b, int col)
{
    cell_of(b, col)->type = SQLITE_NULL;
}

void rb_int(row_batch *b, int col, int64_t v)
{
    rb_cell *c = cell_of(b, col);
    c->type = SQLITE_INTEGER;
    c->i = v;
}

void rb_double(row_batch *b, int col, double v)
{
    rb_cell *c = cell_of(b, col);
    c->type = SQLITE_FLOAT;
    c->d = v;
}

void rb_text(row_batch *b, int col, const char *s)
{
    rb_cell *c = cell_of(b, col);
    if (!s) {
        c->type = SQLITE_NULL;
        return;
    }
    size_t n = strlen(s) + 1;
    if (b->len + n > b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16384;
        while (b->len + n > b->cap)
            b->cap *= 2;
        b->text = xrealloc(b->text, b->cap);
    }
    memcpy(b->text + b->len, s, n);
    c->type = SQLITE_TEXT;
    c->text = b->len;
    b->len += n;
}

/* Binds rows [from, from + n) of the batch to st, from parameter 1. */
static void bind_rows(row_batch *b, sqlite3_stmt *st, int from, int n)
{
    for (int r = 0; r < n; r++)
        for (int c = 0; c < b->ncols; c++) {
            const rb_cell *x = &b->cell[(size_t)(from + r) * (size_t)b->ncols + (size_t)c];
            int p = r * b->ncols + c + 1;
            switch (x->type) {
            case SQLITE_INTEGER:
                sqlite3_bind_int64(st, p, x->i);
                break;
            case SQLITE_FLOAT:
                sqlite3_bind_double(st, p, x->d);
                break;
            case SQLITE_TEXT:
                sqlite3_bind_text(st, p, b->text + x->text, -1, SQLITE_STATIC);
                break;
            default:
                sqlite3_bind_null(st, p);
            }
        }
}

static int run(row_batch *b, sqlite3_stmt *st, int from, int n, hr_error *err)
{
    bind_rows(b, st, from, n);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(b->db, b->what, err);
}

int rb_flush(row_batch *b, hr_error *err)
{
    int rc = HR_OK;
    if (b->nrows == RB_ROWS)
        rc = run(b, b->many, 0, RB_ROWS, err);
    else
        for (int r = 0; r < b->nrows && !rc; r++)
            rc = run(b, b->one, r, 1, err);
    b->nrows = 0;
    b->len = 0;
    return rc;
}

int rb_row(row_batch *b, hr_error *err)
{
    return ++b->nrows == RB_ROWS ? rb_flush(b, err) : HR_OK;
}

void rb_close(row_batch *b)
{
    if (!b)
        return;
    sqlite3_finalize(b->one);
    sqlite3_finalize(b->many);
    free(b->cell), free(b->text);
    free(b);
}
