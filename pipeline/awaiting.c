/*
 * awaiting.c -- months whose exports are not (all) in, for `due` and
 * `status` (see schedule.h).
 *
 * `due` used to list only months already loaded, so a month whose exports
 * never arrived was never overdue. Here every month that has ended, whose
 * monthly deadline `due` would list, from the first month the database
 * knows (loaded or pulled) on, is checked against config/sources.xml: a
 * required source neither archived by pull nor loaded by hand is missing,
 * and the month is `waiting for data` until its deadline, `overdue` after.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/calendar.h"
#include "pipeline/core/db.h"
#include "pipeline/core/log.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/schedule.h"
#include "stages/pull/pull.h"

/* Whether the database has the pull manifest (a read-only connection does
 * not migrate an older database). */
static int has_manifest(sqlite3 *db)
{
    int64_t n = 0;
    return db_query_int(db, &n, NULL,
                        "SELECT count(*) FROM sqlite_master WHERE name = 'archive_file'",
                        NULL) == 1 &&
           n > 0;
}

/* The first month loaded or archived into *month: 1, 0 if none, -1 on a
 * database error (err set). */
static int first_known_month(sqlite3 *db, int manifest, int *month, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  manifest ? "SELECT min(p) FROM (SELECT min(period) AS p FROM "
                                             "period_state UNION ALL SELECT min(period) FROM "
                                             "archive_file)"
                                           : "SELECT min(period) FROM period_state",
                                  err);
    if (!st)
        return -1;
    int found = db_one(st, err);
    if (found > 0) {
        period p;
        found = sqlite3_column_type(st, 0) != SQLITE_NULL &&
                period_parse_month((const char *)sqlite3_column_text(st, 0), &p, NULL) == 0;
        if (found)
            *month = p.first;
    }
    sqlite3_finalize(st);
    return found;
}

int awaiting_months(sqlite3 *db, const cli_args *a, int32_t today, awaiting_month **out, int *n,
                    hr_error *err)
{
    *out = NULL;
    *n = 0;
    pull_config *cfg;
    if (pull_config_load(a->sources, NULL, &cfg, err))
        return err->code;
    int manifest = has_manifest(db);
    int y, m, d;
    calendar_civil_from_days(today, &y, &m, &d);
    int last_ended = y * 12 + (m - 1) - 1; /* month index of the month before today */
    int first = last_ended;
    int known = first_known_month(db, manifest, &first, err);
    if (known < 0) {
        pull_config_free(cfg);
        return err->code;
    }
    if (known && first > last_ended)
        first = last_ended;
    int rc = HR_OK;
    for (int month = first; month <= last_ended && rc == HR_OK; month++) {
        period p = {PERIOD_MONTH, month, month};
        int32_t deadline;
        schedule_deadline(&p, &deadline);
        if (!schedule_listed(today, deadline))
            continue;
        char label[PERIOD_LABEL_MAX];
        period_month_label(month, label);
        pull_report rep;
        rc = pull_state_of(db, cfg, label, today, &rep, err);
        if (rc == HR_OK) {
            *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
            awaiting_month *w = &(*out)[(*n)++];
            w->month = month;
            w->missing[0] = 0;
            if (rep.required_missing)
                pull_missing_line(&rep, w->missing, sizeof w->missing);
        }
        pull_report_free(&rep);
    }
    pull_config_free(cfg);
    return rc;
}

int awaiting_print_sources(sqlite3 *db, const cli_args *a, int32_t today, FILE *out,
                           hr_error *err)
{
    pull_config *cfg;
    if (pull_config_load(a->sources, NULL, &cfg, err))
        return err->code;
    int y, m, d;
    calendar_civil_from_days(today, &y, &m, &d);
    char label[PERIOD_LABEL_MAX];
    period_month_label(y * 12 + (m - 1) - 1, label);
    pull_report rep;
    int rc = pull_state_of(db, cfg, label, today, &rep, err);
    if (rc == HR_OK) {
        fprintf(out, _("\nSOURCES %s (%s)\n"), label, cfg->path);
        pull_report_print(&rep, out);
    }
    pull_report_free(&rep);
    pull_config_free(cfg);
    return rc;
}
