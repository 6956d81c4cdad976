/*
 * numfmt.h -- the one bilingual number formatter: every number a reader
 * sees (PDF text, tables, charts, findings, flag reasons) is printed here.
 *
 * One convention, two languages (zh_CN and en). Today's convention, with the
 * parameter that changes each part:
 *
 *   plain number   "1,234,567.89"   ',' between thousands, rounded half away
 *                                   from zero, never "-0.0"     nf_number
 *   undefined      "—"              NaN or infinite, in every function
 *   count          "12,345"; zh with wan >= 100,000: "123.5万"   nf_value
 *   money          en "¥1,234,567", "¥999.50", "-¥12";
 *                  zh "1,234,567元", "999.50元"; zh with wan >= 10,000:
 *                  "123.46万元" (2 decimals). Below 1,000 two decimals,
 *                  else none                                     nf_value
 *   money total    (total: revenue, cost, balance -- the catalogue's flows)
 *                  zh always in 万元 with two decimals: "4,469.81万元",
 *                  "-0.33万元"; en "¥44.70m" from a million, else whole
 *                  yuan "¥523,456", "-¥3,299"
 *   fee            (fee: per visit, per stay) two decimals: "341.45元",
 *                  "22,336.00元", "¥341.45"
 *   minus          always against its digits ("-¥12", "-0.33万元"); the line
 *                  breaker never splits "-" from the number after it
 *   percent        "91.3%", below 10 two decimals: "5.25%"       nf_value
 *   times, per10k  two decimals; days, minutes (and any other) one
 *   change         of a percent indicator in percentage points:
 *                  "+1.5个百分点" / "+1.5 pp"; of anything else relative:
 *                  "+3.4%". One decimal, two where one would round a
 *                  non-zero change away ("+0.04%"); '+' before a positive
 *                  change                                        nf_change
 *   scaled         chart labels "12k", "3.5M", "-¥12k", zh "12万"  nf_scaled
 *   plurals        nf_plural picks the English form; Chinese has none.
 *
 * What a caller can set (nf_opts; NULL means all defaults):
 *   fixed/decimals  digits after the point instead of the unit's rule (the
 *                   catalogue's decimals for an indicator)
 *   total, fee      which kind of money (render sets them from the catalogue:
 *                   a money flow is a total, a money ratio a fee)
 *   wan             zh money >= 10,000 in 万元, counts >= 100,000 in 万.
 *                   English keeps whole numbers.
 *   sign            '+' before a positive value (a difference "+1,000")
 *   magnitude       changes: the size without its sign ("rose 3.4%")
 *   no_plus         changes: a negative keeps its '-', a positive gets no '+'
 *   unit_word       append the unit's word: "8.3天" / "8.3 days"; words are
 *                   word[NF_ZH]/word[NF_EN] when given (the catalogue's
 *                   unit_zh/unit_en), else nf_unit_word(). Not for money
 *                   and percent, whose sign is their word.
 *
 * Units are the catalogue's unit ids: count money percent days minutes
 * times per10k (NULL or "" is a bare number, one decimal).
 *
 * Every function writes into a caller-owned buffer of at least NF_MAX bytes
 * and returns it. A number of 1e18 or more in size prints as "1.23e+18"
 * (no grouping), so that the digits fit in 40 bytes; a unit word is cut to
 * what is left of NF_MAX. None allocates, none depends on the process's
 * locale: safe from threads.
 * The words are in this file in both languages, not in the gettext
 * catalogue: core has no gettext, and these are the formatter's own.
 */
#ifndef HR_NUMFMT_H
#define HR_NUMFMT_H

#include <stddef.h>

typedef enum nf_lang { NF_ZH = 0, NF_EN = 1 } nf_lang;

#define NF_MAX 96

typedef struct nf_opts {
    int fixed;    /* 1: print `decimals` digits after the point */
    int decimals; /* 0..9, used when fixed */
    int wan;      /* zh: large money in 万元, large counts in 万 */
    int sign;     /* '+' before a positive value */
    int magnitude;/* nf_change: the size, no sign */
    int no_plus;  /* nf_change: no '+' before a positive change (a chart's
                     bar shows the direction) */
    int unit_word;/* append the unit's word */
    int total;    /* money: a total (see "money total" above) */
    int fee;      /* money: a fee per visit or stay, two decimals */
    const char *word[2]; /* the unit's word per language; NULL or "": default */
} nf_opts;

/* "—": what an undefined value prints as. */
const char *nf_undefined(void);

/* v with `decimals` (0..9) digits after the point and thousands separators:
 * "-1,234,567.8"; "0.0" for -0.04 with one decimal; "—" when not finite. */
char *nf_number(double v, int decimals, char *buf);

/* A value in an indicator unit, by the convention above. */
char *nf_value(nf_lang lang, const char *unit, double v, const nf_opts *o, char *buf);

/* A change already computed by the caller: `change` is percentage points
 * when unit is "percent", else a relative change in percent. */
char *nf_change(nf_lang lang, const char *unit, double change, const nf_opts *o, char *buf);

/* v / scale with `decimals` and the scale's suffix: 1e3 "k", 1e6 "M", 1e4
 * "万" in zh (nothing in en, where 1e4 is not used); money in English puts
 * "¥" before the digits: "-¥1.2M". Scale 1 prints the bare number. */
char *nf_scaled(nf_lang lang, double v, double scale, int decimals, int money, char *buf);

/* The default word of a unit: days 天/days, minutes 分钟/min, times 次/times,
 * per10k /万人次 / per 10,000; "" for count, money, percent and others. */
const char *nf_unit_word(nf_lang lang, const char *unit);

/* English: `one` when n is 1 (or -1), else `many`; Chinese: `one`. */
const char *nf_plural(nf_lang lang, double n, const char *one, const char *many);

#endif
