/*
 * advise.c -- findings and suggestions from compute's results (see
 * advise.h; the rules are loaded by advise_rules.c).
 *
 * The period's catalogue, values and department names are read into
 * memory once (a large hospital has some 60 scopes x 40 indicators); each
 * rule is then evaluated for each scope it applies to, in file order, and
 * every sentence it produces is inserted with the next sort_order of its
 * scope. Placeholders are filled per language from small key/value slots.
 */
#include "stages/advise/advise.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/numfmt.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/period.h"
#include "pipeline/core/smallcount.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/advise/advise_rules.h"

typedef struct ind_info {
    char id[96], unit[16], dimension[16];
    char name_zh[128], name_en[160], unit_zh[32], unit_en[32];
    int direction; /* 1 up, -1 down, 0 neutral */
    int has_low, has_high, is_flow;
    double low, high;
} ind_info;

typedef struct value_row {
    char period[24], scope[64], indicator[96];
    int has_value, has_mom_base, has_yoy_base, has_den, has_num;
    double value, mom_base, yoy_base, den, num;
    int hidden; /* by the small-count rule (smallcount.h) */
} value_row;

/* A comparison that is not like-for-like (a device or department new or
 * gone between the period and its base). */
typedef struct brk {
    int mom;
    int missing;        /* a source missing in the base: every scope */
    char scope[64];
    char indicator[96]; /* "" = every indicator of the scope */
    char zh[256], en[320];
} brk;

/* A sentence waiting for its scope's priority order and caps. */
typedef struct cand {
    int kind; /* 0 finding, 1 suggestion */
    int watch; /* a 持续观察 text standing in for a suggestion */
    int group; /* the finding and suggestion one evaluation wrote */
    int seq;
    char severity[16];
    const char *rule_id;
    const char *replaces; /* the rule's replaces list */
    char indicator[96], about[64];
    int drg; /* written by a drg_groups rule (about = the group's code) */
    int explains; /* rule kinds that explain a change (causes) outrank those that state it */
    char sig[320]; /* the figure it states: about|comparison|base→value|change ("" none) */
    int mom;       /* the comparison of that figure: 1 mom, 0 yoy */
    double priority;
    char *zh, *en, *head_zh, *head_en;
} cand;

typedef struct dept_info {
    char code[64], category[16];
    char name_zh[128], name_en[160];
} dept_info;

typedef struct advise_ctx {
    sqlite3 *db;
    const char *period_text;
    period p;
    ind_info *inds;
    int ninds;
    value_row *vals;
    int nvals;
    dept_info *depts;
    int ndepts;
    const advise_settings *set;
    const char *scope; /* the scope being evaluated */
    int sort_order;
    sqlite3_stmt *insert;
    char mom_label[PERIOD_LABEL_MAX], yoy_label[PERIOD_LABEL_MAX];
    int has_mom;
    brk *brks;
    int nbrks;
    cand *cands;
    int ncands, group;
    small_counts small; /* config/hospital.xml's rule, as render applies it */
} advise_ctx;

/* ---- numbers (pipeline/core/numfmt.h) ---- */

/* v with `decimals` decimals and ',' between thousands; "—" when undefined. */
static void advise_format_number(strbuf *sb, double v, int decimals)
{
    char buf[NF_MAX];
    sb_addstr(sb, nf_number(v, decimals, buf));
}

static int is_percent(const ind_info *in)
{
    return strcmp(in->unit, "percent") == 0;
}

/* "32.5%", "8.3天" / "8.3 days", "12,345人次", "3,519.21万元" / "¥35.19m";
 * with `sign` a '+' before a positive value; "—" when undefined. Money
 * follows the reports' convention (templates/README.md, "Numbers"): a
 * money flow of the catalogue (revenue, cost, balance) and an operating
 * statement line (no indicator) are totals, in 万元 / ¥ m; a money ratio
 * (fee per visit) is a fee, two decimals in 元. Counts stay whole. */
static void format_value(strbuf *sb, const ind_info *in, int has, double v, int zh, int sign)
{
    char buf[NF_MAX];
    int money = strcmp(in->unit, "money") == 0, total = money && (in->is_flow || !in->id[0]);
    nf_opts o = {.wan = money, .total = total, .fee = money && !total, .sign = sign,
                 .unit_word = 1, .word = {in->unit_zh, in->unit_en}};
    sb_addstr(sb, has ? nf_value(zh ? NF_ZH : NF_EN, in->unit, v, &o, buf) : nf_undefined());
}

/* Whether a change from base to cur is said as an amount in the
 * indicator's unit: a relative change means nothing from a base at or
 * below zero or across zero (a balance -203万 -> -354万 is not "-74 %"). */
static int change_as_amount(const ind_info *in, double cur, double base)
{
    return !is_percent(in) && (base <= 0 || cur < 0);
}

/* A change from base to cur: percentage points for % indicators, the
 * amount in the unit from a base <= 0 or across zero, else the relative
 * change in %; with `sign` a leading + or -, else its size. */
static void format_change(strbuf *sb, const ind_info *in, int has, double cur, double base,
                          int zh, int sign)
{
    if (!has) {
        sb_addstr(sb, nf_undefined());
        return;
    }
    if (change_as_amount(in, cur, base)) {
        format_value(sb, in, 1, sign ? cur - base : fabs(cur - base), zh, sign);
        return;
    }
    char buf[NF_MAX];
    double d = is_percent(in) ? cur - base : (cur - base) / fabs(base) * 100.0;
    sb_addstr(sb, nf_change(zh ? NF_ZH : NF_EN, in->unit, d, &(nf_opts){.magnitude = !sign}, buf));
}

/* A count: "12", "1,234". */
static void format_count(strbuf *sb, int n)
{
    char buf[NF_MAX];
    sb_addstr(sb, nf_number(n, 0, buf));
}

/* ---- connectors (advice.xml's <word>s) ---- */

static const char *word(const advise_ctx *c, int id, int zh)
{
    return c->set->words[id][zh ? 0 : 1];
}

/* The word with {n} (a count) or {times} (a number) filled in. */
static void add_word(strbuf *sb, const advise_ctx *c, int id, int zh, int n, const char *times)
{
    for (const char *p = word(c, id, zh); *p; p++) {
        if (!strncmp(p, "{n}", 3)) {
            format_count(sb, n);
            p += 2;
        } else if (!strncmp(p, "{times}", 7)) {
            sb_addstr(sb, times ? times : "");
            p += 6;
        } else {
            sb_addch(sb, *p);
        }
    }
}

/* ---- placeholder slots ---- */

#define MAX_SLOTS 32

typedef struct slots {
    int n;
    const char *key[MAX_SLOTS];
    strbuf zh[MAX_SLOTS], en[MAX_SLOTS];
} slots;

static void slots_release(slots *s)
{
    for (int i = 0; i < s->n; i++) {
        sb_release(&s->zh[i]);
        sb_release(&s->en[i]);
    }
    s->n = 0;
}

/* A new slot `key`; returns its index (the caller fills zh/en). */
static int slot(slots *s, const char *key)
{
    assert(s->n < MAX_SLOTS);
    int i = s->n++;
    s->key[i] = key;
    sb_init(&s->zh[i]);
    sb_init(&s->en[i]);
    return i;
}

static void slot_text(slots *s, const char *key, const char *zh, const char *en)
{
    int i = slot(s, key);
    sb_addstr(&s->zh[i], zh);
    sb_addstr(&s->en[i], en);
}

static const value_row *find_value(const advise_ctx *c, const char *scope, const char *indicator);
static const ind_info *find_ind(const advise_ctx *c, const char *id);
static void put_hidden(const advise_ctx *c, const ind_info *in, strbuf *sb);

/* {value:ID} {mom:ID} {yoy:ID}: another indicator of the scope. */
static int expand_indicator(const advise_ctx *c, const char *key, size_t len, int zh, strbuf *out)
{
    char word[128];
    if (!c || len >= sizeof word)
        return 0;
    memcpy(word, key, len);
    word[len] = '\0';
    char *colon = strchr(word, ':');
    if (!colon)
        return 0;
    *colon = '\0';
    const ind_info *in = find_ind(c, colon + 1);
    const value_row *v = in ? find_value(c, c->scope, in->id) : NULL;
    if (!in) {
        sb_addstr(out, "—");
    } else if (v && v->hidden) {
        if (strcmp(word, "value") == 0)
            put_hidden(c, in, out);
        else
            sb_addstr(out, "—");
    } else if (strcmp(word, "value") == 0) {
        format_value(out, in, v && v->has_value, v ? v->value : 0, zh, 0);
    } else {
        int mom = strcmp(word, "mom") == 0;
        int has = v && v->has_value && (mom ? v->has_mom_base : v->has_yoy_base);
        format_change(out, in, has, v ? v->value : 0, v ? (mom ? v->mom_base : v->yoy_base) : 0,
                      zh, 1);
    }
    return 1;
}

/* {this_period} {prev_period} {next_period} {vs_prev}: the period's words
 * by its kind, so that one text serves monthly, quarterly and annual
 * reports ("本月" / "本季度" / "本年"). */
static int expand_period_word(const advise_ctx *c, const char *key, size_t len, int zh,
                              strbuf *out)
{
    static const struct {
        const char *key, *zh[3], *en[3];
    } words[] = {
        {"this_period", {"本月", "本季度", "本年"}, {"this month", "this quarter", "this year"}},
        {"prev_period",
         {"上月", "上季度", "上年"},
         {"the previous month", "the previous quarter", "the previous year"}},
        {"next_period", {"下月", "下季度", "下一年"}, {"next month", "next quarter", "next year"}},
        {"vs_prev",
         {"环比", "环比", "较上年"},
         {"vs the previous month", "vs the previous quarter", "vs the previous year"}},
    };
    int k = !c || c->p.kind == PERIOD_MONTH ? 0 : c->p.kind == PERIOD_QUARTER ? 1 : 2;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (len == strlen(words[i].key) && !strncmp(key, words[i].key, len)) {
            sb_addstr(out, zh ? words[i].zh[k] : words[i].en[k]);
            return 1;
        }
    return 0;
}

/* The ']' closing the group opened at p, groups nesting; NULL if none. */
static const char *group_end(const char *p, const char *stop)
{
    int depth = 0;
    for (; p < stop; p++)
        if (*p == '[')
            depth++;
        else if (*p == ']' && --depth == 0)
            return p;
    return NULL;
}

/* A group that compares with the previous period ({mom...} or {vs_prev}):
 * an annual report has no such comparison. */
static int group_is_mom(const char *p, size_t n)
{
    for (const char *q = p, *stop = p + n; q < stop; q++)
        if (*q == '{' && ((size_t)(stop - q) > 5 && !strncmp(q, "{mom:", 5)))
            return 1;
        else if (*q == '{' && (size_t)(stop - q) >= 9 && !strncmp(q, "{vs_prev}", 9))
            return 1;
    return 0;
}

/* Expands tmpl; a group [ ... ] is left out when a {value:ID} inside it is
 * undefined or zero (a department without inpatients says nothing about
 * discharges), or when it compares with the previous period and the period
 * is a year. Groups nest; *empty is set when such a value was met. */
static void expand_text(const advise_ctx *c, const char *tmpl, size_t n, const slots *s, int zh,
                        strbuf *out, int *empty)
{
    for (const char *p = tmpl, *stop = tmpl + n; p < stop;) {
        if (*p == '[') {
            const char *close = group_end(p, stop);
            if (close && c && c->p.kind == PERIOD_YEAR &&
                group_is_mom(p + 1, (size_t)(close - p - 1))) {
                p = close + 1;
                continue;
            }
            if (close) {
                strbuf part = STRBUF_INIT;
                int none = 0;
                expand_text(c, p + 1, (size_t)(close - p - 1), s, zh, &part, &none);
                if (!none && part.len)
                    sb_addstr(out, part.buf);
                sb_release(&part);
                p = close + 1;
                continue;
            }
        }
        const char *end = *p == '{' ? memchr(p, '}', (size_t)(stop - p)) : NULL;
        if (!end) {
            sb_addch(out, *p++);
            continue;
        }
        int found = 0;
        size_t len = (size_t)(end - p - 1);
        /* {count|department|departments}: the number and the noun in the
         * form it takes ("1 department", "3 departments"); Chinese has one
         * form, written without a space ({count|个科室|个科室}) */
        const char *bar = memchr(p + 1, '|', len), *bar2 = NULL;
        if (bar)
            bar2 = memchr(bar + 1, '|', (size_t)(end - bar - 1));
        size_t klen = bar2 ? (size_t)(bar - p - 1) : len;
        for (int i = 0; i < s->n && !found; i++)
            if (klen == strlen(s->key[i]) && strncmp(p + 1, s->key[i], klen) == 0) {
                const char *v = zh ? s->zh[i].buf : s->en[i].buf;
                sb_addstr(out, v);
                if (bar2) {
                    int one = v && strcmp(v, "1") == 0;
                    if (!zh)
                        sb_addch(out, ' ');
                    if (one || zh)
                        sb_add(out, bar + 1, (size_t)(bar2 - bar - 1));
                    else
                        sb_add(out, bar2 + 1, (size_t)(end - bar2 - 1));
                }
                found = 1;
            }
        if (!found && empty && len > 6 && !strncmp(p + 1, "value:", 6)) {
            char id[112];
            snprintf(id, sizeof id, "%.*s", (int)(len - 6), p + 7);
            const value_row *v = find_value(c, c->scope, id);
            if (!v || !v->has_value || v->value == 0)
                *empty = 1;
        }
        if (!found && !expand_period_word(c, p + 1, len, zh, out) &&
            !expand_indicator(c, p + 1, len, zh, out))
            sb_addstr(out, "—"); /* a known placeholder this case has no value for */
        p = end + 1;
    }
}

static void expand(const advise_ctx *c, const char *tmpl, const slots *s, int zh, strbuf *out)
{
    expand_text(c, tmpl, strlen(tmpl), s, zh, out, NULL);
}

/* ---- lookups ---- */

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static int value_cmp(const void *a, const void *b)
{
    const value_row *x = a, *y = b;
    int c = strcmp(x->period, y->period);
    if (!c)
        c = strcmp(x->scope, y->scope);
    return c ? c : strcmp(x->indicator, y->indicator);
}

static const value_row *find_value_at(const advise_ctx *c, const char *period, const char *scope,
                                      const char *indicator)
{
    value_row key;
    snprintf(key.period, sizeof key.period, "%s", period);
    snprintf(key.scope, sizeof key.scope, "%s", scope);
    snprintf(key.indicator, sizeof key.indicator, "%s", indicator);
    return bsearch(&key, c->vals, (size_t)c->nvals, sizeof *c->vals, value_cmp);
}

static const value_row *find_value(const advise_ctx *c, const char *scope, const char *indicator)
{
    return find_value_at(c, c->period_text, scope, indicator);
}

static const ind_info *find_ind(const advise_ctx *c, const char *id)
{
    for (int i = 0; i < c->ninds; i++)
        if (strcmp(c->inds[i].id, id) == 0)
            return &c->inds[i];
    return NULL;
}

/* Small counts (INDICATORS.md): what a text prints in place of a hidden
 * value -- "<k" for a count, "—" for a ratio -- as render's view does. No
 * sentence is about a hidden value (change_of, emit_as); a base, another
 * indicator's value or a department in a list that is hidden prints so. */
static void put_hidden(const advise_ctx *c, const ind_info *in, strbuf *sb)
{
    if (strcmp(in->unit, "count") == 0)
        sb_addf(sb, "<%d", c->small.k);
    else
        sb_addstr(sb, "—");
}

static int hidden_at(const advise_ctx *c, const char *period, const char *scope,
                     const char *indicator)
{
    const value_row *v = c->small.k > 0 ? find_value_at(c, period, scope, indicator) : NULL;
    return v && v->hidden;
}

/* A department's part of a change (drivers, offsets) when its value is
 * hidden: from a base of 0 its delta would be the count itself. */
static int dept_hidden(const advise_ctx *c, const char *dept, const char *indicator)
{
    return hidden_at(c, c->period_text, dept, indicator);
}

static const dept_info *find_dept(const advise_ctx *c, const char *code)
{
    for (int i = 0; i < c->ndepts; i++)
        if (strcmp(c->depts[i].code, code) == 0)
            return &c->depts[i];
    return NULL;
}

