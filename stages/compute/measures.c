/*
 * measures.c -- the per-month base aggregates ("measures") of the catalogue.
 *
 * For each loaded month and each measure set of config/indicators.xml, the
 * set's query is run once and its rows (one per department) are stored in
 * ind_measure; every period and scope is later summed from these small
 * rows, never from the large canonical tables again. A set is recomputed
 * only when its fingerprint changes: the sha256 of the month's current
 * source files it reads (and of every month's files for its any_period
 * sources), the month's validation time and authority rows, and the
 * catalogue's own sha256. When one of its sources has no current file for
 * the month the set is stored as missing (ind_measure_state.missing) and its
 * measures are undefined for that month.
 *
 * Two sets are built in: cost_allocation runs costalloc_month() and turns
 * cost_allocation into received amounts per department and level;
 * equipment_devices fills ind_equipment_month (device-days, idle days,
 * capacity, depreciation per device) and sums it per owning department.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/db.h"
#include "../../pipeline/rollup.h"
#include "../../pipeline/strbuf.h"
#include "compute_internal.h"

/* Per device and month. Device-days: days of the month on or after
 * purchase_date. Depreciation: original_value / years / 12 per month,
 * rounded half up to the cent, charged in every month the device is in the
 * ledger from its purchase month on, for years x 12 months. */
static const char equipment_sql[] =
    "INSERT INTO ind_equipment_month (month, equipment_id, dept_code, name_zh, name_en, exams,"
    " device_days, idle_days, capacity, revenue_cents, depreciation_cents, original_value_cents)"
    " WITH b AS (SELECT :month || '-01' AS ms, date(:month || '-01', '+1 month', '-1 day') AS me,"
    "   CAST(substr(:month, 1, 4) AS INTEGER) * 12 + CAST(substr(:month, 6, 2) AS INTEGER) AS mi),"
    " e AS (SELECT q.*, max(q.purchase_date, b.ms) AS first_day,"
    "   CASE WHEN q.purchase_date > b.me THEN 0 ELSE"
    "     CAST(julianday(b.me) - julianday(max(q.purchase_date, b.ms)) AS INTEGER) + 1 END AS dd,"
    "   b.mi - (CAST(substr(q.purchase_date, 1, 4) AS INTEGER) * 12"
    "           + CAST(substr(q.purchase_date, 6, 2) AS INTEGER)) AS age"
    "   FROM equipment q, b WHERE q.period = :month),"
    " u AS (SELECT x.equipment_id, sum(x.exams) AS exams, sum(x.revenue_cents) AS rev,"
    "   count(*) FILTER (WHERE x.exams > 0 AND x.date >= e.first_day) AS active"
    "   FROM equipment_usage x JOIN e ON e.equipment_id = x.equipment_id"
    "   WHERE x.period = :month GROUP BY x.equipment_id)"
    " SELECT :month, e.equipment_id, e.dept_code, e.name_zh, e.name_en, coalesce(u.exams, 0),"
    "   e.dd, max(e.dd - coalesce(u.active, 0), 0), e.daily_capacity * e.dd, coalesce(u.rev, 0),"
    "   CASE WHEN e.dd > 0 AND e.age < e.depreciation_years * 12"
    "     THEN (e.original_value_cents * 2 + e.depreciation_years * 12)"
    "          / (e.depreciation_years * 24) ELSE 0 END,"
    "   e.original_value_cents"
    " FROM e LEFT JOIN u ON u.equipment_id = e.equipment_id";

static const char equipment_dept_sql[] =
    "SELECT dept_code, sum(exams) AS eq_exams, sum(capacity) AS eq_capacity,"
    " sum(device_days) AS eq_device_days, sum(idle_days) AS eq_idle_days,"
    " sum(revenue_cents) AS eq_revenue, sum(depreciation_cents) AS eq_depreciation"
    " FROM ind_equipment_month WHERE month = :month GROUP BY dept_code";

static const char allocation_dept_sql[] =
    "SELECT to_dept, coalesce(sum(amount_cents) FILTER (WHERE level = 1), 0) AS alloc_level1,"
    " coalesce(sum(amount_cents) FILTER (WHERE level = 2), 0) AS alloc_level2,"
    " coalesce(sum(amount_cents) FILTER (WHERE level = 3), 0) AS alloc_level3,"
    " sum(amount_cents) AS alloc_received"
    " FROM cost_allocation WHERE month = :month GROUP BY to_dept";

