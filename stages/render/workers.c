/*
 * workers.c -- renders a run's jobs, on forked worker processes when there
 * are enough of them, each worker on its own database connection, in the
 * template SQL sandbox (data.c).
 */
#include "stages/render/request.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"

/* Renders jobs k, k + n, k + 2n, ... on connection db; returns how many, or
 * -1 with err set. */
static int render_share(run *r, render_job *jobs, int njobs, int k, int n, sqlite3 *db,
                        hr_error *err)
{
    int done = 0;
    r->db = db;
    for (int j = k; j < njobs; j += n) {
        if (render_one(r, jobs[j].scope_index, jobs[j].mode, jobs[j].path, err) ||
            registry_record(db, &jobs[j].entry, err))
            return -1;
        done++;
    }
    return done;
}

/* How many processes render: one per core (at most 4), HOSPREPORT_JOBS to
 * override; one for a handful of PDFs, where forking costs more than it
 * saves. */
static int render_workers(int njobs)
{
    int n = paths_jobs();
    if (njobs < 6)
        n = 1;
    return n > njobs ? (njobs > 0 ? njobs : 1) : n;
}

/* What a worker process tells its parent. */
typedef struct worker_report {
    int rendered; /* -1: failed, error in err */
    hr_error err;
} worker_report;

/*
 * Renders the jobs on render_workers() processes. Documents are independent,
 * so each worker takes every n-th job. Processes, not threads: the language
 * is switched through process-wide gettext state. SQLite connections must
 * not cross a fork, so each worker opens its own (WAL lets them read, and
 * take turns to record in the registry) and leaves with _exit(), touching
 * nothing of the parent's; the parent holds no transaction or statement
 * while they run.
 */
int render_jobs(run *r, render_job *jobs, int njobs, int *written, hr_error *err)
{
    int workers = render_workers(njobs);
    if (workers <= 1) {
        int n = render_share(r, jobs, njobs, 0, 1, r->db, err);
        if (n < 0)
            return err->code ? err->code : HR_EFAIL;
        *written += n;
        return HR_OK;
    }
    const char *db_path = sqlite3_db_filename(r->db, "main");
    pid_t pids[16];
    int fds[16], started = 0, rc = HR_OK;
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < workers; k++) {
        int p[2];
        if (pipe(p) != 0) {
            rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot start a render worker: %s",
                              render_system_error(errno));
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(p[0]), close(p[1]);
            rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "cannot start a render worker: %s",
                              render_system_error(errno));
            break;
        }
        if (pid == 0) {
            close(p[0]);
            worker_report rep = {-1, {0}};
            sqlite3 *db;
            if (db_open(db_path, &db, &rep.err) == HR_OK) {
                ds_sandbox_install(db);
                if (ds_small_counts_begin(db, r->small_k, r->small_list, &rep.err) == HR_OK)
                    rep.rendered = render_share(r, jobs, njobs, k, workers, db, &rep.err);
            }
            ssize_t off = 0, size = (ssize_t)sizeof rep;
            while (off < size) {
                ssize_t w = write(p[1], (char *)&rep + off, (size_t)(size - off));
                if (w <= 0)
                    break;
                off += w;
            }
            _exit(rep.rendered < 0 ? 1 : 0);
        }
        close(p[1]);
        pids[started] = pid, fds[started] = p[0], started++;
    }
    for (int k = 0; k < started; k++) {
        worker_report rep;
        ssize_t off = 0, size = (ssize_t)sizeof rep;
        while (off < size) {
            ssize_t got = read(fds[k], (char *)&rep + off, (size_t)(size - off));
            if (got <= 0)
                break;
            off += got;
        }
        close(fds[k]);
        int status = 0;
        waitpid(pids[k], &status, 0);
        if (off < size) {
            if (rc == HR_OK)
                rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL,
                                  "a render worker stopped without finishing (status %d)",
                                  status);
        } else if (rep.rendered < 0) {
            if (rc == HR_OK) {
                *err = rep.err;
                rc = err->code ? err->code : HR_EFAIL;
            }
        } else
            *written += rep.rendered;
    }
    return rc;
}