static int is_hospital(const advise_ctx *c)
{
    return strcmp(c->scope, "hospital") == 0;
}

static void scope_names(const advise_ctx *c, const char *scope, const char **zh, const char **en)
{
    const dept_info *d = find_dept(c, scope);
    if (strcmp(scope, "hospital") == 0) {
        *zh = "全院";
        *en = "the hospital";
    } else {
        *zh = d ? d->name_zh : scope;
        *en = d ? d->name_en : scope;
    }
}

static int in_categories(const advise_ctx *c, const advise_rule *r, const char *code)
{
    const dept_info *d = find_dept(c, code);
    return d && advise_list_has(r->categories, d->category);
}

/* ---- collecting sentences ---- */

static int severity_rank(const char *s)
{
    return !strcmp(s, "alert") ? 3 : !strcmp(s, "warning") ? 2 : 1;
}

/* 9 for the first dimension of settings' priority order, 8 for the next... */
static double dimension_weight(const advise_ctx *c, const char *dimension)
{
    char list[256];
    snprintf(list, sizeof list, "%s", c->set->dimensions);
    double w = 9;
    char *save = NULL;
    for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save), w--)
        if (strcmp(t, dimension) == 0)
            return w > 0 ? w : 0;
    return 0;
}

static char *expanded(const advise_ctx *c, const char *tmpl, const slots *s, int zh)
{
    strbuf sb = STRBUF_INIT;
    expand(c, tmpl, s, zh, &sb);
    return sb_detach(&sb, NULL);
}

static void push(advise_ctx *c, int kind, const advise_rule *r, const advise_sentence *out,
                 const char *indicator, const char *about, double priority, const slots *s)
{
    if (c->ncands % 64 == 0)
        c->cands = xrealloc(c->cands, ((size_t)c->ncands + 65) * sizeof *c->cands);
    cand *k = &c->cands[c->ncands];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->group = c->group;
    k->seq = c->ncands++;
    snprintf(k->severity, sizeof k->severity, "%s", out->severity);
    k->rule_id = r->id;
    k->replaces = r->replaces;
    snprintf(k->indicator, sizeof k->indicator, "%s", indicator ? indicator : "");
    snprintf(k->about, sizeof k->about, "%s", about ? about : "");
    k->priority = priority;
    k->zh = expanded(c, out->zh, s, 1);
    k->en = expanded(c, out->en, s, 0);
    if (kind == 0 && r->out[ADVISE_HEADLINE].present) {
        k->head_zh = expanded(c, r->out[ADVISE_HEADLINE].zh, s, 1);
        k->head_en = expanded(c, r->out[ADVISE_HEADLINE].en, s, 0);
    }
}

static const char *slot_zh(const slots *s, const char *key)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->key[i], key))
            return s->zh[i].buf ? s->zh[i].buf : "";
    return NULL;
}

/* The figure a finding states, so that one section says it once: the
 * change of a quantity (its comparison, base, value and size) and what it
 * is about; indicators of one <said_once> group compare by the change
 * alone (full cost moving as direct cost). "" for a sentence without a
 * change. */
static void figure_sig(const advise_ctx *c, const slots *s, const char *indicator,
                       const char *about, char *sig, size_t size)
{
    const char *ch = slot_zh(s, "change"), *base = slot_zh(s, "base");
    const char *cmp = slot_zh(s, "comparison"), *val = slot_zh(s, "value");
    *sig = '\0';
    if (!ch || !*ch || !cmp || !base || !val || !strcmp(ch, "—"))
        return;
    for (int g = 0; indicator && g < c->set->nsaid; g++)
        if (advise_list_has(c->set->said_once[g], indicator)) {
            snprintf(sig, size, "%s|%s|said_once %d|%s", about ? about : "", cmp, g, ch);
            return;
        }
    snprintf(sig, size, "%s|%s|%s→%s|%s", about ? about : "", cmp, base, val, ch);
}

/* Findings (the first n of cands, by priority) that state a figure an
 * earlier one states are dropped; when the later one explains it (causes,
 * the statement) and the earlier only states it, the earlier takes the
 * later's words, keeping its rank, severity and headline. Returns the
 * findings left; cands after them move up. */
static int drop_repeats(advise_ctx *c, int n)
{
    int kept = 0;
    for (int i = 0; i < c->ncands; i++) {
        cand *x = &c->cands[i];
        int dup = -1;
        for (int j = 0; i < n && *x->sig && j < kept && dup < 0; j++)
            if (!strcmp(c->cands[j].sig, x->sig))
                dup = j;
        if (dup < 0) {
            c->cands[kept++] = *x;
            continue;
        }
        cand *k = &c->cands[dup];
        if (x->explains > k->explains) {
            char *t = k->zh;
            k->zh = x->zh, x->zh = t;
            t = k->en, k->en = x->en, x->en = t;
            k->explains = x->explains;
        }
        if (!k->head_zh) { /* the overview may quote the one that has a headline */
            k->head_zh = x->head_zh, k->head_en = x->head_en;
            x->head_zh = x->head_en = NULL;
        }
        free(x->zh), free(x->en), free(x->head_zh), free(x->head_en);
    }
    int dropped = c->ncands - kept;
    c->ncands = kept;
    return n - dropped;
}

/* A rule's finding (or `finding_slot`, e.g. the seasonal variant) and its
 * suggestion -- or, for a deterioration without one, its 持续观察 text.
 * Priority: severity x 1000 + dimension weight (0-9) x 10 + score, the
 * materiality (times the usual variation, or similar, at most 99): within
 * one severity a far more material change outranks a higher dimension. */
static void emit_as(advise_ctx *c, const advise_rule *r, int finding_slot, const char *indicator,
                    const char *about, double score, int adverse, const slots *s)
{
    const ind_info *in = indicator ? find_ind(c, indicator) : NULL;
    const char *subject = about && *about && find_dept(c, about) ? about : c->scope;
    if (in && hidden_at(c, c->period_text, subject, in->id))
        return; /* nothing is said about a hidden value */
    double w = r->has_weight ? r->weight : in ? dimension_weight(c, in->dimension) : 0;
    if (score > 99)
        score = 99;
    if (score < 0)
        score = 0;
    c->group++;
    const advise_sentence *f = &r->out[finding_slot];
    if (f->present) {
        push(c, 0, r, f, indicator, about, severity_rank(f->severity) * 1000 + w * 10 + score, s);
        cand *k = &c->cands[c->ncands - 1];
        k->explains = r->type == ADVISE_CONTRIBUTORS || r->type == ADVISE_STATEMENT ||
                      r->type == ADVISE_DEFICIT || r->type == ADVISE_FACTORS   ? 2
                      : r->type == ADVISE_EVENTS                                ? 1
                                                                                : 0;
        figure_sig(c, s, indicator, about, k->sig, sizeof k->sig);
        k->mom = r->mom;
    }
    const advise_sentence *g = &r->out[ADVISE_SUGGESTION];
    if (!g->present && adverse && r->out[ADVISE_WATCH].present)
        g = &r->out[ADVISE_WATCH];
    if (g->present) {
        push(c, 1, r, g, indicator, about, severity_rank(g->severity) * 1000 + w * 10 + score, s);
        c->cands[c->ncands - 1].watch = g == &r->out[ADVISE_WATCH];
    }
}

static void emit(advise_ctx *c, const advise_rule *r, const char *indicator, double score,
                 int adverse, const slots *s)
{
    emit_as(c, r, ADVISE_FINDING, indicator, NULL, score, adverse, s);
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind - y->kind;
    if (x->priority != y->priority)
        return x->priority < y->priority ? 1 : -1;
    return x->seq - y->seq;
}

static void free_cands(advise_ctx *c)
{
    for (int i = 0; i < c->ncands; i++) {
        free(c->cands[i].zh);
        free(c->cands[i].en);
        free(c->cands[i].head_zh);
        free(c->cands[i].head_en);
    }
    c->ncands = 0;
}

static int insert_row(advise_ctx *c, const char *kind, const char *severity, const char *rule_id,
                      const char *indicator, const char *about, const char *zh, const char *en,
                      hr_error *err)
{
    sqlite3_stmt *st = c->insert;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, severity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, rule_id, -1, SQLITE_STATIC);
    if (indicator && *indicator)
        sqlite3_bind_text(st, 6, indicator, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int(st, 7, ++c->sort_order);
    sqlite3_bind_text(st, 8, zh, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, en, -1, SQLITE_STATIC);
    if (about && *about)
        sqlite3_bind_text(st, 10, about, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 10);
    return sqlite3_step(st) == SQLITE_DONE ? HR_OK : db_fail(c->db, "storing advice", err);
}

static void period_words(const advise_ctx *c, strbuf *zh, strbuf *en)
{
    static const char *const months[12] = {"January", "February", "March",     "April",
                                           "May",     "June",     "July",      "August",
                                           "September", "October", "November", "December"};
    int y = period_year(c->p.last), m = period_month(c->p.last);
    if (c->p.kind == PERIOD_MONTH) {
        sb_addf(zh, "%d年%d月", y, m);
        sb_addf(en, "In %s %d", months[m - 1], y);
    } else if (c->p.kind == PERIOD_QUARTER) {
        sb_addf(zh, "%d年第%d季度", y, (m + 2) / 3);
        sb_addf(en, "In Q%d %d", (m + 2) / 3, y);
    } else if (c->p.kind == PERIOD_YEAR) {
        sb_addf(zh, "%d年", y);
        sb_addf(en, "In %d", y);
    } else {
        sb_addf(zh, "本期");
        sb_addf(en, "In the period");
    }
}

/* The overview: summary, what needs attention (the top findings'
 * headlines), what needs a decision (headlines of findings whose
 * suggestion is an alert); the calm sentence when there is no finding.
 * said[k] is set for each of the nfind findings whose figure the
 * paragraph states: its headline quoted, or its change in the summary. */
static int write_overview(advise_ctx *c, const advise_rule *r, int nfind, char *said,
                          hr_error *err)
{
    slots s = {0};
    const char *szh, *sen;
    scope_names(c, c->scope, &szh, &sen);
    slot_text(&s, "scope", szh, sen);
    slot_text(&s, "subject", is_hospital(c) ? "全院" : "本科室",
              is_hospital(c) ? "the hospital" : "the department");
    int i = slot(&s, "period");
    period_words(c, &s.zh[i], &s.en[i]);
    int a = slot(&s, "attention"), d = slot(&s, "decisions"), na = 0, nd = 0;
    /* Each figure once in the paragraph: a headline restating a change the
     * summary gives ({mom:ID} {yoy:ID} of the scope itself) is not quoted,
     * and what needs a decision is not also listed as needing attention. */
    const char *summary = r->out[ADVISE_OV_SUMMARY].present ? r->out[ADVISE_OV_SUMMARY].zh : "";
    char *decide = xrealloc(NULL, (size_t)nfind + 1);
    for (int k = 0; k < nfind; k++) {
        const cand *f = &c->cands[k];
        decide[k] = 0;
        char key[128];
        snprintf(key, sizeof key, "{%s:%s}", f->mom ? "mom" : "yoy", f->indicator);
        if (*f->sig && !*f->about && *f->indicator && strstr(summary, key)) {
            decide[k] = -1;
            said[k] = 1;
            continue;
        }
        if (!f->head_zh) {
            decide[k] = -1;
            continue;
        }
        for (int j = nfind; j < c->ncands; j++)
            if (c->cands[j].group == f->group && severity_rank(c->cands[j].severity) >= 3 &&
                strcmp(c->cands[j].rule_id, f->rule_id) == 0 && nd < 2)
                decide[k] = 1;
        if (decide[k] == 1) {
            sb_addf(&s.zh[d], "%s%s", nd ? word(c, WORD_JOIN, 1) : "", f->head_zh);
            sb_addf(&s.en[d], "%s%s", nd ? word(c, WORD_JOIN, 0) : "", f->head_en);
            nd++;
            said[k] = 1;
        }
    }
    for (int k = 0; k < nfind && na < r->count; k++) {
        const cand *f = &c->cands[k];
        if (decide[k] != 0)
            continue;
        sb_addf(&s.zh[a], "%s%s", na ? word(c, WORD_JOIN, 1) : "", f->head_zh);
        sb_addf(&s.en[a], "%s%s", na ? word(c, WORD_JOIN, 0) : "", f->head_en);
        na++;
        said[k] = 1;
    }
    free(decide);
    i = slot(&s, "count");
    format_count(&s.zh[i], nfind);
    format_count(&s.en[i], nfind);
    strbuf zh = STRBUF_INIT, en = STRBUF_INIT;
    int parts[] = {ADVISE_OV_SUMMARY,
                   na ? ADVISE_OV_ATTENTION : nfind == 0 ? ADVISE_OV_CALM : -1,
                   nd ? ADVISE_OV_DECISION : -1};
    for (int k = 0; k < 3; k++) {
        if (parts[k] < 0 || !r->out[parts[k]].present)
            continue;
        if (en.len)
            sb_addch(&en, ' ');
        expand(c, r->out[parts[k]].zh, &s, 1, &zh);
        expand(c, r->out[parts[k]].en, &s, 0, &en);
    }
    int rc = insert_row(c, "overview", "info", r->id, NULL, NULL, zh.buf ? zh.buf : "",
                        en.buf ? en.buf : "", err);
    sb_release(&zh);
    sb_release(&en);
    slots_release(&s);
    return rc;
}

/* The scope's sentences: the overview, the findings by priority (at most
 * max_findings), the suggestions by priority (at most max_suggestions). */
static int flush_scope(advise_ctx *c, const advise_rules *rules, hr_error *err)
{
    /* a finding that replaces others on its indicator drops their group */
    int kept = 0;
    for (int i = 0; i < c->ncands; i++) {
        int drop = 0;
        for (int j = 0; j < c->ncands && !drop; j++) {
            const cand *x = &c->cands[j];
            drop = j != i && x->kind == 0 && *x->replaces && *x->indicator &&
                   !strcmp(x->indicator, c->cands[i].indicator) &&
                   advise_list_has(x->replaces, c->cands[i].rule_id);
        }
        if (drop) {
            free(c->cands[i].zh), free(c->cands[i].en);
            free(c->cands[i].head_zh), free(c->cands[i].head_en);
        } else {
            c->cands[kept++] = c->cands[i];
        }
    }
    c->ncands = kept;
    if (c->ncands > 1) /* none: cands may be NULL, which qsort may not take */
        qsort(c->cands, (size_t)c->ncands, sizeof *c->cands, cand_cmp);
    int nfind = 0;
    while (nfind < c->ncands && c->cands[nfind].kind == 0)
        nfind++;
    nfind = drop_repeats(c, nfind);
    int keep_f = c->set->max_findings && nfind > c->set->max_findings ? c->set->max_findings
                                                                       : nfind;
    int nsug = c->ncands - nfind;
    int keep_s = c->set->max_suggestions && nsug > c->set->max_suggestions
                     ? c->set->max_suggestions
                     : nsug;
    int rc = HR_OK, bit = is_hospital(c) ? ADVISE_SCOPE_HOSPITAL : ADVISE_SCOPE_DEPARTMENTS;
    char *said = xrealloc(NULL, (size_t)keep_f + 1);
    memset(said, 0, (size_t)keep_f + 1);
    for (int k = 0; k < rules->count && rc == HR_OK; k++)
        if (rules->rules[k].type == ADVISE_OVERVIEW && (rules->rules[k].scopes & bit)) {
            rc = write_overview(c, &rules->rules[k], keep_f, said, err);
            break;
        }
    for (int k = 0; k < c->ncands && rc == HR_OK; k++) {
        const cand *x = &c->cands[k];
        if (k < nfind ? k >= keep_f : k - nfind >= keep_s)
            continue;
        int covered = 0; /* a watch text when a real suggestion speaks of the same */
        for (int j = nfind; j < c->ncands && x->watch && !covered; j++)
            covered = !c->cands[j].watch && *x->indicator &&
                      !strcmp(c->cands[j].indicator, x->indicator);
        /* ... or when the overview states its finding's figure: a 持续观察
         * restating it would say the same fact a third time */
        for (int j = 0; j < keep_f && x->watch && !covered; j++)
            covered = said[j] && c->cands[j].group == x->group;
        if (covered)
            continue;
        rc = insert_row(c, x->kind ? "suggestion" : "finding", x->severity, x->rule_id,
                        x->indicator, x->about, x->zh, x->en, err);
    }
    free(said);
    free_cands(c);
    return rc;
}

