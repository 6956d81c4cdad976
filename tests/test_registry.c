/*
 * test_registry.c -- the run registry: the months a report's fingerprint
 * covers, and idempotence (record, then current; a changed input file, a
 * changed template, a deleted or edited PDF each make it stale again).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/error.h"
#include "pipeline/core/period.h"
#include "pipeline/core/registry.h"
#include "tests/support/testkit.h"

/* The data folder, a scratch folder of the test kit, emptied for each test
 * (one for the run: paths_data_file() reads HOSPREPORT_DATADIR once). */
static char dir[64];

/* dir/NAME, in one of four static buffers used in turn. */
static const char *at(const char *name)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}
#define DB_PATH at("r.db")
#define TEMPLATE at("monthly.xml")
#define PDF at("monthly-2026-10-hospital.zh_CN.pdf")

static void months_of(const char *text, const char *first, const char *last)
{
    period p;
    int a, b;
    char la[PERIOD_LABEL_MAX], lb[PERIOD_LABEL_MAX];
    assert_int_equal(period_parse(text, &p, NULL), 0);
    registry_input_months(&p, &a, &b);
    assert_string_equal(period_month_label(a, la), first);
    assert_string_equal(period_month_label(b, lb), last);
}

static void test_input_months(void **state)
{
    (void)state;
    months_of("2026-10", "2024-11", "2026-10");           /* 24 months up to it */
    months_of("2026-Q3", "2024-10", "2026-09");
    months_of("2026", "2025-01", "2026-12");              /* YoY base: 2025 */
    months_of("2024-01..2026-06", "2021-07", "2026-06");  /* MoM base: 30 months before */
}

static sqlite3 *setup(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/* '%s'/.[!.]*", dir, dir);
    if (system(cmd) != 0)
        fail();
    sqlite3 *db;
    hr_error err;
    assert_int_equal(db_open(DB_PATH, &db, &err), 0);
    assert_int_equal(
        db_exec(db,
                "INSERT INTO period_state (period, validation_state, reconcile_state) VALUES"
                " ('2026-09', 'ok', 'ok'), ('2026-10', 'ok', 'ok');"
                "INSERT INTO source_file (period, source, path, size_bytes, sha256, profile,"
                " loaded_at, outcome, current) VALUES"
                " ('2026-09', 'outpatient', 'a', 1, 'aaa', 'p', 't', 'loaded', 1),"
                " ('2026-10', 'outpatient', 'b', 1, 'bbb', 'p', 't', 'loaded', 1);",
                NULL),
        0);
    tk_write_file(TEMPLATE, "<report/>\n");
    return db;
}

static void entry_for(sqlite3 *db, registry_entry *e, char fp[DIGEST_HEX_SIZE])
{
    hr_error err;
    assert_int_equal(registry_inputs_fingerprint(db, "2026-10", fp, &err), 0);
    assert_int_equal(registry_entry_init(e, "monthly", "2026-10", "hospital", "zh_CN", TEMPLATE,
                                         fp, PDF, &err),
                     0);
}

static void test_idempotence(void **state)
{
    (void)state;
    sqlite3 *db = setup();
    hr_error err;
    registry_entry e;
    char fp[DIGEST_HEX_SIZE];
    entry_for(db, &e, fp);
    assert_int_equal(registry_is_current(db, &e, &err), 0); /* never generated */

    tk_write_file(PDF, "%PDF-1.4 first\n");
    assert_int_equal(registry_record(db, &e, &err), 0);
    entry_for(db, &e, fp);
    assert_int_equal(registry_is_current(db, &e, &err), 1); /* rerun: nothing to do */

    /* Another language or scope is another report. */
    registry_entry other = e;
    other.lang = "en";
    assert_int_equal(registry_is_current(db, &other, &err), 0);

    /* An input file of a month the report reads is replaced. */
    char old_fp[DIGEST_HEX_SIZE];
    memcpy(old_fp, fp, sizeof fp);
    assert_int_equal(db_exec(db,
                             "UPDATE source_file SET current = 0 WHERE sha256 = 'aaa';"
                             "INSERT INTO source_file (period, source, path, size_bytes, sha256,"
                             " profile, loaded_at, outcome, current) VALUES ('2026-09',"
                             " 'outpatient', 'a', 1, 'aaa2', 'p', 't', 'loaded', 1);",
                             NULL),
                     0);
    entry_for(db, &e, fp);
    assert_string_not_equal(fp, old_fp);
    assert_int_equal(registry_is_current(db, &e, &err), 0);
    assert_int_equal(registry_record(db, &e, &err), 0);
    assert_int_equal(registry_is_current(db, &e, &err), 1);

    /* A month outside the 24 the report reads does not matter. */
    memcpy(old_fp, fp, sizeof fp);
    assert_int_equal(db_exec(db,
                             "INSERT INTO source_file (period, source, path, size_bytes, sha256,"
                             " profile, loaded_at, outcome, current) VALUES ('2026-11',"
                             " 'outpatient', 'c', 1, 'ccc', 'p', 't', 'loaded', 1),"
                             " ('2024-10', 'outpatient', 'd', 1, 'ddd', 'p', 't', 'loaded', 1);",
                             NULL),
                     0);
    entry_for(db, &e, fp);
    assert_string_equal(fp, old_fp);
    assert_int_equal(registry_is_current(db, &e, &err), 1);

    /* A forced reconciliation changes the cover: regenerate. */
    assert_int_equal(db_exec(db, "UPDATE period_state SET reconcile_forced = 1", NULL), 0);
    entry_for(db, &e, fp);
    assert_int_equal(registry_is_current(db, &e, &err), 0);
    assert_int_equal(registry_record(db, &e, &err), 0);

    /* The template changes. */
    tk_write_file(TEMPLATE, "<report version='2'/>\n");
    entry_for(db, &e, fp);
    assert_int_equal(registry_is_current(db, &e, &err), 0);
    assert_int_equal(registry_record(db, &e, &err), 0);
    assert_int_equal(registry_is_current(db, &e, &err), 1);

    /* The PDF is edited, then deleted. */
    tk_write_file(PDF, "%PDF-1.4 edited by hand\n");
    assert_int_equal(registry_is_current(db, &e, &err), 0);
    assert_int_equal(registry_record(db, &e, &err), 0);
    assert_int_equal(registry_is_current(db, &e, &err), 1);
    unlink(PDF);
    assert_int_equal(registry_is_current(db, &e, &err), 0);

    int64_t rows = 0;
    assert_int_equal(db_query_int(db, &rows, &err, "SELECT count(*) FROM report_run", NULL), 1);
    assert_int_equal(rows, 5); /* one row per generation: the history is kept */
    db_close(db);
}

