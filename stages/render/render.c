/*
 * render.c -- the render stage's entry point (see render.h): checks the
 * request, loads the template and the hospital configuration, prepares the
 * subset font once for the whole run, then draws one PDF per (scope,
 * language) and writes each to a temporary name renamed when complete.
 */
#include "stages/render/render.h"

#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/registry.h"
#include "pipeline/core/xmlconf.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <glob.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "stages/render/pdffix.h"
#include "stages/render/render_internal.h"
#include "stages/render/template.h"
#include "pipeline/core/xalloc.h"

typedef struct scope_item {
    char code[64];
    char name[2][128];
    int number; /* the report number's serial: stable whatever --scope asks */
} scope_item;

typedef struct run {
    const render_options *opt;
    sqlite3 *db;
    xmlDocPtr tpl;
    char tpl_path[4096];
    char kind[128];     /* opt->kind, or the topic template's base name */
    period per;
    char period_text[PERIOD_LABEL_MAX];
    char month_first[8], month_last[8];
    char hospital[2][128], author[128];
    int draft;
    scope_item *scopes;
    int nscopes;
    render_font *font;
} run;

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
            snprintf(r->hospital[strcmp(lang, "en") == 0], sizeof r->hospital[0], "%s", text);
        } else if (tpl_is(n, "author")) {
            text = tpl_text(n);
            snprintf(r->author, sizeof r->author, "%s", text);
        }
        free(text);
    }
    xmlFreeDoc(doc);
    if (!r->author[0])
        snprintf(r->author, sizeof r->author, "%s", r->hospital[LANG_ZH]);
    return HR_OK;
}

