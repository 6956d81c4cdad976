/*
 * test_validate_v2.c -- the validate stage on the v2 sources (EXPORTS.md
 * "v2 additions", issue 18): drg.csv, drg_benchmark.csv, antibiotic.csv,
 * the optional fields appointment, minimally_invasive, day_surgery and the
 * cost category energy, and the appointment counts of the outpatient
 * roll-up.
 *
 * Small hand-made fixtures, inserted as ingest leaves them (a source_file
 * row per file, typed rows); every expected value is worked out by hand in
 * the comments. Run from the repository root.
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
#include "pipeline/core/rollup.h"
#include "stages/validate/validate.h"

#define RULES "config/rules/validation.xml"
#define IP_COLS "period, stay_id, patient_key, dept_code, admit_date, discharge_date, " \
                "total_fee_cents, drug_fee_cents, material_fee_cents, exam_fee_cents, outcome, " \
                "file_id, line_no"
#define DRG_COLS "period, stay_id, drg_code, drg_name, weight, payment_cents, low_risk, " \
                 "file_id, line_no"
#define BM_COLS "period, drg_code, avg_los, avg_cost_cents, file_id, line_no"

static char scratch[64];

static sqlite3 *open_db(void) { return tk_scratch_db(scratch, "test-validate-v2"); }
static void close_db(sqlite3 *db) { tk_scratch_close(db, scratch); }

static void add_file(sqlite3 *db, int file_id, const char *period, const char *source, int rows)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO source_file (file_id, period, source, path, size_bytes, sha256, profile, "
        "rows_read, rows_loaded, loaded_at, outcome) VALUES (%d, %Q, %Q, '/x/%q.csv', 0, "
        "'sha%d', 'standard', %d, %d, '2026-11-01T00:00:00Z', 'loaded')",
        file_id, period, source, source, file_id, rows, rows);
    tk_exec(db, sql);
    sqlite3_free(sql);
}

static void add_depts(sqlite3 *db, const char *period)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no) "
        "VALUES (%Q, '0101', '心内科', 'Cardiology', 'clinical', 0, 2),"
        "(%Q, '0201', '普外科', 'General Surgery', 'clinical', 0, 3)",
        period, period);
    tk_exec(db, sql);
    sqlite3_free(sql);
}

static int run_validate(sqlite3 *db, const char *period, hr_error *err)
{
    validate_options opt = {period, RULES, NULL, NULL, 0};
    hr_error_clear(err);
    return validate_period(db, &opt, err);
}

/* rows read = rows loaded + rows quarantined, for every file. */
static void assert_nothing_lost(sqlite3 *db)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT file_id, source, rows_read FROM source_file",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT count(*) FROM \"%s\" WHERE file_id = %lld) + "
                 "(SELECT count(*) FROM quarantine WHERE file_id = %lld)",
                 sqlite3_column_text(st, 1), (long long)sqlite3_column_int64(st, 0),
                 (long long)sqlite3_column_int64(st, 0));
        assert_int_equal(tk_query_int(db, sql), sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
}

/* Five stays discharged in 2026-10 (S1-S4, S6) and S5 admitted in October
 * but discharged in November (in November's inpatient.csv). */
static void load_stays(sqlite3 *db)
{
    add_file(db, 1, "2026-10", "inpatient", 5);
    add_file(db, 9, "2026-11", "inpatient", 1);
    tk_exec(db, "INSERT INTO inpatient (" IP_COLS ") VALUES "
                "('2026-10','S1','P1','0101','2026-10-01','2026-10-05',500000,0,0,0,'cured',1,2),"
                "('2026-10','S2','P2','0201','2026-10-02','2026-10-09',800000,0,0,0,'cured',1,3),"
                "('2026-10','S3','P3','0201','2026-10-03','2026-10-06',300000,0,0,0,'died',1,4),"
                "('2026-10','S4','P4','0101','2026-10-04','2026-10-08',400000,0,0,0,'improved',1,5),"
                "('2026-10','S6','P6','0101','2026-10-04','2026-10-07',200000,0,0,0,'cured',1,6),"
                "('2026-11','S5','P5','0101','2026-10-20','2026-11-02',400000,0,0,0,'cured',9,2)");
}

