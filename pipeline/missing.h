/*
 * missing.h -- the expected sources a month lacks and what they cost
 * (issue 11, item 6), for ingest, `status`, `run` and the reports.
 *
 * Expected: every source of config/sources.xml. A monthly source is
 * absent when the month has no current file of it; a yearly one (its
 * pattern names no month: budget.csv) when no month of the year up to this
 * one has. An absent required source is missing -- an error to chase; an
 * absent optional one is named as absent-but-optional. What each costs is
 * computed from the catalogue (compute_undefined_by_sources): the
 * indicators that become undefined without it.
 *
 * missing_refresh() stores it for the months of a period in tables
 * month_missing_source and month_undefined_indicator (008_missing_sources),
 * which templates read; `status` computes it without writing.
 */
#ifndef HR_MISSING_H
#define HR_MISSING_H

#include <sqlite3.h>
#include <stdio.h>

#include "pipeline/cli.h"
#include "pipeline/core/error.h"
#include "stages/compute/compute.h"

typedef struct missing_source {
    char file[128];   /* outpatient.csv: the name in sources.xml */
    char table[64];   /* its canonical source: outpatient */
    char system[64];
    char contact[512]; /* name, dept, phone */
    int required;
} missing_source;

typedef struct missing_report {
    char month[24]; /* YYYY-MM (sized as a period label) */
    missing_source *src; /* in sources.xml order */
    int nsrc, nrequired;
    compute_undefined *ind; /* what the absent sources cost, catalogue order */
    int nind;
} missing_report;

/* Fills *rep for `month` (YYYY-MM); sources.xml is a->sources or the data
 * dir's. Free with missing_report_free (also after an error). */
int missing_of_month(sqlite3 *db, const cli_args *a, const char *month, missing_report *rep,
                     hr_error *err);
void missing_report_free(missing_report *rep);

/* At most two lines on `out`, each starting with the month: the required
 * sources missing (with whom to chase) and the optional ones absent, each
 * with the indicators undefined without them. Nothing when none is. */
void missing_print(const missing_report *rep, FILE *out);

/* Replaces the stored rows of every loaded month of `period_text` with
 * what missing_of_month() finds; `print`: also log the lines. */
int missing_refresh(sqlite3 *db, const cli_args *a, const char *period_text, int print,
                    hr_error *err);

#endif
