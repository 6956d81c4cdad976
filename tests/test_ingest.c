/*
 * test_ingest.c -- the ingest stage through its C API (ingest_folder) on
 * small fixtures under tests/data/ingest/: typed values by hand, each
 * encoding (UTF-8 with BOM and CRLF, GB18030 declared and detected), each
 * date format, value maps, the XML path, idempotence, replacement, budget
 * years, and every kind of bad input (rejected whole, database unchanged).
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

#include "pipeline/core/db.h"
#include "pipeline/core/registry.h"
#include "pipeline/core/rollup.h"
#include "tests/support/testkit.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/strbuf.h"
#include "stages/ingest/ingest.h"
#include "stages/ingest/ingest_int.h"

#define DATA "tests/data/ingest/"

static sqlite3 *open_db(void)
{
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_open(":memory:", &db, &err), HR_OK);
    return db;
}

static int ingest(sqlite3 *db, const char *dir, const char *period, const char *profile,
                  ingest_summary *sum, hr_error *err)
{
    ingest_options opt = {dir, period, profile, NULL};
    memset(sum, 0, sizeof *sum);
    hr_error_clear(err);
    return ingest_folder(db, &opt, sum, err);
}

static void ingest_ok(sqlite3 *db, const char *dir, const char *period, const char *profile,
                      ingest_summary *sum)
{
    hr_error err;
    int rc = ingest(db, dir, period, profile, sum, &err);
    if (rc) {
        char buf[1600];
        fprintf(stderr, "%s\n", hr_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(rc, HR_OK);
}

/* SHA-256 over every row of one table in rowid order, columns separated,
 * leaving out the column named `skip` (may be NULL). */
static void table_digest(sqlite3 *db, const char *table, const char *skip, strbuf *out)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        /* A WITHOUT ROWID table: SELECT * returns it in primary-key order. */
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", table);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    }
    sb_addf(out, "[%s]", table);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            if (skip && strcmp(sqlite3_column_name(st, i), skip) == 0)
                continue;
            const unsigned char *t = sqlite3_column_text(st, i);
            sb_addf(out, "%d:%s|", sqlite3_column_type(st, i), t ? (const char *)t : "");
        }
        sb_addch(out, '\n');
    }
    sqlite3_finalize(st);
}

/* Digest of the whole database: every table, every row. */
static void db_digest(sqlite3 *db, char hex[DIGEST_HEX_SIZE])
{
    strbuf all = STRBUF_INIT;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type IN "
                                        "('table', 'index') ORDER BY name",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        sb_addf(&all, "{%s}", name);
        if (!sqlite3_strnicmp(name, "sqlite_", 7))
            continue;
        int64_t is_table = 0;
        char q[256];
        snprintf(q, sizeof q, "SELECT type = 'table' FROM sqlite_master WHERE name = '%s'", name);
        db_query_int(db, &is_table, NULL, q, NULL);
        if (is_table)
            table_digest(db, name, NULL, &all);
    }
    sqlite3_finalize(st);
    digest_buffer(all.buf, all.len, hex);
    sb_release(&all);
}

/* The canonical data tables, without file_id (which differs between two
 * loads of the same data). */
static void data_digest(sqlite3 *db, char hex[DIGEST_HEX_SIZE])
{
    strbuf all = STRBUF_INIT;
    for (int i = 0; i < ingest_table_count; i++)
        table_digest(db, ingest_tables[i].source, "file_id", &all);
    digest_buffer(all.buf, all.len, hex);
    sb_release(&all);
}

/* ---- units ---- */

