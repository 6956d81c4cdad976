/*
 * registry.c -- the run registry (see registry.h).
 *
 * The fingerprint is a SHA-256 over a canonical text that names every
 * input, one per line, so that two databases holding the same files in
 * the same states give the same fingerprint whatever their row ids.
 */
#include "pipeline/core/registry.h"

#include <assert.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/version.h"
#include "pipeline/core/xalloc.h"

void registry_input_months(const period *p, int *first_month, int *last_month)
{
    int first = p->last - 23;
    period prev, yoy = period_year_earlier(p), ytd = period_ytd(p);
    period ytd_yoy = period_year_earlier(&ytd);
    if (period_previous(p, &prev) == 0 && prev.first < first)
        first = prev.first;
    if (yoy.first < first)
        first = yoy.first;
    if (ytd_yoy.first < first)
        first = ytd_yoy.first;
    if (p->first < first)
        first = p->first;
    *first_month = first;
    *last_month = p->last;
}

static const char *text_or_empty(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

/* "file SOURCE SHA256 READ_WITH" per current source file of the month
 * (source order), on canon. */
static int add_month_files(sqlite3 *db, const char *month, strbuf *canon, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT source, sha256, read_with FROM source_file "
                                  "WHERE period = ? AND current = 1 ORDER BY source, sha256",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        sb_addf(canon, "file %s %s %s\n", text_or_empty(st, 0), text_or_empty(st, 1),
                text_or_empty(st, 2));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading source_file", err);
    return HR_OK;
}

int registry_month_fingerprint(sqlite3 *db, const char *month, char fingerprint[DIGEST_HEX_SIZE],
                               hr_error *err)
{
    strbuf canon = STRBUF_INIT;
    int rc = add_month_files(db, month, &canon, err);
    if (rc == HR_OK)
        digest_buffer(canon.buf ? canon.buf : "", canon.len, fingerprint);
    sb_release(&canon);
    return rc;
}

/* One line for the month's state (a validation or reconciliation of other
 * data than the month's current files reads "stale"), then one per current
 * source file of the month. */
static int add_month_inputs(sqlite3 *db, const char *month, strbuf *canon, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT " REGISTRY_VALIDATION_SQL ", " REGISTRY_RECONCILE_SQL
                                  ", reconcile_forced FROM period_state WHERE period = ?",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        sb_addf(canon, "month %s %s %s %d\n", month, text_or_empty(st, 0), text_or_empty(st, 1),
                sqlite3_column_int(st, 2));
    else
        sb_addf(canon, "month %s absent\n", month);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, "reading period_state", err);
    return add_month_files(db, month, canon, err);
}

/* budget.csv applies to its year wherever it was loaded: every current one. */
static int add_budget_files(sqlite3 *db, strbuf *canon, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT period, sha256 FROM source_file WHERE current = 1 "
                                  "AND source = 'budget' ORDER BY period, sha256",
                                  err);
    if (!st)
        return err->code;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        sb_addf(canon, "budget %s %s\n", text_or_empty(st, 0), text_or_empty(st, 1));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading source_file", err);
    return HR_OK;
}

