/*
 * db.c -- SQLite store: open, migrate, helpers (see db.h).
 */
#include "pipeline/core/db.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "pipeline/core/strbuf.h"

int db_fail(sqlite3 *db, const char *what, hr_error *err)
{
    return hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "database: %s: %s", what,
                        db ? sqlite3_errmsg(db) : "cannot open");
}

int db_row(sqlite3_stmt *st, int *rc, hr_error *err)
{
    assert(st && rc && err);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW || step == SQLITE_DONE) {
        *rc = HR_OK;
        return step == SQLITE_ROW;
    }
    *rc = hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "database: %s (in: %.120s)",
                       sqlite3_errmsg(sqlite3_db_handle(st)), sqlite3_sql(st));
    return 0;
}

int db_one(sqlite3_stmt *st, hr_error *err)
{
    int rc;
    if (db_row(st, &rc, err))
        return 1;
    return rc ? -1 : 0;
}

int db_exec(sqlite3 *db, const char *sql, hr_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "database: %s (in: %.120s)",
                     msg ? msg : sqlite3_errmsg(db), sql);
        sqlite3_free(msg);
        return HR_EFAIL;
    }
    return HR_OK;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, hr_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "database: %s (in: %.160s)",
                     sqlite3_errmsg(db), sql);
        return NULL;
    }
    return st;
}

int db_begin(sqlite3 *db, hr_error *err) { return db_exec(db, "BEGIN IMMEDIATE", err); }
int db_commit(sqlite3 *db, hr_error *err) { return db_exec(db, "COMMIT", err); }

void db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Prepares sql and binds the NULL-terminated text arguments to ?1, ?2 ... */
static sqlite3_stmt *prepare_args(sqlite3 *db, const char *sql, va_list ap, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    const char *arg;
    for (int i = 1; st && (arg = va_arg(ap, const char *)) != NULL; i++)
        sqlite3_bind_text(st, i, arg, -1, SQLITE_TRANSIENT);
    return st;
}

int db_exec_args(sqlite3 *db, hr_error *err, const char *sql, ...)
{
    va_list ap;
    va_start(ap, sql);
    sqlite3_stmt *st = prepare_args(db, sql, ap, err);
    va_end(ap);
    if (!st)
        return err ? err->code : HR_EFAIL;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? HR_OK : db_fail(db, sql, err);
}

int db_query_int(sqlite3 *db, int64_t *out, hr_error *err, const char *sql, ...)
{
    va_list ap;
    va_start(ap, sql);
    sqlite3_stmt *st = prepare_args(db, sql, ap, err);
    va_end(ap);
    if (!st)
        return -1;
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
            *out = sqlite3_column_int64(st, 0);
            found = 1;
        }
    } else if (rc != SQLITE_DONE) {
        db_fail(db, "query", err);
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

int db_schema_version(sqlite3 *db)
{
    int64_t v = 0;
    if (db_query_int(db, &v, NULL, "PRAGMA user_version", NULL) < 0)
        return -1;
    return (int)v;
}

int db_latest_version(void)
{
    return db_migration_count ? db_migrations[db_migration_count - 1].number : 0;
}

/* 1 if migration `number` is recorded as applied, 0 if not, -1 on error. */
static int applied(sqlite3 *db, int number, hr_error *err)
{
    char n[16];
    snprintf(n, sizeof n, "%d", number);
    int64_t found = 0;
    int rc = db_query_int(db, &found, err,
                          "SELECT count(*) FROM schema_migration WHERE number = ?", n, NULL);
    return rc < 0 ? -1 : found > 0;
}

/*
 * Applies, in number order and one transaction each, every migration not
 * yet recorded in schema_migration. Stages own number ranges, so a stage
 * may add a migration numbered below one already applied: recording each
 * one (not only the highest, as user_version alone would) makes sure it
 * is applied to existing databases too. user_version mirrors the highest
 * applied, for the sqlite3 shell.
 */
static int migrate(sqlite3 *db, const char *path, hr_error *err)
{
    if (db_exec(db,
                "CREATE TABLE IF NOT EXISTS schema_migration (number INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                err))
        return HR_EFAIL;
    int64_t newest = 0, version = 0;
    if (db_query_int(db, &newest, err, "SELECT max(number) FROM schema_migration", NULL) < 0 ||
        db_query_int(db, &version, err, "PRAGMA user_version", NULL) < 0)
        return HR_EFAIL;
    if (newest == 0 && version > 0)
        return hr_error_set(err, HR_EFAIL, path, 0, NULL,
                            "this database was made by a pre-release hospreport that did not "
                            "record its migrations; move it away and load the months again");
    if (newest > db_latest_version())
        return hr_error_set(err, HR_EFAIL, path, 0, NULL,
                            "database schema version %lld is newer than this hospreport "
                            "knows (%d); use a newer hospreport",
                            (long long)newest, db_latest_version());
    for (int i = 0; i < db_migration_count; i++) {
        const db_migration *m = &db_migrations[i];
        int done = applied(db, m->number, err);
        if (done < 0)
            return HR_EFAIL;
        if (done)
            continue;
        char now[32], record[256];
        snprintf(record, sizeof record,
                 "INSERT INTO schema_migration (number, name, applied_at) VALUES (%d, '%s', '%s');"
                 "PRAGMA user_version = %d",
                 m->number, m->name, db_now(now, sizeof now),
                 m->number > newest ? m->number : (int)newest);
        if (db_begin(db, err) || db_exec(db, m->sql, err) || db_exec(db, record, err) ||
            db_commit(db, err)) {
            db_rollback(db);
            hr_error_locate(err, path, 0, NULL);
            char msg[sizeof err->message];
            buf_printf(msg, sizeof msg, "migration %03d_%s failed: %s", m->number, m->name,
                     err->message);
            snprintf(err->message, sizeof err->message, "%s", msg);
            return HR_EFAIL;
        }
        if (m->number > newest)
            newest = m->number;
    }
    return HR_OK;
}

/* Reads map the database file instead of copying each page from the OS
 * cache into SQLite's: a scan of a month of visits takes half the time.
 * SQLite caps this at its build's limit (2 GiB in Debian's); mapped pages
 * are the kernel's page cache, shared and reclaimable. */
#define DB_MMAP_SIZE "2147418112"

int db_open(const char *path, sqlite3 **out, hr_error *err)
{
    sqlite3 *db = NULL;
    *out = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot open database: %s",
                     db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return HR_EFAIL;
    }
    sqlite3_busy_timeout(db, 5000);
    if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; "
                    "PRAGMA cache_size=-65536; PRAGMA mmap_size=" DB_MMAP_SIZE ";",
                err) ||
        migrate(db, path, err)) {
        hr_error_locate(err, path, 0, NULL);
        sqlite3_close(db);
        return err ? err->code : HR_EFAIL;
    }
    *out = db;
    return HR_OK;
}

