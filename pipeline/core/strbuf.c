/*
 * strbuf.c -- growable byte buffer (see strbuf.h).
 */
#include "pipeline/core/strbuf.h"

#include "pipeline/core/xalloc.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char sb_empty[1];

/* The invariant of strbuf.h: either the static "" (nothing allocated,
 * nothing held), or len bytes and a NUL within the allocation. */
#define SB_OK(sb)                                                                  \
    ((sb)->alloc ? (sb)->len < (sb)->alloc && (sb)->buf[(sb)->len] == '\0'        \
                 : (sb)->buf == sb_empty && (sb)->len == 0 && sb_empty[0] == '\0')

void sb_init(strbuf *sb)
{
    sb->buf = sb_empty;
    sb->len = 0;
    sb->alloc = 0;
}

void sb_release(strbuf *sb)
{
    if (sb->alloc)
        free(sb->buf);
    sb_init(sb);
}

void sb_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->alloc)
        sb->buf[0] = '\0';
}

void sb_grow(strbuf *sb, size_t extra)
{
    assert(SB_OK(sb));
    assert(extra < SIZE_MAX / 2 - sb->len); /* a length this large is a bug */
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc)
        return;
    size_t alloc = sb->alloc ? sb->alloc : 64;
    while (alloc < need)
        alloc = alloc * 2;
    char *p = xrealloc(sb->alloc ? sb->buf : NULL, alloc);
    if (!sb->alloc)
        p[0] = '\0';
    sb->buf = p;
    sb->alloc = alloc;
    assert(SB_OK(sb));
}

void sb_add(strbuf *sb, const void *data, size_t len)
{
    sb_grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void sb_addstr(strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_addch(strbuf *sb, char c)
{
    sb_grow(sb, 1);
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}

void sb_vaddf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    sb_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
    assert(SB_OK(sb));
}

void sb_addf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(sb, fmt, ap);
    va_end(ap);
}

void sb_setlen(strbuf *sb, size_t len)
{
    assert(SB_OK(sb) && len <= sb->len); /* it truncates, never extends */
    if (len > sb->len)
        len = sb->len;
    sb->len = len;
    if (sb->alloc)
        sb->buf[len] = '\0';
}

char *sb_detach(strbuf *sb, size_t *len)
{
    assert(SB_OK(sb));
    if (!sb->alloc)
        sb_grow(sb, 0);
    char *p = sb->buf;
    if (len)
        *len = sb->len;
    sb_init(sb);
    return p;
}

void sb_trim(strbuf *sb)
{
    size_t start = 0, end = sb->len;
    while (start < end && (sb->buf[start] == ' ' || sb->buf[start] == '\t' ||
                           sb->buf[start] == '\r' || sb->buf[start] == '\n'))
        start++;
    while (end > start && (sb->buf[end - 1] == ' ' || sb->buf[end - 1] == '\t' ||
                           sb->buf[end - 1] == '\r' || sb->buf[end - 1] == '\n'))
        end--;
    if (start)
        memmove(sb->buf, sb->buf + start, end - start);
    sb_setlen(sb, end - start);
}

int buf_vprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    assert(buf && size > 3); /* room for the "…" of a cut */
    int n = vsnprintf(buf, size, fmt, ap);
    if (n >= 0 && (size_t)n < size)
        return 0;
    if (n < 0) { /* an encoding error: nothing usable was written */
        buf[0] = '\0';
        return -1;
    }
    /* Cut: make room for "…" (3 bytes), then back up to the first byte of
     * a character so that no sequence is left half. */
    size_t end = size - 4;
    while (end > 0 && ((unsigned char)buf[end] & 0xC0) == 0x80)
        end--;
    memcpy(buf + end, "\xE2\x80\xA6", 4);
    return -1;
}

int buf_printf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(buf, size, fmt, ap);
    va_end(ap);
    return rc;
}
