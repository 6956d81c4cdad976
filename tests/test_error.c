/*
 * test_error.c -- error values: a message with its file, line and field, and
 * the formatting of it (pipeline/core/error.h).
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
