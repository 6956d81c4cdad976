/*
 * value.h -- parsing the typed values of spec/EXPORTS.md from text.
 *
 * Every parser takes a (pointer, length) view -- as csv.h hands out -- and
 * returns 0 on success or -1 when the text is not of the type (the integer
 * parsers: -2 when it is, but too large for 64 bits); it never allocates. Callers turn -1 into a located error or a quarantine row.
 */
#ifndef HR_VALUE_H
#define HR_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal CNY with at most 2 decimals, optional leading '-', no exponent.
 * With `thousands` non-zero, ',' groups of three digits are accepted
 * ("12,345.60"). Result in integer cents; -2 beyond +-INT64_MAX cents
 * (92233720368547758.07 CNY), checked without overflowing. */
int value_money_cents(const char *s, size_t len, int thousands, int64_t *cents);
/* Non-negative decimal integer (no sign, no spaces). */
int value_int(const char *s, size_t len, int64_t *out);
/* Non-negative decimal number ("3", "2.5", ".5" is rejected). */
int value_decimal(const char *s, size_t len, double *out);
/* YYYY-MM-DD, a real calendar date. */
int value_date(const char *s, size_t len);
/* YYYY-MM-DD HH:MM:SS, real date and time. */
int value_datetime(const char *s, size_t len);
/* YYYY-MM. */
int value_month(const char *s, size_t len);
/* A code: non-empty, no leading or trailing space. */
int value_code(const char *s, size_t len);

/* A date the exports may hold: a real calendar date of the years 1900-2999. */
int value_valid_ymd(int year, int month, int day);
/* Days since 1970-01-01 (calendar.h) of an ISO date (YYYY-MM-DD...), or
 * INT32_MIN when it is not one. */
int32_t value_date_days(const char *iso);

#endif