/* drg.csv, line by line:
 *   2  S1 FM11 weight 1.5             kept
 *   3  S1 FM13                        key: S1 first at line 2
 *   4  S5 FM11                        reference: S5 is not discharged in 2026-10
 *   5  S2 GB25 weight 0               range: weight must be above 0
 *   6  S3 GB25 weight 2.0, no payment kept (payment and low_risk optional)
 *   7  S4 HC35 low_risk 'X'           enum
 *   8  S6 GB25 drg_name ''            required
 * drg_benchmark.csv: FM11 (kept), GB25 with avg_los 0 (range) and HC35
 * with avg_cost 0 (range). */
static void load_drg(sqlite3 *db)
{
    add_file(db, 2, "2026-10", "drg", 7);
    add_file(db, 3, "2026-10", "drg_benchmark", 3);
    tk_exec(db, "INSERT INTO drg (" DRG_COLS ") VALUES "
                "('2026-10','S1','FM11','经皮冠状动脉支架植入',1.5,2600000,'N',2,2),"
                "('2026-10','S1','FM13','经皮冠状动脉支架植入',1.1,1900000,'N',2,3),"
                "('2026-10','S5','FM11','经皮冠状动脉支架植入',1.5,2600000,'N',2,4),"
                "('2026-10','S2','GB25','小肠大肠大手术',0,100,'N',2,5),"
                "('2026-10','S3','GB25','小肠大肠大手术',2.0,NULL,NULL,2,6),"
                "('2026-10','S4','HC35','胆囊切除手术',0.8,800000,'X',2,7),"
                "('2026-10','S6','GB25','',2.0,NULL,NULL,2,8);"
                "INSERT INTO drg_benchmark (" BM_COLS ") VALUES "
                "('2026-10','FM11',6.5,3000000,3,2),"
                "('2026-10','GB25',0,5000000,3,3),"
                "('2026-10','HC35',4.0,0,3,4)");
}

static void assert_quarantined(sqlite3 *db, const char *source, int line, const char *want)
{
    char *sql = sqlite3_mprintf("SELECT rule || '|' || field || '|' || message FROM quarantine "
                                "WHERE stage = 'validate' AND source = %Q AND line_no = %d",
                                source, line);
    assert_string_equal(tk_query_text(db, sql), want);
    sqlite3_free(sql);
}

/* Each drg rule quarantines exactly its row; a group left without a
 * benchmark is one data warning with its stays (after quarantine). */
static void test_drg_rules(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    load_stays(db);
    load_drg(db);
    hr_error err;
    /* 5 of 7 drg rows and 2 of 3 benchmarks quarantined: above the limit */
    assert_int_equal(run_validate(db, "2026-10", &err), HR_EINPUT);
    assert_quarantined(db, "drg", 3, "key|stay_id|duplicate stay_id (S1): first at line 2");
    assert_quarantined(db, "drg", 4,
                       "reference|stay_id|stay_id 'S5' is not a stay discharged in the month "
                       "(inpatient.csv)");
    assert_quarantined(db, "drg", 5, "range|weight|weight 0.0 is outside the range (0, -]");
    assert_quarantined(db, "drg", 7, "enum|low_risk|'X' is not one of Y, N");
    assert_quarantined(db, "drg", 8, "required|drg_name|a value is required");
    assert_quarantined(db, "drg_benchmark", 3, "range|avg_los|avg_los 0.0 is outside the range (0, -]");
    assert_quarantined(db, "drg_benchmark", 4,
                       "range|avg_cost|avg_cost 0.00 is outside the range (0, -]");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine WHERE source = 'drg'"), 5);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(line_no) FROM drg"), "2,6");
    assert_string_equal(tk_query_text(db, "SELECT group_concat(line_no) FROM drg_benchmark"), "2");
    /* kept: S1 FM11 (benchmark) and S3 GB25 (none, its benchmark row was
     * quarantined): one warning, value 1 stay */
    assert_string_equal(tk_query_text(db, "SELECT group_concat(kind || '|' || scope || '|' || value "
                                          "|| '|' || message_en, ';') FROM data_warning "
                                          "WHERE source = 'drg'"),
                        "drg_no_benchmark|hospital|1.0|DRG group GB25 (小肠大肠大手术) has no "
                        "benchmark: 1 stays left out of the time and cost efficiency indices");
    assert_string_equal(tk_query_text(db, "SELECT message_zh FROM data_warning WHERE source = 'drg'"),
                        "DRG病组 GB25（小肠大肠大手术）无标杆值：1 例未计入时间、费用消耗指数");
    assert_nothing_lost(db);

    /* a second validation finds nothing new */
    assert_int_equal(run_validate(db, "2026-10", &err), HR_EINPUT);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine WHERE source LIKE 'drg%'"), 7);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM data_warning WHERE source = 'drg'"), 1);
    assert_nothing_lost(db);
    close_db(db);
}

