/*
 * request.h -- what the files of one render run share (not a public header):
 * the run (the request checked, the template, the hospital, the scopes, the
 * subset font) and the jobs it hands out, one PDF each.
 *
 *   request.c  the request: template, hospital configuration, scopes, period
 *   charset.c  the character-set scan that decides the font subset
 *   pdfout.c   one PDF: libharu set-up, its work-arounds, the file written
 *   workers.c  the jobs rendered on forked worker processes
 *   render.c   render_reports(): the above in order, with the run registry
 */
#ifndef HR_RENDER_REQUEST_H
#define HR_RENDER_REQUEST_H

#include <libxml/tree.h>
#include <sqlite3.h>

#include "pipeline/core/error.h"
#include "pipeline/core/period.h"
#include "pipeline/core/registry.h"
#include "stages/render/font.h"
#include "stages/render/render.h"
#include "stages/render/render_internal.h"

typedef struct scope_item {
    char code[64];
    char name[2][128];
    int number; /* the report number's serial: stable whatever --scope asks */
} scope_item;

typedef struct run {
    const render_options *opt;
    sqlite3 *db;
    xmlDocPtr tpl;
    char tpl_path[4096];
    char kind[128];     /* opt->kind, or the topic template's base name */
    period per;
    char period_text[PERIOD_LABEL_MAX];
    char month_first[8], month_last[8];
    char hospital[2][128], author[128];
    int small_k;             /* the small-count threshold; 0: counts exact */
    char small_list[1024];   /* the indicators it covers, space-separated */
    int draft;
    scope_item *scopes;
    int nscopes;
    render_font *font;
} run;

/* One PDF to write, and its registry entry (whose pointers point into the
 * run and into `path`). */
typedef struct render_job {
    int scope_index;
    render_mode mode;
    char path[4096];
    registry_entry entry;
} render_job;

/* request.c: the period, template, hospital and output folder of the
 * request, then the font subset (charset_prepare). */
int request_prepare(run *r, hr_error *err);
/* request.c: the scopes --scope names, numbered stably. */
int scopes_load(run *r, hr_error *err);

/* charset.c: every character a PDF of this run can print, into r->font. */
int charset_prepare(run *r, hr_error *err);

/* pdfout.c: the language tags of render_mode, as in file names. */
extern const char *const mode_tags[];
/* pdfout.c: OUT/<kind>-<period>-<scope>.<lang>.pdf (spec/CLI.md), named by
 * paths_output_file(); an error code with err set when it cannot be. */
int pdf_path(const run *r, const scope_item *s, render_mode mode, char *buf, size_t size,
             hr_error *err);
/* pdfout.c: draws one PDF on r->db and writes it to path. */
int render_one(run *r, int scope_index, render_mode mode, const char *path, hr_error *err);
/* pdfout.c: strerror() in the C locale. */
const char *render_system_error(int errnum);

/* workers.c: renders the jobs, adding to *written how many were written. */
int render_jobs(run *r, render_job *jobs, int njobs, int *written, hr_error *err);

#endif
