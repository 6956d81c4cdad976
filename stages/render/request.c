/*
 * request.c -- one render request made concrete: the period, the template
 * file and the report kind it names, the hospital configuration, the
 * output folder, and the scopes (the hospital, one department or all of
 * them) with their stable report numbers.
 */
#include "stages/render/request.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/utf8.h"
#include "pipeline/core/smallcount.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/core/xmlconf.h"
#include "stages/render/template.h"

static int config_load(run *r, hr_error *err)
{
    char path[4096], xsd[4096];
    paths_data_file("config/hospital.xml", path, sizeof path);
    paths_data_file("config/schema/hospital.xsd", xsd, sizeof xsd);
    snprintf(r->hospital[LANG_ZH], sizeof r->hospital[0], "%s", "医院");
    snprintf(r->hospital[LANG_EN], sizeof r->hospital[0], "%s", "Hospital");
    xmlDocPtr doc = xmlconf_load(path, xsd, HR_EFAIL, err);
    if (!doc)
        return err->code;
    for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        char lang[16];
        char *text = NULL;
        if (tpl_is(n, "name")) {
            tpl_attr_buf(n, "lang", "zh_CN", lang, sizeof lang);
            text = tpl_text(n);
            utf8_copy(r->hospital[strcmp(lang, "en") == 0], sizeof r->hospital[0], text);
        } else if (tpl_is(n, "author")) {
            text = tpl_text(n);
            utf8_copy(r->author, sizeof r->author, text);
        } else if (tpl_is(n, "small-counts")) {
            small_counts sc; /* as advise reads it (smallcount.h) */
            small_counts_from_node(n, &sc);
            r->small_k = sc.k;
            snprintf(r->small_list, sizeof r->small_list, "%s", sc.list);
        }
        free(text);
    }
    xmlFreeDoc(doc);
    if (!r->author[0])
        snprintf(r->author, sizeof r->author, "%s", r->hospital[LANG_ZH]);
    return HR_OK;
}

/* A code that does not fit is refused rather than cut (a cut code would
 * read another department's data, or none); names are cut at a character
 * boundary. */
static int add_scope(run *r, const char *code, const char *zh, const char *en, hr_error *err)
{
    if (strlen(code) >= sizeof r->scopes[0].code)
        return hr_error_set(err, HR_EINPUT, NULL, 0, "dept_code",
                            "department code '%.40s...' is longer than %zu bytes: no report can "
                            "be named for it",
                            code, sizeof r->scopes[0].code - 1);
    scope_item *grown = xrealloc(r->scopes, (size_t)(r->nscopes + 1) * sizeof *grown);
    r->scopes = grown;
    scope_item *s = &r->scopes[r->nscopes++];
    snprintf(s->code, sizeof s->code, "%s", code);
    utf8_copy(s->name[LANG_ZH], sizeof s->name[0], zh);
    utf8_copy(s->name[LANG_EN], sizeof s->name[0], en);
    s->number = r->nscopes; /* number_scopes() makes it stable */
    return HR_OK;
}

/* Report numbers must not depend on which scopes one render asks for: the
 * hospital is 001, then the clinical departments of the period's last
 * dictionary in dept_code order, then the others. */
static int number_scopes(run *r, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        r->db,
        "WITH d AS (SELECT dept_code, category <> 'clinical' AS other FROM dept WHERE period = "
        "(SELECT MAX(period) FROM dept WHERE period <= ?1)) "
        "SELECT 1 + count(*) FROM d, (SELECT other AS o, dept_code AS c FROM d WHERE "
        "dept_code = ?2) me WHERE d.other < me.o OR (d.other = me.o AND d.dept_code <= me.c)",
        err);
    if (!st)
        return err->code;
    for (int i = 0; i < r->nscopes; i++) {
        scope_item *s = &r->scopes[i];
        s->number = 1;
        if (strcmp(s->code, "hospital") == 0)
            continue;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, r->month_last, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, s->code, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            s->number = sqlite3_column_int(st, 0);
        if (s->number <= 1) /* not in that dictionary: after everyone */
            s->number = 1000 + i;
    }
    sqlite3_finalize(st);
    return HR_OK;
}

/* The hospital, one department, or the hospital and every clinical department
 * in the dictionary of the period's last month. */
