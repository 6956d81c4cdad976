/*
 * test_reconcile.c -- the reconcile stage through its C API, on a small
 * month inserted with SQL (as ingest and validate leave the tables).
 * Expected values are worked out by hand in the comments. Run from the
 * repository root.
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

#include "tests/support/testkit.h"
#include "pipeline/core/db.h"
#include "pipeline/core/error.h"
#include "stages/compute/compute.h"
#include "stages/reconcile/reconcile.h"

#define RULES "config/rules/reconcile.xml"

static char scratch[64], out_dir[80];

/* All rows of a one-column query, joined with '\n'. Caller frees. */
static char *query_lines(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "\n" : "", v ? v : "");
        assert_true(len < cap);
    }
    sqlite3_finalize(st);
    return out;
}

static sqlite3 *open_db(void)
{
    sqlite3 *db = tk_scratch_db(scratch, "test-reconcile");
    snprintf(out_dir, sizeof out_dir, "%s/out", scratch);
    return db;
}

static void close_db(sqlite3 *db) { tk_scratch_close(db, scratch); }

/* A month where every rule has something to find.
 *   inpatient (HIS): ST1 0101, ST2 0101, ST3 0102, ST4 0102
 *   mr_front:        ST1 0101, ST2 0102 (dept differs), ST3 0102 admitted a
 *                    day earlier (dates differ), ST9 0101 (only in mr_front);
 *                    ST4 is missing (only in inpatient)
 *   counts per dept: 0101 2 vs 2, 0102 2 vs 2: equal, yet 4 records differ
 *   census discharges: 0101 2 (= 2), 0102 5 (vs 2: |-3| > max(2, 1 %) = 2)
 *   HIS fees: 0101 1000 + 500 + 100 (outpatient) = 1600.00, ledger 1605.00:
 *   |-5.00| <= 0.5 % of 1605.00 = 8.02; 0102 200 + 500 (ST4) = 700.00, ledger
 *   690.00: 10.00 > 3.45 -> blocking
 *   surgery: SU1 inside ST1; SU2 before ST2's admission; SU3's stay not yet
 *   discharged (not compared); SU4's stay ST7 is discharged in November,
 *   SU4 before its admission; SU5's stay ST8 ended in September, SU5 after */
/* The month's files of the sources the fixtures fill (reconcile runs a
 * rule only over sources the month has a current file of). */
static void with_files(sqlite3 *db, const char *sources)
{
    char *copy = strdup(sources), *save = NULL;
    int id = 100; /* clear of the ids a test gives its own files */
    for (char *src = strtok_r(copy, " ", &save); src; src = strtok_r(NULL, " ", &save)) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "INSERT INTO source_file (file_id, period, source, path, size_bytes, sha256,"
                 " profile, loaded_at, outcome) VALUES (%d, '2026-10', '%s', '%s.csv', 0, 'x',"
                 " 'standard', '', 'loaded')",
                 id++, src, src);
        tk_exec(db, sql);
    }
    free(copy);
}

static void load_month(sqlite3 *db)
{
    with_files(db, "inpatient mr_front outpatient census revenue surgery");
    tk_exec(db,
         "INSERT INTO inpatient VALUES "
         "('2026-10','ST1','PK1','0101','2026-10-01','2026-10-05',100000,0,0,0,'cured',1,2),"
         "('2026-10','ST2','PK2','0101','2026-10-02','2026-10-06',50000,0,0,0,'cured',1,3),"
         "('2026-10','ST3','PK3','0102','2026-10-03','2026-10-07',20000,0,0,0,'cured',1,4),"
         "('2026-10','ST4','PK4','0102','2026-10-10','2026-10-12',50000,0,0,0,'cured',1,5),"
         "('2026-11','ST7','PK7','0101','2026-10-20','2026-11-02',0,0,0,0,'cured',9,2),"
         "('2026-09','ST8','PK8','0101','2026-09-20','2026-09-28',0,0,0,0,'cured',8,2);"
         "INSERT INTO mr_front VALUES "
         "('2026-10','ST1','0101','2026-10-01','2026-10-05','A',2,2),"
         "('2026-10','ST2','0102','2026-10-02','2026-10-06','A',2,3),"
         "('2026-10','ST3','0102','2026-10-02','2026-10-07','B',2,4),"
         "('2026-10','ST9','0101','2026-10-08','2026-10-09','A',2,5);"
         "INSERT INTO outpatient ("
         "period, visit_id, visit_time, dept_code, doctor_code, patient_key, visit_type, total_fee_cents, drug_fee_cents, "
         "material_fee_cents, exam_fee_cents, wait_minutes, file_id, line_no) "
         "VALUES "
         "('2026-10','V1','2026-10-01 08:00:00','0101','D','PK5','O',10000,0,0,0,NULL,3,2);"
         "INSERT INTO census VALUES ('2026-10','2026-10-05','0101',40,30,0,2,4,2),"
         "('2026-10','2026-10-06','0102',40,30,0,5,4,3);"
         "INSERT INTO revenue VALUES ('2026-10','2026-10','0101','drug',100000,5,2),"
         "('2026-10','2026-10','0101','bed',60500,5,3),"
         "('2026-10','2026-10','0102','bed',69000,5,4);"
         "INSERT INTO surgery ("
         "period, surgery_id, stay_id, dept_code, surgery_date, grade, file_id, line_no) "
         "VALUES ('2026-10','SU1','ST1','0101','2026-10-03',2,6,2),"
         "('2026-10','SU2','ST2','0101','2026-09-30',2,6,3),"
         "('2026-10','SU3','ST5','0101','2026-10-30',2,6,4),"
         "('2026-10','SU4','ST7','0101','2026-10-19',3,6,5),"
         "('2026-10','SU5','ST8','0101','2026-10-01',1,6,6);");
}

