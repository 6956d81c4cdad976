/*
 * lock.h -- one run per database at a time.
 *
 * Two runs writing one database at once would interleave their loads and
 * reports. Every command that writes takes the lock first: an exclusive
 * flock(2) on the file DB_PATH.lock, which the kernel releases when the
 * holder exits, however it exits (a killed run never leaves a stale lock).
 * The holder writes its pid, host, start time and command into the file,
 * so that a second run can say who is in the way:
 *
 *   another hospreport run holds x.db.lock: pid 1234 on host1,
 *   started 2026-11-24 10:00:00, 'run --period 2026-10'
 *
 * The holder removes the lock file when it releases it, still holding the
 * lock, so a finished or refused command leaves nothing beside the
 * database (a killed one leaves the file with its lines: harmless, the
 * next holder takes it over). Removing it could let two runs lock two
 * different files -- one that opened the old file before it was removed
 * would lock a file no longer in place -- so after locking, a run checks
 * that the file it holds is the one at DB_PATH.lock, and opens it again
 * if not. Acquiring never waits.
 *
 * A lock_handle is a value owned by the caller; lock_release() closes its
 * file descriptor. Locks are per open file, so a second lock_acquire() on
 * the same database fails even within one process.
 */
#ifndef HR_LOCK_H
#define HR_LOCK_H

#include "pipeline/core/error.h"

typedef struct lock_handle {
    int fd;         /* -1 when not held */
    char path[4096]; /* DB_PATH.lock */
} lock_handle;

/* Takes the lock on db_path for `command` (a short description such as
 * "run --period 2026-10", written into the lock file). Returns 0 and fills
 * *out; or HR_EFAIL with err set: naming the other run when the database is
 * locked, or the OS error when the lock file cannot be created. */
int lock_acquire(const char *db_path, const char *command, lock_handle *out, hr_error *err);

/* Removes the lock file (or, if the folder does not allow it, empties it)
 * and releases the lock. Safe on a handle that is not
 * held (fd -1) and idempotent. */
void lock_release(lock_handle *lock);

#endif
