/*
 * test_validate_check.c -- the row rules judged in C (validate_check.c)
 * give exactly what their SQL conditions give.
 *
 * A month of rows no ingest would store -- text and reals in integer
 * columns, a blob, full-width digits in a date, codes with a slash, a
 * non-ASCII letter or a leading dot, a department not in the dictionary,
 * parts above their total, a date before the admission -- is validated
 * twice: as validate runs (C), and with HOSPREPORT_VALIDATE_SQL=1 (every
 * rule by its SQL condition, the way before). Quarantine and row warnings
 * must be the same, row for row and word for word, and the first error of
 * each line is the one worked out by hand below.
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
#include "pipeline/core/strbuf.h"
#include "stages/validate/validate.h"
#include "tests/support/testkit.h"

#define RULES "config/rules/validation.xml"

/* outpatient lines 2-19 and inpatient lines 2-6 of 2026-10; the first
 * error rule each line breaks (rules-file order, the money limits first):
 *   2  fine                              3  visit_time full-width: period
 *   4  visit_time '2026-1': period       5  visit_time '2026-10é': fine
 *   6  visit_type 'o': enum              7  visit_type '': enum
 *   8  dept 'D0/1': code                 9  dept 'Dé1': code
 *  10  dept '.D01': code                11  dept 'X99': reference
 *  12  total_fee 'abc' (text > any number): range (money limit)
 *  13  drug_fee -0.5 (a real): range    14  parts 60 > total 50: cross
 *  15  wait 'x' (text > 1440): warning only; 16 wait -5: warning only
 *  17  appointment 'y': enum            18  visit_type blob: enum
 *  19  visit_id of line 2: key
 * inpatient: 2 fine; 3 discharged before admitted: cross; 4 same day:
 * fine; 5 admit_date a blob: cross (as SQL orders a blob after text);
 * 6 outcome 'died ' (a space): enum. The dictionary's own 'D0/1' breaks
 * its code rule (line 3 of dept.csv). */
static const char fixture[] =
    "INSERT INTO source_file (file_id, period, source, path, size_bytes, sha256, profile, "
    "rows_read, rows_loaded, loaded_at, outcome) VALUES "
    "(1, '2026-10', 'dept', 'dept.csv', 0, 'a', 'standard', 2, 2, '2026-11-01', 'loaded'),"
    "(2, '2026-10', 'outpatient', 'outpatient.csv', 0, 'b', 'standard', 18, 18, '2026-11-01', "
    "'loaded'),"
    "(3, '2026-10', 'inpatient', 'inpatient.csv', 0, 'c', 'standard', 5, 5, '2026-11-01', "
    "'loaded');"
    "INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no) VALUES "
    "('2026-10', 'D01', '内科', 'Medicine', 'clinical', 1, 2),"
    "('2026-10', 'D0/1', '外科', 'Surgery', 'clinical', 1, 3);"
    "INSERT INTO outpatient (period, visit_id, visit_time, dept_code, doctor_code, patient_key, "
    "visit_type, total_fee_cents, drug_fee_cents, material_fee_cents, exam_fee_cents, "
    "wait_minutes, appointment, file_id, line_no) VALUES "
    "('2026-10', 'V2', '2026-10-01 08:00:00', 'D01', 'd', 'p', 'O', 100, 10, 10, 10, 5, 'Y', 2, 2),"
    "('2026-10', 'V3', '２０２６-10-01 08:00:00', 'D01', 'd', 'p', 'O', 100, 10, 10, 10, 5, 'N', 2, 3),"
    "('2026-10', 'V4', '2026-1', 'D01', 'd', 'p', 'O', 100, 10, 10, 10, 5, NULL, 2, 4),"
    "('2026-10', 'V5', '2026-10é', 'D01', 'd', 'p', 'E', 100, 10, 10, 10, NULL, NULL, 2, 5),"
    "('2026-10', 'V6', '2026-10-02', 'D01', 'd', 'p', 'o', 100, 10, 10, 10, 5, NULL, 2, 6),"
    "('2026-10', 'V7', '2026-10-02', 'D01', 'd', 'p', '', 100, 10, 10, 10, 5, NULL, 2, 7),"
    "('2026-10', 'V8', '2026-10-02', 'D0/1', 'd', 'p', 'O', 100, 10, 10, 10, 5, NULL, 2, 8),"
    "('2026-10', 'V9', '2026-10-02', 'Dé1', 'd', 'p', 'O', 100, 10, 10, 10, 5, NULL, 2, 9),"
    "('2026-10', 'V10', '2026-10-02', '.D01', 'd', 'p', 'O', 100, 10, 10, 10, 5, NULL, 2, 10),"
    "('2026-10', 'V11', '2026-10-02', 'X99', 'd', 'p', 'O', 100, 10, 10, 10, 5, NULL, 2, 11),"
    "('2026-10', 'V12', '2026-10-02', 'D01', 'd', 'p', 'O', 'abc', 10, 10, 10, 5, NULL, 2, 12),"
    "('2026-10', 'V13', '2026-10-02', 'D01', 'd', 'p', 'O', 100, -0.5, 10, 10, 5, NULL, 2, 13),"
    "('2026-10', 'V14', '2026-10-02', 'D01', 'd', 'p', 'O', 50, 20, 20, 20, 5, NULL, 2, 14),"
    "('2026-10', 'V15', '2026-10-02', 'D01', 'd', 'p', 'O', 100, 10, 10, 10, 'x', NULL, 2, 15),"
    "('2026-10', 'V16', '2026-10-02', 'D01', 'd', 'p', 'O', 100, 10, 10, 10, -5, NULL, 2, 16),"
    "('2026-10', 'V17', '2026-10-02', 'D01', 'd', 'p', 'O', 100, 10, 10, 10, 5, 'y', 2, 17),"
    "('2026-10', 'V18', '2026-10-02', 'D01', 'd', 'p', X'4F', 100, 10, 10, 10, 5, NULL, 2, 18),"
    "('2026-10', 'V2', '2026-10-03', 'D01', 'd', 'p', 'O', 100, 10, 10, 10, 5, NULL, 2, 19);"
    "INSERT INTO inpatient (period, stay_id, patient_key, dept_code, admit_date, "
    "discharge_date, total_fee_cents, drug_fee_cents, material_fee_cents, exam_fee_cents, "
    "outcome, file_id, line_no) VALUES "
    "('2026-10', 'S2', 'p', 'D01', '2026-10-01', '2026-10-05', 100, 10, 10, 10, 'cured', 3, 2),"
    "('2026-10', 'S3', 'p', 'D01', '2026-10-09', '2026-10-05', 100, 10, 10, 10, 'cured', 3, 3),"
    "('2026-10', 'S4', 'p', 'D01', '2026-10-05', '2026-10-05', 100, 10, 10, 10, 'died', 3, 4),"
    "('2026-10', 'S5', 'p', 'D01', X'32', '2026-10-05', 100, 10, 10, 10, 'other', 3, 5),"
    "('2026-10', 'S6', 'p', 'D01', '2026-10-01', '2026-10-05', 100, 10, 10, 10, 'died ', 3, 6);";

