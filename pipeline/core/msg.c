/*
 * msg.c -- the language of the program's messages (see msg.h).
 */
#include "pipeline/core/msg.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/xalloc.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN "hospreport"

static int chinese;
static int bound; /* the domain bound to its catalog folder */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

void msg_init(const char *locale_dir)
{
    const char *loc = env("LC_ALL");
    if (!loc)
        loc = env("LC_MESSAGES");
    if (!loc)
        loc = env("LANG");
    int c_locale = !loc || !strcmp(loc, "C") || !strcmp(loc, "POSIX") || !strncmp(loc, "C.", 2);
    const char *lang = c_locale ? NULL : env("LANGUAGE") ? env("LANGUAGE") : loc;
    chinese = lang && !strncmp(lang, "zh", 2);
    bindtextdomain(DOMAIN, locale_dir);
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    bound = 1;
    if (chinese) {
        /* The catalog is found through LANGUAGE under C.UTF-8 messages, so
         * that no zh_CN locale needs to be installed on the machine. */
        setlocale(LC_MESSAGES, "C.UTF-8");
        setenv("LANGUAGE", "zh_CN", 1);
    }
}

int msg_chinese(void) { return chinese; }

const char *msg_tr(const char *msgid)
{
    if (!chinese || !msgid || !*msgid)
        return msgid;
    return dgettext(DOMAIN, msgid);
}

const char *msg_ntr(const char *one, const char *many, unsigned long n)
{
    return msg_ntr_lang(chinese, one, many, n);
}

extern int _nl_msg_cat_cntr;

/* dngettext in zh_CN whatever the messages' language: glibc finds the catalog
 * through LANGUAGE (which it ignores under the "C" locale, hence C.UTF-8, as
 * msg_init does), switched for the one lookup. The string returned lives in
 * the loaded catalog, which stays loaded. */
static const char *lookup_zh(const char *one, const char *many, unsigned long n)
{
    if (chinese)
        return dngettext(DOMAIN, one, many, n);
    if (!bound) { /* a library user (a test) that never called msg_init */
        bindtextdomain(DOMAIN, paths_locale_dir());
        bind_textdomain_codeset(DOMAIN, "UTF-8");
        bound = 1;
    }
    const char *cur = setlocale(LC_MESSAGES, NULL);
    if (!cur || !strcmp(cur, "C") || !strcmp(cur, "POSIX"))
        setlocale(LC_MESSAGES, "C.UTF-8");
    const char *old = getenv("LANGUAGE");
    char *saved = old ? xstrdup(old) : NULL;
    setenv("LANGUAGE", "zh_CN", 1);
    ++_nl_msg_cat_cntr;
    const char *t = dngettext(DOMAIN, one, many, n);
    if (saved)
        setenv("LANGUAGE", saved, 1);
    else
        unsetenv("LANGUAGE");
    free(saved);
    ++_nl_msg_cat_cntr;
    return t;
}

const char *msg_ntr_lang(int zh, const char *one, const char *many, unsigned long n)
{
    if (!one || !*one)
        return n == 1 || !many ? one : many;
    if (!zh)
        return n == 1 ? one : many;
    return lookup_zh(one, many, n);
}

const char *msg_tr_lang(int zh, const char *msgid)
{
    if (!zh || !msgid || !*msgid)
        return msgid;
    return lookup_zh(msgid, msgid, 1);
}
