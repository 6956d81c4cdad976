/*
 * test_core.c -- the small shared core: error values, the string buffer,
 * typed value parsing, periods and their comparison bases, the database
 * wrapper's migrations.
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
#include "pipeline/core/digest.h"
#include "pipeline/core/error.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/value.h"

static void test_error_format(void **state)
{
    (void)state;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(hr_error_set(&err, HR_EINPUT, "in/outpatient.csv", 12, "visit_time",
                                  "'%s' is not a datetime", "2026-13-01"),
                     HR_EINPUT);
    char buf[512];
    assert_string_equal(hr_error_format(&err, buf, sizeof buf),
                        "in/outpatient.csv:12: field 'visit_time': '2026-13-01' is not a datetime");
    hr_error_clear(&err);
    hr_error_set(&err, HR_EFAIL, NULL, 0, NULL, "disk full");
    hr_error_locate(&err, "x.db", 0, NULL);
    assert_string_equal(hr_error_format(&err, buf, sizeof buf), "x.db: disk full");
}

static void test_strbuf(void **state)
{
    (void)state;
    strbuf sb = STRBUF_INIT;
    assert_string_equal(sb.buf, "");
    for (int i = 0; i < 1000; i++)
        sb_addf(&sb, "%d,", i);
    assert_int_equal(sb.len, strlen(sb.buf));
    assert_memory_equal(sb.buf, "0,1,2,", 6);
    sb_reset(&sb);
    sb_addstr(&sb, "  门诊 \n");
    sb_trim(&sb);
    assert_string_equal(sb.buf, "门诊");
    sb_add(&sb, "\0x", 2);
    assert_int_equal(sb.len, strlen("门诊") + 2);
    size_t len;
    char *p = sb_detach(&sb, &len);
    assert_int_equal(len, strlen("门诊") + 2);
    assert_int_equal(sb.len, 0);
    free(p);
    sb_release(&sb);
}

/* A message that does not fit is cut visibly, on a character boundary. */
static void test_buf_printf(void **state)
{
    (void)state;
    char buf[12];
    assert_int_equal(buf_printf(buf, sizeof buf, "%s-%d", "ab", 7), 0);
    assert_string_equal(buf, "ab-7");
    assert_int_equal(buf_printf(buf, sizeof buf, "%s", "abcdefghijk"), 0); /* 11 + NUL fits */
    assert_string_equal(buf, "abcdefghijk");
    assert_int_equal(buf_printf(buf, sizeof buf, "%s", "abcdefghijkl"), -1);
    assert_string_equal(buf, "abcdefgh\xE2\x80\xA6"); /* 8 bytes + "…" */
    /* 门 诊 are 3 bytes each: "门诊人" (9) + "…" would not fit in 11, so the
     * cut falls before 人, not inside it */
    assert_int_equal(buf_printf(buf, sizeof buf, "%s", "门诊人次"), -1);
    assert_string_equal(buf, "门诊\xE2\x80\xA6");
    assert_int_equal(buf_printf(buf, sizeof buf, "x%s", "门诊人次"), -1);
    assert_string_equal(buf, "x门诊\xE2\x80\xA6");
}

#define S(x) x, strlen(x)

