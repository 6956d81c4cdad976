/*
 * test_validate.c -- the validate stage through its C API.
 *
 * Fixtures are loaded the way ingest leaves them: a source_file row per
 * file and typed rows in the canonical tables, inserted with SQL here (the
 * outpatient fixture also exists as a real file, tests/data/validate/
 * outpatient.csv, which validate never reads). Every test
 * checks rows read = rows loaded + rows quarantined per file.
 * Run from the repository root.
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

#include "tests/support/testkit.h"
#include "pipeline/core/db.h"
#include "pipeline/core/rollup.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/error.h"
#include "pipeline/core/strbuf.h"
#include "stages/validate/validate.h"

/* The v1 columns in order (006_v2_sources added optional ones after them). */
#define OP_COLS "period, visit_id, visit_time, dept_code, doctor_code, patient_key, " \
                "visit_type, total_fee_cents, drug_fee_cents, material_fee_cents, " \
                "exam_fee_cents, wait_minutes, file_id, line_no"
#define SU_COLS "period, surgery_id, stay_id, dept_code, surgery_date, grade, file_id, line_no"
#define RU_COLS "period, dept_code, visit_type, row_count, total_fee_cents, total_fee_cents_n, " \
                "drug_fee_cents, drug_fee_cents_n, material_fee_cents, material_fee_cents_n, " \
                "exam_fee_cents, exam_fee_cents_n, wait_minutes, wait_minutes_n"

#define RULES "config/rules/validation.xml"
#define OUTPATIENT_CSV "tests/data/validate/outpatient.csv"

static char scratch[64];

static char *query_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    char *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static sqlite3 *open_db(void) { return tk_scratch_db(scratch, "test-validate"); }
static void close_db(sqlite3 *db) { tk_scratch_close(db, scratch); }

/* rows read = rows loaded + rows quarantined, for every file of every period. */
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

static void add_file(sqlite3 *db, int file_id, const char *period, const char *source,
                     const char *path, const char *sha, int rows_read)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO source_file (file_id, period, source, path, size_bytes, sha256, profile, "
        "rows_read, rows_loaded, loaded_at, outcome) VALUES (%d, %Q, %Q, %Q, 0, %Q, 'standard', "
        "%d, %d, '2026-11-01T00:00:00Z', 'loaded')",
        file_id, period, source, path, sha, rows_read, rows_read);
    tk_exec(db, sql);
    sqlite3_free(sql);
}

static void add_depts(sqlite3 *db, const char *period)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO dept VALUES (%Q, '0101', '心内科', 'Cardiology', 'clinical', 0, 2),"
        "(%Q, '0102', '呼吸科', 'Respiratory', 'clinical', 0, 3)",
        period, period);
    tk_exec(db, sql);
    sqlite3_free(sql);
}

/* The outpatient fixture as ingest would load it: line 9 (a bad date) was
 * quarantined by ingest; lines 2-8 are in the table. */
static void load_outpatient(sqlite3 *db, const char *sha)
{
    add_file(db, 1, "2026-10", "outpatient", OUTPATIENT_CSV, sha, 8);
    add_depts(db, "2026-10");
    tk_exec(db,
         "INSERT INTO outpatient (" OP_COLS ") VALUES "
         "('2026-10','V1','2026-10-01 08:00:00','0101','D1','P1','O',10000,1000,1000,1000,5,1,2),"
         "('2026-10','V1','2026-10-01 09:00:00','0101','D1','P2','O',5000,0,0,0,5,1,3),"
         "('2026-10','V3','2026-10-02 08:00:00','9999','D1','P3','O',2000,0,0,0,NULL,1,4),"
         "('2026-10','V4','2026-09-30 23:59:59','0101','D1','P4','E',2000,0,0,0,NULL,1,5),"
         "('2026-10','V5','2026-10-03 08:00:00','0102','D2','P5','O',3000,2000,1000,1,7,1,6),"
         "('2026-10','V6','2026-10-03 09:00:00','0102','D2','P6','X',3000,0,0,0,7,1,7),"
         "('2026-10','V7','2026-10-04 10:00:00','0102','D2, senior','P7','O',3000,0,0,0,2000,1,8);"
         "INSERT INTO quarantine (period, source, file_id, path, line_no, raw, field, rule, "
         "message, stage) VALUES ('2026-10','outpatient',1,'" OUTPATIENT_CSV "',9,"
         "'V8,2026-13-45 10:00:00,0102,D2,***,O,30.00,0,0,0,1','visit_time','type',"
         "'not a datetime','ingest');");
}

static int run_validate(sqlite3 *db, hr_error *err)
{
    validate_options opt = {"2026-10", RULES, NULL, NULL, 0};
    hr_error_clear(err);
    return validate_period(db, &opt, err);
}