/* Benchmarks are as of the month: a month without its own drg_benchmark.csv
 * uses the latest loaded before it; with none loaded at all, one
 * no_reference warning says the indices cannot be computed. Without
 * inpatient.csv in the month the stays are not checked (noted once). */
static void test_drg_reference_data(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    add_file(db, 2, "2026-10", "drg", 2);
    tk_exec(db, "INSERT INTO drg (" DRG_COLS ") VALUES "
                "('2026-10','S1','FM11','支架',1.5,NULL,NULL,2,2),"
                "('2026-10','S2','GB25','大手术',2.0,NULL,NULL,2,3)");
    hr_error err;
    assert_int_equal(run_validate(db, "2026-10", &err), HR_OK);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 0);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(source || ':' || kind, ' ') FROM "
                                          "(SELECT * FROM data_warning ORDER BY source)"),
                        "drg:no_reference inpatient:no_reference");
    assert_non_null(strstr(tk_query_text(db, "SELECT message_en FROM data_warning WHERE source "
                                             "= 'inpatient'"),
                           "DRG stays not checked"));

    /* September's benchmarks hold FM11: October's GB25 stay is the one without */
    add_file(db, 3, "2026-09", "drg_benchmark", 1);
    tk_exec(db, "INSERT INTO drg_benchmark (" BM_COLS ") VALUES ('2026-09','FM11',6.5,3000000,3,2)");
    assert_int_equal(run_validate(db, "2026-10", &err), HR_OK);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(kind || ':' || value, ' ') FROM "
                                          "data_warning WHERE source = 'drg'"),
                        "drg_no_benchmark:1.0");
    assert_non_null(strstr(tk_query_text(db, "SELECT message_en FROM data_warning WHERE source "
                                             "= 'drg'"),
                           "GB25"));
    /* a November benchmark file does not count for October */
    add_file(db, 4, "2026-11", "drg_benchmark", 1);
    tk_exec(db, "INSERT INTO drg_benchmark (" BM_COLS ") VALUES ('2026-11','GB25',9.0,5000000,4,2)");
    assert_int_equal(run_validate(db, "2026-10", &err), HR_OK);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM data_warning WHERE kind = "
                                      "'drg_no_benchmark'"),
                     1);
    close_db(db);
}

/* A month without any of the v2 files validates as before: no warning,
 * nothing about DRG. */
static void test_month_without_v2_sources(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    load_stays(db);
    hr_error err;
    assert_int_equal(run_validate(db, "2026-10", &err), HR_OK);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM data_warning"), 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 0);
    close_db(db);
}

/* The optional Y/N fields, the energy cost category and antibiotic.csv. */
static void test_v2_fields_and_antibiotic(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    load_stays(db);
    add_file(db, 4, "2026-10", "surgery", 3);
    tk_exec(db, "INSERT INTO surgery (period, surgery_id, stay_id, dept_code, surgery_date, grade, "
                "minimally_invasive, day_surgery, file_id, line_no) VALUES "
                "('2026-10','O1','S2','0201','2026-10-03',4,'Y','N',4,2),"
                "('2026-10','O2','S3','0201','2026-10-04',2,NULL,NULL,4,3),"
                "('2026-10','O3','S3','0201','2026-10-04',2,'maybe','Y',4,4)");
    add_file(db, 5, "2026-10", "cost", 3);
    tk_exec(db, "INSERT INTO cost (period, month, dept_code, category, amount_cents, file_id, "
                "line_no) VALUES ('2026-10','2026-10','0101','energy',150000,5,2),"
                "('2026-10','2026-10','0101','other',900000,5,3),"
                "('2026-10','2026-10','0201','gas',10000,5,4)");
    /* line 3 repeats (month, dept) of line 2; line 4 is September's;
     * line 5 has negative DDDs (ingest would refuse them: SQL here) */
    add_file(db, 6, "2026-10", "antibiotic", 4);
    tk_exec(db, "INSERT INTO antibiotic (period, month, dept_code, ddd, file_id, line_no) VALUES "
                "('2026-10','2026-10','0101',120.5,6,2),"
                "('2026-10','2026-10','0101',3,6,3),"
                "('2026-10','2026-09','0201',80,6,4),"
                "('2026-10','2026-10','0201',-1,6,5)");
    hr_error err;
    assert_int_equal(run_validate(db, "2026-10", &err), HR_EINPUT);
    assert_quarantined(db, "surgery", 4, "enum|minimally_invasive|'maybe' is not one of Y, N");
    assert_quarantined(db, "cost", 4,
                       "enum|category|'gas' is not one of personnel, drug, material, "
                       "depreciation, maintenance, energy, other");
    assert_quarantined(db, "antibiotic", 3,
                       "key|month|duplicate month, dept_code (2026-10, 0101): first at line 2");
    assert_quarantined(db, "antibiotic", 4, "period|month|month 2026-09 is not in the period 2026-10");
    assert_quarantined(db, "antibiotic", 5, "range|ddd|ddd -1.0 is outside the range [0, -]");
    assert_string_equal(tk_query_text(db, "SELECT group_concat(surgery_id) FROM surgery"), "O1,O2");
    assert_string_equal(tk_query_text(db, "SELECT group_concat(category) FROM cost"), "energy,other");
    assert_string_equal(tk_query_text(db, "SELECT group_concat(ddd) FROM antibiotic"), "120.5");
    assert_nothing_lost(db);
    close_db(db);
}

