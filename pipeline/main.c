/*
 * main.c -- the hospreport program: the only place that prints an error
 * and decides the exit status (spec/CLI.md).
 */
#include <locale.h>
#include <stdio.h>

#include "pipeline/cli.h"
#include "pipeline/core/error.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/paths.h"

int main(int argc, char **argv)
{
    /* Numbers, dates and sorting in C on every machine (CSV and tables on
     * stdout are data); only messages follow the user's language. */
    setlocale(LC_ALL, "C.UTF-8");
    msg_init(paths_locale_dir());
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
