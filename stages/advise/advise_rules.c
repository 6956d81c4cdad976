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
#include "pipeline/core/xalloc.h"
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

static const char *const type_names[ADVISE_NTYPES] = {
    "band",     "threshold",      "movers",     "contributors", "department_events", "factors",
    "statement", "deficit",       "idle_equipment", "persistent", "breaks",          "drg_groups",
    "overview"};

/* The text elements of a rule, by slot (ADVISE_FINDING ...). */
static const char *const text_names[ADVISE_NTEXTS] = {
    "finding", "suggestion", "headline", "seasonal", "offsets", "watch", "missing", "broad"};
static const char *const overview_names[ADVISE_NTEXTS] = {"summary", "attention", "decision",
                                                          "calm",    NULL,        NULL,
                                                          NULL,      NULL};

#define COMMON " name scope subject value mom yoy period this_period prev_period next_period vs_prev "
#define CHANGE " base change delta amount trend trend_to comparison usual same_period "

static const char *placeholders_for(advise_rule_type t)
{
    switch (t) {
    case ADVISE_BAND:
    case ADVISE_THRESHOLD: return COMMON "limit low high band departments count ";
    case ADVISE_MOVERS: return COMMON CHANGE "last_year times ";
    case ADVISE_CONTRIBUTORS:
        return COMMON CHANGE "departments drivers offsets offset_clause driver_total offset_total"
                            " covered driver_count ";
    case ADVISE_EVENTS: return COMMON CHANGE "department times share ";
    case ADVISE_FACTORS:
        return COMMON CHANGE "part volume_name volume_change volume_effect price_name price_change"
                            " price_effect ";
    case ADVISE_STATEMENT:
        return COMMON CHANGE "revenue_delta cost_delta revenue_items cost_items side ";
    case ADVISE_DEFICIT:
        return COMMON CHANGE "revenue_change cost_change cost_line cost_line_change"
                            " personnel_change workload_change departments count ";
    case ADVISE_IDLE:
        return COMMON "device department utilization idle_rate idle_days device_days limit idle_limit peers"
                      " devices count ";
    case ADVISE_PERSISTENT: return COMMON "months limit band ";
    case ADVISE_BREAKS: return COMMON CHANGE "reason ";
    case ADVISE_DRG:
        return COMMON "group code group_name department stays cost benchmark_cost excess los"
                      " benchmark_los los_excess payment balance loss drug_share material_share"
                      " exam_share cost_lines benchmark_gap ";
    default: return COMMON "attention decisions count ";
    }
}

static int check_placeholders(const advise_rule *r, const char *text, xmlNodePtr n,
                              const char *path, hr_error *err)
{
    const char *known = placeholders_for(r->type);
    for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char word[128];
        if (!end || end - p - 1 >= (long)sizeof word - 2)
            return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), (const char *)n->name,
                                "rule '%s': '{' without a closing '}'", r->id);
        snprintf(word, sizeof word, " %.*s ", (int)(end - p - 1), p + 1);
        /* {count|one|many}: a number and its noun; the key is the part before '|' */
        char *bar = strchr(word, '|');
        if (bar && strchr(bar + 1, '|'))
            bar[0] = ' ', bar[1] = '\0';
        /* {value:ID} {mom:ID} {yoy:ID}: another indicator of the same scope */
        if (!strncmp(word, " value:", 7) || !strncmp(word, " mom:", 5) ||
            !strncmp(word, " yoy:", 5))
            continue;
        if (!strstr(known, word))
            return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), (const char *)n->name,
                                "rule '%s': unknown placeholder {%.*s}; this rule knows%s"
                                "and {value:ID} {mom:ID} {yoy:ID}",
                                r->id, (int)(end - p - 1), p + 1, known);
    }
    return HR_OK;
}

/* when="...": terms joined by "and", each optionally after "not":
 * data:ID, category:NAME, hospital, department. */
static int when_syntax_ok(const char *when)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", when);
    char *save = NULL;
    int expect_term = 1, terms = 0;
    for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
        if (expect_term && !strcmp(t, "not"))
            continue;
        if (!expect_term) {
            if (strcmp(t, "and") != 0)
                return 0;
            expect_term = 1;
            continue;
        }
        if (!(!strncmp(t, "data:", 5) && t[5]) && !(!strncmp(t, "category:", 9) && t[9]) &&
            strcmp(t, "hospital") != 0 && strcmp(t, "department") != 0)
            return 0;
        expect_term = 0;
        terms++;
    }
    return !*when || (terms && !expect_term);
}

