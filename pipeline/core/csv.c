/*
 * csv.c -- streaming RFC 4180 reader (see csv.h).
 *
 * The buffer holds [start, end): `start` is where the current record
 * begins. csv_next() parses from `start`; if the record runs past the bytes
 * read so far and the source is not exhausted, it moves the partial record
 * to the front, reads more and parses the record again from its beginning.
 * Records are short next to the 1 MiB buffer, so re-parsing is rare.
 */
#include "pipeline/core/csv.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"

#define CSV_CHUNK (1u << 20)

struct csv_reader {
    csv_read_fn read;
    void *ctx;
    int fd;             /* >= 0 when we opened the file */
    const char *mem;    /* memory source */
    size_t mem_len, mem_pos;
    char *name;
    char delimiter;
    char *buf;
    size_t cap, start, end;
    int eof;            /* source exhausted */
    int first;          /* BOM check pending */
    long line;          /* physical line of the next unread byte */
    long record_line;
    unsigned long long consumed;
    const char *raw;
    size_t raw_len;
    csv_field *fields;
    size_t nfields, fields_cap;
    size_t expected;
    size_t max_field, max_record; /* limits, bytes */
    char **header;      /* column names for messages (csv_name_columns) */
    size_t nheader;
    strbuf scratch;
    size_t *scratch_off; /* quoted fields: offsets into scratch, fixed up at end */
};

static ssize_t read_fd(void *ctx, char *buf, size_t cap, hr_error *err)
{
    csv_reader *r = ctx;
    for (;;) {
        ssize_t n = read(r->fd, buf, cap);
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            hr_error_set(err, HR_EINPUT, r->name, 0, NULL, "cannot read: %s", strerror(errno));
            return -1;
        }
    }
}

static ssize_t read_mem(void *ctx, char *buf, size_t cap, hr_error *err)
{
    (void)err;
    csv_reader *r = ctx;
    size_t n = r->mem_len - r->mem_pos;
    if (n > cap)
        n = cap;
    memcpy(buf, r->mem + r->mem_pos, n);
    r->mem_pos += n;
    return (ssize_t)n;
}

csv_reader *csv_open_source(csv_read_fn read, void *ctx, const char *name,
                            char delimiter, hr_error *err)
{
    (void)err;
    csv_reader *r = xcalloc(1, sizeof *r);
    r->read = read;
    r->ctx = ctx;
    r->fd = -1;
    r->name = xstrdup(name ? name : "(input)");
    r->delimiter = delimiter ? delimiter : ',';
    r->cap = CSV_CHUNK;
    r->buf = xmalloc(r->cap + 1);
    r->first = 1;
    r->line = 1;
    r->max_field = CSV_MAX_FIELD_DEFAULT;
    r->max_record = CSV_MAX_RECORD_DEFAULT;
    sb_init(&r->scratch);
    return r;
}

csv_reader *csv_open_file(const char *path, char delimiter, hr_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        hr_error_set(err, HR_EINPUT, path, 0, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    csv_reader *r = csv_open_source(read_fd, NULL, path, delimiter, err);
    r->ctx = r;
    r->fd = fd;
    return r;
}

csv_reader *csv_open_memory(const char *data, size_t len, const char *name,
                            char delimiter, hr_error *err)
{
    csv_reader *r = csv_open_source(read_mem, NULL, name, delimiter, err);
    r->ctx = r;
    r->mem = data;
    r->mem_len = len;
    return r;
}

void csv_close(csv_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->name);
    free(r->buf);
    free(r->fields);
    free(r->scratch_off);
    for (size_t i = 0; i < r->nheader; i++)
        free(r->header[i]);
    free(r->header);
    sb_release(&r->scratch);
    free(r);
}

/* Moves the unparsed tail to the front and reads more. 1 if bytes were
 * added, 0 at end of input, -1 on error. */
/* The window of unparsed bytes lies inside the buffer (which has one byte
 * more than cap, for a terminating NUL). */
#define WINDOW_OK(r) ((r)->start <= (r)->end && (r)->end <= (r)->cap)