static void add_scope(run *r, const char *code, const char *zh, const char *en)
{
    scope_item *grown = xrealloc(r->scopes, (size_t)(r->nscopes + 1) * sizeof *grown);
    r->scopes = grown;
    scope_item *s = &r->scopes[r->nscopes++];
    snprintf(s->code, sizeof s->code, "%s", code);
    snprintf(s->name[LANG_ZH], sizeof s->name[0], "%s", zh);
    snprintf(s->name[LANG_EN], sizeof s->name[0], "%s", en);
    s->number = r->nscopes; /* number_scopes() makes it stable */
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
static int scopes_load(run *r, hr_error *err)
{
    const char *scope = r->opt->scope ? r->opt->scope : "hospital";
    int all = strcmp(scope, "all") == 0;
    if (all || strcmp(scope, "hospital") == 0)
        add_scope(r, "hospital", i18n_tr(LANG_ZH, "Whole hospital"), "Whole hospital");
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
        add_scope(r, (const char *)sqlite3_column_text(st, 0),
                  (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
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
    if (db_query_int(r->db, &n, err,
                     "SELECT COUNT(*) FROM period_state WHERE period BETWEEN ? AND ? AND "
                     "reconcile_state = 'blocking' AND reconcile_forced = 1",
                     r->month_first, r->month_last, NULL) < 0)
        return err->code;
    r->draft = n > 0;
    return HR_OK;
}

/* 1 when `word` occurs in sql as a whole identifier (case-insensitive). */
static int sql_names(const char *sql, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = sql; (p = strcasestr(p, word)); p += n) {
        char before = p == sql ? ' ' : p[-1], after = p[n];
        if (!(isalnum((unsigned char)before) || before == '_') &&
            !(isalnum((unsigned char)after) || after == '_'))
            return 1;
    }
    return 0;
}

/* Adds the non-ASCII text of one table's text columns (never an identifier's). */
static int add_table_text(run *r, font_charset *cs, const char *table, hr_error *err)
{
    char *sql = sqlite3_mprintf("SELECT name, type FROM pragma_table_info(%Q)", table);
    sqlite3_stmt *cols = db_prepare(r->db, sql, err);
    sqlite3_free(sql);
    if (!cols)
        return err->code;
    int rc = HR_OK;
    while (!rc && sqlite3_step(cols) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(cols, 0);
        const char *type = (const char *)sqlite3_column_text(cols, 1);
        if (ds_column_denied(table, col) || (type && *type && !strcasestr(type, "TEXT")))
            continue;
        sql = sqlite3_mprintf("SELECT DISTINCT \"%w\" FROM \"%w\" WHERE \"%w\" GLOB "
                              "'*[^ -~]*' LIMIT 100000",
                              col, table, col);
        sqlite3_stmt *st = db_prepare(r->db, sql, err);
        sqlite3_free(sql);
        if (!st) {
            rc = err->code;
            break;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(st, 0);
            if (t)
                font_charset_add_utf8(cs, t, strlen(t));
        }
        sqlite3_finalize(st);
    }
    sqlite3_finalize(cols);
    return rc;
}

/* What only a template's own SQL returns: the text columns of every table
 * its datasets name. */
static int add_dataset_text(run *r, font_charset *cs, hr_error *err)
{
    strbuf all = STRBUF_INIT;
    for (xmlNodePtr n = xmlDocGetRootElement(r->tpl)->children; n; n = n->next)
        if (tpl_is(n, "dataset")) {
            char *sql = tpl_text(n);
            sb_addstr(&all, sql);
            sb_addch(&all, '\n');
            free(sql);
        }
    sqlite3_stmt *st = all.len ? db_prepare(r->db, "SELECT name FROM sqlite_master WHERE type IN "
                                                   "('table', 'view') ORDER BY name", err)
                               : NULL;
    int rc = all.len && !st ? err->code : HR_OK;
    while (st && !rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(st, 0);
        if (sql_names(all.buf, table))
            rc = add_table_text(r, cs, table, err);
    }
    sqlite3_finalize(st);
    sb_release(&all);
    return rc;
}

/* Every character a PDF of this run can print goes into the font subset. */
static int font_prepare(run *r, hr_error *err)
{
    font_charset *cs = font_charset_new();
    char path[4096];
    font_charset_add_file(cs, r->tpl_path);
    font_charset_add_file(cs, paths_data_file("config/hospital.xml", path, sizeof path));
    snprintf(path, sizeof path, "%s/zh_CN/LC_MESSAGES/hospreport.mo", paths_locale_dir());
    font_charset_add_file(cs, path);
    static const char extra[] = "—–·•…，。、：；（）％¥万元年月日第季度页共个百分点全院▲▼";
    font_charset_add_utf8(cs, extra, sizeof extra - 1);
    static const char *const sql[] = {
        "SELECT name_zh || name_en || unit || COALESCE(unit_zh, '') || COALESCE(unit_en, '') "
        "FROM indicator",
        "SELECT DISTINCT name_zh || name_en FROM dept",
        "SELECT DISTINCT name_zh || name_en FROM equipment_benefit",
        "SELECT DISTINCT COALESCE(flag_reason_zh, '') || COALESCE(flag_reason_en, '') FROM "
        "indicator_value WHERE flag IS NOT NULL",
        "SELECT DISTINCT item FROM operating_statement",
        "SELECT DISTINCT source || path FROM source_file",
        "SELECT COALESCE(definition_zh, '') || COALESCE(definition_en, '') FROM indicator",
        "SELECT text_zh || text_en FROM advice"};
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *st = db_prepare(r->db, sql[i], err);
        if (!st) {
            font_charset_free(cs);
            return err->code;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(st, 0);
            if (t)
                font_charset_add_utf8(cs, t, strlen(t));
        }
        sqlite3_finalize(st);
    }
    int rc = add_dataset_text(r, cs, err);
    if (!rc)
        rc = font_open(paths_font_file(), cs, &r->font, err);
    font_charset_free(cs);
    return rc;
}

/* strerror() in the C locale: the renderer switches gettext's LANGUAGE,
 * which would otherwise translate libc's messages into the report's
 * language; errors are for the person at the terminal. */
static const char *system_error(int errnum)
{
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return c_locale ? strerror_l(errnum, c_locale) : strerror(errnum);
}

static void haru_error(HPDF_STATUS code, HPDF_STATUS detail, void *data)
{
    hr_error *err = data;
    if (err->code != HR_OK)
        return;
    /* File errors carry errno as their detail: say it as the system does. */
    if (code == HPDF_FILE_OPEN_ERROR || code == HPDF_FILE_IO_ERROR)
        hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot write the PDF: %s",
                     detail ? system_error((int)detail) : "I/O error");
    else
        hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "PDF library error 0x%04X (detail %u)",
                     (unsigned)code, (unsigned)detail);
}

