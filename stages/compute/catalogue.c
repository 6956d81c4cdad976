/*
 * catalogue.c -- loads the indicator catalogue (config/indicators.xml) into
 * an ind_catalogue, after validating it against config/schema/indicators.xsd.
 *
 * The XSD checks the structure; this file checks what a schema cannot: that
 * every measure an expression names exists, that ids are unique, that an
 * SQL set's query prepares. The catalogue's SHA-256 goes into every
 * fingerprint, so editing the XML makes every stored result stale.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xmlconf.h"
#include "stages/compute/compute_internal.h"

static char *dup_str(const char *s) { return s ? xstrdup(s) : NULL; }

static char *node_text(xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = dup_str((const char *)t);
    xmlFree(t);
    return s;
}

static char *attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = dup_str((const char *)v);
    xmlFree(v);
    return s;
}

static int is_elem(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Splits a space-separated list into a malloc'd array of strdup'd words. */
static char **split_words(const char *s, int *count)
{
    *count = 0;
    if (!s)
        return NULL;
    char **out = xcalloc(strlen(s) / 2 + 2, sizeof *out);
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n')
            q++;
        if (q > p)
            out[(*count)++] = xstrndup(p, (size_t)(q - p));
        p = q;
    }
    return out;
}

static void free_words(char **w, int n);

int ind_catalogue_measure(const ind_catalogue *cat, const char *id)
{
    for (int i = 0; i < cat->nmeasures; i++)
        if (strcmp(cat->measure_ids[i], id) == 0)
            return i;
    return -1;
}

int ind_measure_is_distinct(const ind_catalogue *cat, int m)
{
    return m >= 0 && m < cat->nmeasures && cat->measure_set[m] >= 0 &&
           cat->sets[cat->measure_set[m]].kind == SET_DISTINCT;
}

int ind_catalogue_indicator(const ind_catalogue *cat, const char *id)
{
    for (int i = 0; i < cat->nind; i++)
        if (strcmp(cat->ind[i].id, id) == 0)
            return i;
    return -1;
}

/* Parses "a + b - c" (already valid by the XSD) against the measure ids. */
static int parse_expr(const ind_catalogue *cat, const char *text, ind_expr *e, const char *path,
                      long line, hr_error *err)
{
    e->n = 0;
    int sign = 1;
    const char *p = text;
    while (*p) {
        if (*p == ' ' || *p == '\n' || *p == '\t') {
            p++;
            continue;
        }
        if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            p++;
            continue;
        }
        const char *q = p;
        while (*q && *q != ' ' && *q != '+' && *q != '-' && *q != '\n' && *q != '\t')
            q++;
        char id[128];
        snprintf(id, sizeof id, "%.*s", (int)(q - p), p);
        int m = ind_catalogue_measure(cat, id);
        if (m < 0)
            return hr_error_set(err, HR_EINPUT, path, line, id,
                                "no measure '%s' is defined in a <measures> or <alias>", id);
        if (e->n == IND_EXPR_MAX)
            return hr_error_set(err, HR_EINPUT, path, line, NULL,
                                "expression '%s' has more than %d terms", text, IND_EXPR_MAX);
        e->measure[e->n] = m;
        e->sign[e->n++] = sign;
        sign = 1;
        p = q;
    }
    return HR_OK;
}

static void add_measure(ind_catalogue *cat, char *id, int set)
{
    cat->measure_ids = xrealloc(cat->measure_ids, (size_t)(cat->nmeasures + 1) * sizeof(char *));
    cat->measure_set = xrealloc(cat->measure_set, (size_t)(cat->nmeasures + 1) * sizeof(int));
    cat->measure_needs =
        xrealloc(cat->measure_needs, (size_t)(cat->nmeasures + 1) * sizeof(char *));
    cat->measure_needs[cat->nmeasures] = NULL;
    cat->measure_ids[cat->nmeasures] = id;
    cat->measure_set[cat->nmeasures++] = set;
}

