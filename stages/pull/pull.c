/*
 * pull.c -- collecting a period's exports into the archive (see pull.h).
 *
 * Per source: find the one file of the period in the drop folder, make sure
 * it is complete and really of the period, copy it (hashing as it goes) to
 * a temporary name inside the archive's month folder, check the source did
 * not change during the copy, then link it to its final name -- link(),
 * not rename(), so an existing name is never replaced -- make it read-only
 * and record it. Any failure removes the temporary file: the archive and
 * the manifest are as they were.
 */
#include "stages/pull/pull.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <iconv.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/core/calendar.h"
#include "pipeline/core/csv.h"
#include "pipeline/core/db.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"

/* The DETAIL column and --verify's problems are for the person at the
 * terminal: in the messages' language (msg.h), like errors; the STATE
 * words and ok/BAD stay the same in every language, for scripts. */
__attribute__((format(printf, 3, 4))) static int detail_printf(char *buf, size_t size,
                                                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(buf, size, msg_tr(fmt), ap);
    va_end(ap);
    return rc;
}


/* ---- names ---- */

/* The pattern with the period filled in (generic: any period, as [0-9]
 * classes). */
static void expand_pattern(const char *pattern, const char *period, int generic, strbuf *out)
{
    const char *yyyy = generic ? "[0-9][0-9][0-9][0-9]" : NULL;
    const char *mm = generic ? "[0-9][0-9]" : NULL;
    char y[5], m[3];
    snprintf(y, sizeof y, "%.4s", period);
    snprintf(m, sizeof m, "%.2s", period + 5);
    sb_reset(out);
    for (const char *p = pattern; *p;) {
        if (strncmp(p, "{YYYYMM}", 8) == 0) {
            sb_addstr(out, yyyy ? yyyy : y), sb_addstr(out, mm ? mm : m), p += 8;
        } else if (strncmp(p, "{YYYY-MM}", 9) == 0) {
            sb_addstr(out, yyyy ? yyyy : y), sb_addch(out, '-'), sb_addstr(out, mm ? mm : m), p += 9;
        } else if (strncmp(p, "{YYYY}", 6) == 0) {
            sb_addstr(out, yyyy ? yyyy : y), p += 6;
        } else if (strncmp(p, "{MM}", 4) == 0) {
            sb_addstr(out, mm ? mm : m), p += 4;
        } else {
            sb_addch(out, *p++);
        }
    }
}

/* NAME for version 1, NAME-without-extension.vN.ext after. */
static void version_name(const char *name, int version, char *buf, size_t size)
{
    if (version <= 1) {
        snprintf(buf, size, "%s", name);
        return;
    }
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        snprintf(buf, size, "%s.v%d", name, version);
    else
        snprintf(buf, size, "%.*s.v%d%s", (int)(dot - name), name, version, dot);
}

