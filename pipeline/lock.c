/*
 * lock.c -- the database lock (see lock.h).
 *
 * The lock file's content is informative only, the flock is what excludes:
 * "pid N\nhost H\nstarted YYYY-MM-DD HH:MM:SS\ncommand C\n". A holder that
 * died leaves its lines behind; the next holder overwrites them.
 */
#include "pipeline/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/core/strbuf.h"

/* The value after "key " on its line of the lock file text, or "?". */
static void lock_field(const char *text, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    snprintf(buf, size, "?");
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
            const char *v = line + klen + 1;
            size_t n = strcspn(v, "\n");
            snprintf(buf, size, "%.*s", (int)n, v);
            return;
        }
    }
}

static int lock_busy(int fd, const char *path, hr_error *err)
{
    char text[2048];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    char pid[32], host[256], started[64], command[1024];
    lock_field(text, "pid", pid, sizeof pid);
    lock_field(text, "host", host, sizeof host);
    lock_field(text, "started", started, sizeof started);
    lock_field(text, "command", command, sizeof command);
    return hr_error_set(err, HR_EFAIL, NULL, 0, NULL,
                        "another hospreport run holds %s: pid %s on %s, started %s, '%s'; "
                        "wait for it to finish",
                        path, pid, host, started, command);
}

static int lock_write_info(int fd, const char *command)
{
    char host[256] = "?", started[32] = "?";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm))
        strftime(started, sizeof started, "%Y-%m-%d %H:%M:%S", &tm);
    strbuf info = STRBUF_INIT;
    sb_addf(&info, "pid %ld\nhost %s\nstarted %s\ncommand %s\n", (long)getpid(), host, started,
            command ? command : "");
    int rc = ftruncate(fd, 0) == 0 && pwrite(fd, info.buf, info.len, 0) == (ssize_t)info.len;
    sb_release(&info);
    return rc ? 0 : -1;
}

/* Whether fd is still the file at path: a holder removes the file when it
 * releases, so a run that opened it just before may have locked a file no
 * longer in place, and must open the path again. */
static int lock_in_place(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int lock_acquire(const char *db_path, const char *command, lock_handle *out, hr_error *err)
{
    out->fd = -1;
    snprintf(out->path, sizeof out->path, "%s.lock", db_path);
    int fd = -1;
    for (int attempt = 0;; attempt++) {
        fd = open(out->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return hr_error_set(err, HR_EFAIL, out->path, 0, NULL,
                                "cannot create the lock file: %s", strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            int rc = e == EWOULDBLOCK ? lock_busy(fd, out->path, err)
                                      : hr_error_set(err, HR_EFAIL, out->path, 0, NULL,
                                                     "cannot lock: %s", strerror(e));
            close(fd);
            return rc;
        }
        if (lock_in_place(fd, out->path))
            break;
        close(fd); /* released and removed meanwhile: take the new one */
        if (attempt == 100)
            return hr_error_set(err, HR_EFAIL, out->path, 0, NULL,
                                "cannot lock: the lock file keeps being replaced");
    }
    if (lock_write_info(fd, command) != 0) {
        int e = errno;
        close(fd);
        return hr_error_set(err, HR_EFAIL, out->path, 0, NULL, "cannot write the lock file: %s",
                            strerror(e));
    }
    out->fd = fd;
    return HR_OK;
}

void lock_release(lock_handle *lock)
{
    if (!lock || lock->fd < 0)
        return;
    /* Removed while still held: a run waiting on the old file finds it is
     * no longer in place and opens the path again (lock_in_place). If the
     * folder does not let us, the file stays, emptied. */
    if (unlink(lock->path) != 0 && ftruncate(lock->fd, 0) != 0) {
        /* Nothing to do: the stale lines are overwritten by the next holder. */
    }
    close(lock->fd); /* releases the flock */
    lock->fd = -1;
}