/* Validates the fixture in a new database; returns what validate recorded. */
static char *validated(const char *sql_only)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_validate_check_%d.db", (int)getpid());
    unlink(path);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    tk_exec(db, fixture);
    if (sql_only)
        setenv("HOSPREPORT_VALIDATE_SQL", sql_only, 1);
    else
        unsetenv("HOSPREPORT_VALIDATE_SQL");
    validate_options opt = {"2026-10", RULES, NULL, NULL, 0};
    assert_int_equal(validate_period(db, &opt, &err), HR_EINPUT); /* above the 1 % limit */
    unsetenv("HOSPREPORT_VALIDATE_SQL");
    strbuf sb = STRBUF_INIT;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT 'q', source, line_no, field, rule, message, "
                                        "coalesce(raw, '') FROM quarantine UNION ALL "
                                        "SELECT 'w', source, line_no, field, rule, message, '' "
                                        "FROM row_warning ORDER BY 1, 2, 3",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        sb_addf(&sb, "%s %s %lld %s %s: %s [%s]\n", sqlite3_column_text(st, 0),
                sqlite3_column_text(st, 1), (long long)sqlite3_column_int64(st, 2),
                sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
                sqlite3_column_text(st, 5), sqlite3_column_text(st, 6));
    sqlite3_finalize(st);
    /* nothing lost: rows read = left + quarantined, per file */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient") +
                         tk_query_int(db, "SELECT count(*) FROM quarantine WHERE file_id = 2"),
                     18);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM inpatient") +
                         tk_query_int(db, "SELECT count(*) FROM quarantine WHERE file_id = 3"),
                     5);
    db_close(db);
    unlink(path);
    return sb_detach(&sb, NULL);
}

/* "q outpatient 3 visit_time period" and the like: line, field, rule. */
static void assert_has(const char *all, const char *what)
{
    if (!strstr(all, what))
        fail_msg("no \"%s\" in:\n%s", what, all);
}

static void test_c_checks_are_the_sql_conditions(void **state)
{
    (void)state;
    char *c = validated(NULL), *sql = validated("1");
    assert_string_equal(c, sql);
    static const char *const expected[] = {
        "q outpatient 3 visit_time period:",     "q outpatient 4 visit_time period:",
        "q outpatient 6 visit_type enum:",       "q outpatient 7 visit_type enum:",
        "q outpatient 8 dept_code code:",        "q outpatient 9 dept_code code:",
        "q outpatient 10 dept_code code:",       "q outpatient 11 dept_code reference:",
        "q outpatient 12 total_fee range:",      "q outpatient 13 drug_fee range:",
        "q outpatient 14 total_fee cross:",      "q outpatient 17 appointment enum:",
        "q outpatient 18 visit_type enum:",      "q outpatient 19 visit_id key:",
        "q inpatient 3 discharge_date cross:",   "q inpatient 5 discharge_date cross:",
        "q inpatient 6 outcome enum:",           "w outpatient 15 wait_minutes range:",
        "w outpatient 16 wait_minutes range:",   "q dept 3 dept_code code:",
    };
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        assert_has(c, expected[i]);
    /* and nothing else: lines 2 and 5 of outpatient, 2 and 4 of inpatient
     * and 2 of dept pass */
    int lines = 0;
    for (const char *p = c; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    assert_int_equal(lines, (int)(sizeof expected / sizeof *expected));
    free(c);
    free(sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c_checks_are_the_sql_conditions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
