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

#ifndef HR_DATADIR
#define HR_DATADIR "/usr/local/share/hospreport"
#endif
#ifndef HR_LOCALEDIR
#define HR_LOCALEDIR "/usr/local/share/locale"
#endif

static char data_dir[PATH_MAX];
static char locale_dir[PATH_MAX];
static int resolved;

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void resolve(void)
{
    if (resolved)
        return;
    resolved = 1;
    snprintf(data_dir, sizeof data_dir, "%s", HR_DATADIR);
    snprintf(locale_dir, sizeof locale_dir, "%s", HR_LOCALEDIR);

    /* A binary in <tree>/build/ (or build/tests/) runs from the source
     * tree: walk up from its folder looking for templates/ and config/, and
     * for the compiled catalogs in a locale/ folder on the way. */
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    int found_locale = 0;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash || slash == exe)
                break;
            *slash = '\0';
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
