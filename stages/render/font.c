/*
 * font.c -- subsetting the CJK font with HarfBuzz and measuring text with
 * its metrics (see font.h).
 */
#include "stages/render/font.h"

#include <hb-subset.h>
#include <hb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/log.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"

struct font_charset {
    hb_set_t *set;
};

struct render_font {
    char path[64];
    size_t bytes;
    hb_set_t *have;             /* codepoints the subset maps */
    float *advance;             /* 1/1000 em for U+0000..U+FFFF, <0 = not yet */
    hb_font_t *metrics;         /* the full font, for advances */
    hb_set_t *warned;           /* characters already reported missing */
};

int utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n;
    uint32_t c;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xE0) == 0xC0) {
        n = 2, c = u[0] & 0x1F;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3, c = u[0] & 0x0F;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4, c = u[0] & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if ((size_t)n > len) {
        *cp = 0xFFFD;
        return 1;
    }
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

font_charset *font_charset_new(void)
{
    font_charset *cs = xcalloc(1, sizeof *cs);
    cs->set = hb_set_create();
    for (uint32_t c = 0x20; c < 0x7F; c++)
        hb_set_add(cs->set, c);
    return cs;
}

void font_charset_free(font_charset *cs)
{
    if (!cs)
        return;
    hb_set_destroy(cs->set);
    free(cs);
}

void font_charset_add(font_charset *cs, uint32_t cp)
{
    if (cp >= 0x20 && cp != 0xFFFD)
        hb_set_add(cs->set, cp);
}

void font_charset_add_utf8(font_charset *cs, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(text + i, len - i, &cp);
        if (n > 1 || cp < 0x80)
            font_charset_add(cs, cp);
        i += (size_t)n;
    }
}

