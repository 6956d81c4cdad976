/*
 * period.h -- report periods: a month, a quarter, a year or a range of
 * whole months (spec/CLI.md), and the comparison periods of
 * spec/INDICATORS.md (MoM, YoY, YTD).
 *
 * A month is represented by its index: year * 12 + (month - 1). A period is
 * the inclusive range [first, last] of month indexes plus its kind, so every
 * computation over periods is a computation over months.
 */
#ifndef HR_PERIOD_H
#define HR_PERIOD_H

#include "pipeline/core/error.h"

typedef enum period_kind {
    PERIOD_MONTH,
    PERIOD_QUARTER,
    PERIOD_YEAR,
    PERIOD_RANGE
} period_kind;

typedef struct period {
    period_kind kind;
    int first; /* month index of the first month */
    int last;  /* month index of the last month, inclusive */
} period;

#define PERIOD_LABEL_MAX 24

/* Parses "2026-10", "2026-Q3", "2026" or "2026-01..2026-06". */
int period_parse(const char *text, period *out, hr_error *err);
/* Parses exactly a month "YYYY-MM" (for ingest/validate/reconcile). */
int period_parse_month(const char *text, period *out, hr_error *err);

/* The canonical text of the period ("2026-Q3"); buf >= PERIOD_LABEL_MAX. */
const char *period_label(const period *p, char *buf);
int period_month_index(int year, int month);
int period_year(int month_index);
int period_month(int month_index); /* 1..12 */
const char *period_month_label(int month_index, char *buf); /* "YYYY-MM" */
int period_length(const period *p); /* months */
int period_days_in_month(int month_index);
int period_days(const period *p);

/* MoM base: the previous period of the same kind (the range of the same
 * length just before, for ranges). Returns 0 and fills *out, or -1 for a
 * year (a year has no MoM). */
int period_previous(const period *p, period *out);
/* YoY base: the same period one year earlier. */
period period_year_earlier(const period *p);
/* YTD: January of the period's last year to its last month (kind RANGE,
 * or MONTH when that is January). */
period period_ytd(const period *p);

#endif
