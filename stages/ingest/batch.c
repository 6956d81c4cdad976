/*
 * batch.c -- typing records into batches, and the reader thread that
 * fills them (see ingest_int.h, "typed rows in batches").
 *
 * The loader's work per record splits in two: reading it (bytes, hash,
 * encoding, CSV) and typing every field, then inserting it into SQLite.
 * The first half runs here, into a ring of PIPE_SLOTS preallocated batches
 * of up to INGEST_BATCH_ROWS typed rows; the loader (ingest.c) takes full
 * batches and binds them to its INSERT. With a thread, the two halves run
 * on two cores and a load takes about max(read, insert) instead of their
 * sum. Without one (XML exports, whose libxml2 reader stays on the calling
 * thread, or if no thread can be started) the batch is filled when asked.
 *
 * A batch owns its values: text is copied into the batch's own buffer, so
 * a batch stays valid after the reader has moved on, until it is handed
 * back with row_pipe_done(). Memory is PIPE_SLOTS batches, whatever the
 * size of the file.
 */
#include "stages/ingest/ingest_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/msg.h"
#include "pipeline/core/value.h"
#include "pipeline/core/xalloc.h"

#define PIPE_SLOTS 3
/* A batch ends early when its text passes this (records with huge fields). */
#define BATCH_TEXT_SOFT_CAP (1u << 20)

/* ---- typing one record ---- */

static const char *expected_form(const profile_file *pf, ingest_type type)
{
    switch (type) {
    case IT_DATE: return pf->date_format ? pf->date_format : "YYYY-MM-DD";
    case IT_DATETIME: return pf->datetime_format ? pf->datetime_format : "YYYY-MM-DD HH:mm:ss";
    case IT_MONTH: return pf->month_format ? pf->month_format : "YYYY-MM";
    case IT_MONEY: return pf->thousands ? "1,234.50" : "1234.50";
    case IT_INT: return "0, 1, 2, ...";
    case IT_DECIMAL: return N_("12 or 12.5");
    default: return N_("text without leading or trailing spaces");
    }
}

/* A type rejection whose message says the number is too large. */
static const char RULE_TOO_LARGE[] = "type";

/* What a quarantined record or message shows in place of a patient
 * identifier: the patient_key field never leaves its table. */
#define INGEST_MASK "***"

static int is_identifier(const ingest_column *col)
{
    return strcmp(col->column, "patient_key") == 0;
}

/* The messages of a rejected value in English and in Chinese (the
 * quarantine file gives both): the formats, type names and forms in
 * Chinese are looked up once, before a reader thread starts, since a
 * lookup switches the environment (msg_tr_lang). */
static const char *const MSG_REQUIRED = N_("%s is required (empty)");
static const char *const MSG_NOT_TYPE_ID = N_("%s is not %s (expected %s)");
static const char *const MSG_TOO_LARGE = N_("'%.*s' is too large (beyond 64 bits) for %s");
static const char *const MSG_NOT_TYPE = N_("'%.*s' is not %s (expected %s)");

static struct {
    pthread_mutex_t mu;
    int ready;
    const char *required, *not_type_id, *too_large, *not_type;
    const char *type[IT_DECIMAL + 1], *decimal, *text;
} zh = {PTHREAD_MUTEX_INITIALIZER, 0, NULL, NULL, NULL, NULL, {NULL}, NULL, NULL};

static void messages_zh_init(void)
{
    pthread_mutex_lock(&zh.mu);
    if (!zh.ready) {
        zh.required = msg_tr_lang(1, MSG_REQUIRED);
        zh.not_type_id = msg_tr_lang(1, MSG_NOT_TYPE_ID);
        zh.too_large = msg_tr_lang(1, MSG_TOO_LARGE);
        zh.not_type = msg_tr_lang(1, MSG_NOT_TYPE);
        for (int t = 0; t <= IT_DECIMAL; t++)
            zh.type[t] = msg_tr_lang(1, ingest_type_name((ingest_type)t));
        zh.decimal = msg_tr_lang(1, "12 or 12.5");
        zh.text = msg_tr_lang(1, "text without leading or trailing spaces");
        zh.ready = 1;
    }
    pthread_mutex_unlock(&zh.mu);
}

