/*
 * xmlconf.h -- reading the XML files a hospital edits (source profiles,
 * validation and reconciliation rules, the indicator catalogue, advice
 * rules, report templates) safely, and checking them against their schema.
 *
 * Safe: no network access, no DTD loading, no entity substitution, so a
 * configuration file can neither fetch nor expand anything. Checked: a W3C
 * XML Schema (schema path ending in .xsd) or a RELAX NG grammar (.rng).
 * Errors name the file and line and say what the schema expected, e.g.
 *
 *   config/rules/reconcile.xml:12: does not match config/schema/reconcile.xsd:
 *   Element 'rule', attribute 'tolerance': '1..2' is not a valid value ...
 *
 * The caller owns the returned document and frees it with xmlFreeDoc().
 */
#ifndef HR_XMLCONF_H
#define HR_XMLCONF_H

#include <libxml/tree.h>

#include "pipeline/core/error.h"

/* Reads `path` and validates it against `schema_path` (NULL: no schema).
 * On failure returns NULL with err set to `code` (HR_EINPUT for inputs a
 * user supplied, such as a profile; HR_EFAIL for the installation's own
 * files), the file, the line and the message. */
xmlDoc *xmlconf_load(const char *path, const char *schema_path, int code, hr_error *err);

/* The schema beside a configuration file's folder: for
 * "DIR/rules/reconcile.xml" and "reconcile.xsd" writes
 * "DIR/schema/reconcile.xsd" into buf. Returns buf. */
const char *xmlconf_schema_beside(const char *path, const char *schema_name, char *buf,
                                  size_t size);

#endif
