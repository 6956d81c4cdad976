/*
 * pdffix.c -- a real /ToUnicode CMap in place of libharu's: see pdffix.h.
 *
 * libharu 2.3.0 writes a classic PDF: objects, then one xref table of
 * fixed 20-byte entries, the trailer and `startxref`. The object that
 * /ToUnicode names is found through that table (it ends where the next
 * object begins), replaced, and every offset after it moved by the
 * difference. Anything not laid out so is left untouched: a PDF with
 * libharu's CMap still reads, one broken by a wrong guess would not.
 */
#include "stages/render/pdffix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"

static const char *find(const char *hay, size_t len, const char *needle)
{
    return memmem(hay, len, needle, strlen(needle));
}

/* Parses the decimal number at p (within end); -1 if none. */
static long long number_at(const char *p, const char *end, const char **after)
{
    long long v = 0;
    const char *q = p;
    while (q < end && *q >= '0' && *q <= '9' && q - p < 15)
        v = v * 10 + (*q++ - '0');
    if (after)
        *after = q;
    return q == p ? -1 : v;
}

static void tounicode_cmap(strbuf *sb, const unsigned char blocks[256])
{
    int n = 0;
    for (int b = 0; b < 256; b++)
        n += blocks[b] && !(b >= 0xD8 && b <= 0xDF); /* no surrogates */
    sb_addstr(sb, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                  "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                  "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                  "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    int in_chunk = 0;
    for (int b = 0; b < 256; b++) {
        if (!blocks[b] || (b >= 0xD8 && b <= 0xDF))
            continue;
        if (in_chunk == 0)
            sb_addf(sb, "%d beginbfrange\n", n > 100 ? 100 : n);
        sb_addf(sb, "<%02X00> <%02XFF> <%02X00>\n", b, b, b);
        n--;
        if (++in_chunk == 100 || n == 0) {
            sb_addstr(sb, "endbfrange\n");
            in_chunk = 0;
        }
    }
    sb_addstr(sb, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
}

int pdf_fix_tounicode_mem(const char *pdf, size_t len, const unsigned char blocks[256],
                          char **out, size_t *out_len)
{
    const char *end = pdf + len;
    /* the trailer: startxref, then the table it points at */
    const char *sx = NULL;
    for (const char *p = pdf; (p = find(p, (size_t)(end - p), "startxref")) != NULL; p += 9)
        sx = p;
    if (!sx)
        return 0;
    const char *q = sx + 9;
    while (q < end && (*q == '\r' || *q == '\n' || *q == ' '))
        q++;
    long long xref_off = number_at(q, end, NULL);
    if (xref_off <= 0 || (size_t)xref_off >= len || strncmp(pdf + xref_off, "xref", 4) != 0)
        return 0;
    q = pdf + xref_off + 4;
    while (q < end && (*q == '\r' || *q == '\n'))
        q++;
    long long first = number_at(q, end, &q);
    if (first != 0 || q >= end || *q != ' ')
        return 0;
    long long size = number_at(q + 1, end, &q);
    while (q < end && (*q == '\r' || *q == '\n' || *q == ' '))
        q++;
    const char *entries = q;
    if (size <= 0 || entries + 20 * size > sx)
        return 0;
    /* the object /ToUnicode names, and libharu's signature in it */
    const char *tu = find(pdf, len, "/ToUnicode ");
    if (!tu)
        return 0;
    long long obj = number_at(tu + 11, end, &q);
    if (obj <= 0 || obj >= size || strncmp(q, " 0 R", 4) != 0)
        return 0;
    long long start = number_at(entries + 20 * obj, end, NULL), stop = xref_off;
    for (long long i = 0; i < size; i++) {
        const char *e = entries + 20 * i;
        long long off = number_at(e, end, NULL);
        if (e[17] == 'n' && off > start && off < stop)
            stop = off;
    }
    char head[32];
    int hl = snprintf(head, sizeof head, "%lld 0 obj", obj);
    if (start <= 0 || start >= stop || strncmp(pdf + start, head, (size_t)hl) != 0)
        return 0;
    const char *old = pdf + start;
    size_t old_len = (size_t)(stop - start);
    const char *stream = find(old, old_len, "stream");
    if (!stream || !find(old, (size_t)(stream - old), "/Type /CMap") ||
        !find(old, (size_t)(stream - old), "/Ordering (Identity-H)"))
        return 0;

    strbuf cmap = STRBUF_INIT, o = STRBUF_INIT;
    tounicode_cmap(&cmap, blocks);
    sb_add(&o, pdf, (size_t)start);
    sb_addf(&o, "%s\n<<\n/Length %zu\n>>\nstream\n", head, cmap.len);
    sb_add(&o, cmap.buf, cmap.len);
    sb_addstr(&o, "endstream\nendobj\n");
    long long delta = (long long)o.len - stop;
    sb_add(&o, pdf + stop, (size_t)(sx - (pdf + stop)));
    /* offsets after the object move by delta (fixed-width entries) */
    char *table = o.buf + (entries - pdf) + delta;
    for (long long i = 0; i < size; i++) {
        char *e = table + 20 * i;
        long long off = number_at(e, e + 10, NULL);
        if (e[17] == 'n' && off > start) {
            char num[24];
            long long moved = off + delta;
            if (moved < 0 || moved > 9999999999LL) { /* an xref entry has 10 digits */
                sb_release(&o);
                sb_release(&cmap);
                return 0;
            }
            snprintf(num, sizeof num, "%010lld", moved);
            memcpy(e, num, 10);
        }
    }
    sb_addf(&o, "startxref\n%lld\n%%%%EOF\n", xref_off + delta);
    sb_release(&cmap);
    *out_len = o.len;
    *out = sb_detach(&o, NULL);
    return 1;
}

int pdf_fix_tounicode(const char *path, const unsigned char blocks[256], hr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot read: %s", strerror(errno));
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&sb, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        sb_release(&sb);
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot read: %s", strerror(errno));
    }
    char *fixed = NULL;
    size_t fixed_len = 0;
    int rc = HR_OK;
    if (pdf_fix_tounicode_mem(sb.buf, sb.len, blocks, &fixed, &fixed_len)) {
        f = fopen(path, "wb");
        int ok = f && fwrite(fixed, 1, fixed_len, f) == fixed_len;
        if (f && fclose(f) != 0)
            ok = 0;
        if (!ok)
            rc = hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot write: %s",
                              strerror(errno));
        free(fixed);
    }
    sb_release(&sb);
    return rc;
}
