/*
 * charset.c -- the character-set scan: before any PDF is drawn, every
 * character a PDF of this run can print is collected (template, hospital
 * configuration, translations, the text of the database's tables that
 * reports show, and of every table a template's own SQL names; never an
 * identifier column, ds_column_denied()), so that one font subset serves the whole run.
 */
#include "stages/render/request.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/render/template.h"

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

/* Values of one column seen last, by a hash of their text: a value met
 * again (a department's name on each of its 300,000 stays) is not decoded
 * again. Exact: a slot holds the text itself, never just its hash. */
#define SEEN_SLOTS 64
typedef struct seen {
    char *text[SEEN_SLOTS];
} seen;

static int non_ascii(const unsigned char *t, int n)
{
    for (int i = 0; i < n; i++)
        if (t[i] & 0x80)
            return 1;
    return 0;
}

static void add_value(font_charset *cs, seen *s, const unsigned char *t, int n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < n; i++)
        h = (h ^ t[i]) * 16777619u;
    char **slot = &s->text[h % SEEN_SLOTS];
    if (*slot && strlen(*slot) == (size_t)n && !memcmp(*slot, t, (size_t)n))
        return;
    font_charset_add_utf8(cs, (const char *)t, (size_t)n);
    free(*slot);
    *slot = xmalloc((size_t)n + 1);
    memcpy(*slot, t, (size_t)n);
    (*slot)[n] = '\0';
}

/* Adds the non-ASCII text of one table's text columns (never an
 * identifier's), in one pass over the table: each value's bytes are looked
 * at in C, which is what makes a scan of every visit cheap (a GLOB per
 * column cost a table scan each and decoded every character). */
static int add_table_text(run *r, font_charset *cs, const char *table, hr_error *err)
{
    char *sql = sqlite3_mprintf("SELECT name, type FROM pragma_table_info(%Q)", table);
    sqlite3_stmt *cols = db_prepare(r->db, sql, err);
    sqlite3_free(sql);
    if (!cols)
        return err->code;
    strbuf list = STRBUF_INIT;
    int rc = HR_OK, ncols = 0;
    while (!rc && db_row(cols, &rc, err)) {
        const char *col = (const char *)sqlite3_column_text(cols, 0);
        const char *type = (const char *)sqlite3_column_text(cols, 1);
        if (ds_column_denied(table, col) || (type && *type && !strcasestr(type, "TEXT")))
            continue;
        char *q = sqlite3_mprintf("%s\"%w\"", ncols ? ", " : "", col);
        sb_addstr(&list, q);
        sqlite3_free(q);
        ncols++;
    }
    sqlite3_finalize(cols);
    if (rc || ncols == 0) {
        sb_release(&list);
        return rc;
    }
    sql = sqlite3_mprintf("SELECT %s FROM \"%w\"", list.buf, table);
    sb_release(&list);
    sqlite3_stmt *st = db_prepare(r->db, sql, err);
    sqlite3_free(sql);
    if (!st)
        return err->code;
    seen *s = xcalloc((size_t)ncols, sizeof *s);
    while (db_row(st, &rc, err))
        for (int i = 0; i < ncols; i++) {
            if (sqlite3_column_type(st, i) != SQLITE_TEXT)
                continue;
            const unsigned char *t = sqlite3_column_text(st, i);
            int n = sqlite3_column_bytes(st, i);
            if (t && non_ascii(t, n))
                add_value(cs, &s[i], t, n);
        }
    sqlite3_finalize(st);
    for (int i = 0; i < ncols; i++)
        for (int k = 0; k < SEEN_SLOTS; k++)
            free(s[i].text[k]);
    free(s);
    return rc;
}

/* What the reports' own SQL returns: the text columns of every table a
 * dataset names, the template's and the built-in ones (ds_builtin_sql)
 * alike -- the sources appendix prints source_name through a built-in. */
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
    for (int i = 0; ds_builtin_sql(i); i++) {
        sb_addstr(&all, ds_builtin_sql(i));
        sb_addch(&all, '\n');
    }
    sqlite3_stmt *st = db_prepare(r->db, "SELECT name FROM sqlite_master WHERE type IN "
                                         "('table', 'view') ORDER BY name", err);
    int rc = st ? HR_OK : err->code;
    while (st && !rc && db_row(st, &rc, err)) {
        const char *table = (const char *)sqlite3_column_text(st, 0);
        if (sql_names(all.buf, table))
            rc = add_table_text(r, cs, table, err);
    }
    sqlite3_finalize(st);
    sb_release(&all);
    return rc;
}

/* Every character a PDF of this run can print goes into the font subset. */
int charset_prepare(run *r, hr_error *err)
{
    font_charset *cs = font_charset_new();
    char path[4096];
    font_charset_add_file(cs, r->tpl_path);
    font_charset_add_file(cs, paths_data_file("config/hospital.xml", path, sizeof path));
    snprintf(path, sizeof path, "%s/zh_CN/LC_MESSAGES/hospreport.mo", paths_locale_dir());
    font_charset_add_file(cs, path);
    /* ... and the numerals a renumbered heading may take ("十、" when a
     * section drawn pushes the suggestions to the tenth place) */
    static const char extra[] = "—–·•…，。、：；（）％¥万元年月日第季度页共个百分点全院▲▼"
                                "一二三四五六七八九十附录";
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
        int rc = HR_OK;
        while (db_row(st, &rc, err)) {
            const char *t = (const char *)sqlite3_column_text(st, 0);
            if (t)
                font_charset_add_utf8(cs, t, strlen(t));
        }
        sqlite3_finalize(st);
        if (rc) {
            font_charset_free(cs);
            return rc;
        }
    }
    int rc = add_dataset_text(r, cs, err);
    if (!rc)
        rc = font_open(paths_font_file(), cs, &r->font, err);
    font_charset_free(cs);
    return rc;
}
