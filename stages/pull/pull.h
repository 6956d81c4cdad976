/*
 * pull.h -- the pull stage, first in the pipeline: collects each system's
 * monthly export from the folder it drops it in (config/sources.xml) into
 * a read-only archive, and knows what is still missing and whom to chase.
 *
 * For a period, each source's drop folder is searched for the one file whose
 * name matches the source's pattern with the period filled in. The file must
 * be complete (its size and time unchanged for stable-seconds, or a NAME.done
 * marker beside it); it is copied into ARCHIVE/YYYY-MM/ under the name its
 * profile reads (e.g. outpatient.csv), read-only, and recorded in the
 * manifest (table archive_file: source, original path, size, SHA-256,
 * time). A file identical to the newest archived version is skipped; a
 * changed one becomes a new version beside the old (outpatient.v2.csv):
 * nothing in the archive is ever overwritten, and ingest reads the newest.
 *
 * Refused, with a message naming the file and the archive left as it was: a
 * drop folder that is missing or unreadable, two files matching one
 * pattern, a file that grows while it is copied (or has no .done marker
 * yet), a symbolic link leading out of the drop folder, a file whose name
 * or content (the period-column of its first rows) is of another month.
 *
 * Memory: a pull_config and a pull_report own everything they point to;
 * free them with pull_config_free() and pull_report_free().
 *
 * Reads: config/sources.xml, the drop folders, archive_file, source_file
 * (which months are loaded). Writes: the archive folder, archive_file
 * (070_pull).
 */
#ifndef HR_PULL_H
#define HR_PULL_H

#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/core/error.h"

typedef struct pull_contact {
    char *name, *dept, *phone, *email; /* phone, email may be NULL */
} pull_contact;

typedef struct pull_source {
    char *name;    /* archived as, and read by the profile as: outpatient.csv */
    char *table;   /* the profile's canonical source: outpatient */
    char *system;  /* HIS, 病案, 病房, 财务/HRP, 人事, 设备, 药剂, 其他 */
    char *drop;    /* the folder the system writes to */
    char *pattern; /* file name there, with {YYYY} {MM} {YYYYMM} {YYYY-MM} */
    char *profile_path; /* the profile XML to read it with */
    char *profile_name; /* its name attribute */
    char *period_column; /* NULL: no content check */
    char delimiter;
    int required, expected_day, stable_seconds, done_marker;
    long line; /* in sources.xml */
    pull_contact contact;
} pull_source;

typedef struct pull_config {
    char *path;    /* the sources.xml read */
    char *archive; /* the archive's root folder */
    int schedule_days[31], nschedule_days; /* ascending */
    pull_source *sources;
    int nsources;
} pull_config;

/* Reads and checks sources.xml (NULL: config/sources.xml of the data dir)
 * against config/schema/sources.xsd, and each source's profile (it must
 * name the file). archive_override, if not NULL, replaces the archive
 * attribute. HR_EINPUT with file and line on a bad file. */
int pull_config_load(const char *path, const char *archive_override, pull_config **out,
                     hr_error *err);
void pull_config_free(pull_config *cfg);

typedef enum pull_state {
    PULL_IN,       /* archived before, the drop holds nothing newer */
    PULL_NEW,      /* archived now, first version */
    PULL_UPDATED,  /* archived now as a new version */
    PULL_MISSING,  /* nothing for the period (yet) */
    PULL_WAITING,  /* there, but not complete: still being written */
    PULL_REFUSED   /* there, but refused (duplicate, symlink, period...) */
} pull_state;

typedef struct pull_outcome {
    const pull_source *source; /* points into the config */
    pull_state state;
    int version;      /* newest archived version after the pull, 0: none */
    int late;         /* not in, and the expected day has passed */
    char expected[11];    /* YYYY-MM-DD: the day it is due */
    char archive_path[PATH_MAX]; /* the newest archived version, "" if none */
    char detail[1536];   /* what was found or what is wrong */
} pull_outcome;

typedef struct pull_report {
    char period[8];
    pull_outcome *items; /* one per source, in config order */
    int n;
    int required_missing; /* required sources not in */
    int archived;         /* files archived by this pull */
} pull_report;

/* Pulls every source of cfg for `period` (YYYY-MM); today_days (days since
 * 1970-01-01) decides what is late. Fills *rep (always, even on error).
 * Returns HR_OK whether or not sources are missing (see rep); an hr_code
 * on a database or archive failure. */
int pull_period(sqlite3 *db, const pull_config *cfg, const char *period, int32_t today_days,
                pull_report *rep, hr_error *err);

/* What is in for `period` without looking at the drop folders: a source is
 * in when the manifest holds it or the month has a loaded file of its
 * table (ingested by hand). Fills *rep as pull_period does. */
int pull_state_of(sqlite3 *db, const pull_config *cfg, const char *period, int32_t today_days,
                  pull_report *rep, hr_error *err);
void pull_report_free(pull_report *rep);

/* The report as a table on `out`: SOURCE SYSTEM STATE DETAIL, then nothing
 * else. Then pull_missing_line() writes one line naming every required
 * source not in, with its contact ("" when none is missing). */
void pull_report_print(const pull_report *rep, FILE *out);
void pull_missing_line(const pull_report *rep, char *buf, size_t size);
/* The same in the messages' language (msg.h), for errors and warnings. */
void pull_missing_text(const pull_report *rep, char *buf, size_t size);

/* The newest archived version of each source of `period`, for ingest. */
typedef struct pull_file {
    char *name, *path, *profile_path;
} pull_file;
/* Fills *files (caller frees with pull_files_free) in the config's order
 * of sources (so the department dictionary comes first); sources not in
 * the config are left out. */
int pull_newest_files(sqlite3 *db, const pull_config *cfg, const char *period,
                      pull_file **files, int *n, hr_error *err);
void pull_files_free(pull_file *files, int n);

/* `pull --verify`: checks every archived file of `period` (NULL: all)
 * against the manifest: there, regular, read-only, same size and SHA-256.
 * Prints one line per file (ok / the problem) to out; *bad counts the
 * failures. */
int pull_verify(sqlite3 *db, const char *period, FILE *out, int *bad, hr_error *err);

/* The day, as days since 1970-01-01, a source is due for `period`. */
int32_t pull_expected_days(const pull_source *s, const char *period);

#endif
