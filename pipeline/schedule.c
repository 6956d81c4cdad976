/*
 * schedule.c -- deadlines, `due` and `status` (see schedule.h).
 *
 * The date arithmetic is a few pure functions over days since 1970-01-01
 * (pipeline/core/calendar.h); the commands read period_state for what is
 * loaded and report_run (registry.h) for what is done.
 */
#include "pipeline/schedule.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/core/calendar.h"
#include "pipeline/core/db.h"
#include "pipeline/core/log.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/registry.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/value.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/missing.h"

const char *schedule_date_label(int32_t days, char buf[11])
{
    int y, m, d;
    calendar_civil_from_days(days, &y, &m, &d);
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
    return buf;
}

int schedule_parse_date(const char *text, int32_t *days, hr_error *err)
{
    if (!text || strlen(text) != 10 || value_date(text, 10) != 0)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--today",
                            "'%s' is not a date (expected YYYY-MM-DD)", text ? text : "");
    *days = calendar_days_from_civil(atoi(text), atoi(text + 5), atoi(text + 8));
    return HR_OK;
}

int32_t schedule_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return calendar_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

const char *schedule_kind(const period *p)
{
    switch (p->kind) {
    case PERIOD_MONTH: return "monthly";
    case PERIOD_QUARTER: return "quarterly";
    case PERIOD_YEAR: return "annual";
    default: return "topic";
    }
}

int schedule_deadline(const period *p, int32_t *deadline_days)
{
    int next = p->last + 1; /* the month after the period */
    switch (p->kind) {
    case PERIOD_MONTH:
        *deadline_days = calendar_days_from_civil(period_year(next), period_month(next), 9);
        return 0;
    case PERIOD_QUARTER:
        *deadline_days = calendar_days_from_civil(period_year(next), period_month(next), 1) - 1 + 15;
        return 0;
    case PERIOD_YEAR:
        *deadline_days = calendar_days_from_civil(period_year(next), 1, 31);
        return 0;
    default:
        return -1;
    }
}

schedule_state schedule_state_of(int done, int32_t today_days, int32_t deadline_days)
{
    if (done == 2)
        return SCHEDULE_STALE;
    if (done)
        return SCHEDULE_DONE;
    return today_days > deadline_days ? SCHEDULE_OVERDUE : SCHEDULE_DUE;
}

const char *schedule_state_name(schedule_state s)
{
    return s == SCHEDULE_DONE ? "done"
           : s == SCHEDULE_DUE ? "due"
           : s == SCHEDULE_STALE ? "stale"
                                 : "overdue";
}

int schedule_listed(int32_t today_days, int32_t deadline_days)
{
    return deadline_days <= today_days + SCHEDULE_HORIZON_DAYS &&
           deadline_days >= today_days - SCHEDULE_LOOKBACK_DAYS;
}

/* ---- due ---- */

typedef struct due_row {
    period p;
    int32_t deadline;
    schedule_state state;
    char *missing; /* required sources not in (awaiting.c), or NULL; owned */
} due_row;

/* The month indexes in period_state, ascending; *n set. Caller frees. */
static int loaded_months(sqlite3 *db, int **out, int *n, hr_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_prepare(db, "SELECT period FROM period_state ORDER BY period", err);
    if (!st)
        return err->code;
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        period p;
        if (!text || period_parse_month(text, &p, NULL) != 0)
            continue; /* not a month: nothing can be due for it */
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int *grown = xrealloc(*out, (size_t)cap * sizeof **out);
            *out = grown;
        }
        (*out)[(*n)++] = p.first;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading period_state", err);
    return HR_OK;
}

static int month_loaded(const int *months, int n, int month)
{
    for (int i = 0; i < n; i++)
        if (months[i] == month)
            return 1;
    return 0;
}

static int all_loaded(const int *months, int n, const period *p)
{
    for (int m = p->first; m <= p->last; m++)
        if (!month_loaded(months, n, m))
            return 0;
    return 1;
}

