/*
 * msg.h -- the language of the program's own messages: help, errors and
 * progress on the terminal (not the reports, whose language is --lang).
 *
 * msg_init() decides it once from the environment, the GNU way: LC_ALL,
 * else LC_MESSAGES, else LANG names the locale ("C" or "POSIX" means
 * English); LANGUAGE, when set, overrides it for a locale other than C. A
 * Chinese locale (zh*) gives Chinese messages from the catalog, anything else
 * English. Numbers and dates on stdout are never localised: the program runs
 * in the C.UTF-8 locale for everything but messages, so CSV and tables are
 * the same in every language.
 *
 *     msg_init(paths_locale_dir());
 *     fputs(_("Usage: hospreport COMMAND [OPTIONS]\n"), stdout);
 *
 * hr_error_set() and log_*() translate their format through msg_tr(), so an
 * error is one line in the user's language wherever it was raised; a
 * message without a translation prints in English.
 */
#ifndef HR_MSG_H
#define HR_MSG_H

/* Binds the catalog in locale_dir and decides the language (once). */
void msg_init(const char *locale_dir);
/* 1 when messages are in Chinese. */
int msg_chinese(void);
/* The translation of msgid in the message language, or msgid itself. */
const char *msg_tr(const char *msgid);

#define _(msgid) msg_tr(msgid)
/* Marks a message id translated later, through a variable, for xgettext. */
#define N_(msgid) (msgid)

#endif
