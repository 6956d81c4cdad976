/*
 * main.c -- the hospreport program: the only place that prints an error
 * and decides the exit status (spec/CLI.md).
 */
#include <libintl.h>
#include <locale.h>
#include <stdio.h>

#include "pipeline/cli.h"
#include "pipeline/core/error.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/paths.h"

int main(int argc, char **argv)
{
    /* Numbers, dates and sorting in C on every machine (CSV and tables on
     * stdout are data); only messages follow the user's language (msg.h). */
    setlocale(LC_ALL, "C.UTF-8");
    msg_init(paths_locale_dir());
    /* System error messages (strerror) in one language, English like every
     * other message on the terminal: glibc translates them through the
     * "libc" domain whenever LANGUAGE is set -- in the user's environment,
     * or by the renderer, which sets it to pick the report's language -- so
     * one run said "没有那个文件或目录" in one message and "Not a directory"
     * in the next. Pointing the domain where no catalogue is stops that. */
    bindtextdomain("libc", "/dev/null");
    hr_error err;
    hr_error_clear(&err);
    int code = cli_main(argc, argv, &err);
    if (code != HR_OK) {
        char line[2048];
        fprintf(stderr, "hospreport: %s\n", hr_error_format(&err, line, sizeof line));
        if (code == HR_EUSAGE)
            fprintf(stderr, "hospreport: %s\n", _("try 'hospreport --help'"));
    }
    fflush(stdout);
    if (ferror(stdout) && code == HR_OK) {
        fprintf(stderr, "hospreport: %s\n", _("error writing standard output"));
        code = HR_EFAIL;
    }
    return code;
}