/* appointment_y / appointment_n of the roll-up, built by validate from the
 * rows that stayed, and the same from a reader's shadow (compute on a month
 * not validated):
 *   0101 O: V1 Y, V2 N, V3 (none), V4 Y   -> rows 4, y 2, n 3
 *   0101 E: V5 N                          -> rows 1, y 0, n 1
 *   0201 O: V6 'maybe' (quarantined), V7 (none) -> rows 1, y 0, n 0 */
static void test_rollup_appointments(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    add_file(db, 1, "2026-10", "outpatient", 7);
    tk_exec(db, "INSERT INTO outpatient (period, visit_id, visit_time, dept_code, doctor_code, "
                "patient_key, visit_type, total_fee_cents, drug_fee_cents, material_fee_cents, "
                "exam_fee_cents, wait_minutes, appointment, file_id, line_no) VALUES "
                "('2026-10','V1','2026-10-01 08:00:00','0101','D1','P1','O',100,0,0,0,5,'Y',1,2),"
                "('2026-10','V2','2026-10-01 08:10:00','0101','D1','P2','O',100,0,0,0,5,'N',1,3),"
                "('2026-10','V3','2026-10-01 08:20:00','0101','D1','P3','O',100,0,0,0,5,NULL,1,4),"
                "('2026-10','V4','2026-10-01 08:30:00','0101','D1','P4','O',100,0,0,0,5,'Y',1,5),"
                "('2026-10','V5','2026-10-01 08:40:00','0101','D1','P5','E',100,0,0,0,5,'N',1,6),"
                "('2026-10','V6','2026-10-01 08:50:00','0201','D2','P6','O',100,0,0,0,5,'maybe',1,7),"
                "('2026-10','V7','2026-10-01 09:00:00','0201','D2','P7','O',100,0,0,0,5,NULL,1,8)");
    const char *groups = "SELECT group_concat(dept_code || visit_type || ':' || row_count || '/' || "
                         "appointment_y || '/' || appointment_n, ' ') FROM (SELECT * FROM "
                         "outpatient_rollup WHERE period = '2026-10' ORDER BY 1, 2, 3)";
    /* the shadow, before validation: every row, V6 counted as present */
    hr_error err;
    hr_error_clear(&err);
    int shadowed = 0;
    assert_int_equal(rollup_shadow(db, "2026-10", &shadowed, &err), HR_OK);
    assert_int_equal(shadowed, 1);
    assert_string_equal(tk_query_text(db, groups), "0101E:1/0/1 0101O:4/2/3 0201O:2/0/1");
    rollup_shadow_drop(db);
    /* validate: V6 quarantined (7 rows, 1 = 14 %: above the limit) */
    assert_int_equal(run_validate(db, "2026-10", &err), HR_EINPUT);
    assert_quarantined(db, "outpatient", 7, "enum|appointment|'maybe' is not one of Y, N");
    assert_string_equal(tk_query_text(db, groups), "0101E:1/0/1 0101O:4/2/3 0201O:1/0/0");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM rollup_state WHERE source = "
                                      "'outpatient' AND file_id = 1"),
                     1);
    close_db(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drg_rules),
        cmocka_unit_test(test_drg_reference_data),
        cmocka_unit_test(test_month_without_v2_sources),
        cmocka_unit_test(test_v2_fields_and_antibiotic),
        cmocka_unit_test(test_rollup_appointments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