static char *file_sha(const char *path)
{
    static char hex[DIGEST_HEX_SIZE];
    uint64_t size;
    hr_error err;
    hr_error_clear(&err);
    if (digest_file(path, hex, &size, &err))
        fail_msg("%s", err.message);
    return hex;
}

/* Each row rule of outpatient quarantines exactly its row, with the rule,
 * field, a message and the raw record re-read from the file. */
static void test_outpatient_rules(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_outpatient(db, file_sha(OUTPATIENT_CSV));
    hr_error err;
    /* 5 of 8 rows quarantined: far above the 1 % limit. */
    assert_int_equal(run_validate(db, &err), HR_EINPUT);
    assert_string_equal(err.file, OUTPATIENT_CSV);
    assert_non_null(strstr(err.message, "6 of 8 rows quarantined (75.00 %)"));
    assert_non_null(strstr(err.message, "limit of 1 %"));

    const char *expect[][4] = {
        {"3", "key", "visit_id", "duplicate visit_id (V1): first at line 2"},
        {"4", "reference", "dept_code", "dept_code '9999' is not in the department dictionary"},
        {"5", "period", "visit_time", "visit_time 2026-09-30 23:59:59 is not in the period 2026-10"},
        {"6", "cross", "total_fee",
         "drug_fee + material_fee + exam_fee = 30.01 is more than total_fee 30.00"},
        {"7", "enum", "visit_type", "'X' is not one of O, E"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT rule || '|' || field || '|' || message FROM quarantine "
                 "WHERE stage = 'validate' AND line_no = %s",
                 expect[i][0]);
        char *got = query_text(db, sql);
        assert_non_null(got);
        char want[256];
        snprintf(want, sizeof want, "%s|%s|%s", expect[i][1], expect[i][2], expect[i][3]);
        assert_memory_equal(got, want, strlen(want));
        free(got);
    }
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine WHERE stage = 'validate'"), 5);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient"), 2);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient WHERE line_no IN (2, 8)"), 2);
    char *raw = query_text(db, "SELECT raw FROM quarantine WHERE line_no = 4");
    /* the row as stored, patient_key masked (the file is not read again) */
    assert_string_equal(raw, "V3,2026-10-02 08:00:00,9999,D1,***,O,20.00,0.00,0.00,0.00,,");
    free(raw);
    /* The wait of 2000 minutes is a warning: the row stays, flagged. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM row_warning WHERE line_no = 8 AND "
                               "rule = 'range' AND field = 'wait_minutes'"),
                     1);
    char *s = query_text(db, "SELECT validation_state FROM period_state WHERE period='2026-10'");
    assert_string_equal(s, "failed");
    free(s);
    assert_int_equal(tk_query_int(db, "SELECT rows_read || rows_accepted || rows_quarantined || "
                               "rows_warned FROM validation_summary WHERE source='outpatient'"),
                     8261);
    s = query_text(db, "SELECT top_reasons FROM validation_summary WHERE source='outpatient'");
    assert_string_equal(s, "cross total_fee: 1; enum visit_type: 1; key visit_id: 1");
    free(s);
    assert_nothing_lost(db);

    /* Idempotent: a second run finds nothing new and changes nothing. */
    assert_int_equal(run_validate(db, &err), HR_EINPUT);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 6);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient"), 2);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM row_warning"), 1);
    assert_nothing_lost(db);
    close_db(db);
}

/* Validate is the outpatient roll-up's one writer: it builds it once, from
 * the rows that stayed after quarantine, marked with the file it sums up;
 * whatever the table held for the month before is replaced. */