static void iso_time(time_t t, char buf[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int32_t pull_expected_days(const pull_source *s, const char *period)
{
    int y = atoi(period), m = atoi(period + 5) + 1;
    if (m > 12)
        m = 1, y++;
    return calendar_days_from_civil(y, m, s->expected_day);
}

static void contact_text(const pull_source *s, strbuf *sb)
{
    sb_addf(sb, "%s, %s", s->contact.name ? s->contact.name : "?",
            s->contact.dept ? s->contact.dept : "?");
    if (s->contact.phone)
        sb_addf(sb, ", %s", s->contact.phone);
    if (s->contact.email)
        sb_addf(sb, ", %s", s->contact.email);
}

/* ---- the manifest ---- */

typedef struct archived {
    int version; /* 0: nothing archived */
    char sha256[DIGEST_HEX_SIZE];
    char path[1024];
} archived;

static int newest_archived(sqlite3 *db, const char *period, const char *name, archived *a,
                           hr_error *err)
{
    memset(a, 0, sizeof *a);
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT version, sha256, archive_path FROM archive_file "
                                  "WHERE period = ? AND source = ? ORDER BY version DESC LIMIT 1",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        a->version = sqlite3_column_int(st, 0);
        snprintf(a->sha256, sizeof a->sha256, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(a->path, sizeof a->path, "%s", (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, "reading archive_file", err);
    return HR_OK;
}

/* ---- the period in a file's content ---- */

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len)
            return 0;
        if (i + len > n)
            return 1; /* cut off at the end of the sample */
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

/* The first bytes of the file as UTF-8 (converted from GB18030 when they
 * are not UTF-8), cut at the last line end. Caller frees. */
static char *sample_utf8(const char *path, size_t *len)
{
    enum { SAMPLE = 65536 };
    char *raw = xmalloc(SAMPLE);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, raw, SAMPLE) : -1;
    if (fd >= 0)
        close(fd);
    if (n < 0)
        n = 0;
    size_t keep = (size_t)n;
    if (keep == SAMPLE) {
        while (keep > 0 && raw[keep - 1] != '\n')
            keep--;
    }
    if (valid_utf8((unsigned char *)raw, keep)) {
        *len = keep;
        return raw;
    }
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    size_t cap = keep * 2 + 16;
    char *utf = xmalloc(cap);
    char *in = raw, *outp = utf;
    size_t inleft = keep, outleft = cap;
    if (cd != (iconv_t)-1) {
        iconv(cd, &in, &inleft, &outp, &outleft); /* stops at a bad byte: check what converted */
        iconv_close(cd);
    }
    free(raw);
    *len = (size_t)(outp - utf);
    return utf;
}

/* Year and month from the first six digits of a field (year first:
 * 2026-10-03, 2026/10/03 08:00, 202610); 0 if it has none. */
static int field_month(const char *s, size_t len)
{
    char digits[7];
    int n = 0;
    for (size_t i = 0; i < len && n < 6; i++)
        if (s[i] >= '0' && s[i] <= '9')
            digits[n++] = s[i];
        else if (n > 0 && n < 4 && s[i] != ' ')
            return 0; /* "3/10/2026": not year first */
    if (n < 6)
        return 0;
    digits[6] = 0;
    int y = (digits[0] - '0') * 1000 + (digits[1] - '0') * 100 + (digits[2] - '0') * 10 +
            (digits[3] - '0');
    int m = (digits[4] - '0') * 10 + (digits[5] - '0');
    return m >= 1 && m <= 12 ? y * 100 + m : 0;
}

/* 0 when the file's first rows are of `period` (or it cannot tell), else
 * fills detail and returns 1. */
static int content_of_other_month(const pull_source *s, const char *path, const char *period,
                                  char *detail, size_t size)
{
    if (!s->period_column)
        return 0;
    size_t len;
    char *text = sample_utf8(path, &len);
    csv_reader *r = csv_open_memory(text, len, path, s->delimiter, NULL);
    int result = 0;
    if (!r) {
        free(text);
        return 0;
    }
    int col = -1;
    if (csv_next(r, NULL) == 1) {
        const csv_field *f = csv_fields(r);
        for (size_t i = 0; i < csv_count(r); i++)
            if (f[i].len == strlen(s->period_column) &&
                memcmp(f[i].data, s->period_column, f[i].len) == 0)
                col = (int)i;
    }
    if (col < 0) {
        detail_printf(detail, size, "no column '%s' (the period-column of %s) in its header",
                 s->period_column, s->name);
        result = 1;
    } else {
        int want = atoi(period) * 100 + atoi(period + 5);
        int same = 0, other = 0, other_month = 0, rows = 0;
        long other_line = 0;
        while (rows < 200 && csv_next(r, NULL) == 1) {
            rows++;
            if ((size_t)col >= csv_count(r))
                continue;
            const csv_field *f = &csv_fields(r)[col];
            int m = field_month(f->data, f->len);
            if (m == want)
                same++;
            else if (m) {
                if (!other)
                    other_month = m, other_line = csv_line(r);
                other++;
            }
        }
        if (other > same) {
            detail_printf(detail, size,
                     "its rows are of another month: %d of its first %d rows have %s in "
                     "%04d-%02d (first at line %ld), %d in %s; is it the right month's export?",
                     other, rows, s->period_column, other_month / 100, other_month % 100,
                     other_line, same, period);
            result = 1;
        }
    }
    csv_close(r);
    free(text);
    return result;
}

/* ---- one source ---- */

typedef struct candidate {
    char name[NAME_MAX + 1];
} candidate;

/* Lists the drop folder's files matching `glob`; skips hidden ones. */
static int list_matches(const char *dir, const char *glob, candidate **out, int *n, int *errno_out)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        *errno_out = errno;
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || fnmatch(glob, e->d_name, FNM_PERIOD) != 0)
            continue;
        size_t nlen = strlen(e->d_name);
        if (nlen > 5 && strcmp(e->d_name + nlen - 5, ".done") == 0)
            continue; /* a completion marker, not an export */
        *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        snprintf((*out)[(*n)++].name, sizeof(*out)->name, "%s", e->d_name);
    }
    closedir(d);
    return 0;
}