static int load_set(ind_catalogue *cat, xmlNode *n, const char *path, hr_error *err)
{
    cat->sets = xrealloc(cat->sets, (size_t)(cat->nsets + 1) * sizeof *cat->sets);
    ind_measure_set *s = &cat->sets[cat->nsets++];
    memset(s, 0, sizeof *s);
    s->id = attr(n, "id");
    s->file = xstrdup(path ? path : "");
    s->line = n->line;
    char *kind = attr(n, "kind"), *src = attr(n, "sources"), *any = attr(n, "any_period");
    char *opt = attr(n, "optional");
    s->kind = !kind || strcmp(kind, "sql") == 0            ? SET_SQL
              : strcmp(kind, "cost_allocation") == 0 ? SET_COST_ALLOCATION
              : strcmp(kind, "drg_groups") == 0      ? SET_DRG
              : strcmp(kind, "distinct") == 0        ? SET_DISTINCT
                                                     : SET_EQUIPMENT;
    s->sources = split_words(src, &s->nsources);
    s->any_period = split_words(any, &s->nany_period);
    s->optional = split_words(opt, &s->noptional);
    free(kind), free(src), free(any), free(opt);
    s->first_measure = cat->nmeasures;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (is_elem(c, "sql"))
            s->sql = node_text(c);
        else if (is_elem(c, "measure")) {
            char *id = attr(c, "id");
            if (ind_catalogue_measure(cat, id) >= 0) {
                hr_error_set(err, HR_EINPUT, path, c->line, "measure",
                             "measure '%s' is defined twice", id);
                free(id);
                return err->code;
            }
            add_measure(cat, id, cat->nsets - 1);
            s->nmeasures++;
            int nneed;
            char *needs = attr(c, "needs"), **need = split_words(needs, &nneed);
            cat->measure_needs[cat->nmeasures - 1] = needs;
            for (int k = 0; k < nneed; k++) {
                int ok = 0;
                for (int o = 0; o < s->noptional; o++)
                    ok |= strcmp(s->optional[o], need[k]) == 0;
                if (!ok) {
                    hr_error_set(err, HR_EINPUT, path, c->line, "needs",
                                 "measure '%s' needs '%s', which is not an optional source of "
                                 "its set '%s' (a source the set cannot do without belongs in "
                                 "its sources)",
                                 id, need[k], s->id);
                    free_words(need, nneed);
                    return err->code;
                }
            }
            free_words(need, nneed);
        }
    }
    if ((s->kind == SET_SQL || s->kind == SET_DISTINCT) && !s->sql)
        return hr_error_set(err, HR_EINPUT, path, n->line, "sql",
                            "measure set '%s' of kind %s has no <sql>", s->id,
                            s->kind == SET_SQL ? "sql" : "distinct");
    if (s->kind == SET_DISTINCT && s->nmeasures != 1)
        return hr_error_set(err, HR_EINPUT, path, n->line, "measure",
                            "measure set '%s' of kind distinct has %d measures: it counts the "
                            "distinct keys of its query, one measure",
                            s->id, s->nmeasures);
    return HR_OK;
}

static void load_alias_head(ind_catalogue *cat, xmlNode *n)
{
    cat->aliases = xrealloc(cat->aliases, (size_t)(cat->naliases + 1) * sizeof *cat->aliases);
    ind_alias *a = &cat->aliases[cat->naliases++];
    memset(a, 0, sizeof *a);
    a->fact = attr(n, "fact");
    a->default_source = attr(n, "default");
    add_measure(cat, attr(n, "id"), -1);
    a->measure = cat->nmeasures - 1;
}

static int load_alias_uses(ind_catalogue *cat, ind_alias *a, xmlNode *n, const char *path,
                           hr_error *err)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (!is_elem(c, "use"))
            continue;
        a->uses = xrealloc(a->uses, (size_t)(a->nuses + 1) * sizeof *a->uses);
        ind_alias_use *u = &a->uses[a->nuses++];
        u->source = attr(c, "source");
        char *text = node_text(c);
        int rc = parse_expr(cat, text, &u->expr, path, c->line, err);
        free(text);
        if (rc)
            return rc;
        for (int i = 0; i < u->expr.n; i++)
            if (cat->measure_set[u->expr.measure[i]] < 0)
                return hr_error_set(err, HR_EINPUT, path, c->line, "use",
                                    "an alias may not use another alias ('%s')",
                                    cat->measure_ids[u->expr.measure[i]]);
            else if (ind_measure_is_distinct(cat, u->expr.measure[i]))
                return hr_error_set(err, HR_EINPUT, path, c->line, "use",
                                    "an alias may not use a distinct count ('%s')",
                                    cat->measure_ids[u->expr.measure[i]]);
    }
    return HR_OK;
}

