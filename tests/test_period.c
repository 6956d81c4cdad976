/*
 * test_period.c -- periods (months, quarters, years) and their comparison
 * bases (pipeline/core/period.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/error.h"
#include "pipeline/core/period.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