/* 1 when report_run has the hospital-scope report in every language of
 * `lang` ("all": zh_CN, en, bilingual), 0 if not, -1 on error. */
static int report_done(sqlite3 *db, const char *kind, const char *period_text, const char *lang,
                       hr_error *err)
{
    static const char *const all[] = {"zh_CN", "en", "bilingual"};
    const char *one[] = {lang};
    int all_langs = !lang || strcmp(lang, "all") == 0;
    const char *const *langs = all_langs ? all : one;
    int nlangs = all_langs ? 3 : 1, stale = 0;
    char now[DIGEST_HEX_SIZE];
    if (registry_inputs_fingerprint(db, period_text, now, err))
        return -1;
    for (int i = 0; i < nlangs; i++) {
        int64_t v;
        /* 1: the latest PDF is no draft and drawn from today's inputs; 2: no
         * draft, but from other inputs (stale); 0: a draft */
        int rc = db_query_int(db, &v, err,
                              "SELECT CASE WHEN draft THEN 0 WHEN inputs_fingerprint = ? THEN 1 "
                              "ELSE 2 END FROM report_run WHERE kind = ? AND period = ? "
                              "AND scope = 'hospital' AND lang = ? ORDER BY run_id DESC LIMIT 1",
                              now, kind, period_text, langs[i], NULL);
        if (rc <= 0 || v == 0)
            return rc < 0 ? -1 : 0;
        stale |= v == 2;
    }
    return stale ? 2 : 1;
}

/* Every monthly, quarterly and annual report whose months are all loaded. */
static int candidate_periods(const int *months, int n, period **out, int *count)
{
    *out = xcalloc((size_t)n * 3 + 1, sizeof **out);
    *count = 0;
    for (int i = 0; i < n; i++) {
        int m = months[i];
        (*out)[(*count)++] = (period){PERIOD_MONTH, m, m};
        if (period_month(m) % 3 == 0) {
            period q = {PERIOD_QUARTER, m - 2, m};
            if (all_loaded(months, n, &q))
                (*out)[(*count)++] = q;
        }
        if (period_month(m) == 12) {
            period y = {PERIOD_YEAR, m - 11, m};
            if (all_loaded(months, n, &y))
                (*out)[(*count)++] = y;
        }
    }
    return 0;
}

static int kind_rank(period_kind k)
{
    return k == PERIOD_MONTH ? 0 : k == PERIOD_QUARTER ? 1 : 2;
}

static int due_row_cmp(const void *a, const void *b)
{
    const due_row *x = a, *y = b;
    if (x->deadline != y->deadline)
        return x->deadline < y->deadline ? -1 : 1;
    return kind_rank(x->p.kind) - kind_rank(y->p.kind);
}

/* quiet (-q): only what is not done, no header; nothing when all is done */
static void pad(FILE *out, const char *s, int width, int gap);

static void print_due(FILE *out, const due_row *rows, int n, int quiet)
{
    if (!quiet) { /* the header in the message language; the rows stay awk-able words */
        pad(out, _("KIND"), 9, 0);
        pad(out, _("PERIOD"), 8, 0);
        pad(out, _("DEADLINE"), 10, 0);
        fprintf(out, "%s\n", _("STATE"));
    }
    for (int i = 0; i < n; i++) {
        char label[PERIOD_LABEL_MAX], date[11];
        if (quiet && rows[i].state == SCHEDULE_DONE)
            continue;
        fprintf(out, "%-9s  %-8s  %-10s  %s", schedule_kind(&rows[i].p),
                period_label(&rows[i].p, label), schedule_date_label(rows[i].deadline, date),
                rows[i].missing && rows[i].state == SCHEDULE_DUE
                    ? "waiting"
                    : schedule_state_name(rows[i].state));
        if (rows[i].missing && rows[i].state != SCHEDULE_DONE)
            fprintf(out, "  %sfor data: %s", rows[i].state == SCHEDULE_DUE ? "" : "waiting ",
                    rows[i].missing);
        fputc('\n', out);
    }
}

