/*
 * mime.h -- an Internet message with attachments (RFC 5322, MIME RFC 2045-
 * 2047, RFC 2231), enough for deliver.c: a UTF-8 text part and files, each
 * base64-encoded, non-ASCII header text as RFC 2047 encoded-words.
 *
 * Everything is appended to a caller-owned strbuf, lines ending in "\n"
 * (sendmail's local convention; it writes CRLF on the wire).
 */
#ifndef HR_MIME_H
#define HR_MIME_H

#include <stddef.h>

#include "pipeline/core/strbuf.h"

/* base64 (RFC 4648) of data; with wrap > 0, a "\n" after every `wrap`
 * output characters and at the end. */
void mime_base64(strbuf *out, const void *data, size_t len, int wrap);

/* Header text: ASCII without specials as is; otherwise RFC 2047
 * "=?UTF-8?B?...?=" words, each at most 75 characters and holding whole
 * UTF-8 characters, separated by "\n " (folding) when there are several. */
void mime_header_text(strbuf *out, const char *utf8);

/* RFC 2231 extended parameter value: UTF-8''%E5%... */
void mime_param_2231(strbuf *out, const char *utf8);

typedef struct mime_attachment {
    const char *file_name; /* UTF-8, as the reader will see it */
    const char *content_type;
    const void *data;
    size_t len;
} mime_attachment;

typedef struct mime_message {
    const char *from_address, *from_name; /* from_name may be NULL */
    const char *to_address, *to_name;     /* to_name may be NULL */
    const char *subject;                  /* UTF-8 */
    const char *body;                     /* UTF-8 text */
    const char *date;                     /* RFC 5322 date */
    const char *message_id;               /* without the angle brackets */
    const mime_attachment *attachments;
    int nattachments;
} mime_message;

/* The whole message: headers, the text part, the attachments. */
void mime_build(strbuf *out, const mime_message *m);

#endif
