/*
 * advise_rules.c -- loading config/advice.xml (see advise_rules.h).
 *
 * libxml2 parses the file and validates it against advice.xsd; its first
 * error becomes our one-line error with file, line and element. The schema
 * fills no defaults into the tree, so the defaults it documents are
 * repeated here.
 */
#include "stages/advise/advise_rules.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/strbuf.h"
#include "pipeline/core/xmlconf.h"

/* ---- attributes and texts ---- */

static int attr(xmlNodePtr n, const char *name, char *buf, size_t size, const char *dflt)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    snprintf(buf, size, "%s", v ? (const char *)v : dflt);
    int present = v != NULL;
    xmlFree(v);
    return present;
}

static int attr_int(xmlNodePtr n, const char *name, int dflt)
{
    char buf[32];
    return attr(n, name, buf, sizeof buf, "") ? atoi(buf) : dflt;
}

static double attr_double(xmlNodePtr n, const char *name, double dflt, int *present)
{
    char buf[64];
    int p = attr(n, name, buf, sizeof buf, "");
    if (present)
        *present = p;
    return p ? strtod(buf, NULL) : dflt;
}

static int is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent->children; c; c = c->next)
        if (is_element(c, name))
            return c;
    return NULL;
}

/* The element's text with every run of white space made one space, trimmed. */
static char *normalized_text(xmlNodePtr n)
{
    xmlChar *raw = xmlNodeGetContent(n);
    strbuf sb = STRBUF_INIT;
    int space = 0;
    for (const char *p = raw ? (const char *)raw : ""; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            space = 1;
            continue;
        }
        if (space && sb.len)
            sb_addch(&sb, ' ');
        space = 0;
        sb_addch(&sb, *p);
    }
    xmlFree(raw);
    return sb_detach(&sb, NULL);
}

/* ---- placeholders ---- */

static const char *placeholders_for(advise_rule_type t)
{
    switch (t) {
    case ADVISE_BAND:
    case ADVISE_THRESHOLD:
        return " name scope value mom yoy limit low high band departments count ";
    case ADVISE_MOVERS:
        return " name scope value mom yoy base change trend comparison ";
    default:
        return " name scope value mom yoy base change trend comparison departments ";
    }
}

static int check_placeholders(const advise_rule *r, const char *text, xmlNodePtr n,
                              const char *path, hr_error *err)
{
    const char *known = placeholders_for(r->type);
    for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char word[72];
        if (!end || end - p - 1 >= (long)sizeof word - 2)
            return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), (const char *)n->name,
                                "rule '%s': '{' without a closing '}'", r->id);
        snprintf(word, sizeof word, " %.*s ", (int)(end - p - 1), p + 1);
        if (!strstr(known, word))
            return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), (const char *)n->name,
                                "rule '%s': unknown placeholder {%.*s}; this rule knows%s",
                                r->id, (int)(end - p - 1), p + 1, known);
    }
    return HR_OK;
}

static int load_sentence(advise_rule *r, int which, xmlNodePtr rule_node, const char *path,
                         hr_error *err)
{
    xmlNodePtr s = child(rule_node, which == ADVISE_FINDING ? "finding" : "suggestion");
    if (!s)
        return HR_OK;
    advise_sentence *out = &r->out[which];
    out->present = 1;
    attr(s, "severity", out->severity, sizeof out->severity, "info");
    xmlNodePtr zh = child(s, "zh"), en = child(s, "en");
    out->zh = normalized_text(zh);
    out->en = normalized_text(en);
    if (check_placeholders(r, out->zh, zh, path, err) ||
        check_placeholders(r, out->en, en, path, err))
        return err->code;
    return HR_OK;
}

