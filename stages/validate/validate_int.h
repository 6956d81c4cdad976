/*
 * validate_int.h -- the validate stage's internals, shared by its files:
 *
 *   validate_rules.c      reads config/rules/validation.xml (checked against
 *                         config/schema/validation.xsd) and turns each row
 *                         rule into one SQL statement over a canonical table
 *   validate_keys.c       the key rules: duplicates found by one streaming
 *                         pass over the key values, in memory bounded
 *                         whatever the month's size
 *   validate_quarantine.c moves the rows that broke an error rule to
 *                         `quarantine`, with the record as stored, patient_key
 *                         masked
 *   validate_pass.c       the one pass over the rows that stayed: the
 *                         outpatient roll-up (validate is its one writer)
 *                         and the per-department counts of the thresholds
 *   validate_thresholds.c the aggregate warning thresholds (数据预警阈值)
 *   validate.c            the stage itself: runs the rest in one transaction,
 *                         stores the summary, checks the quarantine limit
 *
 * Nothing here is part of the stage's public contract (validate.h).
 */
#ifndef HR_VALIDATE_INT_H
#define HR_VALIDATE_INT_H

#include <sqlite3.h>

#include "pipeline/core/error.h"
#include "pipeline/core/strbuf.h"

/* One row rule, compiled to SQL over its canonical table, aliased `t`, with
 * ?1 = the period, ?2 = the month of the department dictionary to use,
 * ?3 = the month of the equipment ledger to use. A key rule names its
 * columns (`key_cols`, checked by validate_keys.c); every other rule is a
 * condition (`cond`, true when the row breaks it) and a message
 * expression, which validate.c merges into one pass per table. */
typedef struct vrule {
    char *source;     /* canonical table, e.g. "outpatient" */
    char *field;      /* field as in the export, e.g. "total_fee" */
    char *rule;       /* required range enum reference key cross period */
    int is_warning;   /* 1: keeps the row, recorded in row_warning */
    int needs_dept;   /* uses the department dictionary (?2) */
    int needs_equip;  /* uses the equipment ledger (?3) */
    int needs_stays;  /* uses the month's discharged stays (inpatient, ?1) */
    char *key_cols;   /* key rules: the columns, "a, b"; else NULL */
    char *key_shown;  /* key rules: the fields as the export names them, "a, b" */
    int nkey;         /* key rules: how many columns */
    char *cond;       /* other rules: the broken case */
    char *message;    /* other rules: the message, an SQL expression */
    char *message_zh; /* the same in Chinese (its format from the catalog) */
} vrule;

typedef struct vthreshold {
    char *kind;          /* volume, zero_days, census_overfull */
    char *source;        /* canonical table */
    char *date_column;   /* zero_days: the date or datetime column */
    double band_percent; /* volume: largest accepted change */
    double min_base;     /* volume: smallest base compared */
    double min_daily;    /* zero_days: mean rows a day that makes zeros odd */
    double min_zero_days;/* zero_days: zero days that raise the warning */
    double max_percent;  /* census_overfull: occupied / open beds, percent */
    double min_open_beds;/* census_overfull: smaller wards are not judged */
} vthreshold;

/* The whole rules file. Owned by the caller; vconfig_free() frees it. */
typedef struct vconfig {
    double limit_percent; /* largest quarantined share of a file, percent */
    vrule *rules;
    int nrules;
    vthreshold *thresholds;
    int nthresholds;
} vconfig;

/* Loads and checks the rules file against its schema (the .xsd of the same
 * name in ../schema/ next to the rules folder), then compiles every rule
 * against the tables of `db` (unknown sources or fields are errors naming
 * the rules file and line). */
int vconfig_load(sqlite3 *db, const char *path, vconfig *out, hr_error *err);
void vconfig_free(vconfig *conf);

/* Creates (or empties) temp.validate_hit. */
int vhit_prepare(sqlite3 *db, hr_error *err);

/* Moves every row with an error hit to quarantine (one quarantine row per
 * table row: the first rule it broke, in rules-file order) and records
 * warning hits of kept rows in row_warning. Sets *quarantined. */
int vquarantine_apply(sqlite3 *db, const char *period, long long *quarantined, hr_error *err);

/* A rule's message expression (SQL printf of a catalog format, or a quoted
 * text) with the format in Chinese; malloc'd. */
char *vmessage_zh(const char *message);

/* What a quarantined record, a message or a CSV shows in place of a
 * patient identifier (the patient_key field). */
#define VQUARANTINE_MASK "***"

/* The record text for a table row from its stored values: a CSV record of
 * the table's fields in order (money in CNY), patient_key masked. Caller
 * frees. */
char *vquarantine_rebuild_raw(sqlite3 *db, const char *table, long long rowid);

/* The key rules (validate_keys.c). vkey_begin() for key rule `r` (its
 * order in the rules file: `ord`) over a period of about `rows` rows;
 * vkey_add() for every row of the period, its key in the r->nkey columns
 * from `col` of `st`; vkey_finish() then records every row whose key (no
 * part NULL) an earlier row by (file_id, line_no) already has as a hit in
 * temp.validate_hit naming that first line. Memory is bounded whatever
 * the number of rows: the key hashes go through temporary files in
 * partitions of a fixed size. */
typedef struct vkey vkey;
vkey *vkey_begin(sqlite3 *db, const vrule *r, int ord, long long rows, hr_error *err);
int vkey_add(vkey *k, sqlite3_stmt *st, int col, hr_error *err);
int vkey_finish(vkey *k, hr_error *err);
void vkey_free(vkey *k);

/* What validate counts in the same pass (validate_pass.c): the roll-up
 * (rollup.h; validate is its only writer) and the rows per department
 * (and day) for the volume and zero-days thresholds, stored in
 * temp.validate_dept and temp.validate_passed. vpass_begin() returns NULL
 * for a source that needs nothing counted; vpass_columns() appends the
 * columns it reads to a SELECT over `t` and returns how many;
 * vpass_add() counts the current row from column `col` (weight 1);
 * vpass_take_back() takes out the rows with an error hit (they go to
 * quarantine); vpass_store() stores the counts. */
typedef struct vpass vpass;
int vpass_prepare(sqlite3 *db, hr_error *err);
int vpass_wanted(const vconfig *conf, const char *source);
vpass *vpass_begin(sqlite3 *db, const vconfig *conf, const char *source);
int vpass_columns(const vpass *p, strbuf *sql);
void vpass_add(vpass *p, sqlite3_stmt *st, int col, int weight);
int vpass_take_back(vpass *p, hr_error *err);
int vpass_store(vpass *p, const char *period, hr_error *err);
void vpass_free(vpass *p);

/* Evaluates the aggregate thresholds into data_warning; sets *count. */
int vthresholds_apply(sqlite3 *db, const vconfig *conf, const char *period, long long *count,
                      hr_error *err);

#endif
