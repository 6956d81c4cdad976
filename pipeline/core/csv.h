/*
 * csv.h -- a streaming RFC 4180 reader.
 *
 * Reads one record at a time from a byte source through a large buffer, so
 * memory does not grow with file size. Handles quoted fields, doubled
 * quotes, delimiters and newlines inside quotes, a UTF-8 byte order mark,
 * LF, CRLF and lone CR line ends (each one physical line, mixed or not),
 * empty fields and a last line without a newline. Blank lines are skipped.
 * Errors name the physical line where the record starts: an unterminated
 * quote, a character after a closing quote, a NUL byte anywhere (text
 * exports never hold one; the message names the field), a field longer
 * than the field limit or a record longer than the record limit (so that
 * /dev/zero or a file of one endless field cannot exhaust memory), and --
 * once csv_expect_fields() has been called -- a record with the wrong
 * number of fields.
 *
 * Fields are (pointer, length) views valid until the next csv_next() call;
 * they are not NUL-terminated. Unquoted fields point into the read buffer,
 * quoted ones into a scratch buffer, so csv_raw() still returns the record
 * exactly as it stood in the file (for quarantine).
 *
 * The reader owns its buffers; csv_close() frees them and closes a file it
 * opened. It does not convert encodings: give it a source that yields UTF-8
 * (see csv_open_source()).
 */
#ifndef HR_CSV_H
#define HR_CSV_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "pipeline/core/error.h"
#include "pipeline/core/strbuf.h"

typedef struct csv_reader csv_reader;

typedef struct csv_field {
    const char *data;
    size_t len;
    int quoted; /* 1 if the field was quoted in the file */
} csv_field;

/* A byte source: fills buf with up to cap bytes, returns the count, 0 at end,
 * or -1 after setting err. */
typedef ssize_t (*csv_read_fn)(void *ctx, char *buf, size_t cap, hr_error *err);

/* Opens a file for reading; `name` in errors is the path. NULL on error. */
csv_reader *csv_open_file(const char *path, char delimiter, hr_error *err);
/* Reads from a caller-owned memory block (it must outlive the reader). */
csv_reader *csv_open_memory(const char *data, size_t len, const char *name,
                            char delimiter, hr_error *err);
/* Reads from any byte source; ctx stays the caller's. `name` is copied. */
csv_reader *csv_open_source(csv_read_fn read, void *ctx, const char *name,
                            char delimiter, hr_error *err);
void csv_close(csv_reader *r);

/* Advances to the next record: returns 1 when a record was read, 0 at end of
 * input, -1 on error (err set with the file name and line). */
int csv_next(csv_reader *r, hr_error *err);

size_t csv_count(const csv_reader *r);                 /* fields in the record */
const csv_field *csv_fields(const csv_reader *r);      /* csv_count() of them */
long csv_line(const csv_reader *r);                    /* line where it starts */
const char *csv_raw(const csv_reader *r, size_t *len); /* record bytes, no EOL */
const char *csv_name(const csv_reader *r);

/* From now on, a record with another number of fields is an error. */
void csv_expect_fields(csv_reader *r, size_t n);

/* Limits in bytes (0 keeps the current one): a field longer than
 * max_field, or a record longer than max_record, is an error naming its
 * line. */
#define CSV_MAX_FIELD_DEFAULT ((size_t)1 << 20)  /* 1 MiB */
#define CSV_MAX_RECORD_DEFAULT ((size_t)4 << 20) /* 4 MiB */
void csv_set_limits(csv_reader *r, size_t max_field, size_t max_record);

/* Takes the current record (the header) as the column names that errors
 * about a field name, instead of "field N". */
void csv_name_columns(csv_reader *r);

/* Bytes consumed so far (for progress). */
unsigned long long csv_bytes_read(const csv_reader *r);

/* Writing one field (RFC 4180): v as it is, or in double quotes (quotes
 * inside doubled) when it holds a comma, a quote or a line break; NULL is an
 * empty field. csv_add_field appends it to sb, csv_put_field writes it. */
void csv_add_field(strbuf *sb, const char *v);
void csv_put_field(FILE *f, const char *v);

#endif