static void test_rollup_built_after_quarantine(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_outpatient(db, file_sha(OUTPATIENT_CSV));
    /* a stale roll-up of the month (e.g. of an earlier file): replaced */
    tk_exec(db, "INSERT INTO outpatient_rollup (" RU_COLS ") VALUES ('2026-10','0101','E',9,9,9,9,9,9,9,9,9,9,9);"
                "INSERT INTO rollup_state VALUES ('outpatient','2026-10','validate',0)");
    hr_error err;
    assert_int_equal(run_validate(db, &err), HR_EINPUT);
    const char *by_group =
        "SELECT group_concat(dept_code || visit_type || ':' || row_count || '/' || "
        "total_fee_cents || '/' || total_fee_cents_n || '/' || drug_fee_cents || '/' || "
        "material_fee_cents || '/' || exam_fee_cents || '/' || wait_minutes || '/' || "
        "wait_minutes_n, ' ') FROM (SELECT * FROM outpatient_rollup WHERE period = '2026-10' "
        "ORDER BY dept_code, visit_type)";
    /* Left: line 2 (0101 O) and line 8 (0102 O, its wait of 2000 only
     * warned); lines 3-7 went to quarantine, and with them the groups
     * 0101 E, 0102 X and 9999 O. */
    char *s = query_text(db, by_group);
    assert_string_equal(s, "0101O:1/10000/1/1000/1000/1000/5/1 0102O:1/3000/1/0/0/0/2000/1");
    free(s);
    s = query_text(db, "SELECT built_by || '|' || file_id FROM rollup_state");
    assert_string_equal(s, "validate|1");
    free(s);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM (SELECT dept_code, visit_type, "
                                      "count(*), sum(total_fee_cents) FROM outpatient GROUP BY 1, 2 "
                                      "EXCEPT SELECT dept_code, visit_type, row_count, "
                                      "total_fee_cents FROM outpatient_rollup)"),
                     0);
    /* a second validation finds nothing new: the same roll-up */
    assert_int_equal(run_validate(db, &err), HR_EINPUT);
    s = query_text(db, by_group);
    assert_string_equal(s, "0101O:1/10000/1/1000/1000/1000/5/1 0102O:1/3000/1/0/0/0/2000/1");
    free(s);
    close_db(db);
}

/* A roll-up is current while its file is the month's current file; a
 * reader of a month without a current one rolls the rows up into a TEMP
 * shadow of its own connection, which the shared table never sees. */
static void test_rollup_current_and_shadow(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_outpatient(db, file_sha(OUTPATIENT_CSV));
    hr_error err;
    hr_error_clear(&err);
    const rollup_spec *s = rollup_find("outpatient");
    assert_non_null(s);
    assert_int_equal(rollup_current(db, s, "2026-10", &err), 0); /* loaded, not validated */
    int shadowed = -1;
    assert_int_equal(rollup_shadow(db, "2026-10", &shadowed, &err), HR_OK);
    assert_int_equal(shadowed, 1);
    /* the shadow: every row of the month (7), the shared table: nothing */
    assert_int_equal(tk_query_int(db, "SELECT sum(row_count) FROM outpatient_rollup"), 7);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM main.outpatient_rollup"), 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM rollup_state"), 0);
    rollup_shadow_drop(db);
    assert_int_equal(run_validate(db, &err), HR_EINPUT);
    hr_error_clear(&err);
    assert_int_equal(rollup_current(db, s, "2026-10", &err), 1);
    assert_int_equal(rollup_shadow(db, "2026-10", &shadowed, &err), HR_OK);
    assert_int_equal(shadowed, 0);
    /* another file loaded for the month: the roll-up is no longer current */
    tk_exec(db, "UPDATE source_file SET current = 0;"
                "INSERT INTO source_file (file_id, period, source, path, size_bytes, sha256, "
                "profile, loaded_at, outcome) VALUES (9, '2026-10', 'outpatient', 'x', 0, 'y', "
                "'standard', 'now', 'replaced')");
    assert_int_equal(rollup_current(db, s, "2026-10", &err), 0);
    close_db(db);
}

/* The key check over more rows than one partition holds (262,144): the
 * hashes go through temporary files, and every duplicate is still found,
 * naming the first line of its key. */
static void test_key_check_partitions(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    const int n = 300000;
    add_file(db, 1, "2026-10", "outpatient", "/nonexistent/outpatient.csv", "x", n);
    /* line i + 1 has visit_id V(i mod 299,990): lines 299,992-300,001
     * repeat the keys of lines 2-11 */
    tk_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
                "INSERT INTO outpatient (" OP_COLS ") SELECT '2026-10', 'V' || (i % 299990), "
                "'2026-10-05 08:00:00', '0101', 'D1', 'P', 'O', 100, 0, 0, 0, 5, 1, i + 1 FROM n");
    validate_options opt = {"2026-10", "tests/data/validate/rules/keys_only.xml", NULL, NULL, 0};
    hr_error err;
    hr_error_clear(&err);
    int rc = validate_period(db, &opt, &err);
    if (rc)
        fail_msg("%s", err.message);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 10);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine WHERE rule = 'key' AND "
                                      "line_no = 299990 + 2 + (line_no - 299992) AND message = "
                                      "'duplicate visit_id (V' || (line_no - 1 - 299990) || "
                                      "'): first at line ' || (line_no - 299990)"),
                     10);
    assert_int_equal(tk_query_int(db, "SELECT min(line_no) FROM quarantine"), 299992);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient"), n - 10);
    close_db(db);
}

/* The record of a row validate quarantines is the row as ingest stored it
 * (quoting where needed, money in CNY), its patient_key masked: the
 * export file is never opened again (here it is not even there), and the
 * quarantine CSV carries no patient key. */
