/*
 * test_numfmt.c -- the one number formatter (pipeline/core/numfmt.h), case
 * by case in both languages. Every expected string is written by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "pipeline/core/numfmt.h"

static char b[NF_MAX];

static void test_number(void **state)
{
    (void)state;
    assert_string_equal(nf_number(1234567.891, 2, b), "1,234,567.89");
    assert_string_equal(nf_number(-1234.5, 1, b), "-1,234.5");
    assert_string_equal(nf_number(999.96, 1, b), "1,000.0");
    assert_string_equal(nf_number(-999.5, 0, b), "-1,000"); /* half away from zero */
    assert_string_equal(nf_number(0.125, 2, b), "0.13");
    assert_string_equal(nf_number(123, 0, b), "123");
    assert_string_equal(nf_number(100000, 0, b), "100,000");
    assert_string_equal(nf_number(-0.04, 1, b), "0.0"); /* no "-0.0" */
    assert_string_equal(nf_number(-0.001, 2, b), "0.00");
    assert_string_equal(nf_number(NAN, 1, b), "—");
    assert_string_equal(nf_number(-INFINITY, 0, b), "—");
    assert_string_equal(nf_number(999999999999999.0, 0, b), "999,999,999,999,999");
    assert_string_equal(nf_number(1e18, 2, b), "1.00e+18"); /* too long to group */
    assert_string_equal(nf_number(-123456789.123456789, 9, b), "-123,456,789.123456791");
    assert_string_equal(nf_undefined(), "—");
}

static void test_counts(void **state)
{
    (void)state;
    nf_opts wan = {.wan = 1};
    assert_string_equal(nf_value(NF_EN, "count", 12345, NULL, b), "12,345");
    assert_string_equal(nf_value(NF_ZH, "count", 12345.4, NULL, b), "12,345");
    assert_string_equal(nf_value(NF_ZH, "count", 1234567, &wan, b), "123.5万");
    assert_string_equal(nf_value(NF_ZH, "count", 99999, &wan, b), "99,999"); /* below 10万 */
    assert_string_equal(nf_value(NF_EN, "count", 1234567, &wan, b), "1,234,567");
    assert_string_equal(nf_value(NF_ZH, "count", 1000, &(nf_opts){.sign = 1}, b), "+1,000");
    assert_string_equal(nf_value(NF_ZH, "count", -1000, &(nf_opts){.sign = 1}, b), "-1,000");
    assert_string_equal(nf_value(NF_ZH, "count", 0, &(nf_opts){.sign = 1}, b), "0");
    nf_opts visits = {.unit_word = 1, .word = {"人次", "visits"}};
    assert_string_equal(nf_value(NF_ZH, "count", 11000, &visits, b), "11,000人次");
    assert_string_equal(nf_value(NF_EN, "count", 11000, &visits, b), "11,000 visits");
    nf_opts two = {.fixed = 1, .decimals = 2};
    assert_string_equal(nf_value(NF_EN, "count", 3.14159, &two, b), "3.14");
}

static void test_money(void **state)
{
    (void)state;
    nf_opts wan = {.wan = 1};
    assert_string_equal(nf_value(NF_ZH, "money", 312345678.9, &wan, b), "31,234.57万元");
    assert_string_equal(nf_value(NF_ZH, "money", 10000, &wan, b), "1.00万元");
    assert_string_equal(nf_value(NF_ZH, "money", 9999.4, &wan, b), "9,999元");
    assert_string_equal(nf_value(NF_ZH, "money", 1234567, NULL, b), "1,234,567元");
    assert_string_equal(nf_value(NF_ZH, "money", 999.5, NULL, b), "999.50元");
    assert_string_equal(nf_value(NF_EN, "money", 1234567, &wan, b), "¥1,234,567");
    assert_string_equal(nf_value(NF_EN, "money", 999.5, NULL, b), "¥999.50");
    assert_string_equal(nf_value(NF_EN, "money", -12, NULL, b), "-¥12.00");
    assert_string_equal(nf_value(NF_EN, "money", -0.001, NULL, b), "¥0.00");
    nf_opts plus = {.wan = 1, .sign = 1};
    assert_string_equal(nf_value(NF_ZH, "money", 1932943.84, &plus, b), "+193.29万元");
    assert_string_equal(nf_value(NF_EN, "money", 1932943.84, &plus, b), "+¥1,932,944");
    assert_string_equal(nf_value(NF_ZH, "money", -209785.6, &plus, b), "-20.98万元");
    /* a money amount carries its own word: unit_word adds nothing */
    assert_string_equal(nf_value(NF_ZH, "money", 50, &(nf_opts){.unit_word = 1}, b), "50.00元");
    nf_opts one = {.fixed = 1, .decimals = 1, .wan = 1};
    assert_string_equal(nf_value(NF_ZH, "money", 35192130.49, &one, b), "3,519.2万元");
    assert_string_equal(nf_value(NF_ZH, "money", NAN, &wan, b), "—");
}