static void sleep_seconds(int s)
{
    struct timespec ts = {s, 0};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Makes the month folder writable for the time of a change. */
static int open_month_dir(const char *dir, hr_error *err)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash) {
            *slash = 0;
            if (mkdir(parent, 0755) != 0 && errno != EEXIST)
                return hr_error_set(err, HR_EFAIL, parent, 0, NULL,
                                    "cannot create the archive folder: %s", strerror(errno));
        }
        if (mkdir(dir, 0755) != 0)
            return hr_error_set(err, HR_EFAIL, dir, 0, NULL,
                                "cannot create the archive folder: %s", strerror(errno));
        return HR_OK;
    }
    if (chmod(dir, 0755) != 0)
        return hr_error_set(err, HR_EFAIL, dir, 0, NULL, "cannot open the archive folder: %s",
                            strerror(errno));
    return HR_OK;
}

static void close_month_dir(const char *dir) { chmod(dir, 0555); }

/* Copies src (open) to dst (created exclusively), hashing. */
static int copy_hashing(int in, const char *dst, char hex[DIGEST_HEX_SIZE], uint64_t *bytes,
                        hr_error *err)
{
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (out < 0)
        return hr_error_set(err, HR_EFAIL, dst, 0, NULL, "cannot create: %s", strerror(errno));
    digest_ctx *ctx = digest_begin();
    char buf[1 << 16];
    ssize_t n;
    *bytes = 0;
    int rc = HR_OK;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        digest_update(ctx, buf, (size_t)n);
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) {
                rc = hr_error_set(err, HR_EFAIL, dst, 0, NULL, "cannot write: %s",
                                  strerror(errno));
                break;
            }
            off += w;
        }
        if (rc)
            break;
        *bytes += (uint64_t)n;
    }
    if (n < 0 && rc == HR_OK)
        rc = hr_error_set(err, HR_EFAIL, dst, 0, NULL, "cannot read the drop file: %s",
                          strerror(errno));
    digest_finish(ctx, hex);
    if (rc == HR_OK && fsync(out) != 0)
        rc = hr_error_set(err, HR_EFAIL, dst, 0, NULL, "cannot sync: %s", strerror(errno));
    if (close(out) != 0 && rc == HR_OK)
        rc = hr_error_set(err, HR_EFAIL, dst, 0, NULL, "cannot write: %s", strerror(errno));
    return rc;
}

static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

/* Whether the newest archived version has the drop file's size. */
static int prev_size_matches(sqlite3 *db, const char *period, const char *name,
                             const struct stat *st)
{
    int64_t size = -1;
    if (db_query_int(db, &size, NULL,
                     "SELECT size_bytes FROM archive_file WHERE period = ? AND source = ? "
                     "ORDER BY version DESC LIMIT 1",
                     period, name, NULL) != 1)
        return 0;
    return size == (int64_t)st->st_size;
}

/* Archives `path` (a complete, regular file of the period) for source s.
 * Sets o->state (NEW, UPDATED, IN, WAITING, REFUSED) and o->detail.
 * Returns an hr_code only for failures of the archive or database. */