static int run(sqlite3 *db, const char *rules, int force, hr_error *err)
{
    reconcile_options opt = {"2026-10", rules, out_dir, force, NULL};
    hr_error_clear(err);
    return reconcile_period(db, &opt, err);
}

static void test_every_rule_finds_its_differences(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_month(db);
    /* the dictionary names the departments in the CSVs (0102 only: 0101 has none) */
    tk_exec(db, "INSERT INTO dept VALUES ('2026-10', '0102', '呼吸科', 'Respiratory', 'clinical', 0, 9);");
    hr_error err;
    assert_int_equal(run(db, RULES, 0, &err), HR_EBLOCKED);
    assert_non_null(strstr(err.message, "discharges_his_vs_mr (0 departments beyond tolerance, "
                                        "4 record differences)"));
    assert_non_null(strstr(err.message, "revenue_his_vs_ledger (1 department beyond tolerance, 0 record differences)"));
    assert_null(strstr(err.message, "census"));

    char *got = query_lines(db, "SELECT record_key || ' ' || issue || ' ' || dept_code || ' ' || "
                                "coalesce(dept_code_b, '-') || ' ' || detail FROM reconcile_record "
                                "WHERE rule = 'discharges_his_vs_mr' ORDER BY record_key, issue");
    assert_string_equal(got,
                        "ST2 dept_differs 0101 0102 dept_code inpatient 0101, mr_front 0102\n"
                        "ST3 dates_differ 0102 0102 admit_date inpatient 2026-10-03, mr_front 2026-10-02\n"
                        "ST4 only_in_a 0102 - stay_id ST4 in inpatient (dept_code 0102), not in mr_front\n"
                        "ST9 only_in_b 0101 - stay_id ST9 in mr_front (dept_code 0101), not in inpatient");
    free(got);
    got = query_lines(db, "SELECT rule || ' ' || dept_code || ' ' || value_a || ' ' || value_b || "
                          "' ' || difference || ' ' || tolerance || ' ' || status || ' ' || severity "
                          "FROM reconcile_result ORDER BY rule, dept_code");
    assert_string_equal(got, "discharges_his_vs_census 0101 2 2 0 2 ok warning\n"
                             "discharges_his_vs_census 0102 2 5 -3 2 fail warning\n"
                             "discharges_his_vs_mr 0101 2 2 0 0 ok blocking\n"
                             "discharges_his_vs_mr 0102 2 2 0 0 ok blocking\n"
                             "revenue_his_vs_ledger 0101 160000 160500 -500 802 ok blocking\n"
                             "revenue_his_vs_ledger 0102 70000 69000 1000 345 fail blocking");
    free(got);
    got = query_lines(db, "SELECT record_key || ' ' || detail FROM reconcile_record "
                          "WHERE rule = 'surgery_within_stay' ORDER BY record_key");
    assert_string_equal(got, "SU2 surgery_date 2026-09-30 outside stay_id ST2 2026-10-02..2026-10-06\n"
                             "SU4 surgery_date 2026-10-19 outside stay_id ST7 2026-10-20..2026-11-02\n"
                             "SU5 surgery_date 2026-10-01 outside stay_id ST8 2026-09-20..2026-09-28");
    free(got);
    got = query_lines(db, "SELECT reconcile_state || ' ' || reconcile_forced FROM period_state");
    assert_string_equal(got, "blocking 0");
    free(got);
    got = query_lines(db, "SELECT fact || ' ' || source FROM authority WHERE period = '2026-10' "
                          "ORDER BY fact");
    assert_string_equal(got, "discharges inpatient\nmedical_revenue revenue");
    free(got);

    /* The record CSV for the data team: stay ids, never a patient key. */
    char path[256], line[512], all[4096] = "";
    snprintf(path, sizeof path, "%s/reconcile-2026-10-discharges_his_vs_mr.csv", out_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        strncat(all, line, sizeof all - strlen(all) - 1);
    fclose(f);
    assert_memory_equal(all, "\xEF\xBB\xBF期间(period),", strlen("\xEF\xBB\xBF期间(period),"));
    assert_non_null(strstr(all, "期间(period),规则(rule),记录(record_key),差异(issue),"
                                "科室代码(dept_code),科室(dept_name),对方科室代码(dept_code_b),"
                                "对方科室(dept_name_b),说明(detail),说明中文(detail_zh),"
                                "级别(severity)\n"));
    assert_non_null(strstr(all, "2026-10,discharges_his_vs_mr,ST4,only_in_a,0102,呼吸科,,,"));
    /* the detail in both languages, as the header (one catalog format) */
    assert_non_null(strstr(all, ",\"stay_id ST4 in inpatient (dept_code 0102), not in mr_front\","
                                "stay_id ST4 在 inpatient 中（dept_code 0102），不在 mr_front 中,"));
    /* ST2: 0101 in the HIS, 0102 in the front page; 0101 has no name */
    assert_non_null(strstr(all, "2026-10,discharges_his_vs_mr,ST2,dept_differs,0101,,0102,呼吸科,"));
    assert_null(strstr(all, "PK"));
    snprintf(path, sizeof path, "%s/reconcile-2026-10-aggregates.csv", out_dir);
    f = fopen(path, "r");
    assert_non_null(f);
    int found = 0;
    while (fgets(line, sizeof line, f))
        found |= strcmp(line, "2026-10,revenue_his_vs_ledger,0102,呼吸科,amount,700.00,690.00,"
                              "10.00,3.45,fail,blocking\n") == 0;
    fclose(f);
    assert_true(found);

    /* Forced: the same findings, recorded as a forced draft; run twice,
     * nothing is counted twice. */
    assert_int_equal(run(db, RULES, 1, &err), HR_OK);
    assert_int_equal(tk_query_int(db, "SELECT reconcile_forced FROM period_state"), 1);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_record"), 7);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_result"), 6);
    assert_int_equal(tk_query_int(db, "SELECT sum(status = 'fail') FROM reconcile_rule_state"), 4);
    close_db(db);
}

