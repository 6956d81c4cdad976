/*
 * source_xml.c -- XML exports, read with libxml2's streaming reader
 * (xmlTextReader), so memory does not grow with the file: only one record
 * element is expanded at a time, and the reader frees it when it moves on.
 *
 * The profile names the record element (row="visit") and, per field, the
 * child element or attribute holding it. Safety: no network access, no DTD
 * loading, no entity substitution, and a DOCTYPE that declares entities is
 * refused outright (entity expansion is how XML files blow up). The bytes
 * come through ingest_input so the manifest hash covers the file as stored;
 * libxml2 decodes the file's declared encoding itself.
 */
#include "stages/ingest/ingest_int.h"

#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"

#define XML_MAX_BYTES_DEFAULT (2ull << 30) /* 2 GiB */
#define XML_MAX_ATTRIBUTES_DEFAULT 64
#define XML_MAX_FIELD_DEFAULT ((size_t)1 << 20) /* 1 MiB, as for CSV */

struct xml_source {
    xmlTextReaderPtr reader;
    const profile_file *pf;
    ingest_input *in;
    const char *path; /* the caller's, for messages */
    hr_error read_err; /* an I/O error from the byte source */
    int first_error_seen;
    long error_line;
    char error[512];
    int skip; /* the current record was expanded: skip its subtree */
    /* The byte scan under libxml2 (scan_bytes): lines, size, attributes. */
    unsigned long long bytes, max_bytes;
    size_t max_attributes, max_field;
    long line;          /* physical line of the next byte */
    int tag;            /* 0 outside a start tag, 1 just after '<', 2 inside one */
    char quote;         /* inside an attribute value: its quote */
    size_t attrs;       /* '=' seen in the current start tag */
    long tag_line;      /* where it began */
    int doctype_match;  /* bytes of "<!DOCTYPE" matched so far */
    long doctype_line;  /* where "<!DOCTYPE" begins, 0 if none */
    strbuf values;
    size_t off[INGEST_MAX_COLUMNS];
    strbuf raw;
};

static void on_error(void *ctx, xmlErrorPtr e)
{
    xml_source *x = ctx;
    if (x->first_error_seen || !e || e->level < XML_ERR_ERROR)
        return;
    x->first_error_seen = 1;
    x->error_line = e->line;
    snprintf(x->error, sizeof x->error, "%s", e->message ? e->message : "malformed XML");
    size_t n = strlen(x->error);
    while (n && (x->error[n - 1] == '\n' || x->error[n - 1] == ' '))
        x->error[--n] = '\0';
}

/* Looks at the bytes before libxml2 does: counts lines, refuses a file
 * larger than max_bytes and a start tag with more than max_attributes
 * attributes (libxml2's check for duplicated attributes is quadratic:
 * 100,000 on one element took 110 s), and notes the line of a DOCTYPE.
 * It counts '=' outside quotes between '<name' and '>', which is exact
 * for well-formed XML in any ASCII-compatible encoding (UTF-8, GB18030);
 * a comment that looks like a tag with as many attributes would be
 * refused too. 0, or -1 with x->read_err set. */
static int scan_bytes(xml_source *x, const char *buf, size_t n)
{
    static const char doctype[] = "<!DOCTYPE";
    unsigned long long room = x->max_bytes - x->bytes; /* bytes <= max_bytes */
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (i >= room) { /* the first byte beyond the limit: name its line */
            hr_error_set(&x->read_err, HR_EINPUT, x->path, x->line, NULL,
                         "the XML export is larger than the limit of %llu bytes "
                         "(max-xml-bytes in the profile)",
                         x->max_bytes);
            return -1;
        }
        if (c == '\n')
            x->line++;
        if (x->doctype_match < 9) {
            x->doctype_match = c == doctype[x->doctype_match] ? x->doctype_match + 1
                               : c == '<'                     ? 1
                                                              : 0;
            if (x->doctype_match == 9 && !x->doctype_line)
                x->doctype_line = x->line;
            if (x->doctype_match == 9)
                x->doctype_match = 0;
        }
        if (x->tag == 0) {
            if (c == '<')
                x->tag = 1, x->tag_line = x->line;
        } else if (x->tag == 1) {
            /* a start tag begins with a name; not </, <!, <? */
            int name = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
                       (unsigned char)c >= 0x80;
            x->tag = name ? 2 : 0;
            x->attrs = 0, x->quote = 0;
        } else if (x->quote) {
            if (c == x->quote)
                x->quote = 0;
        } else if (c == '"' || c == '\'') {
            x->quote = c;
        } else if (c == '=') {
            if (++x->attrs > x->max_attributes) {
                hr_error_set(&x->read_err, HR_EINPUT, x->path, x->tag_line, NULL,
                             "an element with more than %zu attributes (max-attributes in the "
                             "profile)",
                             x->max_attributes);
                return -1;
            }
        } else if (c == '>') {
            x->tag = 0;
        }
    }
    x->bytes += n;
    return 0;
}

