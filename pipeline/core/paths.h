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

const char *paths_data_dir(void);   /* holds templates/ and config/ */
const char *paths_locale_dir(void); /* holds <lang>/LC_MESSAGES/hospreport.mo */
const char *paths_font_file(void);  /* a TrueType (collection) with CJK glyphs */
/* How many threads or processes a stage may use: one per core, at most 4;
 * HOSPREPORT_JOBS overrides (1 .. 16). */
int paths_jobs(void);
/* Joins the data dir and a relative path into buf; returns buf. */
const char *paths_data_file(const char *relative, char *buf, unsigned long size);

#endif