/* ---- the slots every rule has ---- */

static void common_slots(const advise_ctx *c, const ind_info *in, const value_row *v, slots *s)
{
    const char *szh, *sen;
    scope_names(c, c->scope, &szh, &sen);
    slot_text(s, "name", in ? in->name_zh : "", in ? in->name_en : "");
    slot_text(s, "scope", szh, sen);
    slot_text(s, "subject", is_hospital(c) ? "全院" : "本科室",
              is_hospital(c) ? "the hospital" : "the department");
    int i = slot(s, "period");
    period_words(c, &s->zh[i], &s->en[i]);
    if (!in)
        return;
    i = slot(s, "value");
    if (v && v->hidden) {
        put_hidden(c, in, &s->zh[i]), put_hidden(c, in, &s->en[i]);
        slot_text(s, "mom", "—", "—");
        slot_text(s, "yoy", "—", "—");
        return;
    }
    format_value(&s->zh[i], in, v && v->has_value, v ? v->value : 0, 1, 0);
    format_value(&s->en[i], in, v && v->has_value, v ? v->value : 0, 0, 0);
    i = slot(s, "mom");
    int has = v && v->has_value && v->has_mom_base;
    format_change(&s->zh[i], in, has, v ? v->value : 0, v ? v->mom_base : 0, 1, 1);
    format_change(&s->en[i], in, has, v ? v->value : 0, v ? v->mom_base : 0, 0, 1);
    i = slot(s, "yoy");
    has = v && v->has_value && v->has_yoy_base;
    format_change(&s->zh[i], in, has, v ? v->value : 0, v ? v->yoy_base : 0, 1, 1);
    format_change(&s->en[i], in, has, v ? v->value : 0, v ? v->yoy_base : 0, 0, 1);
}

static void value_slot(slots *s, const char *key, const ind_info *in, int has, double v)
{
    int i = slot(s, key);
    format_value(&s->zh[i], in, has, v, 1, 0);
    format_value(&s->en[i], in, has, v, 0, 0);
}

static void signed_slot(slots *s, const char *key, const ind_info *in, double v)
{
    int i = slot(s, key);
    format_value(&s->zh[i], in, 1, v, 1, 1);
    format_value(&s->en[i], in, 1, v, 0, 1);
}

static void number_slot(slots *s, const char *key, double v, int decimals, const char *suffix)
{
    int i = slot(s, key);
    advise_format_number(&s->zh[i], v, decimals);
    advise_format_number(&s->en[i], v, decimals);
    sb_addstr(&s->zh[i], suffix);
    sb_addstr(&s->en[i], suffix);
}

static const char *comparison_en(const advise_ctx *c, int mom)
{
    if (!mom)
        return "vs a year earlier";
    return c->p.kind == PERIOD_MONTH     ? "vs the previous month"
           : c->p.kind == PERIOD_QUARTER ? "vs the previous quarter"
                                         : "vs the previous period";
}

/* ---- materiality ---- */

typedef struct change {
    int ok;         /* both values defined, a relative change defined */
    double cur, base, delta;
    double rel;     /* % (pp for % indicators) */
    int small_base; /* below the indicator's minimum base */
    int has_z;
    double z;       /* |rel| / the usual variation of the last months */
    int seasonal;
    double last_year; /* last year's same move, as rel */
    double ly_cur, ly_base; /* and its values */
    int base_hidden;  /* the base is hidden by the small-count rule */
} change;

static double rel_of(const ind_info *in, double cur, double base)
{
    return !strcmp(in->unit, "percent") ? cur - base : (cur - base) / fabs(base) * 100.0;
}

static int min_base_of(const advise_ctx *c, const ind_info *in, double *min, int *of_num)
{
    *of_num = 0;
    for (int i = 0; i < c->set->nbases; i++)
        if (!strcmp(c->set->bases[i].indicator, in->id)) {
            *min = c->set->bases[i].min;
            *of_num = c->set->bases[i].of;
            return 1;
        }
    if (in->is_flow && !strcmp(in->unit, "count") && c->set->min_count_base > 0) {
        *min = c->set->min_count_base;
        return 1;
    }
    return 0;
}

/* A ratio over too few cases to speak of: its denominator (the smaller of
 * v's and b's; b is the base period's row, or NULL for a state) below the
 * indicator's <min_base> -- with of="numerator" the larger numerator --
 * or, without one, below min_ratio_base (a default that judges only rows
 * with a stored denominator). 术前平均住院日 0.4 -> 1.3 days over four
 * operations is no change, and 1.3 days over four is no state. */
static int ratio_base_small(const advise_ctx *c, const ind_info *in, const value_row *v,
                            const value_row *b)
{
    double min;
    int of_num;
    if (in->is_flow || !v)
        return 0;
    if (!min_base_of(c, in, &min, &of_num)) {
        if (c->set->min_ratio_base <= 0 || !v->has_den || (b && !b->has_den))
            return 0;
        min = c->set->min_ratio_base, of_num = 0;
    }
    if (of_num) { /* the larger of the two numerators */
        double num = v->has_num ? fabs(v->num) : 0;
        if (b && b->has_num && fabs(b->num) > num)
            num = fabs(b->num);
        return num < min;
    }
    double den = v->has_den ? v->den : 0; /* the smaller of the two denominators */
    if (b && b->has_den && b->den < den)
        den = b->den;
    return den < min;
}

/* The scope's value of `in` over the `span` months ending with month
 * index `last`: the month's own value (span 1), or the months' total (a
 * flow) or their numerators over their denominators (a ratio, scaled as
 * the months' values are). 0 when a month is missing. */
static int span_value(const advise_ctx *c, const char *scope, const ind_info *in, int last,
                      int span, double *out)
{
    double v = 0, num = 0, den = 0, scale = 0;
    for (int m = last - span + 1; m <= last; m++) {
        char label[PERIOD_LABEL_MAX];
        const value_row *h = find_value_at(c, period_month_label(m, label), scope, in->id);
        if (!h || !h->has_value)
            return 0;
        if (span == 1) {
            *out = h->value;
            return 1;
        }
        if (in->is_flow) {
            v += h->value;
            continue;
        }
        if (!h->has_num || !h->has_den)
            return 0;
        num += h->num, den += h->den;
        if (!scale && h->num != 0)
            scale = h->value * h->den / h->num;
    }
    if (in->is_flow) {
        *out = v;
        return 1;
    }
    if (den == 0)
        return 0;
    *out = (scale ? scale : 1) * num / den;
    return 1;
}

/* The relative change (pp for % indicators) of the span ending with month
 * `last` against the span before (mom) or a year before (yoy). Months
 * compare with their stored bases. */
static int span_rel(const advise_ctx *c, const char *scope, const ind_info *in, int last,
                    int span, int mom, double *rel, double *cur_out, double *base_out)
{
    double cur, base;
    if (span == 1) {
        char label[PERIOD_LABEL_MAX];
        const value_row *h = find_value_at(c, period_month_label(last, label), scope, in->id);
        if (!h || !h->has_value || !(mom ? h->has_mom_base : h->has_yoy_base))
            return 0;
        cur = h->value, base = mom ? h->mom_base : h->yoy_base;
    } else if (!span_value(c, scope, in, last, span, &cur) ||
               !span_value(c, scope, in, last - (mom ? span : 12), span, &base)) {
        return 0;
    }
    if (strcmp(in->unit, "percent") != 0 && base == 0)
        return 0;
    *rel = rel_of(in, cur, base);
    if (cur_out)
        *cur_out = cur, *base_out = base;
    return 1;
}

static change change_of(const advise_ctx *c, const char *scope, const ind_info *in, int mom)
{
    change ch = {0};
    const value_row *v = find_value(c, scope, in->id);
    if (!v || !v->has_value || !(mom ? v->has_mom_base : v->has_yoy_base) || v->hidden)
        return ch;
    ch.base_hidden = hidden_at(c, mom ? c->mom_label : c->yoy_label, scope, in->id);
    ch.cur = v->value;
    ch.base = mom ? v->mom_base : v->yoy_base;
    ch.delta = ch.cur - ch.base;
    if (strcmp(in->unit, "percent") != 0 && ch.base == 0)
        return ch;
    ch.ok = 1;
    ch.rel = rel_of(in, ch.cur, ch.base);
    double min;
    int of_num;
    if (in->is_flow)
        ch.small_base = min_base_of(c, in, &min, &of_num) && fmax(fabs(ch.cur), fabs(ch.base)) < min;
    else
        ch.small_base = ratio_base_small(
            c, in, v, find_value_at(c, mom ? c->mom_label : c->yoy_label, scope, in->id));
    int span = c->p.kind == PERIOD_MONTH ? 1 : c->p.kind == PERIOD_QUARTER ? 3 : 0;
    if (!span)
        return ch; /* a year has too few years of history to compare with */
    /* the usual variation: the same comparison over the last months (or
     * quarters, from the months' totals) */
    int nhist = span == 1 ? c->set->history_months : c->set->history_quarters;
    int need = span == 1 ? c->set->min_history : c->set->min_history_quarters;
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int k = 1; k <= nhist; k++) {
        double r;
        if (span_rel(c, scope, in, c->p.last - k * span, span, mom, &r, NULL, NULL))
            sum += r, sum2 += r * r, n++;
    }
    if (c->set->significance > 0 && n >= need && n > 1) {
        double mean = sum / n, var = sum2 / n - mean * mean;
        double sd = var > 0 ? sqrt(var * n / (n - 1)) : 0;
        ch.has_z = 1;
        ch.z = sd > 1e-9 ? fabs(ch.rel) / sd : 99;
    }
    if (mom && c->set->seasonal_ratio > 0 &&
        span_rel(c, scope, in, c->p.last - 12, span, 1, &ch.last_year, &ch.ly_cur, &ch.ly_base))
        ch.seasonal = ch.last_year * ch.rel > 0 &&
                      fabs(ch.last_year) >= c->set->seasonal_ratio * fabs(ch.rel);
    return ch;
}

/* Worth a sentence: a base big enough, a change of at least min_change %
 * and beyond the scope's usual variation. */
static int material(const advise_ctx *c, const change *ch, double min_change)
{
    return ch->ok && !ch->small_base && ch->delta != 0 && fabs(ch->rel) >= min_change &&
           (!ch->has_z || ch->z >= c->set->significance);
}

static double score_of(const change *ch, double min_change)
{
    return ch->has_z ? ch->z : fabs(ch->rel) / (min_change > 1 ? min_change : 1);
}

/* ---- comparability ---- */

static const brk *broken(const advise_ctx *c, const char *scope, const char *indicator, int mom)
{
    for (int i = 0; i < c->nbrks; i++) {
        const brk *b = &c->brks[i];
        if (b->mom == mom && !b->missing && !strcmp(b->scope, scope) &&
            (!*b->indicator || !strcmp(b->indicator, indicator)))
            return b;
    }
    return NULL;
}

static void add_break(advise_ctx *c, int mom, const char *scope, const char *indicator,
                      const char *zh, const char *en)
{
    if (c->nbrks % 16 == 0)
        c->brks = xrealloc(c->brks, ((size_t)c->nbrks + 16) * sizeof *c->brks);
    brk *b = &c->brks[c->nbrks++];
    b->mom = mom;
    b->missing = 0;
    snprintf(b->scope, sizeof b->scope, "%s", scope);
    snprintf(b->indicator, sizeof b->indicator, "%s", indicator);
    snprintf(b->zh, sizeof b->zh, "%s", zh);
    snprintf(b->en, sizeof b->en, "%s", en);
}

static void month_range(const period *p, char *a, char *b)
{
    period_month_label(p->first, a);
    period_month_label(p->last, b);
}

/* Devices with device-days in one range and none in the other: new
 * (new = 1) or retired; they break the device indicators of their
 * department and of the hospital. */