/* A read-only URI for path ('%', '?' and '#' escaped), with `params`. */
static char *readonly_uri(const char *path, const char *params)
{
    strbuf sb = STRBUF_INIT;
    sb_addstr(&sb, "file:");
    for (const char *p = path; *p; p++)
        if (*p == '%' || *p == '?' || *p == '#')
            sb_addf(&sb, "%%%02X", (unsigned char)*p);
        else
            sb_addch(&sb, *p);
    sb_addf(&sb, "?%s", params);
    return sb_detach(&sb, NULL);
}

/* Opens the URI and reads the schema once, so that a file that cannot be
 * read fails here; SQLITE_OK or SQLite's error code (*out set on success). */
static int open_uri(const char *uri, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return SQLITE_OK;
}

int db_open_readonly(const char *path, sqlite3 **out, hr_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return hr_error_set(err, HR_EINPUT, path, 0, NULL,
                            "no such database (load a month first with 'hospreport run' or "
                            "'ingest', or name the database with --db)");
    if (stat(path, &st) != 0)
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot read the database: %s",
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hr_error_set(err, HR_EINPUT, path, 0, NULL, "not a database file");
    /* A WAL database on read-only media has no -shm file and cannot make
     * one: nothing can write there, so the file is read as immutable. */
    char *uri = readonly_uri(path, "mode=ro");
    sqlite3 *db = NULL;
    int rc = open_uri(uri, &db);
    free(uri);
    if (rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY) {
        uri = readonly_uri(path, "mode=ro&immutable=1");
        rc = open_uri(uri, &db);
        free(uri);
    }
    if (rc != SQLITE_OK)
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot read the database: %s",
                            sqlite3_errstr(rc));
    sqlite3_exec(db, "PRAGMA mmap_size=" DB_MMAP_SIZE, NULL, NULL, NULL);
    int64_t newest = 0;
    int found = db_query_int(db, &newest, NULL,
                             "SELECT max(number) FROM schema_migration", NULL);
    if (found <= 0 || newest != db_latest_version()) {
        sqlite3_close(db);
        if (found < 0)
            return hr_error_set(err, HR_EINPUT, path, 0, NULL, "not a hospreport database");
        return hr_error_set(err, HR_EFAIL, path, 0, NULL,
                            newest > db_latest_version()
                                ? "database schema version %lld is newer than this hospreport "
                                  "knows (%d); use a newer hospreport"
                                : "database schema version %lld is older than this hospreport's "
                                  "(%d): a writing command (e.g. hospreport compute) upgrades it",
                            (long long)newest, db_latest_version());
    }
    *out = db;
    return HR_OK;
}

sqlite3 *db_open_reader(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA mmap_size=" DB_MMAP_SIZE, NULL, NULL, NULL);
    return db;
}

void db_close(sqlite3 *db)
{
    if (db)
        sqlite3_close_v2(db);
}

const char *db_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde)
        t = (time_t)strtoll(sde, NULL, 10);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}
