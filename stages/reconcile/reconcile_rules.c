/*
 * reconcile_rules.c -- reading config/rules/reconcile.xml.
 *
 * The file is validated against its schema first, then every source and
 * field it names is resolved to a table and column of the canonical store
 * (a money field `total_fee` is the column `total_fee_cents`), so that the
 * SQL built from the rules in reconcile.c only ever holds checked
 * identifiers. Errors name the rules file, the line and the field.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xmlconf.h"
#include "stages/reconcile/reconcile_int.h"
#include "pipeline/core/xalloc.h"

typedef struct rparse {
    sqlite3 *db;
    const char *path;
    hr_error *err;
} rparse;

/* Copies attribute `name` of n into out ("" when absent). */
static void attr_copy(xmlNode *n, const char *name, char *out, size_t size)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    snprintf(out, size, "%s", v ? (const char *)v : "");
    xmlFree(v);
}

static double attr_number(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    double d = v ? strtod((const char *)v, NULL) : 0.0;
    xmlFree(v);
    return d;
}

/* Resolves field of table to its column in place (field -> field_cents for
 * money); sets *is_money. Fails naming the rules file line. */
static int resolve(rparse *p, xmlNode *n, const char *table, char *field, size_t size,
                   int *is_money)
{
    /* a key, compared field or link ends up in reconcile_record and the
     * differences CSV: never the patient's */
    if (strcasecmp(field, "patient_key") == 0)
        return hr_error_set(p->err, HR_EFAIL, p->path, xmlGetLineNo(n), field,
                            "a rule cannot use patient_key: no patient identifier may reach "
                            "the differences CSV (compare on stay_id, surgery_id or visit_id)");
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q) WHERE name = %Q OR "
                                "name = %Q || '_cents' ORDER BY name = %Q DESC LIMIT 1",
                                table, field, field, field);
    sqlite3_stmt *st = db_prepare(p->db, sql, p->err);
    sqlite3_free(sql);
    if (!st)
        return p->err->code;
    int got = db_one(st, p->err);
    if (got > 0) {
        const char *col = (const char *)sqlite3_column_text(st, 0);
        if (is_money)
            *is_money = strcmp(col, field) != 0;
        snprintf(field, size, "%s", col);
    }
    sqlite3_finalize(st);
    if (got < 0)
        return p->err->code;
    if (!got)
        return hr_error_set(p->err, HR_EFAIL, p->path, xmlGetLineNo(n), field,
                            "source '%s' has no field '%s'", table, field);
    return 0;
}

static int check_source(rparse *p, xmlNode *n, const char *table)
{
    char period[80] = "period";
    return resolve(p, n, table, period, sizeof period, NULL);
}

static int parse_side(rparse *p, xmlNode *side, rterm *terms, int *nterms)
{
    for (xmlNode *t = side->children; t; t = t->next) {
        if (t->type != XML_ELEMENT_NODE)
            continue;
        if (*nterms == RR_MAX_TERMS)
            return hr_error_set(p->err, HR_EFAIL, p->path, xmlGetLineNo(t), NULL,
                                "more than %d terms on one side", RR_MAX_TERMS);
        rterm *term = &terms[(*nterms)++];
        attr_copy(t, "source", term->source, sizeof term->source);
        attr_copy(t, "field", term->column, sizeof term->column);
        char dept[80] = "dept_code";
        if (check_source(p, t, term->source) || resolve(p, t, term->source, dept, sizeof dept, NULL))
            return p->err->code;
        if (term->column[0] && resolve(p, t, term->source, term->column, sizeof term->column, NULL))
            return p->err->code;
    }
    return 0;
}

static int parse_aggregate(rparse *p, xmlNode *n, rrule *r)
{
    char level[16];
    attr_copy(n, "level", level, sizeof level);
    r->kind = RK_AGGREGATE;
    r->is_amount = strcmp(level, "amount") == 0;
    for (xmlNode *s = n->children; s; s = s->next) {
        if (s->type != XML_ELEMENT_NODE)
            continue;
        int is_a = strcmp((const char *)s->name, "a") == 0;
        if (parse_side(p, s, is_a ? r->a : r->b, is_a ? &r->na : &r->nb))
            return p->err->code;
    }
    return 0;
}

