/*
 * guokao.c -- loads config/guokao.xml (the computable items of the national
 * performance assessment, 国考), validated against config/schema/guokao.xsd,
 * into table guokao_item (045_guokao), replacing its rows.
 *
 * What a schema cannot check is checked here: every item names an
 * indicator of the loaded catalogue (a budget_execution family is no
 * item), item numbers are unique and ascending over the file (the
 * assessment's order). A bad file fails compute with its file, line and
 * field; a data folder without config/guokao.xml leaves the table empty.
 */
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/xmlconf.h"
#include "stages/compute/compute_internal.h"

static int is_elem(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The zh and en texts of the <name> children of n (borrowed until freed). */
static void names_of(xmlNode *n, xmlChar **zh, xmlChar **en)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (!is_elem(c, "name"))
            continue;
        xmlChar *lang = xmlGetProp(c, (const xmlChar *)"lang");
        xmlChar **slot = lang && strcmp((const char *)lang, "zh") == 0 ? zh : en;
        xmlFree(*slot);
        *slot = xmlNodeGetContent(c);
        xmlFree(lang);
    }
}

static int store_item(sqlite3_stmt *ins, const ind_catalogue *cat, xmlNode *item,
                      const xmlChar *dim_zh, const xmlChar *dim_en, const char *path,
                      long *last_no, hr_error *err)
{
    xmlChar *no = xmlGetProp(item, (const xmlChar *)"no");
    xmlChar *ind = xmlGetProp(item, (const xmlChar *)"indicator");
    xmlChar *figure = xmlGetProp(item, (const xmlChar *)"figure");
    xmlChar *dir = xmlGetProp(item, (const xmlChar *)"direction");
    xmlChar *zh = NULL, *en = NULL, *ref = NULL, *source = NULL;
    names_of(item, &zh, &en);
    for (xmlNode *c = item->children; c; c = c->next)
        if (is_elem(c, "reference")) {
            ref = xmlGetProp(c, (const xmlChar *)"value");
            source = xmlGetProp(c, (const xmlChar *)"source");
        }
    long n = strtol((const char *)no, NULL, 10);
    int i = ind_catalogue_indicator(cat, (const char *)ind), rc = HR_OK;
    if (i < 0 || cat->ind[i].is_budget)
        rc = hr_error_set(err, HR_EINPUT, path, item->line, "indicator",
                          "item %ld names '%s', which is no indicator of config/indicators.xml",
                          n, (const char *)ind);
    else if (n <= *last_no)
        rc = hr_error_set(err, HR_EINPUT, path, item->line, "no",
                          "item %ld comes after item %ld: items are listed once each, in the "
                          "assessment's order",
                          n, *last_no);
    if (!rc) {
        *last_no = n;
        sqlite3_bind_int64(ins, 1, n);
        sqlite3_bind_text(ins, 2, (const char *)dim_zh, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, (const char *)dim_en, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 4, (const char *)zh, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 5, (const char *)en, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 6, (const char *)ind, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 7, (const char *)figure, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 8, (const char *)dir, -1, SQLITE_TRANSIENT);
        if (ref)
            sqlite3_bind_double(ins, 9, strtod((const char *)ref, NULL));
        else
            sqlite3_bind_null(ins, 9);
        if (source)
            sqlite3_bind_text(ins, 10, (const char *)source, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(ins, 10);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = hr_error_set(err, HR_EFAIL, path, item->line, NULL, "storing item %ld: %s", n,
                              sqlite3_errmsg(sqlite3_db_handle(ins)));
        sqlite3_reset(ins);
    }
    xmlFree(no), xmlFree(ind), xmlFree(figure), xmlFree(dir);
    xmlFree(zh), xmlFree(en), xmlFree(ref), xmlFree(source);
    return rc;
}

int guokao_load(sqlite3 *db, const ind_catalogue *cat, const char *xml_path,
                const char *xsd_path, hr_error *err)
{
    if (db_exec(db, "DELETE FROM guokao_item", err))
        return err->code;
    if (access(xml_path, F_OK) != 0)
        return HR_OK;
    xmlDoc *doc = xmlconf_load(xml_path, xsd_path, HR_EINPUT, err);
    if (!doc)
        return err->code;
    sqlite3_stmt *ins = db_prepare(db,
                                   "INSERT INTO guokao_item (item_no, dimension_zh, dimension_en,"
                                   " name_zh, name_en, indicator, figure, direction, reference,"
                                   " reference_source) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                   err);
    int rc = ins ? HR_OK : err->code;
    long last_no = 0;
    for (xmlNode *d = xmlDocGetRootElement(doc)->children; d && !rc; d = d->next) {
        if (!is_elem(d, "dimension"))
            continue;
        xmlChar *zh = NULL, *en = NULL;
        names_of(d, &zh, &en);
        for (xmlNode *item = d->children; item && !rc; item = item->next)
            if (is_elem(item, "item"))
                rc = store_item(ins, cat, item, zh, en, xml_path, &last_no, err);
        xmlFree(zh), xmlFree(en);
    }
    sqlite3_finalize(ins);
    xmlFreeDoc(doc);
    return rc;
}

int guokao_load_default(sqlite3 *db, const ind_catalogue *cat, hr_error *err)
{
    char xml[4096], xsd[4096];
    paths_data_file("config/guokao.xml", xml, sizeof xml);
    paths_data_file("config/schema/guokao.xsd", xsd, sizeof xsd);
    return guokao_load(db, cat, xml, xsd, err);
}