static int archive_file(sqlite3 *db, const pull_config *cfg, const pull_source *s,
                        const char *period, const char *path, const struct stat *before,
                        pull_outcome *o, hr_error *err)
{
    archived prev;
    if (newest_archived(db, period, s->name, &prev, err))
        return err->code;
    if (prev.version && prev_size_matches(db, period, s->name, before)) {
        /* the usual rerun: the same bytes as the newest version, nothing to copy */
        char same[DIGEST_HEX_SIZE];
        hr_error ignored;
        if (digest_file(path, same, NULL, &ignored) == 0 && strcmp(same, prev.sha256) == 0) {
            o->state = PULL_IN;
            o->version = prev.version;
            snprintf(o->archive_path, sizeof o->archive_path, "%s", prev.path);
            detail_printf(o->detail, sizeof o->detail, "%s (v%d), unchanged", prev.path, prev.version);
            return HR_OK;
        }
    }
    char dir[PATH_MAX], tmp[PATH_MAX], final_name[NAME_MAX + 1], final_path[PATH_MAX];
    if (buf_printf(dir, sizeof dir, "%s/%s", cfg->archive, period) ||
        buf_printf(tmp, sizeof tmp, "%s/.%s.pull-%ld", dir, s->name, (long)getpid()))
        return hr_error_set(err, HR_EFAIL, cfg->archive, 0, NULL,
                            "the archive's path is too long (more than %d bytes with the month "
                            "and file name)",
                            PATH_MAX - 1);
    int in = open(path, O_RDONLY);
    if (in < 0) {
        o->state = PULL_REFUSED;
        detail_printf(o->detail, sizeof o->detail, "%s: cannot read: %s", path, strerror(errno));
        return HR_OK;
    }
    int rc = open_month_dir(dir, err);
    if (rc) {
        close(in);
        return rc;
    }
    char hex[DIGEST_HEX_SIZE];
    uint64_t bytes = 0;
    unlink(tmp); /* a leftover of a killed pull of ours */
    rc = copy_hashing(in, tmp, hex, &bytes, err);
    struct stat after_fd, after_path;
    int changed = fstat(in, &after_fd) != 0 || stat(path, &after_path) != 0 ||
                  !same_file_state(before, &after_fd) || !same_file_state(before, &after_path) ||
                  bytes != (uint64_t)before->st_size;
    close(in);
    if (rc == HR_OK && changed) {
        o->state = PULL_WAITING;
        detail_printf(o->detail, sizeof o->detail,
                 "%s: changed while being copied (%lld bytes before, %llu copied): still being "
                 "written, try again later",
                 path, (long long)before->st_size, (unsigned long long)bytes);
    } else if (rc == HR_OK && prev.version && strcmp(prev.sha256, hex) == 0) {
        o->state = PULL_IN;
        o->version = prev.version;
        snprintf(o->archive_path, sizeof o->archive_path, "%s", prev.path);
        detail_printf(o->detail, sizeof o->detail, "%s (v%d), unchanged", prev.path, prev.version);
    } else if (rc == HR_OK && content_of_other_month(s, tmp, period, o->detail, sizeof o->detail)) {
        char why[sizeof o->detail];
        memcpy(why, o->detail, sizeof why);
        detail_printf(o->detail, sizeof o->detail, "%s: %s", path, why);
        o->state = PULL_REFUSED;
    } else if (rc == HR_OK) {
        int version = prev.version + 1;
        version_name(s->name, version, final_name, sizeof final_name);
        if (buf_printf(final_path, sizeof final_path, "%s/%s", dir, final_name)) {
            rc = hr_error_set(err, HR_EFAIL, dir, 0, NULL, "the archive's path is too long");
        } else if (link(tmp, final_path) != 0) {
            rc = hr_error_set(err, HR_EFAIL, final_path, 0, NULL,
                              errno == EEXIST ? "already in the archive but not in its manifest "
                                                "(table archive_file): move it away, then pull again"
                                              : "cannot archive: %s",
                              strerror(errno));
        } else {
            chmod(final_path, 0444);
            char now[32], mtime[32];
            db_now(now, sizeof now);
            iso_time(before->st_mtim.tv_sec, mtime);
            char version_text[16], size_text[32];
            snprintf(version_text, sizeof version_text, "%d", version);
            snprintf(size_text, sizeof size_text, "%llu", (unsigned long long)bytes);
            rc = db_exec_args(db, err,
                              "INSERT INTO archive_file (period, source, version, system, profile,"
                              " original_path, source_mtime, archive_path, size_bytes, sha256,"
                              " pulled_at) VALUES (?1, ?2, CAST(?3 AS INTEGER), ?4, ?5, ?6, ?7, "
                              "?8, CAST(?9 AS INTEGER), ?10, ?11)",
                              period, s->name, version_text, s->system, s->profile_path, path,
                              mtime, final_path, size_text, hex, now, NULL);
            if (rc) {
                chmod(final_path, 0600);
                unlink(final_path);
            } else {
                o->state = version == 1 ? PULL_NEW : PULL_UPDATED;
                o->version = version;
                snprintf(o->archive_path, sizeof o->archive_path, "%s", final_path);
                detail_printf(o->detail, sizeof o->detail, "%s -> %s%s", path, final_path,
                         version > 1 ? " (a changed export: the earlier version stays beside it)"
                                     : "");
            }
        }
    }
    unlink(tmp);
    close_month_dir(dir);
    return rc;
}