static int skip_entry(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Configuration that says where data come from and where reports go, not
 * what they say: a new contact or addressee renders nothing again. */
static int shapes_no_number(const char *rel)
{
    static const char *const files[] = {"sources.xml", "delivery.xml", "schema/sources.xsd",
                                        "schema/delivery.xsd"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (strcmp(rel, files[i]) == 0)
            return 1;
    return 0;
}

/* Every regular file under dir (relative names under rel), sorted by name
 * at each level, as "config REL SHA256" lines. */
static int add_config_dir(const char *dir, const char *rel, strbuf *canon, hr_error *err)
{
    struct dirent **names;
    int n = scandir(dir, &names, skip_entry, alphasort);
    if (n < 0)
        return HR_OK; /* no config folder: nothing shapes the numbers from there */
    int rc = HR_OK;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX], sub[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]->d_name);
        struct stat stbuf;
        if (rc == HR_OK && stat(path, &stbuf) == 0) {
            if (S_ISDIR(stbuf.st_mode)) {
                rc = add_config_dir(path, sub, canon, err);
            } else if (S_ISREG(stbuf.st_mode) && !shapes_no_number(sub)) {
                char hex[DIGEST_HEX_SIZE];
                rc = digest_file(path, hex, NULL, err);
                if (rc == HR_OK)
                    sb_addf(canon, "config %s %s\n", sub, hex);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int registry_inputs_fingerprint(sqlite3 *db, const char *period_text,
                                char fingerprint[DIGEST_HEX_SIZE], hr_error *err)
{
    period p;
    if (period_parse(period_text, &p, err))
        return err->code;
    int first, last;
    registry_input_months(&p, &first, &last);
    strbuf canon = STRBUF_INIT;
    sb_addf(&canon, "hospreport %s\n", HOSPREPORT_VERSION);
    int rc = HR_OK;
    for (int m = first; m <= last && rc == HR_OK; m++) {
        char label[PERIOD_LABEL_MAX];
        rc = add_month_inputs(db, period_month_label(m, label), &canon, err);
    }
    if (rc == HR_OK)
        rc = add_budget_files(db, &canon, err);
    char config[PATH_MAX];
    if (rc == HR_OK)
        rc = add_config_dir(paths_data_file("config", config, sizeof config), "", &canon, err);
    if (rc == HR_OK)
        digest_buffer(canon.buf, canon.len, fingerprint);
    sb_release(&canon);
    return rc;
}

int registry_entry_init(registry_entry *e, const char *kind, const char *period,
                        const char *scope, const char *lang, const char *template_path,
                        const char fingerprint[DIGEST_HEX_SIZE], const char *output_path,
                        hr_error *err)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->period = period;
    e->scope = scope;
    e->lang = lang;
    e->template_path = template_path;
    e->output_path = output_path;
    snprintf(e->inputs_fingerprint, sizeof e->inputs_fingerprint, "%s", fingerprint);
    if (digest_file(template_path, e->template_sha256, NULL, err))
        return hr_error_set(err, HR_EFAIL, template_path, 0, NULL,
                            "cannot read the report template");
    return HR_OK;
}

static void bind_key(sqlite3_stmt *st, const registry_entry *e)
{
    sqlite3_bind_text(st, 1, e->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->lang, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->output_path, -1, SQLITE_STATIC);
}

int registry_is_current(sqlite3 *db, const registry_entry *e, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT template_sha256, inputs_fingerprint, output_sha256, draft "
                                  "FROM report_run WHERE kind = ? AND period = ? AND scope = ? "
                                  "AND lang = ? AND output_path = ? ORDER BY run_id DESC LIMIT 1",
                                  err);
    if (!st)
        return -1;
    bind_key(st, e);
    int rc = sqlite3_step(st), current = 0;
    char output_sha[DIGEST_HEX_SIZE] = "";
    if (rc == SQLITE_ROW) {
        current = strcmp(text_or_empty(st, 0), e->template_sha256) == 0 &&
                  strcmp(text_or_empty(st, 1), e->inputs_fingerprint) == 0 &&
                  sqlite3_column_int(st, 3) == (e->draft != 0);
        snprintf(output_sha, sizeof output_sha, "%s", text_or_empty(st, 2));
    } else if (rc != SQLITE_DONE) {
        db_fail(db, "reading report_run", err);
        current = -1;
    }
    sqlite3_finalize(st);
    if (current == 1) {
        /* The file must still be there, as written: a deleted or edited PDF
         * is regenerated. */
        char hex[DIGEST_HEX_SIZE];
        hr_error ignored;
        if (digest_file(e->output_path, hex, NULL, &ignored) || strcmp(hex, output_sha) != 0)
            current = 0;
    }
    return current;
}

int registry_record(sqlite3 *db, const registry_entry *e, hr_error *err)
{
    /* registry_entry_init() filled both digests (a renderer may replace the
     * template's with its own, never with nothing): an entry without them
     * would be current for any inputs */
    assert(strlen(e->inputs_fingerprint) == DIGEST_HEX_SIZE - 1 &&
           strlen(e->template_sha256) == DIGEST_HEX_SIZE - 1);
    char hex[DIGEST_HEX_SIZE], now[32];
    uint64_t bytes = 0;
    if (digest_file(e->output_path, hex, &bytes, err))
        return err->code;
    sqlite3_stmt *st = db_prepare(
        db,
        "INSERT INTO report_run (kind, period, scope, lang, output_path, template_path, "
        "template_sha256, inputs_fingerprint, output_sha256, output_bytes, generated_at, draft) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return err->code;
    bind_key(st, e);
    sqlite3_bind_text(st, 6, e->template_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, e->template_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, e->inputs_fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)bytes);
    sqlite3_bind_text(st, 11, db_now(now, sizeof now), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 12, e->draft != 0);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "recording the report in report_run", err);
    return HR_OK;
}