static const char *form_zh(const profile_file *pf, ingest_type type)
{
    const char *en = expected_form(pf, type);
    return type == IT_DECIMAL ? zh.decimal : strcmp(en, "text without leading or trailing spaces") == 0 ? zh.text : en;
}

static void reject_message(const profile_file *pf, const ingest_column *col, const char *rule,
                           const char *s, size_t len, int chinese, char *msg, size_t size)
{
    int n = len > 64 ? 64 : (int)len;
    const char *type = chinese ? zh.type[col->type] : ingest_type_name(col->type);
    const char *form = chinese ? form_zh(pf, col->type) : expected_form(pf, col->type);
    if (strcmp(rule, "required") == 0)
        snprintf(msg, size, chinese ? zh.required : MSG_REQUIRED, col->field);
    else if (is_identifier(col)) /* its value is not shown */
        snprintf(msg, size, chinese ? zh.not_type_id : MSG_NOT_TYPE_ID, col->field, type, form);
    else if (rule == RULE_TOO_LARGE)
        snprintf(msg, size, chinese ? zh.too_large : MSG_TOO_LARGE, n, s, type);
    else
        snprintf(msg, size, chinese ? zh.not_type : MSG_NOT_TYPE, n, s, type, form);
}

/* Marks the row being added as rejected for column c; its message goes to
 * the batch's text, English, a unit separator (0x1F), Chinese (split by
 * ingest.c). Returns -1. */
static int reject_value(const profile_file *pf, row_batch *b, int c, const char *rule,
                        const char *s, size_t len)
{
    const ingest_column *col = &pf->table->columns[c];
    batch_row *r = &b->rows[b->nrows];
    char msg[256], msg_zh[384];
    reject_message(pf, col, rule, s, len, 0, msg, sizeof msg);
    reject_message(pf, col, rule, s, len, zh.ready, msg_zh, sizeof msg_zh);
    r->bad_column = c;
    r->bad_rule = rule == RULE_TOO_LARGE ? "type" : rule;
    r->msg_off = b->text.len;
    sb_add(&b->text, msg, strlen(msg));
    sb_addch(&b->text, INGEST_MSG_SEP);
    sb_add(&b->text, msg_zh, strlen(msg_zh) + 1);
    return -1;
}

static void set_text(row_batch *b, typed_value *v, const char *s, size_t len)
{
    v->kind = TV_TEXT;
    v->len = (int)len;
    v->u.off = b->text.len;
    sb_add(&b->text, s, len);
}

/* A date/datetime/month: checked when the file writes ISO, else converted. */
static int type_temporal(const profile_file *pf, row_batch *b, int c, typed_value *v,
                         const char *s, size_t len)
{
    ingest_type type = pf->table->columns[c].type;
    const char *fmt = type == IT_DATE       ? pf->date_format
                      : type == IT_DATETIME ? pf->datetime_format
                                            : pf->month_format;
    if (!fmt) {
        int bad = type == IT_DATE       ? value_date(s, len)
                  : type == IT_DATETIME ? value_datetime(s, len)
                                        : value_month(s, len);
        if (bad)
            return reject_value(pf, b, c, "type", s, len);
        set_text(b, v, s, len);
        return 0;
    }
    char iso[20];
    int n = convert_temporal(fmt, type, s, len, iso);
    if (n < 0)
        return reject_value(pf, b, c, "type", s, len);
    set_text(b, v, iso, (size_t)n);
    return 0;
}

