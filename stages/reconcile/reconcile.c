/*
 * reconcile.c -- the reconcile stage (reconcile.h): compares the sources of
 * one month that describe the same facts, by the rules of
 * config/rules/reconcile.xml (see reconcile_int.h for the rule kinds).
 *
 * Everything is computed by SQL over the canonical tables and stored, in
 * one transaction that first forgets an earlier reconciliation of the month
 * (so running twice gives the same result):
 *   reconcile_result     per rule, department and month: a, b, a - b and the
 *                        tolerance (max(absolute, percent of |b|)), ok / fail
 *   reconcile_record     per record difference (stay_id, surgery_id -- never
 *                        a patient key)
 *   reconcile_rule_state per rule: its outcome, what the summary shows
 *   authority            the authoritative source of each rule's fact
 *   period_state         reconciled_at, reconcile_state, reconcile_forced,
 *                        reconciled_inputs (the month's inputs it checked)
 * then writes reconcile-PERIOD-RULE.csv (record differences) and
 * reconcile-PERIOD-aggregates.csv for the data team and a count-only
 * summary on opt->report. A failed blocking rule returns HR_EBLOCKED unless
 * opt->force; what was found stays stored either way.
 */
#include "stages/reconcile/reconcile.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/core/msg.h"
#include "pipeline/core/csv.h"
#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/reconcile/reconcile_int.h"

/* What one rule found. */
typedef struct rrule_outcome {
    long long compared;   /* departments compared */
    long long aggregate_fails;
    long long record_issues;
    long long unknown;    /* coverage: covering rows matching no row */
    int failed;
    char missing[256];    /* skipped: the rule's sources without a file for the month */
} rrule_outcome;

static int exec_bound(sqlite3 *db, const char *sql, const char *period, const rrule *r,
                      hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->blocking ? "blocking" : "warning", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, "reconciling records", err);
    sqlite3_finalize(st);
    return rc;
}

static void side_sql(strbuf *sb, const rterm *terms, int n)
{
    for (int i = 0; i < n; i++) {
        char *q = sqlite3_mprintf("%sSELECT dept_code, %s FROM \"%w\" WHERE period = ?1 GROUP BY 1",
                                  i ? " UNION ALL " : "",
                                  terms[i].column[0] ? "sum(%COL%)" : "count(*)", terms[i].source);
        /* the column is a checked identifier (reconcile_rules.c) */
        char *at = strstr(q, "%COL%");
        if (at) {
            sb_add(sb, q, (size_t)(at - q));
            sb_addf(sb, "\"%s\"", terms[i].column);
            sb_addstr(sb, at + 5);
        } else {
            sb_addstr(sb, q);
        }
        sqlite3_free(q);
    }
}

static long long tolerance_for(const rrule *r, long long b)
{
    double pct = floor(r->tolerance_percent / 100.0 * fabs((double)b));
    double tol = r->tolerance_abs > pct ? r->tolerance_abs : pct;
    return (long long)floor(tol);
}

/* One reconcile_result row per row (department, value a, value b) of st
 * (prepared and bound; finalized here): the difference a - b against the
 * rule's tolerance of b, counted into out. */