static void test_raw_from_stored_row_masked(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    load_outpatient(db, file_sha(OUTPATIENT_CSV));
    tk_exec(db, "UPDATE outpatient SET dept_code = '9999' WHERE line_no = 8;"
                "UPDATE source_file SET path = '/nonexistent/outpatient.csv'");
    char dir[80];
    snprintf(dir, sizeof dir, "%s/out", scratch);
    validate_options opt = {"2026-10", RULES, dir, NULL, 0};
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(validate_period(db, &opt, &err), HR_EINPUT);
    char *raw = query_text(db, "SELECT raw FROM quarantine WHERE line_no = 8");
    assert_string_equal(raw, "V7,2026-10-04 10:00:00,9999,\"D2, senior\",***,O,30.00,0.00,0.00,0.00,2000,");
    free(raw);
    char path[128];
    snprintf(path, sizeof path, "%s/quarantine-2026-10.csv", dir);
    strbuf sb = STRBUF_INIT;
    tk_slurp(path, &sb);
    const char *csv = sb.buf;
    /* for Excel: a BOM, and the header in both languages */
    const char *head = "\xEF\xBB\xBF数据源(source),数据源名称(source_name),文件(path),";
    assert_memory_equal(csv, head, strlen(head));
    assert_non_null(strstr(csv, "\"V7,2026-10-04 10:00:00,9999,\"\"D2, senior\"\",***,O,"));
    /* the source's and the rule's Chinese names beside their ids */
    assert_non_null(strstr(csv, "\noutpatient,门急诊就诊（HIS）,"));
    assert_non_null(strstr(csv, ",reference,代码在字典中不存在,"));
    /* the reason in both languages, as the header: the English and the
     * Chinese of the catalog's format, with the same values */
    assert_non_null(strstr(csv, ",原因(message),原因中文(message_zh),原始记录(raw)\n"));
    assert_non_null(strstr(csv, ",validate,dept_code '9999' is not in the department dictionary "
                                "of the month,dept_code '9999' 不在本月的科室字典中,"));
    char *zh = query_text(db, "SELECT message_zh FROM quarantine WHERE line_no = 8");
    assert_string_equal(zh, "dept_code '9999' 不在本月的科室字典中");
    free(zh);
    /* lines 3-8 and 9 (ingest's) are in it: P2 ... P8 are not */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 7);
    for (int k = 2; k <= 8; k++) {
        char key[16];
        snprintf(key, sizeof key, ",P%d,", k);
        assert_null(strstr(csv, key));
    }
    sb_release(&sb);
    assert_nothing_lost(db);
    close_db(db);
}

/* Below the limit the run goes on: 1 bad row in 201 is 0.5 %. */
static void test_below_limit_passes(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    add_file(db, 7, "2026-10", "surgery", "/nonexistent/surgery.csv", "x", 201);
    tk_exec(db, "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 202) "
             "INSERT INTO surgery (" SU_COLS ") SELECT '2026-10', 'S' || i, 'ST' || i, '0101', '2026-10-05', "
             "1 + i % 4, 7, i FROM n");
    tk_exec(db, "UPDATE surgery SET grade = 5 WHERE line_no = 100");
    hr_error err;
    assert_int_equal(run_validate(db, &err), HR_OK);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 1);
    char *m = query_text(db, "SELECT rule || '|' || field || '|' || message || '|' || raw "
                             "FROM quarantine");
    assert_string_equal(m, "range|grade|grade 5 is outside the range [1, 4]|S100,ST100,0101,2026-10-05,5,,");
    free(m);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM surgery"), 200);
    char *s = query_text(db, "SELECT validation_state FROM period_state");
    assert_string_equal(s, "ok");
    free(s);
    assert_nothing_lost(db);
    close_db(db);
}