static void test_config_changes_fingerprint(void **state)
{
    (void)state;
    sqlite3 *db = setup();
    hr_error err;
    char before[DIGEST_HEX_SIZE], after[DIGEST_HEX_SIZE], again[DIGEST_HEX_SIZE];
    assert_int_equal(registry_inputs_fingerprint(db, "2026-10", before, &err), 0);
    assert_int_equal(mkdir(at("config"), 0755), 0);
    assert_int_equal(mkdir(at("config/rules"), 0755), 0);
    tk_write_file(at("config/rules/reconcile.xml"), "<rules/>\n");
    assert_int_equal(registry_inputs_fingerprint(db, "2026-10", after, &err), 0);
    assert_string_not_equal(before, after);
    assert_int_equal(registry_inputs_fingerprint(db, "2026-10", again, &err), 0);
    assert_string_equal(after, again); /* deterministic */
    tk_write_file(at("config/rules/reconcile.xml"), "<rules tolerance='1'/>\n");
    assert_int_equal(registry_inputs_fingerprint(db, "2026-10", again, &err), 0);
    assert_string_not_equal(after, again);
    /* where exports come from and reports go changes no number */
    char moved[DIGEST_HEX_SIZE];
    tk_write_file(at("config/sources.xml"), "<sources/>\n");
    tk_write_file(at("config/delivery.xml"), "<delivery/>\n");
    assert_int_equal(registry_inputs_fingerprint(db, "2026-10", moved, &err), 0);
    assert_string_equal(again, moved);
    db_close(db);
}

/* The view month_state (007_month_state) and REGISTRY_*_SQL are one
 * mechanism: the same state for every combination of state and
 * fingerprint (never run, run on the current data, run on other data). */
static void test_month_state_view(void **state)
{
    (void)state;
    sqlite3 *db = setup();
    assert_int_equal(
        db_exec(db,
                "DELETE FROM period_state;"
                "INSERT INTO period_state (period, inputs, validation_state, validated_inputs,"
                " reconcile_state, reconciled_inputs) VALUES"
                " ('2026-01', NULL, NULL, NULL, NULL, NULL),"
                " ('2026-02', 'f1', 'ok', 'f1', 'blocking', 'f1'),"
                " ('2026-03', 'f2', 'ok', 'f1', 'warnings', 'f1'),"
                " ('2026-04', 'f2', 'failed', 'f2', 'ok', 'f0'),"
                " ('2026-05', 'f2', NULL, NULL, 'ok', NULL),"
                " ('2026-06', NULL, 'ok', NULL, 'ok', 'f1');",
                NULL),
        0);
    const char *view = "SELECT group_concat(period || ':' || coalesce(validation_state, '-') || '/'"
                       " || coalesce(reconcile_state, '-'), ' ') FROM (SELECT * FROM month_state"
                       " ORDER BY period)";
    const char *macro = "SELECT group_concat(period || ':' || coalesce(" REGISTRY_VALIDATION_SQL
                        ", '-') || '/' || coalesce(" REGISTRY_RECONCILE_SQL ", '-'), ' ') FROM"
                        " (SELECT * FROM period_state ORDER BY period)";
    const char *expect = "2026-01:-/- 2026-02:ok/blocking 2026-03:stale/stale "
                         "2026-04:failed/stale 2026-05:-/stale 2026-06:ok/stale";
    assert_string_equal(tk_query_text(db, view), expect);
    assert_string_equal(tk_query_text(db, macro), expect);
    db_close(db);
}

static void test_errors(void **state)
{
    (void)state;
    sqlite3 *db = setup();
    hr_error err;
    char fp[DIGEST_HEX_SIZE];
    assert_int_equal(registry_inputs_fingerprint(db, "2026-13", fp, &err), HR_EUSAGE);
    registry_entry e;
    memset(fp, 'a', 64);
    fp[64] = '\0';
    assert_int_equal(registry_entry_init(&e, "monthly", "2026-10", "hospital", "en",
                                         at("missing.xml"), fp, PDF, &err),
                     HR_EFAIL);
    assert_string_equal(err.file, at("missing.xml"));
    assert_int_equal(registry_entry_init(&e, "monthly", "2026-10", "hospital", "en", TEMPLATE, fp,
                                         at("not-written.pdf"), &err),
                     0);
    assert_int_not_equal(registry_record(db, &e, &err), 0); /* no PDF to record */
    db_close(db);
}

static int group_setup(void **state)
{
    (void)state;
    tk_tmpdir_create(dir, "test-registry");
    setenv("HOSPREPORT_DATADIR", dir, 1); /* no config/ there: data only */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tk_tmpdir_remove(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_months),
        cmocka_unit_test(test_idempotence),
        cmocka_unit_test(test_config_changes_fingerprint),
        cmocka_unit_test(test_month_state_view),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