int ind_month_loaded(sqlite3 *db, int month, hr_error *err)
{
    char label[8];
    int64_t v;
    int rc = db_query_int(db, &v, err,
                          "SELECT 1 FROM period_state WHERE period = ? AND ingested_at IS NOT NULL",
                          period_month_label(month, label), NULL);
    return rc;
}

static int exec_month(sqlite3 *db, const char *sql, const char *month, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(db, sql, err);
}

/* Appends to sb the month's current files of `source` (or of every month). */
static int fingerprint_source(sqlite3 *db, const char *month, const char *source, int any_period,
                              strbuf *sb, int *present, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        any_period ? "SELECT period, sha256 FROM source_file WHERE current = 1 AND source = ?2"
                     " ORDER BY period, file_id"
                   : "SELECT period, sha256 FROM source_file WHERE current = 1 AND source = ?2"
                     " AND period = ?1 ORDER BY file_id",
        err);
    if (!st)
        return err->code;
    if (!any_period)
        sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sb_addf(sb, "%s%s:", source, any_period ? "*" : "");
    *present = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(p, month) == 0)
            *present = 1;
        sb_addf(sb, "%s=%.16s,", p, (const char *)sqlite3_column_text(st, 1));
    }
    sb_addch(sb, ';');
    sqlite3_finalize(st);
    return HR_OK;
}