/* Cross-field and key rules of the other sources. */
static void test_other_sources(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    add_file(db, 2, "2026-10", "inpatient", "/nonexistent/inpatient.csv", "x", 2);
    add_file(db, 3, "2026-10", "census", "/nonexistent/census.csv", "x", 3);
    add_file(db, 4, "2026-10", "equipment", "/nonexistent/equipment.csv", "x", 1);
    add_file(db, 5, "2026-10", "equipment_usage", "/nonexistent/usage.csv", "x", 2);
    tk_exec(db,
         "INSERT INTO inpatient VALUES "
         "('2026-10','ST1','P1','0101','2026-10-05','2026-10-04',100,0,0,0,'cured',2,2),"
         "('2026-10','ST2','P2','0101','2026-10-01','2026-10-04',100,0,0,0,'cured',2,3);"
         "INSERT INTO census VALUES ('2026-10','2026-10-01','0101',40,38,3,2,3,2),"
         "('2026-10','2026-10-02','0101',40,39,3,2,3,3),"
         "('2026-10','2026-10-01','0101',40,30,1,1,3,4);"
         "INSERT INTO equipment VALUES ('2026-10','CT01','CT','CT','0101','2020-01-01',100,5,"
         "40,4,2);"
         "INSERT INTO equipment_usage VALUES ('2026-10','2026-10-01','CT01',30,100,0,5,2),"
         "('2026-10','2026-10-01','MRI9',30,100,0,5,3);");
    hr_error err;
    assert_int_equal(run_validate(db, &err), HR_EINPUT);
    char *m = query_text(db, "SELECT line_no || '|' || rule || '|' || message FROM quarantine "
                             "WHERE source = 'inpatient'");
    assert_string_equal(m, "2|cross|discharge_date 2026-10-04 must be on or after admit_date 2026-10-05");
    free(m);
    m = query_text(db, "SELECT line_no || '|' || rule || '|' || message FROM quarantine "
                       "WHERE source = 'census'");
    assert_string_equal(m, "4|key|duplicate date, dept_code (2026-10-01, 0101): first at line 2");
    free(m);
    m = query_text(db, "SELECT line_no || '|' || rule || '|' || field FROM quarantine "
                       "WHERE source = 'equipment_usage'");
    assert_string_equal(m, "3|reference|equipment_id");
    free(m);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 3);
    assert_nothing_lost(db);
    close_db(db);
}

/* Aggregate thresholds: volume against the previous month, overfull wards. */
static void test_thresholds(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-09");
    add_depts(db, "2026-10");
    add_file(db, 1, "2026-09", "inpatient", "/x/9.csv", "x", 100);
    add_file(db, 2, "2026-10", "inpatient", "/x/10.csv", "x", 40);
    add_file(db, 3, "2026-10", "census", "/x/c.csv", "x", 3);
    tk_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
             "INSERT INTO inpatient SELECT '2026-09', 'A' || i, 'P', '0101', '2026-09-01', "
             "'2026-09-03', 100, 0, 0, 0, 'cured', 1, i + 1 FROM n;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
             "INSERT INTO inpatient SELECT '2026-10', 'B' || i, 'P', '0101', '2026-10-01', "
             "'2026-10-03', 100, 0, 0, 0, 'cured', 2, i + 1 FROM n;"
             "INSERT INTO census VALUES ('2026-10','2026-10-01','0102',40,60,3,2,3,2),"
             "('2026-10','2026-10-02','0102',40,50,3,2,3,3),"
             "('2026-10','2026-10-01','0101',5,9,3,2,3,4);");
    hr_error err;
    assert_int_equal(run_validate(db, &err), HR_OK);
    char *m = query_text(db, "SELECT scope || '|' || value || '|' || message_en FROM data_warning "
                             "WHERE kind = 'volume_mom'");
    assert_string_equal(m, "0101|-60.0|Cardiology: inpatient count 40 changed -60.0% against "
                           "the previous month (2026-09: 100), beyond ±50%");
    free(m);
    /* 60/40 = 150 % > 130 % on one day; 50/40 = 125 % is within; 9/5 =
     * 180 % in 0101, but a ward of 5 open beds is below min-open-beds 10. */
    m = query_text(db, "SELECT scope || '|' || value || '|' || message_en FROM data_warning "
                       "WHERE kind = 'census_overfull'");
    assert_string_equal(m, "0102|150.0|Respiratory: occupied beds above 130% of open beds on "
                           "1 days (up to 150%)");
    free(m);
    /* Departments are named from the dictionary, sources in Chinese. */
    m = query_text(db, "SELECT group_concat(message_zh, '|') FROM (SELECT message_zh FROM "
                       "data_warning ORDER BY kind)");
    assert_string_equal(m, "呼吸科有 1 天占用床位超过开放床位的 130%（最高 150%）|"
                           "心内科住院量 40，环比变化 -60.0%（2026-09 为 100），超出 ±50%");
    free(m);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM data_warning"), 2);
    char *s = query_text(db, "SELECT validation_state FROM period_state");
    assert_string_equal(s, "warnings");
    free(s);

    /* The report: every warning (validate), or one line per kind (run). */
    for (int brief = 0; brief <= 1; brief++) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        validate_options opt = {"2026-10", RULES, NULL, out, brief};
        hr_error_clear(&err);
        assert_int_equal(validate_period(db, &opt, &err), HR_OK);
        fclose(out);
        const char *tail = strstr(text, "data warnings: 2\n");
        assert_non_null(tail);
        assert_string_equal(tail,
                            brief ? "data warnings: 2\n"
                                    "  census: occupied beds above 130% of open beds in 1 "
                                    "department -- see the report appendix or `hospreport "
                                    "validate`\n"
                                    "  inpatient: volume moved beyond ±50% against the previous "
                                    "month in 1 department -- see the report appendix or "
                                    "`hospreport validate`\n"
                                  : "data warnings: 2\n"
                                    "  Respiratory: occupied beds above 130% of open beds on "
                                    "1 days (up to 150%)\n"
                                    "  Cardiology: inpatient count 40 changed -60.0% against "
                                    "the previous month (2026-09: 100), beyond ±50%\n");
        free(text);
    }
    close_db(db);
}