static int load_sentence(advise_rule *r, int which, const char *elem, xmlNodePtr rule_node,
                         const char *path, hr_error *err)
{
    xmlNodePtr s = child(rule_node, elem);
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
    r->type = ADVISE_BAND;
    for (int t = 0; t < ADVISE_NTYPES; t++)
        if (strcmp(name, type_names[t]) == 0)
            r->type = (advise_rule_type)t;
    attr(n, "id", r->id, sizeof r->id, "");
    attr(n, "indicator", r->indicator, sizeof r->indicator,
         r->type == ADVISE_DEFICIT ? "balance" : "*");
    char buf[64];
    attr(n, "scope", buf, sizeof buf, "all");
    r->scopes = strcmp(buf, "hospital") == 0      ? ADVISE_SCOPE_HOSPITAL
                : strcmp(buf, "departments") == 0 ? ADVISE_SCOPE_DEPARTMENTS
                                                  : ADVISE_SCOPE_HOSPITAL | ADVISE_SCOPE_DEPARTMENTS;
    if (r->type == ADVISE_CONTRIBUTORS || r->type == ADVISE_EVENTS)
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
    attr(n, "which", buf, sizeof buf, r->type == ADVISE_EVENTS ? "deterioration" : "improvement");
    r->improvement = strcmp(buf, "improvement") == 0;
    r->any_direction = strcmp(buf, "any") == 0;
    r->count = attr_int(n, "count", 3);
    r->offsets = attr_int(n, "offsets", 2);
    r->cover = attr_double(n, "cover", 0, NULL);
    r->indicators = attr_int(n, "indicators", 3);
    r->months = attr_int(n, "months", 3);
    attr(n, "state", buf, sizeof buf, "any");
    r->turned = strcmp(buf, "turned") == 0;
    r->min_change = attr_double(n, "min_change", 0, NULL);
    r->min_share = attr_double(n, "min_share", 0, NULL);
    r->min_loss = attr_double(n, "min_loss", 0, NULL);
    r->max_utilization = attr_double(n, "max_utilization", -1, NULL);
    r->min_idle_rate = attr_double(n, "min_idle_rate", 101, NULL);
    r->weight = attr_double(n, "weight", 0, &r->has_weight);
    attr(n, "basis", buf, sizeof buf, "benchmark");
    r->drg_payment = strcmp(buf, "payment") == 0;
    attr(n, "groups", buf, sizeof buf, "all");
    r->drg_unpaid = strcmp(buf, "unpaid") == 0;
    r->line_gap = attr_double(n, "line_gap", 1, NULL);
    attr(n, "cause", buf, sizeof buf, "any");
    r->drg_cause = !strcmp(buf, "los") ? 1 : !strcmp(buf, "spending") ? 2 : 0;
    r->deficit_cause = !strcmp(buf, "cost") ? 1 : !strcmp(buf, "revenue") ? 2 : 0;
    r->min_stays = attr_int(n, "min_stays", 5);
    r->min_ratio = attr_double(n, "min_ratio", 1.2, NULL);
    r->los_ratio = attr_double(n, "los_ratio", 1.15, NULL);
    attr(n, "categories", r->categories, sizeof r->categories, "clinical");
    attr(n, "exclude", r->exclude, sizeof r->exclude, "");
    attr(n, "indicators", r->list, sizeof r->list, "");
    if (r->type == ADVISE_CONTRIBUTORS)
        r->list[0] = '\0'; /* there "indicators" is a number */
    attr(n, "workload", r->workload, sizeof r->workload, "");
    attr(n, "replaces", r->replaces, sizeof r->replaces, "");
    attr(n, "when", r->when, sizeof r->when, "");
    if (!when_syntax_ok(r->when))
        return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), name,
                            "rule '%s': when=\"%s\": terms are [not] data:ID, category:NAME,"
                            " hospital or department, joined by \"and\"",
                            r->id, r->when);
    for (xmlNodePtr c = n->children; c && r->type == ADVISE_FACTORS; c = c->next) {
        if (!is_element(c, "part"))
            continue;
        if (r->nparts == ADVISE_MAX_PARTS)
            return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(c), "part",
                                "rule '%s': more than %d parts", r->id, ADVISE_MAX_PARTS);
        advise_part *pt = &r->parts[r->nparts++];
        attr(c, "ratio", pt->ratio, sizeof pt->ratio, "");
        attr(c, "volume", pt->volume, sizeof pt->volume, "");
        attr(c, "zh", pt->zh, sizeof pt->zh, "");
        attr(c, "en", pt->en, sizeof pt->en, "");
    }
    const char *const *names = r->type == ADVISE_OVERVIEW ? overview_names : text_names;
    for (int k = 0; k < ADVISE_NTEXTS; k++)
        if (names[k] && load_sentence(r, k, names[k], n, path, err))
            return err->code;
    int any = 0;
    for (int k = 0; k < ADVISE_NTEXTS; k++)
        any |= r->out[k].present;
    if (!any || (r->type != ADVISE_OVERVIEW && !r->out[ADVISE_FINDING].present &&
                 !r->out[ADVISE_SUGGESTION].present))
        return hr_error_set(err, HR_EFAIL, path, xmlGetLineNo(n), name,
                            "rule '%s' has neither a finding nor a suggestion", r->id);
    return HR_OK;
}

/* The connectors' ids and defaults (the shipped advice.xml's words). */
const char *const advise_word_ids[ADVISE_NWORDS] = {
    "list", "list_last", "join", "others", "more", "share", "usual", "side_revenue_fell",
    "side_revenue_rose", "side_cost_rose", "side_cost_fell", "same_month", "same_quarter",
    "lines_average", "lines_none", "drugs", "materials", "exams"};
