/*
 * profile.c -- source profiles: XML files (in config/profiles/) that say
 * how a hospital's exports map onto the canonical sources.
 *
 * A profile is read through xmlconf (no network, no DTD loading, no
 * entities) and validated against config/schema/profile.xsd, then checked
 * for meaning the schema cannot express: known sources and fields, every
 * required field mapped, usable date formats, one of header / element /
 * attribute per field. It is then copied into plain C structs so the hot
 * loop never touches libxml2.
 */
#include "stages/ingest/ingest_int.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/digest.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xmlconf.h"
#include "pipeline/core/xalloc.h"

static char *dup_attr(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

/* An attribute of the <file>, else of the <profile>, else NULL. */
static char *inherited(xmlNodePtr file, const char *name)
{
    char *v = dup_attr(file, name);
    return v ? v : dup_attr(file->parent, name);
}

const char *profile_encoding_name(profile_encoding e)
{
    switch (e) {
    case ENC_UTF8: return "UTF-8";
    case ENC_GB18030: return "GB18030";
    case ENC_GBK: return "GBK";
    default: return "UTF-8 or GB18030";
    }
}

static int is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static int read_map(profile_field *f, xmlNodePtr m)
{
    f->maps = xrealloc(f->maps, (size_t)(f->nmaps + 1) * sizeof *f->maps);
    profile_map *pm = &f->maps[f->nmaps++];
    pm->from = dup_attr(m, "from");
    pm->to = dup_attr(m, "to");
    pm->from_len = strlen(pm->from);
    pm->to_len = strlen(pm->to);
    return 0;
}

static int read_field(const profile *p, profile_file *pf, xmlNodePtr node, hr_error *err)
{
    long line = xmlGetLineNo(node);
    char *name = dup_attr(node, "name");
    int col = ingest_table_column(pf->table, name);
    if (col < 0) {
        hr_error_set(err, HR_EINPUT, p->path, line, name,
                     "profile %s: source '%s' has no field '%s' (see spec/EXPORTS.md)", p->name,
                     pf->table->source, name);
        free(name);
        return HR_EINPUT;
    }
    if (pf->field_of_column[col] >= 0) {
        hr_error_set(err, HR_EINPUT, p->path, line, name,
                     "profile %s: field '%s' of %s is mapped twice", p->name, name, pf->name);
        free(name);
        return HR_EINPUT;
    }
    free(name);
    pf->fields = xrealloc(pf->fields, (size_t)(pf->nfields + 1) * sizeof *pf->fields);
    profile_field *f = &pf->fields[pf->nfields];
    memset(f, 0, sizeof *f);
    f->column = col;
    pf->field_of_column[col] = pf->nfields++;
    char *header = dup_attr(node, "header"), *element = dup_attr(node, "element");
    f->attribute = dup_attr(node, "attribute");
    int given = (header != NULL) + (element != NULL) + (f->attribute != NULL);
    f->header = header ? header : element;
    if (header && element)
        free(element);
    int ok = pf->format_xml ? given == 1 && !header : given == 1 && header;
    if (!ok)
        return hr_error_set(err, HR_EINPUT, p->path, line, pf->table->columns[col].field,
                            "profile %s: a field of %s needs exactly one %s", p->name, pf->name,
                            pf->format_xml ? "element= or attribute=" : "header=");
    for (xmlNodePtr m = node->children; m; m = m->next)
        if (is_element(m, "map"))
            read_map(f, m);
    return HR_OK;
}

static int check_formats(const profile *p, profile_file *pf, long line, hr_error *err)
{
    const struct { const char *fmt; ingest_type type; const char *attr; } f[] = {
        {pf->date_format, IT_DATE, "date-format"},
        {pf->datetime_format, IT_DATETIME, "datetime-format"},
        {pf->month_format, IT_MONTH, "month-format"},
    };
    for (int i = 0; i < 3; i++)
        if (f[i].fmt && convert_format_check(f[i].fmt, f[i].type))
            return hr_error_set(err, HR_EINPUT, p->path, line, f[i].attr,
                                "profile %s: '%s' is not a usable %s for %s (tokens YYYY MM DD "
                                "HH mm ss, other characters literal)",
                                p->name, f[i].fmt, f[i].attr, pf->name);
    return HR_OK;
}

static profile_encoding parse_encoding(const char *s)
{
    if (!s || strcmp(s, "auto") == 0)
        return ENC_AUTO;
    if (strcmp(s, "gb18030") == 0)
        return ENC_GB18030;
    if (strcmp(s, "gbk") == 0)
        return ENC_GBK;
    return ENC_UTF8;
}

/* A limit attribute (inherited from <profile>): 0 when absent. */
static int read_limit(const profile *p, xmlNodePtr node, const char *name,
                      unsigned long long *out, hr_error *err)
{
    char *v = inherited(node, name);
    *out = 0;
    if (!v)
        return HR_OK;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    int bad = errno || *end || n == 0 || n > ((unsigned long long)1 << 50);
    free(v);
    if (bad)
        return hr_error_set(err, HR_EINPUT, p->path, xmlGetLineNo(node), name,
                            "profile %s: %s must be a number of bytes from 1 to 2^50", p->name,
                            name);
    *out = n;
    return HR_OK;
}

static int read_file_entry(profile *p, profile_file *pf, xmlNodePtr node, hr_error *err)
{
    long line = xmlGetLineNo(node);
    unsigned long long lim;
    for (int i = 0; i < INGEST_MAX_COLUMNS; i++)
        pf->field_of_column[i] = -1;
    pf->name = dup_attr(node, "name");
    char *source = dup_attr(node, "source"), *format = dup_attr(node, "format");
    pf->table = ingest_table_find(source);
    pf->format_xml = format && strcmp(format, "xml") == 0;
    free(format);
    if (!pf->table) {
        hr_error_set(err, HR_EINPUT, p->path, line, "source",
                     "profile %s: unknown source '%s' for %s", p->name, source, pf->name);
        free(source);
        return HR_EINPUT;
    }
    free(source);
    pf->row_element = dup_attr(node, "row");
    if (pf->format_xml && !pf->row_element)
        return hr_error_set(err, HR_EINPUT, p->path, line, "row",
                            "profile %s: XML file %s needs row= (the element of one record)",
                            p->name, pf->name);
    char *enc = inherited(node, "encoding"), *delim = inherited(node, "delimiter");
    char *thousands = inherited(node, "money-thousands");
    pf->encoding = parse_encoding(enc);
    pf->delimiter = !delim ? ',' : strcmp(delim, "tab") == 0 ? '\t' : delim[0];
    pf->thousands = thousands && (strcmp(thousands, "true") == 0 || strcmp(thousands, "1") == 0);
    free(enc), free(delim), free(thousands);
    if (read_limit(p, node, "max-field-bytes", &lim, err))
        return HR_EINPUT;
    pf->max_field = (size_t)lim;
    if (read_limit(p, node, "max-line-bytes", &lim, err))
        return HR_EINPUT;
    pf->max_line = (size_t)lim;
    if (read_limit(p, node, "max-attributes", &lim, err))
        return HR_EINPUT;
    pf->max_attributes = (size_t)lim;
    if (read_limit(p, node, "max-xml-bytes", &lim, err))
        return HR_EINPUT;
    pf->max_xml = lim;
    pf->date_format = inherited(node, "date-format");
    pf->datetime_format = inherited(node, "datetime-format");
    pf->month_format = inherited(node, "month-format");
    if (check_formats(p, pf, line, err))
        return HR_EINPUT;
    for (xmlNodePtr f = node->children; f; f = f->next)
        if (is_element(f, "field") && read_field(p, pf, f, err))
            return HR_EINPUT;
    for (int c = 0; c < pf->table->ncolumns; c++)
        if (pf->field_of_column[c] < 0 && !pf->table->columns[c].optional)
            return hr_error_set(err, HR_EINPUT, p->path, line, pf->table->columns[c].field,
                                "profile %s: %s does not map the required field '%s'", p->name,
                                pf->name, pf->table->columns[c].field);
    return HR_OK;
}

static int build(profile *p, xmlDocPtr doc, hr_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    p->name = dup_attr(root, "name");
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (!is_element(n, "file"))
            continue;
        p->files = xrealloc(p->files, (size_t)(p->nfiles + 1) * sizeof *p->files);
        profile_file *pf = &p->files[p->nfiles++];
        memset(pf, 0, sizeof *pf);
        if (read_file_entry(p, pf, n, err))
            return HR_EINPUT;
    }
    return HR_OK;
}

