/*
 * test_ingest_batch.c -- the ingest stage on files big enough to cross its
 * internal boundaries: many batches of typed rows (filled on the reader
 * thread), multi-row INSERTs with rejected rows in between, the bulk path
 * that drops and rebuilds the table's index (files of 4 MiB and more), and
 * a file-level error found thousands of rows in, after earlier batches
 * were inserted. The files are generated into a temporary folder with
 * values that make the expected figures easy to compute by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "tests/support/testkit.h"
#include "pipeline/core/log.h"
#include "stages/ingest/ingest.h"

#define ROWS 50000

static char dir[64];
static char path[128];

/* outpatient.csv of ROWS visits: visit i (line i + 1) has total_fee i.05,
 * no wait_minutes when i is a multiple of 10; visits 7, 10007, 20007,
 * 30007, 40007 have a fee with 3 decimals and visit 12345 no visit_id.
 * bad_quote_at > 0 puts a quote inside visit bad_quote_at's visit_id.
 * A padded patient key makes the file about 5 MB (bulk load: >= 4 MiB). */
static void write_outpatient(int bad_quote_at)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("visit_id,visit_time,dept_code,doctor_code,patient_key,visit_type,total_fee,"
          "drug_fee,material_fee,exam_fee,wait_minutes\n",
          f);
    for (int i = 1; i <= ROWS; i++) {
        char id[32], fee[32], wait[16];
        if (i == 12345)
            id[0] = '\0';
        else if (i == bad_quote_at)
            snprintf(id, sizeof id, "V%d\"x", i);
        else
            snprintf(id, sizeof id, "V%06d", i);
        if (i % 10000 == 7)
            snprintf(fee, sizeof fee, "1.234");
        else
            snprintf(fee, sizeof fee, "%d.05", i);
        if (i % 10 == 0)
            wait[0] = '\0';
        else
            snprintf(wait, sizeof wait, "%d", i % 60);
        fprintf(f, "%s,2026-10-%02d 08:00:00,01%02d,D1,P%040d,%s,%s,1.00,0,2.5,%s\n", id,
                1 + i % 28, i % 5, i, i % 2 ? "O" : "E", fee, wait);
    }
    assert_int_equal(fclose(f), 0);
}

static int ingest(sqlite3 *db, ingest_summary *sum, hr_error *err)
{
    ingest_options opt = {dir, "2026-10", NULL, NULL};
    memset(sum, 0, sizeof *sum);
    hr_error_clear(err);
    return ingest_folder(db, &opt, sum, err);
}

static void load_good(sqlite3 *db)
{
    ingest_summary sum;
    hr_error err;
    write_outpatient(0);
    assert_int_equal(ingest(db, &sum, &err), HR_OK);
    assert_int_equal(sum.files_loaded, 1);
    assert_int_equal(sum.rows_read, ROWS);
    assert_int_equal(sum.rows_loaded, ROWS - 6);
    assert_int_equal(sum.rows_rejected, 6);
}

static void test_many_batches(void **state)
{
    (void)state;
    sqlite3 *db;
    hr_error err;
    assert_int_equal(db_open(":memory:", &db, &err), HR_OK);
    load_good(db);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient"), ROWS - 6);
    /* sum over i = 1..50000 of (100 i + 5) = 100 * 1250025000 + 250000
     * = 125002750000; less the 6 rejected visits (7 + 10007 + 20007 +
     * 30007 + 40007 + 12345 = 112380): 100 * 112380 + 6 * 5 = 11238030. */
    assert_int_equal(tk_query_int(db, "SELECT sum(total_fee_cents) FROM outpatient"), 124991511970LL);
    assert_int_equal(tk_query_int(db, "SELECT sum(drug_fee_cents) FROM outpatient"), 100LL * (ROWS - 6));
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient WHERE wait_minutes IS NULL"), 5000);
    /* Every row where its line says, in line order, with its own values. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient WHERE line_no <> "
                              "CAST(substr(visit_id, 2) AS INTEGER) + 1 OR period <> '2026-10'"),
                     0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM (SELECT line_no, lag(line_no) OVER "
                              "(ORDER BY rowid) AS prev FROM outpatient) WHERE prev >= line_no"),
                     0);
    assert_string_equal(tk_query_text(db, "SELECT visit_time || '|' || dept_code || '|' || visit_type || "
                                  "'|' || wait_minutes FROM outpatient WHERE line_no = 2049"),
                        "2026-10-05 08:00:00|0103|E|8");
    /* The rejected rows, each with its line, rule and record. */
    assert_string_equal(tk_query_text(db, "SELECT group_concat(line_no || ':' || field || ':' || rule, ' ') "
                                  "FROM (SELECT * FROM quarantine ORDER BY line_no)"),
                        "8:total_fee:type 10008:total_fee:type 12346:visit_id:required "
                        "20008:total_fee:type 30008:total_fee:type 40008:total_fee:type");
    assert_string_equal(tk_query_text(db, "SELECT message FROM quarantine WHERE line_no = 8"),
                        "'1.234' is not an amount of money (at most 2 decimals) "
                        "(expected 1234.50)");
    assert_string_equal(tk_query_text(db, "SELECT substr(raw, 1, 30) FROM quarantine WHERE line_no = 8"),
                        "V000007,2026-10-08 08:00:00,01");
    assert_string_equal(tk_query_text(db, "SELECT message FROM quarantine WHERE line_no = 12346"),
                        "visit_id is required (empty)");
    /* The index dropped for the bulk load is back, and sound. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'outpatient_period'"), 1);
    assert_string_equal(tk_query_text(db, "PRAGMA integrity_check"), "ok");
    /* The virtual table the batches went through is gone. */
    sqlite3_stmt *st = NULL;
    assert_int_not_equal(sqlite3_prepare_v2(db, "SELECT * FROM ingest_rows", -1, &st, NULL),
                         SQLITE_OK);
    sqlite3_finalize(st);
    db_close(db);
}

/* A malformed record 45000 rows in: the file is rejected whole, and the
 * database keeps the earlier load as it was, index included. */
static void test_error_after_many_batches(void **state)
{
    (void)state;
    sqlite3 *db;
    hr_error err;
    assert_int_equal(db_open(":memory:", &db, &err), HR_OK);
    load_good(db);
    write_outpatient(45000);
    ingest_summary sum;
    assert_int_equal(ingest(db, &sum, &err), HR_EINPUT);
    assert_int_equal(err.line, 45001);
    assert_non_null(strstr(err.file, "outpatient.csv"));
    assert_non_null(strstr(err.message, "a quote inside an unquoted field"));
    assert_int_equal(sum.files_loaded, 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient"), ROWS - 6);
    assert_int_equal(tk_query_int(db, "SELECT sum(total_fee_cents) FROM outpatient"), 124991511970LL);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 6);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM source_file"), 1);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'outpatient_period'"), 1);
    assert_string_equal(tk_query_text(db, "PRAGMA integrity_check"), "ok");
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    tk_tmpdir_create(dir, "hr-ingest-batch");
    snprintf(path, sizeof path, "%s/outpatient.csv", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_tmpdir_remove(dir);
    return 0;
}

int main(void)
{
    setenv("HOSPREPORT_DATADIR", ".", 1);
    log_verbosity = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_batches),
        cmocka_unit_test(test_error_after_many_batches),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
