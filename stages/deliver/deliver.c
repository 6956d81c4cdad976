/*
 * deliver.c -- reports to their readers (see deliver.h).
 *
 * Three steps: read config/delivery.xml into plain structs; list the
 * period's reports from the registry (the latest PDF of each kind, scope
 * and language, checked against its recorded SHA-256 so that nothing edited
 * or half-written goes out); then, per target, compare with the latest
 * delivery recorded and deliver what is new or changed: a copy into each
 * folder (written beside, then renamed into place), one message per
 * address. A target that fails is reported and the others still served;
 * only what reached its target is recorded.
 */
#include "stages/deliver/deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/tree.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "pipeline/core/xmlconf.h"
#include "stages/deliver/mime.h"

/* ---- configuration ---- */

typedef struct target {
    int is_email;
    char *where; /* folder path (with placeholders) or address */
    char *name;  /* addressee's name, or NULL */
} target;

typedef struct route {
    char **scopes; /* "hospital", "*" or dept_codes */
    int nscopes;
    unsigned langs, kinds; /* bit sets */
    target *targets;
    int ntargets;
    long line;
} route;

typedef struct config {
    char *from, *from_name, *sendmail;
    route *routes;
    int nroutes;
} config;

static const char *const LANGS[] = {"zh_CN", "en", "bilingual"};
static const char *const KINDS[] = {"monthly", "quarterly", "annual"};

/* A copy of s, "" for NULL. */
static char *dup_or_empty(const char *s) { return xstrdup(s ? s : ""); }

static char *attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = dup_or_empty((const char *)v);
    xmlFree(v);
    return s;
}

static int is_element(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Bits of the words of `text` found in names[]. */
static unsigned word_bits(const char *text, const char *const *names, int n)
{
    unsigned bits = 0;
    char *copy = dup_or_empty(text), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        for (int i = 0; i < n; i++)
            if (strcmp(w, names[i]) == 0)
                bits |= 1u << i;
    free(copy);
    return bits;
}

static void config_free(config *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nroutes; i++) {
        route *r = &c->routes[i];
        for (int k = 0; k < r->nscopes; k++)
            free(r->scopes[k]);
        for (int k = 0; k < r->ntargets; k++)
            free(r->targets[k].where), free(r->targets[k].name);
        free(r->scopes), free(r->targets);
    }
    free(c->routes), free(c->from), free(c->from_name), free(c->sendmail);
    free(c);
}

static int config_load(const char *path, config **out, hr_error *err)
{
    char dflt[4096], xsd[4096];
    if (!path)
        path = paths_data_file("config/delivery.xml", dflt, sizeof dflt);
    xmlDoc *doc = xmlconf_load(
        path, paths_data_file("config/schema/delivery.xsd", xsd, sizeof xsd), HR_EINPUT, err);
    if (!doc)
        return err->code;
    config *c = xcalloc(1, sizeof *c);
    xmlNode *root = xmlDocGetRootElement(doc);
    c->from = attr(root, "from");
    c->from_name = attr(root, "from-name");
    c->sendmail = attr(root, "sendmail");
    if (!c->sendmail)
        c->sendmail = xstrdup("/usr/sbin/sendmail");
    for (xmlNode *n = root->children; n; n = n->next) {
        if (!is_element(n, "scope"))
            continue;
        c->routes = xrealloc(c->routes, (size_t)(c->nroutes + 1) * sizeof *c->routes);
        route *r = &c->routes[c->nroutes++];
        memset(r, 0, sizeof *r);
        r->line = n->line;
        char *of = attr(n, "of"), *langs = attr(n, "langs"), *kinds = attr(n, "reports");
        char *save = NULL;
        for (char *w = strtok_r(of, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            r->scopes = xrealloc(r->scopes, (size_t)(r->nscopes + 1) * sizeof *r->scopes);
            r->scopes[r->nscopes++] = dup_or_empty(w);
        }
        r->langs = word_bits(langs ? langs : "zh_CN", LANGS, 3);
        r->kinds = word_bits(kinds ? kinds : "monthly quarterly annual", KINDS, 3);
        free(of), free(langs), free(kinds);
        for (xmlNode *t = n->children; t; t = t->next) {
            int email = is_element(t, "email");
            if (!email && !is_element(t, "folder"))
                continue;
            r->targets = xrealloc(r->targets, (size_t)(r->ntargets + 1) * sizeof *r->targets);
            target *tg = &r->targets[r->ntargets++];
            tg->is_email = email;
            tg->where = attr(t, email ? "address" : "path");
            tg->name = email ? attr(t, "name") : NULL;
        }
    }
    xmlFreeDoc(doc);
    *out = c;
    return HR_OK;
}

static int route_has_scope(const route *r, const char *scope)
{
    for (int i = 0; i < r->nscopes; i++) {
        if (strcmp(r->scopes[i], scope) == 0)
            return 1;
        if (strcmp(r->scopes[i], "*") == 0 && strcmp(scope, "hospital") != 0)
            return 1;
    }
    return 0;
}

static int bit_of(const char *word, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(word, names[i]) == 0)
            return 1 << i;
    return 0;
}

