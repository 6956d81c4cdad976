/*
 * test_schedule.c -- report deadlines and `due` / `status`: the deadline
 * arithmetic around each deadline (the 9th, 10th and 11th; quarter end +
 * 14, 15, 16 days; 31 January and 1 February), which reports `due` lists,
 * and what `status` prints.
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
#include "pipeline/core/error.h"
#include "pipeline/core/period.h"
#include "pipeline/core/registry.h"
#include "pipeline/schedule.h"
#include "tests/support/testkit.h"

static int32_t day(const char *iso)
{
    int32_t d;
    hr_error err;
    assert_int_equal(schedule_parse_date(iso, &d, &err), 0);
    return d;
}

static const char *deadline_of(const char *period_text, char buf[11])
{
    period p;
    int32_t d;
    assert_int_equal(period_parse(period_text, &p, NULL), 0);
    assert_int_equal(schedule_deadline(&p, &d), 0);
    return schedule_date_label(d, buf);
}

static void test_date_round_trip(void **state)
{
    (void)state;
    char buf[11];
    assert_int_equal(day("1970-01-01"), 0);
    assert_int_equal(day("1970-01-02"), 1);
    assert_int_equal(day("2000-03-01") - day("2000-02-28"), 2); /* 2000 is a leap year */
    assert_int_equal(day("2100-03-01") - day("2100-02-28"), 1); /* 2100 is not */
    assert_string_equal(schedule_date_label(day("2028-02-29"), buf), "2028-02-29");
    assert_string_equal(schedule_date_label(day("2026-12-31") + 1, buf), "2027-01-01");
    int32_t d;
    hr_error err;
    assert_int_equal(schedule_parse_date("2026-02-30", &d, &err), HR_EUSAGE);
    assert_string_equal(err.field, "--today");
    assert_int_equal(schedule_parse_date("2026-2-3", &d, &err), HR_EUSAGE);
}

static void test_deadlines(void **state)
{
    (void)state;
    char buf[11];
    assert_string_equal(deadline_of("2026-10", buf), "2026-11-09");
    assert_string_equal(deadline_of("2026-12", buf), "2027-01-09"); /* across the year */
    assert_string_equal(deadline_of("2026-Q3", buf), "2026-10-15"); /* Sep 30 + 15 */
    assert_string_equal(deadline_of("2026-Q1", buf), "2026-04-15"); /* Mar 31 + 15 */
    assert_string_equal(deadline_of("2026-Q4", buf), "2027-01-15");
    assert_string_equal(deadline_of("2026", buf), "2027-01-31");
    period topic;
    int32_t d;
    assert_int_equal(period_parse("2026-01..2026-06", &topic, NULL), 0);
    assert_int_equal(schedule_deadline(&topic, &d), -1);
    assert_string_equal(schedule_kind(&topic), "topic");
}

static const char *state_on(const char *period_text, const char *today, int done)
{
    period p;
    int32_t d;
    assert_int_equal(period_parse(period_text, &p, NULL), 0);
    assert_int_equal(schedule_deadline(&p, &d), 0);
    assert_true(schedule_listed(day(today), d));
    return schedule_state_name(schedule_state_of(done, day(today), d));
}

static void test_states_around_deadlines(void **state)
{
    (void)state;
    /* Monthly: before the 10th. */
    assert_string_equal(state_on("2026-10", "2026-11-09", 0), "due");
    assert_string_equal(state_on("2026-10", "2026-11-10", 0), "overdue");
    assert_string_equal(state_on("2026-10", "2026-11-11", 0), "overdue");
    assert_string_equal(state_on("2026-10", "2026-11-11", 1), "done");
    /* Quarterly: within 15 days of the quarter's end (Sep 30). */
    assert_string_equal(state_on("2026-Q3", "2026-10-14", 0), "due");
    assert_string_equal(state_on("2026-Q3", "2026-10-15", 0), "due");
    assert_string_equal(state_on("2026-Q3", "2026-10-16", 0), "overdue");
    assert_string_equal(state_on("2026-Q3", "2026-10-16", 1), "done");
    /* Annual: by 31 January. */
    assert_string_equal(state_on("2026", "2027-01-31", 0), "due");
    assert_string_equal(state_on("2026", "2027-02-01", 0), "overdue");
    assert_string_equal(state_on("2026", "2027-02-01", 1), "done");
}

static void test_listing_window(void **state)
{
    (void)state;
    int32_t deadline = day("2026-11-09");
    assert_true(schedule_listed(day("2026-11-01"), deadline));
    assert_true(schedule_listed(day("2026-10-09"), deadline));  /* 31 days ahead */
    assert_false(schedule_listed(day("2026-10-08"), deadline)); /* 32 days ahead */
    assert_true(schedule_listed(day("2027-02-09"), deadline));  /* 92 days late */
    assert_false(schedule_listed(day("2027-02-10"), deadline)); /* 93 days late */
}