/* Adds a row for each month not loaded whose deadline is listed
 * (awaiting.c): `waiting` with what is missing (or plain `due` when every
 * required source is pulled but not run yet), `overdue` after the
 * deadline. */
static int add_awaiting(sqlite3 *db, const cli_args *a, int32_t today, due_row **rows,
                        int *nrows, hr_error *err)
{
    awaiting_month *w;
    int n;
    int rc = awaiting_months(db, a, today, &w, &n, err);
    for (int i = 0; i < n && rc == HR_OK; i++) {
        int loaded = 0;
        for (int k = 0; k < *nrows; k++)
            loaded |= (*rows)[k].p.kind == PERIOD_MONTH && (*rows)[k].p.first == w[i].month;
        if (loaded)
            continue; /* listed already, as its reports stand */
        *rows = xrealloc(*rows, (size_t)(*nrows + 1) * sizeof **rows);
        due_row *row = &(*rows)[(*nrows)++];
        row->p = (period){PERIOD_MONTH, w[i].month, w[i].month};
        schedule_deadline(&row->p, &row->deadline);
        row->state = schedule_state_of(0, today, row->deadline);
        row->missing = NULL;
        if (w[i].missing[0]) {
            row->missing = xstrdup(w[i].missing);
        }
    }
    free(w);
    return rc;
}

/* Fills rows[] with the listed reports; *older counts the reports never
 * generated whose deadline is before the lookback window. */
static int collect_due(sqlite3 *db, const cli_args *a, int32_t today, due_row **rows, int *nrows,
                       int *older, hr_error *err)
{
    int *months, nmonths, ncand, rc;
    period *cand;
    *rows = NULL;
    *nrows = *older = 0;
    if ((rc = loaded_months(db, &months, &nmonths, err))) {
        free(months);
        return rc;
    }
    candidate_periods(months, nmonths, &cand, &ncand);
    free(months);
    *rows = xcalloc((size_t)ncand + 1, sizeof **rows);
    for (int i = 0; i < ncand && rc == HR_OK; i++) {
        int32_t deadline;
        char label[PERIOD_LABEL_MAX];
        schedule_deadline(&cand[i], &deadline);
        if (deadline > today + SCHEDULE_HORIZON_DAYS)
            continue;
        int done = report_done(db, schedule_kind(&cand[i]), period_label(&cand[i], label),
                               a->lang, err);
        if (done < 0) {
            rc = err->code;
        } else if (schedule_listed(today, deadline)) {
            (*rows)[(*nrows)++] =
                (due_row){cand[i], deadline, schedule_state_of(done, today, deadline), NULL};
        } else if (!done) {
            (*older)++;
        }
    }
    free(cand);
    if (rc == HR_OK)
        rc = add_awaiting(db, a, today, rows, nrows, err);
    qsort(*rows, (size_t)*nrows, sizeof **rows, due_row_cmp);
    return rc;
}

int schedule_due(const cli_args *a, FILE *out, hr_error *err)
{
    int32_t today = schedule_today();
    if (a->today && schedule_parse_date(a->today, &today, err))
        return err->code;
    sqlite3 *db;
    if (db_open_readonly(a->db, &db, err))
        return err->code;
    due_row *rows;
    int n, older;
    int rc = collect_due(db, a, today, &rows, &n, &older, err);
    if (rc == HR_OK) {
        print_due(out, rows, n, log_verbosity == 0);
        if (older && log_verbosity > 0) {
            char date[11];
            fputs("hospreport: ", stderr);
            fprintf(stderr,
                    msg_ntr("%d older report was never generated (deadline before %s); "
                            "'hospreport status' lists the reports done\n",
                            "%d older reports were never generated (deadline before %s); "
                            "'hospreport status' lists the reports done\n",
                            (unsigned long)older),
                    older, schedule_date_label(today - SCHEDULE_LOOKBACK_DAYS, date));
        }
    }
    for (int i = 0; i < n; i++)
        free(rows[i].missing);
    free(rows);
    db_close(db);
    return rc;
}

