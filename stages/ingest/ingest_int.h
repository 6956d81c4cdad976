/*
 * ingest_int.h -- internals shared by the files of the ingest stage; not a
 * public header (other stages include only ingest.h).
 *
 *   tables.c      the canonical sources of EXPORTS.md: each field's type and
 *                 the column of pipeline/schema/001_core.sql it goes to
 *   profile.c     source profiles (config/profiles/): loading,
 *                 validation against config/schema/profile.xsd, lookup
 *   convert.c     field conversion: date formats, value maps
 *   input.c       the byte source under the CSV reader: reads the file,
 *                 hashes it, checks UTF-8 or transcodes GB18030/GBK
 *   source_xml.c  XML exports through libxml2's streaming reader
 *   batch.c       typing records into batches of typed rows, filled by a
 *                 reader thread while the loader inserts the previous ones
 *   rows_vtab.c   a batch's typed rows as a virtual table, for one
 *                 INSERT ... SELECT per batch
 *   ingest.c      the stage: folder, per-file transaction, manifest,
 *                 replacement, typed insert, quarantine
 */
#ifndef HR_INGEST_INT_H
#define HR_INGEST_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "pipeline/core/digest.h"
#include "pipeline/core/error.h"
#include "pipeline/core/strbuf.h"

/* ---- canonical sources (tables.c) ---- */

typedef enum ingest_type {
    IT_TEXT,     /* any text (names) */
    IT_CODE,     /* non-empty, no leading/trailing space */
    IT_ENUM,     /* stored as given after the value map; validate checks it */
    IT_DATE,     /* stored YYYY-MM-DD */
    IT_DATETIME, /* stored YYYY-MM-DD HH:MM:SS */
    IT_MONTH,    /* stored YYYY-MM */
    IT_MONEY,    /* stored as integer cents */
    IT_INT,      /* non-negative integer */
    IT_DECIMAL   /* non-negative decimal, stored REAL */
} ingest_type;

#define INGEST_MAX_COLUMNS 16

typedef struct ingest_column {
    const char *field;  /* canonical field name (EXPORTS.md) */
    const char *column; /* table column (001_core.sql) */
    ingest_type type;
    int optional;       /* may be empty (stored NULL) */
} ingest_column;

typedef struct ingest_table {
    const char *source; /* canonical source, also the table name */
    const char *file;   /* standard file name */
    const ingest_column *columns;
    int ncolumns;
} ingest_table;

extern const ingest_table ingest_tables[];
extern const int ingest_table_count;

const ingest_table *ingest_table_find(const char *source); /* NULL if unknown */
int ingest_table_column(const ingest_table *t, const char *field); /* -1 if none */
/* How a value of the type is written, for messages ("a date", "YYYY-MM-DD"). */
const char *ingest_type_name(ingest_type type);

/* ---- profiles (profile.c) ---- */

typedef enum profile_encoding { ENC_AUTO, ENC_UTF8, ENC_GB18030, ENC_GBK } profile_encoding;

typedef struct profile_map {
    char *from, *to;
    size_t from_len, to_len;
} profile_map;

typedef struct profile_field {
    int column;      /* index into the table's columns */
    char *header;    /* CSV header, or XML child element holding the value */
    char *attribute; /* XML: attribute of the row element (header is NULL) */
    profile_map *maps;
    int nmaps;
} profile_field;

typedef struct profile_file {
    char *name; /* file name in the folder */
    const ingest_table *table;
    int format_xml;
    char *row_element; /* XML only */
    profile_encoding encoding;
    char delimiter;
    char *date_format, *datetime_format, *month_format; /* NULL = ISO */
    int thousands;                                      /* money with ',' groups */
    /* Limits (bytes; 0 = the default): a field, a CSV record, an XML
     * file; attributes on one XML element. */
    size_t max_field, max_line, max_attributes;
    unsigned long long max_xml;
    profile_field *fields;
    int nfields;
    int field_of_column[INGEST_MAX_COLUMNS]; /* index into fields, -1 unmapped */
    /* SHA-256 over how the file is read -- format, encoding, delimiter,
     * date and number formats, each field's header and value map; not the
     * limits or the profile's name: source_file.read_with. Another value
     * makes the same bytes another load. */
    char read_with[65];
} profile_file;

