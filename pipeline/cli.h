/*
 * cli.h -- the command line of spec/CLI.md: option parsing, --help for
 * every subcommand, and dispatch to the stages.
 *
 * cli_main() returns an hr_code; main() alone prints the error and turns it
 * into the exit status.
 */
#ifndef HR_CLI_H
#define HR_CLI_H

#include <stdint.h>

#include "pipeline/core/error.h"
#include "pipeline/core/version.h"

typedef struct cli_args {
    const char *command;
    const char *in_dir, *period, *db, *out_dir, *lang, *profile;
    const char *report, *scope, *template_path, *today;
    const char *sources, *delivery; /* config files; NULL: config/ of the data dir */
    const char *format;             /* export: csv (default) or xlsx */
    const char *table;              /* export: indicators (default) or drg-groups */
    int bom;                        /* export --bom: a UTF-8 BOM before the CSV, for Excel */
    int force, verify, scheduled, deliver;
} cli_args;

int cli_main(int argc, char **argv, hr_error *err);

/* Stage orchestration (run.c): the stages in order for one month, then
 * every report due for that month's data. */
int run_pipeline(const cli_args *args, hr_error *err);

/* The ends of the cycle (cycle.c). `hospreport pull`: */
int cycle_pull_command(const cli_args *args, hr_error *err);
/* Today (args->today or the clock), as days since 1970-01-01. */
int cycle_today(const cli_args *args, int32_t *today, hr_error *err);
/* The month before `today` (YYYY-MM) for --scheduled; returns today's day
 * of the month. */
int cycle_scheduled_period(int32_t today, char period_out[8]);
/* Pulls `period` and prints what came in. Returns HR_EINPUT when a required
 * source is not in -- except with --scheduled before the schedule's last
 * day, when it returns HR_OK with *waiting set (also set before its first
 * day, when nothing is pulled). */
struct sqlite3;
int cycle_pull(struct sqlite3 *db, const cli_args *args, const char *period, int32_t today,
               int *waiting, hr_error *err);
/* Ingests the newest archived version of each source of `period`, one
 * ingest per profile. */
/* Delivers the reports of `period` (with_due_reports: also the quarter and
 * year a month ends) and logs what went where. `hospreport deliver`: */
int cycle_deliver(struct sqlite3 *db, const cli_args *args, const char *period,
                  int with_due_reports, hr_error *err);
int cycle_deliver_command(const cli_args *args, hr_error *err);
struct ingest_summary;
int cycle_ingest_archive(struct sqlite3 *db, const cli_args *args, const char *period,
                         struct ingest_summary *sum, hr_error *err);

#endif