static void test_convert_formats(void **state)
{
    (void)state;
    char out[20];
    assert_int_equal(convert_temporal("YYYY/MM/DD", IT_DATE, "2026/10/03", 10, out), 10);
    assert_string_equal(out, "2026-10-03");
    assert_int_equal(convert_temporal("YYYYMMDD", IT_DATE, "20261003", 8, out), 10);
    assert_string_equal(out, "2026-10-03");
    assert_int_equal(convert_temporal(NULL, IT_DATE, "2024-02-29", 10, out), 10);
    assert_int_equal(convert_temporal(NULL, IT_DATE, "2026-02-29", 10, out), -1);
    assert_int_equal(convert_temporal("YYYY/MM/DD", IT_DATE, "2026/13/45", 10, out), -1);
    assert_int_equal(convert_temporal("YYYYMMDD", IT_DATE, "2026103", 7, out), -1);
    assert_int_equal(convert_temporal("YYYY-MM-DD HH:mm", IT_DATETIME, "2026-10-03 08:15", 16, out), 19);
    assert_string_equal(out, "2026-10-03 08:15:00");
    assert_int_equal(convert_temporal("YYYY/MM/DD HH:mm:ss", IT_DATETIME, "2026/10/03 23:59:58", 19, out), 19);
    assert_string_equal(out, "2026-10-03 23:59:58");
    assert_int_equal(convert_temporal("YYYY-MM-DD HH:mm", IT_DATETIME, "2026-10-03 24:00", 16, out), -1);
    assert_int_equal(convert_temporal("YYYYMM", IT_MONTH, "202607", 6, out), 7);
    assert_string_equal(out, "2026-07");
    assert_int_equal(convert_temporal("YYYYMM", IT_MONTH, "202613", 6, out), -1);
    assert_int_equal(convert_format_check("YYYY/MM/DD", IT_DATE), 0);
    assert_int_equal(convert_format_check("YYYY/MM", IT_DATE), -1);
    assert_int_equal(convert_format_check("YYYY-MM-DD HH:mm", IT_DATETIME), 0);
    assert_int_equal(convert_format_check("YYYY-MM-DD", IT_DATETIME), -1);
    assert_int_equal(convert_format_check("YYYYMM", IT_MONTH), 0);
}

static void test_utf8_check(void **state)
{
    (void)state;
    size_t at;
    assert_true(ingest_utf8_valid((const unsigned char *)"plain, 门诊 \xf0\x9f\x98\x80", 19, &at));
    assert_false(ingest_utf8_valid((const unsigned char *)"ab\xc3\x28", 4, &at));
    assert_int_equal(at, 3);
    assert_false(ingest_utf8_valid((const unsigned char *)"\xed\xa0\x80", 3, &at)); /* surrogate */
    assert_int_equal(at, 1);
    assert_false(ingest_utf8_valid((const unsigned char *)"\xc0\xaf", 2, &at)); /* overlong */
    assert_int_equal(at, 0);
    assert_false(ingest_utf8_valid((const unsigned char *)"\xe9\x97", 2, &at)); /* cut short */
}

static void test_profiles_load(void **state)
{
    (void)state;
    profile *p;
    hr_error err;
    assert_int_equal(profile_load("config/profiles/standard.xml", &p, &err), HR_OK);
    assert_int_equal(p->nfiles, ingest_table_count);
    assert_int_equal(p->files[1].encoding, ENC_AUTO);
    profile_free(p);
    assert_int_equal(profile_load("config/profiles/chinese-his.xml", &p, &err), HR_OK);
    const profile_file *op = profile_find_file(p, "outpatient.csv");
    assert_non_null(op);
    assert_int_equal(op->encoding, ENC_GB18030);
    assert_int_equal(op->thousands, 1);
    const profile_field *vt = &op->fields[op->field_of_column[5]];
    assert_string_equal(vt->header, "就诊类型");
    const char *s = "急诊";
    size_t len = strlen(s);
    convert_map(vt, &s, &len);
    assert_int_equal(len, 1);
    assert_memory_equal(s, "E", 1);
    profile_free(p);
}

/* ---- the stage ---- */

