/*
 * cycle.c -- both ends of the monthly cycle, as the program drives them:
 * `hospreport pull` (stages/pull/), the pull and archive ingest that `run`
 * does when it is given no export folder, and the scheduled mode in which
 * a timer runs them on the days config/sources.xml lists.
 *
 * The stages do the work; this file decides the period (given, or with
 * --scheduled the month before today), prints what pull found, and turns
 * "a required source is not in" into the exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cli.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/calendar.h"
#include "pipeline/core/db.h"
#include "pipeline/core/log.h"
#include "pipeline/core/period.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/schedule.h"
#include "stages/deliver/deliver.h"
#include "stages/ingest/ingest.h"
#include "stages/validate/validate.h"
#include "stages/pull/pull.h"

int cycle_today(const cli_args *a, int32_t *today, hr_error *err)
{
    *today = schedule_today();
    if (a->today && schedule_parse_date(a->today, today, err))
        return err->code;
    return HR_OK;
}

int cycle_scheduled_period(int32_t today, char period_out[8])
{
    int y, m, d;
    calendar_civil_from_days(today, &y, &m, &d);
    if (--m == 0)
        m = 12, y--;
    snprintf(period_out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
    return d;
}

/* For --scheduled: 0 before the first scheduled day (nothing to do yet), 1
 * on a day from it to before the last (missing sources: wait), 2 on or
 * after the last (missing sources: fail). Without a schedule, 2. */
static int scheduled_phase(const pull_config *cfg, int day)
{
    if (cfg->nschedule_days == 0)
        return 2;
    if (day < cfg->schedule_days[0])
        return 0;
    return day >= cfg->schedule_days[cfg->nschedule_days - 1] ? 2 : 1;
}

int cycle_pull(sqlite3 *db, const cli_args *a, const char *period, int32_t today, int *waiting,
               hr_error *err)
{
    pull_config *cfg;
    *waiting = 0;
    if (pull_config_load(a->sources, NULL, &cfg, err))
        return err->code;
    int phase = 2;
    if (a->scheduled) {
        int y, m, day;
        calendar_civil_from_days(today, &y, &m, &day);
        phase = scheduled_phase(cfg, day);
        if (phase == 0) {
            log_info("scheduled: %s is pulled from day %d of the month; nothing to do today",
                     period, cfg->schedule_days[0]);
            *waiting = 1;
            pull_config_free(cfg);
            return HR_OK;
        }
    }
    pull_report rep;
    int rc = pull_period(db, cfg, period, today, &rep, err);
    if (log_verbosity >= 1) { /* -q (a timer's or cron's run): errors only */
        pull_report_print(&rep, stdout);
        fflush(stdout);
    }
    if (rc == HR_OK && rep.required_missing) {
        char line[4096];
        pull_missing_text(&rep, line, sizeof line);
        if (phase == 1) {
            log_warn(msg_ntr("%s: waiting for data: %d required source not in: %s; a scheduled "
                             "run tries again (last try on day %d)",
                             "%s: waiting for data: %d required sources not in: %s; a scheduled "
                             "run tries again (last try on day %d)",
                             (unsigned long)rep.required_missing),
                     period, rep.required_missing, line,
                     cfg->schedule_days[cfg->nschedule_days - 1]);
            *waiting = 1;
        } else {
            rc = hr_error_set(err, HR_EINPUT, NULL, 0, NULL,
                              msg_ntr("%s: %d required source is not in: %s",
                                      "%s: %d required sources are not in: %s",
                                      (unsigned long)rep.required_missing),
                              period, rep.required_missing, line);
        }
    } else if (rc == HR_OK) {
        int nrequired = 0;
        for (int i = 0; i < cfg->nsources; i++)
            nrequired += cfg->sources[i].required;
        log_info(msg_ntr("pull %s: every required source in (%d), %d file archived now",
                         "pull %s: every required source in (%d), %d files archived now",
                         (unsigned long)rep.archived),
                 period, nrequired, rep.archived);
    }
    pull_report_free(&rep);
    pull_config_free(cfg);
    return rc;
}