static int store_results(sqlite3 *db, const char *period, const rrule *r, sqlite3_stmt *st,
                         int is_amount, rrule_outcome *out, hr_error *err)
{
    sqlite3_stmt *ins =
        db_prepare(db, "INSERT INTO reconcile_result VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
    if (!ins) {
        sqlite3_finalize(st);
        return err->code;
    }
    int rc = HR_OK;
    while (!rc && db_row(st, &rc, err)) {
        long long va = sqlite3_column_int64(st, 1), vb = sqlite3_column_int64(st, 2);
        long long diff = va - vb, tol = tolerance_for(r, vb);
        int fail = llabs(diff) > tol;
        out->compared++;
        out->aggregate_fails += fail;
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, period, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_value(ins, 3, sqlite3_column_value(st, 0));
        sqlite3_bind_text(ins, 4, is_amount ? "amount" : "count", -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 5, va);
        sqlite3_bind_int64(ins, 6, vb);
        sqlite3_bind_int64(ins, 7, diff);
        sqlite3_bind_int64(ins, 8, tol);
        sqlite3_bind_text(ins, 9, fail ? "fail" : "ok", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 10, r->blocking ? "blocking" : "warning", -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = db_fail(db, "storing a reconciliation result", err);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    return rc;
}

/* Per department: Σ side a vs Σ side b into reconcile_result. */
static int aggregate(sqlite3 *db, const char *period, const rrule *r, const rterm *a, int na,
                     const rterm *b, int nb, int is_amount, rrule_outcome *out, hr_error *err)
{
    strbuf sql = STRBUF_INIT;
    sb_addstr(&sql, "WITH a(d, v) AS (");
    side_sql(&sql, a, na);
    sb_addstr(&sql, "), b(d, v) AS (");
    side_sql(&sql, b, nb);
    sb_addstr(&sql, "), ag AS (SELECT d, sum(v) v FROM a GROUP BY d), "
                    "bg AS (SELECT d, sum(v) v FROM b GROUP BY d) "
                    "SELECT k.d, coalesce(ag.v, 0), coalesce(bg.v, 0) "
                    "FROM (SELECT d FROM ag UNION SELECT d FROM bg) k "
                    "LEFT JOIN ag ON ag.d = k.d LEFT JOIN bg ON bg.d = k.d ORDER BY k.d");
    sqlite3_stmt *st = db_prepare(db, sql.buf, err);
    sb_release(&sql);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    return store_results(db, period, r, st, is_amount, out, err);
}

#define RECORD_INSERT                                                                      \
    "INSERT INTO reconcile_record (period, rule, record_key, dept_code, dept_code_b, issue, " \
    "detail, detail_zh, severity) "

/* A difference's detail: SQL printf(FMT, args) of one catalog format that
 * names no table or field (they are arguments), in English (zh 0) or in
 * Chinese (zh 1), for the detail and detail_zh columns: the differences
 * file says it in both languages, as its header. sqlite3_free() it.
 * TRANSLATORS of these formats: SQLite's printf takes no %1$s, keep the
 * order of the conversions. */
static char *detail_sql(int zh, const char *fmt, const char *args)
{
    return sqlite3_mprintf("printf(%Q, %s)", msg_tr_lang(zh, fmt), args);
}

static const char *const ONLY_IN = N_("%s %s in %s (%s %s), not in %s");

/* records: keys in one source only, and keys whose dept or compared fields
 * differ. */
static int records(sqlite3 *db, const char *period, const rrule *r, hr_error *err)
{
    const char *A = r->src_a, *B = r->src_b, *K = r->key, *D = r->dept;
    char *args_a = sqlite3_mprintf("%Q, x.\"%w\", %Q, %Q, x.\"%w\", %Q", K, K, A, D, D, B);
    char *args_b = sqlite3_mprintf("%Q, x.\"%w\", %Q, %Q, x.\"%w\", %Q", K, K, B, D, D, A);
    char *en_a = detail_sql(0, ONLY_IN, args_a), *zh_a = detail_sql(1, ONLY_IN, args_a);
    char *en_b = detail_sql(0, ONLY_IN, args_b), *zh_b = detail_sql(1, ONLY_IN, args_b);
    char *only_a = sqlite3_mprintf(
        RECORD_INSERT "SELECT ?1, ?2, x.\"%w\", x.\"%w\", NULL, 'only_in_a', %s, %s, ?3 "
                      "FROM \"%w\" x WHERE x.period = ?1 AND x.\"%w\" NOT IN "
                      "(SELECT \"%w\" FROM \"%w\" WHERE period = ?1) ORDER BY x.line_no",
        K, D, en_a, zh_a, A, K, K, B);
    char *only_b = sqlite3_mprintf(
        RECORD_INSERT "SELECT ?1, ?2, x.\"%w\", x.\"%w\", NULL, 'only_in_b', %s, %s, ?3 "
                      "FROM \"%w\" x WHERE x.period = ?1 AND x.\"%w\" NOT IN "
                      "(SELECT \"%w\" FROM \"%w\" WHERE period = ?1) ORDER BY x.line_no",
        K, D, en_b, zh_b, B, K, K, A);
    sqlite3_free(args_a), sqlite3_free(args_b), sqlite3_free(en_a), sqlite3_free(zh_a);
    sqlite3_free(en_b), sqlite3_free(zh_b);
    /* names and values only: the same in both languages */
    char *dept = sqlite3_mprintf(
        RECORD_INSERT "SELECT ?1, ?2, x.\"%w\", x.\"%w\", y.\"%w\", 'dept_differs', "
                      "printf('%q %q %%s, %q %%s', x.\"%w\", y.\"%w\"), NULL, ?3 "
                      "FROM \"%w\" x JOIN temp.reconcile_b y ON y.\"%w\" = x.\"%w\" "
                      "WHERE x.period = ?1 AND x.\"%w\" IS NOT y.\"%w\" ORDER BY x.line_no",
        K, D, D, D, A, B, D, D, A, K, K, D, D);
    /* b's rows of the month, indexed on the key: SQLite's planner does not
     * index a join on the key by itself and goes quadratic (47 s for a
     * month of 12,000 stays). */
    char *copy = sqlite3_mprintf("DROP TABLE IF EXISTS temp.reconcile_b;"
                                 "CREATE TEMP TABLE reconcile_b AS SELECT * FROM \"%w\" "
                                 "WHERE period = %Q;"
                                 "CREATE INDEX temp.reconcile_b_key ON reconcile_b(\"%w\");",
                                 B, period, K);
    int rc = db_exec(db, copy, err);
    sqlite3_free(copy);
    if (!rc)
        rc = exec_bound(db, only_a, period, r, err);
    if (!rc)
        rc = exec_bound(db, only_b, period, r, err);
    if (!rc)
        rc = exec_bound(db, dept, period, r, err);
    sqlite3_free(only_a);
    sqlite3_free(only_b);
    sqlite3_free(dept);
    if (rc || r->ncompare == 0)
        return rc;
    strbuf detail = STRBUF_INIT, cond = STRBUF_INIT;
    for (int i = 0; i < r->ncompare; i++) {
        const char *c = r->compare[i];
        char *part = sqlite3_mprintf("%sCASE WHEN x.\"%w\" IS NOT y.\"%w\" THEN "
                                     "printf('%q %q %%s, %q %%s; ', x.\"%w\", y.\"%w\") ELSE '' END",
                                     i ? " || " : "", c, c, c, A, B, c, c);
        sb_addstr(&detail, part);
        sqlite3_free(part);
        part = sqlite3_mprintf("%sx.\"%w\" IS NOT y.\"%w\"", i ? " OR " : "", c, c);
        sb_addstr(&cond, part);
        sqlite3_free(part);
    }
    char *dates = sqlite3_mprintf(
        RECORD_INSERT "SELECT ?1, ?2, x.\"%w\", x.\"%w\", y.\"%w\", 'dates_differ', "
                      "rtrim(%s, '; '), NULL, ?3 "
                      "FROM \"%w\" x JOIN temp.reconcile_b y ON y.\"%w\" = x.\"%w\" "
                      "WHERE x.period = ?1 AND (%s) ORDER BY x.line_no",
        K, D, D, detail.buf, A, K, K, cond.buf);
    rc = exec_bound(db, dates, period, r, err);
    sqlite3_free(dates);
    if (!rc)
        rc = db_exec(db, "DROP TABLE IF EXISTS temp.reconcile_b", err);
    sb_release(&detail);
    sb_release(&cond);
    return rc;
}

/* within: rows of src_a dated outside [from, to] of the linked src_b row,
 * looked up in every loaded month. */
static int within(sqlite3 *db, const char *period, const rrule *r, hr_error *err)
{
    const char *fmt = N_("%s %s outside %s %s %s..%s");
    char *args = sqlite3_mprintf("%Q, x.\"%w\", %Q, x.\"%w\", y.f, y.t", r->date, r->date,
                                 r->link, r->link);
    char *en = detail_sql(0, fmt, args), *zh = detail_sql(1, fmt, args);
    char *sql = sqlite3_mprintf(
        RECORD_INSERT "SELECT ?1, ?2, x.\"%w\", x.\"%w\", NULL, 'outside_range', %s, %s, ?3 "
                      "FROM \"%w\" x JOIN (SELECT \"%w\" k, min(\"%w\") f, max(\"%w\") t "
                      "  FROM \"%w\" WHERE \"%w\" IN (SELECT \"%w\" FROM \"%w\" WHERE period = ?1) "
                      "  GROUP BY 1) y ON y.k = x.\"%w\" "
                      "WHERE x.period = ?1 AND (x.\"%w\" < y.f OR x.\"%w\" > y.t) ORDER BY x.line_no",
        r->key, r->dept, en, zh, r->src_a, r->range_key, r->from,
        r->to, r->src_b, r->range_key, r->link, r->src_a, r->link, r->date, r->date);
    sqlite3_free(args), sqlite3_free(en), sqlite3_free(zh);
    int rc = exec_bound(db, sql, period, r, err);
    sqlite3_free(sql);
    return rc;
}

/* ---- coverage: every row of src_b (the month's discharged stays) should
 * have a row of src_a (its DRG grouping) with the same key ---- */

/* The idx-th field (0-based) of a CSV record, RFC 4180 quotes undone. */
static void csv_nth(const char *rec, int idx, strbuf *out)
{
    sb_reset(out);
    const char *p = rec;
    for (int f = 0; *p || f == idx; f++) {
        int quoted = *p == '"';
        if (quoted)
            p++;
        while (*p) {
            if (quoted && *p == '"' && p[1] == '"') {
                if (f == idx)
                    sb_addch(out, '"');
                p += 2;
            } else if (quoted && *p == '"') {
                quoted = 0;
                p++;
            } else if (!quoted && *p == ',') {
                break;
            } else {
                if (f == idx)
                    sb_addch(out, *p);
                p++;
            }
        }
        if (f == idx || !*p)
            return;
        p++; /* the comma */
    }
}

/* Rows of src_a the validate stage quarantined because their key is not a
 * row of src_b (reference rule): records 'only_in_a', keyed by the value
 * read back from the stored record (validate writes the row's fields in
 * table order, without period, file_id and line_no). */
static int coverage_quarantined(sqlite3 *db, const char *period, const rrule *r, hr_error *err)
{
    int64_t cid = -1;
    char *q = sqlite3_mprintf("SELECT count(*) FROM pragma_table_info(%Q) WHERE cid < (SELECT cid "
                              "FROM pragma_table_info(%Q) WHERE name = %Q) AND name NOT IN "
                              "('period', 'file_id', 'line_no')",
                              r->src_a, r->src_a, r->key);
    int rc = db_query_int(db, &cid, err, q, NULL) < 0 ? err->code : 0;
    sqlite3_free(q);
    sqlite3_stmt *st = rc ? NULL : db_prepare(db,
                                              "SELECT raw, line_no FROM quarantine WHERE period = ?1 "
                                              "AND source = ?2 AND rule = 'reference' AND field = ?3 "
                                              "AND stage = 'validate' ORDER BY file_id, line_no",
                                              err);
    const char *fmt = N_("%s %s in %s (line %d, quarantined by validate), not in %s");
    char *en = detail_sql(0, fmt, "?5, ?3, ?6, ?4, ?7"), *zh = detail_sql(1, fmt, "?5, ?3, ?6, ?4, ?7");
    char *isql = sqlite3_mprintf(RECORD_INSERT "VALUES (?1, ?2, ?3, NULL, NULL, 'only_in_a', %s, "
                                               "%s, ?8)",
                                 en, zh);
    sqlite3_free(en), sqlite3_free(zh);
    sqlite3_stmt *ins = st ? db_prepare(db, isql, err) : NULL;
    sqlite3_free(isql);
    if (!ins) {
        sqlite3_finalize(st);
        return rc ? rc : err->code;
    }
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->src_a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->key, -1, SQLITE_STATIC);
    strbuf key = STRBUF_INIT;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *raw = (const char *)sqlite3_column_text(st, 0);
        csv_nth(raw ? raw : "", (int)cid, &key);
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, period, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, key.buf ? key.buf : "", (int)key.len, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 4, sqlite3_column_int64(st, 1));
        sqlite3_bind_text(ins, 5, r->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, r->src_a, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 7, r->src_b, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, r->blocking ? "blocking" : "warning", -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = db_fail(db, "storing a coverage difference", err);
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(db, "reading quarantined rows", err);
    sb_release(&key);
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    return rc;
}

/* Per department of src_b: value_a = its rows covered, value_b = its rows,
 * difference = -(rows not covered), tolerance as for any count; records:
 * each row not covered (only_in_b), each covering row matching none
 * (only_in_a: still in src_a, or quarantined by validate for it). A month
 * without a src_a or src_b file (a hospital without DRG data) never gets
 * here: evaluate() skips the rule (absent_sources). */
static int coverage(sqlite3 *db, const char *period, const rrule *r, rrule_outcome *o,
                    hr_error *err)
{
    const char *A = r->src_a, *B = r->src_b, *K = r->key, *D = r->dept;
    char *sql = sqlite3_mprintf(
        "DROP TABLE IF EXISTS temp.reconcile_cover;"
        "CREATE TEMP TABLE reconcile_cover AS SELECT DISTINCT \"%w\" k FROM \"%w\" WHERE period = %Q;"
        "CREATE INDEX temp.reconcile_cover_k ON reconcile_cover(k);",
        K, A, period);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    if (rc)
        return rc;
    sql = sqlite3_mprintf(
        "SELECT b.\"%w\", count(c.k), count(*) FROM \"%w\" b LEFT JOIN temp.reconcile_cover c "
        "ON c.k = b.\"%w\" WHERE b.period = ?1 GROUP BY 1 ORDER BY 1",
        D, B, K);
    sqlite3_stmt *st = db_prepare(db, sql, err);
    sqlite3_free(sql);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    if ((rc = store_results(db, period, r, st, 0, o, err)))
        return rc;
    char *args_b = sqlite3_mprintf("%Q, b.\"%w\", %Q, %Q, b.\"%w\", %Q", K, K, B, D, D, A);
    char *en_b = detail_sql(0, ONLY_IN, args_b), *zh_b = detail_sql(1, ONLY_IN, args_b);
    char *not_covered = sqlite3_mprintf(
        RECORD_INSERT "SELECT ?1, ?2, b.\"%w\", b.\"%w\", NULL, 'only_in_b', %s, %s, ?3 "
                      "FROM \"%w\" b WHERE b.period = ?1 AND b.\"%w\" NOT IN "
                      "(SELECT k FROM temp.reconcile_cover) ORDER BY b.line_no",
        K, D, en_b, zh_b, B, K);
    const char *only_a_fmt = N_("%s %s in %s, not in %s");
    char *args_a = sqlite3_mprintf("%Q, a.\"%w\", %Q, %Q", K, K, A, B);
    char *en_a = detail_sql(0, only_a_fmt, args_a), *zh_a = detail_sql(1, only_a_fmt, args_a);
    char *unknown = sqlite3_mprintf(
        RECORD_INSERT "SELECT ?1, ?2, a.\"%w\", NULL, NULL, 'only_in_a', %s, %s, ?3 "
                      "FROM \"%w\" a WHERE a.period = ?1 AND a.\"%w\" NOT IN "
                      "(SELECT \"%w\" FROM \"%w\" WHERE period = ?1) ORDER BY a.line_no",
        K, en_a, zh_a, A, K, K, B);
    sqlite3_free(args_b), sqlite3_free(en_b), sqlite3_free(zh_b);
    sqlite3_free(args_a), sqlite3_free(en_a), sqlite3_free(zh_a);
    rc = exec_bound(db, not_covered, period, r, err);
    if (!rc)
        rc = exec_bound(db, unknown, period, r, err);
    sqlite3_free(not_covered);
    sqlite3_free(unknown);
    if (!rc)
        rc = coverage_quarantined(db, period, r, err);
    if (!rc)
        rc = db_exec(db, "DROP TABLE IF EXISTS temp.reconcile_cover", err);
    if (!rc) {
        int64_t n = 0;
        db_query_int(db, &n, NULL,
                     "SELECT count(*) FROM reconcile_record WHERE period = ? AND rule = ? AND "
                     "issue = 'only_in_a'",
                     period, r->id, NULL);
        o->unknown = n;
    }
    return rc;
}

static long long count_records(sqlite3 *db, const char *period, const char *rule)
{
    int64_t n = 0;
    db_query_int(db, &n, NULL, "SELECT count(*) FROM reconcile_record WHERE period = ? AND rule = ?",
                 period, rule, NULL);
    return n;
}

static int store_rule_state(sqlite3 *db, const char *period, const rrule *r,
                            const rrule_outcome *o, hr_error *err)
{
    char skipped[320];
    snprintf(skipped, sizeof skipped, "source missing: %s", o->missing);
    char *sql = sqlite3_mprintf(
        "INSERT OR REPLACE INTO reconcile_rule_state VALUES (%Q, %Q, %Q, %Q, %lld, %lld, "
        "NULLIF(%Q, ''), NULLIF(%Q, ''), %Q);"
        "%s",
        period, r->id, r->blocking ? "blocking" : "warning",
        o->missing[0] ? "skipped" : o->failed ? "fail" : "ok", o->aggregate_fails,
        o->record_issues, r->fact, r->authority,
        o->missing[0] ? skipped
                      : o->failed ? "differences beyond tolerance" : "within tolerance",
        "");
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    if (!rc && r->fact[0]) {
        sql = sqlite3_mprintf("INSERT OR REPLACE INTO authority VALUES (%Q, %Q, %Q)", period,
                              r->fact, r->authority);
        rc = db_exec(db, sql, err);
        sqlite3_free(sql);
    }
    return rc;
}

/* Appends to o->missing each source of the rule without a current file
 * for the month: such a rule is skipped, neither passed nor failed (a
 * comparison with an absent file would report every row as a difference). */
static int absent_sources(sqlite3 *db, const char *period, const rrule *r, rrule_outcome *o,
                          hr_error *err)
{
    const char *src[2 * RR_MAX_TERMS + 2];
    int n = 0;
    if (r->kind == RK_AGGREGATE) {
        for (int i = 0; i < r->na; i++)
            src[n++] = r->a[i].source;
        for (int i = 0; i < r->nb; i++)
            src[n++] = r->b[i].source;
    } else {
        src[n++] = r->src_a;
        src[n++] = r->src_b;
    }
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= strcmp(src[i], src[j]) == 0;
        int64_t files = 0;
        if (dup)
            continue;
        if (db_query_int(db, &files, err,
                         "SELECT count(*) FROM source_file WHERE period = ? AND source = ?"
                         " AND current = 1",
                         period, src[i], NULL) < 0)
            return err->code;
        if (!files) {
            size_t len = strlen(o->missing);
            snprintf(o->missing + len, sizeof o->missing - len, "%s%s", len ? " " : "", src[i]);
        }
    }
    return HR_OK;
}

static int evaluate(sqlite3 *db, const char *period, const rrule *r, rrule_outcome *o,
                    hr_error *err)
{
    memset(o, 0, sizeof *o);
    int rc = absent_sources(db, period, r, o, err);
    if (rc)
        return rc;
    if (o->missing[0])
        return store_rule_state(db, period, r, o, err);
    if (r->kind == RK_AGGREGATE) {
        rc = aggregate(db, period, r, r->a, r->na, r->b, r->nb, r->is_amount, o, err);
    } else if (r->kind == RK_RECORDS) {
        rterm a = {{0}, ""}, b = {{0}, ""};
        snprintf(a.source, sizeof a.source, "%s", r->src_a);
        snprintf(b.source, sizeof b.source, "%s", r->src_b);
        rc = aggregate(db, period, r, &a, 1, &b, 1, 0, o, err);
        if (!rc)
            rc = records(db, period, r, err);
    } else if (r->kind == RK_COVERAGE) {
        rc = coverage(db, period, r, o, err);
    } else {
        rc = within(db, period, r, err);
    }
    if (rc)
        return rc;
    o->record_issues = count_records(db, period, r->id);
    if (r->kind == RK_AGGREGATE)
        o->failed = o->aggregate_fails > 0;
    else if (r->kind == RK_COVERAGE) /* rows not covered: within tolerance per department */
        o->failed = o->aggregate_fails > 0 || o->unknown > 0;
    else
        o->failed = o->aggregate_fails > 0 || (double)o->record_issues > r->tolerance_abs;
    return store_rule_state(db, period, r, o, err);
}

static int forget_previous(sqlite3 *db, const char *period, hr_error *err)
{
    char *sql = sqlite3_mprintf("DELETE FROM reconcile_result WHERE period = %Q;"
                                "DELETE FROM reconcile_record WHERE period = %Q;"
                                "DELETE FROM reconcile_rule_state WHERE period = %Q;",
                                period, period, period);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

static int set_state(sqlite3 *db, const char *period, const char *state, int forced,
                     hr_error *err)
{
    /* with the results, in reconcile's transaction: reconciled_inputs names
     * the inputs the results were computed from */
    assert(!sqlite3_get_autocommit(db));
    char now[32];
    db_now(now, sizeof now);
    char *sql = sqlite3_mprintf(
        "INSERT INTO period_state (period, reconciled_at, reconcile_state, reconcile_forced) "
        "VALUES (%Q, %Q, %Q, %d) ON CONFLICT(period) DO UPDATE SET "
        "reconciled_at = excluded.reconciled_at, reconcile_state = excluded.reconcile_state, "
        "reconcile_forced = excluded.reconcile_forced, reconciled_inputs = period_state.inputs",
        period, now, state, forced);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

/* Writes the rows of `sql` (bound: ?1 period, ?2 rule) with a header. */
static int write_csv(sqlite3 *db, const char *path, const char *header, const char *sql,
                     const char *period, const char *rule, hr_error *err)
{
    paths_out out;
    if (paths_out_open(&out, path, err))
        return err->code;
    FILE *f = out.f;
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st) {
        paths_out_abandon(&out);
        return err->code;
    }
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    if (rule)
        sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
    fprintf(f, "\xEF\xBB\xBF%s\n", header); /* a BOM: these files are opened in Excel */
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            if (i)
                fputc(',', f);
            csv_put_field(f, (const char *)sqlite3_column_text(st, i));
        }
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    if (rc) { /* never a file cut short in place of the whole one */
        paths_out_abandon(&out);
        return rc;
    }
    return paths_out_commit(&out, err);
}

/* The name of the department in column COL of r, from the month's dictionary. */
#define DEPT_NAME(col) \
    "coalesce((SELECT d.name_zh FROM dept d WHERE d.period = r.period AND d.dept_code = r." col \
    "), '')"

static int write_csvs(sqlite3 *db, const rconfig *conf, const char *period, const char *dir,
                      hr_error *err)
{
    char path[4096], stem[256];
    int rc = paths_make_dir(dir, err);
    for (int i = 0; i < conf->nrules && !rc; i++) {
        if (conf->rules[i].kind == RK_AGGREGATE)
            continue;
        snprintf(stem, sizeof stem, "reconcile-%s-%s", period, conf->rules[i].id);
        if ((rc = paths_output_file(dir, stem, ".csv", path, sizeof path, err)))
            break;
        rc = write_csv(db, path,
                       "期间(period),规则(rule),记录(record_key),差异(issue),科室代码(dept_code),"
                       "科室(dept_name),对方科室代码(dept_code_b),对方科室(dept_name_b),"
                       "说明(detail),说明中文(detail_zh),级别(severity)",
                       "SELECT period, rule, record_key, issue, dept_code, " DEPT_NAME("dept_code")
                       ", dept_code_b, " DEPT_NAME("dept_code_b") ", detail, "
                       "coalesce(detail_zh, detail), severity "
                       "FROM reconcile_record r WHERE period = ?1 AND rule = ?2 ORDER BY rowid",
                       period, conf->rules[i].id, err);
    }
    snprintf(stem, sizeof stem, "reconcile-%s-aggregates", period);
    if (!rc)
        rc = paths_output_file(dir, stem, ".csv", path, sizeof path, err);
    if (!rc)
        rc = write_csv(db, path,
                       "期间(period),规则(rule),科室代码(dept_code),科室(dept_name),口径(level),"
                       "甲方(value_a),乙方(value_b),差额(difference),容差(tolerance),"
                       "结果(status),级别(severity)",
                       "SELECT period, rule, dept_code, " DEPT_NAME("dept_code") ", level, "
                       "CASE level WHEN 'amount' THEN printf('%.2f', value_a / 100.0) ELSE value_a END, "
                       "CASE level WHEN 'amount' THEN printf('%.2f', value_b / 100.0) ELSE value_b END, "
                       "CASE level WHEN 'amount' THEN printf('%.2f', difference / 100.0) ELSE difference END, "
                       "CASE level WHEN 'amount' THEN printf('%.2f', tolerance / 100.0) ELSE tolerance END, "
                       "status, severity FROM reconcile_result r WHERE period = ?1 "
                       "ORDER BY rule, dept_code",
                       period, NULL, err);
    return rc;
}

static void print_summary(const rconfig *conf, const rrule_outcome *o, const char *period,
                          const char *state, FILE *out)
{
    /* the title and header in the messages' language; the state and the
     * rows' words as they are */
    fprintf(out, _("reconciliation %s: %s\n"), period, state);
    /* TRANSLATORS: keep the columns over the rows' (%-28s %-9s %-6s %11s %9s
     * %9s; a Chinese character takes two) */
    fputs(_("rule                         severity  status departments    beyond   records\n"), out);
    for (int i = 0; i < conf->nrules; i++) {
        if (o[i].missing[0]) {
            fprintf(out, "%-28s %-9s %s: %s\n", conf->rules[i].id,
                    conf->rules[i].blocking ? "blocking" : "warning",
                    "skipped (source missing)", o[i].missing);
            continue;
        }
        fprintf(out, "%-28s %-9s %-6s %11lld %9lld %9lld\n", conf->rules[i].id,
                conf->rules[i].blocking ? "blocking" : "warning", o[i].failed ? "FAIL" : "ok",
                o[i].compared, o[i].aggregate_fails, o[i].record_issues);
    }
}

static int blocking_error(const rconfig *conf, const rrule_outcome *o, const char *period,
                          hr_error *err)
{
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < conf->nrules; i++)
        if (conf->rules[i].blocking && o[i].failed) {
            sb_addf(&sb, "%s%s (", sb.len ? "; " : "", conf->rules[i].id);
            sb_addf(&sb, msg_ntr("%lld department beyond tolerance",
                                 "%lld departments beyond tolerance",
                                 (unsigned long)o[i].aggregate_fails),
                    o[i].aggregate_fails);
            sb_addstr(&sb, ", ");
            sb_addf(&sb, msg_ntr("%lld record difference", "%lld record differences",
                                 (unsigned long)o[i].record_issues),
                    o[i].record_issues);
            sb_addstr(&sb, ")");
        }
    hr_error_set(err, HR_EBLOCKED, NULL, 0, NULL,
                 "reconciliation of %s is blocking: %s; see the reconcile-%s-*.csv files, or "
                 "use --force to render reports marked as unreconciled drafts",
                 period, sb.buf, period);
    sb_release(&sb);
    return HR_EBLOCKED;
}

