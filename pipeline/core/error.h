/*
 * error.h -- error values that carry their context up to main.
 *
 * Library code never exits and never prints errors itself: a function that
 * can fail takes a `hr_error *` and, on failure, fills it with a code, the
 * file, line and field concerned and a message, then returns the code.
 * Only main() turns the code into an exit status (spec/CLI.md) and prints
 * the one-line message `hospreport: FILE:LINE: field 'F': MESSAGE`.
 *
 * The struct is a plain value owned by the caller (usually on main's stack);
 * it holds no pointers, so there is nothing to free.
 */
#ifndef HR_ERROR_H
#define HR_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* The codes are the exit statuses of spec/CLI.md. */
enum hr_code {
    HR_OK = 0,
    HR_EUSAGE = 1,   /* bad command line */
    HR_EINPUT = 2,   /* input rejected: unreadable file, validation limit */
    HR_EBLOCKED = 3, /* reconciliation blocking, not forced */
    HR_EFAIL = 4     /* anything else: I/O, database, internal */
};

typedef struct hr_error {
    int code;          /* HR_OK when no error has been set */
    char file[512];    /* file concerned, "" if none */
    long line;         /* 1-based line in that file, 0 if none */
    char field[128];   /* field / column / element, "" if none */
    char message[768]; /* what went wrong and what was expected */
} hr_error;

/* Resets to "no error". */
void hr_error_clear(hr_error *err);

/* Sets every part and returns `code`, so callers can `return hr_error_set(...)`.
 * file and field may be NULL; line may be 0. err may be NULL (then it only
 * returns code). */
int hr_error_set(hr_error *err, int code, const char *file, long line,
                 const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

int hr_error_vset(hr_error *err, int code, const char *file, long line,
                  const char *field, const char *fmt, va_list ap);

/* Adds context that a lower layer did not know (e.g. the file name when a
 * parser worked on a buffer): fills file/line/field only where still empty. */
void hr_error_locate(hr_error *err, const char *file, long line, const char *field);

/* Formats `FILE:LINE: field 'F': MESSAGE` (parts that are empty are left out)
 * into buf; returns buf. */
const char *hr_error_format(const hr_error *err, char *buf, size_t size);

#endif
