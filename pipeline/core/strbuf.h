/*
 * strbuf.h -- a growable, always NUL-terminated byte buffer (after git's
 * strbuf and Redis's sds).
 *
 * Use it wherever text is assembled: SQL, CSV lines, messages, PDF strings.
 * A strbuf is a value the caller owns: initialise it with STRBUF_INIT or
 * sb_init(), free its memory with sb_release(). `buf` is never NULL after
 * init and is always terminated, so it can be passed to C string functions
 * (but may also hold NUL bytes; use `len`). Out of memory aborts: there is
 * no sensible way for a batch report run to go on without memory.
 */
#ifndef HR_STRBUF_H
#define HR_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf;    /* the bytes, NUL-terminated */
    size_t len;   /* bytes used, not counting the NUL */
    size_t alloc; /* bytes allocated, 0 while buf points at the static "" */
} strbuf;

extern char sb_empty[];
#define STRBUF_INIT {sb_empty, 0, 0}

void sb_init(strbuf *sb);
void sb_release(strbuf *sb);           /* frees; sb is reusable after */
void sb_reset(strbuf *sb);             /* length 0, keeps the memory */
void sb_grow(strbuf *sb, size_t extra);/* room for `extra` more bytes */
void sb_add(strbuf *sb, const void *data, size_t len);
void sb_addstr(strbuf *sb, const char *s);
void sb_addch(strbuf *sb, char c);
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(strbuf *sb, const char *fmt, va_list ap);
void sb_setlen(strbuf *sb, size_t len); /* truncate (len <= sb->len) */
/* Hands the bytes over to the caller (free() them); sb is left empty. */
char *sb_detach(strbuf *sb, size_t *len);
/* Removes leading and trailing ASCII white space. */
void sb_trim(strbuf *sb);

/*
 * Fixed buffers. buf_printf formats into buf (size > 3) like snprintf and
 * says whether everything fitted: 0, or -1 when the text was cut, in which
 * case it ends in "…" on a UTF-8 character boundary (a cut message stays
 * readable and valid UTF-8). Use it for messages, where a cut is visible
 * and harmless; a path or key that does not fit is an error: test the -1.
 */
int buf_printf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int buf_vprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
