/*
 * template.h -- loading a report template: parse the XML with libxml2 and
 * validate it against templates/schema/report.rng before use.
 *
 * Errors (not well-formed XML, schema violations, a placeholder or
 * condition the engine does not know) name the template file and line.
 * The returned xmlDoc is owned by the caller (xmlFreeDoc). The language
 * itself is documented in templates/README.md.
 */
#ifndef HR_RENDER_TEMPLATE_H
#define HR_RENDER_TEMPLATE_H

#include <libxml/tree.h>

#include "pipeline/core/error.h"

/* schema_path NULL = <datadir>/templates/schema/report.rng. */
int tpl_load(const char *path, const char *schema_path, xmlDocPtr *out, hr_error *err);

/* Attribute helpers: the attribute's value (caller frees with xmlFree) or NULL. */
char *tpl_attr(xmlNodePtr n, const char *name);
/* Attribute copied into buf (def when absent); returns buf. */
const char *tpl_attr_buf(xmlNodePtr n, const char *name, const char *def, char *buf, size_t size);
double tpl_attr_num(xmlNodePtr n, const char *name, double def);
/* 1 when the node is an element named name. */
int tpl_is(xmlNodePtr n, const char *name);
/* The element's text with white space runs collapsed (caller frees). */
char *tpl_text(xmlNodePtr n);

#endif
