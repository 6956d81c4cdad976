/*
 * validate_int.h -- the validate stage's internals, shared by its files:
 *
 *   validate_rules.c      reads config/rules/validation.xml (checked against
 *                         config/schema/validation.xsd) and turns each row
 *                         rule into an SQL condition over a canonical table
 *                         and the same check in a form for C
 *   validate_check.c      evaluates those checks in C on the values the one
 *                         pass reads (SQL for what the C form does not cover)
 *   validate_keys.c       the key rules: duplicates found by one streaming
 *                         pass over the key values, in memory bounded
 *                         whatever the month's size
 *   validate_quarantine.c moves the rows that broke an error rule to
 *                         `quarantine`, with the record as stored, patient_key
 *                         masked
 *   validate_pass.c       the one pass over the rows that stayed: the
 *                         outpatient roll-up (validate is its one writer)
 *                         and the per-department counts of the thresholds
 *   validate_handoff.c    the same pass run on the rows ingest stores, while
 *                         it stores them (its rowtap), and what it found
 *                         taken by validate instead of reading the rows
 *   validate_thresholds.c the aggregate warning thresholds (数据预警阈值)
 *   validate.c            the stage itself: runs the rest in one transaction,
 *                         stores the summary, checks the quarantine limit
 *
 * Nothing here is part of the stage's public contract (validate.h).
 */
#ifndef HR_VALIDATE_INT_H
#define HR_VALIDATE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "pipeline/core/digest.h"
#include "pipeline/core/error.h"
#include "pipeline/core/rowtap.h"
#include "pipeline/core/strbuf.h"

/* A row rule as validate_check.c evaluates it in C on the values the scan
 * reads (VC_SQL: not compiled; its SQL condition runs in the scan). Each
 * kind is its SQL condition, value for value; a value whose storage class
 * the C form does not cover (text in an integer column, a non-ASCII
 * period) is judged by the SQL condition for that row. */
typedef enum vc_kind {
    VC_SQL, VC_REQUIRED, VC_ENUM, VC_RANGE, VC_PERIOD, VC_CODE, VC_SUM_LE, VC_COMPARE,
    VC_REFERENCE
} vc_kind;

typedef struct vcheck {
    vc_kind kind;
    char *col;       /* the column checked (sum-le: the total) */
    char *other;     /* compare: the other column */
    char **list;     /* enum: the values; sum-le: the part columns */
    int nlist;
    int has_lo, has_hi, lo_open; /* range */
    double lo, hi;
    int lo_int, hi_int; /* the bound is an integer literal: lo_i, hi_i exactly */
    long long lo_i, hi_i;
    int op;          /* compare: the broken case, 0 >= 1 > 2 <= 3 < 4 <> 5 = */
    int text;        /* compare: both columns TEXT (else both INTEGER) */
    long max_len;    /* code */
    char *ref;       /* reference: dept, equipment, inpatient */
    char *allow;     /* reference: the one value allowed besides; NULL none */
} vcheck;

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
    vcheck check;     /* other rules: the same in C (validate_check.c) */
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

/* A column's value in the current row of the one pass (validate_check.c),
 * read once for the rules, the keys and the counts: its storage class and
 * value (text and blob bytes valid until the next row) -- a value as
 * ingest's rowtap shows it, too. */
typedef rowtap_cell vval;

/* Reads n result columns of st from `first` into out; -1 when out of
 * memory. */
int vval_fill(sqlite3_stmt *st, int first, int n, vval *out);

typedef struct vscan vscan;
/* The place of column `name` of the source in the pass's row, added when
 * new; before vscan_columns(). */
int vscan_column(vscan *v, const char *name);

/* The key rules (validate_keys.c). vkey_begin() for key rule `r` (its
 * order in the rules file: `ord`) over a period of about `rows` rows;
 * vkey_bind() names its columns to the pass; vkey_add() for every row of
 * the period, with the pass's row; vkey_finish() then records every row whose key (no
 * part NULL) an earlier row by (file_id, line_no) already has as a hit in
 * temp.validate_hit naming that first line. Memory is bounded whatever
 * the number of rows: the key hashes go through temporary files in
 * partitions of a fixed size. */
typedef struct vkey vkey;
vkey *vkey_begin(sqlite3 *db, const vrule *r, int ord, long long rows, hr_error *err);
void vkey_bind(vkey *k, vscan *v);
int vkey_add(vkey *k, int64_t rowid, const vval *row, hr_error *err);
int vkey_finish(vkey *k, hr_error *err);
void vkey_free(vkey *k);

/* What validate counts in the same pass (validate_pass.c): the roll-up
 * (rollup.h; validate is its only writer) and the rows per department
 * (and day) for the volume and zero-days thresholds, stored in
 * temp.validate_dept and temp.validate_passed. vpass_begin() returns NULL
 * for a source that needs nothing counted; vpass_bind() names the columns
 * it reads to the pass; vpass_add() counts the pass's current row (weight 1);
 * vpass_take_back() takes out the rows with an error hit (they go to
 * quarantine); vpass_store() stores the counts. */