int font_charset_add_file(font_charset *cs, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    strbuf sb = STRBUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_add(&sb, chunk, n);
    fclose(f);
    font_charset_add_utf8(cs, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/*
 * libharu 2.3.0 re-writes the embedded font's tables in a fixed order whose
 * last is 'prep', and re-reads each from its offset to checksum it. A table
 * the font lacks is written empty at the very end, and its memory stream
 * cannot seek to its own end when that end falls on a 4096-byte boundary:
 * HPDF_INVALID_OBJECT (0x1033) at save, for about one document in a
 * thousand, depending on the glyphs it uses. WenQuanYi Zen Hei has no
 * 'prep'. A four-byte 'prep' that pushes and pops a word (a hinting no-op;
 * four bytes keep the tables' length even, like the glyphs')
 * puts the last table's offset inside the stream.
 */
static hb_face_t *with_prep(hb_face_t *subset)
{
    /* the subsetter's face is a builder, which cannot list its tables */
    hb_blob_t *file = hb_face_reference_blob(subset);
    hb_face_t *sub = hb_face_create(file, 0);
    hb_blob_destroy(file);
    hb_tag_t prep = HB_TAG('p', 'r', 'e', 'p');
    hb_blob_t *have = hb_face_reference_table(sub, prep);
    unsigned len = hb_blob_get_length(have);
    hb_blob_destroy(have);
    if (len > 0)
        return sub;
    hb_face_t *b = hb_face_builder_create();
    hb_tag_t tags[64];
    unsigned start = 0, n;
    do {
        n = sizeof tags / sizeof tags[0];
        hb_face_get_table_tags(sub, start, &n, tags);
        for (unsigned i = 0; i < n; i++) {
            hb_blob_t *t = hb_face_reference_table(sub, tags[i]);
            hb_face_builder_add_table(b, tags[i], t);
            hb_blob_destroy(t);
        }
        start += n;
    } while (n == sizeof tags / sizeof tags[0]);
    static const char noop[] = {(char)0xB8, 0x00, 0x00, 0x21}; /* PUSHW[0] 0; POP */
    hb_blob_t *p = hb_blob_create(noop, sizeof noop, HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_builder_add_table(b, prep, p);
    hb_blob_destroy(p);
    hb_face_destroy(sub);
    return b;
}

static int write_subset(render_font *f, hb_face_t *subset, hr_error *err)
{
    hb_face_t *sub = with_prep(subset);
    hb_blob_t *blob = hb_face_reference_blob(sub);
    unsigned len;
    const char *data = hb_blob_get_data(blob, &len);
    snprintf(f->path, sizeof f->path, "/tmp/hospreport-font-XXXXXX");
    int fd = mkstemp(f->path);
    int rc = HR_OK;
    if (fd < 0 || write(fd, data, len) != (ssize_t)len)
        rc = hr_error_set(err, HR_EFAIL, f->path, 0, NULL, "cannot write the subset font");
    if (fd >= 0)
        close(fd);
    f->bytes = len;
    hb_blob_destroy(blob);
    hb_face_destroy(sub);
    return rc;
}

/*
 * libharu (2.3.0) maps characters to glyphs with the font's format-4 cmap,
 * searching its segments one by one -- and, on loading the font into a
 * document, does so for each of the 65,536 code points (the CIDToGIDMap of
 * the UTF-8 encoder). HarfBuzz writes a subset's cmap with one segment per
 * run of consecutive code points: ~800 segments for a run's ~1,000
 * characters, ~40 million comparisons in every PDF. The cmap is written
 * again with the fewest segments whose glyph index arrays (0 for the code
 * points between the characters) stay under CMAP_ARRAY_MAX entries: the
 * largest gaps between the characters end segments. The mapping itself is
 * unchanged.
 */
#define CMAP_ARRAY_MAX 16384

typedef struct cmap_entry {
    uint16_t cp, gid;
} cmap_entry;

static void put16(strbuf *b, unsigned v)
{
    sb_addch(b, (char)((v >> 8) & 0xFF));
    sb_addch(b, (char)(v & 0xFF));
}

static int gap_desc(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b; /* (gap << 16) | index after the gap */
    return *x < *y ? 1 : *x > *y ? -1 : 0;
}

/* The cmap table (format 4, Unicode BMP, two encoding records) of the
 * mapping e[0..n), code points ascending. */
static void cmap_table(const cmap_entry *e, int n, strbuf *out)
{
    /* segment starts: index 0 and after each gap chosen as a break */
    unsigned char *brk = xcalloc((size_t)n + 1, 1);
    if (n > 0) {
        brk[0] = 1;
        uint32_t *gaps = xmalloc(sizeof *gaps * (size_t)n);
        int ng = 0;
        long span = (long)e[n - 1].cp - e[0].cp + 1;
        for (int i = 1; i < n; i++)
            if (e[i].cp - e[i - 1].cp > 1)
                gaps[ng++] = ((uint32_t)(e[i].cp - e[i - 1].cp - 1) << 16) | (uint32_t)i;
        qsort(gaps, (size_t)ng, sizeof *gaps, gap_desc);
        for (int g = 0; g < ng && span > CMAP_ARRAY_MAX; g++) {
            brk[gaps[g] & 0xFFFF] = 1;
            span -= gaps[g] >> 16;
        }
        free(gaps);
    }
    int nseg = 1; /* the final 0xFFFF segment */
    long array = 0;
    for (int i = 0; i < n; i++)
        if (brk[i]) {
            int j = i;
            while (j + 1 < n && !brk[j + 1])
                j++;
            nseg++;
            array += e[j].cp - e[i].cp + 1;
        }
    int pow2 = 1, sel = 0;
    while (pow2 * 2 <= nseg)
        pow2 *= 2, sel++;
    size_t sub_len = 16 + 8 * (size_t)nseg + 2 * (size_t)array;
    sb_reset(out);
    put16(out, 0), put16(out, 2);                    /* version, tables */
    put16(out, 0), put16(out, 3), put16(out, 0), put16(out, 20); /* Unicode BMP */
    put16(out, 3), put16(out, 1), put16(out, 0), put16(out, 20); /* Windows BMP */
    put16(out, 4), put16(out, (unsigned)sub_len), put16(out, 0);
    put16(out, (unsigned)nseg * 2), put16(out, (unsigned)pow2 * 2), put16(out, (unsigned)sel);
    put16(out, (unsigned)(nseg - pow2) * 2);
    for (int pass = 0; pass < 4; pass++) { /* end codes, start codes, deltas, offsets */
        if (pass == 1)
            put16(out, 0); /* reserved pad */
        long at = 0;
        int seg = 0;
        for (int i = 0; i < n; i++) {
            if (!brk[i])
                continue;
            int j = i;
            while (j + 1 < n && !brk[j + 1])
                j++;
            unsigned v = pass == 0 ? e[j].cp : pass == 1 ? e[i].cp : pass == 2 ? 0
                       : (unsigned)(2 * (nseg - seg) + 2 * at);
            put16(out, v);
            at += e[j].cp - e[i].cp + 1;
            seg++;
        }
        put16(out, pass < 2 ? 0xFFFF : pass == 2 ? 1 : 0);
    }
    for (int i = 0; i < n; i++) /* the glyph index arrays */
        if (brk[i]) {
            int j = i;
            while (j + 1 < n && !brk[j + 1])
                j++;
            for (int k = i; k <= j; k++) {
                put16(out, e[k].gid);
                for (unsigned c = e[k].cp + 1u; k < j && c < e[k + 1].cp; c++)
                    put16(out, 0);
            }
        }
    free(brk);
}

/* The subset `sub` with its cmap written as above; NULL when it cannot be
 * (the subset then serves as HarfBuzz wrote it). */
static hb_face_t *compact_cmap(hb_face_t *subset, const hb_set_t *have)
{
    /* the subsetter's face is a builder, whose tables cannot be listed:
     * read its serialised file as a face */
    hb_blob_t *file = hb_face_reference_blob(subset);
    hb_face_t *sub = hb_face_create(file, 0);
    hb_blob_destroy(file);
    hb_font_t *font = hb_font_create(sub);
    int cap = (int)hb_set_get_population(have), n = 0;
    cmap_entry *e = xmalloc(sizeof *e * (size_t)(cap + 1));
    hb_codepoint_t cp = HB_SET_VALUE_INVALID, gid;
    while (hb_set_next(have, &cp))
        if (cp < 0xFFFF && hb_font_get_nominal_glyph(font, cp, &gid) && gid <= 0xFFFF)
            e[n].cp = (uint16_t)cp, e[n].gid = (uint16_t)gid, n++;
    hb_font_destroy(font);
    strbuf cmap = STRBUF_INIT;
    cmap_table(e, n, &cmap);
    free(e);
    if (cmap.len > 65535 + 20) { /* a format-4 subtable's length is 16 bits */
        sb_release(&cmap);
        hb_face_destroy(sub);
        return NULL;
    }
    hb_face_t *b = hb_face_builder_create();
    unsigned count = hb_face_get_table_tags(sub, 0, NULL, NULL);
    hb_tag_t *tags = xmalloc(sizeof *tags * (count + 1));
    hb_face_get_table_tags(sub, 0, &count, tags);
    for (unsigned i = 0; i < count; i++) {
        hb_blob_t *t = tags[i] == HB_TAG('c', 'm', 'a', 'p')
                           ? hb_blob_create(cmap.buf, (unsigned)cmap.len,
                                            HB_MEMORY_MODE_DUPLICATE, NULL, NULL)
                           : hb_face_reference_table(sub, tags[i]);
        hb_face_builder_add_table(b, tags[i], t);
        hb_blob_destroy(t);
    }
    free(tags);
    hb_face_destroy(sub);
    sb_release(&cmap);
    /* the builder's face serialises to a font file; load it as a face */
    hb_blob_t *blob = hb_face_reference_blob(b);
    hb_face_destroy(b);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_blob_destroy(blob);
    return face;
}

int font_open(const char *font_path, const font_charset *cs, render_font **out, hr_error *err)
{
    *out = NULL;
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(font_path);
    if (!blob)
        return hr_error_set(err, HR_EFAIL, font_path, 0, NULL,
                            "cannot read the CJK font (set HOSPREPORT_FONT)");
    hb_face_t *face = hb_face_create(blob, 0);
    hb_blob_destroy(blob);
    if (hb_face_get_glyph_count(face) == 0) {
        hb_face_destroy(face);
        return hr_error_set(err, HR_EFAIL, font_path, 0, NULL, "not a TrueType font");
    }
    render_font *f = xcalloc(1, sizeof *f);
    f->metrics = hb_font_create(face);
    hb_font_set_scale(f->metrics, 1000, 1000);
    f->have = hb_set_create();
    f->warned = hb_set_create();
    hb_codepoint_t cp = HB_SET_VALUE_INVALID, gid;
    while (hb_set_next(cs->set, &cp))
        if (hb_font_get_nominal_glyph(f->metrics, cp, &gid))
            hb_set_add(f->have, cp);

    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_set_union(hb_subset_input_unicode_set(in), f->have);
    hb_face_t *sub = hb_subset_or_fail(face, in);
    hb_subset_input_destroy(in);
    hb_face_destroy(face);
    hb_face_t *compact = sub ? compact_cmap(sub, f->have) : NULL;
    if (compact) {
        hb_face_destroy(sub);
        sub = compact;
    }
    int rc = sub ? write_subset(f, sub, err)
                 : hr_error_set(err, HR_EFAIL, font_path, 0, NULL, "subsetting the font failed");
    hb_face_destroy(sub);
    f->advance = xmalloc(sizeof(float) * 65536);
    for (int i = 0; i < 65536; i++)
        f->advance[i] = -1;
    if (rc) {
        font_close(f);
        return rc;
    }
    *out = f;
    return HR_OK;
}

void font_close(render_font *f)
{
    if (!f)
        return;
    if (f->path[0] && f->bytes)
        unlink(f->path);
    hb_font_destroy(f->metrics);
    hb_set_destroy(f->have);
    hb_set_destroy(f->warned);
    free(f->advance);
    free(f);
}

const char *font_subset_path(const render_font *f) { return f->path; }
size_t font_subset_bytes(const render_font *f) { return f->bytes; }

int font_has(const render_font *f, uint32_t cp)
{
    return hb_set_has(f->have, cp);
}

int font_check_text(const render_font *f, const char *text)
{
    size_t len = strlen(text), i = 0;
    int missing = 0;
    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(text + i, len - i, &cp);
        i += (size_t)n;
        if (cp < 0x20 || hb_set_has(f->have, cp))
            continue;
        missing++;
        if (hb_set_has(f->warned, cp))
            continue;
        hb_set_add(f->warned, cp);
        hb_codepoint_t gid;
        int in_font = hb_font_get_nominal_glyph(f->metrics, cp, &gid);
        size_t cut = len < 60 ? len : 60; /* the context, cut at a character boundary */
        while (cut < len && (text[cut] & 0xC0) == 0x80)
            cut--;
        log_warn("render: %s U+%04X '%.*s' (in \"%.*s\"): it prints as a blank",
                 in_font ? "the run's font subset lacks" : "the font has no glyph for", cp, n,
                 text + i - n, (int)cut, text);
    }
    return missing;
}

double font_advance(const render_font *f, uint32_t cp)
{
    if (cp < 65536 && f->advance[cp] >= 0)
        return f->advance[cp];
    double w = 0;
    hb_codepoint_t gid;
    if (hb_set_has(f->have, cp) && hb_font_get_nominal_glyph(f->metrics, cp, &gid))
        w = hb_font_get_glyph_h_advance(f->metrics, gid);
    if (cp < 65536)
        f->advance[cp] = (float)w;
    return w;
}

double font_text_width(const render_font *f, const char *text, double size_pt)
{
    size_t len = strlen(text), i = 0;
    double w = 0;
    while (i < len) {
        uint32_t cp;
        i += (size_t)utf8_decode(text + i, len - i, &cp);
        w += font_advance(f, cp);
    }
    return w * size_pt / 1000.0;
}
