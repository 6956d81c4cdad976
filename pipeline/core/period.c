/*
 * period.c -- report periods and their comparison bases (see period.h).
 */
#include "pipeline/core/period.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/core/calendar.h"
#include "pipeline/core/value.h"

int period_month_index(int year, int month) { return year * 12 + (month - 1); }
int period_year(int m) { return m / 12; }
int period_month(int m) { return m % 12 + 1; }
int period_length(const period *p) { return p->last - p->first + 1; }

const char *period_month_label(int m, char *buf)
{
    snprintf(buf, 8, "%04u-%02u", (unsigned)period_year(m) % 10000u, (unsigned)period_month(m) % 100u);
    return buf;
}

int period_days_in_month(int m)
{
    return calendar_month_days(period_year(m), period_month(m));
}

int period_days(const period *p)
{
    int days = 0;
    for (int m = p->first; m <= p->last; m++)
        days += period_days_in_month(m);
    return days;
}

static int parse_month_at(const char *s, int *index)
{
    if (value_month(s, 7))
        return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    *index = period_month_index(y, m);
    return 0;
}

static int bad_period(const char *text, hr_error *err)
{
    return hr_error_set(err, HR_EUSAGE, NULL, 0, "period",
                        "'%s' is not a period: use 2026-10 (month), 2026-Q3 (quarter), "
                        "2026 (year) or 2026-01..2026-06 (range of months)",
                        text);
}

int period_parse(const char *text, period *out, hr_error *err)
{
    size_t n = strlen(text);
    int a, b;
    if (n == 7 && text[4] == '-' && text[5] != 'Q' && parse_month_at(text, &a) == 0) {
        *out = (period){PERIOD_MONTH, a, a};
        return HR_OK;
    }
    if (n == 7 && text[4] == '-' && text[5] == 'Q' && text[6] >= '1' && text[6] <= '4') {
        char tmp[8];
        snprintf(tmp, sizeof tmp, "%.4s-01", text);
        if (parse_month_at(tmp, &a))
            return bad_period(text, err);
        a += (text[6] - '1') * 3;
        *out = (period){PERIOD_QUARTER, a, a + 2};
        return HR_OK;
    }
    if (n == 4) {
        char tmp[8];
        snprintf(tmp, sizeof tmp, "%.4s-01", text);
        if (parse_month_at(tmp, &a))
            return bad_period(text, err);
        *out = (period){PERIOD_YEAR, a, a + 11};
        return HR_OK;
    }
    if (n == 16 && text[7] == '.' && text[8] == '.') {
        char tmp[8];
        snprintf(tmp, sizeof tmp, "%.7s", text);
        if (parse_month_at(tmp, &a) || parse_month_at(text + 9, &b))
            return bad_period(text, err);
        if (b < a)
            return hr_error_set(err, HR_EUSAGE, NULL, 0, "period",
                                "'%s': the range ends before it starts", text);
        *out = (period){PERIOD_RANGE, a, b};
        return HR_OK;
    }
    return bad_period(text, err);
}

int period_parse_month(const char *text, period *out, hr_error *err)
{
    if (period_parse(text, out, NULL) == HR_OK && out->kind == PERIOD_MONTH)
        return HR_OK;
    return hr_error_set(err, HR_EUSAGE, NULL, 0, "period",
                        "'%s' is not a month: use YYYY-MM, e.g. 2026-10", text);
}

const char *period_label(const period *p, char *buf)
{
    char a[8], b[8];
    switch (p->kind) {
    case PERIOD_MONTH:
        period_month_label(p->first, buf);
        break;
    case PERIOD_QUARTER:
        snprintf(buf, PERIOD_LABEL_MAX, "%04d-Q%d", period_year(p->first),
                 (period_month(p->first) - 1) / 3 + 1);
        break;
    case PERIOD_YEAR:
        snprintf(buf, PERIOD_LABEL_MAX, "%04d", period_year(p->first));
        break;
    case PERIOD_RANGE:
        snprintf(buf, PERIOD_LABEL_MAX, "%s..%s", period_month_label(p->first, a),
                 period_month_label(p->last, b));
        break;
    }
    return buf;
}

int period_previous(const period *p, period *out)
{
    if (p->kind == PERIOD_YEAR)
        return -1;
    int len = period_length(p);
    *out = (period){p->kind, p->first - len, p->last - len};
    return 0;
}

period period_year_earlier(const period *p)
{
    return (period){p->kind, p->first - 12, p->last - 12};
}

period period_ytd(const period *p)
{
    int jan = period_month_index(period_year(p->last), 1);
    return (period){jan == p->last ? PERIOD_MONTH : PERIOD_RANGE, jan, p->last};
}