typedef struct vpass vpass;
int vpass_prepare(sqlite3 *db, hr_error *err);
int vpass_wanted(const vconfig *conf, const char *source);
vpass *vpass_begin(sqlite3 *db, const vconfig *conf, const char *source);
void vpass_bind(vpass *p, vscan *v);
void vpass_add(vpass *p, const vval *row, int weight);
int vpass_take_back(vpass *p, hr_error *err);
int vpass_store(vpass *p, const char *period, hr_error *err);
void vpass_free(vpass *p);

/* The row rules of one source in C (validate_check.c), for the pass of
 * validate.c: vscan_new() for the rules `rules` (indexes into conf->rules,
 * in file order, nrules of them; a rule with is_warning is a warning),
 * with ?1 period, ?2 dept month, ?3 equipment month as the rules' SQL
 * binds them; vscan_columns() appends the columns the pass reads (the
 * rules', then those vscan_column() added) to the SELECT over `t` (from
 * result column `first`) and returns how many; vscan_row() reads the
 * current row (vscan_values()) and judges it: *e = the first error rule it
 * breaks (index into conf->rules) or -1, *w = a bit per warning rule it
 * breaks (bit = its place among the warning rules). */
vscan *vscan_new(sqlite3 *db, const vconfig *conf, const char *source, const int *rules,
                 int nrules, const char *const binds[3], hr_error *err);
int vscan_columns(vscan *v, strbuf *sql, int first);
int vscan_row(vscan *v, sqlite3_stmt *st, int64_t rowid, int *e, int64_t *w, hr_error *err);
/* The same for a row whose values the caller put in vscan_cells() (st
 * NULL: every rule must have its C form, vscan_all_c()). */
int vscan_judge(vscan *v, sqlite3_stmt *st, int64_t rowid, int *e, int64_t *w, hr_error *err);
vval *vscan_cells(vscan *v);
int vscan_ncols(const vscan *v);
const char *vscan_col(const vscan *v, int i);
/* 1 when every rule is judged in C (none needs its SQL condition read as
 * a column of the pass). */
int vscan_all_c(const vscan *v);
/* The reference dictionaries the rules read, into a fingerprint. */
void vscan_digest(const vscan *v, digest_ctx *d);
const vval *vscan_values(const vscan *v);
void vscan_free(vscan *v);
void vcheck_free(vcheck *c);

/* The month's reference data the rules use (dept dictionary, equipment
 * ledger: its own month's, else the latest before; whether it has
 * discharged stays) and whether its absence has been noted yet (note 0:
 * never noted, for a pass that writes nothing of the month, ingest's). */
typedef struct vref {
    const char *period;
    char dept_month[8], equip_month[8];
    int has_stays;
    int warned_dept, warned_equip, warned_stays;
    int note;
} vref;
void vref_init(sqlite3 *db, const char *period, int note, vref *ref);

/* One source's pass (validate.c): its rules, keys and counts over rows
 * that come from the table (validate) or from ingest's rowtap
 * (validate_handoff.c). vsrc_open() sets *out NULL when the source has
 * nothing to judge or count in `rows` rows; vsrc_row() judges the row in
 * vscan_cells(vsrc_scan()); vsrc_finish() then finds the key duplicates and
 * writes every hit to temp.validate_hit. */
typedef struct vsrc vsrc;
int vsrc_open(sqlite3 *db, const vconfig *conf, const char *source, vref *ref, int64_t rows,
              vsrc **out, hr_error *err);
vscan *vsrc_scan(vsrc *S);
int vsrc_row(vsrc *S, int64_t rowid, hr_error *err);
int vsrc_finish(vsrc *S, hr_error *err);
/* Rows seen of file_id (1, *n set) or none (0). */
int vsrc_rows(const vsrc *S, int64_t file_id, int64_t *n);
/* What the judgement depends on besides the rows (hex). */
const char *vsrc_fingerprint(const vsrc *S);
vpass *vsrc_take_pass(vsrc *S);
const char *vsrc_source(const vsrc *S);
const char *vsrc_period(const vsrc *S);
int vsrc_has_pass(const vsrc *S);
/* A new pass of the source with the counts of a vpass_dump(); -1 (S's
 * pass unchanged) when the bytes are not one. */
int vsrc_load_pass(vsrc *S, const void *bytes, size_t n);
/* The rows of the month: n, all of file_id (what a hand-off saw). */
void vsrc_set_rows(vsrc *S, int64_t file_id, int64_t n);
void vsrc_free(vsrc *S);

/* The pass's counts as bytes and back (the hand-off); -1 when the bytes
 * are not a dump of this pass. */
void vpass_dump(const vpass *p, strbuf *out);
int vpass_load(vpass *p, const void *bytes, size_t n);

/* validate_handoff.c: when ingest left a hand-off for the source's
 * current file whose fingerprint and rows are still the table's, its
 * hits go to temp.validate_hit and its counts to S's pass (*taken 1);
 * otherwise nothing (*taken 0). The month's hand-offs are deleted either
 * way. */
int vhandoff_take(sqlite3 *db, vsrc *S, const int64_t range[2], int *taken, hr_error *err);

/* Evaluates the aggregate thresholds into data_warning; sets *count. */
int vthresholds_apply(sqlite3 *db, const vconfig *conf, const char *period, long long *count,
                      hr_error *err);

#endif