/* pf->read_with: a canonical text of everything that shapes the values
 * read, hashed. */
static void read_with(profile_file *pf)
{
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "file %s source %s xml %d row %s enc %d delim %d date %s datetime %s month %s "
                 "thousands %d\n",
            pf->name, pf->table->source, pf->format_xml, pf->row_element ? pf->row_element : "",
            (int)pf->encoding, pf->delimiter, pf->date_format ? pf->date_format : "",
            pf->datetime_format ? pf->datetime_format : "",
            pf->month_format ? pf->month_format : "", pf->thousands);
    for (int i = 0; i < pf->nfields; i++) {
        const profile_field *f = &pf->fields[i];
        sb_addf(&sb, "field %d header %s attribute %s\n", f->column, f->header ? f->header : "",
                f->attribute ? f->attribute : "");
        for (int m = 0; m < f->nmaps; m++) {
            sb_addf(&sb, "map %zu:", f->maps[m].from_len);
            sb_add(&sb, f->maps[m].from, f->maps[m].from_len);
            sb_addf(&sb, " %zu:", f->maps[m].to_len);
            sb_add(&sb, f->maps[m].to, f->maps[m].to_len);
            sb_addch(&sb, '\n');
        }
    }
    digest_buffer(sb.buf ? sb.buf : "", sb.len, pf->read_with);
    sb_release(&sb);
}