static void test_money(void **state)
{
    (void)state;
    int64_t c;
    assert_int_equal(value_money_cents(S("123.45"), 0, &c), 0);
    assert_int_equal(c, 12345);
    assert_int_equal(value_money_cents(S("7.5"), 0, &c), 0);
    assert_int_equal(c, 750);
    assert_int_equal(value_money_cents(S("-0.01"), 0, &c), 0);
    assert_int_equal(c, -1);
    assert_int_equal(value_money_cents(S("12,345.60"), 1, &c), 0);
    assert_int_equal(c, 1234560);
    assert_int_equal(value_money_cents(S("1,234,567"), 1, &c), 0);
    assert_int_equal(c, 123456700);
    assert_int_equal(value_money_cents(S("12,345.60"), 0, &c), -1);
    assert_int_equal(value_money_cents(S("12,34.60"), 1, &c), -1);
    assert_int_equal(value_money_cents(S("1.234"), 0, &c), -1);
    assert_int_equal(value_money_cents(S("1."), 0, &c), -1);
    assert_int_equal(value_money_cents(S(""), 0, &c), -1);
    assert_int_equal(value_money_cents(S("1e3"), 0, &c), -1);
    assert_int_equal(value_money_cents(S(" 12"), 0, &c), -1);
    /* 64-bit limits: INT64_MAX cents is the largest, one cent more is "too
     * large" (it used to wrap to -2^63), and so are longer numbers. */
    assert_int_equal(value_money_cents(S("92233720368547758.07"), 0, &c), 0);
    assert_true(c == INT64_MAX);
    assert_int_equal(value_money_cents(S("-92233720368547758.07"), 0, &c), 0);
    assert_true(c == -INT64_MAX);
    assert_int_equal(value_money_cents(S("92233720368547758.08"), 0, &c), -2);
    assert_int_equal(value_money_cents(S("92233720368547759"), 0, &c), -2);
    assert_int_equal(value_money_cents(S("92,233,720,368,547,758.08"), 1, &c), -2);
    assert_int_equal(value_money_cents(S("123456789012345678901234567890"), 0, &c), -2);
    assert_int_equal(value_money_cents(S("123456789012345678901234567890x"), 0, &c), -1);
}

