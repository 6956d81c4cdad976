/*
 * font.h -- the run's embedded CJK font: a subset of the configured
 * TrueType (collection face 0) holding every character a run can print,
 * written once to a temporary file and loaded by every PDF of the run, plus
 * the glyph metrics the layout code measures text with.
 *
 * Why subset ourselves: libharu 2.3.0 embeds the whole cmap/hmtx/loca of
 * the font it is given (~500 KB per PDF with WenQuanYi Zen Hei); HarfBuzz's
 * subsetter makes a ~30 KB font that libharu then embeds as is.
 *
 * Ownership: font_charset_* build a set the caller owns; font_open() returns
 * a render_font the caller frees with font_close(), which also deletes the
 * temporary file.
 */
#ifndef HR_RENDER_FONT_H
#define HR_RENDER_FONT_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/error.h"

typedef struct font_charset font_charset;
typedef struct render_font render_font;

font_charset *font_charset_new(void);
void font_charset_free(font_charset *cs);
/* Adds every character of a UTF-8 text (invalid bytes are skipped). */
void font_charset_add_utf8(font_charset *cs, const char *text, size_t len);
/* Adds the characters of a file read as UTF-8 (binary files such as a .mo
 * catalog work: their strings are UTF-8). Missing file: returns -1. */
int font_charset_add_file(font_charset *cs, const char *path);
void font_charset_add(font_charset *cs, uint32_t codepoint);

/* Loads face 0 of font_path, subsets it to cs and writes the subset to a
 * temporary file. */
int font_open(const char *font_path, const font_charset *cs, render_font **out, hr_error *err);
void font_close(render_font *f);

const char *font_subset_path(const render_font *f);
size_t font_subset_bytes(const render_font *f);
/* 1 when the subset can draw codepoint. */
int font_has(const render_font *f, uint32_t codepoint);
/* Checks that the subset can draw every character of text; warns (once per
 * character and run, on stderr) for each it cannot -- missing from the font
 * itself, or not gathered into the subset -- so that nothing is drawn blank
 * silently. Returns how many characters of text cannot be drawn. */
int font_check_text(const render_font *f, const char *text);
/* Advance width of one character in 1/1000 em (0 for no glyph). */
double font_advance(const render_font *f, uint32_t codepoint);
/* Width in points of a UTF-8 text at size_pt. */
double font_text_width(const render_font *f, const char *text, double size_pt);

/* Decodes one UTF-8 character at s (len bytes available); returns its byte
 * length (>= 1; an invalid byte is returned as U+FFFD with length 1). */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

#endif