typedef struct profile {
    char *name;
    char *path;
    profile_file *files;
    int nfiles;
} profile;

/* Loads and validates (schema, then meaning) a profile; the caller frees it
 * with profile_free(). Errors (HR_EINPUT) name the profile file and line. */
int profile_load(const char *path, profile **out, hr_error *err);
void profile_free(profile *p);
const profile_file *profile_find_file(const profile *p, const char *name);
const char *profile_encoding_name(profile_encoding e);

/* ---- conversion (convert.c) ---- */

/* Reads `s` written in `format` (tokens YYYY MM DD HH mm ss, other
 * characters literal; NULL = the ISO form of the type) and writes the ISO
 * form of `type` (IT_DATE, IT_DATETIME or IT_MONTH) into out (>= 20 bytes,
 * NUL-terminated). A datetime format without seconds gives ":00". Returns
 * the length written, or -1 if s is not of the format or not a real date. */
int convert_temporal(const char *format, ingest_type type, const char *s, size_t len,
                     char out[20]);
/* Checks a format: 0 if usable for the type, -1 otherwise. */
int convert_format_check(const char *format, ingest_type type);
/* Applies a field's value map: points *s and *len at the mapped value when
 * the text is a `from`; leaves them unchanged otherwise. */
void convert_map(const profile_field *f, const char **s, size_t *len);

/* ---- the byte source (input.c) ---- */

typedef struct ingest_input ingest_input;

/* Opens path for reading as `enc`. The input hashes every byte it reads
 * (SHA-256 of the file as stored) and counts the file's size. Frees with
 * ingest_input_close(). */
ingest_input *ingest_input_open(const char *path, profile_encoding enc, hr_error *err);
void ingest_input_close(ingest_input *in);
/* csv_read_fn: fills buf with UTF-8 text (checked or transcoded). */
ssize_t ingest_input_read(void *ctx, char *buf, size_t cap, hr_error *err);
/* Raw bytes for a parser that does its own decoding (XML): hashed, not
 * checked or converted. */
ssize_t ingest_input_read_raw(ingest_input *in, char *buf, size_t cap, hr_error *err);
/* After the whole file was read: its digest and size. */
void ingest_input_finish(ingest_input *in, char hex[DIGEST_HEX_SIZE], uint64_t *size);
/* The encoding used: declared, or detected when ENC_AUTO. */
profile_encoding ingest_input_encoding(const ingest_input *in);
/* The encoding a UTF-16/UTF-32 byte order mark at the start of s names
 * ("UTF-16LE"), or NULL. */
const char *ingest_bom_encoding(const unsigned char *s, size_t len);
/* What a file that is not a regular file is ("a FIFO (named pipe)", "a
 * character device", ...), or NULL for a regular file. */
struct stat;
const char *ingest_not_regular(const struct stat *st);
/* Checks a whole buffer is UTF-8 (for tests and detection); 1 if it is. */
int ingest_utf8_valid(const unsigned char *s, size_t len, size_t *bad_at);

/* ---- one record, whatever the file format ---- */

/* The values of one record by table column (NULL/0 = column absent), the
 * record as it stood in the file (for quarantine) and its line. Views stay
 * valid until the next record is read. */
typedef struct ingest_row {
    const char *value[INGEST_MAX_COLUMNS];
    size_t len[INGEST_MAX_COLUMNS];
    const char *raw;
    size_t raw_len;
    long line;
} ingest_row;

/* ---- XML exports (source_xml.c) ---- */

typedef struct xml_source xml_source;

/* Streams the file behind `in` (which it reads raw and which stays the
 * caller's) with xmlTextReader: no network, no DTD loading, no entity
 * substitution, and a DOCTYPE that declares entities is refused. */
