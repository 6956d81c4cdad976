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

#include <stdio.h>

#include "cli.h"
#include "error.h"

/* `hospreport due`: every report whose data are loaded and whose deadline
 * has come or is near, with its state (done, due, overdue). */
int schedule_due(const cli_args *args, FILE *out, hr_error *err);
/* `hospreport status`: months loaded, validation and reconciliation state,
 * reports done. */
int schedule_status(const cli_args *args, FILE *out, hr_error *err);

#endif