static const char *const word_defaults[ADVISE_NWORDS][2] = {
    {"、", ", "},
    {"及", " and "},
    {"；", "; "},
    {"其他 {n} 个科室", "{n} other departments"},
    {"等 {n} 个科室", " and {n} more"},
    {"，占 ", ", "},
    {"，为通常波动的 {times} 倍", ", {times} times its usual variation"},
    {"主要因收入减少", "mainly because revenue fell"},
    {"主要因收入增加", "mainly because revenue rose"},
    {"主要因成本增加", "mainly because cost rose"},
    {"主要因成本减少", "mainly because cost fell"},
    {"去年同月", "the same month last year"},
    {"去年同季度", "the same quarter last year"},
    {"全院住院病例", "all the hospital's stays"},
    {"药品、耗材、检查占比均不高于全院住院病例", "no drug, material or examination share above "
                                                  "the hospital's stays"},
    {"药品", "drugs"},
    {"耗材", "materials"},
    {"检查", "examinations"}};

static void default_words(advise_settings *s)
{
    for (int i = 0; i < ADVISE_NWORDS; i++)
        for (int l = 0; l < 2; l++)
            snprintf(s->words[i][l], sizeof s->words[i][l], "%s", word_defaults[i][l]);
}

/* <settings>: materiality, priority and caps (advice.xsd documents each). */
static void load_settings(xmlNodePtr n, advise_settings *s)
{
    s->max_findings = attr_int(n, "max_findings", 0);
    s->max_suggestions = attr_int(n, "max_suggestions", 0);
    s->history_months = attr_int(n, "history_months", 12);
    s->min_history = attr_int(n, "min_history", 6);
    s->history_quarters = attr_int(n, "history_quarters", 8);
    s->min_history_quarters = attr_int(n, "min_history_quarters", 4);
    s->significance = attr_double(n, "significance", 0, NULL);
    s->seasonal_ratio = attr_double(n, "seasonal_ratio", 0, NULL);
    s->min_count_base = attr_double(n, "min_count_base", 0, NULL);
    s->min_ratio_base = attr_double(n, "min_ratio_base", ADVISE_MIN_RATIO_BASE, NULL);
    s->new_dept_share = attr_double(n, "new_department_share", 10, NULL);
    attr(n, "dimensions", s->dimensions, sizeof s->dimensions, "");
    attr(n, "device_indicators", s->device_indicators, sizeof s->device_indicators, "");
    for (xmlNodePtr c = n->children; c; c = c->next) {
        char id[32];
        if (!is_element(c, "word"))
            continue;
        attr(c, "id", id, sizeof id, "");
        for (int i = 0; i < ADVISE_NWORDS; i++)
            if (!strcmp(id, advise_word_ids[i])) {
                attr(c, "zh", s->words[i][0], sizeof s->words[i][0], word_defaults[i][0]);
                attr(c, "en", s->words[i][1], sizeof s->words[i][1], word_defaults[i][1]);
            }
    }
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (is_element(c, "said_once") && s->nsaid < 8)
            attr(c, "indicators", s->said_once[s->nsaid++], sizeof s->said_once[0], "");
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (is_element(c, "min_base") && s->nbases < ADVISE_MAX_BASES) {
            attr(c, "indicator", s->bases[s->nbases].indicator,
                 sizeof s->bases[s->nbases].indicator, "");
            char of[16];
            attr(c, "of", of, sizeof of, "base");
            s->bases[s->nbases].of = strcmp(of, "numerator") == 0;
            s->bases[s->nbases++].min = attr_double(c, "value", 0, NULL);
        }
}

int advise_rules_load(const char *path, const char *schema_path, advise_rules *out,
                      hr_error *err)
{
    memset(out, 0, sizeof *out);
    out->set.history_months = 12;
    out->set.min_ratio_base = ADVISE_MIN_RATIO_BASE;
    out->set.min_history = 6;
    out->set.history_quarters = 8;
    out->set.min_history_quarters = 4;
    default_words(&out->set);
    out->set.new_dept_share = 10;
    xmlDocPtr doc = xmlconf_load(path, schema_path, HR_EFAIL, err);
    if (!doc)
        return err->code;
    int rc = HR_OK;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int n = 0;
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
        n += c->type == XML_ELEMENT_NODE;
    if (rc == HR_OK) {
        out->rules = xcalloc((size_t)n + 1, sizeof *out->rules);
        for (xmlNodePtr c = root->children; c && rc == HR_OK; c = c->next) {
            if (is_element(c, "settings"))
                load_settings(c, &out->set);
            else if (c->type == XML_ELEMENT_NODE)
                rc = load_rule(c, &out->rules[out->count++], path, err);
        }
    }
    xmlFreeDoc(doc);
    if (rc)
        advise_rules_free(out);
    return rc;
}

void advise_rules_free(advise_rules *r)
{
    for (int i = 0; i < r->count; i++)
        for (int k = 0; k < ADVISE_NTEXTS; k++) {
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

int advise_list_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return 1;
    return 0;
}