/* ---- the period's reports ---- */

typedef struct report {
    char *kind, *period, *scope, *lang, *path, *sha256;
    char *name_zh, *name_en; /* the scope's names */
    char *file_name;         /* as the reader sees it */
    char *title_zh, *title_en;
} report;

static void report_free(report *r)
{
    free(r->kind), free(r->period), free(r->scope), free(r->lang), free(r->path);
    free(r->sha256), free(r->name_zh), free(r->name_en), free(r->file_name);
    free(r->title_zh), free(r->title_en);
}

/* The words of a message, its file names and titles come from the catalog
 * (locales/zh_CN.po) in the language asked for -- the addressee's, not the
 * terminal's: zh != 0 Chinese, else English. */
static const char *tr(int zh, const char *msgid) { return msg_tr_lang(zh, msgid); }

static const char *kind_name(int zh, const char *kind)
{
    return tr(zh, strcmp(kind, "monthly") == 0     ? N_("monthly operations report")
                  : strcmp(kind, "quarterly") == 0 ? N_("quarterly operations report")
                                                   : N_("annual operations report"));
}

static const char *kind_zh(const char *kind) { return kind_name(1, kind); }

/* A file name without characters a folder or a mail reader would choke on. */
static char *clean_name(const char *s)
{
    char *d = dup_or_empty(s);
    for (char *p = d; *p; p++)
        if (*p == '/' || *p == '\\' || *p == ':' || *p == '"' || (unsigned char)*p < 0x20)
            *p = '_';
    return d;
}

/* The scope's names as of the report's last month (its code for a scope
 * no dictionary names); a database error is the caller's. */