static void test_standard_folder(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    ingest_summary sum;
    ingest_ok(db, DATA "std", "2026-10", NULL, &sum);
    assert_int_equal(sum.files_loaded, 2);
    assert_int_equal(sum.files_skipped, 1); /* notes.txt */
    assert_int_equal(sum.rows_read, 7);
    assert_int_equal(sum.rows_loaded, 5);
    assert_int_equal(sum.rows_rejected, 2);
    /* dept.csv: BOM, CRLF, a quoted comma. */
    assert_string_equal(tk_query_text(db, "SELECT name_zh || '/' || line_no || '/' || period FROM dept "
                                  "WHERE dept_code = '0201'"),
                        "检验科, 中心/3/2026-10");
    assert_string_equal(tk_query_text(db, "SELECT dept_code FROM dept WHERE line_no = 2"), "0101");
    /* outpatient.csv: money in cents, an empty optional, a value as given. */
    assert_string_equal(tk_query_text(db, "SELECT visit_time || '|' || total_fee_cents || '|' || "
                                  "drug_fee_cents || '|' || material_fee_cents || '|' || "
                                  "exam_fee_cents || '|' || wait_minutes || '|' || line_no "
                                  "FROM outpatient WHERE visit_id = 'V1'"),
                        "2026-10-03 08:15:00|143170|17637|3310|5200|19|2");
    assert_string_equal(tk_query_text(db, "SELECT typeof(wait_minutes) FROM outpatient WHERE visit_id = 'V2'"),
                        "null");
    assert_string_equal(tk_query_text(db, "SELECT visit_type || total_fee_cents || '/' || drug_fee_cents "
                                  "|| '/' || line_no FROM outpatient WHERE visit_id = 'V5'"),
                        "X1250/125/6");
    /* Quarantine: a bad date (type) and an empty required code. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 2);
    assert_string_equal(tk_query_text(db, "SELECT field || '|' || rule || '|' || stage || '|' || raw "
                                  "FROM quarantine WHERE line_no = 4"),
                        "visit_time|type|ingest|V3,2026-10-32 09:00:00,0101,D1,***,O,1,0,0,0,5");
    assert_non_null(strstr(tk_query_text(db, "SELECT message FROM quarantine WHERE line_no = 4"),
                           "expected YYYY-MM-DD HH:mm:ss"));
    /* the reason in Chinese too, from the catalog, for the quarantine CSV */
    assert_string_equal(tk_query_text(db, "SELECT message || '|' || message_zh FROM quarantine "
                                          "WHERE line_no = 4"),
                        "'2026-10-32 09:00:00' is not a date and time (expected YYYY-MM-DD "
                        "HH:mm:ss)|'2026-10-32 09:00:00' 不是日期时间（应为 YYYY-MM-DD HH:mm:ss）");
    assert_string_equal(tk_query_text(db, "SELECT message || '|' || message_zh FROM quarantine "
                                          "WHERE line_no = 5"),
                        "dept_code is required (empty)|dept_code 为必填项（为空）");
    assert_string_equal(tk_query_text(db, "SELECT field || '|' || rule || '|' || source FROM quarantine "
                                  "WHERE line_no = 5"),
                        "dept_code|required|outpatient");
    /* The manifest. */
    char hex[DIGEST_HEX_SIZE];
    uint64_t size;
    hr_error err;
    assert_int_equal(digest_file(DATA "std/outpatient.csv", hex, &size, &err), 0);
    assert_string_equal(tk_query_text(db, "SELECT sha256 FROM source_file WHERE source = 'outpatient'"), hex);
    assert_int_equal(tk_query_int(db, "SELECT size_bytes FROM source_file WHERE source = 'outpatient'"),
                     (int64_t)size);
    assert_string_equal(tk_query_text(db, "SELECT rows_read || '/' || rows_loaded || '/' || rows_rejected "
                                  "|| '/' || outcome || '/' || current || '/' || encoding || '/' "
                                  "|| profile FROM source_file WHERE source = 'outpatient'"),
                        "5/3/2/loaded/1/UTF-8/standard");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient WHERE file_id = "
                              "(SELECT file_id FROM source_file WHERE source = 'outpatient')"),
                     3);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM period_state WHERE period = '2026-10' "
                              "AND ingested_at IS NOT NULL"),
                     1);
    /* The indexes are all there after the load. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                              "AND tbl_name = 'outpatient'"),
                     1);
    /* No roll-up: validate is its one writer. A reader's shadow rolls the
     * rows up: V1 (0101 O), V2 (0101 E, no wait), V5 (0201 X); V3 and V4
     * were quarantined and are not in it. */
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM main.outpatient_rollup"), 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM rollup_state"), 0);
    hr_error_clear(&err);
    assert_int_equal(rollup_shadow(db, "2026-10", NULL, &err), HR_OK);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(dept_code || visit_type || ':' || "
                                  "row_count || '/' || total_fee_cents || '/' || "
                                  "total_fee_cents_n || '/' || drug_fee_cents || '/' || "
                                  "material_fee_cents || '/' || exam_fee_cents || '/' || "
                                  "wait_minutes || '/' || wait_minutes_n, ' ') FROM (SELECT * "
                                  "FROM outpatient_rollup WHERE period = '2026-10' "
                                  "ORDER BY dept_code, visit_type)"),
                        "0101E:1/10000/1/0/0/0/0/0 0101O:1/143170/1/17637/3310/5200/19/1 "
                        "0201X:1/1250/1/125/0/0/0/1");
    rollup_shadow_drop(db);
    db_close(db);
}