/* required, and the one pass's choice of rule: a row breaking several error
 * rules is quarantined under the first in the rules file; a kept row keeps
 * every warning it has; a quarantined row's warnings go with it.
 * tests/data/validate/rules/required.xml, limit 50 %:
 *   line 2: no doctor, type X, 200.00  -> required doctor_code (first of 3)
 *   line 3: type X, 200.00             -> enum visit_type (before range)
 *   line 4: 80.00, no wait             -> kept, 2 warnings
 *   line 5: clean
 *   line 6: 200.00, no wait            -> range total_fee; no warning kept
 *   line 7: clean                      3 of 6 quarantined = 50 %, not above */
static void test_required_and_first_rule(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_file(db, 1, "2026-10", "outpatient", "/nonexistent/outpatient.csv", "x", 6);
    tk_exec(db,
         "INSERT INTO outpatient (" OP_COLS ") VALUES "
         "('2026-10','V1','2026-10-01 08:00:00','0101','','P1','X',20000,0,0,0,5,1,2),"
         "('2026-10','V2','2026-10-01 09:00:00','0101','D1','P2','X',20000,0,0,0,5,1,3),"
         "('2026-10','V3','2026-10-02 08:00:00','0101','D1','P3','O',8000,0,0,0,NULL,1,4),"
         "('2026-10','V4','2026-10-02 09:00:00','0101','D1','P4','O',3000,0,0,0,5,1,5),"
         "('2026-10','V5','2026-10-03 08:00:00','0101','D1','P5','O',20000,0,0,0,NULL,1,6),"
         "('2026-10','V6','2026-10-03 09:00:00','0101','D1','P6','E',3000,0,0,0,7,1,7);");
    validate_options opt = {"2026-10", "tests/data/validate/rules/required.xml", NULL, NULL, 0};
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(validate_period(db, &opt, &err), HR_OK);
    char *got = query_text(db, "SELECT group_concat(line_no || ' ' || rule || ' ' || field || "
                               "' ' || message, '|') FROM (SELECT * FROM quarantine "
                               "ORDER BY line_no)");
    assert_string_equal(got, "2 required doctor_code a value is required|"
                             "3 enum visit_type 'X' is not one of O, E|"
                             "6 range total_fee total_fee 200.00 is outside the range [0, 100]");
    free(got);
    got = query_text(db, "SELECT group_concat(line_no || ' ' || rule || ' ' || field || ' ' || "
                         "message, '|') FROM (SELECT * FROM row_warning ORDER BY field DESC)");
    assert_string_equal(got, "4 required wait_minutes a value is required|"
                             "4 range total_fee total_fee 80.00 is outside the range [-, 50]");
    free(got);
    assert_int_equal(tk_query_int(db, "SELECT rows_read || rows_accepted || rows_quarantined || "
                               "rows_warned FROM validation_summary"),
                     6331);
    got = query_text(db, "SELECT validation_state FROM period_state");
    assert_string_equal(got, "warnings");
    free(got);
    assert_nothing_lost(db);
    close_db(db);
}

/* zero-days threshold (min-daily-mean 30, min-zero-days 2; October has 31
 * days): 0101 has 40 visits on each of days 1-29 = 1160, 37.4 a day, and 2
 * days without: a warning. 0102 has 20 visits on days 1-10 = 200, 6.5 a
 * day: 21 empty days, but too small a clinic to say. */
