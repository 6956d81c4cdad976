/*
 * layout.c -- line breaking (see layout.h).
 *
 * A greedy breaker: walk the characters adding their advance; remember the
 * last position where a break is allowed; when the line gets too wide, break
 * there (or, when there is none, before the current character).
 */
#include "stages/render/layout.h"

#include "pipeline/core/xalloc.h"

#include <stdlib.h>
#include <string.h>

int layout_no_line_start(unsigned cp)
{
    static const unsigned list[] = {0xFF0C, 0x3002, 0x3001, 0xFF09, 0xFF1A, 0xFF1B, 0xFF01,
                                    0xFF1F, 0x300B, 0x300D, 0x300F, 0x3009, 0x2019, 0x201D,
                                    0xFF05, 0x2026, 0x2014, ',',    '.',    ')',    ':',
                                    ';',    '!',    '?',    '%',    ']'};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++)
        if (list[i] == cp)
            return 1;
    return 0;
}

int layout_no_line_end(unsigned cp)
{
    static const unsigned list[] = {0xFF08, 0x300A, 0x300C, 0x300E, 0x3008, 0x2018,
                                    0x201C, '(',    '[',    0xFFE5, '$'};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++)
        if (list[i] == cp)
            return 1;
    return 0;
}

static int is_wide(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x3000 && cp <= 0x303F);
}

static void push(layout_lines *out, const char *s, size_t len)
{
    while (len > 0 && s[len - 1] == ' ')
        len--;
    char *line = xrealloc(NULL, len + 1);
    memcpy(line, s, len);
    line[len] = '\0';
    out->line = xrealloc(out->line, (out->count + 1) * sizeof *out->line);
    out->line[out->count++] = line;
}

/* May the line break between prev and cp (cp starting the next line)? */
static int can_break(uint32_t prev, uint32_t cp)
{
    if (layout_no_line_start(cp) || layout_no_line_end(prev))
        return 0;
    if (prev == '-' && ((cp >= '0' && cp <= '9') || cp == '.' || cp == 0xA5))
        return 0; /* a minus stays with its number: "-3.5", "-¥12" */
    if (prev == ' ' || prev == '-' || prev == '/')
        return cp != ' ';
    return is_wide(prev) || is_wide(cp);
}

static void wrap_paragraph(const render_font *f, const char *s, size_t len, double size_pt,
                           double width_pt, layout_lines *out)
{
    size_t start = 0, i = 0, brk = 0; /* brk: byte offset of the last allowed break */
    double w = 0, w_at_brk = 0;
    uint32_t prev = 0;
    while (start < len && s[start] == ' ')
        start++;
    i = start;
    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);
        double cw = font_advance(f, cp) * size_pt / 1000.0;
        if (i > start && can_break(prev, cp))
            brk = i, w_at_brk = w;
        if (w + cw > width_pt && i > start && cp != ' ') {
            size_t cut = brk > start ? brk : i;
            push(out, s + start, cut - start);
            w = cut == brk ? w - w_at_brk : 0;
            start = cut;
            while (start < len && s[start] == ' ')
                start++;
            if (start > i) { /* skipped spaces past i */
                i = start, w = 0, prev = 0, brk = 0;
                continue;
            }
            if (cut == i)
                w = 0;
            else { /* recompute the carried width exactly */
                w = 0;
                for (size_t k = start; k < i;) {
                    uint32_t c2;
                    k += (size_t)utf8_decode(s + k, len - k, &c2);
                    w += font_advance(f, c2) * size_pt / 1000.0;
                }
            }
            brk = 0;
        }
        w += cw;
        prev = cp;
        i += (size_t)n;
    }
    if (len > start || out->count == 0)
        push(out, s + start, len - start);
}

size_t layout_wrap(const render_font *f, const char *text, double size_pt, double width_pt,
                   layout_lines *out)
{
    out->line = NULL;
    out->count = 0;
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t before = out->count;
        wrap_paragraph(f, p, len, size_pt, width_pt, out);
        if (out->count == before)
            push(out, "", 0);
        if (!nl)
            break;
        p = nl + 1;
    }
    return out->count;
}

void layout_lines_free(layout_lines *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->line[i]);
    free(l->line);
    l->line = NULL;
    l->count = 0;
}