static int parse_records(rparse *p, xmlNode *n, rrule *r)
{
    r->kind = RK_RECORDS;
    attr_copy(n, "a", r->src_a, sizeof r->src_a);
    attr_copy(n, "b", r->src_b, sizeof r->src_b);
    attr_copy(n, "key", r->key, sizeof r->key);
    attr_copy(n, "dept", r->dept, sizeof r->dept);
    if (!r->dept[0])
        snprintf(r->dept, sizeof r->dept, "dept_code");
    char compare[512];
    attr_copy(n, "compare", compare, sizeof compare);
    if (check_source(p, n, r->src_a) || check_source(p, n, r->src_b))
        return p->err->code;
    const char *tables[2] = {r->src_a, r->src_b};
    for (int i = 0; i < 2; i++) {
        char key[80], dept[80];
        snprintf(key, sizeof key, "%s", r->key);
        snprintf(dept, sizeof dept, "%s", r->dept);
        if (resolve(p, n, tables[i], key, sizeof key, NULL) ||
            resolve(p, n, tables[i], dept, sizeof dept, NULL))
            return p->err->code;
    }
    char *save = NULL;
    for (char *tok = strtok_r(compare, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (r->ncompare == RR_MAX_COMPARE)
            break;
        char *col = r->compare[r->ncompare++];
        snprintf(col, 80, "%s", tok);
        char other[80];
        snprintf(other, sizeof other, "%s", tok);
        if (resolve(p, n, r->src_a, col, 80, NULL) ||
            resolve(p, n, r->src_b, other, sizeof other, NULL))
            return p->err->code;
    }
    return 0;
}

static int parse_within(rparse *p, xmlNode *n, rrule *r)
{
    r->kind = RK_WITHIN;
    attr_copy(n, "source", r->src_a, sizeof r->src_a);
    attr_copy(n, "key", r->key, sizeof r->key);
    attr_copy(n, "date", r->date, sizeof r->date);
    attr_copy(n, "link", r->link, sizeof r->link);
    attr_copy(n, "range-source", r->src_b, sizeof r->src_b);
    attr_copy(n, "range-key", r->range_key, sizeof r->range_key);
    attr_copy(n, "from", r->from, sizeof r->from);
    attr_copy(n, "to", r->to, sizeof r->to);
    snprintf(r->dept, sizeof r->dept, "dept_code");
    if (check_source(p, n, r->src_a) || check_source(p, n, r->src_b))
        return p->err->code;
    if (resolve(p, n, r->src_a, r->key, sizeof r->key, NULL) ||
        resolve(p, n, r->src_a, r->date, sizeof r->date, NULL) ||
        resolve(p, n, r->src_a, r->link, sizeof r->link, NULL) ||
        resolve(p, n, r->src_a, r->dept, sizeof r->dept, NULL) ||
        resolve(p, n, r->src_b, r->range_key, sizeof r->range_key, NULL) ||
        resolve(p, n, r->src_b, r->from, sizeof r->from, NULL) ||
        resolve(p, n, r->src_b, r->to, sizeof r->to, NULL))
        return p->err->code;
    return 0;
}

/* coverage: every row of `of` should have a row of `source` with its key. */
static int parse_coverage(rparse *p, xmlNode *n, rrule *r)
{
    r->kind = RK_COVERAGE;
    attr_copy(n, "source", r->src_a, sizeof r->src_a);
    attr_copy(n, "of", r->src_b, sizeof r->src_b);
    attr_copy(n, "key", r->key, sizeof r->key);
    attr_copy(n, "dept", r->dept, sizeof r->dept);
    if (!r->dept[0])
        snprintf(r->dept, sizeof r->dept, "dept_code");
    if (check_source(p, n, r->src_a) || check_source(p, n, r->src_b))
        return p->err->code;
    char key_b[80];
    snprintf(key_b, sizeof key_b, "%s", r->key);
    if (resolve(p, n, r->src_a, r->key, sizeof r->key, NULL) ||
        resolve(p, n, r->src_b, key_b, sizeof key_b, NULL) ||
        resolve(p, n, r->src_b, r->dept, sizeof r->dept, NULL))
        return p->err->code;
    return 0;
}

static int parse_rule(rparse *p, xmlNode *n, rrule *r)
{
    memset(r, 0, sizeof *r);
    char severity[16];
    attr_copy(n, "id", r->id, sizeof r->id);
    attr_copy(n, "severity", severity, sizeof severity);
    r->blocking = strcmp(severity, "blocking") == 0;
    int rc = 0;
    for (xmlNode *c = n->children; c && !rc; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)c->name;
        if (strcmp(name, "records") == 0)
            rc = parse_records(p, c, r);
        else if (strcmp(name, "aggregate") == 0)
            rc = parse_aggregate(p, c, r);
        else if (strcmp(name, "within") == 0)
            rc = parse_within(p, c, r);
        else if (strcmp(name, "coverage") == 0)
            rc = parse_coverage(p, c, r);
        else if (strcmp(name, "tolerance") == 0) {
            r->tolerance_abs = attr_number(c, "absolute");
            r->tolerance_percent = attr_number(c, "percent");
        } else if (strcmp(name, "authority") == 0) {
            attr_copy(c, "fact", r->fact, sizeof r->fact);
            attr_copy(c, "source", r->authority, sizeof r->authority);
        }
    }
    if (r->is_amount)
        r->tolerance_abs *= 100.0; /* CNY in the file, cents here */
    return rc;
}

/* Parses `path` and validates it against <dir of rules>/../schema/reconcile.xsd. */
static xmlDoc *document_load(const char *path, hr_error *err)
{
    char xsd[4096];
    return xmlconf_load(path, xmlconf_schema_beside(path, "reconcile.xsd", xsd, sizeof xsd),
                        HR_EFAIL, err);
}

int rconfig_load(sqlite3 *db, const char *path, rconfig *out, hr_error *err)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc = document_load(path, err);
    if (!doc)
        return err->code;
    rparse p = {db, path, err};
    int rc = 0;
    for (xmlNode *n = xmlDocGetRootElement(doc)->children; n && !rc; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        out->rules = xrealloc(out->rules, (size_t)(out->nrules + 1) * sizeof *out->rules);
        rc = parse_rule(&p, n, &out->rules[out->nrules++]);
    }
    xmlFreeDoc(doc);
    if (rc)
        rconfig_free(out);
    return rc;
}

void rconfig_free(rconfig *conf)
{
    free(conf->rules);
    memset(conf, 0, sizeof *conf);
}
