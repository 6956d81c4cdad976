/*
 * render.h -- the render stage: XML report templates and gettext catalogs
 * to PDF, with an embedded, subset CJK font.
 */
#ifndef HR_RENDER_H
#define HR_RENDER_H

#include <sqlite3.h>

#include "pipeline/core/error.h"

typedef struct render_options {
    const char *kind;     /* monthly | quarterly | annual | topic */
    const char *period;   /* PERIOD text */
    const char *scope;    /* hospital | all | dept_code */
    const char *lang;     /* zh_CN | en | bilingual | all */
    const char *template_path; /* NULL = templates/<kind>.xml */
    const char *out_dir;  /* where PDFs go */
} render_options;

/* Renders every (scope, language) PDF the options ask for, named
 * <kind>-<period>-<scope>.<lang>.pdf. Sets *written to the number of files. */
int render_reports(sqlite3 *db, const render_options *opt, int *written, hr_error *err);

#endif
