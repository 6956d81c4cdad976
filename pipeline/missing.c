/*
 * missing.c -- the expected sources a month lacks and what they cost (see
 * missing.h).
 */
#include "pipeline/missing.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/log.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/pull/pull.h"

/* A source whose file name pattern names no month is yearly (budget.csv,
 * 年度预算_{YYYY}.csv): one file serves the months of its year. */
static int yearly(const pull_source *s)
{
    return !strstr(s->pattern, "{MM}") && !strstr(s->pattern, "{YYYYMM}") &&
           !strstr(s->pattern, "{YYYY-MM}");
}

static int present(sqlite3 *db, const pull_source *s, const char *month, hr_error *err)
{
    int64_t n = 0;
    char first[8];
    snprintf(first, sizeof first, "%.4s-01", month);
    int rc = db_query_int(db, &n, err,
                          "SELECT count(*) FROM source_file WHERE current = 1 AND source = ?"
                          " AND period BETWEEN ? AND ?",
                          s->table, yearly(s) ? first : month, month, NULL);
    return rc < 0 ? -1 : n > 0;
}

void missing_report_free(missing_report *rep)
{
    free(rep->src);
    free(rep->ind);
    memset(rep, 0, sizeof *rep);
}

int missing_of_month(sqlite3 *db, const cli_args *a, const char *month, missing_report *rep,
                     hr_error *err)
{
    memset(rep, 0, sizeof *rep);
    snprintf(rep->month, sizeof rep->month, "%s", month);
    pull_config *cfg;
    if (pull_config_load(a ? a->sources : NULL, NULL, &cfg, err))
        return err->code;
    int rc = HR_OK;
    const char **absent = xrealloc(NULL, ((size_t)cfg->nsources + 1) * sizeof *absent);
    int nabsent = 0;
    for (int i = 0; i < cfg->nsources; i++) {
        const pull_source *s = &cfg->sources[i];
        int p = present(db, s, month, err);
        if (p < 0) {
            rc = err->code;
            break;
        }
        if (p)
            continue;
        rep->src = xrealloc(rep->src, (size_t)(rep->nsrc + 1) * sizeof *rep->src);
        missing_source *m = &rep->src[rep->nsrc++];
        memset(m, 0, sizeof *m);
        snprintf(m->file, sizeof m->file, "%s", s->name);
        snprintf(m->table, sizeof m->table, "%s", s->table);
        snprintf(m->system, sizeof m->system, "%s", s->system ? s->system : "");
        snprintf(m->contact, sizeof m->contact, "%s%s%s%s%s", s->contact.name ? s->contact.name : "",
                 s->contact.dept ? ", " : "", s->contact.dept ? s->contact.dept : "",
                 s->contact.phone ? ", " : "", s->contact.phone ? s->contact.phone : "");
        m->required = s->required;
        rep->nrequired += s->required;
        if (nabsent < 64)
            absent[nabsent++] = s->table; /* cfg outlives the query, rep->src moves */
    }
    if (rc == HR_OK)
        rc = compute_undefined_by_sources(db, month, absent, nabsent, &rep->ind, &rep->nind, err);
    free(absent);
    pull_config_free(cfg);
    return rc;
}

/* Does the indicator need one of the sources of the kind (required or not)? */
static int costs(const missing_report *rep, const compute_undefined *u, int required)
{
    for (int i = 0; i < rep->nsrc; i++) {
        if (rep->src[i].required != required)
            continue;
        const char *t = rep->src[i].table;
        size_t n = strlen(t);
        for (const char *p = strstr(u->sources, t); p; p = strstr(p + 1, t))
            if ((p == u->sources || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
                return 1;
    }
    return 0;
}

/* One line: the month's absent sources of the kind, and what they cost. */
static int line_of(const missing_report *rep, int required, strbuf *sb)
{
    int n = 0;
    for (int i = 0; i < rep->nsrc; i++) {
        const missing_source *m = &rep->src[i];
        if (m->required != required)
            continue;
        if (!n++)
            sb_addf(sb, required ? _("%s: required sources missing: ")
                                 : _("%s: optional sources absent: "),
                    rep->month);
        else
            sb_addf(sb, "%s", msg_chinese() ? "、" : ", ");
        if (required && m->contact[0])
            sb_addf(sb, _("%s (%s; chase %s)"), m->file, m->system, m->contact);
        else
            sb_addf(sb, "%s", m->file);
    }
    if (!n)
        return 0;
    int k = 0;
    for (int i = 0; i < rep->nind; i++) {
        if (!costs(rep, &rep->ind[i], required))
            continue;
        sb_addf(sb, "%s", k++ ? (msg_chinese() ? "、" : ", ") : _("; undefined without them: "));
        sb_addf(sb, "%s", msg_chinese() ? rep->ind[i].name_zh : rep->ind[i].id);
    }
    if (!k)
        sb_addf(sb, "%s", _("; no indicator needs them"));
    return 1;
}

void missing_print(const missing_report *rep, FILE *out)
{
    for (int required = 1; required >= 0; required--) {
        strbuf sb = STRBUF_INIT;
        if (line_of(rep, required, &sb))
            fprintf(out, "%s\n", sb.buf);
        sb_release(&sb);
    }
}

static int store(sqlite3 *db, const missing_report *rep, hr_error *err)
{
    char *sql = sqlite3_mprintf("DELETE FROM month_missing_source WHERE period = %Q;"
                                "DELETE FROM month_undefined_indicator WHERE period = %Q;",
                                rep->month, rep->month);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    for (int i = 0; i < rep->nsrc && rc == HR_OK; i++) {
        const missing_source *m = &rep->src[i];
        sql = sqlite3_mprintf("INSERT INTO month_missing_source VALUES (%Q, %Q, %Q, %Q, %d)",
                              rep->month, m->table, m->file, m->system, m->required);
        rc = db_exec(db, sql, err);
        sqlite3_free(sql);
    }
    for (int i = 0; i < rep->nind && rc == HR_OK; i++) {
        sql = sqlite3_mprintf("INSERT INTO month_undefined_indicator VALUES (%Q, %Q, %Q)",
                              rep->month, rep->ind[i].id, rep->ind[i].sources);
        rc = db_exec(db, sql, err);
        sqlite3_free(sql);
    }
    return rc;
}

int missing_refresh(sqlite3 *db, const cli_args *a, const char *period_text, int print,
                    hr_error *err)
{
    period p;
    if (period_parse(period_text, &p, err))
        return err->code;
    int rc = HR_OK;
    for (int month = p.first; month <= p.last && rc == HR_OK; month++) {
        char label[PERIOD_LABEL_MAX];
        period_month_label(month, label);
        int64_t loaded = 0;
        if (db_query_int(db, &loaded, err,
                         "SELECT count(*) FROM source_file WHERE period = ? AND current = 1",
                         label, NULL) < 0)
            return err->code;
        missing_report rep;
        if (!loaded) { /* not loaded: nothing to say about it (yet) */
            memset(&rep, 0, sizeof rep);
            snprintf(rep.month, sizeof rep.month, "%s", label);
            rc = store(db, &rep, err);
            continue;
        }
        rc = missing_of_month(db, a, label, &rep, err);
        if (rc == HR_OK)
            rc = store(db, &rep, err);
        if (rc == HR_OK && print)
            for (int required = 1; required >= 0; required--) {
                strbuf sb = STRBUF_INIT;
                if (line_of(&rep, required, &sb)) {
                    if (required)
                        log_warn("%s", sb.buf);
                    else
                        log_info("%s", sb.buf);
                }
                sb_release(&sb);
            }
        missing_report_free(&rep);
    }
    return rc;
}