static void test_threshold_zero_days(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    add_file(db, 1, "2026-10", "outpatient", "/x/o.csv", "x", 1360);
    tk_exec(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1159) "
             "INSERT INTO outpatient (" OP_COLS ") SELECT '2026-10', 'A' || i, "
             "printf('2026-10-%02d 08:00:00', i / 40 + 1), '0101', 'D', 'P', 'O', 100, 0, 0, 0, "
             "5, 1, i + 2 FROM n;"
             "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199) "
             "INSERT INTO outpatient (" OP_COLS ") SELECT '2026-10', 'B' || i, "
             "printf('2026-10-%02d 08:00:00', i / 20 + 1), '0102', 'D', 'P', 'O', 100, 0, 0, 0, "
             "5, 1, i + 1162 FROM n;");
    hr_error err;
    assert_int_equal(run_validate(db, &err), HR_OK);
    char *m = query_text(db, "SELECT group_concat(kind || '|' || scope || '|' || value || '|' || "
                             "threshold || '|' || message_en, '\n') FROM data_warning");
    assert_string_equal(m, "zero_days|0101|2.0|2.0|Cardiology averages 37.4 outpatient a day "
                           "but had 2 days with none");
    free(m);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 0);
    assert_nothing_lost(db);
    close_db(db);
}

/* Year-on-year volume (inpatient: band 50 %, min-base 30): October 2025
 * had 0101 50 stays, 0102 20; October 2026 has 0101 20 (-60 %: a warning)
 * and 0102 45 (+125 %, but a base of 20 is below 30: not compared).
 * September 2026 is not loaded: no month-on-month comparison. */
static void test_threshold_volume_yoy(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_depts(db, "2026-10");
    add_file(db, 1, "2025-10", "inpatient", "/x/2025-10.csv", "x", 70);
    add_file(db, 2, "2026-10", "inpatient", "/x/2026-10.csv", "x", 65);
    tk_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70) "
             "INSERT INTO inpatient SELECT '2025-10', 'A' || i, 'P', "
             "CASE WHEN i <= 50 THEN '0101' ELSE '0102' END, '2025-10-01', '2025-10-03', "
             "100, 0, 0, 0, 'cured', 1, i + 1 FROM n;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 65) "
             "INSERT INTO inpatient SELECT '2026-10', 'B' || i, 'P', "
             "CASE WHEN i <= 20 THEN '0101' ELSE '0102' END, '2026-10-01', '2026-10-03', "
             "100, 0, 0, 0, 'cured', 2, i + 1 FROM n;");
    hr_error err;
    assert_int_equal(run_validate(db, &err), HR_OK);
    char *m = query_text(db, "SELECT group_concat(kind || '|' || scope || '|' || value || '|' || "
                             "message_en, '\n') FROM data_warning");
    assert_string_equal(m, "volume_yoy|0101|-60.0|Cardiology: inpatient count 20 changed "
                           "-60.0% against a year earlier (2025-10: 50), beyond ±50%");
    free(m);
    assert_nothing_lost(db);
    close_db(db);
}

/* Issue 12: a department code that cannot be a file name is quarantined,
 * in the dictionary and wherever a source names one; every money field is bounded by
 * money-limit (10^12 CNY by default), before the other rules of its source
 * -- revenue has no range rule of its own in the rules file. */
