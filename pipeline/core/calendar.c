/*
 * calendar.c -- civil dates as day numbers (see calendar.h), after Howard
 * Hinnant's algorithms (https://howardhinnant.github.io/date_algorithms.html).
 */
#include "pipeline/core/calendar.h"

#include <assert.h>

int calendar_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int calendar_month_days(int y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert(m >= 1 && m <= 12);
    return mdays[m - 1] + (m == 2 && calendar_is_leap(y));
}

int calendar_valid_date(int y, int m, int d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= calendar_month_days(y, m);
}

int32_t calendar_days_from_civil(int y, int m, int d)
{
    assert(calendar_valid_date(y, m, d));
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;                                   /* [0, 399] */
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  /* [0, 365] */
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void calendar_civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
    assert(calendar_valid_date(*y, *m, *d));
}

int calendar_weekday(int32_t days)
{
    return (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
}
