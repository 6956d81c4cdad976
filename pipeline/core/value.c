/*
 * value.c -- typed value parsers (see value.h). Written by hand because
 * they run once per field of millions of rows: strtod/sscanf are both
 * slower and laxer (they accept spaces, exponents, hex) than the exports'
 * types allow.
 */
#include "pipeline/core/value.h"

#include "pipeline/core/calendar.h"

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int value_money_cents(const char *s, size_t len, int thousands, int64_t *cents)
{
    size_t i = 0;
    int neg = 0, ndigits = 0, group = -1, big = 0;
    int64_t whole = 0;
    if (len && (s[0] == '-' || s[0] == '+'))
        neg = s[0] == '-', i++;
    for (; i < len && s[i] != '.'; i++) {
        if (s[i] == ',' && thousands) {
            if (ndigits == 0 || (group >= 0 && group != 3) || (group < 0 && ndigits > 3))
                return -1;
            group = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return -1;
        /* Overflow is noted, not returned yet: the rest must still be an
         * amount for "too large" to be the right word. */
        if (__builtin_mul_overflow(whole, 10, &whole) ||
            __builtin_add_overflow(whole, s[i] - '0', &whole))
            big = 1, whole = 0;
        ndigits++;
        if (group >= 0)
            group++;
    }
    if (ndigits == 0 || (group >= 0 && group != 3))
        return -1;
    int64_t frac = 0;
    if (i < len) { /* s[i] == '.' */
        size_t nfrac = len - i - 1;
        if (nfrac < 1 || nfrac > 2)
            return -1;
        int f;
        if (digits(s + i + 1, nfrac, &f))
            return -1;
        frac = nfrac == 1 ? f * 10 : f;
    }
    int64_t c;
    if (big || __builtin_mul_overflow(whole, 100, &c) || __builtin_add_overflow(c, frac, &c))
        return -2; /* |amount| > INT64_MAX cents, about 9.2e16 CNY */
    *cents = neg ? -c : c;
    return 0;
}

int value_int(const char *s, size_t len, int64_t *out)
{
    if (len == 0)
        return -1;
    int64_t v = 0;
    int big = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v))
            big = 1, v = 0;
    }
    if (big)
        return -2;
    *out = v;
    return 0;
}

int value_decimal(const char *s, size_t len, double *out)
{
    size_t i = 0;
    double v = 0;
    int nd = 0;
    for (; i < len && s[i] != '.'; i++, nd++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (nd == 0 || nd > 15)
        return -1;
    if (i < len) {
        double scale = 0.1;
        if (i + 1 == len)
            return -1;
        for (i++; i < len; i++, scale /= 10) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v += (s[i] - '0') * scale;
        }
    }
    *out = v;
    return 0;
}

int value_valid_ymd(int year, int month, int day)
{
    return year >= 1900 && year <= 2999 && calendar_valid_date(year, month, day);
}

int value_date(const char *s, size_t len)
{
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
        digits(s + 8, 2, &d) || !value_valid_ymd(y, m, d))
        return -1;
    return 0;
}

int value_datetime(const char *s, size_t len)
{
    int h, mi, se;
    if (len != 19 || value_date(s, 10) || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se) || h > 23 ||
        mi > 59 || se > 59)
        return -1;
    return 0;
}

int value_month(const char *s, size_t len)
{
    int y, m;
    if (len != 7 || s[4] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
        !value_valid_ymd(y, m, 1))
        return -1;
    return 0;
}

int value_code(const char *s, size_t len)
{
    if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t' || s[len - 1] == '\t')
        return -1;
    return 0;
}

int32_t value_date_days(const char *iso)
{
    int y, m, d;
    if (digits(iso, 4, &y) || iso[4] != '-' || digits(iso + 5, 2, &m) || iso[7] != '-' ||
        digits(iso + 8, 2, &d) || !value_valid_ymd(y, m, d))
        return INT32_MIN;
    return calendar_days_from_civil(y, m, d);
}