static int load_term(ind_catalogue *cat, xmlNode *n, ind_term *t, const char *path,
                     hr_error *err)
{
    t->present = 1;
    char *kind = attr(n, "kind"), *hosp = attr(n, "hospital"), *text = node_text(n);
    t->kind = !kind || strcmp(kind, "sum") == 0 ? TERM_SUM
              : strcmp(kind, "per_day") == 0    ? TERM_PER_DAY
                                                : TERM_MEAN_MONTHLY;
    int rc = parse_expr(cat, text, &t->expr, path, n->line, err);
    if (!rc && hosp) {
        t->has_hospital = 1;
        rc = parse_expr(cat, hosp, &t->hospital, path, n->line, err);
    }
    free(kind), free(hosp), free(text);
    /* A distinct count is counted over the whole period and scope: it
     * cannot be added to other measures, nor summed per day or month. */
    const ind_expr *both[2] = {&t->expr, t->has_hospital ? &t->hospital : NULL};
    for (int x = 0; !rc && x < 2; x++)
        for (int i = 0; both[x] && i < both[x]->n; i++)
            if (ind_measure_is_distinct(cat, both[x]->measure[i]) &&
                (both[x]->n != 1 || both[x]->sign[0] != 1 || t->kind != TERM_SUM))
                return hr_error_set(err, HR_EINPUT, path, n->line, NULL,
                                    "'%s' is a distinct count: it must stand alone in its term",
                                    cat->measure_ids[both[x]->measure[i]]);
    return rc;
}

static double attr_double(xmlNode *n, const char *name, int *present)
{
    char *v = attr(n, name);
    *present = v != NULL;
    double d = v ? strtod(v, NULL) : 0;
    free(v);
    return d;
}

static ind_unit unit_of(const char *u)
{
    static const char *const names[] = {"count", "money", "percent", "days",
                                        "minutes", "times", "per10k", "number"};
    for (int i = 0; i < 8; i++)
        if (strcmp(u, names[i]) == 0)
            return (ind_unit)i;
    return UNIT_COUNT;
}

static void load_texts(ind_indicator *ind, xmlNode *c)
{
    char *lang = attr(c, "lang");
    int zh = lang && strcmp(lang, "zh") == 0;
    free(lang);
    char **slot = is_elem(c, "name")         ? (zh ? &ind->name_zh : &ind->name_en)
                  : is_elem(c, "unit_label") ? (zh ? &ind->unit_zh : &ind->unit_en)
                                             : (zh ? &ind->def_zh : &ind->def_en);
    free(*slot);
    *slot = node_text(c);
}