static void set_info(rctx *c, HPDF_Doc pdf, const run *r)
{
    i18n_lang lang = ctx_primary(c);
    char title[512], label[64];
    snprintf(title, sizeof title, "%s %s %s", i18n_tr(lang, c->title_id),
             i18n_period(lang, &r->per, label, sizeof label), c->scope_name[lang]);
    HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, title);
    HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, r->author);
    HPDF_SetInfoAttr(pdf, HPDF_INFO_SUBJECT, c->report_no);
    snprintf(title, sizeof title, "%s, %s, %s, %s", c->kind, r->period_text, c->scope,
             c->mode == MODE_EN ? "en" : c->mode == MODE_ZH ? "zh_CN" : "bilingual");
    HPDF_SetInfoAttr(pdf, HPDF_INFO_KEYWORDS, title);
    HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "hospreport");
    char now[32];
    db_now(now, sizeof now);
    HPDF_Date d = {0};
    sscanf(now, "%d-%d-%dT%d:%d:%d", &d.year, &d.month, &d.day, &d.hour, &d.minutes, &d.seconds);
    d.ind = 'Z';
    HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, d);
}

static void settings(rctx *c)
{
    xmlNodePtr root = xmlDocGetRootElement(c->tpl);
    tpl_attr_buf(root, "title", "Operations Analysis Report", c->title_id, sizeof c->title_id);
    c->page_w = 595.276, c->page_h = 841.89; /* A4 */
    double margin_mm = 18;
    c->base_size = 10;
    for (xmlNodePtr n = root->children; n; n = n->next)
        if (tpl_is(n, "settings")) {
            margin_mm = tpl_attr_num(n, "margin-mm", margin_mm);
            c->base_size = tpl_attr_num(n, "font-size", c->base_size);
            char orient[16];
            if (!strcmp(tpl_attr_buf(n, "orientation", "portrait", orient, sizeof orient),
                        "landscape"))
                c->page_w = 841.89, c->page_h = 595.276;
        }
    c->margin_l = c->margin_r = margin_mm * 72 / 25.4;
    c->margin_t = c->margin_b = margin_mm * 72 / 25.4 + 10;
}

/*
 * libharu 2.3.0 rebuilds the embedded TrueType at save time from the glyphs
 * the document used, in a memory stream of 4096-byte blocks; seeking to the
 * very end of that stream fails (HPDF_INVALID_OBJECT) when its size is an
 * exact multiple of the block size -- about one document in a thousand.
 * When that happens, marking one more glyph as used changes the size: draw
 * one invisible character outside the first page's box and save again.
 */
static int save_pdf(rctx *c, const char *path, hr_error *err)
{
    static const char pad[] = "0123456789.-ABCDEFGHIJabcdefghij";
    for (size_t i = 0;; i++) {
        if (HPDF_SaveToFile(c->pdf, path) == HPDF_OK && !err->code) {
            c->text_blocks[0] = 1; /* the padding below, if it was needed */
            return pdf_fix_tounicode(path, c->text_blocks, err);
        }
        if (HPDF_GetError(c->pdf) != HPDF_INVALID_OBJECT || i == sizeof pad - 1 ||
            c->npages == 0)
            return err->code ? err->code
                             : hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot write the PDF");
        HPDF_ResetError(c->pdf);
        hr_error_clear(err);
        char one[2] = {pad[i], '\0'};
        HPDF_Page p = c->pages[0];
        HPDF_Page_BeginText(p);
        HPDF_Page_SetTextRenderingMode(p, HPDF_INVISIBLE);
        HPDF_Page_SetFontAndSize(p, c->hfont, 1);
        HPDF_Page_TextOut(p, -50, -50, one);
        HPDF_Page_SetTextRenderingMode(p, HPDF_FILL);
        HPDF_Page_EndText(p);
    }
}

