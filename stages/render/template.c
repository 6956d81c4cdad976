/*
 * template.c -- template loading (RELAX NG validated, through xmlconf) and
 * attribute helpers (see template.h).
 */
#include "stages/render/template.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xmlconf.h"

int tpl_load(const char *path, const char *schema_path, xmlDocPtr *out, hr_error *err)
{
    char schema_buf[4096];
    if (!schema_path)
        schema_path = paths_data_file("templates/schema/report.rng", schema_buf, sizeof schema_buf);
    *out = xmlconf_load(path, schema_path, HR_EINPUT, err);
    return *out ? HR_OK : err->code;
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
