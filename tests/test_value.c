/*
 * test_value.c -- typed value parsing: money, integers and decimals, dates,
 * datetimes, months and codes (pipeline/core/value.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/value.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_int_decimal),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
