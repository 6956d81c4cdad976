/*
 * mime.c -- building a MIME message with attachments (see mime.h).
 */
#include "stages/deliver/mime.h"

#include <stdio.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mime_base64(strbuf *out, const void *data, size_t len, int wrap)
{
    const unsigned char *p = data;
    int col = 0;
    sb_grow(out, len / 3 * 4 + len / 57 + 8);
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63],
                     i + 1 < len ? b64[(v >> 6) & 63] : '=', i + 2 < len ? b64[v & 63] : '='};
        sb_add(out, q, 4);
        col += 4;
        if (wrap > 0 && col >= wrap) {
            sb_addch(out, '\n');
            col = 0;
        }
    }
    if (wrap > 0 && col > 0)
        sb_addch(out, '\n');
}

static int needs_encoding(const char *s)
{
    if (!*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80 || *p < 0x20 || strchr("\"=?()<>@,;:\\[]", *p))
            return 1;
    return 0;
}

/* The length of the UTF-8 character starting with byte c. */
static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

void mime_header_text(strbuf *out, const char *utf8)
{
    if (!needs_encoding(utf8)) {
        sb_addstr(out, utf8);
        return;
    }
    /* 45 bytes -> 60 base64 characters, + "=?UTF-8?B?" "?=" = 72 <= 75 */
    enum { CHUNK = 45 };
    size_t len = strlen(utf8);
    int first = 1;
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        while (i + n < len) {
            size_t c = utf8_len((unsigned char)utf8[i + n]);
            if (n + c > CHUNK)
                break;
            n += c;
        }
        if (n == 0) /* a broken sequence longer than a chunk: cut it */
            n = len - i < CHUNK ? len - i : CHUNK;
        if (i + n > len)
            n = len - i;
        sb_addstr(out, first ? "=?UTF-8?B?" : "\n =?UTF-8?B?");
        mime_base64(out, utf8 + i, n, 0);
        sb_addstr(out, "?=");
        first = 0;
        i += n;
    }
}

void mime_param_2231(strbuf *out, const char *utf8)
{
    sb_addstr(out, "UTF-8''");
    for (const unsigned char *p = (const unsigned char *)utf8; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p))
            sb_addch(out, (char)*p);
        else
            sb_addf(out, "%%%02X", *p);
    }
}

static void address_header(strbuf *out, const char *field, const char *name, const char *addr)
{
    sb_addf(out, "%s: ", field);
    if (name && *name) {
        if (needs_encoding(name))
            mime_header_text(out, name);
        else
            sb_addf(out, "\"%s\"", name);
        sb_addf(out, " <%s>\n", addr);
    } else {
        sb_addf(out, "%s\n", addr);
    }
}

void mime_build(strbuf *out, const mime_message *m)
{
    char boundary[96];
    /* "=_" cannot occur in base64 or in the text part's encoding */
    size_t idlen = strcspn(m->message_id, ".@");
    snprintf(boundary, sizeof boundary, "=_hospreport_%.*s", (int)(idlen > 40 ? 40 : idlen),
             m->message_id);
    address_header(out, "From", m->from_name, m->from_address);
    address_header(out, "To", m->to_name, m->to_address);
    sb_addstr(out, "Subject: ");
    mime_header_text(out, m->subject);
    sb_addf(out, "\nDate: %s\nMessage-ID: <%s>\nMIME-Version: 1.0\n", m->date, m->message_id);
    sb_addf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", boundary);
    sb_addstr(out, "This is a message in MIME format.\n");
    sb_addf(out, "\n--%s\nContent-Type: text/plain; charset=UTF-8\n"
                 "Content-Transfer-Encoding: base64\n\n",
            boundary);
    mime_base64(out, m->body, strlen(m->body), 76);
    for (int i = 0; i < m->nattachments; i++) {
        const mime_attachment *a = &m->attachments[i];
        sb_addf(out, "\n--%s\nContent-Type: %s;\n name=\"", boundary, a->content_type);
        mime_header_text(out, a->file_name);
        sb_addstr(out, "\"\nContent-Disposition: attachment;\n filename=\"");
        mime_header_text(out, a->file_name);
        sb_addstr(out, "\";\n filename*=");
        mime_param_2231(out, a->file_name);
        sb_addstr(out, "\nContent-Transfer-Encoding: base64\n\n");
        mime_base64(out, a->data, a->len, 76);
    }
    sb_addf(out, "\n--%s--\n", boundary);
}
