/*
 * reconcile.h -- the reconcile stage: compares sources that describe the
 * same facts (spec/INDICATORS.md, reconciliation rules) for one month.
 *
 * Contract: results stored in the database, record-level differences
 * written as CSV to out_dir, a summary on `report`; period_state's
 * reconcile_state is set to ok, warnings or blocking. Returns HR_EBLOCKED
 * when a blocking rule fails and opt->force is 0; with force, records
 * reconcile_forced = 1 (render then marks every page as a draft) and
 * returns HR_OK.
 *
 * Reads: the canonical tables its rules compare (config/rules/reconcile.xml:
 * outpatient, inpatient, mr_front, census, revenue, cost ...), dept,
 * source_file, period_state.
 * Writes: reconcile_result, reconcile_record, reconcile_rule_state
 * (030_reconcile), authority (001_core: the authoritative source of each
 * fact), period_state (reconciled_at, reconcile_state, reconcile_forced),
 * the difference CSVs in out_dir (no patient_key column).
 */
#ifndef HR_RECONCILE_H
#define HR_RECONCILE_H

#include <sqlite3.h>
#include <stdio.h>

#include "pipeline/core/error.h"

typedef struct reconcile_options {
    const char *period;  /* YYYY-MM */
    const char *rules;   /* rules XML; NULL = config/rules/reconcile.xml */
    const char *out_dir; /* where difference CSVs go; NULL = none */
    int force;
    FILE *report;        /* summary; NULL = none */
} reconcile_options;

int reconcile_period(sqlite3 *db, const reconcile_options *opt, hr_error *err);

#endif
