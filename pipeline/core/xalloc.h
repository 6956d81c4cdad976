/*
 * xalloc.h -- allocation that cannot return NULL.
 *
 * A batch report run cannot go on without memory, and a NULL that slips
 * through becomes a crash far from its cause: like strbuf, these abort with
 * a message instead. The caller owns (and frees) what they return.
 */
#ifndef HR_XALLOC_H
#define HR_XALLOC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *xalloc_checked(void *p)
{
    if (!p) {
        fputs("hospreport: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* realloc, never NULL; a size of 0 still gives a block (of 1 byte). */
static inline void *xrealloc(void *p, size_t size)
{
    return xalloc_checked(realloc(p, size ? size : 1));
}

static inline void *xmalloc(size_t size) { return xalloc_checked(malloc(size ? size : 1)); }

/* calloc, never NULL: n * size overflowing is out of memory too. */
static inline void *xcalloc(size_t n, size_t size)
{
    return xalloc_checked(calloc(n ? n : 1, size ? size : 1));
}

/* s is a string, never NULL. */
static inline char *xstrdup(const char *s) { return xalloc_checked(strdup(s)); }
/* At most n bytes of s, NUL-terminated. */
static inline char *xstrndup(const char *s, size_t n) { return xalloc_checked(strndup(s, n)); }

#endif
