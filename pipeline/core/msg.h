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

/* The form for n of a message that counts (ngettext): English "1 file" /
 * "3 files"; Chinese has one form, the catalog's msgstr[0]. */
const char *msg_ntr(const char *one, const char *many, unsigned long n);
/* The same in a language given by the caller, whatever the messages'
 * language: zh != 0 gives the Chinese of the catalog (or the id), zh == 0 the
 * English. For texts written for someone else than the user at the
 * terminal: the quarantine file's reasons in both languages, an e-mail in
 * its addressee's languages. */
const char *msg_tr_lang(int zh, const char *msgid);
const char *msg_ntr_lang(int zh, const char *one, const char *many, unsigned long n);

#define _(msgid) msg_tr(msgid)
/* Marks a message id translated later, through a variable, for xgettext. */
#define N_(msgid) (msgid)

#endif
