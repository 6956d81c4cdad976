/*
 * ingest.h -- the ingest stage: one month's folder of raw exports into the
 * canonical tables of pipeline/schema/001_core.sql, through a source profile.
 *
 * Contract: each file is loaded in one transaction (all of it or none of
 * it); every file seen is recorded in source_file; an identical file
 * (same source, period and SHA-256) is not loaded twice; a changed file
 * replaces that source's rows for the period. Rows that fail their type go
 * to `quarantine` (stage 'ingest'). A file-level error (unreadable, bad
 * encoding, missing column, malformed CSV/XML) rejects the file and leaves
 * the database exactly as it was; the error names file, line and field.
 *
 * Reads: the export folder, the profile (config/profiles/), source_file
 * (the current entry of each source).
 * Writes: the canonical tables of 001_core.sql (a source's rows of the
 * period, replaced as a whole; budget by year), source_file, quarantine
 * (its stage 'ingest' rows; the record's patient_key masked), period_state
 * (ingested_at, inputs: 005_inputs). Not the outpatient roll-up: validate
 * is its one writer (pipeline/core/rollup.h).
 */
#ifndef HR_INGEST_H
#define HR_INGEST_H

#include <sqlite3.h>

#include "pipeline/core/error.h"
#include "pipeline/core/rowtap.h"

typedef struct ingest_options {
    const char *in_dir;  /* the month's export folder */
    const char *period;  /* YYYY-MM */
    const char *profile; /* source profile XML path; NULL = built-in standard */
    /* NULL, or shown every row as stored, per file (rowtap.h): how
     * validate judges the rows while they load (the program sets it) */
    const rowtap *tap;
} ingest_options;

typedef struct ingest_summary {
    int files_loaded;     /* new or replaced */
    int files_unchanged;  /* identical to what is loaded already */
    int files_skipped;    /* not part of the profile */
    long long rows_read, rows_loaded, rows_rejected;
} ingest_summary;

/* Loads every file of the profile present in opt->in_dir. Returns HR_OK,
 * or an error code with err set (HR_EINPUT for rejected input). Files
 * loaded before a rejected one stay loaded (each file is its own
 * transaction); the summary counts them. */
int ingest_folder(sqlite3 *db, const ingest_options *opt, ingest_summary *sum, hr_error *err);

/* One file to load as the profile's file `name` (e.g. an archived
 * exports/2026-10/outpatient.v2.csv as outpatient.csv). */
typedef struct ingest_file_ref {
    const char *name, *path;
} ingest_file_ref;

/* Loads the n files given, as ingest_folder loads a folder's (opt->in_dir
 * is not used): each whole or not at all, an unchanged one not again. A
 * name the profile does not have is an error (HR_EINPUT) before anything
 * is loaded. */
int ingest_files(sqlite3 *db, const ingest_options *opt, const ingest_file_ref *files, int n,
                 ingest_summary *sum, hr_error *err);

#endif