static int device_breaks(advise_ctx *c, int mom, const period *base, int new, hr_error *err)
{
    if (!*c->set->device_indicators)
        return HR_OK;
    char a[8], b[8], x[8], y[8];
    month_range(&c->p, a, b);
    month_range(base, x, y);
    sqlite3_stmt *st = db_prepare(
        c->db,
        "SELECT e.equipment_id, e.dept_code, e.name_zh, e.name_en,"
        " (SELECT min(f.month) FROM ind_equipment_month f WHERE f.equipment_id = e.equipment_id"
        "  AND f.device_days > 0),"
        " (SELECT max(f.month) FROM ind_equipment_month f WHERE f.equipment_id = e.equipment_id"
        "  AND f.device_days > 0)"
        " FROM ind_equipment_month e WHERE e.month BETWEEN ?1 AND ?2 AND e.device_days > 0"
        " AND NOT EXISTS (SELECT 1 FROM ind_equipment_month o WHERE o.equipment_id ="
        " e.equipment_id AND o.month BETWEEN ?3 AND ?4 AND o.device_days > 0)"
        " AND EXISTS (SELECT 1 FROM ind_equipment_month o WHERE o.month BETWEEN ?3 AND ?4)"
        " GROUP BY e.equipment_id ORDER BY e.equipment_id",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, new ? a : x, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, new ? b : y, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, new ? x : a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, new ? y : b, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *dept = (const char *)sqlite3_column_text(st, 1);
        const char *dzh, *den;
        scope_names(c, dept, &dzh, &den);
        char zh[256], en[320];
        if (new) {
            snprintf(zh, sizeof zh, "含新增设备%s（%s，%s 启用）", sqlite3_column_text(st, 2), dzh,
                     sqlite3_column_text(st, 4));
            snprintf(en, sizeof en, "includes a new device, %s (%s, in use from %s)",
                     sqlite3_column_text(st, 3), den, sqlite3_column_text(st, 4));
        } else {
            snprintf(zh, sizeof zh, "设备%s（%s）已停用，%s 后无使用记录", sqlite3_column_text(st, 2),
                     dzh, sqlite3_column_text(st, 5));
            snprintf(en, sizeof en, "device %s (%s) retired, no use after %s",
                     sqlite3_column_text(st, 3), den, sqlite3_column_text(st, 5));
        }
        char list[256];
        snprintf(list, sizeof list, "%s", c->set->device_indicators);
        char *save = NULL;
        for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            if (!broken(c, dept, t, mom))
                add_break(c, mom, dept, t, zh, en);
            if (!broken(c, "hospital", t, mom))
                add_break(c, mom, "hospital", t, zh, en);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading equipment months", err);
}

/* The hospital's flows whose change `dept` accounts for at least
 * new_department_share % of (its delta against the sum of all): broken,
 * with the reason zh / en (a department new, or closed or merged). */
static int share_breaks(advise_ctx *c, int mom, const char *dept, const char *zh,
                        const char *en, hr_error *err)
{
    sqlite3_stmt *q = db_prepare(
        c->db,
        "SELECT indicator FROM contribution k WHERE period = ?1 AND comparison = ?2"
        " AND dept_code = ?3 AND abs(delta) * 100 >= ?4 * abs((SELECT sum(delta) FROM"
        " contribution t WHERE t.period = k.period AND t.indicator = k.indicator AND"
        " t.comparison = k.comparison))",
        err);
    if (!q)
        return err->code;
    sqlite3_bind_text(q, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, mom ? "mom" : "yoy", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, dept, -1, SQLITE_STATIC);
    sqlite3_bind_double(q, 4, c->set->new_dept_share);
    int rc;
    while (db_row(q, &rc, err)) {
        const char *ind = (const char *)sqlite3_column_text(q, 0);
        if (!broken(c, "hospital", ind, mom))
            add_break(c, mom, "hospital", ind, zh, en);
    }
    sqlite3_finalize(q);
    return rc;
}

/* Departments in the dictionary in the period but in no month of the base
 * (when the base has a dictionary): every comparison of theirs, and the
 * hospital's flows they account for new_department_share % of. */
static int dept_breaks(advise_ctx *c, int mom, const period *base, hr_error *err)
{
    char a[8], b[8], x[8], y[8];
    month_range(&c->p, a, b);
    month_range(base, x, y);
    sqlite3_stmt *st = db_prepare(
        c->db,
        "SELECT DISTINCT d.dept_code FROM dept d WHERE d.period BETWEEN ?1 AND ?2"
        " AND NOT EXISTS (SELECT 1 FROM dept o WHERE o.dept_code = d.dept_code"
        " AND o.period BETWEEN ?3 AND ?4)"
        " AND EXISTS (SELECT 1 FROM dept o WHERE o.period BETWEEN ?3 AND ?4) ORDER BY 1",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, y, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *dept = (const char *)sqlite3_column_text(st, 0);
        const char *dzh, *den;
        scope_names(c, dept, &dzh, &den);
        char zh[256], en[320];
        snprintf(zh, sizeof zh, "%s为新设科室，基期无数据", dzh);
        snprintf(en, sizeof en, "%s is a new department, without data in the base period", den);
        add_break(c, mom, dept, "", zh, en);
        snprintf(zh, sizeof zh, "含新设科室%s", dzh);
        snprintf(en, sizeof en, "includes a new department, %s", den);
        int qrc = share_breaks(c, mom, dept, zh, en, err);
        if (qrc) {
            sqlite3_finalize(st);
            return qrc;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading departments", err);
}

/* Dictionary changes between the base's last month and the period's: a
 * department renamed or moved to another category breaks all its
 * comparisons; one in the base's dictionary and gone from the period's
 * (closed or merged into another) breaks the hospital's flows it
 * accounted for new_department_share % of, as a new one does. */
static int dict_breaks(advise_ctx *c, int mom, const period *base, hr_error *err)
{
    char a[8], b[8], x[8], y[8];
    month_range(&c->p, a, b);
    month_range(base, x, y);
    sqlite3_stmt *st = db_prepare(
        c->db,
        "SELECT d.dept_code, o.name_zh, o.name_en, d.name_zh, d.name_en, o.category, d.category"
        " FROM dept d JOIN dept o ON o.dept_code = d.dept_code AND o.period = ?2"
        " WHERE d.period = ?1 AND (o.name_zh <> d.name_zh OR o.category <> d.category)"
        " GROUP BY d.dept_code ORDER BY d.dept_code",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, b, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, y, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t[7];
        for (int i = 0; i < 7; i++)
            t[i] = (const char *)sqlite3_column_text(st, i);
        char zh[256], en[320];
        if (strcmp(t[1], t[3]) != 0) {
            snprintf(zh, sizeof zh, "科室字典变更：%s更名为%s", t[1], t[3]);
            snprintf(en, sizeof en, "the department dictionary changed: %s is now %s", t[2], t[4]);
        } else {
            snprintf(zh, sizeof zh, "科室字典变更：%s的类别由 %s 改为 %s", t[3], t[5], t[6]);
            snprintf(en, sizeof en, "the department dictionary changed: %s moved from %s to %s",
                     t[4], t[5], t[6]);
        }
        if (!broken(c, t[0], "", mom))
            add_break(c, mom, t[0], "", zh, en);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, "reading departments", err);
    st = db_prepare(
        c->db,
        "SELECT DISTINCT o.dept_code, o.name_zh, o.name_en FROM dept o WHERE o.period BETWEEN ?3"
        " AND ?4 AND NOT EXISTS (SELECT 1 FROM dept d WHERE d.dept_code = o.dept_code AND"
        " d.period BETWEEN ?1 AND ?2) AND EXISTS (SELECT 1 FROM dept d WHERE d.period BETWEEN"
        " ?1 AND ?2) GROUP BY o.dept_code ORDER BY 1",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, y, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *dept = (const char *)sqlite3_column_text(st, 0);
        char zh[256], en[320];
        snprintf(zh, sizeof zh, "科室字典变更：%s已撤销或并入其他科室", sqlite3_column_text(st, 1));
        snprintf(en, sizeof en, "the department dictionary changed: %s was closed or merged",
                 sqlite3_column_text(st, 2));
        int qrc = share_breaks(c, mom, dept, zh, en, err);
        if (qrc) {
            sqlite3_finalize(st);
            return qrc;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading departments", err);
}

/* Sources missing in a month of the base whose measure set is complete in
 * the period: the base's values of that set are undefined, so the report
 * says why those comparisons are absent. */
static int missing_breaks(advise_ctx *c, int mom, const period *base, hr_error *err)
{
    char a[8], b[8], x[8], y[8];
    month_range(&c->p, a, b);
    month_range(base, x, y);
    sqlite3_stmt *st = db_prepare(
        c->db,
        "SELECT group_concat(month, ', '), missing FROM (SELECT DISTINCT s.month, s.missing"
        " FROM ind_measure_state s WHERE s.month BETWEEN ?3 AND ?4 AND s.missing IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM ind_measure_state k WHERE k.measure_set = s.measure_set"
        " AND k.month BETWEEN ?1 AND ?2 AND k.missing IS NULL) ORDER BY s.month)"
        " GROUP BY missing ORDER BY missing",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, y, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char zh[256], en[320];
        snprintf(zh, sizeof zh, "%s 缺少 %s 数据", sqlite3_column_text(st, 0),
                 sqlite3_column_text(st, 1));
        snprintf(en, sizeof en, "%s lacks %s", sqlite3_column_text(st, 0),
                 sqlite3_column_text(st, 1));
        add_break(c, mom, "*", "", zh, en);
        c->brks[c->nbrks - 1].missing = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading measure states", err);
}

static int load_breaks(advise_ctx *c, hr_error *err)
{
    period prev, yoy = period_year_earlier(&c->p);
    int rc = HR_OK;
    for (int mom = 0; mom <= 1 && rc == HR_OK; mom++) {
        if (mom && period_previous(&c->p, &prev) != 0)
            break;
        const period *base = mom ? &prev : &yoy;
        rc = device_breaks(c, mom, base, 1, err);
        if (rc == HR_OK)
            rc = device_breaks(c, mom, base, 0, err);
        if (rc == HR_OK)
            rc = dept_breaks(c, mom, base, err);
        if (rc == HR_OK)
            rc = dict_breaks(c, mom, base, err);
        if (rc == HR_OK)
            rc = missing_breaks(c, mom, base, err);
    }
    return rc;
}

/* The period's breaks, for templates that mark the comparisons in tables. */
static int store_breaks(advise_ctx *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(c->db,
                                  "INSERT OR IGNORE INTO advice_break (period, scope, indicator,"
                                  " comparison, reason_zh, reason_en) VALUES (?,?,?,?,?,?)",
                                  err);
    if (!st)
        return err->code;
    int rc = HR_OK;
    for (int i = 0; i < c->nbrks && rc == HR_OK; i++) {
        const brk *b = &c->brks[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, b->scope, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, b->indicator, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, b->mom ? "mom" : "yoy", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, b->zh, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, b->en, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(c->db, "storing advice_break", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- band and threshold rules ---- */

typedef struct ranked {
    const value_row *row;
    double key;
} ranked;

static int ranked_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return strcmp(x->row->scope, y->row->scope);
}

/* "内科（35.2%）、外科（33.1%）等 5 个科室" / "Internal Medicine (35.2%), Surgery (33.1%) and 3 more" */
static void department_list(const advise_ctx *c, const ind_info *in, const ranked *list, int n,
                            int shown, slots *s)
{
    int i = slot(s, "departments");
    for (int k = 0; k < n && k < shown; k++) {
        const char *zh, *en;
        scope_names(c, list[k].row->scope, &zh, &en);
        sb_addf(&s->zh[i], "%s%s（", k ? word(c, WORD_LIST, 1) : "", zh);
        sb_addf(&s->en[i], "%s%s (", k ? word(c, WORD_LIST, 0) : "", en);
        if (list[k].row->hidden) {
            put_hidden(c, in, &s->zh[i]), put_hidden(c, in, &s->en[i]);
        } else {
            format_value(&s->zh[i], in, 1, list[k].row->value, 1, 0);
            format_value(&s->en[i], in, 1, list[k].row->value, 0, 0);
        }
        sb_addstr(&s->zh[i], "）");
        sb_addch(&s->en[i], ')');
    }
    if (n > shown) {
        add_word(&s->zh[i], c, WORD_MORE, 1, n, NULL);
        add_word(&s->en[i], c, WORD_MORE, 0, n - shown, NULL);
    }
    if (n == 0) {
        sb_addstr(&s->zh[i], "—");
        sb_addstr(&s->en[i], "—");
    }
    int j = slot(s, "count");
    format_count(&s->zh[j], n);
    format_count(&s->en[j], n);
}

static int beyond(int high_side, double v, double limit)
{
    return high_side ? v > limit : v < limit;
}

/* The departments beyond `limit` on one side, worst first; *n set. */
static ranked *departments_beyond(const advise_ctx *c, const advise_rule *r, const ind_info *in,
                                  int high_side, double limit, int *n)
{
    ranked *list = xrealloc(NULL, ((size_t)c->nvals + 1) * sizeof *list);
    *n = 0;
    int hospital = is_hospital(c);
    /* A department's report lists at most itself: one lookup, not a scan
     * of every value (this runs for every scope, rule and indicator). */
    const value_row *own = hospital ? NULL : find_value(c, c->scope, in->id);
    int from = own ? (int)(own - c->vals) : hospital ? 0 : c->nvals;
    int to = own ? from + 1 : c->nvals;
    for (int i = from; i < to; i++) {
        const value_row *v = &c->vals[i];
        if (strcmp(v->period, c->period_text) != 0 || strcmp(v->indicator, in->id) != 0 ||
            !v->has_value || strcmp(v->scope, "hospital") == 0 ||
            !beyond(high_side, v->value, limit))
            continue;
        if (hospital ? !in_categories(c, r, v->scope) : strcmp(v->scope, c->scope) != 0)
            continue;
        if (ratio_base_small(c, in, v, NULL))
            continue; /* a ratio over a few cases is no state */
        list[(*n)++] = (ranked){v, high_side ? v->value : -v->value};
    }
    qsort(list, (size_t)*n, sizeof *list, ranked_desc);
    return list;
}

static void band_slot(slots *s, const ind_info *in)
{
    int i = slot(s, "band");
    for (int zh = 1; zh >= 0; zh--) { /* "80.0%–93.0%", "≤ 30.0%", "≥ 95.0%" */
        strbuf *b = zh ? &s->zh[i] : &s->en[i];
        if (in->has_low && in->has_high) {
            format_value(b, in, 1, in->low, zh, 0);
            sb_addstr(b, "–");
            format_value(b, in, 1, in->high, zh, 0);
        } else if (in->has_low || in->has_high) {
            sb_addstr(b, in->has_low ? "≥ " : "≤ ");
            format_value(b, in, 1, in->has_low ? in->low : in->high, zh, 0);
        } else {
            sb_addstr(b, "—");
        }
    }
}

static void band_side(advise_ctx *c, const advise_rule *r, const ind_info *in, int high_side,
                      double limit)
{
    const value_row *self = find_value(c, c->scope, in->id);
    int self_beyond = self && self->has_value && beyond(high_side, self->value, limit) &&
                      !ratio_base_small(c, in, self, NULL);
    int n;
    ranked *list = departments_beyond(c, r, in, high_side, limit, &n);
    int fire = self_beyond || (r->trigger_any && is_hospital(c) && n > 0);
    if (fire) {
        slots s = {0};
        common_slots(c, in, self, &s);
        value_slot(&s, "limit", in, 1, limit);
        value_slot(&s, "low", in, in->has_low, in->low);
        value_slot(&s, "high", in, in->has_high, in->high);
        band_slot(&s, in);
        department_list(c, in, list, n, r->count, &s);
        /* how far beyond, in % of the limit, orders these among themselves */
        double far = self_beyond && limit != 0 ? fabs(self->value - limit) / fabs(limit) * 10 : n;
        emit(c, r, in->id, far, 1, &s);
        slots_release(&s);
    }
    free(list);
}

static void eval_band(advise_ctx *c, const advise_rule *r)
{
    for (int i = 0; i < c->ninds; i++) {
        const ind_info *in = &c->inds[i];
        if (!advise_rule_matches(r, in->id))
            continue;
        if (r->type == ADVISE_BAND) {
            if (r->side_high && in->has_high)
                band_side(c, r, in, 1, in->high);
            if (r->side_low && in->has_low)
                band_side(c, r, in, 0, in->low);
        } else {
            if (r->has_above)
                band_side(c, r, in, 1, r->above);
            if (r->has_below)
                band_side(c, r, in, 0, r->below);
        }
    }
}

/* ---- movers ---- */

typedef struct mover {
    const ind_info *in;
    const value_row *row;
    change ch;
    double key;
} mover;

static int mover_desc(const void *a, const void *b)
{
    const mover *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return x->in < y->in ? -1 : x->in > y->in; /* catalogue order */
}

static void change_slots(const advise_ctx *c, int mom, const ind_info *in, const change *ch,
                         slots *s)
{
    int i = slot(s, "base");
    if (ch->base_hidden) {
        put_hidden(c, in, &s->zh[i]), put_hidden(c, in, &s->en[i]);
    } else {
        format_value(&s->zh[i], in, 1, ch->base, 1, 0);
        format_value(&s->en[i], in, 1, ch->base, 0, 0);
    }
    i = slot(s, "change");
    format_change(&s->zh[i], in, 1, ch->cur, ch->base, 1, 0);
    format_change(&s->en[i], in, 1, ch->cur, ch->base, 0, 0);
    signed_slot(s, "delta", in, ch->delta);
    value_slot(s, "amount", in, 1, fabs(ch->delta));
    double d = ch->delta;
    slot_text(s, "trend", d > 0 ? "上升" : d < 0 ? "下降" : "持平",
              d > 0 ? "rose" : d < 0 ? "fell" : "was unchanged");
    slot_text(s, "trend_to", d > 0 ? "升至" : d < 0 ? "降至" : "持平于",
              d > 0 ? "up to" : d < 0 ? "down to" : "unchanged at");
    slot_text(s, "comparison", mom ? "环比" : "同比", comparison_en(c, mom));
    int same = c->p.kind == PERIOD_QUARTER ? WORD_SAME_QUARTER : WORD_SAME_MONTH;
    slot_text(s, "same_period", word(c, same, 1), word(c, same, 0));
    i = slot(s, "last_year");
    for (int zh = 1; zh >= 0; zh--) {
        strbuf *b = zh ? &s->zh[i] : &s->en[i];
        if (!ch->seasonal && ch->last_year == 0) {
            sb_addstr(b, "—");
            continue;
        }
        if (ch->seasonal && change_as_amount(in, ch->ly_cur, ch->ly_base)) {
            format_value(b, in, 1, ch->ly_cur - ch->ly_base, zh, 1);
            continue;
        }
        if (ch->last_year > 0)
            sb_addch(b, '+');
        advise_format_number(b, ch->last_year, 1);
        sb_addstr(b, !strcmp(in->unit, "percent") ? (zh ? " 个百分点" : " pp") : "%");
    }
    i = slot(s, "times");
    if (ch->has_z)
        advise_format_number(&s->zh[i], ch->z, 1), advise_format_number(&s->en[i], ch->z, 1);
    else
        sb_addstr(&s->zh[i], "—"), sb_addstr(&s->en[i], "—");
    i = slot(s, "usual"); /* empty without a history to compare with */
    if (ch->has_z) {
        strbuf t = STRBUF_INIT;
        advise_format_number(&t, ch->z, 1);
        add_word(&s->zh[i], c, WORD_USUAL, 1, 0, t.buf);
        add_word(&s->en[i], c, WORD_USUAL, 0, 0, t.buf);
        sb_release(&t);
    }
}

/* The scope's indicators whose change is material, not broken; key = the
 * score, signed by direction when `directed`. */
static mover *changes(const advise_ctx *c, const advise_rule *r, const char *scope, int directed,
                      int *n)
{
    mover *list = xrealloc(NULL, ((size_t)c->ninds + 1) * sizeof *list);
    *n = 0;
    for (int i = 0; i < c->ninds; i++) {
        const ind_info *in = &c->inds[i];
        if (!advise_rule_matches(r, in->id) || (directed && !in->direction))
            continue;
        change ch = change_of(c, scope, in, r->mom);
        if (!material(c, &ch, r->min_change) || broken(c, scope, in->id, r->mom))
            continue;
        double score = score_of(&ch, r->min_change);
        double key = directed ? (ch.rel > 0 ? score : -score) * in->direction : score;
        list[(*n)++] = (mover){in, find_value(c, scope, in->id), ch, key};
    }
    return list;
}

static void eval_movers(advise_ctx *c, const advise_rule *r)
{
    int n;
    mover *list = changes(c, r, c->scope, 1, &n);
    if (!r->improvement)
        for (int i = 0; i < n; i++)
            list[i].key = -list[i].key; /* worst first */
    qsort(list, (size_t)n, sizeof *list, mover_desc);
    for (int i = 0, shown = 0; i < n && shown < r->count; i++) {
        if (list[i].key <= 0)
            break; /* the rest go the other way */
        int seasonal = list[i].ch.seasonal;
        if (seasonal && !r->out[ADVISE_SEASONAL].present)
            continue; /* a seasonal move is no news without its own wording */
        slots s = {0};
        common_slots(c, list[i].in, list[i].row, &s);
        change_slots(c, r->mom, list[i].in, &list[i].ch, &s);
        double score = list[i].key / (seasonal ? 4 : 1);
        emit_as(c, r, seasonal ? ADVISE_SEASONAL : ADVISE_FINDING, list[i].in->id, NULL, score,
                !r->improvement && !seasonal, &s);
        slots_release(&s);
        shown++;
    }
    free(list);
}

/* ---- contributors: drivers and offsets ---- */

typedef struct part_delta {
    char dept[64];
    double delta;
} part_delta;

static int by_size(const void *a, const void *b)
{
    const part_delta *x = a, *y = b;
    if (fabs(x->delta) != fabs(y->delta))
        return fabs(x->delta) > fabs(y->delta) ? -1 : 1;
    return strcmp(x->dept, y->dept);
}

/* Every department's delta of the hospital's change, largest first. */
static part_delta *read_deltas(advise_ctx *c, const char *indicator, int mom, int *n,
                               hr_error *err)
{
    *n = 0;
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT dept_code, delta FROM contribution WHERE period = ? AND"
                                  " indicator = ? AND comparison = ? AND delta <> 0",
                                  err);
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, mom ? "mom" : "yoy", -1, SQLITE_STATIC);
    part_delta *list = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n % 64 == 0)
            list = xrealloc(list, ((size_t)*n + 64) * sizeof *list);
        snprintf(list[*n].dept, sizeof list[*n].dept, "%s", sqlite3_column_text(st, 0));
        list[(*n)++].delta = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(list);
        db_fail(c->db, "reading contribution", err);
        return NULL;
    }
    if (*n)
        qsort(list, (size_t)*n, sizeof *list, by_size);
    else
        list = xrealloc(list, sizeof *list);
    return list;
}

/* Shares of `total` rounded to 1 decimal so that they add up to exactly
 * 100.0 (largest remainders get the rounding). */
void advise_shares(const double *parts, int n, double total, double *shares)
{
    double sum = 0;
    int tenths_left = 1000;
    for (int i = 0; i < n; i++) {
        double t = total != 0 ? parts[i] / total * 1000 : 0;
        shares[i] = floor(t);
        tenths_left -= (int)shares[i];
        sum += t - shares[i];
    }
    (void)sum;
    while (tenths_left > 0 && total != 0) { /* the largest remainders first */
        int best = -1;
        double rem = -1;
        for (int i = 0; i < n; i++) {
            double t = parts[i] / total * 1000, r = t - shares[i];
            if (r > rem && r > 0)
                rem = r, best = i;
        }
        if (best < 0)
            break;
        shares[best] += 1;
        tenths_left--;
    }
    for (int i = 0; i < n; i++)
        shares[i] /= 10;
}

/* "甲科（-579人次，占 47.1%）、乙科（…）及其他 12 个科室（…，占 20.0%）":
 * the largest drivers until they make `cover` % of the drivers' total (at
 * most `shown` of them; cover 0: always `shown`), the rest as one group,
 * shares adding up to 100.0. Returns 1 when `shown` departments do not
 * reach `cover` %: the change is broad-based, no few departments drove it. */
static int drivers_slot(const advise_ctx *c, const ind_info *in, const part_delta *d, int n,
                        int shown, double cover, slots *s)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += d[i].delta;
    if (shown > 62)
        shown = 62;
    int k = 0;
    double covered = 0;
    while (k < n && k < shown && (cover <= 0 || k == 0 || covered < cover)) {
        covered += total != 0 ? d[k].delta / total * 100 : 0;
        k++;
    }
    int broad = cover > 0 && covered < cover && k < n;
    if (n == k + 1 && n <= 62) /* "其他 1 个科室" would hide a name */
        k = n;
    double parts[64], shares[64];
    int rest = n - k;
    for (int i = 0; i < k; i++)
        parts[i] = d[i].delta;
    double others = 0;
    for (int i = k; i < n; i++)
        others += d[i].delta;
    int np = k + (rest > 0);
    if (rest > 0)
        parts[k] = others;
    advise_shares(parts, np, total, shares);
    int i = slot(s, "drivers");
    for (int j = 0; j < np; j++) {
        const char *zh, *en;
        strbuf other_zh = STRBUF_INIT, other_en = STRBUF_INIT;
        if (j < k) {
            scope_names(c, d[j].dept, &zh, &en);
        } else {
            add_word(&other_zh, c, WORD_OTHERS, 1, rest, NULL);
            add_word(&other_en, c, WORD_OTHERS, 0, rest, NULL);
            zh = other_zh.buf, en = other_en.buf;
        }
        int sep = j == 0 ? -1 : j == np - 1 ? WORD_LIST_LAST : WORD_LIST;
        /* a hidden department's delta and share (share x total = delta) */
        int hide = j < k && dept_hidden(c, d[j].dept, in->id);
        sb_addf(&s->zh[i], "%s%s（", sep < 0 ? "" : word(c, sep, 1), zh);
        sb_addf(&s->en[i], "%s%s (", sep < 0 ? "" : word(c, sep, 0), en);
        if (hide) {
            sb_addstr(&s->zh[i], "—）"), sb_addstr(&s->en[i], "—)");
            continue;
        }
        format_value(&s->zh[i], in, 1, parts[j], 1, 1);
        sb_addstr(&s->zh[i], word(c, WORD_SHARE, 1));
        advise_format_number(&s->zh[i], shares[j], 1);
        sb_addstr(&s->zh[i], "%）");
        format_value(&s->en[i], in, 1, parts[j], 0, 1);
        sb_addstr(&s->en[i], word(c, WORD_SHARE, 0));
        advise_format_number(&s->en[i], shares[j], 1);
        sb_addstr(&s->en[i], "%)");
        sb_release(&other_zh);
        sb_release(&other_en);
    }
    if (!np)
        sb_addstr(&s->zh[i], "—"), sb_addstr(&s->en[i], "—");
    signed_slot(s, "driver_total", in, total);
    double named = 0; /* the named departments' rounded shares, as printed */
    for (int j = 0; j < k; j++)
        named += shares[j];
    number_slot(s, "covered", named, 1, "%");
    i = slot(s, "driver_count");
    format_count(&s->zh[i], n);
    format_count(&s->en[i], n);
    return broad;
}

/* "丙科（+445人次）、丁科（+12人次）等 5 个科室" */
static void offsets_slot(const advise_ctx *c, const ind_info *in, const part_delta *d, int n,
                         int shown, slots *s)
{
    int i = slot(s, "offsets");
    double total = 0;
    for (int j = 0; j < n; j++) {
        total += d[j].delta;
        if (j >= shown)
            continue;
        const char *zh, *en;
        scope_names(c, d[j].dept, &zh, &en);
        int hide = dept_hidden(c, d[j].dept, in->id);
        sb_addf(&s->zh[i], "%s%s（", j ? word(c, WORD_LIST, 1) : "", zh);
        sb_addf(&s->en[i], "%s%s (", j ? word(c, WORD_LIST, 0) : "", en);
        if (hide) {
            sb_addstr(&s->zh[i], "—"), sb_addstr(&s->en[i], "—");
        } else {
            format_value(&s->zh[i], in, 1, d[j].delta, 1, 1);
            format_value(&s->en[i], in, 1, d[j].delta, 0, 1);
        }
        sb_addstr(&s->zh[i], "）");
        sb_addch(&s->en[i], ')');
    }
    if (n > shown) { /* 等 N 个科室 counts them all; " and N more" the rest */
        add_word(&s->zh[i], c, WORD_MORE, 1, n, NULL);
        add_word(&s->en[i], c, WORD_MORE, 0, n - shown, NULL);
    }
    signed_slot(s, "offset_total", in, total);
}

static int eval_contributors(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    int n, rc = HR_OK;
    mover *list = changes(c, r, "hospital", 0, &n);
    qsort(list, (size_t)n, sizeof *list, mover_desc);
    int limit = strcmp(r->indicator, "*") == 0 ? r->indicators : 1;
    for (int i = 0, shown = 0; i < n && shown < limit && rc == HR_OK; i++) {
        const ind_info *in = list[i].in;
        int nd;
        part_delta *d = read_deltas(c, in->id, r->mom, &nd, err);
        if (!d) {
            rc = err->code;
            break;
        }
        double sign = list[i].ch.delta > 0 ? 1 : -1;
        /* drivers (moved with the total) first, then offsets, each by size */
        part_delta *drivers = xrealloc(NULL, ((size_t)nd + 1) * sizeof *drivers);
        part_delta *offsets = xrealloc(NULL, ((size_t)nd + 1) * sizeof *offsets);
        int ndr = 0, nof = 0;
        for (int j = 0; j < nd; j++) {
            if (d[j].delta * sign > 0)
                drivers[ndr++] = d[j];
            else
                offsets[nof++] = d[j];
        }
        if (ndr) { /* an indicator without contributions says nothing */
            slots s = {0};
            common_slots(c, in, list[i].row, &s);
            change_slots(c, r->mom, in, &list[i].ch, &s);
            int broad = drivers_slot(c, in, drivers, ndr, r->count, r->cover, &s);
            int k = slot(&s, "departments"), dr = 0; /* the drivers, as before */
            while (strcmp(s.key[dr], "drivers") != 0)
                dr++;
            sb_addstr(&s.zh[k], s.zh[dr].buf ? s.zh[dr].buf : "");
            sb_addstr(&s.en[k], s.en[dr].buf ? s.en[dr].buf : "");
            offsets_slot(c, in, offsets, nof, r->offsets, &s);
            k = slot(&s, "offset_clause");
            if (nof && r->out[ADVISE_OFFSETS].present) {
                expand(c, r->out[ADVISE_OFFSETS].zh, &s, 1, &s.zh[k]);
                expand(c, r->out[ADVISE_OFFSETS].en, &s, 0, &s.en[k]);
            }
            int adverse = in->direction && list[i].ch.delta * in->direction < 0;
            /* no "主要由…拉动" over departments that do not make most of it */
            if (!broad || r->out[ADVISE_BROAD].present) {
                emit_as(c, r, broad ? ADVISE_BROAD : ADVISE_FINDING, in->id, NULL,
                        score_of(&list[i].ch, r->min_change), adverse, &s);
                shown++;
            }
            slots_release(&s);
        }
        free(drivers);
        free(offsets);
        free(d);
    }
    free(list);
    return rc;
}

/* ---- department events (hospital) ---- */

typedef struct event {
    const char *dept;
    const ind_info *in;
    change ch;
    double score, share;
} event;

static int event_desc(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->dept, y->dept);
}

static void eval_events(advise_ctx *c, const advise_rule *r)
{
    event *list = xrealloc(NULL, ((size_t)c->ndepts + 1) * sizeof *list);
    int n = 0;
    for (int d = 0; d < c->ndepts; d++) {
        const char *code = c->depts[d].code;
        if (!advise_list_has(r->categories, c->depts[d].category))
            continue;
        event best = {0};
        for (int i = 0; i < c->ninds; i++) {
            const ind_info *in = &c->inds[i];
            if (!advise_list_has(r->list, in->id) || !advise_rule_matches(r, in->id))
                continue;
            change ch = change_of(c, code, in, r->mom);
            if (!material(c, &ch, r->min_change) || broken(c, code, in->id, r->mom) ||
                (c->set->significance > 0 && !ch.has_z))
                continue; /* a department's event needs its history to stand out from */
            int worse = in->direction ? ch.delta * in->direction < 0 : 0;
            if (!r->any_direction && !worse)
                continue;
            double share = 0;
            if (in->is_flow) { /* its size against the hospital's */
                const value_row *h = find_value(c, "hospital", in->id);
                double hb = h && h->has_value ? fabs(r->mom ? h->mom_base : h->yoy_base) : 0;
                share = hb > 0 ? fabs(ch.delta) / hb * 100 : 0;
                if (share < r->min_share)
                    continue;
            }
            double score = score_of(&ch, r->min_change);
            if (score > best.score)
                best = (event){code, in, ch, score, share};
        }
        if (best.in)
            list[n++] = best;
    }
    qsort(list, (size_t)n, sizeof *list, event_desc);
    for (int i = 0; i < n && i < r->count; i++) {
        const event *e = &list[i];
        slots s = {0};
        common_slots(c, e->in, find_value(c, e->dept, e->in->id), &s);
        const char *zh, *en;
        scope_names(c, e->dept, &zh, &en);
        slot_text(&s, "department", zh, en);
        change_slots(c, r->mom, e->in, &e->ch, &s);
        number_slot(&s, "share", e->share, 1, "%");
        emit_as(c, r, ADVISE_FINDING, e->in->id, e->dept, e->score, 1, &s);
        slots_release(&s);
    }
    free(list);
}

/* ---- factor analysis: amount = volume x price (连环替代法) ---- */

/* Volume first, then price: volume effect = (V1 - V0) x P0, price effect =
 * V1 x (P1 - P0); together exactly A1 - A0. */
void advise_factors(double v0, double p0, double v1, double p1, double *volume_effect,
                    double *price_effect)
{
    *volume_effect = (v1 - v0) * p0;
    *price_effect = v1 * (p1 - p0);
}

static void eval_factors(advise_ctx *c, const advise_rule *r)
{
    for (int k = 0; k < r->nparts; k++) {
        const advise_part *pt = &r->parts[k];
        const ind_info *pi = find_ind(c, pt->ratio), *vi = find_ind(c, pt->volume);
        if (!pi || !vi)
            continue;
        change pc = change_of(c, c->scope, pi, r->mom), vc = change_of(c, c->scope, vi, r->mom);
        if (!pc.ok || !vc.ok || vc.small_base)
            continue;
        double a0 = vc.base * pc.base, a1 = vc.cur * pc.cur, ve, pe;
        if (a0 == 0 || fabs(a1 - a0) / fabs(a0) * 100 < r->min_change)
            continue;
        advise_factors(vc.base, pc.base, vc.cur, pc.cur, &ve, &pe);
        slots s = {0};
        common_slots(c, NULL, NULL, &s);
        slot_text(&s, "part", pt->zh, pt->en);
        sb_reset(&s.zh[0]); /* {name}: the part */
        sb_reset(&s.en[0]);
        sb_addstr(&s.zh[0], pt->zh);
        sb_addstr(&s.en[0], pt->en);
        change ac = {.ok = 1, .cur = a1, .base = a0, .delta = a1 - a0,
                     .rel = (a1 - a0) / fabs(a0) * 100};
        /* the revenue and the effects are money totals (万元), the price a fee */
        static const ind_info total = {.id = "", .unit = "money"};
        value_slot(&s, "value", &total, 1, a1);
        change_slots(c, r->mom, &total, &ac, &s);
        slot_text(&s, "volume_name", vi->name_zh, vi->name_en);
        signed_slot(&s, "volume_change", vi, vc.delta);
        signed_slot(&s, "volume_effect", &total, ve);
        slot_text(&s, "price_name", pi->name_zh, pi->name_en);
        signed_slot(&s, "price_change", pi, pc.delta);
        signed_slot(&s, "price_effect", &total, pe);
        emit(c, r, pi->id, fabs(ac.rel) / (r->min_change > 1 ? r->min_change : 1), 0, &s);
        slots_release(&s);
    }
}

/* ---- the operating statement: balance = revenue - cost ---- */

typedef struct stmt_line {
    const char *section, *item, *zh, *en;
    int ok;
    double cur, base; /* CNY */
} stmt_line;

static const char *const revenue_items[][3] = {
    {"drug", "药品收入", "drug revenue"},       {"material", "卫生材料收入", "materials revenue"},
    {"exam", "检查收入", "examination revenue"}, {"treatment", "治疗收入", "treatment revenue"},
    {"surgery", "手术收入", "surgery revenue"},  {"bed", "床位收入", "bed revenue"},
    {"other", "其他收入", "other revenue"}};
static const char *const cost_items[][3] = {
    {"personnel", "人员经费", "personnel cost"},    {"drug", "药品费", "drug cost"},
    {"material", "卫生材料费", "materials cost"},   {"depreciation", "固定资产折旧", "depreciation"},
    {"maintenance", "维修费", "maintenance"},       {"other", "其他费用", "other cost"}};

static int statement_amount(advise_ctx *c, const char *period, const char *section,
                            const char *item, double *out)
{
    int64_t cents = 0;
    hr_error e;
    int found = db_query_int(c->db, &cents, &e,
                             "SELECT amount_cents FROM operating_statement WHERE period = ? AND"
                             " scope = ? AND section = ? AND item = ? AND amount_cents IS NOT NULL",
                             period, c->scope, section, item, NULL);
    *out = (double)cents / 100.0;
    return found == 1;
}

/* The period's and the base's statement lines: revenue items, direct cost
 * items and the allocated cost; totals in *rev, *cost (full cost when the
 * scope has one, else direct), *bal. Returns how many lines. */
static int statement_lines(advise_ctx *c, int mom, stmt_line *lines, stmt_line *rev,
                           stmt_line *cost, stmt_line *bal)
{
    const char *base = mom ? c->mom_label : c->yoy_label;
    int n = 0;
    for (int i = 0; i < 7; i++) {
        stmt_line *l = &lines[n++];
        *l = (stmt_line){"revenue", revenue_items[i][0], revenue_items[i][1], revenue_items[i][2],
                         0, 0, 0};
        l->ok = statement_amount(c, c->period_text, "revenue", l->item, &l->cur) &&
                statement_amount(c, base, "revenue", l->item, &l->base);
    }
    for (int i = 0; i < 6; i++) {
        stmt_line *l = &lines[n++];
        *l = (stmt_line){"direct_cost", cost_items[i][0], cost_items[i][1], cost_items[i][2], 0, 0, 0};
        l->ok = statement_amount(c, c->period_text, "direct_cost", l->item, &l->cur) &&
                statement_amount(c, base, "direct_cost", l->item, &l->base);
    }
    stmt_line *al = &lines[n++];
    *al = (stmt_line){"allocated", "allocated", "分摊成本", "allocated cost", 1, 0, 0};
    for (int lv = 1; lv <= 3; lv++) {
        char item[24];
        double a = 0, b = 0;
        snprintf(item, sizeof item, "level%d", lv);
        if (statement_amount(c, c->period_text, "allocated", item, &a))
            al->cur += a;
        if (statement_amount(c, base, "allocated", item, &b))
            al->base += b;
    }
    if (is_hospital(c))
        al->ok = 0; /* allocation moves cost between departments only */
    *rev = (stmt_line){"total", "revenue", "医疗收入", "revenue", 0, 0, 0};
    rev->ok = statement_amount(c, c->period_text, "total", "revenue", &rev->cur) &&
              statement_amount(c, base, "total", "revenue", &rev->base);
    *cost = (stmt_line){"total", "full_cost", "成本", "cost", 0, 0, 0};
    cost->ok = statement_amount(c, c->period_text, "total", "full_cost", &cost->cur) &&
               statement_amount(c, base, "total", "full_cost", &cost->base);
    *bal = (stmt_line){"total", "balance", "收支结余", "balance", 0, 0, 0};
    bal->ok = statement_amount(c, c->period_text, "total", "balance", &bal->cur) &&
              statement_amount(c, base, "total", "balance", &bal->base);
    return n;
}

static int line_desc(const void *a, const void *b)
{
    const stmt_line *x = a, *y = b;
    double dx = x->ok ? fabs(x->cur - x->base) : -1, dy = y->ok ? fabs(y->cur - y->base) : -1;
    return dx != dy ? (dx < dy ? 1 : -1) : 0;
}

/* "药品收入 -12.34万元、检查收入 -5.00万元" of one section (cost: direct and
 * allocated), largest moves first. */
static void lines_slot(const advise_ctx *c, slots *s, const char *key, const ind_info *money,
                       stmt_line *lines, int n, int cost, int shown)
{
    stmt_line pick[16];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (lines[i].ok && lines[i].cur != lines[i].base &&
            (cost ? strcmp(lines[i].section, "revenue") != 0 : !strcmp(lines[i].section, "revenue")))
            pick[k++] = lines[i];
    qsort(pick, (size_t)k, sizeof *pick, line_desc);
    int i = slot(s, key);
    for (int j = 0; j < k && j < shown; j++) {
        sb_addf(&s->zh[i], "%s%s ", j ? word(c, WORD_LIST, 1) : "", pick[j].zh);
        format_value(&s->zh[i], money, 1, pick[j].cur - pick[j].base, 1, 1);
        sb_addf(&s->en[i], "%s%s ", j ? word(c, WORD_LIST, 0) : "", pick[j].en);
        format_value(&s->en[i], money, 1, pick[j].cur - pick[j].base, 0, 1);
    }
    if (!k)
        sb_addstr(&s->zh[i], "—"), sb_addstr(&s->en[i], "—");
}

static const ind_info money_info = {.id = "", .unit = "money"};

static void eval_statement(advise_ctx *c, const advise_rule *r)
{
    stmt_line lines[16], rev, cost, bal;
    int n = statement_lines(c, r->mom, lines, &rev, &cost, &bal);
    if (!rev.ok || !cost.ok || !bal.ok)
        return;
    double db = bal.cur - bal.base, dr = rev.cur - rev.base, dc = cost.cur - cost.base;
    int flip = (bal.cur < 0) != (bal.base < 0);
    if (db == 0 || (!flip && (bal.base == 0 || fabs(db) / fabs(bal.base) * 100 < r->min_change)))
        return;
    const ind_info *bi = find_ind(c, "balance");
    slots s = {0};
    common_slots(c, bi ? bi : &money_info, find_value(c, c->scope, "balance"), &s);
    change ch = {.ok = 1, .cur = bal.cur, .base = bal.base, .delta = db,
                 .rel = bal.base ? db / fabs(bal.base) * 100 : 0};
    change_slots(c, r->mom, &money_info, &ch, &s);
    signed_slot(&s, "revenue_delta", &money_info, dr);
    signed_slot(&s, "cost_delta", &money_info, dc);
    lines_slot(c, &s, "revenue_items", &money_info, lines, n, 0, 2);
    lines_slot(c, &s, "cost_items", &money_info, lines, n, 1, 2);
    /* which side moved the balance more */
    int revenue_side = fabs(dr) >= fabs(dc);
    int side = revenue_side ? (dr < 0 ? WORD_SIDE_REVENUE_FELL : WORD_SIDE_REVENUE_ROSE)
                            : (dc > 0 ? WORD_SIDE_COST_ROSE : WORD_SIDE_COST_FELL);
    slot_text(&s, "side", word(c, side, 1), word(c, side, 0));
    double score = bal.base ? fabs(db) / fabs(bal.base) * 10 : 10;
    emit(c, r, "balance", score + (flip ? 20 : 0), db < 0, &s);
    slots_release(&s);
}

/* ---- states: deficit ---- */

static void rel_slot(slots *s, const char *key, const ind_info *money, double cur, double base)
{
    int i = slot(s, key);
    for (int zh = 1; zh >= 0; zh--) {
        strbuf *b = zh ? &s->zh[i] : &s->en[i];
        format_value(b, money, 1, cur - base, zh, 1);
        if (!change_as_amount(money, cur, base)) {
            sb_addstr(b, zh ? "（" : " (");
            double r = (cur - base) / fabs(base) * 100;
            if (r > 0)
                sb_addch(b, '+');
            advise_format_number(b, r, 1);
            sb_addstr(b, zh ? "%）" : "%)");
        }
    }
}

/* A deficit worth a finding: at least min_loss % of the scope's medical
 * revenue (a department a few hundred yuan under zero is not news). A scope
 * without revenue has a material deficit whatever its size. */
static int material_deficit(advise_ctx *c, const advise_rule *r, const char *scope,
                            double balance)
{
    if (r->min_loss <= 0)
        return 1;
    const value_row *rev = find_value(c, scope, "medical_revenue");
    if (!rev || !rev->has_value || rev->value <= 0)
        return 1;
    return -balance >= r->min_loss / 100 * rev->value;
}

static void eval_deficit(advise_ctx *c, const advise_rule *r)
{
    const ind_info *in = find_ind(c, r->indicator);
    if (!in)
        return;
    if (is_hospital(c)) {
        if (!r->trigger_any)
            return;
        ranked *list = xrealloc(NULL, ((size_t)c->ndepts + 1) * sizeof *list);
        int n = 0;
        for (int d = 0; d < c->ndepts; d++) {
            const value_row *v = find_value(c, c->depts[d].code, in->id);
            if (!v || !v->has_value || v->value >= 0 ||
                !advise_list_has(r->categories, c->depts[d].category))
                continue;
            int has = r->mom ? v->has_mom_base : v->has_yoy_base;
            double b = r->mom ? v->mom_base : v->yoy_base;
            if ((r->turned && !(has && b >= 0)) ||
                !material_deficit(c, r, c->depts[d].code, v->value))
                continue;
            list[n++] = (ranked){v, -v->value};
        }
        qsort(list, (size_t)n, sizeof *list, ranked_desc);
        if (n) {
            slots s = {0};
            common_slots(c, in, find_value(c, "hospital", in->id), &s);
            department_list(c, in, list, n, r->count, &s);
            emit(c, r, in->id, n * 2.0, 1, &s);
            slots_release(&s);
        }
        free(list);
        return;
    }
    const value_row *v = find_value(c, c->scope, in->id);
    if (!v || !v->has_value || v->value >= 0)
        return;
    int has = r->mom ? v->has_mom_base : v->has_yoy_base;
    double base = r->mom ? v->mom_base : v->yoy_base;
    if (r->turned && !(has && base >= 0))
        return;
    if (!r->turned && has && base >= 0)
        return; /* "any": a deficit that is not new (the turn has its own rule) */
    if (!material_deficit(c, r, c->scope, v->value))
        return;
    stmt_line lines[16], rev, cost, bal;
    int n = statement_lines(c, r->mom, lines, &rev, &cost, &bal);
    slots s = {0};
    common_slots(c, in, v, &s);
    change ch = {.ok = has, .cur = v->value, .base = base, .delta = v->value - base};
    change_slots(c, r->mom, in, &ch, &s);
    rel_slot(&s, "revenue_change", &money_info, rev.ok ? rev.cur : 0, rev.ok ? rev.base : 0);
    rel_slot(&s, "cost_change", &money_info, cost.ok ? cost.cur : 0, cost.ok ? cost.base : 0);
    /* the cost line that grew most (direct lines and the allocated cost) */
    const stmt_line *top = NULL;
    for (int i = 0; i < n; i++)
        if (lines[i].ok && strcmp(lines[i].section, "revenue") != 0 &&
            lines[i].cur - lines[i].base > 0 &&
            (!top || lines[i].cur - lines[i].base > top->cur - top->base))
            top = &lines[i];
    if ((r->deficit_cause == 1 && !top) || (r->deficit_cause == 2 && top)) {
        slots_release(&s); /* the other cause's rule says it */
        return;
    }
    slot_text(&s, "cost_line", top ? top->zh : "—", top ? top->en : "—");
    if (top)
        rel_slot(&s, "cost_line_change", &money_info, top->cur, top->base);
    else
        slot_text(&s, "cost_line_change", "—", "—");
    const stmt_line *pers = &lines[7]; /* direct_cost personnel */
    int i = slot(&s, "personnel_change");
    if (pers->ok && change_as_amount(&money_info, pers->cur, pers->base)) {
        format_value(&s.zh[i], &money_info, 1, pers->cur - pers->base, 1, 1);
        format_value(&s.en[i], &money_info, 1, pers->cur - pers->base, 0, 1);
    } else if (pers->ok) {
        double rp = (pers->cur - pers->base) / fabs(pers->base) * 100;
        sb_addstr(&s.zh[i], rp > 0 ? "+" : ""), sb_addstr(&s.en[i], rp > 0 ? "+" : "");
        advise_format_number(&s.zh[i], rp, 1), advise_format_number(&s.en[i], rp, 1);
        sb_addch(&s.zh[i], '%'), sb_addch(&s.en[i], '%');
    } else {
        sb_addstr(&s.zh[i], "—"), sb_addstr(&s.en[i], "—");
    }
    i = slot(&s, "workload_change"); /* "门诊人次 -5.0%、出院人数 +2.0%" */
    char wl[192];
    snprintf(wl, sizeof wl, "%s", r->workload);
    char *save = NULL;
    int k = 0;
    for (char *t = strtok_r(wl, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        const ind_info *wi = find_ind(c, t);
        change wc = wi ? change_of(c, c->scope, wi, r->mom) : (change){0};
        if (!wc.ok)
            continue;
        sb_addf(&s.zh[i], "%s%s ", k ? word(c, WORD_LIST, 1) : "", wi->name_zh);
        sb_addf(&s.en[i], "%s%s ", k ? word(c, WORD_LIST, 0) : "", wi->name_en);
        format_change(&s.zh[i], wi, 1, wc.cur, wc.base, 1, 1);
        format_change(&s.en[i], wi, 1, wc.cur, wc.base, 0, 1);
        k++;
    }
    if (!k)
        sb_addstr(&s.zh[i], "—"), sb_addstr(&s.en[i], "—");
    slot_text(&s, "departments", "—", "—");
    slot_text(&s, "count", "1", "1");
    emit(c, r, in->id, r->turned ? 30 : 20, 1, &s);
    slots_release(&s);
}

/* ---- states: idle equipment ---- */

typedef struct device {
    char id[64], dept[64], zh[128], en[160];
    double exams, capacity, idle_days, device_days, util, idle;
} device;

static device *read_devices(advise_ctx *c, int *n, hr_error *err)
{
    char a[8], b[8];
    month_range(&c->p, a, b);
    *n = 0;
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT equipment_id, max(dept_code), max(name_zh), max(name_en),"
                                  " sum(exams), sum(capacity), sum(idle_days), sum(device_days)"
                                  " FROM ind_equipment_month WHERE month BETWEEN ? AND ?"
                                  " GROUP BY equipment_id HAVING sum(device_days) > 0"
                                  " ORDER BY equipment_id",
                                  err);
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    device *list = xrealloc(NULL, sizeof *list);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n % 32 == 0)
            list = xrealloc(list, ((size_t)*n + 33) * sizeof *list);
        device *d = &list[(*n)++];
        copy_col(st, 0, d->id, sizeof d->id);
        copy_col(st, 1, d->dept, sizeof d->dept);
        copy_col(st, 2, d->zh, sizeof d->zh);
        copy_col(st, 3, d->en, sizeof d->en);
        d->exams = sqlite3_column_double(st, 4);
        d->capacity = sqlite3_column_double(st, 5);
        d->idle_days = sqlite3_column_double(st, 6);
        d->device_days = sqlite3_column_double(st, 7);
        d->util = d->capacity > 0 ? d->exams / d->capacity * 100 : 0;
        d->idle = d->device_days > 0 ? d->idle_days / d->device_days * 100 : 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(list);
        db_fail(c->db, "reading equipment months", err);
        return NULL;
    }
    return list;
}

static int idle_device(const advise_rule *r, const device *d)
{
    return d->util <= r->max_utilization || d->idle >= r->min_idle_rate;
}

static const ind_info pct_info = {.id = "", .unit = "percent"};

static int eval_idle(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    int n;
    device *list = read_devices(c, &n, err);
    if (!list)
        return err->code;
    int hospital = is_hospital(c), shown = 0, total = 0;
    strbuf dzh = STRBUF_INIT, den = STRBUF_INIT;
    for (int i = 0; i < n; i++) {
        const device *d = &list[i];
        if (!idle_device(r, d) || (!hospital && strcmp(d->dept, c->scope) != 0))
            continue;
        const char *nzh, *nen;
        scope_names(c, d->dept, &nzh, &nen);
        total++;
        if (hospital) { /* one sentence listing them */
            if (total <= r->count) {
                sb_addf(&dzh, "%s%s%s（利用率 ", total > 1 ? "、" : "", nzh, d->zh);
                advise_format_number(&dzh, d->util, 1);
                sb_addstr(&dzh, "%，闲置 ");
                sb_addf(&dzh, "%.0f/%.0f 天）", d->idle_days, d->device_days);
                sb_addf(&den, "%s%s, %s (utilization ", total > 1 ? "; " : "", d->en, nen);
                advise_format_number(&den, d->util, 1);
                sb_addf(&den, "%%, idle %.0f of %.0f days)", d->idle_days, d->device_days);
            }
            continue;
        }
        if (shown >= r->count)
            continue;
        slots s = {0};
        common_slots(c, find_ind(c, "equipment_utilization"),
                     find_value(c, c->scope, "equipment_utilization"), &s);
        slot_text(&s, "device", d->zh, d->en);
        slot_text(&s, "department", nzh, nen);
        value_slot(&s, "utilization", &pct_info, 1, d->util);
        value_slot(&s, "idle_rate", &pct_info, 1, d->idle);
        number_slot(&s, "idle_days", d->idle_days, 0, "");
        number_slot(&s, "device_days", d->device_days, 0, "");
        value_slot(&s, "limit", &pct_info, 1, r->max_utilization >= 0 ? r->max_utilization
                                                                      : r->min_idle_rate);
        value_slot(&s, "idle_limit", &pct_info, 1, r->min_idle_rate);
        int p = slot(&s, "peers"), np = 0; /* the same device elsewhere, busier */
        for (int j = 0; j < n; j++) {
            const device *o = &list[j];
            if (j == i || strcmp(o->zh, d->zh) != 0 || strcmp(o->dept, d->dept) == 0 ||
                idle_device(r, o))
                continue;
            const char *ozh, *oen;
            scope_names(c, o->dept, &ozh, &oen);
            sb_addf(&s.zh[p], "%s%s（利用率 ", np ? "、" : "", ozh);
            advise_format_number(&s.zh[p], o->util, 1);
            sb_addstr(&s.zh[p], "%）");
            sb_addf(&s.en[p], "%s%s (utilization ", np ? ", " : "", oen);
            advise_format_number(&s.en[p], o->util, 1);
            sb_addstr(&s.en[p], "%)");
            np++;
        }
        if (!np)
            sb_addstr(&s.zh[p], "—"), sb_addstr(&s.en[p], "—");
        slot_text(&s, "devices", d->zh, d->en);
        slot_text(&s, "count", "1", "1");
        emit_as(c, r, ADVISE_FINDING, "equipment_utilization", d->id, d->idle / 10, 1, &s);
        slots_release(&s);
        shown++;
    }
    if (hospital && total) {
        slots s = {0};
        common_slots(c, find_ind(c, "equipment_utilization"),
                     find_value(c, c->scope, "equipment_utilization"), &s);
        if (total > r->count) {
            sb_addf(&dzh, "等 %d 台", total);
            sb_addf(&den, " and %d more", total - r->count);
        }
        slot_text(&s, "devices", dzh.buf, den.buf);
        number_slot(&s, "count", total, 0, "");
        value_slot(&s, "limit", &pct_info, 1, r->max_utilization >= 0 ? r->max_utilization
                                                                      : r->min_idle_rate);
        value_slot(&s, "idle_limit", &pct_info, 1, r->min_idle_rate);
        emit(c, r, "equipment_utilization", total, 1, &s);
        slots_release(&s);
    }
    sb_release(&dzh);
    sb_release(&den);
    free(list);
    return HR_OK;
}


/* ---- states: DRG groups far above their benchmark or their payment ---- */

/* drg_cost_mix for the period: per scope and group, the fees of the
 * discharged stays and what they are made of (068_drg_cost_mix.sql); stays
 * without a DRG row under drg_code ''. */
static int refresh_cost_mix(advise_ctx *c, hr_error *err)
{
    char a[8], b[8];
    month_range(&c->p, a, b);
    if (db_exec_args(c->db, err, "DELETE FROM drg_cost_mix WHERE period = ?", c->period_text,
                     NULL))
        return err->code;
    return db_exec_args(
        c->db, err,
        "INSERT INTO drg_cost_mix (period, scope, drg_code, stays, fee_cents, drug_cents,"
        " material_cents, exam_cents)"
        " WITH s AS (SELECT i.dept_code AS dept, coalesce(d.drg_code, '') AS code,"
        "   i.total_fee_cents AS fee, i.drug_fee_cents AS drug, i.material_fee_cents AS mat,"
        "   i.exam_fee_cents AS exam FROM inpatient i"
        "   LEFT JOIN drg d ON d.period = i.period AND d.stay_id = i.stay_id"
        "  WHERE i.period BETWEEN ?2 AND ?3)"
        " SELECT ?1, dept, code, count(*), sum(fee), sum(drug), sum(mat), sum(exam) FROM s"
        "  WHERE EXISTS (SELECT 1 FROM drg x WHERE x.period BETWEEN ?2 AND ?3)"
        "  GROUP BY dept, code"
        " UNION ALL"
        " SELECT ?1, 'hospital', code, count(*), sum(fee), sum(drug), sum(mat), sum(exam) FROM s"
        "  WHERE EXISTS (SELECT 1 FROM drg x WHERE x.period BETWEEN ?2 AND ?3)"
        "  GROUP BY code",
        c->period_text, a, b, NULL);
}

typedef struct drg_row {
    char code[32], name[192];
    double stays, los, bench_stays, bench_los, cost, bench_cost, paid_stays, payment, paid_cost;
    double mix_fee, drug, material, exam; /* drg_cost_mix */
    double ratio, los_ratio, excess;      /* the rule's test and the excess cost, CNY */
} drg_row;

static drg_row *read_drg_groups(advise_ctx *c, const char *scope, int *n, hr_error *err)
{
    *n = 0;
    sqlite3_stmt *st = db_prepare(
        c->db,
        "SELECT g.drg_code, g.drg_name, g.stays, g.los_days, g.benched_stays, g.bench_los_sum,"
        " g.cost_cents, g.bench_cost_sum_cents, g.paid_stays, g.payment_cents, g.paid_cost_cents,"
        " m.fee_cents, m.drug_cents, m.material_cents, m.exam_cents"
        " FROM drg_group g LEFT JOIN drg_cost_mix m ON m.period = g.period AND m.scope = g.scope"
        "  AND m.drg_code = g.drg_code"
        " WHERE g.period = ? AND g.scope = ? ORDER BY g.drg_code",
        err);
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    drg_row *list = xrealloc(NULL, sizeof *list);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n % 32 == 0)
            list = xrealloc(list, ((size_t)*n + 33) * sizeof *list);
        drg_row *g = &list[(*n)++];
        memset(g, 0, sizeof *g);
        copy_col(st, 0, g->code, sizeof g->code);
        copy_col(st, 1, g->name, sizeof g->name);
        double *f[] = {&g->stays, &g->los, &g->bench_stays, &g->bench_los, &g->cost,
                       &g->bench_cost, &g->paid_stays, &g->payment, &g->paid_cost,
                       &g->mix_fee, &g->drug, &g->material, &g->exam};
        for (int k = 0; k < 13; k++)
            *f[k] = sqlite3_column_type(st, k + 2) == SQLITE_NULL
                        ? NAN
                        : sqlite3_column_double(st, k + 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(list);
        db_fail(c->db, "reading drg_group", err);
        return NULL;
    }
    return list;
}