static int io_read(void *ctx, char *buf, int len)
{
    xml_source *x = ctx;
    ssize_t n = ingest_input_read_raw(x->in, buf, (size_t)len, &x->read_err);
    if (n > 0 && scan_bytes(x, buf, (size_t)n) < 0)
        return -1;
    return n < 0 ? -1 : (int)n;
}

static int io_close(void *ctx)
{
    (void)ctx;
    return 0;
}

xml_source *xml_source_open(ingest_input *in, const char *path, const profile_file *pf,
                            hr_error *err)
{
    xml_source *x = xcalloc(1, sizeof *x);
    x->pf = pf;
    x->in = in;
    x->path = path;
    x->line = 1;
    x->max_bytes = pf->max_xml ? pf->max_xml : XML_MAX_BYTES_DEFAULT;
    x->max_attributes = pf->max_attributes ? pf->max_attributes : XML_MAX_ATTRIBUTES_DEFAULT;
    x->max_field = pf->max_field ? pf->max_field : XML_MAX_FIELD_DEFAULT;
    hr_error_clear(&x->read_err);
    sb_init(&x->values);
    sb_init(&x->raw);
    const char *enc = pf->encoding == ENC_GB18030 ? "GB18030"
                      : pf->encoding == ENC_GBK   ? "GBK"
                      : pf->encoding == ENC_UTF8  ? "UTF-8"
                                                  : NULL;
    x->reader = xmlReaderForIO(io_read, io_close, x, path, enc, XML_PARSE_NONET);
    if (!x->reader) {
        hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot start the XML reader");
        xml_source_close(x);
        return NULL;
    }
    xmlTextReaderSetStructuredErrorHandler(x->reader, on_error, x);
    return x;
}

void xml_source_close(xml_source *x)
{
    if (!x)
        return;
    if (x->reader)
        xmlFreeTextReader(x->reader);
    sb_release(&x->values);
    sb_release(&x->raw);
    free(x);
}

static int fail(xml_source *x, hr_error *err, const char *what)
{
    if (x->read_err.code)
        return *err = x->read_err, -1;
    hr_error_set(err, HR_EINPUT, x->path, x->error_line, NULL, "%s: %s", what,
                 x->first_error_seen ? x->error : "the file ends before the document does");
    return -1;
}

/* The DOCTYPE node is the document's internal subset. (CurrentNode, not
 * CurrentDoc: asking for the document would make the reader keep it.) */
static int doctype_declares_entities(xmlTextReaderPtr r)
{
    xmlNodePtr node = xmlTextReaderCurrentNode(r);
    xmlDtdPtr dtd = node && node->type == XML_DTD_NODE ? (xmlDtdPtr)node
                    : node && node->doc                ? node->doc->intSubset
                                                       : NULL;
    return dtd && (dtd->entities || dtd->pentities);
}

/* Appends a value to x->values and records where it starts. */
static void keep_value(xml_source *x, int column, const xmlChar *v)
{
    x->off[column] = x->values.len;
    sb_addstr(&x->values, v ? (const char *)v : "");
    sb_addch(&x->values, '\0');
}

/* The child element `name` of node, or NULL; *again is a second one. */
static xmlNodePtr child_element(xmlNodePtr node, const char *name, xmlNodePtr *again)
{
    xmlNodePtr first = NULL;
    *again = NULL;
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) {
            if (first) {
                *again = c;
                break;
            }
            first = c;
        }
    return first;
}

/* A descendant element named `name`, or NULL. */
static xmlNodePtr find_nested(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, name) == 0)
            return c;
        xmlNodePtr d = find_nested(c, name);
        if (d)
            return d;
    }
    return NULL;
}

