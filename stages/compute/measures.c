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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/rollup.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute_internal.h"

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

/* The drg_groups set: drgmonth.c fills ind_drg_month for the month (per
 * department and DRG group), then its rows are summed per department. */
static const char drg_dept_sql[] =
    "SELECT dept_code, sum(stays) AS drg_cases, sum(weight) AS drg_weight,"
    " sum(benched_stays) AS drg_benched, sum(los_index_sum) AS drg_los_index_sum,"
    " sum(cost_index_sum) AS drg_cost_index_sum, sum(low_risk) AS drg_low_risk,"
    " sum(low_risk_deaths) AS drg_low_risk_died, sum(deaths) AS drg_died,"
    " sum(paid_stays) AS drg_paid_stays, sum(payment_cents - paid_cost_cents) AS drg_balance"
    " FROM ind_drg_month WHERE month = :month GROUP BY dept_code";

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
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(p, month) == 0)
            *present = 1;
        sb_addf(sb, "%s=%.16s,", p, (const char *)sqlite3_column_text(st, 1));
    }
    sb_addch(sb, ';');
    sqlite3_finalize(st);
    return rc;
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
    int rc = HR_OK;
    while (db_row(st, &rc, err))
        sb_addf(sb, "%s=%s;", (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    return rc;
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
    for (int i = 0; i < s->noptional; i++) {
        int present = 0, any = 0;
        for (int a = 0; a < s->nany_period; a++)
            any |= strcmp(s->any_period[a], s->optional[i]) == 0;
        if (fingerprint_source(db, month, s->optional[i], any, inputs, &present, err))
            return err->code;
    }
    return HR_OK;
}

/* A query's rows in memory: (department, measure index, value) triples,
 * in the query's order; for a distinct set (department, key) pairs. */
typedef struct set_rows {
    int n, cap;
    char **dept;
    int *measure;
    double *value;
    char **key; /* distinct sets: the key of each row, else NULL */
} set_rows;

static char *copy_text(const char *t)
{
    size_t len = strlen(t) + 1;
    return memcpy(xrealloc(NULL, len), t, len);
}

static void rows_add(set_rows *r, const char *dept, int measure, double value)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->dept = xrealloc(r->dept, (size_t)r->cap * sizeof *r->dept);
        r->measure = xrealloc(r->measure, (size_t)r->cap * sizeof *r->measure);
        r->value = xrealloc(r->value, (size_t)r->cap * sizeof *r->value);
        r->key = xrealloc(r->key, (size_t)r->cap * sizeof *r->key);
    }
    r->dept[r->n] = copy_text(dept);
    r->measure[r->n] = measure;
    r->key[r->n] = NULL;
    r->value[r->n++] = value;
}

static void rows_free(set_rows *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->dept[i]), free(r->key[i]);
    free(r->dept), free(r->measure), free(r->value), free(r->key);
    memset(r, 0, sizeof *r);
}

/* Runs a query whose first column is dept_code and keeps the others as
 * the set's measures: by position for SQL sets, by column name for the
 * built-in ones. NULLs are left out. Uses only `db`, so that it can run on
 * a reader connection of its own. */