static int write_pdf(rctx *c, const char *dir, const char *name, hr_error *err)
{
    char tmp[4096], final[4096];
    snprintf(final, sizeof final, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    if (save_pdf(c, tmp, err)) {
        unlink(tmp);
        hr_error_locate(err, tmp, 0, NULL);
        return err->code;
    }
    if (rename(tmp, final) != 0) {
        unlink(tmp);
        return hr_error_set(err, HR_EFAIL, final, 0, NULL, "cannot rename: %s", system_error(errno));
    }
    return HR_OK;
}

static const char *const mode_tags[] = {"zh_CN", "en", "bilingual"};

/* <kind>-<period>-<scope>.<lang>.pdf (spec/CLI.md). */
static void pdf_name(const run *r, const scope_item *s, render_mode mode, char *buf, size_t size)
{
    snprintf(buf, size, "%s-%s-%s.%s.pdf", r->kind, r->period_text, s->code,
             mode_tags[mode]);
}

static int render_one(run *r, int scope_index, render_mode mode, hr_error *err)
{
    const scope_item *s = &r->scopes[scope_index];
    rctx *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->db = r->db, c->font = r->font, c->tpl = r->tpl, c->tpl_path = r->tpl_path;
    c->mode = mode, c->kind = r->opt->kind, c->per = r->per, c->draft = r->draft, c->err = err;
    c->toc_page = -1;
    snprintf(c->period_text, sizeof c->period_text, "%s", r->period_text);
    memcpy(c->month_first, r->month_first, sizeof c->month_first);
    memcpy(c->month_last, r->month_last, sizeof c->month_last);
    snprintf(c->scope, sizeof c->scope, "%s", s->code);
    memcpy(c->scope_name, s->name, sizeof c->scope_name);
    memcpy(c->hospital, r->hospital, sizeof c->hospital);
    snprintf(c->report_no, sizeof c->report_no, "%s-%s-%03d", r->kind, r->period_text,
             s->number);
    settings(c);
    int rc = ind_load(c);
    HPDF_Doc pdf = rc ? NULL : HPDF_New(haru_error, err);
    if (pdf) {
        c->pdf = pdf;
        HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
        HPDF_UseUTFEncodings(pdf);
        HPDF_SetCurrentEncoder(pdf, "UTF-8");
        HPDF_SetPageMode(pdf, HPDF_PAGE_MODE_USE_OUTLINE);
        const char *fname = HPDF_LoadTTFontFromFile(pdf, font_subset_path(r->font), HPDF_TRUE);
        c->hfont = fname ? HPDF_GetFont(pdf, fname, "UTF-8") : NULL;
        if (!c->hfont)
            rc = err->code ? err->code : hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "font");
        if (!rc) {
            set_info(c, pdf, r);
            rc = blk_body(c, xmlDocGetRootElement(r->tpl)->children);
        }
        if (!rc && c->npages == 0)
            doc_new_page(c);
        if (!rc)
            rc = doc_finish(c);
        char name[512];
        pdf_name(r, s, mode, name, sizeof name);
        if (!rc)
            rc = write_pdf(c, r->opt->out_dir, name, err);
        HPDF_Free(pdf);
    }
    free(c->pages);
    free(c->heads);
    free(c->ind);
    free(c);
    return rc ? rc : err->code;
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
 * their kind is the file's base name (topic-equipment). */
static int template_resolve(run *r, hr_error *err)
{
    const render_options *o = r->opt;
    snprintf(r->kind, sizeof r->kind, "%s", o->kind);
    int topic = strcmp(o->kind, "topic") == 0;
    if (topic && (!o->template_path || !o->template_path[0])) {
        char list[1024];
        topic_list(list, sizeof list);
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--template",
                            "a topic report needs --template: one of %s (templates/topic-NAME.xml), "
                            "or a template file", list[0] ? list : "(none installed)");
    }
    char rel[256];
    if (!o->template_path) {
        snprintf(rel, sizeof rel, "templates/%s.xml", o->kind);
        paths_data_file(rel, r->tpl_path, sizeof r->tpl_path);
    } else if (topic && !strchr(o->template_path, '/') && !strstr(o->template_path, ".xml")) {
        const char *name = o->template_path;
        if (!strncmp(name, "topic-", 6))
            name += 6;
        snprintf(rel, sizeof rel, "templates/topic-%s.xml", name);
        paths_data_file(rel, r->tpl_path, sizeof r->tpl_path);
    } else
        snprintf(r->tpl_path, sizeof r->tpl_path, "%s", o->template_path);
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

static int prepare(run *r, hr_error *err)
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
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
        return hr_error_set(err, HR_EFAIL, o->out_dir, 0, NULL, "cannot create: %s",
                            system_error(errno));
    return font_prepare(r, err);
}