/* The same records in GB18030 with Chinese headers, slashed dates, money
 * with thousands separators and Chinese values: identical typed tables. */
static void test_chinese_his_matches_standard(void **state)
{
    (void)state;
    sqlite3 *a = open_db(), *b = open_db();
    ingest_summary sum;
    ingest_ok(a, DATA "std", "2026-10", NULL, &sum);
    ingest_ok(b, DATA "zh", "2026-10", "config/profiles/chinese-his.xml", &sum);
    assert_int_equal(sum.rows_loaded, 5);
    assert_int_equal(sum.rows_rejected, 2);
    assert_string_equal(tk_query_text(b, "SELECT encoding FROM source_file WHERE source = 'dept'"), "GB18030");
    assert_string_equal(tk_query_text(b, "SELECT category FROM dept WHERE dept_code = '0201'"), "medtech");
    assert_string_equal(tk_query_text(b, "SELECT total_fee_cents FROM outpatient WHERE visit_id = 'V1'"), "143170");
    /* the raw record in quarantine is the UTF-8 text of the GB18030 line */
    assert_string_equal(tk_query_text(b, "SELECT raw FROM quarantine WHERE line_no = 4"),
                        "V3,2026/10/32 09:00:00,0101,D1,***,门诊,1,0,0,0,5");
    char ha[DIGEST_HEX_SIZE], hb[DIGEST_HEX_SIZE];
    data_digest(a, ha);
    data_digest(b, hb);
    assert_string_equal(ha, hb);
    db_close(a);
    db_close(b);
}

/* A record ingest quarantines keeps its patient_key field masked, in the
 * file's own form otherwise: unquoted (the field found where the reader
 * read it), quoted (found between its quotes); and a patient_key that is
 * not a code is named without its value. */
static void test_quarantine_masks_patient_key(void **state)
{
    (void)state;
    char dir[64], path[128];
    tk_tmpdir_create(dir, "test_ingest_mask");
    snprintf(path, sizeof path, "%s/outpatient.csv", dir);
    tk_write_file(path,
                  "visit_id,visit_time,dept_code,doctor_code,patient_key,visit_type,total_fee,"
                  "drug_fee,material_fee,exam_fee,wait_minutes\n"
                  "V1,2026-10-32 09:00:00,0101,D1,PK1,O,1,0,0,0,5\n"
                  "V2,2026-10-32 09:00:00,0101,D1,\"PK,2\",O,1,0,0,0,5\n"
                  "V3,2026-10-01 09:00:00,0101,D1,\" PK3\",O,1,0,0,0,5\n"
                  "V4,2026-10-01 09:00:00,0101,D1,PK4,O,1,0,0,0,5\n"
                  /* good rows enough that the file is not mostly bad (refused whole) */
                  "V5,2026-10-01 09:00:00,0101,D1,PK5,O,1,0,0,0,5\n"
                  "V6,2026-10-01 09:00:00,0101,D1,PK6,O,1,0,0,0,5\n"
                  "V7,2026-10-01 09:00:00,0101,D1,PK7,O,1,0,0,0,5\n");
    sqlite3 *db = open_db();
    ingest_summary sum;
    ingest_ok(db, dir, "2026-10", NULL, &sum);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(raw, '|') FROM (SELECT raw FROM "
                                          "quarantine ORDER BY line_no)"),
                        "V1,2026-10-32 09:00:00,0101,D1,***,O,1,0,0,0,5|"
                        "V2,2026-10-32 09:00:00,0101,D1,\"***\",O,1,0,0,0,5|"
                        "V3,2026-10-01 09:00:00,0101,D1,\"***\",O,1,0,0,0,5");
    const char *m = tk_query_text(db, "SELECT field || ': ' || message FROM quarantine "
                                      "WHERE line_no = 4");
    assert_non_null(strstr(m, "patient_key: patient_key is not"));
    assert_null(strstr(m, "PK3"));
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine WHERE raw LIKE '%PK%' "
                                      "OR message LIKE '%PK%' OR message_zh LIKE '%PK%'"),
                     0);
    db_close(db);
    tk_tmpdir_remove(dir);
}

