/*
 * i18n.c -- gettext switching and period names (see i18n.h).
 */
#include "stages/render/i18n.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/log.h"
#include "pipeline/core/paths.h"

#define DOMAIN "hospreport"

extern int _nl_msg_cat_cntr;

static char saved_language[256];
static int had_language;

void i18n_begin(void)
{
    const char *cur = setlocale(LC_MESSAGES, NULL);
    if (!cur || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
        setlocale(LC_MESSAGES, "C.UTF-8");
    bindtextdomain(DOMAIN, paths_locale_dir());
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    const char *old = getenv("LANGUAGE");
    had_language = old != NULL;
    snprintf(saved_language, sizeof saved_language, "%s", old ? old : "");
    setenv("LANGUAGE", "zh_CN", 1);
    ++_nl_msg_cat_cntr;
}

void i18n_end(void)
{
    if (had_language)
        setenv("LANGUAGE", saved_language, 1);
    else
        unsetenv("LANGUAGE");
    ++_nl_msg_cat_cntr;
}

/* A Chinese edition that meets a message id the catalog does not translate
 * says so, once per id, instead of printing English without a word. */
static void untranslated(const char *msgid)
{
    static char *seen[128];
    static size_t nseen;
    int letters = 0;
    for (const char *p = msgid; *p; p++)
        letters |= (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z');
    if (!letters)
        return;
    for (size_t i = 0; i < nseen; i++)
        if (!strcmp(seen[i], msgid))
            return;
    /* a copy: the id may live in a PDF's context, freed after it */
    if (nseen < sizeof seen / sizeof *seen && (seen[nseen] = strdup(msgid))) /* may fail */
        nseen++;
    log_warn("render: no Chinese translation of \"%s\": the zh_CN edition prints it in English "
             "(text of a template or the renderer: make update-po, then translate it in "
             "locales/zh_CN.po; an id that arrives as data, from a dataset's SQL: add it to "
             "locales/data.pot first)", msgid);
}

const char *i18n_tr(i18n_lang lang, const char *msgid)
{
    if (lang == LANG_EN || !msgid || !*msgid)
        return msgid;
    const char *t = dgettext(DOMAIN, msgid);
    if (t == msgid)
        untranslated(msgid);
    return t;
}

/* Copies pattern into buf replacing {a} with va and {b} with vb. */
static char *fill(const char *pattern, const char *a, const char *va, const char *b,
                  const char *vb, char *buf, size_t size)
{
    size_t o = 0, la = strlen(a), lb = b ? strlen(b) : 0;
    for (const char *s = pattern; *s && o + 1 < size;) {
        const char *sub = NULL;
        if (strncmp(s, a, la) == 0)
            sub = va, s += la;
        else if (b && strncmp(s, b, lb) == 0)
            sub = vb, s += lb;
        if (sub) {
            int n = snprintf(buf + o, size - o, "%s", sub);
            o = o + (size_t)n < size ? o + (size_t)n : size - 1;
        } else {
            buf[o++] = *s++;
        }
    }
    buf[o] = '\0';
    return buf;
}

static const char *const month_names[12] = {N_("January"), N_("February"), N_("March"),     N_("April"),
                                              N_("May"),     N_("June"),     N_("July"),      N_("August"),
                                              N_("September"), N_("October"), N_("November"), N_("December")};

static void month_text(i18n_lang lang, int index, char *buf, size_t size)
{
    char year[16];
    snprintf(year, sizeof year, "%d", period_year(index));
    const char *fmt = i18n_tr(lang, "{month} {year}");
    const char *month = i18n_tr(lang, month_names[period_month(index) - 1]);
    size_t o = 0;
    for (const char *s = fmt; *s && o + 1 < size;) {
        const char *sub = NULL;
        if (strncmp(s, "{month}", 7) == 0)
            sub = month, s += 7;
        else if (strncmp(s, "{year}", 6) == 0)
            sub = year, s += 6;
        if (sub)
            o += (size_t)snprintf(buf + o, size - o, "%s", sub);
        else
            buf[o++] = *s++;
        if (o >= size)
            o = size - 1;
    }
    buf[o] = '\0';
}

char *i18n_period(i18n_lang lang, const period *p, char *buf, size_t size)
{
    char a[64], b[64];
    switch (p->kind) {
    case PERIOD_MONTH:
        month_text(lang, p->first, buf, size);
        break;
    case PERIOD_QUARTER:
        snprintf(a, sizeof a, "%d", period_year(p->first));
        snprintf(b, sizeof b, "%d", (period_month(p->first) - 1) / 3 + 1);
        fill(i18n_tr(lang, "Q{quarter} {year}"), "{year}", a, "{quarter}", b, buf, size);
        break;
    case PERIOD_YEAR:
        snprintf(a, sizeof a, "%d", period_year(p->first));
        fill(i18n_tr(lang, "{year}"), "{year}", a, NULL, NULL, buf, size);
        break;
    default:
        month_text(lang, p->first, a, sizeof a);
        month_text(lang, p->last, b, sizeof b);
        snprintf(buf, size, "%s – %s", a, b);
    }
    return buf;
}