static int load_indicator(ind_catalogue *cat, xmlNode *n, const double limits[4],
                          const char *path, hr_error *err)
{
    cat->ind = xrealloc(cat->ind, (size_t)(cat->nind + 1) * sizeof *cat->ind);
    ind_indicator *ind = &cat->ind[cat->nind++];
    memset(ind, 0, sizeof *ind);
    ind->id = attr(n, "id");
    for (int i = 0; i < cat->nind - 1; i++)
        if (strcmp(cat->ind[i].id, ind->id) == 0)
            return hr_error_set(err, HR_EINPUT, path, n->line, "id",
                                "indicator '%s' is defined twice", ind->id);
    char *kind = attr(n, "kind"), *scopes = attr(n, "scopes");
    ind->is_budget = kind && strcmp(kind, "budget") == 0;
    ind->clinical_only = scopes && strcmp(scopes, "clinical") == 0;
    free(kind), free(scopes);
    ind->unit_text = attr(n, "unit");
    ind->unit = unit_of(ind->unit_text);
    ind->direction = attr(n, "direction");
    ind->dimension = attr(n, "dimension");
    ind->warn_low = attr_double(n, "warn_low", &ind->has_low);
    ind->warn_high = attr_double(n, "warn_high", &ind->has_high);
    int shown;
    double digits = attr_double(n, "decimals", &shown); /* 0..4 by the schema */
    ind->decimals = shown ? (int)digits : -1;
    int is_pct = ind->unit == UNIT_PERCENT, has;
    ind->mom_limit = attr_double(n, "mom_limit", &has);
    if (!has)
        ind->mom_limit = is_pct ? limits[2] : limits[0];
    ind->yoy_limit = attr_double(n, "yoy_limit", &has);
    if (!has)
        ind->yoy_limit = is_pct ? limits[3] : limits[1];
    ind->scale = ind->unit == UNIT_PERCENT ? 100 : ind->unit == UNIT_PER10K ? 10000
                 : ind->unit == UNIT_MONEY ? 0.01 : 1;
    ind->multiplier = attr_double(n, "multiplier", &has);
    if (!has)
        ind->multiplier = 1;
    ind->requires = -1;
    char *req = attr(n, "requires");
    if (req) {
        ind->requires = ind_catalogue_measure(cat, req);
        if (ind->requires < 0 || ind_measure_is_distinct(cat, ind->requires)) {
            hr_error_set(err, HR_EINPUT, path, n->line, "requires",
                         ind->requires < 0 ? "indicator '%s' requires '%s', which is no measure"
                                           : "indicator '%s' requires '%s', a distinct count "
                                             "(requires takes a summed measure)",
                         ind->id, req);
            free(req);
            return err->code;
        }
        free(req);
    }
    for (xmlNode *c = n->children; c; c = c->next) {
        if (is_elem(c, "name") || is_elem(c, "unit_label") || is_elem(c, "definition"))
            load_texts(ind, c);
        else if (is_elem(c, "numerator") && load_term(cat, c, &ind->num, path, err))
            return err->code;
        else if (is_elem(c, "denominator") && load_term(cat, c, &ind->den, path, err))
            return err->code;
    }
    if (!ind->is_budget && !ind->num.present)
        return hr_error_set(err, HR_EINPUT, path, n->line, "numerator",
                            "indicator '%s' has no numerator", ind->id);
    for (int i = 0; i < ind->den.expr.n; i++)
        if (ind_measure_is_distinct(cat, ind->den.expr.measure[i]))
            return hr_error_set(err, HR_EINPUT, path, n->line, "denominator",
                                "indicator '%s': a distinct count may only be a numerator",
                                ind->id);
    ind->distinct = ind->num.present && ind_measure_is_distinct(cat, ind->num.expr.measure[0]);
    return HR_OK;
}

static int load_tree(ind_catalogue *cat, xmlNode *root, const char *path, hr_error *err)
{
    double limits[4] = {30, 30, 5, 5};
    int has;
    /* Pass 1: every measure id (sets and aliases) so expressions can refer
     * to any of them. */
    for (xmlNode *n = root->children; n; n = n->next) {
        if (is_elem(n, "thresholds")) {
            limits[0] = attr_double(n, "mom_relative", &has);
            limits[1] = attr_double(n, "yoy_relative", &has);
            limits[2] = attr_double(n, "mom_points", &has);
            limits[3] = attr_double(n, "yoy_points", &has);
        } else if (is_elem(n, "measures") && load_set(cat, n, path, err))
            return err->code;
    }
    for (xmlNode *n = root->children; n; n = n->next)
        if (is_elem(n, "alias"))
            load_alias_head(cat, n);
    int a = 0;
    for (xmlNode *n = root->children; n; n = n->next) {
        if (is_elem(n, "alias") && load_alias_uses(cat, &cat->aliases[a++], n, path, err))
            return err->code;
        if (is_elem(n, "indicator") && load_indicator(cat, n, limits, path, err))
            return err->code;
    }
    return HR_OK;
}