/* Inside `root` (both resolved)? */
static int path_inside(const char *path, const char *root)
{
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && (path[n] == '/' || (n == 1 && root[0] == '/'));
}

static int pull_source_file(sqlite3 *db, const pull_config *cfg, const pull_source *s,
                            const char *period, pull_outcome *o, hr_error *err)
{
    strbuf glob = STRBUF_INIT, any = STRBUF_INIT;
    expand_pattern(s->pattern, period, 0, &glob);
    expand_pattern(s->pattern, period, 1, &any);
    candidate *found = NULL, *others = NULL;
    int nfound = 0, nothers = 0, e = 0, rc = HR_OK;
    if (list_matches(s->drop, glob.buf, &found, &nfound, &e) != 0) {
        o->state = PULL_MISSING;
        detail_printf(o->detail, sizeof o->detail, "%s: %s", s->drop,
                 e == ENOENT    ? "the drop folder does not exist (is the share mounted?)"
                 : e == ENOTDIR ? "the drop folder is not a folder"
                                : strerror(e));
        if (e == EACCES)
            detail_printf(o->detail, sizeof o->detail,
                     "%s: cannot read the drop folder (permission denied)", s->drop);
        goto done;
    }
    if (nfound == 0) {
        o->state = PULL_MISSING;
        list_matches(s->drop, any.buf, &others, &nothers, &e);
        if (nothers > 0)
            detail_printf(o->detail, sizeof o->detail,
                     "no %s in %s; it holds %s%s, of another month (wrong period in the name?)",
                     glob.buf, s->drop, others[0].name, nothers > 1 ? " and more" : "");
        else
            detail_printf(o->detail, sizeof o->detail, "no %s in %s", glob.buf, s->drop);
        goto done;
    }
    if (nfound > 1) {
        o->state = PULL_REFUSED;
        strbuf names = STRBUF_INIT;
        for (int i = 0; i < nfound; i++)
            sb_addf(&names, "%s%s", i ? ", " : "", found[i].name);
        detail_printf(o->detail, sizeof o->detail,
                 "%d files in %s match %s: %s; which one is the export? remove or rename the "
                 "others",
                 nfound, s->drop, glob.buf, names.buf);
        sb_release(&names);
        goto done;
    }
    char path[PATH_MAX];
    if (buf_printf(path, sizeof path, "%s/%s", s->drop, found[0].name)) {
        o->state = PULL_REFUSED;
        detail_printf(o->detail, sizeof o->detail, "%s/%s: the path is too long", s->drop,
                   found[0].name);
        goto done;
    }
    struct stat lst, st;
    if (lstat(path, &lst) != 0 || stat(path, &st) != 0) {
        o->state = PULL_REFUSED;
        detail_printf(o->detail, sizeof o->detail, "%s: cannot read: %s", path, strerror(errno));
        goto done;
    }
    if (S_ISLNK(lst.st_mode)) {
        char target[PATH_MAX], root[PATH_MAX];
        if (!realpath(path, target) || !realpath(s->drop, root) || !path_inside(target, root)) {
            o->state = PULL_REFUSED;
            detail_printf(o->detail, sizeof o->detail,
                     "%s: a symbolic link leading out of the drop folder (to %s); only files "
                     "inside %s are pulled",
                     path, realpath(path, target) ? target : "nowhere", s->drop);
            goto done;
        }
    }
    if (!S_ISREG(st.st_mode)) {
        o->state = PULL_REFUSED;
        detail_printf(o->detail, sizeof o->detail, "%s: not a regular file", path);
        goto done;
    }
    if (s->done_marker) {
        char marker[PATH_MAX + 8];
        snprintf(marker, sizeof marker, "%s.done", path);
        if (access(marker, F_OK) != 0) {
            o->state = PULL_WAITING;
            detail_printf(o->detail, sizeof o->detail,
                     "%s: no %s.done marker yet (the system writes it when the export is "
                     "complete)",
                     path, found[0].name);
            goto done;
        }
    } else if (time(NULL) - st.st_mtim.tv_sec < s->stable_seconds) {
        /* written moments ago: complete only if it stays the same */
        sleep_seconds(s->stable_seconds);
        struct stat again;
        if (stat(path, &again) != 0 || !same_file_state(&st, &again)) {
            o->state = PULL_WAITING;
            detail_printf(o->detail, sizeof o->detail,
                     "%s: still being written (%lld bytes, then %lld %d s later); try again "
                     "later",
                     path, (long long)st.st_size, (long long)again.st_size, s->stable_seconds);
            goto done;
        }
    }
    rc = archive_file(db, cfg, s, period, path, &st, o, err);
done:
    free(found);
    free(others);
    sb_release(&glob);
    sb_release(&any);
    return rc;
}