static int load_rule(xmlNodePtr n, advise_rule *r, const char *path, hr_error *err)
{
    const char *name = (const char *)n->name;
    r->type = strcmp(name, "band") == 0        ? ADVISE_BAND
              : strcmp(name, "threshold") == 0 ? ADVISE_THRESHOLD
              : strcmp(name, "movers") == 0    ? ADVISE_MOVERS
                                               : ADVISE_CONTRIBUTORS;
    attr(n, "id", r->id, sizeof r->id, "");
    attr(n, "indicator", r->indicator, sizeof r->indicator, "*");
    char buf[64];
    attr(n, "scope", buf, sizeof buf, "all");
    r->scopes = strcmp(buf, "hospital") == 0      ? ADVISE_SCOPE_HOSPITAL
                : strcmp(buf, "departments") == 0 ? ADVISE_SCOPE_DEPARTMENTS
                                                  : ADVISE_SCOPE_HOSPITAL | ADVISE_SCOPE_DEPARTMENTS;
    if (r->type == ADVISE_CONTRIBUTORS)
        r->scopes = ADVISE_SCOPE_HOSPITAL; /* contributions exist for the hospital only */
    attr(n, "side", buf, sizeof buf, "both");
    r->side_high = strcmp(buf, "low") != 0;
    r->side_low = strcmp(buf, "high") != 0;
    r->above = attr_double(n, "above", 0, &r->has_above);
    r->below = attr_double(n, "below", 0, &r->has_below);
    if (r->type == ADVISE_THRESHOLD) {
        if (!r->has_above && !r->has_below)
            return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), name,
                                "rule '%s': a threshold needs above=\"...\" or below=\"...\"",
                                r->id);
        r->side_high = r->has_above;
        r->side_low = r->has_below;
    }
    attr(n, "trigger", buf, sizeof buf, "self");
    r->trigger_any = strcmp(buf, "any_department") == 0;
    attr(n, "comparison", buf, sizeof buf, "mom");
    r->mom = strcmp(buf, "yoy") != 0;
    attr(n, "which", buf, sizeof buf, "improvement");
    r->improvement = strcmp(buf, "deterioration") != 0;
    r->count = attr_int(n, "count", 3);
    r->indicators = attr_int(n, "indicators", 3);
    r->min_change = attr_double(n, "min_change", 0, NULL);
    attr(n, "categories", r->categories, sizeof r->categories, "clinical");
    attr(n, "exclude", r->exclude, sizeof r->exclude, "");
    if (load_sentence(r, ADVISE_FINDING, n, path, err) ||
        load_sentence(r, ADVISE_SUGGESTION, n, path, err))
        return err->code;
    if (!r->out[0].present && !r->out[1].present)
        return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), name,
                            "rule '%s' has neither a finding nor a suggestion", r->id);
    return HR_OK;
}

int advise_rules_load(const char *path, const char *schema_path, advise_rules *out,
                      hr_error *err)
{
    out->rules = NULL;
    out->count = 0;
    xmlDocPtr doc = xmlconf_load(path, schema_path, HR_EFAIL, err);
    if (!doc)
        return err->code;
    int rc = HR_OK;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int n = 0;
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
        n += c->type == XML_ELEMENT_NODE;
    if (rc == HR_OK) {
        out->rules = calloc((size_t)n + 1, sizeof *out->rules);
        if (!out->rules)
            abort();
        for (xmlNodePtr c = root->children; c && rc == HR_OK; c = c->next)
            if (c->type == XML_ELEMENT_NODE)
                rc = load_rule(c, &out->rules[out->count++], path, err);
    }
    xmlFreeDoc(doc);
    if (rc)
        advise_rules_free(out);
    return rc;
}

void advise_rules_free(advise_rules *r)
{
    for (int i = 0; i < r->count; i++)
        for (int k = 0; k < 2; k++) {
            free(r->rules[i].out[k].zh);
            free(r->rules[i].out[k].en);
        }
    free(r->rules);
    r->rules = NULL;
    r->count = 0;
}

static int excluded(const char *list, const char *indicator)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        size_t len = strlen(tok);
        if (len && tok[len - 1] == '*') {
            if (strncmp(indicator, tok, len - 1) == 0)
                return 1;
        } else if (strcmp(indicator, tok) == 0) {
            return 1;
        }
    }
    return 0;
}

int advise_rule_matches(const advise_rule *r, const char *indicator)
{
    if (strcmp(r->indicator, "*") != 0 && strcmp(r->indicator, indicator) != 0)
        return 0;
    return !excluded(r->exclude, indicator);
}
