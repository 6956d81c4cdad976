/*
 * i18n.h -- the report languages: gettext lookups and locale-aware number,
 * change and period formats.
 *
 * Message ids are English; the zh_CN catalog (locales/zh_CN.po, compiled to
 * <localedir>/zh_CN/LC_MESSAGES/hospreport.mo) holds the Chinese. English
 * lookups return the id itself. Chinese lookups go through dgettext with
 * LANGUAGE=zh_CN (glibc honours LANGUAGE unless the locale is exactly "C";
 * i18n_begin switches LC_MESSAGES to C.UTF-8 in that case).
 *
 * All format functions write into a caller-owned buffer and return it;
 * an undefined value (NAN) prints as the catalog's "—".
 */
#ifndef HR_RENDER_I18N_H
#define HR_RENDER_I18N_H

#include <stddef.h>

#include "pipeline/core/msg.h" /* N_() */
#include "pipeline/core/period.h"

typedef enum i18n_lang { LANG_ZH = 0, LANG_EN = 1 } i18n_lang;

/* Binds the domain; saves LANGUAGE so i18n_end can restore it. */
void i18n_begin(void);
void i18n_end(void);
/* The translation of msgid in lang (a static string or msgid itself). */
const char *i18n_tr(i18n_lang lang, const char *msgid);

#define I18N_NUM_MAX 64

/* Number with thousands separators and `decimals` decimals. */
char *i18n_number(i18n_lang lang, double v, int decimals, char *buf);
/* A count; with wan and lang zh, values >= 100,000 print as "12.3万". */
char *i18n_count(i18n_lang lang, double v, int wan, char *buf);
/* Money in CNY: en "¥1,234,567"; zh "1,234,567元", or with wan "123.46万元". */
char *i18n_money(i18n_lang lang, double yuan, int wan, char *buf);
/* A value in an indicator unit (count money percent days minutes times per10k). */
char *i18n_value(i18n_lang lang, const char *unit, double v, int wan, char *buf);
/* A change: relative "+3.4%", or percentage points "+1.2 pp" / "+1.2个百分点"
 * when the indicator's unit is percent. */
char *i18n_change(i18n_lang lang, const char *unit, double change, char *buf);
/* "2026年10月" / "October 2026", "2026年第3季度" / "Q3 2026", ... */
char *i18n_period(i18n_lang lang, const period *p, char *buf, size_t size);

#endif