/* One PDF to write, and its registry entry (whose pointers point into the
 * run and into `path`). */
typedef struct render_job {
    int scope_index;
    render_mode mode;
    char path[4096];
    registry_entry entry;
} render_job;

/* Renders jobs k, k + n, k + 2n, ... on connection db; returns how many, or
 * -1 with err set. */
static int render_share(run *r, render_job *jobs, int njobs, int k, int n, sqlite3 *db,
                        hr_error *err)
{
    int done = 0;
    r->db = db;
    for (int j = k; j < njobs; j += n) {
        if (render_one(r, jobs[j].scope_index, jobs[j].mode, err) ||
            registry_record(db, &jobs[j].entry, err))
            return -1;
        done++;
    }
    return done;
}

/* How many processes render: one per core (at most 4), HOSPREPORT_JOBS to
 * override; one for a handful of PDFs, where forking costs more than it
 * saves. */
static int render_workers(int njobs)
{
    int n = paths_jobs();
    if (njobs < 6)
        n = 1;
    return n > njobs ? (njobs > 0 ? njobs : 1) : n;
}

/* What a worker process tells its parent. */
typedef struct worker_report {
    int rendered; /* -1: failed, error in err */
    hr_error err;
} worker_report;

/*
 * Renders the jobs on render_workers() processes. Documents are independent,
 * so each worker takes every n-th job. Processes, not threads: the language
 * is switched through process-wide gettext state. SQLite connections must
 * not cross a fork, so each worker opens its own (WAL lets them read, and
 * take turns to record in the registry) and leaves with _exit(), touching
 * nothing of the parent's; the parent holds no transaction or statement
 * while they run.
 */
static int render_jobs(run *r, render_job *jobs, int njobs, int *written, hr_error *err)
{
    int workers = render_workers(njobs);
    if (workers <= 1) {
        int n = render_share(r, jobs, njobs, 0, 1, r->db, err);
        if (n < 0)
            return err->code ? err->code : HR_EFAIL;
        *written += n;
        return HR_OK;
    }
    const char *db_path = sqlite3_db_filename(r->db, "main");
    pid_t pids[16];
    int fds[16], started = 0, rc = HR_OK;
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < workers; k++) {
        int p[2];
        if (pipe(p) != 0) {
            rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot start a render worker: %s",
                              system_error(errno));
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(p[0]), close(p[1]);
            rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot start a render worker: %s",
                              system_error(errno));
            break;
        }
        if (pid == 0) {
            close(p[0]);
            worker_report rep = {-1, {0}};
            sqlite3 *db;
            if (db_open(db_path, &db, &rep.err) == HR_OK) {
                ds_sandbox_install(db);
                rep.rendered = render_share(r, jobs, njobs, k, workers, db, &rep.err);
            }
            ssize_t off = 0, size = (ssize_t)sizeof rep;
            while (off < size) {
                ssize_t w = write(p[1], (char *)&rep + off, (size_t)(size - off));
                if (w <= 0)
                    break;
                off += w;
            }
            _exit(rep.rendered < 0 ? 1 : 0);
        }
        close(p[1]);
        pids[started] = pid, fds[started] = p[0], started++;
    }
    for (int k = 0; k < started; k++) {
        worker_report rep;
        ssize_t off = 0, size = (ssize_t)sizeof rep;
        while (off < size) {
            ssize_t got = read(fds[k], (char *)&rep + off, (size_t)(size - off));
            if (got <= 0)
                break;
            off += got;
        }
        close(fds[k]);
        int status = 0;
        waitpid(pids[k], &status, 0);
        if (off < size) {
            if (rc == HR_OK)
                rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL,
                                  "a render worker stopped without finishing (status %d)",
                                  status);
        } else if (rep.rendered < 0) {
            if (rc == HR_OK) {
                *err = rep.err;
                rc = err->code ? err->code : HR_EFAIL;
            }
        } else
            *written += rep.rendered;
    }
    return rc;
}

