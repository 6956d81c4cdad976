/*
 * msg.c -- the language of the program's messages (see msg.h).
 */
#include "pipeline/core/msg.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN "hospreport"

static int chinese;

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
