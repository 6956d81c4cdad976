/*
 * test_render_safety.c -- what render refuses or protects against, on the
 * render fixture (tests/data/render/fixture.sql): the template SQL sandbox
 * (ATTACH, functions off the allow-list, identifier columns, runaway
 * queries, empty datasets, more than one statement).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "stages/render/render.h"
#include "tests/support/testkit.h"

static char tmpdir[64];

static int render(sqlite3 *db, const char *tpl, const char *scope, const char *lang,
                  const char *out, hr_error *err)
{
    render_options o = {"monthly", "2026-10", scope, lang, tpl, out, 0};
    int written = 0;
    hr_error_clear(err);
    int rc = render_reports(db, &o, &written, err);
    return rc ? -rc : written;
}

/* A template whose line 3 declares dataset x with `sql`, listed on line 5. */
static void dataset_template(const char *path, const char *sql)
{
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb,
            "<?xml version=\"1.0\"?>\n<report title=\"T\">\n<dataset name=\"x\">%s</dataset>\n"
            "<h level=\"1\">A</h>\n<list dataset=\"x\" field=\"v\" empty=\"Nothing\"/>\n"
            "</report>\n",
            sql);
    tk_write_file(path, sb.buf);
    sb_release(&sb);
}

/* Renders the one-dataset template; returns the error message (static). */
static const char *refused(sqlite3 *db, const char *sql, hr_error *err)
{
    char tpl[256], out[128];
    snprintf(tpl, sizeof tpl, "%s/sandbox.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out-sandbox", tmpdir);
    dataset_template(tpl, sql);
    int n = render(db, tpl, "hospital", "en", out, err);
    if (n >= 0)
        fail_msg("rendered (%d PDFs) a template with <dataset>%s</dataset>", n, sql);
    assert_string_equal(err->file, tpl);
    assert_int_equal(err->line, 3);
    return err->message;
}

static void test_sandbox_refuses_what_is_not_a_plain_select(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "sandbox", "tests/data/render/fixture.sql");
    hr_error err;
    char evil[256], sql[512];

    /* ATTACH passes sqlite3_stmt_readonly() and would create the file */
    snprintf(evil, sizeof evil, "%s/attached.db", tmpdir);
    snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS e", evil);
    assert_contains(refused(db, sql, &err), "attaches a database");
    assert_int_equal(err.code, HR_EINPUT);
    assert_int_equal(access(evil, F_OK), -1);

    /* functions off the allow-list: fts3_tokenizer() prints a pointer and
     * can register a tokenizer; load_extension() loads code */
    assert_contains(refused(db, "SELECT hex(fts3_tokenizer('simple')) AS v", &err),
                    "calls fts3_tokenizer()");
    assert_contains(refused(db, "SELECT load_extension('/tmp/x.so') AS v", &err),
                    "calls load_extension()");
    assert_contains(refused(db, "SELECT sqlite_compileoption_get(0) AS v", &err),
                    "sqlite_compileoption_get");
    assert_contains(refused(db, "SELECT name AS v FROM pragma_table_info('outpatient')", &err),
                    "queries pragma_table_info");
    assert_non_null(refused(db, "SELECT count(*) AS v FROM sqlite_stmt", &err));
    assert_int_equal(err.code, HR_EINPUT);
    assert_contains(refused(db, "SELECT 1 AS v; DELETE FROM indicator_value", &err),
                    "one statement");

    /* identifiers: like patient_key, the visit and stay ids, the raw
     * quarantined record and reconciliation's record keys */
    assert_contains(refused(db, "SELECT visit_id AS v FROM outpatient", &err), "visit_id");
    assert_contains(err.message, "no patient identifier");
    assert_contains(refused(db, "SELECT stay_id AS v FROM inpatient", &err), "stay_id");
    assert_contains(refused(db, "SELECT count(DISTINCT stay_id) AS v FROM mr_front", &err),
                    "stay_id");
    assert_contains(refused(db, "SELECT raw AS v FROM quarantine", &err), "raw");
    assert_contains(refused(db, "SELECT record_key AS v FROM reconcile_record", &err),
                    "record_key");
    assert_contains(refused(db, "SELECT detail AS v FROM reconcile_record", &err), "detail");

    /* a query without an end is stopped, naming the template and line */
    setenv("HOSPREPORT_QUERY_SECONDS", "0.5", 1);
    assert_contains(refused(db,
                            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                            "SELECT count(*) AS v FROM r",
                            &err),
                    "ran longer than 0.5 s");
    unsetenv("HOSPREPORT_QUERY_SECONDS");

    /* an empty dataset says so (not SQLite's "not an error") */
    assert_contains(refused(db, "", &err), "dataset 'x' has no SQL");
    assert_contains(refused(db, "  -- a comment only\n", &err), "has no SQL");

    /* what a template may do still works: allowed functions, a recursive
     * WITH that ends, and a query that returns no rows */
    char tpl[256], out[128];
    snprintf(tpl, sizeof tpl, "%s/fine.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out-fine", tmpdir);
    dataset_template(tpl, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                          "WHERE n &lt; 3) SELECT printf('%d-%s', n, upper(coalesce(NULL, 'ok'))) "
                          "AS v FROM r");
    assert_int_equal(render(db, tpl, "hospital", "en", out, &err), 1);
    strbuf t = STRBUF_INIT;
    char pdf[256];
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "3-OK");
    dataset_template(tpl, "SELECT name_en AS v FROM dept WHERE 0");
    assert_int_equal(render(db, tpl, "hospital", "en", out, &err), 1);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Nothing");
    sb_release(&t);

    /* the connection is itself again afterwards */
    assert_int_equal(tk_query_int(db, "SELECT count(visit_id) > 0 FROM outpatient"), 1);
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-render-safety");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sandbox_refuses_what_is_not_a_plain_select),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