static int fill(csv_reader *r, hr_error *err)
{
    assert(WINDOW_OK(r));
    if (r->eof)
        return 0;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        r->cap *= 2;
        r->buf = xrealloc(r->buf, r->cap + 1);
    }
    ssize_t n = r->read(r->ctx, r->buf + r->end, r->cap - r->end, err);
    if (n < 0)
        return -1;
    if (n == 0) {
        r->eof = 1;
        return 0;
    }
    assert((size_t)n <= r->cap - r->end); /* a source returns at most cap bytes */
    r->end += (size_t)n;
    if (r->first && r->end >= 3) {
        r->first = 0;
        if ((unsigned char)r->buf[0] == 0xEF && (unsigned char)r->buf[1] == 0xBB &&
            (unsigned char)r->buf[2] == 0xBF)
            r->start = 3, r->consumed = 3;
    }
    return 1;
}

static void push_field(csv_reader *r, const char *data, size_t len, int quoted,
                       size_t scratch_off)
{
    if (r->nfields == r->fields_cap) {
        r->fields_cap = r->fields_cap ? r->fields_cap * 2 : 32;
        r->fields = xrealloc(r->fields, r->fields_cap * sizeof *r->fields);
        r->scratch_off = xrealloc(r->scratch_off, r->fields_cap * sizeof *r->scratch_off);
    }
    assert(r->nfields < r->fields_cap);
    r->fields[r->nfields].data = data;
    r->fields[r->nfields].len = len;
    r->fields[r->nfields].quoted = quoted;
    r->scratch_off[r->nfields] = scratch_off;
    r->nfields++;
}

enum parse_result { PARSED, NEED_MORE, BAD };

/* The name of field i (0-based) for messages: its header when
 * csv_name_columns() was called, else "field N". */
static const char *field_label(const csv_reader *r, size_t i, char *buf, size_t size)
{
    if (i < r->nheader)
        return r->header[i];
    snprintf(buf, size, "field %zu", i + 1);
    return buf;
}

static enum parse_result fail_nul(csv_reader *r, long line, hr_error *err)
{
    char buf[32];
    const char *label = field_label(r, r->nfields, buf, sizeof buf);
    hr_error_set(err, HR_EINPUT, r->name, line, label,
                 "a NUL byte (\\0) in %s: a text export may not contain NUL bytes (is the file "
                 "binary, or UTF-16/UTF-32?)",
                 label);
    return BAD;
}

static enum parse_result fail_long_field(csv_reader *r, long line, hr_error *err)
{
    char buf[32];
    const char *label = field_label(r, r->nfields, buf, sizeof buf);
    hr_error_set(err, HR_EINPUT, r->name, line, label,
                 "%s is longer than the limit of %zu bytes (max-field-bytes in the profile)",
                 label, r->max_field);
    return BAD;
}

static enum parse_result fail_long_record(csv_reader *r, hr_error *err)
{
    hr_error_set(err, HR_EINPUT, r->name, r->record_line, NULL,
                 "a record longer than the limit of %zu bytes (max-line-bytes in the profile)",
                 r->max_record);
    return BAD;
}

/* A line end starts at p: "\n", "\r\n" or a lone "\r". */
static int is_eol(char c) { return c == '\n' || c == '\r'; }

/* Parses one record starting at r->start. On PARSED, sets the fields, raw
 * view, and advances start/line past the record and its line end. Line ends
 * are LF, CRLF or a lone CR (classic Mac OS, Excel's "CSV (Macintosh)"),
 * each one physical line. */
static enum parse_result parse_record(csv_reader *r, hr_error *err)
{
    const char *b = r->buf, *p = b + r->start, *e = b + r->end;
    const char d = r->delimiter;
    long newlines = 0;
    r->nfields = 0;
    sb_reset(&r->scratch);