/* ---- the period ---- */

static void report_begin(pull_report *rep, const pull_config *cfg, const char *period)
{
    memset(rep, 0, sizeof *rep);
    snprintf(rep->period, sizeof rep->period, "%s", period);
    rep->items = xcalloc((size_t)cfg->nsources + 1, sizeof *rep->items);
    rep->n = cfg->nsources;
    for (int i = 0; i < cfg->nsources; i++)
        rep->items[i].source = &cfg->sources[i];
}

static int is_in(pull_state s) { return s == PULL_IN || s == PULL_NEW || s == PULL_UPDATED; }

static void report_finish(pull_report *rep, const char *period, int32_t today)
{
    for (int i = 0; i < rep->n; i++) {
        pull_outcome *o = &rep->items[i];
        int32_t expected = pull_expected_days(o->source, period);
        int y, m, d;
        calendar_civil_from_days(expected, &y, &m, &d);
        snprintf(o->expected, sizeof o->expected, "%04u-%02u-%02u", (unsigned)y % 10000u,
                 (unsigned)m % 100u, (unsigned)d % 100u);
        if (!is_in(o->state)) {
            o->late = today > expected;
            if (o->source->required)
                rep->required_missing++;
        }
        if (o->state == PULL_NEW || o->state == PULL_UPDATED)
            rep->archived++;
    }
}

int pull_period(sqlite3 *db, const pull_config *cfg, const char *period, int32_t today_days,
                pull_report *rep, hr_error *err)
{
    report_begin(rep, cfg, period);
    int rc = HR_OK;
    for (int i = 0; i < cfg->nsources && rc == HR_OK; i++) {
        pull_outcome *o = &rep->items[i];
        rc = pull_source_file(db, cfg, o->source, period, o, err);
        if (rc == HR_OK && !is_in(o->state)) {
            /* what the archive already holds still counts */
            archived prev;
            rc = newest_archived(db, period, o->source->name, &prev, err);
            if (rc == HR_OK && prev.version) {
                char why[sizeof o->detail];
                memcpy(why, o->detail, sizeof why);
                detail_printf(o->detail, sizeof o->detail, "%s (v%d) kept; the drop: %s", prev.path,
                         prev.version, why);
                o->state = PULL_IN;
                o->version = prev.version;
                snprintf(o->archive_path, sizeof o->archive_path, "%s", prev.path);
            }
        }
    }
    report_finish(rep, period, today_days);
    return rc;
}

