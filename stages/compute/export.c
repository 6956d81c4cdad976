/*
 * export.c -- compute_export(): the stored indicator values as CSV on
 * stdout (spec/CLI.md, export).
 *
 * It only reads what compute_period() materialised (computing first when
 * the period was never computed). Rows: one per scope and indicator, scopes
 * hospital then the departments of the period's dictionary by dept_code,
 * indicators in catalogue order, then budget_execution.X rows. Values at
 * full precision: %.17g, except money flows (money without a denominator),
 * whose value and ytd are printed as exact decimals from integer cents.
 *
 * compute_export_drg_groups(): the DRG group table (044 drg_group) of the
 * period, its columns as stored (integers stay integers: cents, counts)
 * and the means derived from them.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/csv.h"
#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute.h"
#include "stages/compute/compute_internal.h"

void ind_format_cents(int64_t cents, char *buf, unsigned long size)
{
    uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(buf, size, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", a / 100, a % 100);
}

static void put_number(FILE *out, sqlite3_stmt *st, int col, int exact_money)
{
    fputc(',', out);
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return;
    double v = sqlite3_column_double(st, col);
    if (exact_money) {
        char buf[32];
        ind_format_cents(llround(v * 100), buf, sizeof buf);
        fputs(buf, out);
    } else {
        fprintf(out, "%.17g", v == 0 ? 0.0 : v); /* no "-0" */
    }
}

static int export_scope(sqlite3 *db, const char *label, const char *scope, FILE *out,
                        hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT v.indicator, v.value, v.mom, v.yoy, v.ytd, v.ytd_yoy,"
        " coalesce(i.unit = 'money' AND i.is_flow, 0)"
        " FROM indicator_value v LEFT JOIN indicator i ON i.indicator = v.indicator"
        " WHERE v.period = ? AND v.scope = ? ORDER BY coalesce(i.sort_order, 1e9), v.indicator",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int money_flow = sqlite3_column_int(st, 6);
        fprintf(out, "%s,%s,%s", label, scope, (const char *)sqlite3_column_text(st, 0));
        put_number(out, st, 1, money_flow);
        put_number(out, st, 2, 0);
        put_number(out, st, 3, 0);
        put_number(out, st, 4, money_flow);
        put_number(out, st, 5, 0);
        fputc('\n', out);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(db, "reading indicator values", err);
}