int scopes_load(run *r, hr_error *err)
{
    const char *scope = r->opt->scope ? r->opt->scope : "hospital";
    int all = strcmp(scope, "all") == 0;
    if (all || strcmp(scope, "hospital") == 0)
        add_scope(r, "hospital", i18n_tr(LANG_ZH, "Whole hospital"), "Whole hospital", err);
    if (strcmp(scope, "hospital") == 0)
        return HR_OK;
    const char *sql =
        all ? "SELECT dept_code, name_zh, name_en FROM dept WHERE period = (SELECT MAX(period) "
              "FROM dept WHERE period <= ?1) AND category = 'clinical' AND ?2 IS NOT NULL "
              "ORDER BY dept_code"
            : "SELECT dept_code, name_zh, name_en FROM dept WHERE period <= ?1 AND dept_code = ?2 "
              "ORDER BY period DESC LIMIT 1";
    sqlite3_stmt *st = db_prepare(r->db, sql, err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, r->month_last, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (add_scope(r, (const char *)sqlite3_column_text(st, 0),
                      (const char *)sqlite3_column_text(st, 1),
                      (const char *)sqlite3_column_text(st, 2), err))
            break;
    sqlite3_finalize(st);
    if (err->code)
        return err->code;
    if (rc != SQLITE_DONE)
        return db_fail(r->db, "reading departments", err);
    if (number_scopes(r, err))
        return err->code;
    if (!all && r->nscopes == 0)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--scope",
                            "'%s' is not a department in the dictionary up to %s: use "
                            "hospital, all or a dept_code",
                            scope, r->month_last);
    return HR_OK;
}

/* The months of the period that fail a gate, as "2026-09, 2026-10" in buf;
 * `where` is the condition over period_state (alias p) for a month that
 * fails. Months of the period with no period_state row fail every gate. */
static int gate_months(run *r, const char *where, char *buf, size_t size, hr_error *err)
{
    buf[0] = '\0';
    char *sql = sqlite3_mprintf(
        "WITH RECURSIVE m(month) AS (SELECT ?1 UNION ALL SELECT strftime('%%Y-%%m', month || "
        "'-01', '+1 month') FROM m WHERE month < ?2) SELECT group_concat(m.month, ', ') FROM m "
        "LEFT JOIN period_state p ON p.period = m.month WHERE %s",
        where);
    sqlite3_stmt *st = db_prepare(r->db, sql, err);
    sqlite3_free(sql);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, r->month_first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->month_last, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? HR_OK : db_fail(r->db, "reading period_state", err);
}

/* The gates of spec/PRODUCT.md: a report is drawn only from months whose
 * validation passed (ok or warnings) and whose reconciliation is not
 * blocking, for the month's current data (a state recorded before the data
 * last changed is stale and counts as not run). Without --force a month that fails is an error (blocking
 * reconciliation exit 3, failed or missing validation exit 2); with it, or
 * after `reconcile --force`, the PDFs are drafts marked on every page. */
static int check_gates(run *r, hr_error *err)
{
    char blocking[512], forced[512], unvalidated[512];
    /* states of other data than the month's current files are stale: not run */
    if (gate_months(r, "(" REGISTRY_RECONCILE_SQL ") = 'blocking' AND NOT p.reconcile_forced",
                    blocking, sizeof blocking, err) ||
        gate_months(r, "(" REGISTRY_RECONCILE_SQL ") = 'blocking' AND p.reconcile_forced", forced,
                    sizeof forced, err) ||
        gate_months(r,
                    "p.period IS NULL OR coalesce(" REGISTRY_VALIDATION_SQL ", '') "
                    "NOT IN ('ok', 'warnings')",
                    unvalidated, sizeof unvalidated, err))
        return err->code;
    if (*blocking && !r->opt->force)
        return hr_error_set(err, HR_EBLOCKED, NULL, 0, NULL,
                            "reconciliation of %s is blocking (see hospreport reconcile "
                            "--period ...); --force renders drafts marked UNRECONCILED DRAFT",
                            blocking);
    if (*unvalidated && !r->opt->force)
        return hr_error_set(err, HR_EINPUT, NULL, 0, NULL,
                            "%s not validated or failed validation (see hospreport status and "
                            "validate --period ...); --force renders drafts marked UNVALIDATED "
                            "DRAFT",
                            unvalidated);
    r->draft = (*blocking || *forced ? DRAFT_UNRECONCILED : 0) |
               (*unvalidated ? DRAFT_UNVALIDATED : 0);
    return HR_OK;
}