/* ---- due and status on a database ---- */

static char scratch[64], db_path[96]; /* the test kit's scratch folder */
#define DB_PATH db_path

static sqlite3 *fresh_db(void)
{
    char side[112];
    snprintf(side, sizeof side, "%s-wal", DB_PATH);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", DB_PATH);
    unlink(side);
    unlink(DB_PATH);
    sqlite3 *db;
    hr_error err;
    assert_int_equal(db_open(DB_PATH, &db, &err), 0);
    return db;
}

static void load_month(sqlite3 *db, const char *month)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO period_state (period, ingested_at, validation_state, reconcile_state)"
             " VALUES ('%s', '2026-11-01T00:00:00Z', 'ok', 'ok')",
             month);
    assert_int_equal(db_exec(db, sql, NULL), 0);
}

/* A PDF recorded as drawn from the period's inputs as they are now. */
static void generated(sqlite3 *db, const char *kind, const char *p, const char *lang)
{
    char sql[512], fp[DIGEST_HEX_SIZE];
    hr_error err;
    assert_int_equal(registry_inputs_fingerprint(db, p, fp, &err), 0);
    snprintf(sql, sizeof sql,
             "INSERT INTO report_run (kind, period, scope, lang, template_path, template_sha256,"
             " inputs_fingerprint, output_path, output_sha256, output_bytes, generated_at)"
             " VALUES ('%s', '%s', 'hospital', '%s', 't', 'x', '%s', 'o', 'z', 1,"
             " '2026-11-03T02:00:00Z')",
             kind, p, lang, fp);
    assert_int_equal(db_exec(db, sql, NULL), 0);
}

/* Runs `due` for `today`, returns its stdout (static buffer). */
static const char *run_due(const char *today)
{
    static char text[4096];
    cli_args a = {.command = "due", .db = DB_PATH, .lang = "all", .today = today,
                  .sources = "tests/data/pull/sources-one.xml"};
    FILE *out = tmpfile();
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(schedule_due(&a, out, &err), 0);
    rewind(out);
    size_t n = fread(text, 1, sizeof text - 1, out);
    text[n] = '\0';
    fclose(out);
    return text;
}

static void test_due_command(void **state)
{
    (void)state;
    sqlite3 *db = fresh_db();
    /* Q3 fully loaded, October loaded; 2026-08 monthly done in every language,
     * 2026-09 monthly only in Chinese (not done). */
    load_month(db, "2026-07");
    load_month(db, "2026-08");
    load_month(db, "2026-09");
    load_month(db, "2026-10");
    generated(db, "monthly", "2026-08", "zh_CN");
    generated(db, "monthly", "2026-08", "en");
    generated(db, "monthly", "2026-08", "bilingual");
    generated(db, "monthly", "2026-09", "zh_CN");
    db_close(db);

    const char *header = "KIND       PERIOD    DEADLINE    STATE\n";
    char expect[1024];
    snprintf(expect, sizeof expect,
             "%s"
             "monthly    2026-07   2026-08-09  overdue\n"
             "monthly    2026-08   2026-09-09  done\n"
             "monthly    2026-09   2026-10-09  overdue\n"
             "quarterly  2026-Q3   2026-10-15  due\n"
             "monthly    2026-10   2026-11-09  due\n",
             header);
    assert_string_equal(run_due("2026-10-15"), expect);

    snprintf(expect, sizeof expect,
             "%s"
             "monthly    2026-07   2026-08-09  overdue\n"
             "monthly    2026-08   2026-09-09  done\n"
             "monthly    2026-09   2026-10-09  overdue\n"
             "quarterly  2026-Q3   2026-10-15  overdue\n"
             "monthly    2026-10   2026-11-09  due\n",
             header);
    assert_string_equal(run_due("2026-10-16"), expect);

    /* July's data change (a late file): August's report, whose MoM reads
     * July, is stale until it is rendered again; July's own was never done */
    hr_error err;
    assert_int_equal(db_open(DB_PATH, &db, &err), 0);
    assert_int_equal(db_exec(db, "INSERT INTO source_file (period, source, path, size_bytes, "
                                 "sha256, profile, loaded_at, outcome) VALUES ('2026-07', "
                                 "'cost', 'cost.csv', 1, 'abc', 'standard', 'now', 'loaded')",
                             &err),
                     0);
    db_close(db);
    snprintf(expect, sizeof expect,
             "%s"
             "monthly    2026-07   2026-08-09  overdue\n"
             "monthly    2026-08   2026-09-09  stale\n"
             "monthly    2026-09   2026-10-09  overdue\n"
             "quarterly  2026-Q3   2026-10-15  overdue\n"
             "monthly    2026-10   2026-11-09  due\n",
             header);
    assert_string_equal(run_due("2026-10-16"), expect);

    /* Much later: only reports whose deadline passed at most 92 days ago;
     * the months since, never loaded, are waiting for their one required
     * source (tests/data/pull/sources-one.xml), overdue after the 9th. */
    const char *nov = "monthly    2026-11   2026-12-09  overdue  waiting for data: chase 陈静 "
                      "(财务科) for dept.csv (late since 2026-12-03)\n";
    const char *dec = "monthly    2026-12   2027-01-09  overdue  waiting for data: chase 陈静 "
                      "(财务科) for dept.csv (late since 2027-01-03)\n";
    snprintf(expect, sizeof expect,
             "%s"
             "monthly    2026-10   2026-11-09  overdue\n"
             "%s%s"
             "monthly    2027-01   2027-02-09  waiting  for data: chase 陈静 (财务科) for "
             "dept.csv (late since 2027-02-03)\n",
             header, nov, dec);
    assert_string_equal(run_due("2027-02-09"), expect);
    snprintf(expect, sizeof expect,
             "%s%s%s"
             "monthly    2027-01   2027-02-09  overdue  waiting for data: chase 陈静 (财务科) "
             "for dept.csv (late since 2027-02-03)\n",
             header, nov, dec);
    assert_string_equal(run_due("2027-02-10"), expect);

    /* A month not loaded at all is waiting for data (overdue after its
     * deadline); a quarter with a month missing is not listed. */
    db = fresh_db();
    load_month(db, "2026-07");
    load_month(db, "2026-09");
    db_close(db);
    snprintf(expect, sizeof expect,
             "%s"
             "monthly    2026-07   2026-08-09  overdue\n"
             "monthly    2026-08   2026-09-09  overdue  waiting for data: chase 陈静 (财务科) "
             "for dept.csv (late since 2026-09-03)\n"
             "monthly    2026-09   2026-10-09  due\n",
             header);
    assert_string_equal(run_due("2026-10-09"), expect);
}

