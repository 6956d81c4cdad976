/*
 * numfmt.c -- the bilingual number formatter (see numfmt.h for the
 * convention and what a caller may set).
 */
#include "pipeline/core/numfmt.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define UNDEFINED "—"

static const nf_opts defaults = {0};

const char *nf_undefined(void)
{
    return UNDEFINED;
}

/* Copies s after the first n bytes of buf, cut to fit NF_MAX. */
static char *append(char *buf, const char *s)
{
    size_t n = strlen(buf);
    assert(n < NF_MAX);
    snprintf(buf + n, NF_MAX - n, "%s", s);
    return buf;
}

/* buf = the strings up to the NULL, one after the other, cut to fit NF_MAX. */
__attribute__((sentinel)) static char *concat(char *buf, ...)
{
    va_list ap;
    va_start(ap, buf);
    buf[0] = '\0';
    for (const char *s; (s = va_arg(ap, const char *));)
        append(buf, s);
    va_end(ap);
    return buf;
}

char *nf_number(double v, int decimals, char *buf)
{
    assert(decimals >= 0 && decimals <= 9);
    if (!isfinite(v))
        return strcpy(buf, UNDEFINED);
    if (fabs(v) >= 1e18) { /* no grouping: the digits would not fit */
        snprintf(buf, NF_MAX, "%.2e", v);
        return buf;
    }
    char raw[48];
    double scale = pow(10, decimals);
    int n = snprintf(raw, sizeof raw, "%.*f", decimals, round(fabs(v) * scale) / scale);
    assert(n > 0 && (size_t)n < sizeof raw); /* < 1e18 with 9 decimals: 28 bytes */
    (void)n;
    int negative = v < 0 && strspn(raw, "0.") != strlen(raw); /* no "-0.0" */
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    char *o = buf;
    if (negative)
        *o++ = '-';
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            *o++ = ',';
        *o++ = raw[i];
    }
    strcpy(o, dot ? dot : "");
    return buf;
}

static int unit_is(const char *unit, const char *id)
{
    return unit && strcmp(unit, id) == 0;
}

const char *nf_unit_word(nf_lang lang, const char *unit)
{
    static const char *const words[][3] = {{"days", "天", "days"},
                                           {"minutes", "分钟", "min"},
                                           {"times", "次", "times"},
                                           {"per10k", "/万人次", "per 10,000"}};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (unit_is(unit, words[i][0]))
            return words[i][lang == NF_ZH ? 1 : 2];
    return "";
}

/* The unit's rule for digits after the point (money and counts have theirs
 * in nf_value). */
static int unit_decimals(const char *unit, double v)
{
    if (unit_is(unit, "percent"))
        return fabs(v) < 10 ? 2 : 1;
    if (unit_is(unit, "times") || unit_is(unit, "per10k"))
        return 2;
    return 1;
}

static char *money(nf_lang lang, double yuan, const nf_opts *o, char *buf)
{
    char n[NF_MAX];
    int small = fabs(yuan) < 1000;
    const char *plus = o->sign && yuan > 0 ? "+" : "";
    if (o->total && lang == NF_ZH) {
        nf_number(yuan / 10000.0, o->fixed ? o->decimals : 2, n);
        concat(buf, plus, n, "万元", (char *)NULL);
        return buf;
    }
    if (o->total && fabs(yuan) >= 1e6) { /* en */
        nf_number(fabs(yuan) / 1e6, o->fixed ? o->decimals : 2, n);
        int negative = yuan < 0 && strspn(n, "0.,") != strlen(n);
        concat(buf, negative ? "-" : plus, "¥", n, "m", (char *)NULL);
        return buf;
    }
    if (o->total || o->fee) {
        nf_opts whole = *o;
        whole.fixed = 1;
        whole.decimals = o->fixed ? o->decimals : o->fee ? 2 : 0;
        whole.total = whole.fee = whole.wan = 0;
        return money(lang, yuan, &whole, buf);
    }
    if (lang == NF_EN) {
        nf_number(fabs(yuan), o->fixed ? o->decimals : small ? 2 : 0, n);
        int negative = yuan < 0 && strspn(n, "0.,") != strlen(n);
        concat(buf, negative ? "-" : plus, "¥", n, (char *)NULL);
    } else if (o->wan && fabs(yuan) >= 10000) {
        nf_number(yuan / 10000.0, o->fixed ? o->decimals : 2, n);
        concat(buf, plus, n, "万元", (char *)NULL);
    } else {
        nf_number(yuan, o->fixed ? o->decimals : small ? 2 : 0, n);
        concat(buf, plus, n, "元", (char *)NULL);
    }
    return buf;
}

char *nf_value(nf_lang lang, const char *unit, double v, const nf_opts *o, char *buf)
{
    if (!o)
        o = &defaults;
    if (!isfinite(v))
        return strcpy(buf, UNDEFINED);
    if (unit_is(unit, "money"))
        return money(lang, v, o, buf);
    strcpy(buf, o->sign && v > 0 ? "+" : "");
    char n[NF_MAX];
    if (unit_is(unit, "count")) {
        if (o->wan && lang == NF_ZH && fabs(v) >= 100000) {
            append(buf, nf_number(v / 10000.0, o->fixed ? o->decimals : 1, n));
            append(buf, "万");
        } else {
            append(buf, nf_number(v, o->fixed ? o->decimals : 0, n));
        }
    } else {
        append(buf, nf_number(v, o->fixed ? o->decimals : unit_decimals(unit, v), n));
    }
    if (unit_is(unit, "percent"))
        return append(buf, "%");
    if (o->unit_word) {
        const char *word = o->word[lang] && *o->word[lang] ? o->word[lang]
                                                           : nf_unit_word(lang, unit);
        if (*word && lang == NF_EN)
            append(buf, " ");
        append(buf, word);
    }
    return buf;
}

char *nf_change(nf_lang lang, const char *unit, double change, const nf_opts *o, char *buf)
{
    if (!o)
        o = &defaults;
    if (!isfinite(change))
        return strcpy(buf, UNDEFINED);
    /* Two decimals only where one would round a real change away. */
    int decimals = o->fixed ? o->decimals : change != 0 && fabs(change) < 1 ? 2 : 1;
    char n[NF_MAX];
    nf_number(o->magnitude ? fabs(change) : change, decimals, n);
    concat(buf, !o->magnitude && !o->no_plus && change > 0 ? "+" : "", n, (char *)NULL);
    if (unit_is(unit, "percent"))
        return append(buf, lang == NF_EN ? " pp" : "个百分点");
    return append(buf, "%");
}

char *nf_scaled(nf_lang lang, double v, double scale, int decimals, int money, char *buf)
{
    assert(scale > 0);
    if (!isfinite(v))
        return strcpy(buf, UNDEFINED);
    char n[NF_MAX];
    nf_number(fabs(v) / scale, decimals, n);
    int negative = v < 0 && strspn(n, "0.,") != strlen(n);
    const char *suffix = scale == 1e4 ? (lang == NF_EN ? "" : "万")
                         : scale == 1e3 ? "k"
                         : scale == 1e6 ? "M"
                                        : "";
    return concat(buf, negative ? "-" : "", money && lang == NF_EN ? "¥" : "", n, suffix,
                  (char *)NULL);
}

const char *nf_plural(nf_lang lang, double n, const char *one, const char *many)
{
    return lang == NF_EN && fabs(n) != 1 ? many : one;
}
