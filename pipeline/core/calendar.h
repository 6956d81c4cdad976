/*
 * calendar.h -- the civil (proleptic Gregorian) calendar as day numbers:
 * days since 1970-01-01, negative before it.
 *
 * The conversions are Howard Hinnant's "chrono-compatible low-level date
 * algorithms": exact for every date an int32_t day number reaches, with no
 * table and no locale. Callers check a date before converting it
 * (calendar_valid_date); a day number converts back to a valid date always.
 * Used by value.c (date types of the exports), period.c (month lengths),
 * schedule.c (deadlines) and the sample generator.
 */
#ifndef HR_CALENDAR_H
#define HR_CALENDAR_H

#include <stdint.h>

/* 1 for a leap year of the Gregorian calendar (2024, 2000; not 1900). */
int calendar_is_leap(int year);
/* Days of month 1..12 of year (28..31). */
int calendar_month_days(int year, int month);
/* 1 when month is 1..12 and day 1..calendar_month_days(year, month). */
int calendar_valid_date(int year, int month, int day);
/* The day number of a valid date, and back. */
int32_t calendar_days_from_civil(int year, int month, int day);
void calendar_civil_from_days(int32_t days, int *year, int *month, int *day);
/* 0 Monday .. 6 Sunday. */
int calendar_weekday(int32_t days);

#endif