static int collect_rows(sqlite3 *db, const ind_catalogue *cat, const ind_measure_set *s,
                        const char *sql, const char *month, set_rows *out, hr_error *err)
{
    sqlite3_stmt *q = db_prepare(db, sql, err);
    if (!q)
        return hr_error_locate(err, s->file, s->line, s->id), err->code;
    if (!sqlite3_stmt_readonly(q)) {
        sqlite3_finalize(q);
        return hr_error_set(err, HR_EINPUT, s->file, s->line, s->id,
                            "measure set '%s': its query writes to the database; a measure "
                            "set may only read (one SELECT)",
                            s->id);
    }
    int ncol = sqlite3_column_count(q), map[64];
    if (s->kind == SET_DISTINCT && ncol != 2) {
        sqlite3_finalize(q);
        return hr_error_set(err, HR_EINPUT, s->file, s->line, s->id,
                            "measure set '%s' of kind distinct: its query returns %d columns, "
                            "expected dept_code and the key",
                            s->id, ncol);
    }
    if (ncol > 64 || (s->kind == SET_SQL && ncol != 1 + s->nmeasures)) {
        sqlite3_finalize(q);
        return hr_error_set(err, HR_EINPUT, s->file, s->line, s->id,
                            "measure set '%s': its query returns %d columns, expected dept_code "
                            "and %d measures",
                            s->id, ncol, s->nmeasures);
    }
    for (int c = 1; c < ncol; c++) {
        map[c] = s->kind == SET_SQL ? s->first_measure + c - 1 : -1;
        for (int m = 0; s->kind != SET_SQL && s->kind != SET_DISTINCT && m < s->nmeasures; m++)
            if (strcmp(cat->measure_ids[s->first_measure + m], sqlite3_column_name(q, c)) == 0)
                map[c] = s->first_measure + m;
    }
    int idx = sqlite3_bind_parameter_index(q, ":month");
    if (idx > 0)
        sqlite3_bind_text(q, idx, month, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *dept = (const char *)sqlite3_column_text(q, 0);
        if (s->kind == SET_DISTINCT) {
            const char *key = (const char *)sqlite3_column_text(q, 1);
            if (key) {
                rows_add(out, dept ? dept : "", s->first_measure, 0);
                out->key[out->n - 1] = copy_text(key);
            }
            continue;
        }
        for (int c = 1; c < ncol; c++)
            if (map[c] >= 0 && sqlite3_column_type(q, c) != SQLITE_NULL)
                rows_add(out, dept ? dept : "", map[c], sqlite3_column_double(q, c));
    }
    int rc = HR_OK;
    if (step != SQLITE_DONE) {
        /* SUM() of integers that pass 64 bits stops with "integer
         * overflow": say where, and what it means. */
        const char *msg = sqlite3_errmsg(db);
        int overflow = strstr(msg, "integer overflow") != NULL;
        rc = hr_error_set(err, overflow ? HR_EINPUT : HR_EFAIL, s->file, s->line, s->id,
                          "measure set '%s', month %s: %s%s", s->id, month, msg,
                          overflow ? " (a sum passed 64 bits: amounts far beyond any real "
                                     "one; validate quarantines those beyond money-limit)"
                                   : "");
    }
    sqlite3_finalize(q);
    return rc;
}

/* The main connection's inserts into ind_measure and ind_distinct, in
 * batches (rowbatch.c) opened once per refresh; every store flushes its
 * rows before it returns. */
typedef struct measure_store {
    sqlite3 *db;
    const ind_catalogue *cat;
    row_batch *values, *keys;
} measure_store;

/* A distinct set's keys into ind_distinct, and the month's count per
 * department into ind_measure. */
static int store_keys(measure_store *ms, const char *month, const set_rows *r, hr_error *err)
{
    sqlite3 *db = ms->db;
    const ind_catalogue *cat = ms->cat;
    if (!ms->keys)
        ms->keys = rb_open(db, "INSERT OR IGNORE", "ind_distinct (month, measure, dept_code, key)",
                           4, "storing distinct keys", err);
    row_batch *ins = ms->keys;
    if (!ins)
        return err->code;
    int rc = HR_OK;
    const char *measure = NULL;
    for (int i = 0; i < r->n && !rc; i++) {
        measure = cat->measure_ids[r->measure[i]];
        rb_text(ins, 1, month);
        rb_text(ins, 2, measure);
        rb_text(ins, 3, r->dept[i]);
        rb_text(ins, 4, r->key[i]);
        rc = rb_row(ins, err);
    }
    if (!rc)
        rc = rb_flush(ins, err);
    if (!rc && measure)
        rc = db_exec_args(db, err,
                          "INSERT OR REPLACE INTO ind_measure (month, measure, dept_code, value)"
                          " SELECT month, measure, dept_code, count(*) FROM ind_distinct"
                          " WHERE month = ?1 AND measure = ?2 GROUP BY dept_code",
                          month, measure, NULL);
    return rc;
}