static int scope_names(sqlite3 *db, report *r, hr_error *err)
{
    if (strcmp(r->scope, "hospital") == 0) {
        r->name_zh = xstrdup("全院");
        r->name_en = xstrdup("Hospital");
        return HR_OK;
    }
    period p;
    char last[PERIOD_LABEL_MAX];
    if (period_parse(r->period, &p, NULL) == 0)
        period_month_label(p.last, last);
    else
        snprintf(last, sizeof last, "%s", r->period);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT name_zh, name_en FROM dept WHERE dept_code = ? AND "
                                  "period <= ? ORDER BY period DESC LIMIT 1",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, r->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, last, -1, SQLITE_STATIC);
    int got = db_one(st, err);
    if (got > 0) {
        r->name_zh = dup_or_empty((const char *)sqlite3_column_text(st, 0));
        r->name_en = dup_or_empty((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (!r->name_zh)
        r->name_zh = dup_or_empty(r->scope);
    if (!r->name_en)
        r->name_en = dup_or_empty(r->scope);
    return got < 0 ? err->code : HR_OK;
}

static void report_titles(report *r)
{
    strbuf sb = STRBUF_INIT;
    /* TRANSLATORS: a report in an e-mail: the scope's name, the period, the
     * kind ("Cardiology, 2026-10 monthly operations report") */
    const char *title = N_("%s, %s %s");
    sb_addf(&sb, tr(1, title), r->name_zh, r->period, kind_name(1, r->kind));
    r->title_zh = sb_detach(&sb, NULL);
    sb_addf(&sb, tr(0, title), r->name_en, r->period, kind_name(0, r->kind));
    r->title_en = sb_detach(&sb, NULL);
    if (strcmp(r->lang, "en") == 0)
        sb_addf(&sb, "%s %s %s.pdf", r->period, r->name_en, kind_name(0, r->kind));
    else
        sb_addf(&sb, "%s %s %s%s.pdf", r->period, r->name_zh, kind_zh(r->kind),
                strcmp(r->lang, "bilingual") == 0 ? tr(1, N_(" (bilingual)")) : "");
    r->file_name = clean_name(sb.buf);
    sb_release(&sb);
}

/* The latest registry row of each (kind, scope, lang) of `period`. */
static int list_reports(sqlite3 *db, const char *kind, const char *period_text, report **out,
                        int *n, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        db,
        "SELECT r.kind, r.period, r.scope, r.lang, r.output_path, r.output_sha256 "
        "FROM report_run r WHERE r.kind = ?1 AND r.period = ?2 AND r.run_id = "
        "(SELECT max(run_id) FROM report_run x WHERE x.kind = r.kind AND x.period = r.period "
        "AND x.scope = r.scope AND x.lang = r.lang) "
        "ORDER BY r.scope = 'hospital' DESC, r.scope, r.lang",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period_text, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        report *r = &(*out)[(*n)++];
        memset(r, 0, sizeof *r);
        r->kind = dup_or_empty((const char *)sqlite3_column_text(st, 0));
        r->period = dup_or_empty((const char *)sqlite3_column_text(st, 1));
        r->scope = dup_or_empty((const char *)sqlite3_column_text(st, 2));
        r->lang = dup_or_empty((const char *)sqlite3_column_text(st, 3));
        r->path = dup_or_empty((const char *)sqlite3_column_text(st, 4));
        r->sha256 = dup_or_empty((const char *)sqlite3_column_text(st, 5));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading report_run", err);
    return HR_OK;
}

/* ---- the record ---- */

typedef struct earlier {
    int64_t id; /* 0: never delivered */
    char sha256[DIGEST_HEX_SIZE];
    char when[32];
} earlier;

static int latest_delivery(sqlite3 *db, const char *channel, const char *where, const report *r,
                           earlier *e, hr_error *err)
{
    memset(e, 0, sizeof *e);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT delivery_id, pdf_sha256, delivered_at FROM delivery "
                                  "WHERE channel = ? AND target = ? AND kind = ? AND period = ? "
                                  "AND scope = ? AND lang = ? ORDER BY delivery_id DESC LIMIT 1",
                                  err);
    if (!st)
        return err->code;
    const char *v[] = {channel, where, r->kind, r->period, r->scope, r->lang};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        e->id = sqlite3_column_int64(st, 0);
        snprintf(e->sha256, sizeof e->sha256, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(e->when, sizeof e->when, "%s", (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, "reading delivery", err);
    return HR_OK;
}

static int record(sqlite3 *db, const char *channel, const char *where, const report *r,
                  const char *message_id, const earlier *e, hr_error *err)
{
    char now[32], replaces[32];
    db_now(now, sizeof now);
    snprintf(replaces, sizeof replaces, "%lld", (long long)e->id);
    return db_exec_args(db, err,
                        "INSERT INTO delivery (kind, period, scope, lang, channel, target, "
                        "file_name, pdf_sha256, message_id, replaces, delivered_at) VALUES "
                        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, nullif(?9, ''), "
                        "nullif(CAST(?10 AS INTEGER), 0), ?11)",
                        r->kind, r->period, r->scope, r->lang, channel, where, r->file_name,
                        r->sha256, message_id ? message_id : "", replaces, now, NULL);
}

/* ---- folders ---- */

static void expand_folder(const char *pattern, const report *r, strbuf *out)
{
    sb_reset(out);
    for (const char *p = pattern; *p;) {
        if (strncmp(p, "{scope}", 7) == 0)
            sb_addstr(out, r->scope), p += 7;
        else if (strncmp(p, "{name}", 6) == 0) {
            char *clean = clean_name(r->name_zh);
            sb_addstr(out, clean);
            free(clean);
            p += 6;
        } else if (strncmp(p, "{period}", 8) == 0)
            sb_addstr(out, r->period), p += 8;
        else if (strncmp(p, "{kind}", 6) == 0)
            sb_addstr(out, r->kind), p += 6;
        else
            sb_addch(out, *p++);
    }
}

static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int copy_to_folder(const char *folder, const report *r, const char *data, size_t len,
                          hr_error *err)
{
    if (make_dirs(folder) != 0)
        return hr_error_set(err, HR_EFAIL, folder, 0, NULL, "cannot create the folder: %s",
                            strerror(errno));
    char tmp[PATH_MAX], dst[PATH_MAX];
    const char *base = strrchr(r->path, '/');
    base = base ? base + 1 : r->path;
    snprintf(dst, sizeof dst, "%s/%s", folder, base);
    snprintf(tmp, sizeof tmp, "%s/.%s.deliver-%ld", folder, base, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return hr_error_set(err, HR_EFAIL, tmp, 0, NULL, "cannot write: %s", strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0)
            break;
        off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, dst) != 0) {
        int e = errno;
        unlink(tmp);
        return hr_error_set(err, HR_EFAIL, dst, 0, NULL, "cannot write: %s", strerror(e));
    }
    return HR_OK;
}

/* ---- e-mail ---- */

static void rfc5322_date(char *buf, size_t size)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* Hands the message to `sendmail -oi -t`. */
static int send_message(const char *sendmail, const strbuf *msg, const char *to, hr_error *err)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return hr_error_set(err, HR_EFAIL, sendmail, 0, NULL, "cannot start: %s",
                            strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]), close(pipefd[1]);
        return hr_error_set(err, HR_EFAIL, sendmail, 0, NULL, "cannot start: %s",
                            strerror(errno));
    }
    if (pid == 0) {
        dup2(pipefd[0], 0);
        close(pipefd[0]), close(pipefd[1]);
        execl(sendmail, "sendmail", "-oi", "-t", (char *)NULL);
        _exit(127);
    }
    close(pipefd[0]);
    /* a sendmail that dies early must not kill us with SIGPIPE */
    struct sigaction ignore = {0}, saved;
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &saved);
    size_t off = 0;
    while (off < msg->len) {
        ssize_t w = write(pipefd[1], msg->buf + off, msg->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        off += (size_t)w;
    }
    close(pipefd[1]);
    sigaction(SIGPIPE, &saved, NULL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return hr_error_set(err, HR_EFAIL, sendmail, 0, NULL,
                            "cannot run it (the sendmail attribute of delivery.xml)");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || off != msg->len)
        return hr_error_set(err, HR_EFAIL, sendmail, 0, NULL,
                            "refused the message to %s (exit status %d)", to,
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return HR_OK;
}

/* TRANSLATORS: the language of a report attached to an e-mail */
static const char *lang_name(int zh, const char *lang)
{
    return tr(zh, strcmp(lang, "en") == 0          ? N_("English edition")
                  : strcmp(lang, "bilingual") == 0 ? N_("bilingual edition")
                                                   : N_("Chinese edition"));
}

/* ---- the plan ---- */

typedef struct item {
    report *r;
    earlier prev;
    char *data;
    size_t len;
} item;

typedef struct mailbox {
    char *address, *name;
    item *items;
    int n;
    unsigned langs; /* the langs= of the scopes that send to it */
} mailbox;

/* The PDF's bytes if they still have the SHA-256 the registry recorded. */
static char *read_report(const report *r, size_t *len, hr_error *err)
{
    FILE *f = fopen(r->path, "rb");
    if (!f) {
        hr_error_set(err, HR_EFAIL, r->path, 0, NULL,
                     "the report is gone since it was rendered: render it again");
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    char hex[DIGEST_HEX_SIZE];
    digest_buffer(sb.buf, sb.len, hex);
    if (strcmp(hex, r->sha256) != 0) {
        sb_release(&sb);
        hr_error_set(err, HR_EFAIL, r->path, 0, NULL,
                     "changed since it was rendered (SHA-256 differs from the registry's): "
                     "render it again before delivering");
        return NULL;
    }
    return sb_detach(&sb, len);
}

/* The languages a message is written in: the addressee's, the langs= of
 * delivery.xml's scopes that send to it -- Chinese for zh_CN or bilingual,
 * English for en or bilingual; both, Chinese first, when it reads both. */
static void mail_langs(const mailbox *mb, int *zh, int *en)
{
    unsigned both = (unsigned)bit_of("bilingual", LANGS, 3);
    *zh = (mb->langs & ((unsigned)bit_of("zh_CN", LANGS, 3) | both)) != 0;
    *en = (mb->langs & ((unsigned)bit_of("en", LANGS, 3) | both)) != 0;
    if (!*zh && !*en)
        *zh = 1;
}

static void body_text(const mailbox *mb, const char *period, strbuf *out)
{
    int langs[2], nl = 0, zh, en;
    mail_langs(mb, &zh, &en);
    if (zh)
        langs[nl++] = 1;
    if (en)
        langs[nl++] = 0;
    for (int k = 0; k < nl; k++) {
        int l = langs[k];
        if (k == 0 && mb->name && *mb->name)
            sb_addf(out, tr(l, N_("Dear %s,\n\n")), mb->name);
        else if (k == 0)
            sb_addstr(out, tr(l, N_("Hello,\n\n")));
        else
            sb_addstr(out, "\n");
        sb_addf(out,
                msg_ntr_lang(l, "%d operations analysis report for %s is attached:\n\n",
                             "%d operations analysis reports for %s are attached:\n\n",
                             (unsigned long)mb->n),
                mb->n, period);
        for (int i = 0; i < mb->n; i++) {
            const report *r = mb->items[i].r;
            sb_addf(out, tr(l, N_("  %d. %s (%s)\n")), i + 1, l ? r->title_zh : r->title_en,
                    lang_name(l, r->lang));
            if (k == 0)
                sb_addf(out, "     %s\n", r->file_name);
            if (mb->items[i].prev.id)
                sb_addf(out,
                        tr(l, N_("     This corrected report replaces the one sent on %.10s; "
                                 "please use this version.\n")),
                        mb->items[i].prev.when);
        }
    }
    sb_addstr(out, "\n-- \nhospreport\n");
}

static void subject_text(const mailbox *mb, const char *period, strbuf *out)
{
    int corrected = 0, zh, en;
    for (int i = 0; i < mb->n; i++)
        corrected |= mb->items[i].prev.id != 0;
    mail_langs(mb, &zh, &en);
    const report *r = mb->items[0].r;
    for (int l = 1; l >= 0; l--) {
        if (!(l ? zh : en))
            continue;
        if (out->len)
            sb_addstr(out, " / ");
        if (corrected)
            sb_addstr(out, tr(l, N_("[Corrected] ")));
        if (mb->n > 1)
            sb_addf(out, tr(l, N_("Operations analysis reports %s: %s %s and others, %d in all")),
                    period, l ? r->name_zh : r->name_en, kind_name(l, r->kind), mb->n);
        else
            sb_addf(out, tr(l, N_("Operations analysis report %s: %s %s")), period,
                    l ? r->name_zh : r->name_en, kind_name(l, r->kind));
    }
}

/* Sends one mailbox's message and records it: -1 when sendmail failed
 * (err set, nothing recorded), an hr_code when the database did. */
static int mail_one(sqlite3 *db, const config *c, mailbox *mb, const char *period, FILE *out,
                    deliver_summary *sum, hr_error *err)
{
    strbuf subject = STRBUF_INIT, body = STRBUF_INIT, msg = STRBUF_INIT, idsrc = STRBUF_INIT;
    subject_text(mb, period, &subject);
    body_text(mb, period, &body);
    mime_attachment *att = xrealloc(NULL, (size_t)mb->n * sizeof *att);
    for (int i = 0; i < mb->n; i++) {
        att[i] = (mime_attachment){mb->items[i].r->file_name, "application/pdf",
                                   mb->items[i].data, mb->items[i].len};
        sb_addf(&idsrc, "%s %s\n", mb->items[i].r->path, mb->items[i].r->sha256);
    }
    sb_addf(&idsrc, "%s %s", mb->address, period);
    char hex[DIGEST_HEX_SIZE], id[128], date[64];
    digest_buffer(idsrc.buf, idsrc.len, hex);
    const char *at = strchr(c->from, '@');
    snprintf(id, sizeof id, "%.32s.hospreport@%s", hex, at ? at + 1 : "localhost");
    rfc5322_date(date, sizeof date);
    mime_message m = {c->from,     c->from_name, mb->address, mb->name, subject.buf,
                      body.buf,    date,         id,          att,      mb->n};
    mime_build(&msg, &m);
    int rc = send_message(c->sendmail, &msg, mb->address, err) ? -1 : HR_OK;
    if (rc == HR_OK) {
        sum->messages++;
        for (int i = 0; i < mb->n && rc == HR_OK; i++) {
            rc = record(db, "email", mb->address, mb->items[i].r, id, &mb->items[i].prev, err);
            sum->attachments++;
            sum->replaced += mb->items[i].prev.id != 0;
            if (out)
                fprintf(out, "sent    %s  %s%s\n", mb->address, mb->items[i].r->file_name,
                        mb->items[i].prev.id ? "  (replaces the one sent earlier)" : "");
        }
    }
    free(att);
    sb_release(&subject), sb_release(&body), sb_release(&msg), sb_release(&idsrc);
    return rc;
}

static mailbox *find_mailbox(mailbox **boxes, int *n, const target *t)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*boxes)[i].address, t->where) == 0)
            return &(*boxes)[i];
    *boxes = xrealloc(*boxes, (size_t)(*n + 1) * sizeof **boxes);
    mailbox *mb = &(*boxes)[(*n)++];
    memset(mb, 0, sizeof *mb);
    mb->address = t->where;
    mb->name = t->name;
    return mb;
}