    for (;;) {
        if (p < e && *p == '"') {
            /* Quoted field: copy into scratch, undoubling quotes. */
            size_t off = r->scratch.len;
            p++;
            for (;;) {
                const char *q = memchr(p, '"', (size_t)(e - p));
                const char *seg_end = q ? q : e;
                for (const char *s = p; s < seg_end; s++) {
                    if (*s == '\n')
                        newlines++;
                    else if (*s == '\r' && (s + 1 == seg_end || s[1] != '\n'))
                        newlines++; /* a lone CR */
                    else if (*s == '\0')
                        return fail_nul(r, r->record_line + newlines, err);
                }
                sb_add(&r->scratch, p, (size_t)(seg_end - p));
                if (r->scratch.len - off > r->max_field)
                    return fail_long_field(r, r->record_line, err);
                if (!q)
                    return NEED_MORE;
                if (q + 1 == e && !r->eof)
                    return NEED_MORE; /* a doubled quote may follow */
                if (q + 1 < e && q[1] == '"') {
                    sb_addch(&r->scratch, '"');
                    p = q + 2;
                    continue;
                }
                p = q + 1;
                break;
            }
            push_field(r, NULL, r->scratch.len - off, 1, off);
        } else {
            const char *s = p;
            while (p < e && *p != d && !is_eol(*p) && *p != '"' && *p != '\0')
                p++;
            if (p < e && *p == '"') {
                hr_error_set(err, HR_EINPUT, r->name, r->record_line + newlines, NULL,
                             "a quote inside an unquoted field (quote the whole field and double the quote)");
                return BAD;
            }
            if (p < e && *p == '\0')
                return fail_nul(r, r->record_line + newlines, err);
            if ((size_t)(p - s) > r->max_field)
                return fail_long_field(r, r->record_line + newlines, err);
            if (p == e && !r->eof)
                return NEED_MORE;
            push_field(r, s, (size_t)(p - s), 0, 0);
        }
        /* After a field: delimiter, line end or end of input. */
        if (p == e) {
            if (!r->eof)
                return NEED_MORE;
            break;
        }
        if (*p == d) {
            p++;
            if (p == e && !r->eof)
                return NEED_MORE;
            if (p == e) { /* trailing delimiter at EOF: one more empty field */
                push_field(r, p, 0, 0, 0);
                break;
            }
            continue;
        }
        if (*p == '\r') {
            if (p + 1 == e && !r->eof)
                return NEED_MORE; /* CRLF or a lone CR: the next byte says */
            p++;
            if (p < e && *p == '\n')
                p++;
            newlines++;
            break;
        }
        if (*p == '\n') {
            p++;
            newlines++;
            break;
        }
        if (*p == '\0')
            return fail_nul(r, r->record_line + newlines, err);
        hr_error_set(err, HR_EINPUT, r->name, r->record_line + newlines, NULL,
                     "unexpected character '%c' after a closing quote", *p);
        return BAD;
    }

    if ((size_t)(p - (b + r->start)) > r->max_record)
        return fail_long_record(r, err);
    /* Raw view: the record without its line end. */
    const char *raw_end = p;
    if (raw_end > b + r->start && raw_end[-1] == '\n')
        raw_end--;
    if (raw_end > b + r->start && raw_end[-1] == '\r')
        raw_end--;
    r->raw = b + r->start;
    r->raw_len = (size_t)(raw_end - r->raw);
    r->consumed += (unsigned long long)(p - (b + r->start));
    r->start = (size_t)(p - b);
    r->line = r->record_line + newlines;
    /* Quoted fields point into scratch, which may have moved while growing. */
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].quoted)
            r->fields[i].data = r->scratch.buf + r->scratch_off[i];
    /* What csv.h promises of a record: every field within the limit, and
     * a view into the read buffer (unquoted) or the scratch (quoted); the
     * raw record within the buffer and the record limit. */
    assert(WINDOW_OK(r) && r->raw_len <= r->max_record && r->raw + r->raw_len <= b + r->end);
    for (size_t i = 0; i < r->nfields; i++) {
        const csv_field *f = &r->fields[i];
        assert(f->len <= r->max_field);
        assert(f->quoted ? r->scratch_off[i] + f->len <= r->scratch.len
                         : f->data >= b && f->data + f->len <= b + r->end);
    }
    return PARSED;
}

