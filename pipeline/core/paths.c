/*
 * paths.c -- locating data files, and naming and writing output files (see
 * paths.h).
 */
#include "pipeline/core/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/digest.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/utf8.h"

static char data_dir[PATH_MAX];
static char locale_dir[PATH_MAX];
static int resolved;

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where the running binary is: its folder, in buf. 0 when unknown. */
static int exe_dir(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    return 1;
}

/* data_dir or locale_dir = the formatted path; "" when it does not fit (then
 * nothing is found there and the caller's open names the missing file). */
#define path_set(dir, ...) (buf_printf(dir, sizeof dir, __VA_ARGS__) ? (void)(dir[0] = '\0') : (void)0)

static void resolve(void)
{
    if (resolved)
        return;
    resolved = 1;
    char exe[PATH_MAX], probe[PATH_MAX + 64];
    if (!exe_dir(exe, sizeof exe))
        snprintf(exe, sizeof exe, "/usr/local/bin");

    /* Installed: PREFIX/bin/hospreport beside PREFIX/share/hospreport and
     * PREFIX/share/locale, whatever PREFIX and DESTDIR were; nothing is
     * compiled in, so a staged install works where it is unpacked. */
    path_set(data_dir, "%s/../share/hospreport", exe);
    path_set(locale_dir, "%s/../share/locale", exe);
    if (realpath(data_dir, probe))
        path_set(data_dir, "%s", probe);
    if (realpath(locale_dir, probe))
        path_set(locale_dir, "%s", probe);

    /* A binary in <tree>/build/ (or build/tests/) runs from the source
     * tree: walk up from its folder looking for templates/ and config/, and
     * for the compiled catalogs in a locale/ folder on the way. */
    snprintf(probe, sizeof probe, "%s/templates", data_dir);
    if (!is_dir(probe)) {
        int found_locale = 0;
        for (int up = 0; up < 4; up++) {
            snprintf(probe, sizeof probe, "%s/locale/zh_CN", exe);
            if (!found_locale && is_dir(probe)) {
                path_set(locale_dir, "%s/locale", exe);
                found_locale = 1;
            }
            char config[PATH_MAX + 32];
            snprintf(probe, sizeof probe, "%s/templates", exe);
            snprintf(config, sizeof config, "%s/config", exe);
            if (is_dir(probe) && is_dir(config)) {
                path_set(data_dir, "%s", exe);
                break;
            }
            char *slash = strrchr(exe, '/');
            if (!slash || slash == exe)
                break;
            *slash = '\0';
        }
    }
    const char *env = getenv("HOSPREPORT_DATADIR");
    if (env && *env)
        path_set(data_dir, "%s", env);
    env = getenv("HOSPREPORT_LOCALEDIR");
    if (env && *env)
        path_set(locale_dir, "%s", env);
}

const char *paths_data_dir(void)
{
    resolve();
    return data_dir;
}

const char *paths_locale_dir(void)
{
    resolve();
    return locale_dir;
}

const char *paths_font_file(void)
{
    const char *env = getenv("HOSPREPORT_FONT");
    if (env && *env)
        return env;
    return "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";
}

int paths_jobs(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cores > 4 ? 4 : cores < 1 ? 1 : (int)cores;
    const char *env = getenv("HOSPREPORT_JOBS");
    if (env && atoi(env) > 0)
        n = atoi(env) > 16 ? 16 : atoi(env);
    return n;
}

const char *paths_data_file(const char *relative, char *buf, unsigned long size)
{
    snprintf(buf, size, "%s/%s", paths_data_dir(), relative);
    return buf;
}

/* strerror() in the C locale: render switches gettext's LANGUAGE, which
 * would otherwise translate libc's messages into a report's language. */
static const char *system_error(int errnum)
{
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return c_locale ? strerror_l(errnum, c_locale) : strerror(errnum);
}

