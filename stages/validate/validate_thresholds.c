/*
 * validate_thresholds.c -- aggregate warning thresholds (数据预警阈值).
 *
 * These look at a month as a whole rather than at single rows, and only
 * warn (the rows stay): each finding is a data_warning row with a message
 * in both languages, the value found and the threshold it crossed.
 *
 *   volume           a department's row count (visits, stays, operations)
 *                    moved more than band-percent against the previous month
 *                    (volume_mom) or the same month a year earlier
 *                    (volume_yoy); bases below min-base and months whose
 *                    source was not loaded are not compared
 *   zero_days        a department averaging at least min-daily-mean rows a
 *                    day with min-zero-days or more days without any
 *   census_overfull  census days where occupied beds exceed max-percent of
 *                    open beds (加床 beyond reason), one warning per department;
 *                    days with fewer than min-open-beds open beds are not
 *                    judged (in a ward of 2 beds, 3 patients is 150 %)
 *   drg_benchmark    a DRG group of the month's drg.csv without a row in
 *                    the benchmarks as of the month (drg_benchmark.csv of
 *                    the month, else the latest loaded before it): one
 *                    warning per group, value = its stays, which the time
 *                    and cost indices leave out; one no_reference warning
 *                    when no benchmarks were ever loaded
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/period.h"
#include "stages/validate/validate_int.h"

static int month_shift(const char *period, int months, char out[8])
{
    int y, m;
    if (sscanf(period, "%4d-%2d", &y, &m) != 2)
        return -1;
    int idx = period_month_index(y, m) + months;
    period_month_label(idx, out);
    return 0;
}

/* The name a warning gives a department: the dictionary's name for the
 * month in each language, or "科室 CODE" / "department CODE" when the
 * month has no dictionary row for it. CODE is an SQL expression. */
#define DEPT_NAME_ZH(code)                                                                  \
    "coalesce((SELECT name_zh FROM dept WHERE period = ?1 AND dept_code = " code " LIMIT 1), " \
    "'科室 ' || " code ")"
#define DEPT_NAME_EN(code)                                                                  \
    "coalesce((SELECT name_en FROM dept WHERE period = ?1 AND dept_code = " code " LIMIT 1), " \
    "'department ' || " code ")"

/* The Chinese word for a source's rows in a warning (门诊 visits, ...). */
static const char *source_zh(const char *source)
{
    if (strcmp(source, "outpatient") == 0)
        return "门诊";
    if (strcmp(source, "inpatient") == 0)
        return "住院";
    if (strcmp(source, "surgery") == 0)
        return "手术";
    if (strcmp(source, "census") == 0)
        return "床位日报";
    return source;
}

static int source_loaded(sqlite3 *db, const char *source, const char *period)
{
    int64_t n = 0;
    db_query_int(db, &n, NULL,
                 "SELECT count(*) FROM source_file WHERE source = ? AND period = ? AND current = 1",
                 source, period, NULL);
    return n > 0;
}

/* 1 when validate_pass.c counted the rows of `source` per department (and,
 * when date_column is not NULL, their days of that column). */
static int passed(sqlite3 *db, const char *source, const char *date_column)
{
    int64_t n = 0;
    db_query_int(db, &n, NULL,
                 "SELECT count(*) FROM temp.validate_passed WHERE source = ?1 AND "
                 "(?2 IS NULL OR date_column = ?2) AND (SELECT count(*) FROM "
                 "pragma_table_info(?1) WHERE name = 'dept_code') > 0",
                 source, date_column, NULL);
    return n > 0;
}

/* The counted rows per department of source %Q's current file of a month. */
#define VOLUME_OF(month)                                                                     \
    "SELECT v.dept_code d, v.n n FROM validate_volume v JOIN source_file f ON f.file_id = "  \
    "v.file_id WHERE f.source = %Q AND f.period = " month " AND f.current = 1"

/* Makes sure validate_volume holds the per-department row counts of the
 * current file of (source, period): counted now when `fresh` (the month
 * being validated, after its quarantine) or when not counted yet, else
 * kept from when that month was validated -- so each month's rows are
 * counted once, not on every later month's validation. */
static int count_volume(sqlite3 *db, const char *source, const char *period, int fresh,
                        hr_error *err)
{
    int64_t file_id = 0;
    if (db_query_int(db, &file_id, err,
                     "SELECT max(file_id) FROM source_file WHERE source = ? AND period = ? "
                     "AND current = 1",
                     source, period, NULL) != 1)
        return err && err->code ? err->code : HR_OK;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)file_id);
    int64_t have = 0;
    if (!fresh && db_query_int(db, &have, err,
                               "SELECT count(*) FROM validate_volume WHERE file_id = ?", id,
                               NULL) == 1 &&
        have > 0)
        return HR_OK;
    /* The month being validated was counted by its pass over the rows
     * that stayed (validate_pass.c); other months from their rows. */
    char *sql = fresh && passed(db, source, NULL)
                    ? sqlite3_mprintf("DELETE FROM validate_volume WHERE file_id = %s;"
                                      "INSERT INTO validate_volume (file_id, dept_code, n) "
                                      "SELECT %s, dept_code, n FROM temp.validate_dept "
                                      "WHERE source = %Q",
                                      id, id, source)
                    : sqlite3_mprintf("DELETE FROM validate_volume WHERE file_id = %s;"
                                      "INSERT INTO validate_volume (file_id, dept_code, n) "
                                      "SELECT %s, dept_code, count(*) FROM \"%w\" "
                                      "WHERE period = %Q GROUP BY dept_code",
                                      id, id, source, period);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

