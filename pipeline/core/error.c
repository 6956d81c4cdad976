/*
 * error.c -- filling and formatting hr_error values (see error.h).
 */
#include "pipeline/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/msg.h"
#include "pipeline/core/utf8.h"

void hr_error_clear(hr_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

static void copy_text(char *dst, size_t size, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    snprintf(dst, size, "%s", src);
}

int hr_error_vset(hr_error *err, int code, const char *file, long line,
                  const char *field, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    copy_text(err->file, sizeof err->file, file);
    err->line = line;
    copy_text(err->field, sizeof err->field, field);
    vsnprintf(err->message, sizeof err->message, msg_tr(fmt), ap);
    return code;
}

int hr_error_set(hr_error *err, int code, const char *file, long line,
                 const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hr_error_vset(err, code, file, line, field, fmt, ap);
    va_end(ap);
    return code;
}

void hr_error_locate(hr_error *err, const char *file, long line, const char *field)
{
    if (!err)
        return;
    if (file && !err->file[0])
        copy_text(err->file, sizeof err->file, file);
    if (line && !err->line)
        err->line = line;
    if (field && !err->field[0])
        copy_text(err->field, sizeof err->field, field);
}

const char *hr_error_format(const hr_error *err, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    if (err->file[0]) {
        if (err->line > 0)
            n += snprintf(buf + n, size - n, "%s:%ld: ", err->file, err->line);
        else
            n += snprintf(buf + n, size - n, "%s: ", err->file);
    }
    if (n < size && err->field[0])
        n += snprintf(buf + n, size - n, _("field '%s': "), err->field);
    if (n < size)
        snprintf(buf + n, size - n, "%s", err->message[0] ? err->message : _("unknown error"));
    /* one line, without the control characters a name from the data may
     * carry (a BEL, a right-to-left override) */
    if (utf8_needs_clean(buf)) {
        char *copy = strdup(buf); /* may fail: the message then stays as it is */
        if (copy) {
            utf8_clean(buf, size, copy);
            free(copy);
        }
    }
    return buf;
}