static int type_value(const profile_file *pf, row_batch *b, int c, typed_value *v, const char *s,
                      size_t len)
{
    const ingest_column *col = &pf->table->columns[c];
    int fi = pf->field_of_column[c];
    if (fi >= 0 && pf->fields[fi].nmaps)
        convert_map(&pf->fields[fi], &s, &len);
    if (len == 0) {
        if (!col->optional)
            return reject_value(pf, b, c, "required", s, len);
        v->kind = TV_NULL;
        return 0;
    }
    switch (col->type) {
    case IT_CODE:
        if (value_code(s, len))
            return reject_value(pf, b, c, "type", s, len);
        /* fall through */
    case IT_TEXT:
    case IT_ENUM: set_text(b, v, s, len); return 0;
    case IT_DATE:
    case IT_DATETIME:
    case IT_MONTH: return type_temporal(pf, b, c, v, s, len);
    case IT_MONEY:
    case IT_INT: {
        v->kind = TV_INT;
        int bad = col->type == IT_MONEY ? value_money_cents(s, len, pf->thousands, &v->u.i)
                                        : value_int(s, len, &v->u.i);
        return bad ? reject_value(pf, b, c, bad == -2 ? RULE_TOO_LARGE : "type", s, len) : 0;
    }
    case IT_DECIMAL:
        v->kind = TV_REAL;
        return value_decimal(s, len, &v->u.d) ? reject_value(pf, b, c, "type", s, len) : 0;
    }
    return 0;
}

/* Where the value v (n bytes) stands as a whole field in the record: a
 * CSV field outside quotes points into it; otherwise (quoted, XML) its
 * first occurrence between field bounds (start or end, the delimiter,
 * quotes, markup). -1 when not found. */
static long field_at(const ingest_row *row, char delim, const char *v, size_t n)
{
    const char *raw = row->raw, *end = raw + row->raw_len;
    uintptr_t pv = (uintptr_t)v, pr = (uintptr_t)raw;
    if (pv >= pr && pv + n <= pr + row->raw_len)
        return (long)(pv - pr);
    if (n == 0 || n > row->raw_len)
        return -1;
    for (const char *p = raw; p + n <= end; p++) {
        if (memcmp(p, v, n) != 0)
            continue;
        char before = p > raw ? p[-1] : delim, after = p + n < end ? p[n] : delim;
        if ((before == delim || strchr("\"'>", before)) && (after == delim || strchr("\"'<", after)))
            return p - raw;
    }
    return -1;
}

/* The record as it stood in the file, with the patient_key field masked;
 * when the field cannot be found in it, the record is written again from
 * the mapped fields (identifier masked), joined by the delimiter. */
static void add_masked_raw(const profile_file *pf, row_batch *b, const ingest_row *row)
{
    const ingest_table *t = pf->table;
    char delim = pf->format_xml ? ',' : pf->delimiter;
    int id = -1;
    for (int c = 0; c < t->ncolumns && id < 0; c++)
        if (is_identifier(&t->columns[c]) && row->value[c] && row->len[c])
            id = c;
    if (id < 0) {
        sb_add(&b->text, row->raw, row->raw_len);
        return;
    }
    long at = field_at(row, delim, row->value[id], row->len[id]);
    if (at >= 0) {
        sb_add(&b->text, row->raw, (size_t)at);
        sb_addstr(&b->text, INGEST_MASK);
        size_t rest = (size_t)at + row->len[id];
        sb_add(&b->text, row->raw + rest, row->raw_len - rest);
        return;
    }
    for (int c = 0; c < t->ncolumns; c++) {
        if (c)
            sb_addch(&b->text, delim);
        if (c == id)
            sb_addstr(&b->text, INGEST_MASK);
        else if (row->value[c])
            sb_add(&b->text, row->value[c], row->len[c]);
    }
}

void batch_add_row(const profile_file *pf, row_batch *b, const ingest_row *row)
{
    int ncols = pf->table->ncolumns;
    batch_row *r = &b->rows[b->nrows];
    typed_value *v = &b->values[(size_t)b->nrows * (size_t)ncols];
    size_t text_mark = b->text.len;
    r->line = row->line;
    r->bad_column = -1;
    for (int c = 0; c < ncols; c++) {
        if (type_value(pf, b, c, &v[c], row->value[c] ? row->value[c] : "", row->len[c]) == 0)
            continue;
        /* Rejected: keep only the message and the record as it stood,
         * its patient identifier masked. */
        size_t msg_len = strlen(b->text.buf + r->msg_off) + 1;
        memmove(b->text.buf + text_mark, b->text.buf + r->msg_off, msg_len);
        sb_setlen(&b->text, text_mark + msg_len);
        r->msg_off = text_mark;
        r->raw_off = b->text.len;
        add_masked_raw(pf, b, row);
        r->raw_len = b->text.len - r->raw_off;
        break;
    }
    b->nrows++;
}

