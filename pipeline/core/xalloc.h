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

static inline void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        fputs("hospreport: out of memory\n", stderr);
        abort();
    }
    return q;
}

#endif
