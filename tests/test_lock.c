/*
 * test_lock.c -- the database lock: a second run (another process, or the
 * same one) is refused with a message naming the holder; the lock is free
 * again after release and after the holder dies without releasing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline/core/error.h"
#include "pipeline/lock.h"
#include "tests/support/testkit.h"

/* The database path the lock is taken for, and its lock file, in the test
 * kit's scratch folder. */
static char scratch[64], db_path[96], lock_path[112];
#define DB_PATH db_path

/* Forks a child that takes the lock, tells the parent through a pipe, then
 * waits to be killed (never releasing). Returns its pid. */
static pid_t holder_child(void)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(30); /* never outlive a failed test */
        close(fds[0]);
        lock_handle lk;
        hr_error err;
        char ok = lock_acquire(DB_PATH, "run --period 2026-10", &lk, &err) == 0 ? 'y' : 'n';
        if (write(fds[1], &ok, 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(fds[1]);
    char ok = 0;
    assert_int_equal(read(fds[0], &ok, 1), 1);
    close(fds[0]);
    assert_int_equal(ok, 'y');
    return pid;
}

static void test_second_process_is_refused(void **state)
{
    (void)state;
    unlink(lock_path);
    pid_t child = holder_child();
    lock_handle lk;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(lock_acquire(DB_PATH, "due", &lk, &err), HR_EFAIL);
    assert_int_equal(lk.fd, -1);
    char host[256];
    gethostname(host, sizeof host);
    char expect[512];
    snprintf(expect, sizeof expect,
             "another hospreport run holds %s: pid %ld on %s, started ", lock_path,
             (long)child, host);
    assert_memory_equal(err.message, expect, strlen(expect));
    assert_non_null(strstr(err.message, ", 'run --period 2026-10'; wait for it to finish"));

    /* The holder dies without releasing: the kernel frees the lock. */
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(lock_acquire(DB_PATH, "due", &lk, &err), 0);
    lock_release(&lk);
}

static void test_same_process_and_release(void **state)
{
    (void)state;
    lock_handle a, b;
    hr_error err;
    assert_int_equal(lock_acquire(DB_PATH, "ingest --period 2026-10", &a, &err), 0);
    char self[64];
    snprintf(self, sizeof self, "pid %ld on ", (long)getpid());
    assert_int_equal(lock_acquire(DB_PATH, "compute", &b, &err), HR_EFAIL);
    assert_non_null(strstr(err.message, self));
    assert_non_null(strstr(err.message, "'ingest --period 2026-10'"));
    lock_release(&a);
    lock_release(&a); /* idempotent */
    assert_int_equal(lock_acquire(DB_PATH, "compute", &b, &err), 0);
    lock_release(&b);
    /* Released: nothing is left beside the database. */
    assert_int_equal(access(lock_path, F_OK), -1);
}

/* A run that opened the lock file before its holder released (and removed)
 * it locks a file no longer in place: it must not count as holding the
 * lock while a third run holds the new file. */
static void test_removed_file_not_held(void **state)
{
    (void)state;
    lock_handle a, b, c;
    hr_error err;
    assert_int_equal(lock_acquire(DB_PATH, "run", &a, &err), 0);
    int stale = open(lock_path, O_RDWR); /* a second run, between open and flock */
    assert_true(stale >= 0);
    lock_release(&a);
    assert_int_equal(lock_acquire(DB_PATH, "run 3", &c, &err), 0); /* a new file */
    /* the second run now gets its flock on the removed file ... */
    assert_int_equal(flock(stale, LOCK_EX | LOCK_NB), 0);
    /* ... but the file at the path is held by the third: refused */
    assert_int_equal(lock_acquire(DB_PATH, "run 2", &b, &err), HR_EFAIL);
    assert_non_null(strstr(err.message, "'run 3'"));
    close(stale);
    lock_release(&c);
    assert_int_equal(access(lock_path, F_OK), -1);
}

static void test_unwritable_folder(void **state)
{
    (void)state;
    lock_handle lk;
    hr_error err;
    char path[128], lock[136];
    snprintf(path, sizeof path, "%s/no-such-folder/x.db", scratch);
    snprintf(lock, sizeof lock, "%s.lock", path);
    assert_int_equal(lock_acquire(path, "run", &lk, &err), HR_EFAIL);
    assert_string_equal(err.file, lock);
    assert_non_null(strstr(err.message, "cannot create the lock file"));
}

static int setup(void **state)
{
    (void)state;
    tk_tmpdir_create(scratch, "test-lock");
    snprintf(db_path, sizeof db_path, "%s/test_lock.db", scratch);
    snprintf(lock_path, sizeof lock_path, "%s.lock", db_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_tmpdir_remove(scratch);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_process_is_refused),
        cmocka_unit_test(test_same_process_and_release),
        cmocka_unit_test(test_removed_file_not_held),
        cmocka_unit_test(test_unwritable_folder),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
