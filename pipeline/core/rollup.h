/*
 * rollup.h -- roll-ups of the large canonical tables (schema 003_rollup).
 *
 * A roll-up keeps, per month and per value of a few low-cardinality
 * columns (department, visit type), the row count and the sum and
 * non-NULL count of some integer columns. Compute reads it instead of the
 * table: a month of outpatient visits is half a million rows, its roll-up
 * a few hundred.
 *
 * It stays exact because every writer of the table keeps it: ingest
 * accumulates it in memory while it loads a file (rollup_acc) and stores
 * it with the rows, in the same transaction; ingest drops it with the
 * rows it replaces (rollup_forget); validate subtracts each row before it
 * moves it to quarantine (rollup_remove_row). rollup_state marks the
 * months whose roll-up is complete; rollup_ensure() rolls up from the
 * table any month that has rows and no mark (a database loaded by an
 * older hospreport, rows written by hand).
 */
#ifndef HR_ROLLUP_H
#define HR_ROLLUP_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/error.h"

#define ROLLUP_MAX_GROUP 4
#define ROLLUP_MAX_SUM 8

typedef struct rollup_spec {
    const char *source; /* canonical table */
    const char *table;  /* its roll-up table */
    int ngroup;
    const char *group[ROLLUP_MAX_GROUP]; /* text columns grouped by, besides period */
    int nsum;
    const char *sum[ROLLUP_MAX_SUM]; /* integer columns: <col> and <col>_n */
} rollup_spec;

/* The roll-up of a canonical table, or NULL when it has none. */
const rollup_spec *rollup_find(const char *source);

/* ---- accumulating while loading (ingest) ---- */

typedef struct rollup_acc rollup_acc;

rollup_acc *rollup_acc_new(const rollup_spec *spec);
void rollup_acc_free(rollup_acc *a);
/* One row: its group values (NULL = SQL NULL) with their lengths, and its
 * sum values (present[i] 0 = SQL NULL). */
void rollup_acc_add(rollup_acc *a, const char *const *group, const size_t *group_len,
                    const int64_t *sum, const unsigned char *present);
/* Replaces the roll-up of (spec->source, period) with what was added and
 * marks it complete. Inside the caller's transaction. When a sum passed
 * 64 bits (amounts no hospital has: validate quarantines them), it only
 * drops the old roll-up: the month is rolled up from its rows later. */
int rollup_acc_store(rollup_acc *a, sqlite3 *db, const char *period, hr_error *err);

/* ---- keeping it exact ---- */

/* Drops the roll-up of (source, period) and its mark; no-op for a source
 * without roll-up. Call when the period's rows are deleted. */
int rollup_forget(sqlite3 *db, const char *source, const char *period, hr_error *err);
/* Subtracts the row `rowid` of the source's table (still there) from its
 * roll-up; no-op for a source without roll-up. Call before deleting it. */
int rollup_remove_row(sqlite3 *db, const char *source, sqlite3_int64 rowid, hr_error *err);
/* Makes sure every roll-up of `period` is complete: a (source, period)
 * without mark is rolled up from the table's rows and marked; *rebuilt
 * (may be NULL) tells whether one was. */
int rollup_ensure(sqlite3 *db, const char *period, int *rebuilt, hr_error *err);

#endif
