/*
 * log.h -- messages and progress on stderr.
 *
 * Data goes to stdout; everything addressed to the person running the tool
 * goes to stderr as `hospreport: ...`. Progress lines (rows, rows/s) are
 * drawn only when stderr is a terminal, never on a pipe or under cron.
 */
#ifndef HR_LOG_H
#define HR_LOG_H

extern int log_verbosity; /* 0 quiet (warnings only), 1 normal, 2 verbose */

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress for one long task. All calls are cheap no-ops when stderr is not
 * a terminal; progress_update redraws at most a few times a second. */
typedef struct progress {
    const char *label;
    double started;
    double last_draw;
    int active;
} progress;

void progress_begin(progress *p, const char *label);
void progress_update(progress *p, unsigned long long rows);
void progress_end(progress *p, unsigned long long rows);

/* Seconds since an arbitrary start (monotonic clock). */
double log_clock(void);

#endif
