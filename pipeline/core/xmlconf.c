/*
 * xmlconf.c -- safe reading and schema validation of configuration XML
 * (see xmlconf.h). libxml2 reports schema errors through a callback; we
 * keep the first one, which is the one a person can act on.
 */
#include "pipeline/core/xmlconf.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct first_error {
    int seen;
    long line;
    char message[600];
    char element[128]; /* the element the error is about, if known */
} first_error;

static void keep_first(void *ctx, xmlError *e)
{
    first_error *f = ctx;
    if (f->seen || !e)
        return;
    f->seen = 1;
    f->line = e->line;
    snprintf(f->message, sizeof f->message, "%s", e->message ? e->message : "invalid");
    size_t n = strlen(f->message);
    while (n && (f->message[n - 1] == '\n' || f->message[n - 1] == ' '))
        f->message[--n] = '\0';
    xmlNode *node = e->node;
    if (node && node->type == XML_ELEMENT_NODE && node->name)
        snprintf(f->element, sizeof f->element, "%s", (const char *)node->name);
}

/* 1 when the internal DTD subset declares any entity. */
static int declares_entities(xmlDoc *doc)
{
    if (!doc->intSubset)
        return 0;
    for (xmlNode *n = doc->intSubset->children; n; n = n->next)
        if (n->type == XML_ENTITY_DECL)
            return 1;
    return 0;
}

/* The line of "<!DOCTYPE" in the file (configuration files are small:
 * the first 1 MiB is looked at), or 0. */
static long doctype_line(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static const char word[] = "<!DOCTYPE";
    long line = 1, found = 0;
    int match = 0, c;
    for (long n = 0; !found && n < (1L << 20) && (c = getc(f)) != EOF; n++) {
        if (c == '\n')
            line++;
        match = c == word[match] ? match + 1 : c == '<' ? 1 : 0;
        if (match == 9)
            found = line;
    }
    fclose(f);
    return found;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* 0 when doc is valid; otherwise fills *f (line 0 if the schema itself
 * could not be read) and returns -1. */
static int validate(xmlDoc *doc, const char *schema_path, first_error *f, int *schema_broken)
{
    int bad;
    *schema_broken = 0;
    if (ends_with(schema_path, ".rng")) {
        xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewParserCtxt(schema_path);
        xmlRelaxNGSetParserStructuredErrors(pc, keep_first, f);
        xmlRelaxNGPtr schema = pc ? xmlRelaxNGParse(pc) : NULL;
        xmlRelaxNGFreeParserCtxt(pc);
        if (!schema)
            return *schema_broken = 1, -1;
        xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(schema);
        xmlRelaxNGSetValidStructuredErrors(vc, keep_first, f);
        bad = xmlRelaxNGValidateDoc(vc, doc);
        xmlRelaxNGFreeValidCtxt(vc);
        xmlRelaxNGFree(schema);
    } else {
        xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(schema_path);
        xmlSchemaSetParserStructuredErrors(pc, keep_first, f);
        xmlSchemaPtr schema = pc ? xmlSchemaParse(pc) : NULL;
        xmlSchemaFreeParserCtxt(pc);
        if (!schema)
            return *schema_broken = 1, -1;
        xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
        xmlSchemaSetValidStructuredErrors(vc, keep_first, f);
        bad = xmlSchemaValidateDoc(vc, doc);
        xmlSchemaFreeValidCtxt(vc);
        xmlSchemaFree(schema);
    }
    return bad ? -1 : 0;
}

xmlDoc *xmlconf_load(const char *path, const char *schema_path, int code, hr_error *err)
{
    first_error f = {0};
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) { /* a FIFO would block fopen */
        hr_error_set(err, code, path, 0, NULL, "not a regular file (a %s)",
                     S_ISFIFO(st.st_mode)  ? "FIFO"
                     : S_ISDIR(st.st_mode) ? "folder"
                     : S_ISCHR(st.st_mode) ? "character device"
                                           : "device or socket");
        return NULL;
    }
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        hr_error_set(err, code, path, 0, NULL, "cannot read: %s", strerror(errno));
        return NULL;
    }
    fclose(probe);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        hr_error_set(err, HR_EFAIL, path, 0, NULL, "out of memory");
        return NULL;
    }
    /* libxml2 2.9 has no per-context handler for parse errors: set the
     * (thread-local) structured handler around the parse to keep the
     * first error, which names the real line. */
    xmlSetStructuredErrorFunc(&f, keep_first);
    xmlDoc *doc = xmlCtxtReadFile(ctxt, path, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                      XML_PARSE_NOCDATA);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc && !f.seen)
        keep_first(&f, xmlCtxtGetLastError(ctxt));
    xmlFreeParserCtxt(ctxt);
    if (!doc) {
        hr_error_set(err, code, path, f.line, NULL, "%s",
                     f.seen ? f.message : "cannot be read as XML");
        return NULL;
    }
    if (declares_entities(doc)) {
        long line = doctype_line(path);
        if (!line) /* not found: the line before the root element */
            line = xmlDocGetRootElement(doc) ? xmlGetLineNo(xmlDocGetRootElement(doc)) - 1 : 0;
        xmlFreeDoc(doc);
        hr_error_set(err, code, path, line > 0 ? line : 0, NULL,
                     "declares entities in a DOCTYPE; configuration files may not");
        return NULL;
    }
    if (!schema_path)
        return doc;
    first_error v = {0};
    int schema_broken;
    if (validate(doc, schema_path, &v, &schema_broken) == 0)
        return doc;
    xmlFreeDoc(doc);
    if (schema_broken)
        hr_error_set(err, HR_EFAIL, schema_path, v.line, NULL, "cannot load the schema%s%s",
                     v.seen ? ": " : "", v.seen ? v.message : "");
    else
        hr_error_set(err, code, path, v.line, v.element[0] ? v.element : NULL,
                     "does not match %s: %s", schema_path, v.seen ? v.message : "invalid");
    return NULL;
}

const char *xmlconf_schema_beside(const char *path, const char *schema_name, char *buf,
                                  size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(buf, size, "../schema/%s", schema_name);
        return buf;
    }
    /* DIR/rules/x.xml -> DIR/schema/NAME */
    const char *parent_end = slash;
    const char *parent = parent_end;
    while (parent > path && parent[-1] != '/')
        parent--;
    if (parent == path)
        snprintf(buf, size, "schema/%s", schema_name);
    else
        snprintf(buf, size, "%.*sschema/%s", (int)(parent - path), path, schema_name);
    return buf;
}
