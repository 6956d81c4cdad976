/*
 * schedule.h -- deadlines, the run registry and the database lock
 * (spec/PRODUCT.md deadlines, spec/CLI.md due and status).
 *
 * Monthly reports are due before the 10th of the next month, quarterly
 * reports within 15 days after the quarter ends, annual reports by the end
 * of January. The registry (table report_run) records every PDF generated:
 * when, from which input files (SHA-256), with which template, and the
 * output's checksum, so an unchanged rerun regenerates nothing.
 */
#ifndef HR_SCHEDULE_H
#define HR_SCHEDULE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/cli.h"
#include "pipeline/core/error.h"
#include "pipeline/core/period.h"

/* `due` lists reports whose deadline is at most this many days ahead. Every
 * deadline falls within 31 days of its period's end, so a report shows up
 * as soon as its data are loaded. */
#define SCHEDULE_HORIZON_DAYS 31
/* ... and whose deadline passed at most this many days ago; older reports
 * never generated are counted in one line on stderr, not listed. */
#define SCHEDULE_LOOKBACK_DAYS 92

typedef enum schedule_state {
    SCHEDULE_DONE,   /* generated (registry), whatever the date */
    SCHEDULE_DUE,    /* not generated, deadline today or ahead */
    SCHEDULE_OVERDUE, /* not generated, deadline passed */
    SCHEDULE_STALE    /* generated, but from data (or states, configuration) that
                         changed since: run it again */
} schedule_state;

/* The report kind of a period: "monthly", "quarterly", "annual", or
 * "topic" for a range. */
const char *schedule_kind(const period *p);
/* The last day a report over p may be delivered, as days since 1970-01-01:
 * monthly, the 9th of the next month ("before the 10th"); quarterly, the
 * quarter's last day + 15; annual, 31 January of the next year. Returns 0,
 * or -1 for a range (topic reports are on demand). */
int schedule_deadline(const period *p, int32_t *deadline_days);
/* done: 0 not generated (or only as a draft), 1 generated from today's
 * inputs, 2 generated from inputs that changed since (SCHEDULE_STALE). */
schedule_state schedule_state_of(int done, int32_t today_days, int32_t deadline_days);
const char *schedule_state_name(schedule_state s);
/* Whether `due` lists a report with that deadline today: deadline within
 * [today - SCHEDULE_LOOKBACK_DAYS, today + SCHEDULE_HORIZON_DAYS]. */
int schedule_listed(int32_t today_days, int32_t deadline_days);

/* Days since 1970-01-01 <-> ISO date text. schedule_parse_date returns -1
 * (err set, HR_EUSAGE) for text that is not a real YYYY-MM-DD date. */
int schedule_parse_date(const char *text, int32_t *days, hr_error *err);
const char *schedule_date_label(int32_t days, char buf[11]);
/* Today's local date. */
int32_t schedule_today(void);

/* `hospreport due`: every report whose data are loaded and whose deadline
 * has come or is near, with its state (done, due, overdue), as a table on
 * `out`: a header line, then one line per report sorted by deadline, the
 * columns separated by spaces and padded (no value holds a space), so that
 * `awk '$4 != "done"'` works. A report is done when the registry holds its
 * hospital-scope PDF in every language of args->lang ("all": zh_CN, en and
 * bilingual). args->today (YYYY-MM-DD) replaces today's date. */
int schedule_due(const cli_args *args, FILE *out, hr_error *err);
/* `hospreport status`: per month loaded, its current files, rows loaded,
 * rows quarantined, validation, reconciliation and compute state; then per
 * report generated (registry), the number of scopes and PDFs and when. */
int schedule_status(const cli_args *args, FILE *out, hr_error *err);

/* Months `due` lists though their exports are not all in (awaiting.c):
 * every month ended before today, from the first the database knows
 * (loaded or pulled), whose monthly deadline is listed; `missing` names
 * each required source of config/sources.xml (args->sources) neither
 * pulled nor loaded, with its contact ("" when all are in). Caller frees
 * *out. */
typedef struct awaiting_month {
    int month; /* month index (period.h) */
    char missing[2048];
} awaiting_month;
int awaiting_months(sqlite3 *db, const cli_args *args, int32_t today, awaiting_month **out,
                    int *n, hr_error *err);
/* `status`: the sources of the month before today, pulled or not. */
int awaiting_print_sources(sqlite3 *db, const cli_args *args, int32_t today, FILE *out,
                           hr_error *err);

#endif