static int volume(sqlite3 *db, const vthreshold *t, const char *period, const char *base,
                  const char *kind, long long *count, hr_error *err)
{
    /* The month's own counts first, whether or not it has a base: the
     * next month compares with them. */
    int rc = count_volume(db, t->source, period, strcmp(kind, "volume_mom") == 0, err);
    if (rc || !source_loaded(db, t->source, base))
        return rc;
    rc = count_volume(db, t->source, base, 0, err);
    if (rc)
        return rc;
    const char *zh = strcmp(kind, "volume_mom") == 0 ? "环比" : "同比";
    const char *en = strcmp(kind, "volume_mom") == 0 ? "the previous month" : "a year earlier";
    char *sql = sqlite3_mprintf(
        "INSERT INTO data_warning (period, source, scope, kind, message_zh, message_en, value, "
        "threshold) "
        "SELECT ?1, %Q, b.d, %Q, "
        " printf('%%s%q量 %%d，%s变化 %%+.1f%%%%（%%s 为 %%d），超出 ±%%g%%%%', "
        DEPT_NAME_ZH("b.d") ", "
        "  coalesce(c.n, 0), (coalesce(c.n, 0) - b.n) * 100.0 / b.n, ?2, b.n, ?3), "
        " printf('%%s: %q count %%d changed %%+.1f%%%% against %s (%%s: %%d), "
        "beyond ±%%g%%%%', " DEPT_NAME_EN("b.d") ", coalesce(c.n, 0), "
        "(coalesce(c.n, 0) - b.n) * 100.0 / b.n, ?2, b.n, ?3), "
        " (coalesce(c.n, 0) - b.n) * 100.0 / b.n, ?3 "
        "FROM (" VOLUME_OF("?2") ") b LEFT JOIN (" VOLUME_OF("?1") ") c ON c.d = b.d "
        "WHERE b.n >= ?4 AND abs(coalesce(c.n, 0) - b.n) * 100.0 > ?3 * b.n",
        t->source, kind, source_zh(t->source), zh, t->source, en, t->source, t->source);
    sqlite3_stmt *st = db_prepare(db, sql, err);
    sqlite3_free(sql);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, base, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, t->band_percent);
    sqlite3_bind_double(st, 4, t->min_base);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, "volume thresholds", err);
    *count += sqlite3_changes(db);
    sqlite3_finalize(st);
    return rc;
}

static int zero_days(sqlite3 *db, const vthreshold *t, const char *period, int days,
                     long long *count, hr_error *err)
{
    /* per department: rows n, distinct days `active` */
    char *counts =
        passed(db, t->source, t->date_column)
            ? sqlite3_mprintf("SELECT dept_code d, n, active_days active FROM temp.validate_dept "
                              "WHERE source = %Q",
                              t->source)
            : sqlite3_mprintf("SELECT dept_code d, count(*) n, count(DISTINCT substr(%w, 1, 10)) "
                              "active FROM \"%w\" WHERE period = ?1 GROUP BY 1",
                              t->date_column, t->source);
    char *sql = sqlite3_mprintf(
        "INSERT INTO data_warning (period, source, scope, kind, message_zh, message_en, value, "
        "threshold) "
        "SELECT ?1, %Q, d, 'zero_days', "
        " printf('%%s日均%q量 %%.1f，但有 %%d 天为零', " DEPT_NAME_ZH("d") ", n * 1.0 / ?2, "
        "  ?2 - active), "
        " printf('%%s averages %%.1f %q a day but had %%d days with none', " DEPT_NAME_EN("d") ", "
        "  n * 1.0 / ?2, ?2 - active), ?2 - active, ?4 "
        "FROM (%s) WHERE n * 1.0 / ?2 >= ?3 AND ?2 - active >= ?4",
        t->source, source_zh(t->source), t->source, counts);
    sqlite3_free(counts);
    sqlite3_stmt *st = db_prepare(db, sql, err);
    sqlite3_free(sql);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, days);
    sqlite3_bind_double(st, 3, t->min_daily);
    sqlite3_bind_double(st, 4, t->min_zero_days);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, "zero-day thresholds", err);
    *count += sqlite3_changes(db);
    sqlite3_finalize(st);
    return rc;
}

