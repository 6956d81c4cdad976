/*
 * render.c -- the render stage's entry point (see render.h): checks the
 * languages asked for, prepares the run (request.c: template, hospital,
 * scopes; charset.c: the subset font, once for the whole run), skips the
 * PDFs the run registry says are current, and renders the others
 * (workers.c, pdfout.c), each written to a temporary name renamed when
 * complete.
 */
#include "stages/render/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/registry.h"
#include "pipeline/core/xalloc.h"

int render_reports(sqlite3 *db, const render_options *opt, int *written, hr_error *err)
{
    *written = 0;
    if (!opt->kind || !opt->period || !opt->out_dir)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL,
                            "render needs a report kind, a period and an output folder");
    const char *lang = opt->lang ? opt->lang : "all";
    render_mode modes[3];
    int nmodes = 0;
    if (!strcmp(lang, "zh_CN") || !strcmp(lang, "all"))
        modes[nmodes++] = MODE_ZH;
    if (!strcmp(lang, "en") || !strcmp(lang, "all"))
        modes[nmodes++] = MODE_EN;
    if (!strcmp(lang, "bilingual") || !strcmp(lang, "all"))
        modes[nmodes++] = MODE_BILINGUAL;
    if (nmodes == 0)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--lang",
                            "'%s' is not a language: use zh_CN, en, bilingual or all", lang);
    run r = {0};
    r.opt = opt, r.db = db;
    ds_sandbox_install(db);
    i18n_begin();
    int rc = request_prepare(&r, err);
    if (!rc)
        rc = scopes_load(&r, err);
    /* The run registry: a PDF whose inputs, template, catalog and font are
     * unchanged since it was written, and which is still there as written,
     * is not rendered again. */
    char fingerprint[DIGEST_HEX_SIZE], catalog[DIGEST_HEX_SIZE] = "";
    if (!rc)
        rc = registry_inputs_fingerprint(db, r.period_text, fingerprint, err);
    if (!rc) {
        char mo[4096];
        snprintf(mo, sizeof mo, "%s/zh_CN/LC_MESSAGES/hospreport.mo", paths_locale_dir());
        digest_file(mo, catalog, NULL, NULL);
    }
    /* The font shapes the PDF too: its path, size and time stand for it
     * (hashing ~10 MB per call would cost more than it saves). */
    char font_id[400];
    struct stat font_st = {0};
    stat(paths_font_file(), &font_st);
    snprintf(font_id, sizeof font_id, "%s:%lld:%lld", paths_font_file(),
             (long long)font_st.st_size, (long long)font_st.st_mtime);
    int unchanged = 0, njobs = 0;
    render_job *jobs = xcalloc((size_t)(r.nscopes * nmodes + 1), sizeof *jobs);
    for (int i = 0; !rc && i < r.nscopes; i++)
        for (int m = 0; !rc && m < nmodes; m++) {
            render_job *j = &jobs[njobs];
            j->scope_index = i, j->mode = modes[m];
            if ((rc = pdf_path(&r, &r.scopes[i], modes[m], j->path, sizeof j->path, err)))
                break;
            registry_entry *e = &j->entry;
            if ((rc = registry_entry_init(e, r.kind, r.period_text, r.scopes[i].code,
                                          mode_tags[modes[m]], r.tpl_path, fingerprint, j->path,
                                          err)))
                break;
            e->draft = r.draft != 0;
            char both[2 * DIGEST_HEX_SIZE + 512];
            snprintf(both, sizeof both, "%s%s%s", e->template_sha256, catalog, font_id);
            digest_buffer(both, strlen(both), e->template_sha256);
            int current = registry_is_current(db, e, err);
            if (current < 0)
                rc = err->code;
            else if (current == 1)
                unchanged++;
            else
                njobs++;
        }
    if (!rc && njobs)
        rc = ds_small_counts_begin(db, r.small_k, r.small_list, err);
    if (!rc)
        rc = render_jobs(&r, jobs, njobs, written, err);
    if (!rc)
        rc = render_index(db, opt->out_dir, err);
    ds_small_counts_end(db);
    free(jobs);
    if (unchanged)
        log_info(msg_ntr("render: %d PDF up to date (inputs and template unchanged), not "
                         "rendered again",
                         "render: %d PDFs up to date (inputs and template unchanged), not "
                         "rendered again",
                         (unsigned long)unchanged),
                 unchanged);
    i18n_end();
    ds_sandbox_remove(db);
    font_close(r.font);
    if (r.tpl)
        xmlFreeDoc(r.tpl);
    free(r.scopes);
    return rc;
}