int render_reports(sqlite3 *db, const render_options *opt, int *written, hr_error *err)
{
    *written = 0;
    if (!opt->kind || !opt->period || !opt->out_dir)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL,
                            "render needs a report kind, a period and an output folder");
    const char *lang = opt->lang ? opt->lang : "all";
    render_mode modes[3];
    int nmodes = 0;
    if (!strcmp(lang, "zh_CN") || !strcmp(lang, "all"))
        modes[nmodes++] = MODE_ZH;
    if (!strcmp(lang, "en") || !strcmp(lang, "all"))
        modes[nmodes++] = MODE_EN;
    if (!strcmp(lang, "bilingual") || !strcmp(lang, "all"))
        modes[nmodes++] = MODE_BILINGUAL;
    if (nmodes == 0)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--lang",
                            "'%s' is not a language: use zh_CN, en, bilingual or all", lang);
    run r = {0};
    r.opt = opt, r.db = db;
    ds_sandbox_install(db);
    i18n_begin();
    int rc = prepare(&r, err);
    if (!rc)
        rc = scopes_load(&r, err);
    /* The run registry: a PDF whose inputs, template, catalog and font are
     * unchanged since it was written, and which is still there as written,
     * is not rendered again. */
    char fingerprint[DIGEST_HEX_SIZE], catalog[DIGEST_HEX_SIZE] = "";
    if (!rc)
        rc = registry_inputs_fingerprint(db, r.period_text, fingerprint, err);
    if (!rc) {
        char mo[4096];
        snprintf(mo, sizeof mo, "%s/zh_CN/LC_MESSAGES/hospreport.mo", paths_locale_dir());
        digest_file(mo, catalog, NULL, NULL);
    }
    /* The font shapes the PDF too: its path, size and time stand for it
     * (hashing ~10 MB per call would cost more than it saves). */
    char font_id[400];
    struct stat font_st = {0};
    stat(paths_font_file(), &font_st);
    snprintf(font_id, sizeof font_id, "%s:%lld:%lld", paths_font_file(),
             (long long)font_st.st_size, (long long)font_st.st_mtime);
    int unchanged = 0, njobs = 0;
    render_job *jobs = calloc((size_t)(r.nscopes * nmodes + 1), sizeof *jobs);
    if (!jobs)
        abort();
    for (int i = 0; !rc && i < r.nscopes; i++)
        for (int m = 0; !rc && m < nmodes; m++) {
            render_job *j = &jobs[njobs];
            j->scope_index = i, j->mode = modes[m];
            char name[512];
            pdf_name(&r, &r.scopes[i], modes[m], name, sizeof name);
            snprintf(j->path, sizeof j->path, "%s/%s", opt->out_dir, name);
            registry_entry *e = &j->entry;
            if ((rc = registry_entry_init(e, r.kind, r.period_text, r.scopes[i].code,
                                          mode_tags[modes[m]], r.tpl_path, fingerprint, j->path,
                                          err)))
                break;
            char both[2 * DIGEST_HEX_SIZE + 512];
            snprintf(both, sizeof both, "%s%s%s", e->template_sha256, catalog, font_id);
            digest_buffer(both, strlen(both), e->template_sha256);
            int current = registry_is_current(db, e, err);
            if (current < 0)
                rc = err->code;
            else if (current == 1)
                unchanged++;
            else
                njobs++;
        }
    if (!rc)
        rc = render_jobs(&r, jobs, njobs, written, err);
    free(jobs);
    if (unchanged)
        log_info("render: %d PDF%s up to date (inputs and template unchanged), not rendered again",
                 unchanged, unchanged == 1 ? "" : "s");
    i18n_end();
    ds_sandbox_remove(db);
    font_close(r.font);
    if (r.tpl)
        xmlFreeDoc(r.tpl);
    free(r.scopes);
    return rc;
}