static int census_overfull(sqlite3 *db, const vthreshold *t, const char *period,
                           long long *count, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "INSERT INTO data_warning (period, source, scope, kind, message_zh, message_en, value, "
        "threshold) "
        "SELECT ?1, 'census', dept_code, 'census_overfull', "
        " printf('%s有 %d 天占用床位超过开放床位的 %g%%（最高 %.0f%%）', "
        DEPT_NAME_ZH("census.dept_code") ", count(*), ?2, max(occupied_beds * 100.0 / open_beds)), "
        " printf('%s: occupied beds above %g%% of open beds on %d days (up to %.0f%%)', "
        DEPT_NAME_EN("census.dept_code") ", ?2, count(*), max(occupied_beds * 100.0 / open_beds)), "
        " max(occupied_beds * 100.0 / open_beds), ?2 "
        "FROM census WHERE period = ?1 AND occupied_beds * 100.0 > ?2 * open_beds "
        "AND open_beds >= ?3 "
        "GROUP BY dept_code ORDER BY dept_code",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, t->max_percent);
    sqlite3_bind_double(st, 3, t->min_open_beds);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, "census thresholds", err);
    *count += sqlite3_changes(db);
    sqlite3_finalize(st);
    return rc;
}

/* The latest month of `table` at or before `period` ("" when none). */
static void reference_month_of(sqlite3 *db, const char *table, const char *period, char out[8])
{
    out[0] = '\0';
    char *sql = sqlite3_mprintf("SELECT max(period) FROM \"%w\" WHERE period <= ?", table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
            snprintf(out, 8, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
}

static int drg_benchmark(sqlite3 *db, const char *period, long long *count, hr_error *err)
{
    int64_t stays = 0;
    if (db_query_int(db, &stays, err, "SELECT count(*) FROM drg WHERE period = ?", period,
                     NULL) < 0)
        return err->code;
    if (stays == 0)
        return HR_OK;
    /* The benchmarks' month first, bound as ?2: with it inside the query
     * (a CTE joined to every stay) the NOT IN list is correlated and
     * SQLite rebuilds it for each of the month's stays -- a second of CPU
     * for 12,000 stays. Bound, each stay is one lookup in the
     * (period, drg_code) index. */
    char month[8];
    reference_month_of(db, "drg_benchmark", period, month);
    sqlite3_stmt *st = db_prepare(
        db,
        "INSERT INTO data_warning (period, source, scope, kind, message_zh, message_en, value, "
        "threshold) "
        "SELECT ?1, 'drg', 'hospital', 'no_reference', "
        " '未载入DRG病组标杆值（drg_benchmark.csv），时间、费用消耗指数无法计算', "
        " 'no DRG benchmarks (drg_benchmark.csv) loaded: time and cost efficiency indices "
        "cannot be computed', NULL, NULL WHERE ?2 IS NULL "
        "UNION ALL "
        "SELECT ?1, 'drg', 'hospital', 'drg_no_benchmark', "
        " printf('DRG病组 %s（%s）无标杆值：%d 例未计入时间、费用消耗指数', d.drg_code, "
        "  min(d.drg_name), count(*)), "
        " printf('DRG group %s (%s) has no benchmark: %d stays left out of the time and "
        "cost efficiency indices', d.drg_code, min(d.drg_name), count(*)), count(*), NULL "
        "FROM drg d WHERE d.period = ?1 AND ?2 IS NOT NULL AND NOT EXISTS "
        " (SELECT 1 FROM drg_benchmark b WHERE b.period = ?2 AND b.drg_code = d.drg_code) "
        "GROUP BY d.drg_code ORDER BY 5",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    if (month[0])
        sqlite3_bind_text(st, 2, month, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, "DRG benchmark warnings", err);
    *count += sqlite3_changes(db);
    sqlite3_finalize(st);
    return rc;
}

int vthresholds_apply(sqlite3 *db, const vconfig *conf, const char *period, long long *count,
                      hr_error *err)
{
    char prev[8], year_ago[8];
    int y, m;
    *count = 0;
    if (month_shift(period, -1, prev) || month_shift(period, -12, year_ago) ||
        sscanf(period, "%4d-%2d", &y, &m) != 2)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--period", "'%s' is not YYYY-MM", period);
    int days = period_days_in_month(period_month_index(y, m));
    int rc = 0;
    for (int i = 0; i < conf->nthresholds && !rc; i++) {
        const vthreshold *t = &conf->thresholds[i];
        if (strcmp(t->kind, "volume") == 0) {
            rc = volume(db, t, period, prev, "volume_mom", count, err);
            if (!rc)
                rc = volume(db, t, period, year_ago, "volume_yoy", count, err);
        } else if (strcmp(t->kind, "zero_days") == 0) {
            rc = zero_days(db, t, period, days, count, err);
        } else if (strcmp(t->kind, "census_overfull") == 0) {
            rc = census_overfull(db, t, period, count, err);
        } else if (strcmp(t->kind, "drg_benchmark") == 0) {
            rc = drg_benchmark(db, period, count, err);
        }
    }
    return rc;
}