int pull_state_of(sqlite3 *db, const pull_config *cfg, const char *period, int32_t today_days,
                  pull_report *rep, hr_error *err)
{
    report_begin(rep, cfg, period);
    int rc = HR_OK;
    /* a read-only connection does not migrate an older database: no
     * manifest there means nothing was pulled */
    int64_t manifest = 0;
    if (db_query_int(db, &manifest, err,
                     "SELECT count(*) FROM sqlite_master WHERE name = 'archive_file'", NULL) < 0)
        return err->code;
    for (int i = 0; i < cfg->nsources && rc == HR_OK; i++) {
        pull_outcome *o = &rep->items[i];
        archived prev = {0};
        if (manifest && (rc = newest_archived(db, period, o->source->name, &prev, err)))
            break;
        if (prev.version) {
            o->state = PULL_IN;
            o->version = prev.version;
            snprintf(o->archive_path, sizeof o->archive_path, "%s", prev.path);
            detail_printf(o->detail, sizeof o->detail, "%s (v%d)", prev.path, prev.version);
            continue;
        }
        int64_t loaded = 0;
        int q = db_query_int(db, &loaded, err,
                             "SELECT count(*) FROM source_file WHERE period = ? AND source = ? "
                             "AND current = 1",
                             period, o->source->table ? o->source->table : "", NULL);
        if (q < 0) {
            rc = err->code;
            break;
        }
        if (loaded > 0) {
            o->state = PULL_IN;
            detail_printf(o->detail, sizeof o->detail, "loaded (not through pull)");
        } else {
            o->state = PULL_MISSING;
            detail_printf(o->detail, sizeof o->detail, "not pulled yet");
        }
    }
    report_finish(rep, period, today_days);
    return rc;
}

void pull_report_free(pull_report *rep)
{
    free(rep->items);
    rep->items = NULL;
    rep->n = 0;
}

static const char *state_word(const pull_outcome *o)
{
    switch (o->state) {
    case PULL_IN: return "in";
    case PULL_NEW: return "new";
    case PULL_UPDATED: return "updated";
    case PULL_WAITING: return "waiting";
    case PULL_REFUSED: return "refused";
    default: return o->late ? "late" : "missing";
    }
}

/* Pads UTF-8 text to a display width (CJK characters count two). */
static void print_padded(FILE *out, const char *s, int width)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        w += *p >= 0xE0 ? 2 : 1;
    }
    fputs(s, out);
    for (; w < width; w++)
        fputc(' ', out);
}

void pull_report_print(const pull_report *rep, FILE *out)
{
    print_padded(out, _("SOURCE"), 22);
    print_padded(out, _("SYSTEM"), 10);
    print_padded(out, _("STATE"), 10);
    print_padded(out, _("EXPECTED"), 12);
    fprintf(out, "%s\n", _("DETAIL"));
    for (int i = 0; i < rep->n; i++) {
        const pull_outcome *o = &rep->items[i];
        print_padded(out, o->source->name, 20);
        fputs("  ", out);
        print_padded(out, o->source->system, 8);
        fprintf(out, "  %-8s  %-10s  %s", state_word(o), o->expected, o->detail);
        if (!is_in(o->state)) {
            strbuf c = STRBUF_INIT;
            contact_text(o->source, &c);
            fprintf(out, "; %s: %s", o->source->required ? _("chase") : _("optional"), c.buf);
            sb_release(&c);
        }
        fputc('\n', out);
    }
}

static int same_contact(const pull_source *a, const pull_source *b)
{
    return strcmp(a->contact.name ? a->contact.name : "", b->contact.name ? b->contact.name : "") ==
               0 &&
           strcmp(a->contact.dept ? a->contact.dept : "", b->contact.dept ? b->contact.dept : "") ==
               0;
}

/* "chase 王磊 (信息中心, 8101) for outpatient.csv (late since 2026-11-02),
 * inpatient.csv (...); chase 刘芳 ...": one group per contact. */
/* tr: _() in English for due's rows (words scripts read), msg_tr for
 * messages */
static const char *plain(const char *s) { return s; }

static void missing_line(const pull_report *rep, char *buf, size_t size,
                         const char *(*tr)(const char *))
{
    strbuf sb = STRBUF_INIT;
    int *listed = xcalloc((size_t)rep->n + 1, sizeof *listed);
    for (int i = 0; i < rep->n; i++) {
        const pull_outcome *o = &rep->items[i];
        if (listed[i] || is_in(o->state) || !o->source->required)
            continue;
        const pull_source *s = o->source;
        sb_addstr(&sb, sb.len ? "; " : "");
        sb_addf(&sb, tr(N_("chase %s (%s")), s->contact.name ? s->contact.name : "?",
                s->contact.dept ? s->contact.dept : "?");
        if (s->contact.phone)
            sb_addf(&sb, ", %s", s->contact.phone);
        if (s->contact.email)
            sb_addf(&sb, ", %s", s->contact.email);
        sb_addstr(&sb, tr(N_(") for ")));
        int first = 1;
        for (int k = i; k < rep->n; k++) {
            const pull_outcome *q = &rep->items[k];
            if (listed[k] || is_in(q->state) || !q->source->required || !same_contact(s, q->source))
                continue;
            listed[k] = 1;
            if (q->state == PULL_MISSING)
                sb_addf(&sb, "%s%s (%s %s)", first ? "" : ", ", q->source->name,
                        q->late ? tr(N_("late since")) : tr(N_("expected")), q->expected);
            else
                sb_addf(&sb, "%s%s (%s, %s %s)", first ? "" : ", ", q->source->name,
                        state_word(q), q->late ? tr(N_("late since")) : tr(N_("expected")),
                        q->expected);
            first = 0;
        }
    }
    free(listed);
    snprintf(buf, size, "%s", sb.buf ? sb.buf : "");
    sb_release(&sb);
}

