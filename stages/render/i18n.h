/*
 * i18n.h -- the report languages: gettext lookups and period names.
 * Numbers are printed by pipeline/core/numfmt.h (i18n_lang is its nf_lang).
 *
 * Message ids are English; the zh_CN catalog (locales/zh_CN.po, compiled to
 * <localedir>/zh_CN/LC_MESSAGES/hospreport.mo) holds the Chinese. English
 * lookups return the id itself. Chinese lookups go through dgettext with
 * LANGUAGE=zh_CN (glibc honours LANGUAGE unless the locale is exactly "C";
 * i18n_begin switches LC_MESSAGES to C.UTF-8 in that case).
 *
 */
#ifndef HR_RENDER_I18N_H
#define HR_RENDER_I18N_H

#include <stddef.h>

#include "pipeline/core/msg.h" /* N_() */
#include "pipeline/core/numfmt.h"
#include "pipeline/core/period.h"

typedef nf_lang i18n_lang;
#define LANG_ZH NF_ZH
#define LANG_EN NF_EN

/* Binds the domain; saves LANGUAGE so i18n_end can restore it. */
void i18n_begin(void);
void i18n_end(void);
/* The translation of msgid in lang (a static string or msgid itself). */
const char *i18n_tr(i18n_lang lang, const char *msgid);

/* Room for any number numfmt prints. */
#define I18N_NUM_MAX NF_MAX
/* "2026年10月" / "October 2026", "2026年第3季度" / "Q3 2026", ... */
char *i18n_period(i18n_lang lang, const period *p, char *buf, size_t size);

#endif