int csv_next(csv_reader *r, hr_error *err)
{
    for (;;) {
        /* Skip blank lines. */
        for (;;) {
            if (r->start == r->end || r->first) {
                int f = fill(r, err);
                if (f < 0)
                    return -1;
                if (r->first && r->eof)
                    r->first = 0;
                if (f == 0 && r->start == r->end)
                    return 0;
                if (f > 0)
                    continue;
            }
            char c = r->buf[r->start];
            if (c == '\n') {
                r->start++, r->line++, r->consumed++;
                continue;
            }
            if (c == '\r') {
                if (r->start + 1 == r->end && !r->eof) {
                    if (fill(r, err) < 0)
                        return -1;
                    continue;
                }
                /* CRLF or a lone CR: one blank line either way. */
                size_t n = r->start + 1 < r->end && r->buf[r->start + 1] == '\n' ? 2 : 1;
                r->start += n, r->line++, r->consumed += n;
                continue;
            }
            break;
        }
        r->record_line = r->line;
        enum parse_result res = parse_record(r, err);
        if (res == PARSED)
            break;
        if (res == BAD)
            return -1;
        if (r->end - r->start > r->max_record) {
            fail_long_record(r, err);
            return -1;
        }
        int f = fill(r, err);
        if (f < 0)
            return -1;
        if (f == 0 && r->eof) {
            /* Input ended inside the record: parse once more knowing it. */
            res = parse_record(r, err);
            if (res == PARSED)
                break;
            if (res == BAD)
                return -1;
            hr_error_set(err, HR_EINPUT, r->name, r->record_line, NULL,
                         "unterminated quoted field (the file ends inside quotes)");
            return -1;
        }
    }
    if (r->expected && r->nfields != r->expected) {
        hr_error_set(err, HR_EINPUT, r->name, r->record_line, NULL,
                     "expected %zu fields, found %zu", r->expected, r->nfields);
        return -1;
    }
    assert(r->nfields > 0 && r->record_line >= 1 && r->line >= r->record_line);
    return 1;
}

size_t csv_count(const csv_reader *r) { return r->nfields; }
const csv_field *csv_fields(const csv_reader *r) { return r->fields; }
long csv_line(const csv_reader *r) { return r->record_line; }
const char *csv_name(const csv_reader *r) { return r->name; }
void csv_expect_fields(csv_reader *r, size_t n) { r->expected = n; }

void csv_set_limits(csv_reader *r, size_t max_field, size_t max_record)
{
    if (max_field)
        r->max_field = max_field;
    if (max_record)
        r->max_record = max_record;
}

void csv_name_columns(csv_reader *r)
{
    for (size_t i = 0; i < r->nheader; i++)
        free(r->header[i]);
    free(r->header);
    r->nheader = r->nfields;
    r->header = r->nheader ? xcalloc(r->nheader, sizeof *r->header) : NULL;
    for (size_t i = 0; i < r->nheader; i++) {
        r->header[i] = xmalloc(r->fields[i].len + 1);
        memcpy(r->header[i], r->fields[i].data, r->fields[i].len);
        r->header[i][r->fields[i].len] = '\0';
    }
}
unsigned long long csv_bytes_read(const csv_reader *r) { return r->consumed; }

const char *csv_raw(const csv_reader *r, size_t *len)
{
    *len = r->raw_len;
    return r->raw;
}

void csv_add_field(strbuf *sb, const char *v)
{
    if (!v)
        return;
    if (!strpbrk(v, ",\"\r\n")) {
        sb_addstr(sb, v);
        return;
    }
    sb_addch(sb, '"');
    for (; *v; v++) {
        if (*v == '"')
            sb_addch(sb, '"');
        sb_addch(sb, *v);
    }
    sb_addch(sb, '"');
}

void csv_put_field(FILE *f, const char *v)
{
    if (!v || !strpbrk(v, ",\"\r\n")) {
        fputs(v ? v : "", f);
        return;
    }
    strbuf sb = STRBUF_INIT;
    csv_add_field(&sb, v);
    fputs(sb.buf, f);
    sb_release(&sb);
}