/* The record's values into row; -1 with err set when the record is not
 * one a reader can trust: a field's element twice (which one is meant?),
 * a record inside the record (it would be lost), a value over the limit. */
static int take_record(xml_source *x, xmlNodePtr node, ingest_row *row, hr_error *err)
{
    long line = xmlGetLineNo(node);
    const char *row_name = x->pf->row_element;
    xmlNodePtr nested = find_nested(node, row_name);
    if (nested)
        return hr_error_set(err, HR_EINPUT, x->path, xmlGetLineNo(nested), row_name,
                            "a <%s> inside the <%s> of line %ld: records may not nest (the "
                            "inner one would be lost)",
                            row_name, row_name, line),
               -1;
    sb_reset(&x->values);
    memset(row, 0, sizeof *row);
    int present[INGEST_MAX_COLUMNS] = {0};
    for (int i = 0; i < x->pf->nfields; i++) {
        const profile_field *f = &x->pf->fields[i];
        xmlChar *v = NULL;
        if (f->attribute)
            v = xmlGetProp(node, (const xmlChar *)f->attribute);
        else {
            xmlNodePtr again, c = child_element(node, f->header, &again);
            if (again)
                return hr_error_set(err, HR_EINPUT, x->path, xmlGetLineNo(again), f->header,
                                    "<%s> twice in the <%s> of line %ld (lines %ld and %ld): "
                                    "which one holds %s?",
                                    f->header, row_name, line, xmlGetLineNo(c),
                                    xmlGetLineNo(again), x->pf->table->columns[f->column].field),
                       -1;
            v = c ? xmlNodeGetContent(c) : NULL;
        }
        if (!v)
            continue;
        size_t vlen = strlen((const char *)v);
        if (vlen > x->max_field) {
            xmlFree(v);
            const char *name = x->pf->table->columns[f->column].field;
            return hr_error_set(err, HR_EINPUT, x->path, line, name,
                                "%s is longer than the limit of %zu bytes (max-field-bytes in "
                                "the profile)",
                                name, x->max_field),
                   -1;
        }
        keep_value(x, f->column, v);
        present[f->column] = 1;
        xmlFree(v);
    }
    for (int c = 0; c < INGEST_MAX_COLUMNS; c++)
        if (present[c]) {
            row->value[c] = x->values.buf + x->off[c];
            row->len[c] = strlen(row->value[c]);
        }
    sb_reset(&x->raw);
    xmlBufferPtr b = xmlBufferCreate();
    if (xmlNodeDump(b, node->doc, node, 0, 0) >= 0)
        sb_add(&x->raw, xmlBufferContent(b), (size_t)xmlBufferLength(b));
    xmlBufferFree(b);
    row->raw = x->raw.buf;
    row->raw_len = x->raw.len;
    row->line = line;
    return 0;
}

int xml_source_next(xml_source *x, ingest_row *row, hr_error *err)
{
    for (;;) {
        int r = x->skip ? xmlTextReaderNext(x->reader) : xmlTextReaderRead(x->reader);
        x->skip = 0;
        if (r < 0 || x->read_err.code)
            return fail(x, err, "malformed XML");
        if (r == 0)
            return x->first_error_seen ? fail(x, err, "malformed XML") : 0;
        int type = xmlTextReaderNodeType(x->reader);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE && doctype_declares_entities(x->reader)) {
            /* where the DOCTYPE begins, not where the parser has got to */
            x->error_line = x->doctype_line ? x->doctype_line
                                            : xmlTextReaderGetParserLineNumber(x->reader);
            return hr_error_set(err, HR_EINPUT, x->path, x->error_line, NULL,
                                "a DOCTYPE that declares entities is not accepted "
                                "(remove the DOCTYPE from the export)"),
                   -1;
        }
        if (type != XML_READER_TYPE_ELEMENT ||
            strcmp((const char *)xmlTextReaderConstLocalName(x->reader), x->pf->row_element) != 0)
            continue;
        xmlNodePtr node = xmlTextReaderExpand(x->reader);
        if (!node)
            return fail(x, err, "malformed XML");
        if (take_record(x, node, row, err) < 0)
            return -1;
        x->skip = 1;
        return 1;
    }
}
