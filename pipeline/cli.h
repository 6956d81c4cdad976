/*
 * cli.h -- the command line of spec/CLI.md: option parsing, --help for
 * every subcommand, and dispatch to the stages.
 *
 * cli_main() returns an hr_code; main() alone prints the error and turns it
 * into the exit status.
 */
#ifndef HR_CLI_H
#define HR_CLI_H

#include "pipeline/core/error.h"
#include "pipeline/core/version.h"

typedef struct cli_args {
    const char *command;
    const char *in_dir, *period, *db, *out_dir, *lang, *profile;
    const char *report, *scope, *template_path, *today;
    int force;
} cli_args;

int cli_main(int argc, char **argv, hr_error *err);

/* Stage orchestration (run.c): the stages in order for one month, then
 * every report due for that month's data. */
int run_pipeline(const cli_args *args, hr_error *err);

#endif
