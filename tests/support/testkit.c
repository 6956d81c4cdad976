/*
 * testkit.c -- helpers shared by the tests (see testkit.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "stages/compute/compute.h"
#include "tests/support/testkit.h"

void tk_tmpdir_create(char *buf, const char *prefix)
{
    snprintf(buf, 64, "/tmp/%s-XXXXXX", prefix);
    assert_non_null(mkdtemp(buf));
}

void tk_tmpdir_remove(const char *dir)
{
    if (getenv("HR_TEST_KEEP")) { /* to look at what a test wrote */
        fprintf(stderr, "testkit: kept %s (HR_TEST_KEEP)\n", dir);
        return;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "testkit: could not remove %s\n", dir);
}

void tk_slurp(const char *path, strbuf *sb)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(sb, buf, n);
    fclose(f);
}

void tk_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

void tk_edited_copy(const char *dst, const char *src, ...)
{
    strbuf text = STRBUF_INIT;
    tk_slurp(src, &text);
    va_list ap;
    va_start(ap, src);
    const char *from;
    while ((from = va_arg(ap, const char *))) {
        const char *to = va_arg(ap, const char *);
        const char *at = strstr(text.buf, from);
        if (!at)
            fail_msg("%s: no '%s' to edit", src, from);
        strbuf out = STRBUF_INIT;
        sb_add(&out, text.buf, (size_t)(at - text.buf));
        sb_addf(&out, "%s%s", to, at + strlen(from));
        sb_release(&text);
        text = out;
    }
    va_end(ap);
    tk_write_file(dst, text.buf);
    sb_release(&text);
}

sqlite3 *tk_fixture_db(const char *dir, const char *name, const char *sql_path)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.db", dir, name);
    char side[272];
    snprintf(side, sizeof side, "%s-wal", path); /* an earlier failed test's */
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    unlink(path);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_open(path, &db, &err), 0);
    strbuf sql = STRBUF_INIT;
    tk_slurp(sql_path, &sql);
    if (db_exec(db, sql.buf, &err))
        fail_msg("%s: %s", sql_path, err.message);
    sb_release(&sql);
    return db;
}

sqlite3 *tk_scratch_db(char *dir, const char *prefix)
{
    tk_tmpdir_create(dir, prefix);
    char path[128];
    snprintf(path, sizeof path, "%s/test.db", dir);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    if (db_open(path, &db, &err))
        fail_msg("%s: %s", path, err.message);
    return db;
}

void tk_scratch_close(sqlite3 *db, const char *dir)
{
    db_close(db);
    tk_tmpdir_remove(dir);
}

void tk_exec(sqlite3 *db, const char *sql)
{
    hr_error err;
    hr_error_clear(&err);
    if (db_exec(db, sql, &err))
        fail_msg("%s: %s", sql, err.message);
}

int64_t tk_query_int(sqlite3 *db, const char *sql)
{
    int64_t v = -1;
    hr_error err;
    hr_error_clear(&err);
    if (db_query_int(db, &v, &err, sql, NULL) < 0)
        fail_msg("%s: %s", sql, err.message);
    return v;
}

const char *tk_query_text(sqlite3 *db, const char *sql)
{
    static char buf[1024];
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
    }
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "NULL");
    sqlite3_finalize(st);
    return buf;
}

void tk_compute(sqlite3 *db, const char *period)
{
    hr_error err;
    hr_error_clear(&err);
    if (compute_period(db, period, &err))
        fail_msg("compute %s: %s", period, err.message);
}

int tk_indicator(sqlite3 *db, const char *period, const char *scope, const char *ind,
                 const char *col, double *out)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM indicator_value WHERE period = ? AND scope = ? AND indicator = ?",
             col);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        fail_msg("no row %s %s %s", period, scope, ind);
    int defined = sqlite3_column_type(st, 0) != SQLITE_NULL;
    *out = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return defined;
}

void tk_expect_indicator(sqlite3 *db, const char *period, const char *scope, const char *ind,
                         const char *col, double want)
{
    double v;
    if (!tk_indicator(db, period, scope, ind, col, &v))
        fail_msg("%s %s %s %s: undefined, expected %.17g", period, scope, ind, col, want);
    if (fabs(v - want) > 1e-9 * (1 + fabs(want)))
        fail_msg("%s %s %s %s: %.17g, expected %.17g", period, scope, ind, col, v, want);
}

void tk_expect_undefined(sqlite3 *db, const char *period, const char *scope, const char *ind,
                         const char *col)
{
    double v;
    if (tk_indicator(db, period, scope, ind, col, &v))
        fail_msg("%s %s %s %s: %.17g, expected undefined", period, scope, ind, col, v);
}

static struct {
    sqlite3 *db;
    const char *sql_part;
    int after, seen, fired;
} interrupt_hook;

static int interrupt_step(void *unused)
{
    (void)unused;
    if (interrupt_hook.fired)
        return 0;
    for (sqlite3_stmt *p = sqlite3_next_stmt(interrupt_hook.db, NULL); p;
         p = sqlite3_next_stmt(interrupt_hook.db, p))
        if (sqlite3_stmt_busy(p) && sqlite3_sql(p) &&
            strstr(sqlite3_sql(p), interrupt_hook.sql_part)) {
            if (++interrupt_hook.seen < interrupt_hook.after)
                return 0;
            interrupt_hook.fired = 1;
            return 1;
        }
    return 0;
}

void tk_interrupt_reader(sqlite3 *db, const char *sql_part, int after_ops)
{
    interrupt_hook.db = db;
    interrupt_hook.sql_part = sql_part;
    interrupt_hook.after = after_ops;
    interrupt_hook.seen = interrupt_hook.fired = 0;
    sqlite3_progress_handler(db, 1, interrupt_step, NULL);
}

int tk_interrupt_fired(void) { return interrupt_hook.fired; }

void tk_interrupt_clear(sqlite3 *db) { sqlite3_progress_handler(db, 0, NULL, NULL); }

static void read_command(const char *cmd, strbuf *sb)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sb_add(sb, buf, n);
    pclose(p);
}

static void pdf_text(const char *pdf, int page, const char *options, strbuf *sb)
{
    char cmd[600];
    if (page)
        snprintf(cmd, sizeof cmd, "pdftotext -q%s -f %d -l %d '%s' -", options, page, page, pdf);
    else
        snprintf(cmd, sizeof cmd, "pdftotext -q%s '%s' -", options, pdf);
    sb_reset(sb);
    read_command(cmd, sb);
}

void tk_pdf_text(const char *pdf, int page, strbuf *sb) { pdf_text(pdf, page, "", sb); }

void tk_pdf_text_layout(const char *pdf, int page, strbuf *sb)
{
    pdf_text(pdf, page, " -layout", sb);
}

int tk_pdf_pages(const char *pdf)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", pdf);
    strbuf out = STRBUF_INIT;
    read_command(cmd, &out);
    int pages = 0;
    const char *p = strstr(out.buf, "Pages:");
    if (p)
        pages = atoi(p + 6);
    sb_release(&out);
    return pages;
}