static void test_due_bad_today(void **state)
{
    (void)state;
    cli_args a = {.command = "due", .db = DB_PATH, .lang = "all", .today = "2026-13-01"};
    hr_error err;
    assert_int_equal(schedule_due(&a, stdout, &err), HR_EUSAGE);
    assert_non_null(strstr(err.message, "2026-13-01"));
}

static void test_status_command(void **state)
{
    (void)state;
    sqlite3 *db = fresh_db();
    load_month(db, "2026-10");
    assert_int_equal(
        db_exec(db,
                "UPDATE period_state SET reconcile_state = 'blocking', reconcile_forced = 1;"
                "INSERT INTO source_file (period, source, path, size_bytes, sha256, profile,"
                " rows_loaded, loaded_at, outcome, current) VALUES"
                " ('2026-10', 'outpatient', 'a.csv', 1, 'h1', 'p', 100, 't', 'loaded', 1),"
                " ('2026-10', 'inpatient', 'b.csv', 1, 'h2', 'p', 20, 't', 'loaded', 1),"
                " ('2026-10', 'inpatient', 'old.csv', 1, 'h0', 'p', 99, 't', 'replaced', 0);"
                "INSERT INTO quarantine (period, source, rule, message, stage) VALUES"
                " ('2026-10', 'outpatient', 'type', 'm', 'ingest'),"
                " ('2026-10', 'outpatient', 'range', 'm', 'validate');",
                NULL),
        0);
    generated(db, "monthly", "2026-10", "zh_CN");
    generated(db, "monthly", "2026-10", "en");
    db_close(db);
    cli_args a = {.command = "status", .db = DB_PATH, .sources = "tests/data/pull/sources-one.xml"};
    FILE *out = tmpfile();
    hr_error err;
    assert_int_equal(schedule_status(&a, out, &err), 0);
    rewind(out);
    char text[2048];
    text[fread(text, 1, sizeof text - 1, out)] = '\0';
    fclose(out);
    assert_non_null(strstr(text, "2026-10       2           120            2  ok          "
                                 "blocking(forced)  no\n"));
    assert_non_null(strstr(text, "monthly    2026-10                 1      2  "
                                 "2026-11-03T02:00:00Z  "));
}

static int setup(void **state)
{
    (void)state;
    tk_tmpdir_create(scratch, "test-schedule");
    snprintf(db_path, sizeof db_path, "%s/test_schedule.db", scratch);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_tmpdir_remove(scratch);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_round_trip),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_states_around_deadlines),
        cmocka_unit_test(test_listing_window),
        cmocka_unit_test(test_due_command),
        cmocka_unit_test(test_due_bad_today),
        cmocka_unit_test(test_status_command),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