int reconcile_period(sqlite3 *db, const reconcile_options *opt, hr_error *err)
{
    char buf[4096];
    const char *path = opt->rules;
    if (!path)
        path = paths_data_file("config/rules/reconcile.xml", buf, sizeof buf);
    rconfig conf;
    if (rconfig_load(db, path, &conf, err))
        return err->code;
    rrule_outcome *o = xcalloc((size_t)conf.nrules + 1, sizeof *o);
    int blocking = 0, warnings = 0;
    int rc = db_begin(db, err);
    if (!rc)
        rc = forget_previous(db, opt->period, err);
    for (int i = 0; i < conf.nrules && !rc; i++) {
        rc = evaluate(db, opt->period, &conf.rules[i], &o[i], err);
        blocking |= o[i].failed && conf.rules[i].blocking;
        warnings |= o[i].failed && !conf.rules[i].blocking;
    }
    const char *state = blocking ? "blocking" : warnings ? "warnings" : "ok";
    if (!rc)
        rc = set_state(db, opt->period, state, blocking && opt->force, err);
    if (!rc)
        rc = db_commit(db, err);
    else
        db_rollback(db);
    if (!rc && opt->out_dir)
        rc = write_csvs(db, &conf, opt->period, opt->out_dir, err);
    if (!rc && opt->report)
        print_summary(&conf, o, opt->period, state, opt->report);
    if (!rc && blocking && !opt->force)
        rc = blocking_error(&conf, o, opt->period, err);
    free(o);
    rconfig_free(&conf);
    return rc;
}
