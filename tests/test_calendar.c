/*
 * test_calendar.c -- civil dates as day numbers (pipeline/core/calendar.h).
 * The day numbers were computed with Python's datetime.date.toordinal()
 * minus date(1970, 1, 1).toordinal().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipeline/core/calendar.h"

static void test_days_both_ways(void **state)
{
    (void)state;
    assert_int_equal(calendar_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(calendar_days_from_civil(2026, 11, 24), 20781);
    assert_int_equal(calendar_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(calendar_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(calendar_days_from_civil(1900, 3, 1), -25508);
    int y, m, d;
    calendar_civil_from_days(19782, &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
    calendar_civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    calendar_civil_from_days(11016, &y, &m, &d);
    assert_true(y == 2000 && m == 2 && d == 29);
    /* every day of 1899-2101 goes there and back */
    for (int32_t z = calendar_days_from_civil(1899, 1, 1);
         z <= calendar_days_from_civil(2101, 12, 31); z++) {
        calendar_civil_from_days(z, &y, &m, &d);
        assert_int_equal(calendar_days_from_civil(y, m, d), z);
    }
}

static void test_months_and_leap_years(void **state)
{
    (void)state;
    assert_true(calendar_is_leap(2024) && calendar_is_leap(2000));
    assert_false(calendar_is_leap(1900) || calendar_is_leap(2026));
    assert_int_equal(calendar_month_days(2024, 2), 29);
    assert_int_equal(calendar_month_days(2100, 2), 28);
    assert_int_equal(calendar_month_days(2026, 4), 30);
    assert_int_equal(calendar_month_days(2026, 12), 31);
    assert_true(calendar_valid_date(2024, 2, 29));
    assert_false(calendar_valid_date(2025, 2, 29));
    assert_false(calendar_valid_date(2026, 13, 1));
    assert_false(calendar_valid_date(2026, 0, 1));
    assert_false(calendar_valid_date(2026, 4, 31));
    assert_false(calendar_valid_date(2026, 4, 0));
}

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(calendar_weekday(0), 3); /* 1970-01-01, a Thursday */
    assert_int_equal(calendar_weekday(calendar_days_from_civil(2026, 12, 1)), 1); /* Tuesday */
    assert_int_equal(calendar_weekday(calendar_days_from_civil(1969, 12, 28)), 6); /* Sunday */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_both_ways),
        cmocka_unit_test(test_months_and_leap_years),
        cmocka_unit_test(test_weekday),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