/* Whether the group passes the rule; sets ratio, los_ratio and excess. */
static int drg_fires(const advise_rule *r, drg_row *g)
{
    if (!(g->stays >= r->min_stays) || (r->drg_unpaid && g->paid_stays > 0))
        return 0;
    double mean = g->cost / g->stays;
    g->los_ratio = g->bench_stays > 0 && g->bench_los > 0
                       ? (g->los / g->stays) / (g->bench_los / g->bench_stays)
                       : NAN;
    if (r->drg_payment) {
        if (!(g->paid_stays >= r->min_stays) || !(g->payment > 0))
            return 0;
        g->ratio = g->paid_cost / g->payment;
        g->excess = (g->paid_cost - g->payment) / 100.0;
    } else {
        if (!(g->bench_stays >= r->min_stays) || !(g->bench_cost > 0))
            return 0;
        double bench = g->bench_cost / g->bench_stays;
        g->ratio = mean / bench;
        g->excess = (mean - bench) * g->stays / 100.0;
    }
    if (!(g->ratio >= r->min_ratio))
        return 0;
    int long_stay = isfinite(g->los_ratio) && g->los_ratio >= r->los_ratio;
    return r->drg_cause == 0 || (r->drg_cause == 1) == long_stay;
}

static int excess_cmp(const void *a, const void *b)
{
    const drg_row *x = a, *y = b;
    if (x->excess != y->excess)
        return x->excess < y->excess ? 1 : -1;
    return strcmp(x->code, y->code);
}


