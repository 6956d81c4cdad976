/*
 * layout.h -- breaking text into lines measured with the font's metrics.
 *
 * Chinese breaks between any two characters except before a closing mark
 * (，。、）：；！？》」 and their ASCII kin) and after an opening mark
 * (（《「); English breaks at spaces and after hyphens (never after a minus:
 * "-3.5" and "-¥12" stay whole). A word or number wider than the line
 * is cut between characters so that nothing overflows a cell. Explicit
 * '\n' in the text always breaks.
 *
 * layout_wrap fills a caller-owned layout_lines whose strings it allocates;
 * the caller frees them with layout_lines_free.
 */
#ifndef HR_RENDER_LAYOUT_H
#define HR_RENDER_LAYOUT_H

#include <stddef.h>

#include "stages/render/font.h"

typedef struct layout_lines {
    char **line;  /* each a NUL-terminated UTF-8 line, without trailing spaces */
    size_t count;
} layout_lines;

/* Wraps text to width_pt at size_pt. Returns the number of lines (>= 1). */
size_t layout_wrap(const render_font *f, const char *text, double size_pt, double width_pt,
                   layout_lines *out);
void layout_lines_free(layout_lines *l);

/* 1 when a line must not start with cp / end with cp. */
int layout_no_line_start(unsigned cp);
int layout_no_line_end(unsigned cp);

#endif
