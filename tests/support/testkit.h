/*
 * testkit.h -- what the tests share: a scratch folder, whole-file reads,
 * fixture databases built from SQL files, and the PDF inspection tools the
 * render and report tests read their output with (pdftotext, pdfinfo from
 * poppler-utils).
 *
 * Failures are cmocka assertions: a helper that cannot do its job fails the
 * test that called it. Strings returned are the caller's strbufs.
 */
#ifndef HR_TESTKIT_H
#define HR_TESTKIT_H

#include <sqlite3.h>
#include <stdint.h>

#include "pipeline/core/strbuf.h"

/* Creates /tmp/PREFIX-XXXXXX into buf (>= 64 bytes); removes it again. */
void tk_tmpdir_create(char *buf, const char *prefix);
/* Removes dir and what is in it; with HR_TEST_KEEP set it keeps the folder
 * and says where it is, to look at what a test wrote. */
void tk_tmpdir_remove(const char *dir);

/* Appends the whole file to sb. */
void tk_slurp(const char *path, strbuf *sb);
/* Writes text to path (replacing it); fails the test if it cannot. */
void tk_write_file(const char *path, const char *text);
/* Writes to dst a copy of src with edits: pairs of strings FROM, TO (a
 * NULL ends them), each FROM's first occurrence replaced by its TO, in
 * order; fails the test if a FROM is not in the text (so a fixture that
 * changed under the test does not pass unedited). */
void tk_edited_copy(const char *dst, const char *src, ...);

/* A fresh database DIR/NAME.db, migrated, with the statements of sql_path
 * run in it. The caller closes it with db_close(). */
sqlite3 *tk_fixture_db(const char *dir, const char *name, const char *sql_path);

/* A scratch database for a test that fills it with SQL: a fresh folder
 * /tmp/PREFIX-XXXXXX into dir (>= 64 bytes), for the files the test writes
 * beside it, holding the migrated, empty dir/test.db. tk_scratch_close()
 * closes it and removes the folder. */
sqlite3 *tk_scratch_db(char *dir, const char *prefix);
void tk_scratch_close(sqlite3 *db, const char *dir);

/* SQL for tests: run statements, or read one integer, failing the test
 * (with the SQL and SQLite's message) when the database refuses. */
void tk_exec(sqlite3 *db, const char *sql);
int64_t tk_query_int(sqlite3 *db, const char *sql);
/* The first column of the first row as text ("NULL" for NULL), in a static
 * buffer valid until the next call; fails the test without a row. */
const char *tk_query_text(sqlite3 *db, const char *sql);

/* A read error injected into one reader loop: the next statement of db
 * whose SQL contains `sql_part` is interrupted (SQLITE_INTERRUPT, as
 * sqlite3_interrupt() does) once it has run `after_ops` virtual-machine
 * instructions, i.e. after its first rows when `after_ops` is large enough;
 * once only. tk_interrupt_fired() says whether it happened; tk_interrupt_
 * clear() removes the hook (one hook at a time, on one connection). */
void tk_interrupt_reader(sqlite3 *db, const char *sql_part, int after_ops);
int tk_interrupt_fired(void);
void tk_interrupt_clear(sqlite3 *db);

/* Compute's results, for the tests of compute and of what reads it:
 * tk_compute() computes a period, failing the test on an error;
 * tk_indicator() reads one column of indicator_value (value, mom, yoy,
 * ytd, ytd_yoy), 1 when defined, 0 when NULL, failing the test when the
 * row does not exist; tk_expect_indicator() wants it defined and equal to
 * `want` (to 1e-9 relative), tk_expect_undefined() wants it NULL. */
void tk_compute(sqlite3 *db, const char *period);
int tk_indicator(sqlite3 *db, const char *period, const char *scope, const char *ind,
                 const char *col, double *out);
void tk_expect_indicator(sqlite3 *db, const char *period, const char *scope, const char *ind,
                         const char *col, double want);
void tk_expect_undefined(sqlite3 *db, const char *period, const char *scope, const char *ind,
                         const char *col);

/* The text of one page of a PDF (page 0: every page), replacing sb. */
void tk_pdf_text(const char *pdf, int page, strbuf *sb);
/* The same laid out as on the page (pdftotext -layout): a table's row is
 * one line, its cells in order. */
void tk_pdf_text_layout(const char *pdf, int page, strbuf *sb);
/* The number of pages of a PDF (0 if unreadable). */
int tk_pdf_pages(const char *pdf);

#define assert_contains(hay, needle)                                                        \
    do {                                                                                    \
        if (!strstr((hay), (needle)))                                                       \
            fail_msg("expected '%s' in:\n%.3000s", (needle), (hay));                        \
    } while (0)

#endif