/* A read error while the record file is written (the reader of
 * reconcile_record interrupted after its first row: without the check, a
 * file of the header and ST4 alone replaced the whole one) reaches the
 * caller, and the last complete file stays: never a file cut short that
 * looks whole, never success over it. */
static void test_read_error_reaches_caller(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    tk_exec(db, "INSERT INTO dept VALUES ('2026-10', '0102', '呼吸科', 'Respiratory', 'clinical', 0, 9);");
    load_month(db);
    hr_error err;
    assert_int_equal(run(db, RULES, 1, &err), HR_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/reconcile-2026-10-discharges_his_vs_mr.csv", out_dir);
    strbuf before = STRBUF_INIT, after = STRBUF_INIT;
    tk_slurp(path, &before);
    /* 4 records (ST2 ST3 ST4 ST9), each a line after the header */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_record WHERE rule = "
                                      "'discharges_his_vs_mr'"), 4);
    assert_non_null(strstr(before.buf, ",ST9,"));

    tk_interrupt_reader(db, "FROM reconcile_record r WHERE period = ?1 AND rule = ?2", 60);
    int rc = run(db, RULES, 1, &err);
    tk_interrupt_clear(db);
    assert_true(tk_interrupt_fired());
    assert_int_equal(rc, HR_EFAIL);
    assert_contains(err.message, "interrupted");
    tk_slurp(path, &after);
    assert_string_equal(after.buf, before.buf);
    sb_release(&before);
    sb_release(&after);
    close_db(db);
}

/* A read error while the rules' fields are looked up (the single-row read
 * of pragma_table_info interrupted) is the database's error, not "source
 * has no field" nor a rule silently resolved: nothing is reconciled. */