static void test_codes_and_money_limit(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    add_file(db, 1, "2026-10", "dept", "/nonexistent/dept.csv", "x", 5);
    add_file(db, 2, "2026-10", "revenue", "/nonexistent/revenue.csv", "x", 4);
    tk_exec(db,
         "INSERT INTO dept VALUES ('2026-10', '0101', '心内科', 'Cardiology', 'clinical', 1, 2),"
         "('2026-10', 'x/../../ESCAPED', 'a', 'a', 'clinical', 1, 3),"
         "('2026-10', 'F' || char(8238) || 'FDP.exe', 'b', 'b', 'clinical', 1, 4),"
         "('2026-10', 'ok_9.A-1', 'c', 'c', 'clinical', 1, 5),"
         "('2026-10', '.hidden', 'd', 'd', 'clinical', 1, 6);"
         "INSERT INTO revenue VALUES ('2026-10', '2026-10', '0101', 'drug', 100000000000000, 2, 2),"
         "('2026-10', '2026-10', '0101', 'exam', 100000000000001, 2, 3),"
         "('2026-10', '2026-10', '0101', 'bed', -9223372036854775807, 2, 4),"
         "('2026-10', '2026-10', 'x/../../ESCAPED', 'other', 5, 2, 5);");
    hr_error err;
    run_validate(db, &err);
    char *m = query_text(db, "SELECT group_concat(line_no || '|' || rule || '|' || field || '|' || "
                             "message, char(10)) FROM (SELECT * FROM quarantine WHERE source = "
                             "'dept' ORDER BY line_no)");
    assert_string_equal(m, "3|code|dept_code|dept_code 'x/../../ESCAPED' is not a code: only A-Z "
                           "a-z 0-9 _ . - (not first: . -), at most 32 characters\n"
                           "4|code|dept_code|dept_code 'F\xe2\x80\xae" "FDP.exe' is not a code: only "
                           "A-Z a-z 0-9 _ . - (not first: . -), at most 32 characters\n"
                           "6|code|dept_code|dept_code '.hidden' is not a code: only A-Z a-z 0-9 _ "
                           ". - (not first: . -), at most 32 characters");
    free(m);
    m = query_text(db, "SELECT group_concat(line_no || '|' || rule || '|' || field || '|' || "
                       "message, char(10)) FROM (SELECT * FROM quarantine WHERE source = "
                       "'revenue' ORDER BY line_no)");
    assert_string_equal(m, "3|range|amount|amount 1000000000000.01 is beyond the plausible limit "
                           "of +-1000000000000 CNY (money-limit in validation.xml)\n"
                           "4|range|amount|amount -92233720368547758.07 is beyond the plausible "
                           "limit of +-1000000000000 CNY (money-limit in validation.xml)\n"
                           "5|code|dept_code|dept_code 'x/../../ESCAPED' is not a code: only "
                           "A-Z a-z 0-9 _ . - (not first: . -), at most 32 characters");
    free(m);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM dept"), 2);
    assert_int_equal(tk_query_int(db, "SELECT amount_cents FROM revenue"), 100000000000000LL);
    assert_nothing_lost(db);
    close_db(db);

    /* The limit is the rules file's; a bad one is refused with its line. */
    db = open_db();
    add_file(db, 2, "2026-10", "revenue", "/nonexistent/revenue.csv", "x", 2);
    tk_exec(db, "INSERT INTO revenue VALUES ('2026-10', '2026-10', '0101', 'drug', 10000, 2, 2),"
                "('2026-10', '2026-10', '0101', 'exam', 10001, 2, 3);");
    /* rules/x.xml beside schema/validation.xsd, as the rules file expects */
    char dir[64], rules[96], xsd[96], cwd[512], target[600];
    tk_tmpdir_create(dir, "test-validate-rules");
    snprintf(rules, sizeof rules, "%s/rules", dir);
    mkdir(rules, 0700);
    snprintf(xsd, sizeof xsd, "%s/schema", dir);
    mkdir(xsd, 0700);
    snprintf(xsd, sizeof xsd, "%s/schema/validation.xsd", dir);
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(target, sizeof target, "%s/config/schema/validation.xsd", cwd);
    assert_int_equal(symlink(target, xsd), 0);
    snprintf(rules, sizeof rules, "%s/rules/validation.xml", dir);
    tk_write_file(rules, "<validation money-limit=\"100\">\n"
                         "  <source name=\"revenue\"><key fields=\"month dept_code category\"/></source>\n"
                         "</validation>\n");
    validate_options opt = {"2026-10", rules, NULL, NULL, 0};
    hr_error_clear(&err);
    validate_period(db, &opt, &err);
    m = query_text(db, "SELECT line_no || '|' || message FROM quarantine");
    assert_string_equal(m, "3|amount 100.01 is beyond the plausible limit of +-100 CNY "
                           "(money-limit in validation.xml)");
    free(m);
    tk_write_file(rules, "<validation money-limit=\"100000000000000000000\">\n"
                         "  <source name=\"revenue\"/>\n</validation>\n");
    hr_error_clear(&err);
    assert_int_equal(validate_period(db, &opt, &err), HR_EFAIL);
    assert_string_equal(err.file, rules);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.message, "money-limit '100000000000000000000' must be"));
    tk_tmpdir_remove(dir);
    close_db(db);
}

/* A rules file that breaks its schema is refused with file and line. */
static void test_bad_rules_file(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    validate_options opt = {"2026-10", "tests/data/validate/rules/bad.xml", NULL, NULL, 0};
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(validate_period(db, &opt, &err), HR_EFAIL);
    assert_string_equal(err.file, "tests/data/validate/rules/bad.xml");
    assert_int_equal(err.line, 4);
    opt.rules = "tests/data/validate/rules/unknown_field.xml";
    hr_error_clear(&err);
    assert_int_equal(validate_period(db, &opt, &err), HR_EFAIL);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.field, "visit_date");
    close_db(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outpatient_rules),
        cmocka_unit_test(test_rollup_built_after_quarantine),
        cmocka_unit_test(test_rollup_current_and_shadow),
        cmocka_unit_test(test_key_check_partitions),
        cmocka_unit_test(test_raw_from_stored_row_masked),
        cmocka_unit_test(test_below_limit_passes),
        cmocka_unit_test(test_other_sources),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_required_and_first_rule),
        cmocka_unit_test(test_threshold_zero_days),
        cmocka_unit_test(test_threshold_volume_yoy),
        cmocka_unit_test(test_bad_rules_file),
        cmocka_unit_test(test_codes_and_money_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