int cycle_ingest_archive(sqlite3 *db, const cli_args *a, const char *period,
                         ingest_summary *sum, hr_error *err)
{
    pull_config *cfg;
    if (pull_config_load(a->sources, NULL, &cfg, err))
        return err->code;
    pull_file *files;
    int n, rc = pull_newest_files(db, cfg, period, &files, &n, err);
    pull_config_free(cfg);
    if (rc)
        return rc;
    if (n == 0) {
        pull_files_free(files, n);
        return hr_error_set(err, HR_EINPUT, NULL, 0, "--period",
                            "nothing archived for %s: pull it first (hospreport pull)", period);
    }
    /* one ingest per profile, in the order the sources come (the
     * department dictionary first) */
    int *done = xcalloc((size_t)n, sizeof *done);
    hr_error first;
    hr_error_clear(&first);
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        ingest_file_ref *refs = xrealloc(NULL, (size_t)n * sizeof *refs);
        int k = 0;
        for (int j = i; j < n; j++)
            if (!done[j] && strcmp(files[j].profile_path, files[i].profile_path) == 0) {
                refs[k++] = (ingest_file_ref){files[j].name, files[j].path};
                done[j] = 1;
            }
        rowtap *tap = validate_tap_new(NULL); /* validate judges the rows as they load */
        ingest_options opt = {NULL, period, files[i].profile_path, tap};
        hr_error e;
        hr_error_clear(&e);
        if (ingest_files(db, &opt, refs, k, sum, &e) && !first.code)
            first = e;
        validate_tap_free(tap);
        free(refs);
    }
    free(done);
    pull_files_free(files, n);
    if (first.code) {
        *err = first;
        return first.code;
    }
    return HR_OK;
}

int cycle_pull_command(const cli_args *a, hr_error *err)
{
    sqlite3 *db;
    if (a->verify) {
        if (a->period && period_parse_month(a->period, &(period){0}, err))
            return err->code;
        if (db_open(a->db, &db, err))
            return err->code;
        int bad = 0;
        int rc = pull_verify(db, a->period, stdout, &bad, err);
        db_close(db);
        if (rc == HR_OK && bad)
            rc = hr_error_set(err, HR_EINPUT, NULL, 0, NULL,
                              msg_ntr("%d archived file does not match the manifest (table "
                                      "archive_file); pull never changes an archived file: find "
                                      "out who did",
                                      "%d archived files do not match the manifest (table "
                                      "archive_file); pull never changes an archived file: find "
                                      "out who did",
                                      (unsigned long)bad),
                              bad);
        return rc;
    }
    int32_t today;
    if (cycle_today(a, &today, err))
        return err->code;
    char scheduled[8];
    const char *period = a->period;
    if (!period && a->scheduled) {
        cycle_scheduled_period(today, scheduled);
        period = scheduled;
    }
    if (!period)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL,
                            "pull needs --period (or --scheduled, or --verify) (see 'hospreport "
                            "pull --help')");
    if (period_parse_month(period, &(struct period){0}, err) || db_open(a->db, &db, err))
        return err->code;
    int waiting;
    int rc = cycle_pull(db, a, period, today, &waiting, err);
    db_close(db);
    return rc;
}

int cycle_deliver(sqlite3 *db, const cli_args *a, const char *period, int with_due_reports,
                  hr_error *err)
{
    deliver_options opt = {a->delivery, period, with_due_reports, stdout};
    deliver_summary sum;
    int rc = deliver_period(db, &opt, &sum, err);
    fflush(stdout);
    if (rc == HR_OK || sum.messages || sum.copies) {
        /* one count, one plural: the parts apart, then the sentence */
        char msgs[64], atts[64], copies[64], same[96];
        snprintf(msgs, sizeof msgs,
                 msg_ntr("%d message", "%d messages", (unsigned long)sum.messages), sum.messages);
        snprintf(atts, sizeof atts,
                 msg_ntr("%d report attached", "%d reports attached",
                         (unsigned long)sum.attachments),
                 sum.attachments);
        snprintf(copies, sizeof copies,
                 msg_ntr("%d folder copy", "%d folder copies", (unsigned long)sum.copies),
                 sum.copies);
        snprintf(same, sizeof same,
                 msg_ntr("%d already delivered as it is", "%d already delivered as they are",
                         (unsigned long)sum.unchanged),
                 sum.unchanged);
        log_info(sum.failed ? N_("deliver %s: %s (%s), %s, %d of them corrections; %s; some "
                                 "targets failed")
                            : N_("deliver %s: %s (%s), %s, %d of them corrections; %s"),
                 period, msgs, atts, copies, sum.replaced, same);
    }
    return rc;
}

int cycle_deliver_command(const cli_args *a, hr_error *err)
{
    period p;
    if (period_parse(a->period, &p, err))
        return err->code;
    if (p.kind == PERIOD_RANGE)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--period",
                            "'%s' is a range: deliver takes a month, a quarter or a year "
                            "(topic reports are handed out by hand)",
                            a->period);
    sqlite3 *db;
    if (db_open(a->db, &db, err))
        return err->code;
    int rc = cycle_deliver(db, a, a->period, 1, err);
    db_close(db);
    return rc;
}