static void test_rules_read_error_reaches_caller(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_month(db);
    hr_error err;
    tk_interrupt_reader(db, "FROM pragma_table_info(", 3);
    int rc = run(db, RULES, 1, &err);
    tk_interrupt_clear(db);
    assert_true(tk_interrupt_fired());
    assert_int_equal(rc, HR_EFAIL);
    assert_contains(err.message, "interrupted");
    assert_contains(err.message, "pragma_table_info");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_rule_state"), 0);
    close_db(db);
}

/* A clean month: nothing to report, state ok. */
static void test_clean_month(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    with_files(db, "inpatient mr_front census revenue surgery");
    tk_exec(db,
         "INSERT INTO inpatient VALUES "
         "('2026-10','ST1','PK1','0101','2026-10-01','2026-10-05',100000,0,0,0,'cured',1,2);"
         "INSERT INTO mr_front VALUES ('2026-10','ST1','0101','2026-10-01','2026-10-05','A',2,2);"
         "INSERT INTO census VALUES ('2026-10','2026-10-05','0101',40,30,0,1,4,2);"
         "INSERT INTO revenue VALUES ('2026-10','2026-10','0101','bed',100000,5,2);"
         "INSERT INTO surgery ("
         "period, surgery_id, stay_id, dept_code, surgery_date, grade, file_id, line_no) "
         "VALUES ('2026-10','SU1','ST1','0101','2026-10-05',2,6,2);");
    hr_error err;
    assert_int_equal(run(db, RULES, 0, &err), HR_OK);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_record"), 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_result WHERE status <> 'ok'"), 0);
    char *got = query_lines(db, "SELECT reconcile_state || ' ' || reconcile_forced FROM period_state");
    assert_string_equal(got, "ok 0");
    free(got);
    close_db(db);
}

/* A rule whose source has no file for the month is skipped, not failed:
 * the month of load_month() without its census file (its rows left in the
 * table: a file is what makes a source present) has discharges_his_vs_census
 * skipped, naming census, no comparison rows for it, and the other rules
 * as before (blocking, forced); drg_grouping is skipped too (no drg.csv). */
static void test_missing_source_skips(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_month(db);
    tk_exec(db, "DELETE FROM source_file WHERE source = 'census'");
    hr_error err;
    assert_int_equal(run(db, RULES, 1, &err), HR_OK);
    char *got = query_lines(db, "SELECT rule || ' ' || status || ' ' || message FROM"
                                " reconcile_rule_state ORDER BY rule");
    assert_string_equal(got, "discharges_his_vs_census skipped source missing: census\n"
                             "discharges_his_vs_mr fail differences beyond tolerance\n"
                             "drg_grouping skipped source missing: drg\n"
                             "revenue_his_vs_ledger fail differences beyond tolerance\n"
                             "surgery_within_stay fail differences beyond tolerance");
    free(got);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_result WHERE rule ="
                                      " 'discharges_his_vs_census'"),
                     0);
    /* without surgery as well: surgery_within_stay is skipped too (and
     * drg_grouping, as before) */
    tk_exec(db, "DELETE FROM source_file WHERE source = 'surgery'");
    assert_int_equal(run(db, RULES, 1, &err), HR_OK);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM reconcile_rule_state WHERE status ="
                                      " 'skipped'"),
                     3);
    close_db(db);
}

/* A hospital's own rules: a wider revenue tolerance, the medical records
 * department as the discharge authority, and an added rule of a known kind. */
static void test_hospital_rules(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_month(db);
    hr_error err;
    assert_int_equal(run(db, "tests/data/reconcile/rules/hospital.xml", 0, &err), HR_OK);
    char *got = query_lines(db, "SELECT rule || ' ' || status FROM reconcile_rule_state "
                                "ORDER BY rule");
    assert_string_equal(got, "discharges_his_vs_mr fail\nrevenue_his_vs_ledger ok\n"
                             "surgery_count_vs_census ok");
    free(got);
    got = query_lines(db, "SELECT source FROM authority WHERE fact = 'discharges'");
    assert_string_equal(got, "mr_front");
    free(got);
    got = query_lines(db, "SELECT reconcile_state FROM period_state");
    assert_string_equal(got, "warnings");
    free(got);

    /* A rules file naming a field that does not exist is refused. */
    assert_int_equal(run(db, "tests/data/reconcile/rules/bad_field.xml", 0, &err), HR_EFAIL);
    assert_string_equal(err.file, "tests/data/reconcile/rules/bad_field.xml");
    assert_int_equal(err.line, 4);
    assert_string_equal(err.field, "fee");
    /* One comparing on patient_key, whose differences CSV would carry it. */
    assert_int_equal(run(db, "tests/data/reconcile/rules/patient_key.xml", 0, &err), HR_EFAIL);
    assert_string_equal(err.file, "tests/data/reconcile/rules/patient_key.xml");
    assert_int_equal(err.line, 6);
    assert_string_equal(err.field, "patient_key");
    /* One that breaks the schema, too. */
    assert_int_equal(run(db, "tests/data/reconcile/rules/bad_schema.xml", 0, &err), HR_EFAIL);
    assert_int_equal(err.line, 3);
    close_db(db);
}