static void test_rates_and_other_units(void **state)
{
    (void)state;
    assert_string_equal(nf_value(NF_EN, "percent", 91.25, NULL, b), "91.3%");
    assert_string_equal(nf_value(NF_ZH, "percent", 5.254, NULL, b), "5.25%");
    assert_string_equal(nf_value(NF_ZH, "percent", 30, NULL, b), "30.0%");
    assert_string_equal(nf_value(NF_ZH, "percent", 30, &(nf_opts){.unit_word = 1}, b), "30.0%");
    assert_string_equal(nf_value(NF_EN, "days", 8.25, NULL, b), "8.3");
    nf_opts words = {.unit_word = 1};
    assert_string_equal(nf_value(NF_ZH, "days", 8.25, &words, b), "8.3天");
    assert_string_equal(nf_value(NF_EN, "days", 8.25, &words, b), "8.3 days");
    assert_string_equal(nf_value(NF_EN, "minutes", 12, &words, b), "12.0 min");
    assert_string_equal(nf_value(NF_ZH, "times", 1.5, &words, b), "1.50次");
    assert_string_equal(nf_value(NF_ZH, "per10k", 3.456, &words, b), "3.46/万人次");
    assert_string_equal(nf_value(NF_EN, "per10k", 3.456, &words, b), "3.46 per 10,000");
    assert_string_equal(nf_value(NF_EN, "count", 7, &words, b), "7"); /* no default word */
    assert_string_equal(nf_value(NF_EN, NULL, 7, NULL, b), "7.0");
    assert_string_equal(nf_value(NF_EN, "unknown", 7.25, NULL, b), "7.3");
    nf_opts own = {.unit_word = 1, .word = {"台", NULL}};
    assert_string_equal(nf_value(NF_ZH, "days", 2, &own, b), "2.0台");
    assert_string_equal(nf_value(NF_EN, "days", 2, &own, b), "2.0 days");
    assert_string_equal(nf_unit_word(NF_ZH, "money"), "");
}

static void test_changes(void **state)
{
    (void)state;
    assert_string_equal(nf_change(NF_ZH, "percent", 1.5, NULL, b), "+1.5个百分点");
    assert_string_equal(nf_change(NF_EN, "percent", -0.25, NULL, b), "-0.25 pp");
    assert_string_equal(nf_change(NF_EN, "count", INFINITY, NULL, b), "—");
    assert_string_equal(nf_change(NF_EN, "count", 0.0, NULL, b), "0.0%"); /* not "0.00%" */
    assert_string_equal(nf_change(NF_ZH, "count", 0.04, NULL, b), "+0.04%");
    assert_string_equal(nf_change(NF_EN, "money", 12.24, NULL, b), "+12.2%");
    assert_string_equal(nf_change(NF_EN, "money", -150, NULL, b), "-150.0%");
    nf_opts size = {.magnitude = 1};
    assert_string_equal(nf_change(NF_ZH, "count", -12.24, &size, b), "12.2%");
    assert_string_equal(nf_change(NF_EN, "percent", 3.5, &size, b), "3.5 pp");
    nf_opts plain = {.no_plus = 1};
    assert_string_equal(nf_change(NF_EN, "percent", 0.25, &plain, b), "0.25 pp");
    assert_string_equal(nf_change(NF_ZH, "percent", -1.5, &plain, b), "-1.5个百分点");
    nf_opts zero = {.fixed = 1, .decimals = 0};
    assert_string_equal(nf_change(NF_EN, "count", 12.5, &zero, b), "+13%");
}

static void test_scaled_and_plurals(void **state)
{
    (void)state;
    assert_string_equal(nf_scaled(NF_ZH, -345545, 1e4, 1, 1, b), "-34.6万");
    assert_string_equal(nf_scaled(NF_EN, -345545, 1e3, 0, 1, b), "-¥346k");
    assert_string_equal(nf_scaled(NF_EN, 34554, 1e3, 1, 1, b), "¥34.6k");
    assert_string_equal(nf_scaled(NF_EN, 12345678, 1e6, 1, 0, b), "12.3M");
    assert_string_equal(nf_scaled(NF_EN, 12345678, 1e4, 1, 0, b), "1,234.6");
    assert_string_equal(nf_scaled(NF_EN, -40, 1e3, 1, 0, b), "0.0k"); /* no "-0.0k" */
    assert_string_equal(nf_scaled(NF_EN, 2.5, 1, 1, 0, b), "2.5");
    assert_string_equal(nf_scaled(NF_EN, NAN, 1e3, 1, 0, b), "—");
    assert_string_equal(nf_plural(NF_EN, 1, "department", "departments"), "department");
    assert_string_equal(nf_plural(NF_EN, 3, "department", "departments"), "departments");
    assert_string_equal(nf_plural(NF_EN, 0, "department", "departments"), "departments");
    assert_string_equal(nf_plural(NF_ZH, 3, "科室", "departments"), "科室");
}