static int check_computed(run *r, hr_error *err)
{
    int64_t n = 0;
    if (db_query_int(r->db, &n, err, "SELECT COUNT(*) FROM computed_period WHERE period = ?",
                     r->period_text, NULL) < 0)
        return err->code;
    if (n == 0)
        return hr_error_set(err, HR_EINPUT, NULL, 0, "--period",
                            "period %s has not been computed: run hospreport compute --period %s",
                            r->period_text, r->period_text);
    return check_gates(r, err);
}
/* The topic templates shipped in the data folder, for a usage message:
 * "equipment, beds" from templates/topic-equipment.xml, topic-beds.xml. */
static void topic_list(char *buf, size_t size)
{
    char pattern[4096];
    paths_data_file("templates/topic-*.xml", pattern, sizeof pattern);
    glob_t g;
    buf[0] = '\0';
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    size_t used = 0;
    for (size_t i = 0; i < g.gl_pathc && used < size; i++) {
        const char *base = strrchr(g.gl_pathv[i], '/');
        base = base ? base + 1 : g.gl_pathv[i];
        used += (size_t)snprintf(buf + used, size - used, "%s%.*s", i ? ", " : "",
                                 (int)(strlen(base) - strlen("topic-") - strlen(".xml")),
                                 base + strlen("topic-"));
    }
    globfree(&g);
}

/* The template file and the kind the PDFs are named by. Topic reports need
 * --template: a file, or a short name (equipment = templates/topic-equipment.xml);
 * their kind is the file's base name (topic-equipment). A kind that names
 * the topic itself (topic-equipment) is the same as --report topic
 * --template equipment. */
static int template_resolve(run *r, hr_error *err)
{
    const render_options *o = r->opt;
    snprintf(r->kind, sizeof r->kind, "%s", o->kind);
    const char *tpl = o->template_path;
    int named = strncmp(o->kind, "topic-", 6) == 0 && o->kind[6];
    if (named && (!tpl || !tpl[0]))
        tpl = o->kind;
    int topic = named || strcmp(o->kind, "topic") == 0;
    if (topic && (!tpl || !tpl[0])) {
        char list[1024];
        topic_list(list, sizeof list);
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--template",
                            "a topic report needs --template: one of %s (templates/topic-NAME.xml), "
                            "or a template file", list[0] ? list : "(none installed)");
    }
    char rel[256];
    if (!tpl) {
        snprintf(rel, sizeof rel, "templates/%s.xml", o->kind);
        paths_data_file(rel, r->tpl_path, sizeof r->tpl_path);
    } else if (topic && !strchr(tpl, '/') && !strstr(tpl, ".xml")) {
        const char *name = tpl;
        if (!strncmp(name, "topic-", 6))
            name += 6;
        snprintf(rel, sizeof rel, "templates/topic-%s.xml", name);
        paths_data_file(rel, r->tpl_path, sizeof r->tpl_path);
        if (named && access(r->tpl_path, R_OK) != 0) {
            char list[1024];
            topic_list(list, sizeof list);
            return hr_error_set(err, HR_EUSAGE, NULL, 0, "--report",
                                "'%s' is not a report: use monthly, quarterly, annual, topic, "
                                "or topic-NAME for one of %s",
                                o->kind, list[0] ? list : "(none installed)");
        }
    } else
        snprintf(r->tpl_path, sizeof r->tpl_path, "%s", tpl);
    if (topic) {
        const char *base = strrchr(r->tpl_path, '/');
        base = base ? base + 1 : r->tpl_path;
        size_t n = strlen(base);
        if (n > 4 && !strcmp(base + n - 4, ".xml"))
            n -= 4;
        snprintf(r->kind, sizeof r->kind, "%s%.*s", strncmp(base, "topic-", 6) ? "topic-" : "",
                 (int)n, base);
    }
    return HR_OK;
}

int request_prepare(run *r, hr_error *err)
{
    const render_options *o = r->opt;
    if (period_parse(o->period, &r->per, err))
        return err->code;
    period_label(&r->per, r->period_text);
    period_month_label(r->per.first, r->month_first);
    period_month_label(r->per.last, r->month_last);
    if (template_resolve(r, err) || check_computed(r, err))
        return err->code;
    if (tpl_load(r->tpl_path, NULL, &r->tpl, err) || config_load(r, err))
        return err->code;
    if (paths_make_dir(o->out_dir, err))
        return err->code;
    return charset_prepare(r, err);
}
