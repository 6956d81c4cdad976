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

static int io_read(void *ctx, char *buf, int len)
{
    xml_source *x = ctx;
    ssize_t n = ingest_input_read_raw(x->in, buf, (size_t)len, &x->read_err);
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
    xml_source *x = calloc(1, sizeof *x);
    if (!x)
        abort();
    x->pf = pf;
    x->in = in;
    x->path = path;
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

static xmlNodePtr child_element(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

static void take_record(xml_source *x, xmlNodePtr node, ingest_row *row)
{
    sb_reset(&x->values);
    memset(row, 0, sizeof *row);
    int present[INGEST_MAX_COLUMNS] = {0};
    for (int i = 0; i < x->pf->nfields; i++) {
        const profile_field *f = &x->pf->fields[i];
        xmlChar *v = NULL;
        if (f->attribute)
            v = xmlGetProp(node, (const xmlChar *)f->attribute);
        else {
            xmlNodePtr c = child_element(node, f->header);
            v = c ? xmlNodeGetContent(c) : NULL;
        }
        if (!v)
            continue;
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
    row->line = xmlGetLineNo(node);
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
            x->error_line = xmlTextReaderGetParserLineNumber(x->reader);
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
        take_record(x, node, row);
        x->skip = 1;
        return 1;
    }
}
