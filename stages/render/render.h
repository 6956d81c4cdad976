/*
 * render.h -- the render stage: XML report templates and gettext catalogs
 * to PDF, with an embedded, subset CJK font.
 *
 * Reads: what the templates' datasets select (templates/NAME.xml: compute's
 * results, advice, dept, validation_summary, data_warning, quarantine
 * counts, reconcile_result ...; never a patient_key column, which an
 * authorizer denies), source_name, period_state (the gates).
 * Writes: the PDFs in out_dir, report_run (060_registry, 062_report_draft:
 * each PDF with the fingerprints of its inputs) through
 * pipeline/core/registry.h. It calls compute first for the period.
 */
#ifndef HR_RENDER_H
#define HR_RENDER_H

#include <sqlite3.h>

#include "pipeline/core/error.h"

typedef struct render_options {
    const char *kind;     /* monthly | quarterly | annual | topic */
    const char *period;   /* PERIOD text */
    const char *scope;    /* hospital | all | dept_code */
    const char *lang;     /* zh_CN | en | bilingual | all */
    const char *template_path; /* NULL = templates/<kind>.xml */
    const char *out_dir;  /* where PDFs go */
    int force;            /* render months that fail a gate, as marked drafts */
} render_options;

/* Renders every (scope, language) PDF the options ask for, named
 * <kind>-<period>-<scope>.<lang>.pdf. Sets *written to the number of files.
 * The gates: a month of the period whose reconciliation is blocking is
 * HR_EBLOCKED, one that failed validation or was never validated HR_EINPUT,
 * unless opt->force (or, for reconciliation, `reconcile --force`): then
 * every page carries a draft mark and the registry records a draft. */
int render_reports(sqlite3 *db, const render_options *opt, int *written, hr_error *err);

#endif