/* ---- status ---- */

/* Display width of UTF-8 text (CJK characters count two). */
static int text_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w += *p >= 0xE0 ? 2 : 1;
    return w;
}

/* Text left-aligned in `width` columns, then two spaces (gap < 0: none). */
static void pad(FILE *out, const char *s, int width, int gap)
{
    fputs(s, out);
    for (int w = text_width(s); w < width + (gap < 0 ? 0 : 2); w++)
        fputc(' ', out);
}

/* Text right-aligned in `width` columns, then two spaces. */
static void rpad(FILE *out, const char *s, int width)
{
    for (int w = text_width(s); w < width; w++)
        fputc(' ', out);
    fprintf(out, "%s  ", s);
}

/* A state word of `status` in the message language. */
static const char *state_tr(const char *state)
{
    static const char *const words[] = {N_("ok"),      N_("warnings"), N_("failed"),
                                        N_("blocking"), N_("stale"),   N_("yes"),
                                        N_("no"),       N_("current"), N_("draft")};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(state, words[i]) == 0)
            return _(words[i]);
    return state;
}

static const char *column_text(sqlite3_stmt *st, int col, const char *none)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t && *t ? (const char *)t : none;
}

static int print_months(sqlite3 *db, FILE *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT ps.period,"
        " (SELECT count(*) FROM source_file f WHERE f.period = ps.period AND f.current = 1),"
        " (SELECT coalesce(sum(rows_loaded), 0) FROM source_file f"
        "   WHERE f.period = ps.period AND f.current = 1),"
        " (SELECT count(*) FROM quarantine q WHERE q.period = ps.period),"
        " " REGISTRY_VALIDATION_SQL ", " REGISTRY_RECONCILE_SQL ", ps.reconcile_forced, "
        " ps.computed_at FROM period_state ps ORDER BY ps.period",
        err);
    if (!st)
        return err->code;
    pad(out, _("MONTH"), 8, 0);
    rpad(out, _("FILES"), 5);
    rpad(out, _("ROWS"), 12);
    rpad(out, _("QUARANTINED"), 11);
    pad(out, _("VALIDATION"), 10, 0);
    pad(out, _("RECONCILIATION"), 16, 0);
    fprintf(out, "%s\n", _("COMPUTED"));
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char reconcile[64];
        const char *rstate = column_text(st, 5, "-");
        snprintf(reconcile, sizeof reconcile, "%s%s", state_tr(rstate),
                 sqlite3_column_int(st, 6) && strcmp(rstate, "stale") ? _("(forced)") : "");
        /* computed: yes for results of the month's current inputs (and of
         * the months it reads), stale when any of them changed since */
        int computed = registry_results_state(db, column_text(st, 0, "?"), err);
        if (computed < 0)
            break;
        fprintf(out, "%-8s  %5d  %12lld  %11lld  ", column_text(st, 0, "?"),
                sqlite3_column_int(st, 1), (long long)sqlite3_column_int64(st, 2),
                (long long)sqlite3_column_int64(st, 3));
        pad(out, state_tr(column_text(st, 4, "-")), 10, 0);
        pad(out, reconcile, 16, 0);
        fprintf(out, "%s\n",
                state_tr(computed == REGISTRY_CURRENT ? "yes"
                         : computed == REGISTRY_STALE ? "stale"
                                                      : "no"));
        n++;
    }
    if (rc == SQLITE_ROW) { /* the results' state could not be read */
        sqlite3_finalize(st);
        return err->code;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading period_state", err);
    if (n == 0)
        fprintf(out, "%s\n", _("(no month loaded)"));
    return HR_OK;
}