/* A money slot as a fee ("104,400.00元" / "¥104,400.00") or a total
 * ("25.92万元" / "¥259,200"). */
static void money_slot(slots *s, const char *key, double yuan, int total)
{
    int i = slot(s, key);
    char buf[NF_MAX];
    nf_opts o = {.total = total, .fee = !total};
    sb_addstr(&s->zh[i], isfinite(yuan) ? nf_value(NF_ZH, "money", yuan, &o, buf) : nf_undefined());
    sb_addstr(&s->en[i], isfinite(yuan) ? nf_value(NF_EN, "money", yuan, &o, buf) : nf_undefined());
}

static void share_slot(slots *s, const char *key, double part, double whole)
{
    value_slot(s, key, &pct_info, isfinite(part) && whole > 0, whole > 0 ? part / whole * 100 : 0);
}

/* The department with the most stays of the group (for the hospital's
 * sentences), from drg_group. */
static int drg_main_department(advise_ctx *c, const char *code, const char **zh,
                               const char **en, hr_error *err)
{
    *zh = *en = "—";
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT scope FROM drg_group WHERE period = ? AND drg_code = ?"
                                  " AND scope <> 'hospital' ORDER BY stays DESC, scope LIMIT 1",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    int got = db_one(st, err);
    if (got > 0) {
        const dept_info *d = find_dept(c, (const char *)sqlite3_column_text(st, 0));
        if (d)
            *zh = d->name_zh, *en = d->name_en;
    }
    sqlite3_finalize(st);
    return got < 0 ? err->code : HR_OK;
}

