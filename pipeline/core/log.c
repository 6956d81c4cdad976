/*
 * log.c -- stderr messages and terminal-only progress (see log.h).
 */
#include "pipeline/core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/core/msg.h"
#include "pipeline/core/utf8.h"

int log_verbosity = 1;

/* Messages carry names from the data (a dept code, a file name): control
 * characters in them -- a BEL, a right-to-left override, an escape
 * sequence -- are left out, line by line. */
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
    char msg[8192], line[8192];
    vsnprintf(msg, sizeof msg, msg_tr(fmt), ap);
    fputs("hospreport: ", stderr);
    if (prefix)
        fputs(msg_tr(prefix), stderr);
    for (char *p = msg;;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        fputs(utf8_clean(line, sizeof line, p), stderr);
        fputc('\n', stderr);
        if (!nl || !nl[1])
            break;
        p = nl + 1;
    }
}

void log_info(const char *fmt, ...)
{
    if (log_verbosity < 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(NULL, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(N_("warning: "), fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    if (log_verbosity < 2)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(NULL, fmt, ap);
    va_end(ap);
}

double log_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_begin(progress *p, const char *label)
{
    p->label = label;
    p->started = log_clock();
    p->last_draw = 0;
    p->active = log_verbosity >= 1 && isatty(STDERR_FILENO);
}

static void draw(progress *p, unsigned long long rows, int final)
{
    double elapsed = log_clock() - p->started;
    double rate = elapsed > 0 ? (double)rows / elapsed : 0;
    fprintf(stderr, "\rhospreport: %s: %llu rows, %.0f rows/s%s", p->label, rows, rate,
            final ? "\n" : "   ");
    fflush(stderr);
}

void progress_update(progress *p, unsigned long long rows)
{
    if (!p->active)
        return;
    double now = log_clock();
    if (now - p->last_draw < 0.25)
        return;
    p->last_draw = now;
    draw(p, rows, 0);
}

void progress_end(progress *p, unsigned long long rows)
{
    if (p->active && p->last_draw > 0)
        draw(p, rows, 1);
    p->active = 0;
}
