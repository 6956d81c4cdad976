/*
 * paths.h -- where hospreport finds its data files: templates/, config/
 * (profiles, rules, indicator catalogue), compiled message catalogs and the
 * CJK font.
 *
 * Installed, the binary finds them relative to itself: PREFIX/bin/hospreport
 * reads PREFIX/share/hospreport/ and PREFIX/share/locale/, so any PREFIX and
 * DESTDIR work without rebuilding. Run from a source tree (build/hospreport),
 * the data directory is the tree itself and the catalogs are under
 * build/locale. HOSPREPORT_DATADIR, HOSPREPORT_LOCALEDIR and HOSPREPORT_FONT
 * override each.
 * The strings returned are static: do not free them.
 */
#ifndef HR_PATHS_H
#define HR_PATHS_H

#include <stddef.h>
#include <stdio.h>

#include "pipeline/core/error.h"

const char *paths_data_dir(void);   /* holds templates/ and config/ */
const char *paths_locale_dir(void); /* holds <lang>/LC_MESSAGES/hospreport.mo */
const char *paths_font_file(void);  /* a TrueType (collection) with CJK glyphs */
/* How many threads or processes a stage may use: one per core, at most 4;
 * HOSPREPORT_JOBS overrides (1 .. 16). */
int paths_jobs(void);
/* Joins the data dir and a relative path into buf; returns buf. */
const char *paths_data_file(const char *relative, char *buf, unsigned long size);

/*
 * Files hospreport writes (PDFs, quarantine and reconciliation CSVs) are
 * named by paths_output_file() only, and written through paths_out_*.
 */

/* DIR/NAME into buf, NAME made of `stem` (any text: a report kind, period,
 * dept code) and `suffix` (the caller's own, e.g. ".zh_CN.pdf"). NAME is
 * always one file name inside DIR: '/', '\', control characters
 * (utf8_is_control: bidi overrides included) and bytes that are not UTF-8
 * become '_', and so does a leading '.'; a stem too long for a file name
 * (255 bytes) is cut at a character boundary. A stem changed in any of
 * these ways ends in '~' and 8 hex digits of its SHA-256, so that two stems
 * never share a name. Returns 0, or HR_EFAIL (err set, naming DIR) when DIR/NAME
 * does not fit in size. */
int paths_output_file(const char *dir, const char *stem, const char *suffix, char *buf,
                      size_t size, hr_error *err);

/* Creates dir and its missing parents (mode 0777 less the umask). Another
 * process creating one at the same time is no error; something there that
 * is not a folder is. */
int paths_make_dir(const char *dir, hr_error *err);

/* A file being written: a unique temporary file beside its final path
 * (mkstemp in the same folder), renamed over it by paths_out_commit only
 * once every byte is written and synced, so a reader -- or another run
 * writing the same name -- sees the old file or the new one, never a mix. */
typedef struct paths_out {
    FILE *f;
    char tmp[4096];
    char path[4096];
} paths_out;

int paths_out_open(paths_out *o, const char *path, hr_error *err);
/* Appends len bytes; errors (ENOSPC...) name the final path. */
int paths_out_write(paths_out *o, const void *data, size_t len, hr_error *err);
/* Flush, fsync, close, permissions as for a new file, rename, sync the
 * folder. On error the temporary file is removed and the final path is as
 * it was. */
int paths_out_commit(paths_out *o, hr_error *err);
/* Closes and removes the temporary file (after an error elsewhere). */
void paths_out_abandon(paths_out *o);

#endif