/* ---- batches ---- */

static row_batch *batch_new(int ncols)
{
    row_batch *b = xcalloc(1, sizeof *b);
    b->values = xmalloc(sizeof *b->values * INGEST_BATCH_ROWS * (size_t)ncols);
    sb_init(&b->text);
    return b;
}

static void batch_free(row_batch *b)
{
    if (!b)
        return;
    sb_release(&b->text);
    free(b->values);
    free(b);
}

/* ---- the pipe ---- */

struct row_pipe {
    const profile_file *pf;
    row_source_fn next;
    void *ctx;
    row_tap_fn tap;
    void *tap_ctx;
    row_batch *slot[PIPE_SLOTS];
    int full[PIPE_SLOTS];
    int put, take;
    int stop;     /* the loader gave up: the reader stops at its next batch */
    int finished; /* the reader produced its last batch */
    int threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Fills b from the source: up to a full batch, or to the end of input or
 * the first error (then b->last is set with b->rc and b->err). */
static void fill(row_pipe *p, row_batch *b)
{
    b->nrows = 0;
    b->last = 0;
    b->rc = HR_OK;
    hr_error_clear(&b->err);
    sb_reset(&b->text);
    ingest_row row;
    memset(&row, 0, sizeof row);
    while (b->nrows < INGEST_BATCH_ROWS && b->text.len < BATCH_TEXT_SOFT_CAP) {
        int more = p->next(p->ctx, &row, &b->err);
        if (more <= 0) {
            b->last = 1;
            b->rc = more < 0 ? (b->err.code ? b->err.code : HR_EFAIL) : HR_OK;
            break;
        }
        batch_add_row(p->pf, b, &row);
    }
    if (p->tap && b->rc == HR_OK)
        p->tap(p->tap_ctx, b);
}

static void *reader_main(void *arg)
{
    row_pipe *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->full[p->put] && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        row_batch *b = p->slot[p->put];
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        fill(p, b);
        pthread_mutex_lock(&p->mu);
        p->full[p->put] = 1;
        p->put = (p->put + 1) % PIPE_SLOTS;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (b->last)
            break;
    }
    return NULL;
}

row_pipe *row_pipe_start(const profile_file *pf, row_source_fn next, void *ctx, int threaded,
                         row_tap_fn tap, void *tap_ctx)
{
    row_pipe *p = xcalloc(1, sizeof *p);
    p->pf = pf, p->next = next, p->ctx = ctx, p->tap = tap, p->tap_ctx = tap_ctx;
    messages_zh_init(); /* before the reader thread */
    for (int i = 0; i < PIPE_SLOTS; i++)
        p->slot[i] = batch_new(pf->table->ncolumns);
    if (threaded) {
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->cv, NULL);
        p->threaded = pthread_create(&p->thread, NULL, reader_main, p) == 0;
        if (!p->threaded) {
            pthread_cond_destroy(&p->cv);
            pthread_mutex_destroy(&p->mu);
        }
    }
    return p;
}

row_batch *row_pipe_next(row_pipe *p)
{
    if (p->finished)
        return NULL;
    row_batch *b;
    if (!p->threaded) {
        b = p->slot[0];
        fill(p, b);
    } else {
        pthread_mutex_lock(&p->mu);
        while (!p->full[p->take])
            pthread_cond_wait(&p->cv, &p->mu);
        b = p->slot[p->take];
        pthread_mutex_unlock(&p->mu);
    }
    p->finished = b->last;
    return b;
}

void row_pipe_done(row_pipe *p, row_batch *b)
{
    (void)b;
    if (!p->threaded)
        return;
    pthread_mutex_lock(&p->mu);
    p->full[p->take] = 0;
    p->take = (p->take + 1) % PIPE_SLOTS;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void row_pipe_stop(row_pipe *p)
{
    if (!p)
        return;
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
    }
    for (int i = 0; i < PIPE_SLOTS; i++)
        batch_free(p->slot[i]);
    free(p);
}