/* The sample generator's two profiles, same seed: every file of a month. */
static void test_generated_samples_match(void **state)
{
    (void)state;
    sqlite3 *a = open_db(), *b = open_db();
    ingest_summary sa, sb;
    ingest_ok(a, DATA "gen-standard", "2026-01", NULL, &sa);
    ingest_ok(b, DATA "gen-chinese-his", "2026-01", "config/profiles/chinese-his.xml", &sb);
    assert_int_equal(sa.files_loaded, 14);
    assert_int_equal(sb.files_loaded, 14);
    assert_int_equal(sa.rows_rejected, 0);
    assert_int_equal(sb.rows_rejected, 0);
    assert_true(sa.rows_loaded > 3000);
    assert_int_equal(sa.rows_loaded, sb.rows_loaded);
    char ha[DIGEST_HEX_SIZE], hb[DIGEST_HEX_SIZE];
    data_digest(a, ha);
    data_digest(b, hb);
    assert_string_equal(ha, hb);
    db_close(a);
    db_close(b);
}

/* With no encoding declared, a file that is not UTF-8 is read as GB18030. */
static void test_detects_gb18030(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    ingest_summary sum;
    ingest_ok(db, DATA "autogb", "2026-10", NULL, &sum);
    assert_int_equal(sum.rows_loaded, 2);
    assert_string_equal(tk_query_text(db, "SELECT name_zh FROM dept WHERE dept_code = '0101'"), "心内科");
    assert_string_equal(tk_query_text(db, "SELECT encoding FROM source_file"), "GB18030");
    db_close(db);
}

static void test_xml_export(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    ingest_summary sum;
    ingest_ok(db, DATA "xml", "2026-10", DATA "xml-profile.xml", &sum);
    assert_int_equal(sum.files_loaded, 2);
    assert_int_equal(sum.rows_loaded, 2 + 2);
    assert_int_equal(sum.rows_rejected, 1);
    assert_string_equal(tk_query_text(db, "SELECT visit_time || '|' || patient_key || '|' || visit_type "
                                  "|| '|' || total_fee_cents || '|' || material_fee_cents || '|' "
                                  "|| wait_minutes || '|' || line_no FROM outpatient "
                                  "WHERE visit_id = 'X1'"),
                        "2026-10-03 08:15:00|P1|O|123450|50|7|3");
    assert_string_equal(tk_query_text(db, "SELECT visit_time || '|' || visit_type || '|' || "
                                  "typeof(wait_minutes) || '|' || line_no FROM outpatient "
                                  "WHERE visit_id = 'X2'"),
                        "2026-10-04 23:59:00|E|null|8");
    assert_string_equal(tk_query_text(db, "SELECT field || '|' || rule || '|' || line_no FROM quarantine"),
                        "visit_time|type|12");
    assert_non_null(strstr(tk_query_text(db, "SELECT raw FROM quarantine"), "<visit id=\"X3\""));
    db_close(db);
}

static void test_same_file_twice_changes_nothing(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    ingest_summary sum;
    ingest_ok(db, DATA "std", "2026-10", NULL, &sum);
    char before[DIGEST_HEX_SIZE], after[DIGEST_HEX_SIZE];
    db_digest(db, before);
    ingest_ok(db, DATA "std", "2026-10", NULL, &sum);
    assert_int_equal(sum.files_loaded, 0);
    assert_int_equal(sum.files_unchanged, 2);
    db_digest(db, after);
    assert_string_equal(before, after);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM source_file"), 2);
    db_close(db);
}