/* The longest results fit NF_MAX, cut at the word, never past the buffer. */
/* The reports' convention (templates/README.md, "Numbers"): money totals in
 * 万元 / ¥ m, fees with two decimals in 元 / ¥, the catalogue's decimals,
 * changes of % indicators in points, plurals, a minus against its digits. */
static void test_report_convention(void **state)
{
    (void)state;
    nf_opts total = {.total = 1}, fee = {.fee = 1}, total_sign = {.total = 1, .sign = 1};
    /* totals: zh always 万元 with two decimals, en ¥ m from a million */
    assert_string_equal(nf_value(NF_ZH, "money", 44698103, &total, b), "4,469.81万元");
    assert_string_equal(nf_value(NF_EN, "money", 44698103, &total, b), "¥44.70m");
    assert_string_equal(nf_value(NF_ZH, "money", -3299, &total, b), "-0.33万元");
    assert_string_equal(nf_value(NF_EN, "money", -3299, &total, b), "-¥3,299");
    assert_string_equal(nf_value(NF_EN, "money", 523456.4, &total, b), "¥523,456");
    assert_string_equal(nf_value(NF_EN, "money", -1234567, &total, b), "-¥1.23m");
    assert_string_equal(nf_value(NF_ZH, "money", 20518, &total_sign, b), "+2.05万元");
    /* wan changes nothing for a total: it is in 万元 already */
    assert_string_equal(nf_value(NF_ZH, "money", 44698103, &(nf_opts){.total = 1, .wan = 1}, b),
                        "4,469.81万元");
    /* fees per visit or stay: two decimals, never in 万 */
    assert_string_equal(nf_value(NF_ZH, "money", 341.45, &fee, b), "341.45元");
    assert_string_equal(nf_value(NF_EN, "money", 341.45, &fee, b), "¥341.45");
    assert_string_equal(nf_value(NF_ZH, "money", 22336, &(nf_opts){.fee = 1, .wan = 1}, b),
                        "22,336.00元");
    assert_string_equal(nf_value(NF_EN, "money", -20, &fee, b), "-¥20.00");
    /* the catalogue's decimals: one for rates whatever their size, two for
     * stays in days */
    nf_opts one = {.fixed = 1, .decimals = 1}, two = {.fixed = 1, .decimals = 2};
    assert_string_equal(nf_value(NF_ZH, "percent", 5.254, &one, b), "5.3%");
    assert_string_equal(nf_value(NF_EN, "percent", 35.06, &one, b), "35.1%");
    assert_string_equal(nf_value(NF_ZH, "days", 7.536, &two, b), "7.54");
    assert_string_equal(nf_value(NF_EN, "days", 7.5, &(nf_opts){.fixed = 1, .decimals = 2,
                                                              .unit_word = 1}, b),
                        "7.50 days");
    /* changes of a % indicator in points, of others relative */
    assert_string_equal(nf_change(NF_ZH, "percent", -0.5, NULL, b), "-0.50个百分点");
    assert_string_equal(nf_change(NF_EN, "percent", 1.46, NULL, b), "+1.5 pp");
    assert_string_equal(nf_change(NF_ZH, "money", -6.2, NULL, b), "-6.2%");
    /* plurals */
    assert_string_equal(nf_plural(NF_EN, 1, "case", "cases"), "case");
    assert_string_equal(nf_plural(NF_EN, 2, "day", "days"), "days");
    assert_string_equal(nf_plural(NF_EN, 0, "day", "days"), "days");
    assert_string_equal(nf_plural(NF_ZH, 2, "例", "例"), "例");
    /* negatives: the minus is the first byte, against the digits or ¥ */
    assert_string_equal(nf_value(NF_ZH, "count", -12, NULL, b), "-12");
    assert_string_equal(nf_scaled(NF_EN, -345545, 1e3, 0, 1, b), "-¥346k");
    assert_string_equal(nf_value(NF_ZH, "money", -0.001, &total, b), "0.00万元"); /* no "-0.00" */
}

static void test_long_results_fit(void **state)
{
    (void)state;
    char word[200];
    memset(word, 'w', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    nf_opts o = {.unit_word = 1, .word = {word, word}, .sign = 1, .fixed = 1, .decimals = 9};
    nf_value(NF_EN, "days", -576460752303423488.0, &o, b); /* 2^59, exact */
    assert_int_equal(strlen(b), NF_MAX - 1);
    assert_memory_equal(b, "-576,460,752,303,423,488.000000000 www", 38);
    nf_value(NF_ZH, "money", 1e300, &(nf_opts){.wan = 1}, b);
    assert_string_equal(b, "1.00e+296万元");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_rates_and_other_units),
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_scaled_and_plurals),
        cmocka_unit_test(test_long_results_fit),
        cmocka_unit_test(test_report_convention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
