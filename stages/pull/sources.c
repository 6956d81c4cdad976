/*
 * sources.c -- config/sources.xml (see pull.h): each system's drop folder,
 * file-name pattern, completeness rule, profile and contact.
 *
 * Read through xmlconf (safe, checked against config/schema/sources.xsd),
 * then checked for what the schema cannot say: each source's profile must
 * exist and name the file, from which the delimiter and the canonical
 * source (the table, for files ingested by hand) are taken. Copied into
 * plain structs; libxml2 is not used after loading.
 */
#include "stages/pull/pull.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/paths.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/core/xmlconf.h"

/* A copy of s, NULL for NULL. */
static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static char *attr(xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = dup_or_null((const char *)v);
    xmlFree(v);
    return s;
}

static int attr_int(xmlNode *node, const char *name, int dflt)
{
    char *v = attr(node, name);
    int n = v ? atoi(v) : dflt;
    free(v);
    return n;
}

static int attr_bool(xmlNode *node, const char *name, int dflt)
{
    char *v = attr(node, name);
    int b = v ? (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) : dflt;
    free(v);
    return b;
}

static int is_element(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The profile file: a name (config/profiles/NAME.xml) or a path. */
static char *profile_path_of(const char *profile)
{
    if (strchr(profile, '/') || (strlen(profile) > 4 && strcmp(profile + strlen(profile) - 4, ".xml") == 0))
        return dup_or_null(profile);
    char rel[512], buf[4096];
    snprintf(rel, sizeof rel, "config/profiles/%s.xml", profile);
    return dup_or_null(paths_data_file(rel, buf, sizeof buf));
}

/* Reads from the source's profile what pull needs: that it names the file,
 * its canonical source and its delimiter. */
static int read_profile(pull_source *s, const char *config_path, hr_error *err)
{
    char xsd[4096];
    xmlDoc *doc = xmlconf_load(s->profile_path,
                               paths_data_file("config/schema/profile.xsd", xsd, sizeof xsd),
                               HR_EINPUT, err);
    if (!doc)
        return err->code;
    xmlNode *root = xmlDocGetRootElement(doc);
    s->profile_name = attr(root, "name");
    char *delim = NULL;
    int found = 0;
    for (xmlNode *f = root->children; f; f = f->next) {
        if (!is_element(f, "file"))
            continue;
        char *name = attr(f, "name");
        if (name && strcmp(name, s->name) == 0) {
            found = 1;
            s->table = attr(f, "source");
            delim = attr(f, "delimiter");
        }
        free(name);
    }
    if (!delim)
        delim = attr(root, "delimiter");
    s->delimiter = !delim ? ',' : strcmp(delim, "tab") == 0 ? '\t' : delim[0];
    free(delim);
    xmlFreeDoc(doc);
    if (!found)
        return hr_error_set(err, HR_EINPUT, config_path, s->line, "name",
                            "source '%s': profile %s has no file of that name (its <file "
                            "name=...> is what the archive keeps and ingest reads)",
                            s->name, s->profile_path);
    if (!s->profile_name)
        s->profile_name = xstrdup("?");
    return HR_OK;
}

static int parse_days(const char *text, pull_config *cfg)
{
    int seen[32] = {0};
    for (const char *p = text; *p;) {
        char *end;
        long d = strtol(p, &end, 10);
        if (end == p)
            break;
        if (d >= 1 && d <= 31)
            seen[d] = 1;
        p = end;
    }
    cfg->nschedule_days = 0;
    for (int d = 1; d <= 31; d++)
        if (seen[d])
            cfg->schedule_days[cfg->nschedule_days++] = d;
    return 0;
}

int pull_config_load(const char *path, const char *archive_override, pull_config **out,
                     hr_error *err)
{
    char dflt[4096], xsd[4096];
    *out = NULL;
    if (!path)
        path = paths_data_file("config/sources.xml", dflt, sizeof dflt);
    /* the installation's schema, wherever the hospital keeps its file */
    xmlDoc *doc = xmlconf_load(
        path, paths_data_file("config/schema/sources.xsd", xsd, sizeof xsd), HR_EINPUT, err);
    if (!doc)
        return err->code;
    pull_config *cfg = xcalloc(1, sizeof *cfg);
    cfg->path = dup_or_null(path);
    xmlNode *root = xmlDocGetRootElement(doc);
    cfg->archive = archive_override ? dup_or_null(archive_override) : attr(root, "archive");
    if (!cfg->archive)
        cfg->archive = xstrdup("exports");
    /* relative to the folder hospreport runs in, made absolute now: the
     * manifest's archive paths are then the same from any folder (pull
     * --verify or ingest run elsewhere find the files) */
    if (cfg->archive[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (cwd) {
            size_t n = strlen(cwd) + strlen(cfg->archive) + 2;
            char *abs = xrealloc(NULL, n);
            snprintf(abs, n, "%s/%s", cwd, cfg->archive);
            free(cfg->archive), free(cwd);
            cfg->archive = abs;
        }
    }
    int rc = HR_OK;
    for (xmlNode *n = root->children; n && rc == HR_OK; n = n->next) {
        if (is_element(n, "schedule")) {
            char *days = attr(n, "days");
            parse_days(days ? days : "", cfg);
            free(days);
            continue;
        }
        if (!is_element(n, "source"))
            continue;
        cfg->sources = xrealloc(cfg->sources, (size_t)(cfg->nsources + 1) * sizeof *cfg->sources);
        pull_source *s = &cfg->sources[cfg->nsources++];
        memset(s, 0, sizeof *s);
        s->line = n->line;
        s->name = attr(n, "name");
        s->system = attr(n, "system");
        s->drop = attr(n, "drop");
        s->pattern = attr(n, "pattern");
        char *profile = attr(n, "profile");
        s->profile_path = profile_path_of(profile ? profile : "standard");
        free(profile);
        s->period_column = attr(n, "period-column");
        s->required = attr_bool(n, "required", 1);
        s->expected_day = attr_int(n, "expected-day", 5);
        s->stable_seconds = attr_int(n, "stable-seconds", 5);
        char *complete = attr(n, "complete");
        s->done_marker = complete && strcmp(complete, "done-marker") == 0;
        free(complete);
        for (xmlNode *c = n->children; c; c = c->next)
            if (is_element(c, "contact")) {
                s->contact.name = attr(c, "name");
                s->contact.dept = attr(c, "dept");
                s->contact.phone = attr(c, "phone");
                s->contact.email = attr(c, "email");
            }
        rc = read_profile(s, path, err);
    }
    xmlFreeDoc(doc);
    if (rc) {
        pull_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return HR_OK;
}

void pull_config_free(pull_config *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < cfg->nsources; i++) {
        pull_source *s = &cfg->sources[i];
        free(s->name), free(s->table), free(s->system), free(s->drop), free(s->pattern);
        free(s->profile_path), free(s->profile_name), free(s->period_column);
        free(s->contact.name), free(s->contact.dept), free(s->contact.phone),
            free(s->contact.email);
    }
    free(cfg->sources);
    free(cfg->path);
    free(cfg->archive);
    free(cfg);
}
