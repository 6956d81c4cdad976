/*
 * template.c -- template loading and RELAX NG validation (see template.h).
 */
#include "template.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/paths.h"
#include "../../pipeline/strbuf.h"

typedef struct first_error {
    int set;
    long line;
    char message[512];
    char element[128];
} first_error;

static void keep_first(void *ctx, const xmlError *e)
{
    first_error *fe = ctx;
    if (fe->set || !e)
        return;
    fe->set = 1;
    fe->line = e->line;
    snprintf(fe->message, sizeof fe->message, "%s", e->message ? e->message : "invalid");
    size_t n = strlen(fe->message);
    while (n > 0 && (fe->message[n - 1] == '\n' || fe->message[n - 1] == ' '))
        fe->message[--n] = '\0';
    if (e->node && ((xmlNodePtr)e->node)->name)
        snprintf(fe->element, sizeof fe->element, "%s", (const char *)((xmlNodePtr)e->node)->name);
}

/* libxml2 2.9 declares the handler with a non-const xmlError. */
static void keep_first_cb(void *ctx, xmlErrorPtr e) { keep_first(ctx, e); }

static int validate(xmlDocPtr doc, const char *path, const char *schema_path, hr_error *err)
{
    first_error fe = {0};
    xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewParserCtxt(schema_path);
    xmlRelaxNGSetParserStructuredErrors(pc, keep_first_cb, &fe);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pc);
    xmlRelaxNGFreeParserCtxt(pc);
    if (!schema)
        return hr_error_set(err, HR_EFAIL, schema_path, fe.line, NULL,
                            "cannot load the template schema: %s",
                            fe.set ? fe.message : "unreadable");
    xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(vc, keep_first_cb, &fe);
    int bad = xmlRelaxNGValidateDoc(vc, doc);
    xmlRelaxNGFreeValidCtxt(vc);
    xmlRelaxNGFree(schema);
    if (bad)
        return hr_error_set(err, HR_EINPUT, path, fe.line, fe.element[0] ? fe.element : NULL,
                            "template does not match templates/schema/report.rng: %s",
                            fe.set ? fe.message : "invalid");
    return HR_OK;
}

int tpl_load(const char *path, const char *schema_path, xmlDocPtr *out, hr_error *err)
{
    *out = NULL;
    char schema_buf[4096];
    if (!schema_path)
        schema_path = paths_data_file("templates/schema/report.rng", schema_buf, sizeof schema_buf);
    first_error fe = {0};
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    xmlSetStructuredErrorFunc(&fe, keep_first_cb);
    xmlDocPtr doc = xmlCtxtReadFile(pc, path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                        XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(pc);
    if (!doc)
        return hr_error_set(err, HR_EINPUT, path, fe.line, NULL, "template is not well-formed XML: %s",
                            fe.set ? fe.message : "cannot read the file");
    int rc = validate(doc, path, schema_path, err);
    if (rc) {
        xmlFreeDoc(doc);
        return rc;
    }
    *out = doc;
    return HR_OK;
}

char *tpl_attr(xmlNodePtr n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

const char *tpl_attr_buf(xmlNodePtr n, const char *name, const char *def, char *buf, size_t size)
{
    char *v = tpl_attr(n, name);
    snprintf(buf, size, "%s", v ? v : (def ? def : ""));
    xmlFree(v);
    return buf;
}

double tpl_attr_num(xmlNodePtr n, const char *name, double def)
{
    char *v = tpl_attr(n, name);
    double d = v ? strtod(v, NULL) : def;
    xmlFree(v);
    return d;
}

int tpl_is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

char *tpl_text(xmlNodePtr n)
{
    xmlChar *raw = xmlNodeGetContent(n);
    strbuf sb = STRBUF_INIT;
    int space = 0;
    for (const char *s = raw ? (const char *)raw : ""; *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
            space = 1;
            continue;
        }
        if (space && sb.len)
            sb_addch(&sb, ' ');
        space = 0;
        sb_addch(&sb, *s);
    }
    xmlFree(raw);
    return sb_detach(&sb, NULL);
}