xml_source *xml_source_open(ingest_input *in, const char *path, const profile_file *pf,
                            hr_error *err);
/* 1: a record in *row; 0: end; -1: error (err names file and line). */
int xml_source_next(xml_source *x, ingest_row *row, hr_error *err);
void xml_source_close(xml_source *x);

/* ---- typed rows in batches (batch.c) ---- */

#define INGEST_BATCH_ROWS 2048

typedef enum typed_kind { TV_NULL, TV_INT, TV_REAL, TV_TEXT } typed_kind;

/* One field after typing: NULL, an integer (money in cents), a real, or
 * text at `off` in the batch's text (len bytes, not NUL-terminated). */
typedef struct typed_value {
    typed_kind kind;
    int len;
    union {
        int64_t i;
        double d;
        size_t off;
    } u;
} typed_value;

/* Between the English and the Chinese message of a rejected value, in a
 * batch's text. */
#define INGEST_MSG_SEP '\x1f'

/* One record of a batch. bad_column -1: typed, its values are in the
 * batch. Otherwise rejected by that column: bad_rule ("required", "type"),
 * the message (NUL-terminated) and the record as it stood in the file are
 * in the batch's text. */
typedef struct batch_row {
    long line;
    int bad_column;
    const char *bad_rule;
    size_t msg_off, raw_off, raw_len;
} batch_row;

typedef struct row_batch {
    int nrows;
    batch_row rows[INGEST_BATCH_ROWS];
    typed_value *values; /* nrows x the table's ncolumns, row-major */
    strbuf text;
    int last;            /* no batch follows this one */
    int rc;              /* when last: HR_OK at end of input, or the error in err */
    hr_error err;
} row_batch;

/* Types a record into the batch (which must have room): its values, or
 * the reason it is rejected. Copies what it keeps; `row` may go after. */
void batch_add_row(const profile_file *pf, row_batch *b, const ingest_row *row);

/* A source of records: 1 a record in *row, 0 end, -1 error (err set). */
typedef int (*row_source_fn)(void *ctx, ingest_row *row, hr_error *err);

/* Sees each batch once it is filled, on the thread that filled it (not
 * the last batch of a file that failed). */
typedef void (*row_tap_fn)(void *ctx, const row_batch *b);

/* Reads records from `next` into batches typed for pf. threaded: on a
 * reader thread of its own, which then alone uses `next`, `tap` and
 * whatever ctx and tap_ctx reach until row_pipe_stop() returns; otherwise
 * (or if no thread can be started) each row_pipe_next() fills a batch on
 * the calling thread. tap may be NULL. */
typedef struct row_pipe row_pipe;
row_pipe *row_pipe_start(const profile_file *pf, row_source_fn next, void *ctx, int threaded,
                         row_tap_fn tap, void *tap_ctx);
/* The next batch in file order (waits for it); NULL after the last one.
 * The batch stays the caller's until row_pipe_done(). */
row_batch *row_pipe_next(row_pipe *p);
void row_pipe_done(row_pipe *p, row_batch *b);
/* Stops the reader (wherever it is), waits for it, frees the batches. */
void row_pipe_stop(row_pipe *p);

/* ---- a batch as a virtual table (rows_vtab.c) ---- */

/* What `ingest_rows` shows: the typed rows of `batch` (NULL: no rows),
 * which has ncolumns values per row. The caller owns it and points batch
 * at each batch before stepping a statement that reads ingest_rows. */
typedef struct rows_vtab_source {
    const row_batch *batch;
    int ncolumns;
} rows_vtab_source;

/* Registers the eponymous virtual table `ingest_rows` on db, showing *src;
 * src must stay valid until rows_vtab_unregister(). Returns an SQLite
 * result code. */
int rows_vtab_register(sqlite3 *db, const rows_vtab_source *src);
/* Removes it (statements that read it must be finalized first). */
void rows_vtab_unregister(sqlite3 *db);

#endif
