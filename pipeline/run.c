/*
 * run.c -- `hospreport run`: every stage for one month, then every report
 * due for that month's data (spec/CLI.md).
 *
 * Stages talk only through the database; this file just calls them in
 * order (ingest, validate, reconcile, compute, advise, render) and decides which reports the month makes due: the monthly report
 * always, the quarterly report when the month ends a quarter, the annual
 * report when it is December. Then every report already rendered whose
 * inputs changed since (a late or corrected month) is rendered again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/cli.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/log.h"
#include "pipeline/core/period.h"
#include "pipeline/core/registry.h"
#include "pipeline/missing.h"
#include "stages/advise/advise.h"
#include "stages/compute/compute.h"
#include "stages/ingest/ingest.h"
#include "stages/reconcile/reconcile.h"
#include "stages/render/render.h"
#include "stages/validate/validate.h"

typedef struct due_report {
    const char *kind;
    char period[PERIOD_LABEL_MAX];
} due_report;

/* The reports a month's data complete: fills out[], returns how many. */
static int reports_for_month(const period *month, due_report out[3])
{
    int n = 0, y = period_year(month->first), m = period_month(month->first);
    out[n].kind = "monthly";
    period_label(month, out[n++].period);
    if (m % 3 == 0) {
        out[n].kind = "quarterly";
        snprintf(out[n++].period, PERIOD_LABEL_MAX, "%04d-Q%d", y, m / 3);
    }
    if (m == 12) {
        out[n].kind = "annual";
        snprintf(out[n++].period, PERIOD_LABEL_MAX, "%04d", y);
    }
    return n;
}

/* Every report of the registry drawn from inputs that changed since -- a
 * late or corrected month changes the next month's MoM, the YoY a year
 * later, the YTD of the rest of its year, its quarter and year, topic
 * ranges over it -- is computed and rendered again where it was written,
 * in its scopes and languages. One that cannot be (a gate now fails) is
 * named and the run fails with the first such error, after the others. */
static int refresh_stale(sqlite3 *db, const cli_args *a, hr_error *err)
{
    registry_report *reps;
    int n, rc = HR_OK;
    if (registry_reports(db, &reps, &n, err))
        return err->code;
    for (int i = 0; i < n; i++) {
        if (!reps[i].stale)
            continue;
        int topic = strncmp(reps[i].kind, "topic", 5) == 0;
        render_options ro = {topic ? "topic" : reps[i].kind, reps[i].period,
                             reps[i].scopes > 1 ? "all" : reps[i].scope, reps[i].lang,
                             topic ? reps[i].template_path : NULL, reps[i].out_dir, a->force};
        hr_error e;
        hr_error_clear(&e);
        int written = 0;
        int r = compute_period(db, reps[i].period, &e);
        if (!r)
            r = advise_period(db, reps[i].period, &e);
        if (!r)
            r = missing_refresh(db, a, reps[i].period, 0, &e);
        if (!r)
            r = render_reports(db, &ro, &written, &e);
        if (r) {
            log_warn("%s %s was drawn from data that changed since and is not rendered again: "
                     "%s",
                     reps[i].kind, reps[i].period, e.message);
            if (rc == HR_OK)
                *err = e, rc = r;
            continue;
        }
        log_info(msg_ntr("%s %s: its data changed since it was rendered; %d PDF rendered again "
                         "in %s",
                         "%s %s: its data changed since it was rendered; %d PDFs rendered again "
                         "in %s",
                         (unsigned long)written),
                 reps[i].kind, reps[i].period, written, reps[i].out_dir);
    }
    free(reps);
    return rc;
}

int run_pipeline(const cli_args *args, hr_error *err)
{
    cli_args copy = *args;
    const cli_args *a = &copy;
    int32_t today;
    char scheduled[8];
    if (cycle_today(a, &today, err))
        return err->code;
    if (!copy.period) { /* --scheduled: the month before today */
        cycle_scheduled_period(today, scheduled);
        copy.period = scheduled;
    }
    period month;
    if (period_parse_month(a->period, &month, err) || paths_make_dir(a->out_dir, err))
        return err->code;
    sqlite3 *db;
    if (db_open(a->db, &db, err))
        return err->code;
    double t0 = log_clock(), t = t0;
    int rc;

    ingest_summary sum = {0};
    if (a->in_dir) {
        rowtap *tap = validate_tap_new(NULL); /* validate judges the rows as they load */
        ingest_options in = {a->in_dir, a->period, a->profile, tap};
        rc = ingest_folder(db, &in, &sum, err);
        validate_tap_free(tap);
    } else {
        /* no folder given: pull the month first, ingest what the archive holds */
        int waiting = 0;
        rc = cycle_pull(db, a, a->period, today, &waiting, err);
        if (rc == HR_OK && waiting) {
            log_info("run %s: waiting for data; nothing run", a->period);
            goto done;
        }
        if (rc == HR_OK)
            rc = cycle_ingest_archive(db, a, a->period, &sum, err);
    }
    if (rc)
        goto done;
    log_info("ingest: %d files loaded, %d unchanged; %lld rows (%.1f s)", sum.files_loaded,
             sum.files_unchanged, sum.rows_loaded, log_clock() - t);
    if ((rc = missing_refresh(db, a, a->period, 1, err)))
        goto done;

    /* the data warnings in full with -v; else one line per kind */
    t = log_clock();
    validate_options val = {a->period, NULL, a->out_dir, log_verbosity >= 1 ? stderr : NULL,
                            log_verbosity < 2};
    if ((rc = validate_period(db, &val, err)))
        goto done;
    log_info("validate: %.1f s", log_clock() - t);

    t = log_clock();
    reconcile_options rec = {a->period, NULL, a->out_dir, a->force,
                             log_verbosity >= 1 ? stderr : NULL};
    if ((rc = reconcile_period(db, &rec, err)))
        goto done;
    log_info("reconcile: %.1f s", log_clock() - t);

    due_report reports[3];
    int nreports = reports_for_month(&month, reports);
    for (int i = 0; i < nreports; i++) {
        t = log_clock();
        if ((rc = compute_period(db, reports[i].period, err)) ||
            (rc = advise_period(db, reports[i].period, err)))
            goto done;
        double computed = log_clock() - t;
        t = log_clock();
        render_options ro = {reports[i].kind, reports[i].period, a->scope ? a->scope : "all",
                             a->lang, NULL, a->out_dir, a->force};
        int written = 0;
        if ((rc = missing_refresh(db, a, reports[i].period, 0, err)) ||
            (rc = render_reports(db, &ro, &written, err)))
            goto done;
        log_info(msg_ntr("%s %s: computed in %.1f s; %d PDF rendered in %.1f s",
                         "%s %s: computed in %.1f s; %d PDFs rendered in %.1f s",
                         (unsigned long)written),
                 reports[i].kind, reports[i].period, computed, written, log_clock() - t);
    }
    if ((rc = refresh_stale(db, a, err)))
        goto done;
    if (a->deliver && (rc = cycle_deliver(db, a, a->period, 1, err)))
        goto done;
    log_info("run %s done in %.1f s; reports in %s", a->period, log_clock() - t0, a->out_dir);
done:
    db_close(db);
    return rc;
}