/* The fee shares of all the hospital's stays of the period (drg_cost_mix):
 * what a group's drug, material and examination shares compare with;
 * NAN without fees. */
static int hospital_fee_shares(advise_ctx *c, double share[3], hr_error *err)
{
    share[0] = share[1] = share[2] = NAN;
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT sum(fee_cents), sum(drug_cents), sum(material_cents),"
                                  " sum(exam_cents) FROM drg_cost_mix WHERE period = ? AND"
                                  " scope = 'hospital'",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    int got = db_one(st, err);
    if (got > 0 && sqlite3_column_double(st, 0) > 0)
        for (int k = 0; k < 3; k++)
            if (sqlite3_column_type(st, k + 1) != SQLITE_NULL)
                share[k] = sqlite3_column_double(st, k + 1) / sqlite3_column_double(st, 0) * 100;
    sqlite3_finalize(st);
    return got < 0 ? err->code : HR_OK;
}

/* {cost_lines}: "耗材占 45.0%（全院住院病例 30.2%）、药品占 …" -- only the fee
 * lines whose share of the group's fees runs at least line_gap points
 * above all the hospital's stays', the largest gap first; the lines_none
 * word when none does (the excess is not in these lines). */
static void cost_lines_slot(const advise_ctx *c, const advise_rule *r, const drg_row *g,
                            const double avg[3], slots *s)
{
    static const int names[3] = {WORD_DRUGS, WORD_MATERIALS, WORD_EXAMS};
    double part[3] = {g->drug, g->material, g->exam}, share[3], gap[3];
    int order[3], n = 0;
    for (int k = 0; k < 3; k++) {
        share[k] = isfinite(part[k]) && g->mix_fee > 0 ? part[k] / g->mix_fee * 100 : NAN;
        gap[k] = share[k] - avg[k];
        if (isfinite(gap[k]) && gap[k] >= r->line_gap) {
            int j = n++;
            for (; j > 0 && gap[order[j - 1]] < gap[k]; j--)
                order[j] = order[j - 1];
            order[j] = k;
        }
    }
    int i = slot(s, "cost_lines");
    for (int j = 0; j < n; j++) {
        int k = order[j];
        sb_addf(&s->zh[i], "%s%s占 ", j ? word(c, WORD_LIST, 1) : "", word(c, names[k], 1));
        advise_format_number(&s->zh[i], share[k], 1);
        sb_addf(&s->zh[i], "%%（%s ", word(c, WORD_LINES_AVG, 1));
        advise_format_number(&s->zh[i], avg[k], 1);
        sb_addstr(&s->zh[i], "%）");
        sb_addf(&s->en[i], "%s%s ", j ? word(c, WORD_LIST, 0) : "", word(c, names[k], 0));
        advise_format_number(&s->en[i], share[k], 1);
        sb_addf(&s->en[i], "%% of fees (%s ", word(c, WORD_LINES_AVG, 0));
        advise_format_number(&s->en[i], avg[k], 1);
        sb_addstr(&s->en[i], "%)");
    }
    if (!n) {
        sb_addstr(&s->zh[i], word(c, WORD_LINES_NONE, 1));
        sb_addstr(&s->en[i], word(c, WORD_LINES_NONE, 0));
    }
}

/* {benchmark_gap}: the mean cost against the benchmark's, "高 12.0%" /
 * "低 13.0%" ("12.0% above" / "13.0% below"); "—" without a benchmark. */
static void benchmark_gap_slot(const drg_row *g, slots *s)
{
    int i = slot(s, "benchmark_gap");
    double bench = g->bench_stays > 0 && g->bench_cost > 0 ? g->bench_cost / g->bench_stays : NAN;
    double pct = isfinite(bench) ? (g->cost / g->stays / bench - 1) * 100 : NAN;
    if (!isfinite(pct)) {
        sb_addstr(&s->zh[i], nf_undefined()), sb_addstr(&s->en[i], nf_undefined());
        return;
    }
    sb_addstr(&s->zh[i], pct >= 0 ? "高 " : "低 ");
    advise_format_number(&s->zh[i], fabs(pct), 1);
    sb_addch(&s->zh[i], '%');
    advise_format_number(&s->en[i], fabs(pct), 1);
    sb_addstr(&s->en[i], pct >= 0 ? "% above" : "% below");
}