void pull_missing_line(const pull_report *rep, char *buf, size_t size)
{
    missing_line(rep, buf, size, plain);
}

void pull_missing_text(const pull_report *rep, char *buf, size_t size)
{
    missing_line(rep, buf, size, msg_tr);
}

/* ---- for ingest ---- */

int pull_newest_files(sqlite3 *db, const pull_config *cfg, const char *period,
                      pull_file **files, int *n, hr_error *err)
{
    *files = NULL;
    *n = 0;
    for (int i = 0; i < cfg->nsources; i++) {
        archived a;
        if (newest_archived(db, period, cfg->sources[i].name, &a, err)) {
            pull_files_free(*files, *n);
            *files = NULL, *n = 0;
            return err->code;
        }
        if (!a.version)
            continue;
        *files = xrealloc(*files, (size_t)(*n + 1) * sizeof **files);
        pull_file *f = &(*files)[(*n)++];
        f->name = xstrdup(cfg->sources[i].name);
        f->path = xstrdup(a.path);
        f->profile_path = xstrdup(cfg->sources[i].profile_path);
    }
    return HR_OK;
}

void pull_files_free(pull_file *files, int n)
{
    for (int i = 0; i < n; i++)
        free(files[i].name), free(files[i].path), free(files[i].profile_path);
    free(files);
}

/* ---- verify ---- */

int pull_verify(sqlite3 *db, const char *period, FILE *out, int *bad, hr_error *err)
{
    *bad = 0;
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT period, source, version, archive_path, size_bytes, "
                                  "sha256 FROM archive_file WHERE ?1 IS NULL OR period = ?1 "
                                  "ORDER BY period, source, version",
                                  err);
    if (!st)
        return err->code;
    if (period)
        sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(st, 3);
        int64_t size = sqlite3_column_int64(st, 4);
        const char *sha = (const char *)sqlite3_column_text(st, 5);
        char problem[512] = "";
        struct stat sb;
        if (lstat(path, &sb) != 0) {
            detail_printf(problem, sizeof problem, "missing: %s", strerror(errno));
        } else if (!S_ISREG(sb.st_mode)) {
            detail_printf(problem, sizeof problem, "not a regular file any more");
        } else if ((int64_t)sb.st_size != size) {
            detail_printf(problem, sizeof problem, "size %lld, the manifest says %lld",
                     (long long)sb.st_size, (long long)size);
        } else {
            char hex[DIGEST_HEX_SIZE];
            hr_error e;
            hr_error_clear(&e);
            if (digest_file(path, hex, NULL, &e) != 0)
                detail_printf(problem, sizeof problem, "cannot read: %s", e.message);
            else if (strcmp(hex, sha) != 0)
                detail_printf(problem, sizeof problem,
                         "SHA-256 %.16s..., the manifest says %.16s...: changed since it was "
                         "pulled",
                         hex, sha);
            else if (sb.st_mode & 0222)
                detail_printf(problem, sizeof problem,
                         "writable (mode %o): the archive keeps files read-only", sb.st_mode & 0777);
        }
        fprintf(out, "%s  %s  v%d  %s  %s\n", problem[0] ? "BAD" : "ok ",
                (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 2), path,
                problem[0] ? problem : _("matches the manifest"));
        if (problem[0])
            (*bad)++;
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "reading archive_file", err);
    if (n == 0)
        fprintf(out, "%s\n", period ? _("(nothing archived for this month)") : _("(nothing archived)"));
    return HR_OK;
}