/* The hospital widens one tolerance in its own rules file and the outcome
 * changes: census discharges of 0102 (2 vs 5, |-3|) fail against
 * max(2, 1 %) = 2 and pass against 3. */
static void test_changed_tolerance(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_month(db);
    hr_error err;
    const char *census = "SELECT rule || ' ' || dept_code || ' ' || difference || ' ' || "
                         "tolerance || ' ' || status FROM reconcile_result "
                         "WHERE rule = 'discharges_his_vs_census' AND dept_code = '0102'";
    assert_int_equal(run(db, RULES, 1, &err), HR_OK);
    char *got = query_lines(db, census);
    assert_string_equal(got, "discharges_his_vs_census 0102 -3 2 fail");
    free(got);
    assert_int_equal(run(db, "tests/data/reconcile/rules/wide_census.xml", 1, &err), HR_OK);
    got = query_lines(db, census);
    assert_string_equal(got, "discharges_his_vs_census 0102 -3 3 ok");
    free(got);
    got = query_lines(db, "SELECT status || ' ' || aggregate_fails FROM reconcile_rule_state "
                          "WHERE rule = 'discharges_his_vs_census'");
    assert_string_equal(got, "ok 0");
    free(got);
    close_db(db);
}

/* Reconcile writes the authority its rules name and compute counts
 * discharges from it: with one more record in mr_front (ST10), the month
 * has 4 discharges by HIS (inpatient) and 5 by the medical records. */
static void test_authority_reaches_compute(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_month(db);
    tk_exec(db, "INSERT INTO dept VALUES ('2026-10', '0101', '心内科', 'Cardiology', 'clinical', 0, 9),"
             "('2026-10', '0102', '呼吸科', 'Respiratory', 'clinical', 0, 9);"
             "INSERT INTO mr_front VALUES ('2026-10','ST10','0101','2026-10-08','2026-10-09','A',2,6);"
             /* compute counts an ingested month's sources that have a file */
             "INSERT INTO period_state (period, ingested_at) VALUES ('2026-10', '2026-11-01');"
             "INSERT INTO source_file (file_id, period, source, path, size_bytes, sha256, "
             "profile, rows_read, rows_loaded, loaded_at, outcome) VALUES "
             "(1, '2026-10', 'inpatient', 'i.csv', 0, 'a', 'standard', 4, 4, '', 'loaded'),"
             "(2, '2026-10', 'mr_front', 'm.csv', 0, 'b', 'standard', 5, 5, '', 'loaded');");
    hr_error err;
    const char *discharges = "SELECT CAST(value AS INTEGER) FROM indicator_value WHERE period = '2026-10' AND "
                             "scope = 'hospital' AND indicator = 'discharges'";
    assert_int_equal(run(db, "tests/data/reconcile/rules/hospital.xml", 0, &err), HR_OK);
    char *got = query_lines(db, "SELECT source FROM authority WHERE period = '2026-10' AND "
                                "fact = 'discharges'");
    assert_string_equal(got, "mr_front");
    free(got);
    hr_error_clear(&err);
    if (compute_period(db, "2026-10", &err))
        fail_msg("compute: %s", err.message);
    assert_int_equal(tk_query_int(db, discharges), 5);
    /* The default rules name inpatient again: reconciled anew, 4. */
    assert_int_equal(run(db, RULES, 1, &err), HR_OK);
    got = query_lines(db, "SELECT source FROM authority WHERE period = '2026-10' AND "
                          "fact = 'discharges'");
    assert_string_equal(got, "inpatient");
    free(got);
    hr_error_clear(&err);
    if (compute_period(db, "2026-10", &err))
        fail_msg("compute: %s", err.message);
    assert_int_equal(tk_query_int(db, discharges), 4);
    close_db(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rule_finds_its_differences),
        cmocka_unit_test(test_read_error_reaches_caller),
        cmocka_unit_test(test_rules_read_error_reaches_caller),
        cmocka_unit_test(test_clean_month),
        cmocka_unit_test(test_missing_source_skips),
        cmocka_unit_test(test_hospital_rules),
        cmocka_unit_test(test_changed_tolerance),
        cmocka_unit_test(test_authority_reaches_compute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