static int eval_drg(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    int n;
    drg_row *list = read_drg_groups(c, c->scope, &n, err);
    if (!list)
        return err->code;
    double avg[3];
    if (hospital_fee_shares(c, avg, err)) {
        free(list);
        return err->code;
    }
    int kept = 0;
    for (int i = 0; i < n; i++) {
        int named = 0; /* by an earlier drg_groups rule of this scope */
        for (int k = 0; k < c->ncands && !named; k++)
            named = c->cands[k].drg && !strcmp(c->cands[k].about, list[i].code);
        if (!named && drg_fires(r, &list[i]))
            list[kept++] = list[i];
    }
    qsort(list, (size_t)kept, sizeof *list, excess_cmp);
    const char *ind = r->drg_payment ? "drg_balance" : "cost_efficiency_index";
    for (int i = 0; i < kept && i < r->count; i++) {
        drg_row *g = &list[i];
        slots s = {0};
        common_slots(c, find_ind(c, ind), find_value(c, c->scope, ind), &s);
        char zh[256], en[256];
        snprintf(zh, sizeof zh, "%s（%s）", g->code, g->name);
        snprintf(en, sizeof en, "%s (%s)", g->code, g->name);
        slot_text(&s, "group", zh, en);
        slot_text(&s, "code", g->code, g->code);
        slot_text(&s, "group_name", g->name, g->name);
        const char *dzh, *den;
        if (!is_hospital(c))
            scope_names(c, c->scope, &dzh, &den);
        else if (drg_main_department(c, g->code, &dzh, &den, err)) {
            slots_release(&s);
            free(list);
            return err->code;
        }
        slot_text(&s, "department", dzh, den);
        number_slot(&s, "stays", g->stays, 0, "");
        money_slot(&s, "cost", g->cost / g->stays / 100, 0);
        double bench = g->bench_stays > 0 ? g->bench_cost / g->bench_stays / 100 : NAN;
        money_slot(&s, "benchmark_cost", bench, 0);
        int k = slot(&s, "excess");
        char buf[NF_MAX];
        double pct = (g->ratio - 1) * 100;
        nf_opts mag = {.magnitude = 1}; /* "高 45.0%": the text says which way */
        sb_addstr(&s.zh[k], nf_change(NF_ZH, "", pct, &mag, buf));
        sb_addstr(&s.en[k], nf_change(NF_EN, "", pct, &mag, buf));
        number_slot(&s, "los", g->los / g->stays, 1, "");
        double blos = g->bench_stays > 0 ? g->bench_los / g->bench_stays : NAN;
        number_slot(&s, "benchmark_los", blos, 1, "");
        k = slot(&s, "los_excess");
        double lp = (g->los_ratio - 1) * 100;
        sb_addstr(&s.zh[k], isfinite(lp) ? nf_change(NF_ZH, "", lp, NULL, buf) : nf_undefined());
        sb_addstr(&s.en[k], isfinite(lp) ? nf_change(NF_EN, "", lp, NULL, buf) : nf_undefined());
        money_slot(&s, "payment", g->paid_stays > 0 ? g->payment / g->paid_stays / 100 : NAN, 0);
        double bal = g->paid_stays > 0 ? (g->payment - g->paid_cost) / 100 : NAN;
        money_slot(&s, "balance", bal, 1);
        money_slot(&s, "loss", isfinite(bal) && bal < 0 ? -bal : 0, 1);
        share_slot(&s, "drug_share", g->drug, g->mix_fee);
        share_slot(&s, "material_share", g->material, g->mix_fee);
        share_slot(&s, "exam_share", g->exam, g->mix_fee);
        cost_lines_slot(c, r, g, avg, &s);
        benchmark_gap_slot(g, &s);
        int before = c->ncands;
        emit_as(c, r, ADVISE_FINDING, ind, g->code, g->excess / 10000, 1, &s);
        for (int j = before; j < c->ncands; j++)
            c->cands[j].drg = 1;
        slots_release(&s);
    }
    free(list);
    return HR_OK;
}

/* ---- states: outside the band N months running ---- */

static void eval_persistent(advise_ctx *c, const advise_rule *r)
{
    if (c->p.kind != PERIOD_MONTH)
        return;
    for (int i = 0; i < c->ninds; i++) {
        const ind_info *in = &c->inds[i];
        if (!advise_rule_matches(r, in->id) || (!in->has_low && !in->has_high))
            continue;
        for (int high = 1; high >= 0; high--) {
            if (high ? !in->has_high : !in->has_low)
                continue;
            double limit = high ? in->high : in->low;
            int run = 0;
            for (int m = c->p.last; m > c->p.last - 36; m--) {
                char label[PERIOD_LABEL_MAX];
                const value_row *h = find_value_at(c, period_month_label(m, label), c->scope,
                                                   in->id);
                if (!h || !h->has_value || !beyond(high, h->value, limit) ||
                    ratio_base_small(c, in, h, NULL))
                    break;
                run++;
            }
            if (run < r->months)
                continue;
            slots s = {0};
            common_slots(c, in, find_value(c, c->scope, in->id), &s);
            number_slot(&s, "months", run, 0, "");
            value_slot(&s, "limit", in, 1, limit);
            band_slot(&s, in);
            emit(c, r, in->id, run, 1, &s);
            slots_release(&s);
        }
    }
}

/* ---- comparability breaks ---- */

static void eval_breaks(advise_ctx *c, const advise_rule *r)
{
    if (r->mom && c->p.kind == PERIOD_YEAR)
        return; /* a year's previous period is the year earlier: the yoy rule's */
    for (int i = 0; i < c->nbrks && r->out[ADVISE_MISSING].present; i++) {
        const brk *b = &c->brks[i];
        if (!b->missing || b->mom != r->mom)
            continue;
        slots s = {0};
        common_slots(c, NULL, NULL, &s);
        slot_text(&s, "comparison", r->mom ? "环比" : "同比", comparison_en(c, r->mom));
        slot_text(&s, "reason", b->zh, b->en);
        emit_as(c, r, ADVISE_MISSING, NULL, NULL, 10, 0, &s);
        slots_release(&s);
    }
    int shown = 0;
    for (int i = 0; i < c->ninds && shown < r->count; i++) {
        const ind_info *in = &c->inds[i];
        if (!advise_rule_matches(r, in->id))
            continue;
        const brk *b = broken(c, c->scope, in->id, r->mom);
        if (!b)
            continue;
        change ch = change_of(c, c->scope, in, r->mom);
        if (!ch.ok || ch.delta == 0 || fabs(ch.rel) < r->min_change)
            continue;
        slots s = {0};
        common_slots(c, in, find_value(c, c->scope, in->id), &s);
        change_slots(c, r->mom, in, &ch, &s);
        slot_text(&s, "reason", b->zh, b->en);
        emit(c, r, in->id, fabs(ch.rel) / 10, 0, &s);
        slots_release(&s);
        shown++;
    }
}

/* ---- loading the period ---- */

static void *grow(void *p, int n, int *cap, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 64;
    return xrealloc(p, (size_t)*cap * size);
}

static int load_indicators(advise_ctx *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT indicator, name_zh, name_en, unit, unit_zh, unit_en,"
                                  " direction, warn_low, warn_high, dimension, is_flow"
                                  " FROM indicator ORDER BY sort_order, indicator",
                                  err);
    if (!st)
        return err->code;
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->inds = grow(c->inds, c->ninds, &cap, sizeof *c->inds);
        ind_info *in = &c->inds[c->ninds++];
        memset(in, 0, sizeof *in);
        copy_col(st, 0, in->id, sizeof in->id);
        copy_col(st, 1, in->name_zh, sizeof in->name_zh);
        copy_col(st, 2, in->name_en, sizeof in->name_en);
        copy_col(st, 3, in->unit, sizeof in->unit);
        copy_col(st, 4, in->unit_zh, sizeof in->unit_zh);
        copy_col(st, 5, in->unit_en, sizeof in->unit_en);
        const char *dir = (const char *)sqlite3_column_text(st, 6);
        in->direction = dir && !strcmp(dir, "up") ? 1 : dir && !strcmp(dir, "down") ? -1 : 0;
        in->has_low = sqlite3_column_type(st, 7) != SQLITE_NULL;
        in->low = sqlite3_column_double(st, 7);
        in->has_high = sqlite3_column_type(st, 8) != SQLITE_NULL;
        in->high = sqlite3_column_double(st, 8);
        copy_col(st, 9, in->dimension, sizeof in->dimension);
        in->is_flow = sqlite3_column_int(st, 10);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading indicator", err);
}

/* The period's values, its bases' and those of the months before it (the
 * history materiality and persistence look at). */
static int load_values(advise_ctx *c, hr_error *err)
{
    char first[PERIOD_LABEL_MAX], last[PERIOD_LABEL_MAX];
    period_month_label(c->p.last - 36, first);
    period_month_label(c->p.last, last);
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT period, scope, indicator, value, mom_base, yoy_base,"
                                  " denominator, numerator FROM indicator_value WHERE period IN (?1, ?2, ?3)"
                                  " OR (length(period) = 7 AND period BETWEEN ?4 AND ?5)",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->mom_label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->yoy_label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, last, -1, SQLITE_STATIC);
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->vals = grow(c->vals, c->nvals, &cap, sizeof *c->vals);
        value_row *v = &c->vals[c->nvals++];
        copy_col(st, 0, v->period, sizeof v->period);
        copy_col(st, 1, v->scope, sizeof v->scope);
        copy_col(st, 2, v->indicator, sizeof v->indicator);
        v->has_value = sqlite3_column_type(st, 3) != SQLITE_NULL;
        v->value = sqlite3_column_double(st, 3);
        v->has_mom_base = sqlite3_column_type(st, 4) != SQLITE_NULL;
        v->mom_base = sqlite3_column_double(st, 4);
        v->has_yoy_base = sqlite3_column_type(st, 5) != SQLITE_NULL;
        v->yoy_base = sqlite3_column_double(st, 5);
        v->has_den = sqlite3_column_type(st, 6) != SQLITE_NULL;
        v->den = sqlite3_column_double(st, 6);
        v->has_num = sqlite3_column_type(st, 7) != SQLITE_NULL;
        v->num = sqlite3_column_double(st, 7);
        v->hidden = small_counts_hidden(&c->small, v->scope, v->indicator, v->has_num, v->num);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, "reading indicator_value", err);
    qsort(c->vals, (size_t)c->nvals, sizeof *c->vals, value_cmp);
    return HR_OK;
}

/* Each department's latest name and category up to the period's last month. */
static int load_departments(advise_ctx *c, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(c->db,
                                  "SELECT dept_code, name_zh, name_en, category, max(period) "
                                  "FROM dept WHERE period <= ? GROUP BY dept_code",
                                  err);
    if (!st)
        return err->code;
    char last[PERIOD_LABEL_MAX];
    sqlite3_bind_text(st, 1, period_month_label(c->p.last, last), -1, SQLITE_TRANSIENT);
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->depts = grow(c->depts, c->ndepts, &cap, sizeof *c->depts);
        dept_info *d = &c->depts[c->ndepts++];
        copy_col(st, 0, d->code, sizeof d->code);
        copy_col(st, 1, d->name_zh, sizeof d->name_zh);
        copy_col(st, 2, d->name_en, sizeof d->name_en);
        copy_col(st, 3, d->category, sizeof d->category);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "reading dept", err);
}

/* ---- the stage ---- */

/* The rule's when="..." on the scope being evaluated: data:ID (the scope
 * has a non-zero value of ID: beds, discharges), category:NAME (the
 * department's category in the dictionary), hospital, department; terms
 * joined by "and", each optionally negated by "not". */
static int when_holds(const advise_ctx *c, const char *when)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", when);
    char *save = NULL;
    int neg = 0;
    for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
        if (!strcmp(t, "not")) {
            neg = !neg;
            continue;
        }
        if (!strcmp(t, "and"))
            continue;
        int ok;
        if (!strncmp(t, "data:", 5)) {
            const value_row *v = find_value(c, c->scope, t + 5);
            ok = v && v->has_value && v->value != 0;
        } else if (!strncmp(t, "category:", 9)) {
            const dept_info *d = find_dept(c, c->scope);
            ok = d && !strcmp(d->category, t + 9);
        } else {
            ok = is_hospital(c) == !strcmp(t, "hospital");
        }
        if (ok == neg)
            return 0;
        neg = 0;
    }
    return 1;
}

static int eval_rule(advise_ctx *c, const advise_rule *r, hr_error *err)
{
    if (*r->when && !when_holds(c, r->when))
        return HR_OK;
    switch (r->type) {
    case ADVISE_BAND:
    case ADVISE_THRESHOLD: eval_band(c, r); return HR_OK;
    case ADVISE_MOVERS: eval_movers(c, r); return HR_OK;
    case ADVISE_CONTRIBUTORS: return is_hospital(c) ? eval_contributors(c, r, err) : HR_OK;
    case ADVISE_EVENTS:
        if (is_hospital(c))
            eval_events(c, r);
        return HR_OK;
    case ADVISE_FACTORS: eval_factors(c, r); return HR_OK;
    case ADVISE_STATEMENT: eval_statement(c, r); return HR_OK;
    case ADVISE_DEFICIT: eval_deficit(c, r); return HR_OK;
    case ADVISE_IDLE: return eval_idle(c, r, err);
    case ADVISE_PERSISTENT: eval_persistent(c, r); return HR_OK;
    case ADVISE_BREAKS: eval_breaks(c, r); return HR_OK;
    case ADVISE_DRG: return eval_drg(c, r, err);
    default: return HR_OK; /* the overview is written when the scope is flushed */
    }
}

/* Every scope of the period, the hospital first, each with its rules. */
static int eval_scopes(advise_ctx *c, const advise_rules *rules, hr_error *err)
{
    int rc = HR_OK;
    for (int pass = 0; pass < 2 && rc == HR_OK; pass++) {
        for (int i = 0; i < c->nvals && rc == HR_OK; i++) {
            const char *scope = c->vals[i].scope;
            int hospital = strcmp(scope, "hospital") == 0;
            if (strcmp(c->vals[i].period, c->period_text) != 0 || hospital != (pass == 0) ||
                (i > 0 && !strcmp(c->vals[i - 1].period, c->period_text) &&
                 !strcmp(scope, c->vals[i - 1].scope)))
                continue;
            c->scope = scope;
            c->sort_order = 0;
            int bit = hospital ? ADVISE_SCOPE_HOSPITAL : ADVISE_SCOPE_DEPARTMENTS;
            for (int k = 0; k < rules->count && rc == HR_OK; k++)
                if (rules->rules[k].scopes & bit)
                    rc = eval_rule(c, &rules->rules[k], err);
            if (rc == HR_OK)
                rc = flush_scope(c, rules, err);
            else
                free_cands(c);
        }
    }
    return rc;
}

static int advise_store(advise_ctx *c, const advise_rules *rules, hr_error *err)
{
    if (db_begin(c->db, err))
        return err->code;
    int rc = HR_OK;
    for (int t = 0; t < 2 && rc == HR_OK; t++) {
        sqlite3_stmt *del = db_prepare(c->db,
                                       t ? "DELETE FROM advice_break WHERE period = ?"
                                         : "DELETE FROM advice WHERE period = ?",
                                       err);
        if (!del) {
            rc = err->code;
            break;
        }
        sqlite3_bind_text(del, 1, c->period_text, -1, SQLITE_STATIC);
        if (sqlite3_step(del) != SQLITE_DONE)
            rc = db_fail(c->db, "clearing advice", err);
        sqlite3_finalize(del);
    }
    if (rc == HR_OK)
        rc = store_breaks(c, err);
    if (rc == HR_OK)
        rc = refresh_cost_mix(c, err);
    if (rc == HR_OK) {
        c->insert = db_prepare(c->db,
                               "INSERT INTO advice (period, scope, kind, severity, rule_id,"
                               " indicator, sort_order, text_zh, text_en, about)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               err);
        rc = c->insert ? eval_scopes(c, rules, err) : err->code;
        sqlite3_finalize(c->insert);
        c->insert = NULL;
    }
    if (rc == HR_OK)
        rc = db_commit(c->db, err);
    else
        db_rollback(c->db);
    return rc;
}

int advise_period_rules(sqlite3 *db, const char *period_text, const char *rules_path,
                        hr_error *err)
{
    advise_ctx c = {.db = db, .period_text = period_text};
    if (period_parse(period_text, &c.p, err))
        return err->code;
    period prev, yoy = period_year_earlier(&c.p);
    c.has_mom = period_previous(&c.p, &prev) == 0;
    if (c.has_mom)
        period_label(&prev, c.mom_label);
    period_label(&yoy, c.yoy_label);
    char schema[4096];
    advise_rules rules;
    int rc = advise_rules_load(rules_path,
                               paths_data_file("config/schema/advice.xsd", schema, sizeof schema),
                               &rules, err);
    if (rc)
        return rc;
    c.set = &rules.set;
    rc = small_counts_load(&c.small, err);
    if (rc == HR_OK)
        rc = load_indicators(&c, err);
    if (rc == HR_OK)
        rc = load_values(&c, err);
    if (rc == HR_OK)
        rc = load_departments(&c, err);
    if (rc == HR_OK)
        rc = load_breaks(&c, err);
    if (rc == HR_OK)
        rc = advise_store(&c, &rules, err);
    free_cands(&c);
    free(c.cands);
    free(c.inds);
    free(c.vals);
    free(c.depts);
    free(c.brks);
    advise_rules_free(&rules);
    return rc;
}

int advise_period(sqlite3 *db, const char *period_text, hr_error *err)
{
    char path[4096];
    return advise_period_rules(db, period_text,
                               paths_data_file("config/advice.xml", path, sizeof path), err);
}