static int store_collected(measure_store *ms, const char *month, const set_rows *r,
                           hr_error *err)
{
    if (r->n && r->key[0])
        return store_keys(ms, month, r, err);
    if (!ms->values)
        ms->values = rb_open(ms->db, "INSERT OR REPLACE",
                             "ind_measure (month, measure, dept_code, value)", 4,
                             "storing measures", err);
    row_batch *ins = ms->values;
    if (!ins)
        return err->code;
    const ind_catalogue *cat = ms->cat;
    int rc = HR_OK;
    for (int i = 0; i < r->n && !rc; i++) {
        rb_text(ins, 1, month);
        rb_text(ins, 2, cat->measure_ids[r->measure[i]]);
        rb_text(ins, 3, r->dept[i]);
        rb_double(ins, 4, r->value[i]);
        rc = rb_row(ins, err);
    }
    if (!rc)
        rc = rb_flush(ins, err);
    return rc;
}

static int store_rows(measure_store *ms, const ind_measure_set *s, const char *sql,
                      const char *month, hr_error *err)
{
    set_rows r = {0};
    int rc = collect_rows(ms->db, ms->cat, s, sql, month, &r, err);
    if (!rc)
        rc = store_collected(ms, month, &r, err);
    rows_free(&r);
    return rc;
}

static int clear_set(sqlite3 *db, const ind_catalogue *cat, const ind_measure_set *s,
                     const char *month, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, "DELETE FROM ind_measure WHERE month = ? AND measure = ?",
                                  err);
    if (!st)
        return err->code;
    int rc = HR_OK;
    for (int m = 0; m < s->nmeasures && !rc; m++) {
        sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, cat->measure_ids[s->first_measure + m], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "clearing measures", err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (s->kind == SET_EQUIPMENT)
        return db_exec_args(db, err, "DELETE FROM ind_equipment_month WHERE month = ?", month, NULL);
    if (s->kind == SET_DRG)
        return db_exec_args(db, err, "DELETE FROM ind_drg_month WHERE month = ?", month, NULL);
    if (s->kind == SET_DISTINCT)
        return db_exec_args(db, err, "DELETE FROM ind_distinct WHERE month = ? AND measure = ?",
                            month, cat->measure_ids[s->first_measure], NULL);
    if (s->kind == SET_COST_ALLOCATION)
        return costalloc_clear_month(db, month, err);
    return HR_OK;
}