static int already_listed(const mailbox *mb, const report *r)
{
    for (int i = 0; i < mb->n; i++)
        if (mb->items[i].r == r)
            return 1;
    return 0;
}

/* Keeps the first error, counts the failure, goes on. */
static void note_failure(hr_error *first, const hr_error *e, deliver_summary *sum)
{
    char line[1600];
    log_warn("deliver: %s", hr_error_format(e, line, sizeof line));
    sum->failed++;
    if (!first->code)
        *first = *e;
}

int deliver_period(sqlite3 *db, const deliver_options *opt, deliver_summary *sum, hr_error *err)
{
    memset(sum, 0, sizeof *sum);
    period p;
    if (period_parse(opt->period, &p, err))
        return err->code;
    config *c = NULL;
    if (config_load(opt->config_path, &c, err))
        return err->code;
    /* which reports: the period's own, and with_due_reports a month's
     * quarter and year when it ends them (what `run` renders) */
    report *reports = NULL;
    int n = 0, rc = HR_OK;
    char label[PERIOD_LABEL_MAX];
    rc = list_reports(db, p.kind == PERIOD_MONTH     ? "monthly"
                          : p.kind == PERIOD_QUARTER ? "quarterly"
                          : p.kind == PERIOD_YEAR    ? "annual"
                                                     : "topic",
                      period_label(&p, label), &reports, &n, err);
    if (rc == HR_OK && opt->with_due_reports && p.kind == PERIOD_MONTH) {
        int y = period_year(p.first), m = period_month(p.first);
        if (m % 3 == 0) {
            snprintf(label, sizeof label, "%04d-Q%d", y, m / 3);
            rc = list_reports(db, "quarterly", label, &reports, &n, err);
        }
        if (rc == HR_OK && m == 12) {
            snprintf(label, sizeof label, "%04d", y);
            rc = list_reports(db, "annual", label, &reports, &n, err);
        }
    }
    for (int i = 0; i < n && rc == HR_OK; i++) {
        rc = scope_names(db, &reports[i], err);
        report_titles(&reports[i]);
    }
    hr_error first;
    hr_error_clear(&first);
    mailbox *boxes = NULL;
    int nboxes = 0;
    char **data = xcalloc((size_t)n + 1, sizeof *data);
    size_t *lens = xcalloc((size_t)n + 1, sizeof *lens);
    int *bad = xcalloc((size_t)n + 1, sizeof *bad);
    strbuf folder = STRBUF_INIT;
    for (int i = 0; i < n && rc == HR_OK; i++) {
        report *r = &reports[i];
        for (int k = 0; k < c->nroutes && rc == HR_OK; k++) {
            const route *rt = &c->routes[k];
            if (!route_has_scope(rt, r->scope) || !(rt->langs & bit_of(r->lang, LANGS, 3)) ||
                !(rt->kinds & bit_of(r->kind, KINDS, 3)))
                continue;
            for (int t = 0; t < rt->ntargets && rc == HR_OK; t++) {
                const target *tg = &rt->targets[t];
                if (!tg->is_email)
                    expand_folder(tg->where, r, &folder);
                const char *where = tg->is_email ? tg->where : folder.buf;
                earlier prev;
                if ((rc = latest_delivery(db, tg->is_email ? "email" : "folder", where, r, &prev,
                                          err)))
                    break;
                if (prev.id && strcmp(prev.sha256, r->sha256) == 0) {
                    sum->unchanged++;
                    continue;
                }
                if (bad[i])
                    continue;
                if (!data[i]) {
                    hr_error e;
                    hr_error_clear(&e);
                    data[i] = read_report(r, &lens[i], &e);
                    if (!data[i]) {
                        bad[i] = 1;
                        note_failure(&first, &e, sum);
                        continue;
                    }
                }
                if (tg->is_email) {
                    mailbox *mb = find_mailbox(&boxes, &nboxes, tg);
                    mb->langs |= rt->langs;
                    if (already_listed(mb, r))
                        continue;
                    mb->items = xrealloc(mb->items, (size_t)(mb->n + 1) * sizeof *mb->items);
                    mb->items[mb->n++] = (item){r, prev, data[i], lens[i]};
                    continue;
                }
                hr_error e;
                hr_error_clear(&e);
                if (copy_to_folder(where, r, data[i], lens[i], &e) != HR_OK) {
                    note_failure(&first, &e, sum);
                    continue;
                }
                rc = record(db, "folder", where, r, NULL, &prev, err);
                sum->copies++;
                sum->replaced += prev.id != 0;
                if (opt->out)
                    fprintf(opt->out, "copied  %s/%s%s\n", where,
                            strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path,
                            prev.id ? "  (replaces the copy of earlier)" : "");
            }
        }
    }
    for (int b = 0; b < nboxes && rc == HR_OK; b++) {
        hr_error e;
        hr_error_clear(&e);
        int mrc = mail_one(db, c, &boxes[b], opt->period, opt->out, sum, &e);
        if (mrc < 0) { /* this addressee: the others still get theirs */
            note_failure(&first, &e, sum);
        } else if (mrc) { /* the database: stop */
            *err = e;
            rc = mrc;
        }
    }
    for (int b = 0; b < nboxes; b++)
        free(boxes[b].items);
    free(boxes);
    sb_release(&folder);
    for (int i = 0; i < n; i++) {
        free(data[i]);
        report_free(&reports[i]);
    }
    free(data), free(lens), free(bad), free(reports);
    config_free(c);
    if (rc == HR_OK && first.code) {
        *err = first;
        rc = first.code;
    }
    return rc;
}