/* The month's validation time and authority rows. */
static int fingerprint_month(sqlite3 *db, const char *month, strbuf *sb, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT 'v', coalesce(validated_at, '') FROM period_state WHERE period = ?1"
        " UNION ALL SELECT fact, source FROM (SELECT fact, source FROM authority"
        " WHERE period = ?1 ORDER BY fact)",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        sb_addf(sb, "%s=%s;", (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    return HR_OK;
}

static int set_fingerprint(sqlite3 *db, const ind_catalogue *cat, const ind_measure_set *s,
                           const char *month, strbuf *inputs, strbuf *missing, hr_error *err)
{
    sb_addf(inputs, "cat=%.16s;", cat->sha256);
    if (fingerprint_month(db, month, inputs, err))
        return err->code;
    for (int i = 0; i < s->nsources; i++) {
        int present = 0, any = 0;
        for (int a = 0; a < s->nany_period; a++)
            any |= strcmp(s->any_period[a], s->sources[i]) == 0;
        if (fingerprint_source(db, month, s->sources[i], any, inputs, &present, err))
            return err->code;
        if (!present)
            sb_addf(missing, "%s%s", missing->len ? " " : "", s->sources[i]);
    }
    return HR_OK;
}

/* Runs a query whose first column is dept_code and stores the others as
 * the set's measures: by position for SQL sets, by column name for the
 * built-in ones. */
static int store_rows(sqlite3 *db, const ind_catalogue *cat, const ind_measure_set *s,
                      const char *sql, const char *month, hr_error *err)
{
    sqlite3_stmt *q = db_prepare(db, sql, err);
    if (!q)
        return hr_error_locate(err, NULL, 0, s->id), err->code;
    int ncol = sqlite3_column_count(q), map[64];
    if (ncol > 64 || (s->kind == SET_SQL && ncol != 1 + s->nmeasures)) {
        sqlite3_finalize(q);
        return hr_error_set(err, HR_EINPUT, NULL, 0, s->id,
                            "measure set '%s': its query returns %d columns, expected dept_code "
                            "and %d measures",
                            s->id, ncol, s->nmeasures);
    }
    for (int c = 1; c < ncol; c++) {
        map[c] = s->kind == SET_SQL ? s->first_measure + c - 1 : -1;
        for (int m = 0; s->kind != SET_SQL && m < s->nmeasures; m++)
            if (strcmp(cat->measure_ids[s->first_measure + m], sqlite3_column_name(q, c)) == 0)
                map[c] = s->first_measure + m;
    }
    int idx = sqlite3_bind_parameter_index(q, ":month");
    if (idx > 0)
        sqlite3_bind_text(q, idx, month, -1, SQLITE_STATIC);
    sqlite3_stmt *ins = db_prepare(
        db, "INSERT OR REPLACE INTO ind_measure (month, measure, dept_code, value) VALUES (?,?,?,?)",
        err);
    int rc = ins ? HR_OK : err->code, step;
    while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
        for (int c = 1; c < ncol; c++) {
            if (map[c] < 0 || sqlite3_column_type(q, c) == SQLITE_NULL)
                continue;
            sqlite3_bind_text(ins, 1, month, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, cat->measure_ids[map[c]], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, (const char *)sqlite3_column_text(q, 0), -1,
                              SQLITE_TRANSIENT);
            sqlite3_bind_double(ins, 4, sqlite3_column_double(q, c));
            if (sqlite3_step(ins) != SQLITE_DONE)
                rc = db_fail(db, "storing measures", err);
            sqlite3_reset(ins);
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(db, s->id, err);
    sqlite3_finalize(ins);
    sqlite3_finalize(q);
    return rc;
}

static int clear_set(sqlite3 *db, const ind_catalogue *cat, const ind_measure_set *s,
                     const char *month, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, "DELETE FROM ind_measure WHERE month = ? AND measure = ?",
                                  err);
    if (!st)
        return err->code;
    for (int m = 0; m < s->nmeasures; m++) {
        sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, cat->measure_ids[s->first_measure + m], -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (s->kind == SET_EQUIPMENT)
        return exec_month(db, "DELETE FROM ind_equipment_month WHERE month = ?", month, err);
    if (s->kind == SET_COST_ALLOCATION)
        if (exec_month(db, "DELETE FROM cost_allocation WHERE month = ?", month, err) ||
            exec_month(db, "DELETE FROM cost_unallocated WHERE month = ?", month, err) ||
            exec_month(db, "DELETE FROM cost_alloc_warning WHERE month = ?", month, err))
            return err->code;
    return HR_OK;
}

static int compute_set(sqlite3 *db, const ind_catalogue *cat, const ind_measure_set *s,
                       const char *month, hr_error *err)
{
    switch (s->kind) {
    case SET_SQL:
        return store_rows(db, cat, s, s->sql, month, err);
    case SET_EQUIPMENT:
        if (exec_month(db, equipment_sql, month, err))
            return err->code;
        return store_rows(db, cat, s, equipment_dept_sql, month, err);
    case SET_COST_ALLOCATION:
        if (costalloc_month(db, month, err))
            return err->code;
        return store_rows(db, cat, s, allocation_dept_sql, month, err);
    }
    return HR_OK;
}

static int stored_inputs(sqlite3 *db, const char *month, const char *set, strbuf *out,
                         hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db, "SELECT inputs FROM ind_measure_state WHERE month = ? AND measure_set = ?", err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, set, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        sb_addstr(out, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return HR_OK;
}

static int save_state(sqlite3 *db, const char *month, const char *set, const strbuf *inputs,
                      const strbuf *missing, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "INSERT OR REPLACE INTO ind_measure_state (month, measure_set,"
                                  " inputs, missing, computed_at) VALUES (?,?,?,?,?)",
                                  err);
    if (!st)
        return err->code;
    char now[32];
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, set, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, inputs->buf, -1, SQLITE_STATIC);
    if (missing->len)
        sqlite3_bind_text(st, 4, missing->buf, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, db_now(now, sizeof now), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(db, "storing the measure state", err);
}

int ind_measures_refresh_month(sqlite3 *db, const ind_catalogue *cat, int month_index,
                               int *changed, hr_error *err)
{
    char month[8];
    period_month_label(month_index, month);
    strbuf inputs = STRBUF_INIT, missing = STRBUF_INIT, old = STRBUF_INIT;
    int rc = HR_OK, rolled_up = 0;
    for (int i = 0; !rc && i < cat->nsets; i++) {
        const ind_measure_set *s = &cat->sets[i];
        sb_reset(&inputs), sb_reset(&missing), sb_reset(&old);
        rc = set_fingerprint(db, cat, s, month, &inputs, &missing, err);
        if (!rc)
            rc = stored_inputs(db, month, s->id, &old, err);
        if (rc || strcmp(old.buf, inputs.buf) == 0)
            continue;
        *changed = 1;
        rc = clear_set(db, cat, s, month, err);
        if (!rc && !missing.len && s->kind == SET_SQL && !rolled_up++)
            rc = rollup_ensure(db, month, err); /* the catalogue's SQL may read them */
        if (!rc && !missing.len)
            rc = compute_set(db, cat, s, month, err);
        if (!rc)
            rc = save_state(db, month, s->id, &inputs, &missing, err);
    }
    sb_release(&inputs), sb_release(&missing), sb_release(&old);
    return rc;
}