static int print_reports(sqlite3 *db, FILE *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT kind, period, count(DISTINCT scope), count(DISTINCT scope || ' ' || lang),"
        " group_concat(DISTINCT lang), max(generated_at) FROM report_run "
        "GROUP BY kind, period ORDER BY period, CASE kind WHEN 'monthly' THEN 0 "
        "WHEN 'quarterly' THEN 1 WHEN 'annual' THEN 2 ELSE 3 END",
        err);
    if (!st)
        return err->code;
    registry_report *reports;
    int nreports;
    if (registry_reports(db, &reports, &nreports, err)) {
        sqlite3_finalize(st);
        return err->code;
    }
    fputc('\n', out);
    pad(out, _("REPORT"), 9, 0);
    pad(out, _("PERIOD"), 17, 0);
    rpad(out, _("SCOPES"), 6);
    rpad(out, _("PDFS"), 5);
    pad(out, _("LAST_GENERATED"), 20, 0);
    pad(out, _("LANGUAGES"), 19, 0);
    fprintf(out, "%s\n", _("STATE"));
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* current: drawn from today's inputs; stale: a month it reads (or a
         * state, the configuration) changed since; draft: forced past a gate */
        const char *state = "current";
        for (int i = 0; i < nreports; i++)
            if (!strcmp(reports[i].kind, column_text(st, 0, "?")) &&
                !strcmp(reports[i].period, column_text(st, 1, "?")))
                state = reports[i].stale ? "stale" : reports[i].draft ? "draft" : "current";
        fprintf(out, "%-9s  %-17s  %6d  %5d  %-20s  %-19s  %s\n", column_text(st, 0, "?"),
                column_text(st, 1, "?"), sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
                column_text(st, 5, "?"), column_text(st, 4, "-"), state_tr(state));
        n++;
    }
    free(reports);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading report_run", err);
    if (n == 0)
        fprintf(out, "%s\n", _("(no report generated)"));
    return HR_OK;
}

/* The reconciliation rules the month's current reconciliation skipped
 * because a source of theirs is absent (reconcile_rule_state). */
static int print_skipped_rules(sqlite3 *db, const char *month, FILE *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT group_concat(s.rule || ' (' || substr(s.message, length('source missing: ') + 1)"
        " || ')', ', ') FROM reconcile_rule_state s JOIN period_state ps ON ps.period = s.period"
        " WHERE s.period = ? AND s.status = 'skipped' AND (" REGISTRY_RECONCILE_SQL ") <> 'stale'",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    int got = db_one(st, err);
    if (got > 0 && sqlite3_column_type(st, 0) != SQLITE_NULL)
        fprintf(out, _("%s: reconciliation skipped (source missing): %s\n"), month,
                (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return got < 0 ? err->code : HR_OK;
}

/* Every loaded month's absent sources and what they cost (missing.h),
 * computed, not read: status writes nothing. */
static int print_missing(sqlite3 *db, const cli_args *a, FILE *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT DISTINCT period FROM source_file WHERE current = 1"
                                  " ORDER BY period",
                                  err);
    if (!st)
        return err->code;
    int rc = HR_OK, header = 0;
    while (rc == HR_OK && db_row(st, &rc, err)) {
        missing_report rep;
        rc = missing_of_month(db, a, (const char *)sqlite3_column_text(st, 0), &rep, err);
        if (rc == HR_OK && rep.nsrc) {
            if (!header++)
                fprintf(out, "\n%s\n", _("MISSING SOURCES (config/sources.xml)"));
            missing_print(&rep, out);
            rc = print_skipped_rules(db, rep.month, out, err);
        }
        missing_report_free(&rep);
    }
    sqlite3_finalize(st);
    return rc;
}

int schedule_status(const cli_args *a, FILE *out, hr_error *err)
{
    sqlite3 *db;
    if (db_open_readonly(a->db, &db, err))
        return err->code;
    int rc = print_months(db, out, err);
    if (rc == HR_OK)
        rc = print_missing(db, a, out, err);
    if (rc == HR_OK)
        rc = print_reports(db, out, err);
    int32_t today = schedule_today();
    if (rc == HR_OK && a->today)
        rc = schedule_parse_date(a->today, &today, err);
    if (rc == HR_OK)
        rc = awaiting_print_sources(db, a, today, out, err);
    db_close(db);
    return rc;
}