int registry_results_state(sqlite3 *db, const char *period_text, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT inputs FROM computed_period WHERE period = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, period_text, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    char stored[DIGEST_HEX_SIZE] = "";
    if (rc == SQLITE_ROW)
        snprintf(stored, sizeof stored, "%s", text_or_empty(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return REGISTRY_NONE;
    if (rc != SQLITE_ROW)
        return db_fail(db, "reading computed_period", err), -1;
    char now[DIGEST_HEX_SIZE];
    if (registry_inputs_fingerprint(db, period_text, now, err))
        return -1;
    return strcmp(stored, now) == 0 ? REGISTRY_CURRENT : REGISTRY_STALE;
}

const char *registry_state_name(int state)
{
    return state == REGISTRY_CURRENT ? "current" : state == REGISTRY_STALE ? "stale" : "none";
}

int registry_reports(sqlite3 *db, registry_report **out, int *n, hr_error *err)
{
    *out = NULL;
    *n = 0;
    /* the latest row of each PDF (kind, period, scope, lang, path), per
     * (kind, period): how many scopes, one scope, a folder, the template,
     * whether any is a draft, and the fingerprints they were drawn from */
    sqlite3_stmt *st = db_prepare(
        db,
        "WITH latest AS (SELECT r.* FROM report_run r WHERE run_id = (SELECT max(run_id) FROM "
        " report_run x WHERE x.kind = r.kind AND x.period = r.period AND x.scope = r.scope AND "
        " x.lang = r.lang AND x.output_path = r.output_path)) "
        "SELECT kind, period, count(DISTINCT scope), min(scope), max(output_path), "
        " max(template_path), max(draft), group_concat(DISTINCT inputs_fingerprint), "
        " count(*), max(generated_at), CASE count(DISTINCT lang) WHEN 1 THEN max(lang) "
        " ELSE 'all' END FROM latest GROUP BY kind, period ORDER BY period, kind",
        err);
    if (!st)
        return err->code;
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = xrealloc(*out, (size_t)cap * sizeof **out);
        }
        registry_report *r = &(*out)[(*n)++];
        memset(r, 0, sizeof *r);
        snprintf(r->kind, sizeof r->kind, "%s", text_or_empty(st, 0));
        snprintf(r->period, sizeof r->period, "%s", text_or_empty(st, 1));
        r->scopes = sqlite3_column_int(st, 2);
        snprintf(r->scope, sizeof r->scope, "%s", text_or_empty(st, 3));
        snprintf(r->out_dir, sizeof r->out_dir, "%s", text_or_empty(st, 4));
        char *slash = strrchr(r->out_dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(r->out_dir, sizeof r->out_dir, ".");
        snprintf(r->template_path, sizeof r->template_path, "%s", text_or_empty(st, 5));
        r->draft = sqlite3_column_int(st, 6);
        r->pdfs = sqlite3_column_int(st, 8);
        snprintf(r->generated_at, sizeof r->generated_at, "%s", text_or_empty(st, 9));
        snprintf(r->lang, sizeof r->lang, "%s", text_or_empty(st, 10));
        char now[DIGEST_HEX_SIZE];
        hr_error ignored;
        /* a period that no longer parses or reads is stale: it cannot be as drawn */
        r->stale = registry_inputs_fingerprint(db, r->period, now, &ignored) != HR_OK ||
                   strcmp(text_or_empty(st, 7), now) != 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return db_fail(db, "reading report_run", err);
    }
    return HR_OK;
}