int paths_output_file(const char *dir, const char *stem, const char *suffix, char *buf,
                      size_t size, hr_error *err)
{
    enum { NAME_BYTES = 255, TAG_BYTES = 9 }; /* "~" and 8 hex digits */
    size_t suffix_len = strlen(suffix), n = strlen(stem);
    size_t room = NAME_BYTES > suffix_len + TAG_BYTES ? NAME_BYTES - suffix_len - TAG_BYTES : 1;
    char name[NAME_BYTES + 1];
    size_t used = 0;
    int changed = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        int len = utf8_next(stem + i, n - i, &cp);
        const char *piece = stem + i;
        size_t piece_len = (size_t)len;
        if (len == 0 || utf8_is_control(cp) || cp == '/' || cp == '\\' || (used == 0 && cp == '.')) {
            piece = "_", piece_len = 1, changed = 1;
            len = len ? len : 1;
        }
        if (used + piece_len > room) {
            changed = 1;
            break;
        }
        memcpy(name + used, piece, piece_len);
        used += piece_len;
        i += (size_t)len;
    }
    if (used == 0)
        name[used++] = '_', changed = 1;
    if (!changed && used + suffix_len > NAME_BYTES - TAG_BYTES)
        changed = 1; /* cannot happen: room keeps the tag's place */
    name[used] = '\0';
    if (changed) {
        char hex[DIGEST_HEX_SIZE];
        digest_buffer(stem, n, hex);
        snprintf(name + used, sizeof name - used, "~%.8s", hex);
    }
    int w = snprintf(buf, size, "%s/%s%s", dir, name, suffix);
    if (w < 0 || (size_t)w >= size)
        return hr_error_set(err, HR_EFAIL, dir, 0, NULL,
                            "the folder's path is too long for a file in it");
    return 0;
}

int paths_make_dir(const char *dir, hr_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return hr_error_set(err, HR_EFAIL, dir, 0, NULL, "path too long");
    /* every parent first, then the folder itself */
    for (char *p = path + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot create: %s",
                                system_error(errno));
        *p = c;
        if (c == '\0')
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return hr_error_set(err, HR_EFAIL, dir, 0, NULL, "cannot create: %s", system_error(errno));
    if (!S_ISDIR(st.st_mode))
        return hr_error_set(err, HR_EFAIL, dir, 0, NULL, "cannot create: %s",
                            system_error(ENOTDIR));
    return 0;
}

/* The mode a new file gets here: 0666 less the umask (mkstemp makes 0600). */
static mode_t file_mode(void)
{
    static mode_t mode;
    static int known;
    if (!known) {
        mode_t mask = umask(022);
        umask(mask);
        mode = 0666 & ~mask;
        known = 1;
    }
    return mode;
}

int paths_out_open(paths_out *o, const char *path, hr_error *err)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path) : 0;
    if (slash)
        snprintf(o->tmp, sizeof o->tmp, "%.*s/.hospreport-XXXXXX", dir_len, path);
    else
        snprintf(o->tmp, sizeof o->tmp, ".hospreport-XXXXXX");
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        o->tmp[0] = '\0';
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot write: %s", system_error(e));
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        int e = errno;
        close(fd);
        paths_out_abandon(o);
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot write: %s", system_error(e));
    }
    return 0;
}

static int out_fail(paths_out *o, int errnum, hr_error *err)
{
    paths_out_abandon(o);
    return hr_error_set(err, HR_EFAIL, o->path, 0, NULL, "cannot write: %s",
                        system_error(errnum ? errnum : EIO));
}

int paths_out_write(paths_out *o, const void *data, size_t len, hr_error *err)
{
    if (len && fwrite(data, 1, len, o->f) != len)
        return out_fail(o, errno, err);
    return 0;
}

int paths_out_commit(paths_out *o, hr_error *err)
{
    if (ferror(o->f))
        return out_fail(o, errno, err);
    if (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0 || fchmod(fileno(o->f), file_mode()) != 0)
        return out_fail(o, errno, err);
    FILE *f = o->f;
    o->f = NULL;
    if (fclose(f) != 0)
        return out_fail(o, errno, err);
    if (rename(o->tmp, o->path) != 0) {
        int e = errno;
        paths_out_abandon(o);
        return hr_error_set(err, HR_EFAIL, o->path, 0, NULL, "cannot rename into place: %s",
                            system_error(e));
    }
    o->tmp[0] = '\0';
    /* the rename itself is durable once the folder is synced */
    char dir[4096];
    const char *slash = strrchr(o->path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - o->path) : 1, slash ? o->path : ".");
    int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

void paths_out_abandon(paths_out *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp[0]) {
        unlink(o->tmp);
        o->tmp[0] = '\0';
    }
}