static void test_int_decimal(void **state)
{
    (void)state;
    int64_t i;
    double d;
    assert_int_equal(value_int(S("042"), &i), 0);
    assert_int_equal(i, 42);
    assert_int_equal(value_int(S("-1"), &i), -1);
    assert_int_equal(value_int(S("1.0"), &i), -1);
    assert_int_equal(value_int(S("9223372036854775807"), &i), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(value_int(S("9223372036854775808"), &i), -2);
    assert_int_equal(value_decimal(S("2.5"), &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(value_decimal(S("3"), &d), 0);
    assert_int_equal(value_decimal(S(".5"), &d), -1);
    assert_int_equal(value_decimal(S("-2"), &d), -1);
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(value_date(S("2024-02-29")), 0);
    assert_int_equal(value_date(S("2025-02-29")), -1);
    assert_int_equal(value_date(S("2026-13-01")), -1);
    assert_int_equal(value_date(S("2026-04-31")), -1);
    assert_int_equal(value_date(S("2026/04/01")), -1);
    assert_int_equal(value_datetime(S("2026-10-03 08:15:00")), 0);
    assert_int_equal(value_datetime(S("2026-10-03 24:00:00")), -1);
    assert_int_equal(value_datetime(S("2026-10-03")), -1);
    assert_int_equal(value_month(S("2026-10")), 0);
    assert_int_equal(value_month(S("2026-00")), -1);
    assert_int_equal(value_date_days("1970-01-01"), 0);
    assert_int_equal(value_date_days("2026-10-31") - value_date_days("2026-10-01"), 30);
    assert_int_equal(value_date_days("2025-03-01") - value_date_days("2024-02-28"), 367);
    assert_int_equal(value_code(S("0301")), 0);
    assert_int_equal(value_code(S(" 0301")), -1);
    assert_int_equal(value_code(S("")), -1);
}

static void expect_period(const char *text, period_kind kind, const char *first,
                          const char *last)
{
    period p;
    hr_error err;
    char a[8], b[8], label[PERIOD_LABEL_MAX];
    assert_int_equal(period_parse(text, &p, &err), HR_OK);
    assert_int_equal(p.kind, kind);
    assert_string_equal(period_month_label(p.first, a), first);
    assert_string_equal(period_month_label(p.last, b), last);
    assert_string_equal(period_label(&p, label), text);
}

static void test_periods(void **state)
{
    (void)state;
    expect_period("2026-10", PERIOD_MONTH, "2026-10", "2026-10");
    expect_period("2026-Q3", PERIOD_QUARTER, "2026-07", "2026-09");
    expect_period("2026", PERIOD_YEAR, "2026-01", "2026-12");
    expect_period("2026-01..2026-06", PERIOD_RANGE, "2026-01", "2026-06");
    period p, q;
    hr_error err;
    assert_int_equal(period_parse("2026-Q5", &p, &err), HR_EUSAGE);
    assert_int_equal(period_parse("2026-06..2026-01", &p, &err), HR_EUSAGE);
    assert_int_equal(period_parse("26-10", &p, &err), HR_EUSAGE);
    assert_int_equal(period_parse_month("2026-Q1", &p, &err), HR_EUSAGE);

    char label[PERIOD_LABEL_MAX];
    period_parse("2026-01", &p, &err);
    assert_int_equal(period_previous(&p, &q), 0);
    assert_string_equal(period_label(&q, label), "2025-12");
    q = period_year_earlier(&p);
    assert_string_equal(period_label(&q, label), "2025-01");
    q = period_ytd(&p);
    assert_string_equal(period_label(&q, label), "2026-01");

    period_parse("2026-Q1", &p, &err);
    period_previous(&p, &q);
    assert_string_equal(period_label(&q, label), "2025-Q4");
    q = period_ytd(&p);
    assert_string_equal(period_label(&q, label), "2026-01..2026-03");

    period_parse("2026", &p, &err);
    assert_int_equal(period_previous(&p, &q), -1);
    assert_int_equal(period_days(&p), 365);

    period_parse("2026-03..2026-05", &p, &err);
    period_previous(&p, &q);
    assert_string_equal(period_label(&q, label), "2025-12..2026-02");
    assert_int_equal(period_days(&q), 31 + 31 + 28);
    period_parse("2024-02", &p, &err);
    assert_int_equal(period_days(&p), 29);
}

static void test_db_migrations(void **state)
{
    (void)state;
    char path[] = "/tmp/hr_test_db_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    sqlite3 *db;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    assert_int_equal(db_schema_version(db), db_latest_version());
    assert_true(db_latest_version() >= 1);
    int64_t n = -1;
    assert_int_equal(db_query_int(db, &n, &err,
                                  "SELECT count(*) FROM sqlite_master WHERE name = ?",
                                  "outpatient", NULL),
                     1);
    assert_int_equal(n, 1);
    db_close(db);
    /* Reopening applies nothing again. */
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    assert_int_equal(db_schema_version(db), db_latest_version());
    /* A migration not recorded is applied even though higher ones are: here
     * 021 (validate_volume) after 061 -- a stage adding a migration in its
     * own, lower number range must reach existing databases. */
    assert_int_equal(db_exec(db,
                             "DROP TABLE validate_volume; "
                             "DELETE FROM schema_migration WHERE number = 21",
                             &err),
                     HR_OK);
    db_close(db);
    assert_int_equal(db_open(path, &db, &err), HR_OK);
    n = -1;
    assert_int_equal(db_query_int(db, &n, &err,
                                  "SELECT count(*) FROM sqlite_master WHERE name = ?",
                                  "validate_volume", NULL),
                     1);
    assert_int_equal(n, 1);
    assert_int_equal(db_schema_version(db), db_latest_version());
    /* A database from a newer hospreport is refused with a clear message. */
    char newer[128];
    snprintf(newer, sizeof newer,
             "INSERT INTO schema_migration VALUES (%d, 'future', '2030-01-01T00:00:00Z')",
             db_latest_version() + 1);
    assert_int_equal(db_exec(db, newer, &err), HR_OK);
    db_close(db);
    assert_int_equal(db_open(path, &db, &err), HR_EFAIL);
    assert_non_null(strstr(err.message, "newer"));
    assert_null(db);
    /* A bad statement names itself. */
    hr_error_clear(&err);
    char p2[64];
    snprintf(p2, sizeof p2, "%s.2", path);
    assert_int_equal(db_open(p2, &db, &err), HR_OK);
    assert_int_equal(db_exec(db, "SELEC 1", &err), HR_EFAIL);
    assert_non_null(strstr(err.message, "SELEC 1"));
    db_close(db);
    char cmd[6 * sizeof p2 + 32];
    snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm %s %s-wal %s-shm", path, path, path, p2,
             p2, p2);
    assert_int_equal(system(cmd), 0);
}

static void test_digest(void **state)
{
    (void)state;
    char hex[DIGEST_HEX_SIZE];
    digest_buffer("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_format), cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_money),        cmocka_unit_test(test_int_decimal),
        cmocka_unit_test(test_dates),        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_db_migrations), cmocka_unit_test(test_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
