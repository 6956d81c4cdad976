/*
 * paths.c -- locating data files (see paths.h).
 */
#include "pipeline/core/paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    snprintf(data_dir, sizeof data_dir, "%s/../share/hospreport", exe);
    snprintf(locale_dir, sizeof locale_dir, "%s/../share/locale", exe);
    if (realpath(data_dir, probe))
        snprintf(data_dir, sizeof data_dir, "%s", probe);
    if (realpath(locale_dir, probe))
        snprintf(locale_dir, sizeof locale_dir, "%s", probe);

    /* A binary in <tree>/build/ (or build/tests/) runs from the source
     * tree: walk up from its folder looking for templates/ and config/, and
     * for the compiled catalogs in a locale/ folder on the way. */
    snprintf(probe, sizeof probe, "%s/templates", data_dir);
    if (!is_dir(probe)) {
        int found_locale = 0;
        for (int up = 0; up < 4; up++) {
            snprintf(probe, sizeof probe, "%s/locale/zh_CN", exe);
            if (!found_locale && is_dir(probe)) {
                snprintf(locale_dir, sizeof locale_dir, "%s/locale", exe);
                found_locale = 1;
            }
            char config[PATH_MAX + 32];
            snprintf(probe, sizeof probe, "%s/templates", exe);
            snprintf(config, sizeof config, "%s/config", exe);
            if (is_dir(probe) && is_dir(config)) {
                snprintf(data_dir, sizeof data_dir, "%s", exe);
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
        snprintf(data_dir, sizeof data_dir, "%s", env);
    env = getenv("HOSPREPORT_LOCALEDIR");
    if (env && *env)
        snprintf(locale_dir, sizeof locale_dir, "%s", env);
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
