/*
 * rollup.h -- roll-ups of the large canonical tables (schema 003_rollup,
 * 024_rollup_owner).
 *
 * A roll-up keeps, per month and per value of a few low-cardinality
 * columns (department, visit type), the row count and the sum and
 * non-NULL count of some integer columns. Compute reads it instead of the
 * table: a month of outpatient visits is half a million rows, its roll-up
 * a few hundred.
 *
 * One writer: the validate stage. After it has moved a month's bad rows to
 * quarantine, its one pass over the rows that stayed accumulates the
 * roll-up (rollup_acc) and stores it with the file_id of the source's
 * current file (rollup_acc_store); nothing else writes outpatient_rollup or
 * rollup_state. A roll-up is current while that file is still the
 * month's current file: a file loaded again (ingest) or rows never
 * validated leave the month without a current roll-up, and a reader that
 * needs one anyway (compute on a month loaded but not validated, rows
 * written by hand in tests) rolls the rows up into a TEMP table of its own
 * connection (rollup_shadow), which shadows the shared table for that
 * connection only and is gone when it closes.
 */
#ifndef HR_ROLLUP_H
#define HR_ROLLUP_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/error.h"
#include "pipeline/core/strbuf.h"

#define ROLLUP_MAX_GROUP 4
#define ROLLUP_MAX_SUM 8 /* summed columns and flags together */
#define ROLLUP_MAX_FLAG 4

typedef struct rollup_spec {
    const char *source; /* canonical table */
    const char *table;  /* its roll-up table */
    int ngroup;
    const char *group[ROLLUP_MAX_GROUP]; /* text columns grouped by, besides period */
    int nsum;
    const char *sum[ROLLUP_MAX_SUM]; /* integer columns: <col> and <col>_n */
    int nflag;
    /* Y/N columns: <col>_y the rows with 'Y', <col>_n the rows where the
     * column is not NULL. The accumulator takes a flag as one more summed
     * value after the nsum sums: 1 for 'Y', 0 for any other value,
     * present when not NULL. */
    const char *flag[ROLLUP_MAX_FLAG];
} rollup_spec;

/* The roll-up of a canonical table, or NULL when it has none. */
const rollup_spec *rollup_find(const char *source);
/* The i-th roll-up (0, 1, ...), NULL past the last. */
const rollup_spec *rollup_spec_at(int i);

/* ---- accumulating the rows that stayed (validate, the one writer) ---- */

typedef struct rollup_acc rollup_acc;

rollup_acc *rollup_acc_new(const rollup_spec *spec);
void rollup_acc_free(rollup_acc *a);
/* One row: its group values (NULL = SQL NULL) with their lengths, and its
 * nsum + nflag sum values (present[i] 0 = SQL NULL; a flag as 1 or 0). */
void rollup_acc_add(rollup_acc *a, const char *const *group, const size_t *group_len,
                    const int64_t *sum, const unsigned char *present);
/* Takes back a row added before (one that goes to quarantine after all). */
void rollup_acc_remove(rollup_acc *a, const char *const *group, const size_t *group_len,
                       const int64_t *sum, const unsigned char *present);
/* Replaces the roll-up of (spec->source, period) with what was added and
 * marks it current for the source's file `file_id` (0: the rows have no
 * file, e.g. written by hand). Inside the caller's transaction. Only the
 * validate stage calls this. When a sum passed 64 bits (amounts no
 * hospital has: validate quarantines them), it only drops the old
 * roll-up: readers roll the month up from its rows. */
int rollup_acc_store(rollup_acc *a, sqlite3 *db, const char *period, sqlite3_int64 file_id,
                     hr_error *err);

/* The accumulator as bytes (appended to *out), and back: what validate
 * counted while ingest loaded the rows (its hand-off) is the same
 * accumulator when validate picks it up. rollup_acc_load() returns NULL
 * when the bytes are not a dump of the spec's accumulator. */
void rollup_acc_dump(const rollup_acc *a, strbuf *out);
rollup_acc *rollup_acc_load(const rollup_spec *spec, const void *bytes, size_t n);

/* ---- reading it ---- */

/* 1 when the roll-up of (s->source, period) is current (stored by
 * validate from the rows of the month's current file), 0 when not, -1 on
 * error (err set). */
int rollup_current(sqlite3 *db, const rollup_spec *s, const char *period, hr_error *err);
/* For a reader that must see `period` rolled up although its roll-up is
 * not current: rolls the month's rows up into temp.<table> of this
 * connection (made on first use as a copy of the current shared roll-ups),
 * which shadows the shared table for this connection's unqualified reads.
 * Writes nothing another connection sees. *shadowed (may be NULL) tells
 * whether a month had to be. */
int rollup_shadow(sqlite3 *db, const char *period, int *shadowed, hr_error *err);
/* Drops this connection's shadows (when the reader is done). */
void rollup_shadow_drop(sqlite3 *db);

#endif
