/*
 * smallcount.c -- the small-count rule of config/hospital.xml (see
 * smallcount.h).
 */
#include "pipeline/core/smallcount.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/core/paths.h"
#include "pipeline/core/xmlconf.h"

void small_counts_from_node(xmlNode *n, small_counts *out)
{
    memset(out, 0, sizeof *out);
    if (!n)
        return;
    xmlChar *k = xmlGetProp(n, (const xmlChar *)"threshold");
    xmlChar *list = xmlGetProp(n, (const xmlChar *)"indicators");
    out->k = k ? atoi((const char *)k) : 0;
    if (out->k < 0)
        out->k = 0;
    snprintf(out->list, sizeof out->list, "%s", list ? (const char *)list : SMALL_COUNTS_DEFAULT);
    xmlFree(k);
    xmlFree(list);
}

int small_counts_load(small_counts *out, hr_error *err)
{
    char path[4096], xsd[4096];
    paths_data_file("config/hospital.xml", path, sizeof path);
    paths_data_file("config/schema/hospital.xsd", xsd, sizeof xsd);
    memset(out, 0, sizeof *out);
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT)
        return HR_OK; /* no hospital.xml: no rule (render, which needs it, says so) */
    xmlDoc *doc = xmlconf_load(path, xsd, HR_EFAIL, err);
    if (!doc)
        return err->code;
    xmlNode *found = NULL;
    for (xmlNode *n = xmlDocGetRootElement(doc)->children; n && !found; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "small-counts") == 0)
            found = n;
    small_counts_from_node(found, out);
    xmlFreeDoc(doc);
    return HR_OK;
}

int small_counts_covers(const small_counts *s, const char *indicator)
{
    size_t n = strlen(indicator);
    for (const char *p = s->list; n && (p = strstr(p, indicator)) != NULL; p += n)
        if ((p == s->list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

int small_counts_hidden(const small_counts *s, const char *scope, const char *indicator,
                        int has_num, double num)
{
    return s->k > 0 && has_num && num > 0 && num < s->k && strcmp(scope, "hospital") != 0 &&
           small_counts_covers(s, indicator);
}