/* Departments of the period's dictionary, sorted; caller frees. */
static int period_depts(sqlite3 *db, const period *p, char ***out, int *n, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT DISTINCT dept_code FROM dept WHERE period BETWEEN ? AND ?"
                                  " ORDER BY dept_code",
                                  err);
    if (!st)
        return err->code;
    char a[8], b[8];
    sqlite3_bind_text(st, 1, period_month_label(p->first, a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period_month_label(p->last, b), -1, SQLITE_STATIC);
    *out = NULL;
    *n = 0;
    int cap = 0, rc;
    while (db_row(st, &rc, err)) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *out = xrealloc(*out, (size_t)cap * sizeof(char *));
        }
        (*out)[(*n)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (rc) { /* nothing half read goes back */
        for (int i = 0; i < *n; i++)
            free((*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int compute_export(sqlite3 *db, const char *text, const char *scope, FILE *out, hr_error *err)
{
    period p;
    char label[PERIOD_LABEL_MAX];
    if (period_parse(text, &p, err))
        return err->code;
    period_label(&p, label);
    int64_t done;
    int have = db_query_int(db, &done, err, "SELECT 1 FROM computed_period WHERE period = ?",
                            label, NULL);
    if (have < 0 || (have == 0 && compute_period(db, label, err)))
        return err->code;
    char **depts = NULL;
    int n = 0, rc = period_depts(db, &p, &depts, &n, err);
    if (rc)
        return rc;
    int all = strcmp(scope, "all") == 0, hospital = strcmp(scope, "hospital") == 0, found = 0;
    for (int i = 0; i < n && !all && !hospital; i++)
        found |= strcmp(depts[i], scope) == 0;
    if (!all && !hospital && !found)
        rc = hr_error_set(err, HR_EUSAGE, NULL, 0, "--scope",
                          "'%s' is not a department of %s: use hospital, all or a dept_code "
                          "of the period's dictionary",
                          scope, label);
    if (!rc)
        fputs("period,scope,indicator,value,mom,yoy,ytd,ytd_yoy\n", out);
    if (!rc && (all || hospital))
        rc = export_scope(db, label, "hospital", out, err);
    for (int i = 0; !rc && i < n; i++)
        if (all || strcmp(depts[i], scope) == 0)
            rc = export_scope(db, label, depts[i], out, err);
    for (int i = 0; i < n; i++)
        free(depts[i]);
    free(depts);
    if (!rc && ferror(out))
        rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot write the export");
    return rc;
}

int compute_export_drg_groups(sqlite3 *db, const char *text, const char *scope, FILE *out,
                              hr_error *err)
{
    period p;
    char label[PERIOD_LABEL_MAX];
    if (period_parse(text, &p, err))
        return err->code;
    period_label(&p, label);
    int64_t one = 0;
    int have = db_query_int(db, &one, err, "SELECT 1 FROM computed_period WHERE period = ?",
                            label, NULL);
    if (have < 0)
        return err->code;
    if (have == 0)
        return hr_error_set(err, HR_EINPUT, NULL, 0, "--period",
                            "%s has not been computed: 'hospreport compute --period %s' first",
                            label, label);
    int all = strcmp(scope, "all") == 0, hospital = strcmp(scope, "hospital") == 0;
    if (!all && !hospital) {
        int64_t known = 0;
        char a[8], b[8];
        if (db_query_int(db, &known, err,
                         "SELECT 1 FROM dept WHERE dept_code = ? AND period BETWEEN ? AND ?",
                         scope, period_month_label(p.first, a), period_month_label(p.last, b),
                         NULL) < 0)
            return err->code;
        if (!known)
            return hr_error_set(err, HR_EUSAGE, NULL, 0, "--scope",
                                "'%s' is not a department of %s: use hospital, all or a "
                                "dept_code of the period's dictionary",
                                scope, label);
    }
    static const char *const cols[] = {
        "period", "scope", "drg_code", "drg_name", "stays", "weight", "cmi_contribution",
        "los_days", "benched_stays", "bench_los_sum", "cost_cents", "bench_cost_sum_cents",
        "paid_stays", "payment_cents", "paid_cost_cents", "balance_cents", "deaths", "low_risk",
        "mean_los", "bench_mean_los", "mean_cost_cents", "bench_mean_cost_cents"};
    enum { NCOLS = sizeof cols / sizeof *cols };
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT period, scope, drg_code, drg_name, stays, weight, cmi_contribution, los_days,"
        " benched_stays, bench_los_sum, cost_cents, bench_cost_sum_cents, paid_stays,"
        " payment_cents, paid_cost_cents, balance_cents, deaths, low_risk,"
        " CAST(los_days AS REAL) / nullif(stays, 0), bench_los_sum / nullif(benched_stays, 0),"
        " CAST(cost_cents AS REAL) / nullif(stays, 0),"
        " CAST(bench_cost_sum_cents AS REAL) / nullif(benched_stays, 0)"
        " FROM drg_group WHERE period = ?1 AND (?2 = 'all' OR scope = ?2)"
        " ORDER BY scope <> 'hospital', scope, drg_code",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    for (int i = 0; i < NCOLS; i++)
        fprintf(out, "%s%s", i ? "," : "", cols[i]);
    fputc('\n', out);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < NCOLS; i++) {
            if (i)
                fputc(',', out);
            int type = sqlite3_column_type(st, i);
            if (type == SQLITE_NULL)
                continue;
            if (type == SQLITE_INTEGER)
                fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
            else if (type == SQLITE_FLOAT) {
                double v = sqlite3_column_double(st, i);
                fprintf(out, "%.17g", v == 0 ? 0.0 : v);
            } else {
                /* a code or a name: quoted when it holds a comma, a quote or a line break */
                csv_put_field(out, (const char *)sqlite3_column_text(st, i));
            }
        }
        fputc('\n', out);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading the DRG group table", err);
    if (ferror(out))
        return hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot write the export");
    return HR_OK;
}
