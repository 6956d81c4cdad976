/*
 * validate.h -- the validate stage: row rules and aggregate warning
 * thresholds over one loaded month.
 *
 * Contract: rows that break an error rule leave their table for `quarantine`
 * (stage 'validate') with file, line, raw record, field, rule and message;
 * warnings keep the row and are recorded. Per file, rows read = rows loaded
 * + rows quarantined, always. period_state.validation_state is set, with
 * validated_inputs (the month's data fingerprint it checked: registry.h).
 * When a file's quarantined share exceeds the limit, returns HR_EINPUT.
 * Memory does not grow with the month: the rules, the key checks and the
 * counts below are one streaming pass over each table's rows -- made while
 * ingest loads them when the program hands ingest validate_tap_new()'s
 * rowtap, and then taken from that hand-off (validate_handoff, 027) as
 * long as the file, its rows, the rules and the reference data are still
 * those it was made with; else made here, reading the rows.
 *
 * Reads: the canonical tables of 001_core (the month's rows; dept and
 * equipment as reference data), source_file, config/rules/validation.xml.
 * Writes: quarantine (its stage 'validate' rows), the canonical tables
 * (deletes the quarantined rows), row_warning, data_warning,
 * validation_summary (020_validate), validate_volume (021), period_state
 * (validated_at, validation_state), and -- its one writer --
 * outpatient_rollup and rollup_state (003_rollup, 024_rollup_owner),
 * built once from the rows that stayed.
 */
#ifndef HR_VALIDATE_H
#define HR_VALIDATE_H

#include <sqlite3.h>
#include <stdio.h>

#include "pipeline/core/error.h"
#include "pipeline/core/rowtap.h"

typedef struct validate_options {
    const char *period;     /* YYYY-MM */
    const char *rules;      /* rules XML; NULL = config/rules/validation.xml */
    const char *out_dir;    /* where quarantine CSV goes; NULL = none */
    FILE *report;           /* summary table; NULL = none */
    int brief;              /* 1: the report sums up the data warnings in
                             * one line per kind (run); 0: every one */
} validate_options;

int validate_period(sqlite3 *db, const validate_options *opt, hr_error *err);

/* The rowtap (pipeline/core/rowtap.h) through which validate judges a
 * file's rows while ingest loads them, so that validate_period() need not
 * read them back (validate_handoff.c); rules as for validate_period()
 * (NULL: config/rules/validation.xml). */
rowtap *validate_tap_new(const char *rules);
void validate_tap_free(rowtap *tap);

#endif
