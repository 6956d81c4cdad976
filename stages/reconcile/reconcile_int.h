/*
 * reconcile_int.h -- the reconcile stage's internals:
 *
 *   reconcile_rules.c  reads config/rules/reconcile.xml (checked against
 *                      config/schema/reconcile.xsd) into rrule values,
 *                      resolving every field to a column of its table
 *   reconcile.c        the stage: evaluates each rule over the month into
 *                      reconcile_result / reconcile_record, writes the CSVs,
 *                      the authority choices and period_state
 *
 * Not part of the public contract (reconcile.h).
 */
#ifndef HR_RECONCILE_INT_H
#define HR_RECONCILE_INT_H

#include <sqlite3.h>

#include "pipeline/core/error.h"

enum rrule_kind { RK_RECORDS, RK_AGGREGATE, RK_WITHIN, RK_COVERAGE };

/* One side's term: count(*) of a table or Σ of a column, per dept_code. */
typedef struct rterm {
    char source[64];
    char column[80]; /* "" for count */
} rterm;

#define RR_MAX_TERMS 8
#define RR_MAX_COMPARE 8

typedef struct rrule {
    char id[64];
    int kind;
    int blocking;            /* 1 blocking, 0 warning */
    int is_amount;           /* aggregate level amount (cents) */
    double tolerance_abs;    /* rows, record differences, or cents */
    double tolerance_percent;/* of |b| */
    char fact[32], authority[32]; /* "" when the rule names none */
    /* aggregate */
    rterm a[RR_MAX_TERMS], b[RR_MAX_TERMS];
    int na, nb;
    /* records: a, b, key, dept, compare */
    char src_a[64], src_b[64], key[80], dept[80];
    char compare[RR_MAX_COMPARE][80];
    int ncompare;
    /* within: src_a = subject, key, date, link; src_b = range source,
     * range_key, from, to. coverage: src_a = the covering source (drg),
     * src_b = the rows it should cover (inpatient), key in both, dept of
     * src_b */
    char date[80], link[80], range_key[80], from[80], to[80];
} rrule;

typedef struct rconfig {
    rrule *rules;
    int nrules;
} rconfig;

/* Loads and checks the rules file (schema: <rules dir>/../schema/
 * reconcile.xsd) and resolves its fields against the tables of db. */
int rconfig_load(sqlite3 *db, const char *path, rconfig *out, hr_error *err);
void rconfig_free(rconfig *conf);

#endif