int profile_load(const char *path, profile **out, hr_error *err)
{
    *out = NULL;
    char xsd[4096];
    paths_data_file("config/schema/profile.xsd", xsd, sizeof xsd);
    xmlDocPtr doc = xmlconf_load(path, xsd, HR_EINPUT, err);
    if (!doc)
        return err->code;
    int rc = HR_OK;
    profile *p = xcalloc(1, sizeof *p);
    p->path = xstrdup(path);
    if (rc == HR_OK)
        rc = build(p, doc, err);
    for (int i = 0; rc == HR_OK && i < p->nfiles; i++)
        read_with(&p->files[i]);
    xmlFreeDoc(doc);
    if (rc) {
        profile_free(p);
        return rc;
    }
    *out = p;
    return HR_OK;
}

void profile_free(profile *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nfiles; i++) {
        profile_file *pf = &p->files[i];
        for (int j = 0; j < pf->nfields; j++) {
            profile_field *f = &pf->fields[j];
            for (int k = 0; k < f->nmaps; k++)
                free(f->maps[k].from), free(f->maps[k].to);
            free(f->maps), free(f->header), free(f->attribute);
        }
        free(pf->fields), free(pf->name), free(pf->row_element);
        free(pf->date_format), free(pf->datetime_format), free(pf->month_format);
    }
    free(p->files), free(p->name), free(p->path);
    free(p);
}

const profile_file *profile_find_file(const profile *p, const char *name)
{
    for (int i = 0; i < p->nfiles; i++)
        if (strcmp(p->files[i].name, name) == 0)
            return &p->files[i];
    return NULL;
}