static void test_changed_file_replaces(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    ingest_summary sum;
    ingest_ok(db, DATA "std", "2026-10", NULL, &sum);
    ingest_ok(db, DATA "std", "2026-09", NULL, &sum); /* another month: must stay */
    /* validated as of the data loaded so far (what validate records) */
    db_exec(db, "UPDATE period_state SET validated_at = 'x', validation_state = 'ok', "
                "validated_inputs = inputs, computed_at = 'y'", NULL);
    char before[80];
    snprintf(before, sizeof before, "%s", tk_query_text(db, "SELECT inputs FROM period_state WHERE period = '2026-10'"));
    ingest_ok(db, DATA "replaced", "2026-10", NULL, &sum);
    assert_int_equal(sum.files_loaded, 1);
    assert_int_equal(sum.rows_loaded, 2);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient WHERE period = '2026-10'"), 2);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(visit_id || ':' || total_fee_cents, ',') "
                                  "FROM outpatient WHERE period = '2026-10'"),
                        "W1:5000,W2:6050");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient WHERE period = '2026-09'"), 3);
    /* Ingest writes no roll-up (validate does): rolled up from the rows,
     * the month is the new file's alone; the other month stays. */
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(rollup_shadow(db, "2026-10", NULL, &err), HR_OK);
    assert_int_equal(rollup_shadow(db, "2026-09", NULL, &err), HR_OK);
    assert_string_equal(tk_query_text(db, "SELECT group_concat(dept_code || visit_type || ':' || "
                                  "row_count || '/' || total_fee_cents || '/' || "
                                  "wait_minutes, ' ') FROM (SELECT * FROM outpatient_rollup "
                                  "WHERE period = '2026-10' ORDER BY dept_code)"),
                        "0101O:1/5000/3 0201E:1/6050/4");
    assert_int_equal(tk_query_int(db, "SELECT sum(row_count) FROM outpatient_rollup "
                              "WHERE period = '2026-09'"),
                     3);
    rollup_shadow_drop(db);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM rollup_state"), 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine WHERE period = '2026-10'"), 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine WHERE period = '2026-09'"), 2);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM dept WHERE period = '2026-10'"), 2);
    /* the manifest keeps both entries; only the new one is current */
    assert_string_equal(tk_query_text(db, "SELECT group_concat(outcome || current, ',') FROM "
                                  "(SELECT * FROM source_file WHERE period = '2026-10' AND "
                                  "source = 'outpatient' ORDER BY file_id)"),
                        "loaded0,replaced1");
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient WHERE period = '2026-10' AND "
                              "file_id <> (SELECT max(file_id) FROM source_file)"),
                     0);
    /* the month's data fingerprint changed, so what validate recorded is
     * stale (ingest clears nothing of the other stages'); the other
     * month's still holds */
    assert_int_equal(strlen(before), 64);
    char sql[700];
    snprintf(sql, sizeof sql, "SELECT (inputs <> '%s') || (validated_inputs = '%s') || "
             "validation_state || (" REGISTRY_VALIDATION_SQL ") FROM period_state WHERE period = '2026-10'",
             before, before);
    assert_string_equal(tk_query_text(db, sql), "11okstale");
    assert_string_equal(tk_query_text(db, "SELECT validated_at || (" REGISTRY_VALIDATION_SQL ") "
                                          "FROM period_state WHERE period = '2026-09'"), "xok");

    db_close(db);
}

/* budget.csv: the latest loaded for a year replaces that year's rows. */
static void test_budget_latest_wins(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    ingest_summary sum;
    ingest_ok(db, DATA "gen-standard", "2026-01", NULL, &sum);
    int64_t n = tk_query_int(db, "SELECT count(*) FROM budget WHERE year = 2026");
    assert_true(n > 0);
    ingest_ok(db, DATA "budget2", "2026-02", NULL, &sum);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM budget WHERE year = 2026"), n);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM budget WHERE period = '2026-02'"), n);
    db_close(db);
}

typedef struct bad_case {
    const char *dir, *profile;
    const char *file_suffix; /* err.file ends with it */
    long line;               /* -1: any line > 0 */
    const char *field;
    const char *message; /* err.message contains it */
} bad_case;