static int compute_set(measure_store *ms, const ind_measure_set *s, const char *month,
                       hr_error *err)
{
    sqlite3 *db = ms->db;
    switch (s->kind) {
    case SET_SQL:
    case SET_DISTINCT:
        return store_rows(ms, s, s->sql, month, err);
    case SET_DRG:
        if (drg_month_build(db, month, err))
            return err->code;
        return store_rows(ms, s, drg_dept_sql, month, err);
    case SET_EQUIPMENT:
        if (db_exec_args(db, err, equipment_sql, month, NULL))
            return err->code;
        return store_rows(ms, s, equipment_dept_sql, month, err);
    case SET_COST_ALLOCATION:
        if (costalloc_month(db, month, err))
            return err->code;
        return store_rows(ms, s, allocation_dept_sql, month, err);
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

/* ---- bringing a range of months up to date ---- */

/* A stale (month, set): its new fingerprint and, for a set read on a
 * reader connection, what it read: an SQL set's rows, the DRG groups. */
typedef struct set_job {
    char month[8];
    const ind_measure_set *set;
    strbuf inputs, missing;
    int parallel; /* an SQL set reading committed tables only, or the DRG join */
    set_rows rows;
    drg_month *drg;
    int rc;
    hr_error err;
} set_job;

typedef struct job_queue {
    const ind_catalogue *cat;
    set_job *jobs;
    int njobs, next;
    pthread_mutex_t mu;
    const char *path;
} job_queue;

static set_job *take_job(job_queue *q)
{
    set_job *j = NULL;
    pthread_mutex_lock(&q->mu);
    while (!j && q->next < q->njobs)
        if (q->jobs[q->next++].parallel)
            j = &q->jobs[q->next - 1];
    pthread_mutex_unlock(&q->mu);
    return j;
}

static void run_jobs(job_queue *q, sqlite3 *db)
{
    set_job *j;
    while ((j = take_job(q)) != NULL) {
        hr_error_clear(&j->err);
        if (j->set->kind == SET_DRG)
            j->rc = drg_month_join(db, j->month, &j->drg, &j->err);
        else
            j->rc = collect_rows(db, q->cat, j->set, j->set->sql, j->month, &j->rows, &j->err);
    }
}

/* A reader thread: its own read-only connection sees what was committed
 * before compute began (WAL), which is all an SQL set reads. If it cannot
 * open one, the main thread is left the jobs. */
static void *reader_main(void *arg)
{
    job_queue *q = arg;
    sqlite3 *db = db_open_reader(q->path);
    if (db)
        run_jobs(q, db);
    db_close(db);
    return NULL;
}

/* Reader threads besides the main one: a core each (at most 4 in all),
 * HOSPREPORT_JOBS to override, none for an in-memory database. */
static int reader_threads(sqlite3 *db, int njobs)
{
    const char *path = sqlite3_db_filename(db, "main");
    if (!path || !*path || njobs < 2)
        return 0;
    int n = paths_jobs();
    return n - 1 < njobs ? n - 1 : njobs - 1;
}

/* 1 when sql names a table compute writes (its own results, the cost
 * allocation, the equipment table): such a set must run on the writing
 * connection, which sees what this compute has written so far. Whole
 * words, any case; a false alarm only costs the parallelism. */
static int reads_compute_tables(const char *sql)
{
    static const char *const own[] = {
        "indicator", "indicator_value", "contribution", "contribution_role", "computed_period",
        "cost_allocation",
        "cost_unallocated", "cost_alloc_warning", "operating_statement", "equipment_benefit",
        "ind_measure", "ind_measure_state", "ind_equipment_month", "ind_distinct",
        "ind_drg_month", "drg_group", "guokao_item"};
#define WORD(ch) (((ch) >= 'a' && (ch) <= 'z') || ((ch) >= 'A' && (ch) <= 'Z') || \
                  ((ch) >= '0' && (ch) <= '9') || (ch) == '_')
    for (const char *p = sql; *p; p++) {
        if (!WORD(*p) || (p > sql && WORD(p[-1])))
            continue;
        size_t n = 0;
        while (WORD(p[n]))
            n++;
        for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
            if (strlen(own[i]) == n && strncasecmp(p, own[i], n) == 0)
                return 1;
        p += n - 1;
    }
#undef WORD
    return 0;
}

/* Finds the stale sets of a loaded month: clears what they stored, records
 * a set whose source is missing at once, and queues the others. */
static int find_stale(sqlite3 *db, const ind_catalogue *cat, int month_index, set_job **jobs,
                      int *njobs, hr_error *err)
{
    char month[8];
    period_month_label(month_index, month);
    strbuf inputs = STRBUF_INIT, missing = STRBUF_INIT, old = STRBUF_INIT;
    int rc = HR_OK, rolled = -1;
    for (int i = 0; !rc && i < cat->nsets; i++) {
        const ind_measure_set *s = &cat->sets[i];
        sb_reset(&inputs), sb_reset(&missing), sb_reset(&old);
        rc = set_fingerprint(db, cat, s, month, &inputs, &missing, err);
        if (!rc)
            rc = stored_inputs(db, month, s->id, &old, err);
        if (rc || strcmp(old.buf, inputs.buf) == 0)
            continue;
        rc = clear_set(db, cat, s, month, err);
        if (!rc && missing.len) {
            rc = save_state(db, month, s->id, &inputs, &missing, err);
            continue;
        }
        /* The catalogue's SQL may read the roll-ups: a month without a
         * current one (loaded, not validated since) is rolled up into this
         * connection's shadow, which its sets then read here. */
        int sql = s->kind == SET_SQL || s->kind == SET_DISTINCT;
        if (!rc && sql && rolled < 0)
            rc = rollup_shadow(db, month, &rolled, err);
        if (rc)
            break;
        if (*njobs % 32 == 0)
            *jobs = xrealloc(*jobs, (size_t)(*njobs + 32) * sizeof **jobs);
        set_job *j = &(*jobs)[(*njobs)++];
        memset(j, 0, sizeof *j);
        memcpy(j->month, month, sizeof j->month);
        j->set = s;
        sb_init(&j->inputs), sb_init(&j->missing);
        sb_addstr(&j->inputs, inputs.buf);
        /* the DRG join reads drg, inpatient and drg_benchmark only */
        j->parallel = (sql && !rolled && !reads_compute_tables(s->sql)) || s->kind == SET_DRG;
    }
    sb_release(&inputs), sb_release(&missing), sb_release(&old);
    return rc;
}

/* The jobs left to this connection: the built-in sets (builtin 1) or the
 * SQL sets (0), each computed and stored with its state. */
static int run_on_main(measure_store *ms, const set_job *jobs, int njobs, int builtin,
                       hr_error *err)
{
    int rc = HR_OK;
    for (int i = 0; !rc && i < njobs; i++) {
        const ind_measure_set *s = jobs[i].set;
        if (jobs[i].parallel || (s->kind != SET_SQL && s->kind != SET_DISTINCT) != builtin)
            continue;
        rc = compute_set(ms, s, jobs[i].month, err);
        if (!rc)
            rc = save_state(ms->db, jobs[i].month, s->id, &jobs[i].inputs, &jobs[i].missing, err);
    }
    return rc;
}

int ind_measures_refresh(sqlite3 *db, const ind_catalogue *cat, int first, int last,
                         ind_refresh_stats *stats, hr_error *err)
{
    set_job *jobs = NULL;
    int njobs = 0, npar = 0, rc = HR_OK;
    measure_store ms = {.db = db, .cat = cat};
    for (int m = first; !rc && m <= last; m++) {
        int loaded = ind_month_loaded(db, m, err);
        rc = loaded < 0 ? err->code : loaded ? find_stale(db, cat, m, &jobs, &njobs, err) : HR_OK;
    }
    for (int i = 0; i < njobs; i++)
        npar += jobs[i].parallel;
    job_queue q = {.cat = cat, .jobs = jobs, .njobs = njobs,
                   .path = sqlite3_db_filename(db, "main")};
    pthread_mutex_init(&q.mu, NULL);
    int nthreads = rc ? 0 : reader_threads(db, npar), started = 0;
    pthread_t th[16];
    for (int t = 0; t < nthreads; t++)
        started += pthread_create(&th[started], NULL, reader_main, &q) == 0;
    /* Meanwhile: the built-in sets read on this connection (the cost
     * allocation, the equipment table), then a hand with the queue; then
     * what the readers read is stored, and last the SQL sets that must
     * read this connection (they may read what the others wrote: drg_codes
     * reads ind_drg_month). */
    if (!rc)
        rc = run_on_main(&ms, jobs, njobs, 1, err);
    if (rc) { /* stop the readers early */
        pthread_mutex_lock(&q.mu);
        q.next = q.njobs;
        pthread_mutex_unlock(&q.mu);
    } else {
        run_jobs(&q, db);
    }
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&q.mu);
    if (stats) {
        stats->sets = njobs;
        stats->sets_on_readers = npar;
        stats->reader_threads = started;
    }
    for (int i = 0; !rc && i < njobs; i++) {
        set_job *j = &jobs[i];
        if (!j->parallel)
            continue;
        if (j->rc) {
            if (err)
                *err = j->err;
            rc = j->rc;
            break;
        }
        if (j->set->kind == SET_DRG) {
            rc = drg_month_store(db, j->month, j->drg, err);
            if (!rc)
                rc = store_rows(&ms, j->set, drg_dept_sql, j->month, err);
        } else {
            rc = store_collected(&ms, j->month, &j->rows, err);
        }
        if (!rc)
            rc = save_state(db, j->month, j->set->id, &j->inputs, &j->missing, err);
    }
    if (!rc)
        rc = run_on_main(&ms, jobs, njobs, 0, err);
    for (int i = 0; i < njobs; i++) {
        sb_release(&jobs[i].inputs), sb_release(&jobs[i].missing);
        rows_free(&jobs[i].rows);
        drg_month_free(jobs[i].drg);
    }
    free(jobs);
    rb_close(ms.values);
    rb_close(ms.keys);
    rollup_shadow_drop(db);
    return rc;
}