int ind_catalogue_load(const char *xml_path, const char *xsd_path, ind_catalogue *cat,
                       hr_error *err)
{
    memset(cat, 0, sizeof *cat);
    xmlDoc *doc = xmlconf_load(xml_path, xsd_path, HR_EINPUT, err);
    if (!doc)
        return err->code;
    int rc = load_tree(cat, xmlDocGetRootElement(doc), xml_path, err);
    xmlFreeDoc(doc);
    if (!rc) {
        uint64_t size;
        rc = digest_file(xml_path, cat->sha256, &size, err);
    }
    if (rc)
        ind_catalogue_free(cat);
    return rc;
}

int ind_catalogue_load_default(ind_catalogue *cat, hr_error *err)
{
    char xml[4096], xsd[4096];
    paths_data_file("config/indicators.xml", xml, sizeof xml);
    paths_data_file("config/schema/indicators.xsd", xsd, sizeof xsd);
    return ind_catalogue_load(xml, xsd, cat, err);
}

static void free_words(char **w, int n)
{
    for (int i = 0; i < n; i++)
        free(w[i]);
    free(w);
}

void ind_catalogue_free(ind_catalogue *cat)
{
    for (int i = 0; i < cat->nmeasures; i++)
        free(cat->measure_ids[i]), free(cat->measure_needs[i]);
    free(cat->measure_ids);
    free(cat->measure_needs);
    free(cat->measure_set);
    for (int i = 0; i < cat->nsets; i++) {
        ind_measure_set *s = &cat->sets[i];
        free(s->id), free(s->sql), free(s->file);
        free_words(s->sources, s->nsources);
        free_words(s->any_period, s->nany_period);
        free_words(s->optional, s->noptional);
    }
    free(cat->sets);
    for (int i = 0; i < cat->naliases; i++) {
        ind_alias *a = &cat->aliases[i];
        free(a->fact), free(a->default_source);
        for (int u = 0; u < a->nuses; u++)
            free(a->uses[u].source);
        free(a->uses);
    }
    free(cat->aliases);
    for (int i = 0; i < cat->nind; i++) {
        ind_indicator *d = &cat->ind[i];
        free(d->id), free(d->name_zh), free(d->name_en), free(d->unit_text);
        free(d->unit_zh), free(d->unit_en), free(d->direction), free(d->dimension);
        free(d->def_zh), free(d->def_en);
    }
    free(cat->ind);
    memset(cat, 0, sizeof *cat);
}

static void bind_opt_double(sqlite3_stmt *st, int col, int has, double v)
{
    if (has)
        sqlite3_bind_double(st, col, v);
    else
        sqlite3_bind_null(st, col);
}

int ind_catalogue_store(sqlite3 *db, const ind_catalogue *cat, hr_error *err)
{
    if (db_exec(db, "DELETE FROM indicator", err))
        return err->code;
    sqlite3_stmt *st = db_prepare(
        db,
        "INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, direction,"
        " warn_low, warn_high, dimension, definition_zh, definition_en, sort_order, is_flow,"
        " decimals) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        err);
    if (!st)
        return err->code;
    for (int i = 0; i < cat->nind; i++) {
        const ind_indicator *d = &cat->ind[i];
        const char *texts[] = {d->id, d->name_zh, d->name_en, d->unit_text,
                               d->unit_zh, d->unit_en, d->direction};
        for (int t = 0; t < 7; t++)
            sqlite3_bind_text(st, t + 1, texts[t], -1, SQLITE_STATIC);
        bind_opt_double(st, 8, d->has_low, d->warn_low);
        bind_opt_double(st, 9, d->has_high, d->warn_high);
        sqlite3_bind_text(st, 10, d->dimension, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, d->def_zh, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, d->def_en, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 13, (i + 1) * 10);
        sqlite3_bind_int(st, 14, IND_IS_FLOW(d));
        if (d->decimals >= 0)
            sqlite3_bind_int(st, 15, d->decimals);
        else
            sqlite3_bind_null(st, 15);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return db_fail(db, "storing the indicator catalogue", err);
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return HR_OK;
}