static const bad_case bad_cases[] = {
    {"bad/unterminated", NULL, "unterminated/dept.csv", 2, "", "unterminated quoted field"},
    {"bad/fieldcount", NULL, "fieldcount/dept.csv", 3, "", "expected 4 fields, found 3"},
    {"bad/utf8", DATA "utf8-profile.xml", "utf8/dept.csv", 3, "", "bytes not valid in UTF-8 at line 3"},
    {"bad/gb18030", NULL, "gb18030/dept.csv", 2, "", "bytes at line 2 are neither UTF-8 nor GB18030"},
    {"bad/missingcol", NULL, "missingcol/outpatient.csv", 1, "exam_fee",
     "missing required column 'exam_fee' (field exam_fee of profile standard)"},
    {"bad/empty", NULL, "empty/dept.csv", 1, "", "empty file"},
    {"bad/xmltrunc", DATA "xml-profile.xml", "xmltrunc/outpatient.xml", -1, "", "malformed XML"},
    {"bad/xmlentity", DATA "xml-profile.xml", "xmlentity/outpatient.xml", 2, "",
     "DOCTYPE that declares entities"},
    {"bad/xmldup", DATA "xml-profile.xml", "xmldup/outpatient.xml", 6, "total",
     "<total> twice in the <visit> of line 3 (lines 5 and 6): which one holds total_fee?"},
    {"bad/xmlnested", DATA "xml-profile.xml", "xmlnested/outpatient.xml", 5, "visit",
     "a <visit> inside the <visit> of line 3: records may not nest"},
    {"bad/xmlattrs", DATA "xml-profile.xml", "xmlattrs/outpatient.xml", 3, "",
     "an element with more than 64 attributes"},
    {"bad/xmlfield", DATA "xml-field-profile.xml", "xmlfield/outpatient.xml", 3, "visit_time",
     "visit_time is longer than the limit of 12 bytes"},
    {"bad/xmlbig", DATA "xml-small-profile.xml", "xmlbig/outpatient.xml", 13, "",
     "the XML export is larger than the limit of 600 bytes"},
    {"std", DATA "bad-profile.xml", "bad-profile.xml", 3, "file", "colour"},
};

/* Each bad input: exit status 2, a located error, the database as before. */
static void test_bad_inputs_rejected_whole(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        sqlite3 *db = open_db();
        ingest_summary sum;
        ingest_ok(db, DATA "std", "2026-10", NULL, &sum);
        char before[DIGEST_HEX_SIZE], after[DIGEST_HEX_SIZE];
        db_digest(db, before);
        char dir[256];
        snprintf(dir, sizeof dir, DATA "%s", c->dir);
        hr_error err;
        int rc = ingest(db, dir, "2026-10", c->profile, &sum, &err);
        char line[1600];
        fprintf(stderr, "  %s -> %s\n", c->dir, hr_error_format(&err, line, sizeof line));
        assert_int_equal(rc, HR_EINPUT);
        assert_int_equal(err.code, 2);
        size_t fl = strlen(err.file), sl = strlen(c->file_suffix);
        assert_true(fl >= sl && strcmp(err.file + fl - sl, c->file_suffix) == 0);
        if (c->line >= 0)
            assert_int_equal(err.line, c->line);
        else
            assert_true(err.line > 0);
        assert_string_equal(err.field, c->field);
        assert_non_null(strstr(err.message, c->message));
        assert_int_equal(sum.files_loaded, 0);
        db_digest(db, after);
        assert_string_equal(before, after);
        db_close(db);
    }
}

/* A bad file does not stop the good ones of the same folder: dept.csv
 * loads, outpatient.csv (a short row at line 3) is rejected whole. */
static void test_good_files_still_load(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    ingest_summary sum;
    hr_error err;
    int rc = ingest(db, DATA "bad/mixed", "2026-10", NULL, &sum, &err);
    assert_int_equal(rc, HR_EINPUT);
    assert_non_null(strstr(err.file, "mixed/outpatient.csv"));
    assert_int_equal(err.line, 3);
    assert_int_equal(sum.files_loaded, 1);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM dept"), 2);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM outpatient"), 0);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM source_file"), 1);
    assert_int_equal(tk_query_int(db, "SELECT count(*) FROM quarantine"), 0);
    db_close(db);
}

int main(void)
{
    setenv("HOSPREPORT_DATADIR", ".", 1);
    log_verbosity = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert_formats),
        cmocka_unit_test(test_utf8_check),
        cmocka_unit_test(test_profiles_load),
        cmocka_unit_test(test_standard_folder),
        cmocka_unit_test(test_chinese_his_matches_standard),
        cmocka_unit_test(test_quarantine_masks_patient_key),
        cmocka_unit_test(test_generated_samples_match),
        cmocka_unit_test(test_detects_gb18030),
        cmocka_unit_test(test_xml_export),
        cmocka_unit_test(test_same_file_twice_changes_nothing),
        cmocka_unit_test(test_changed_file_replaces),
        cmocka_unit_test(test_budget_latest_wins),
        cmocka_unit_test(test_bad_inputs_rejected_whole),
        cmocka_unit_test(test_good_files_still_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
