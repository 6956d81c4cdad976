/*
 * registry.h -- the run registry: which PDFs were generated, when, from
 * which inputs and with which template (table report_run, migration
 * 060_registry.sql).
 *
 * It makes reruns idempotent: a renderer asks registry_is_current() before
 * writing a PDF and skips it when the same report was already generated
 * from the same inputs with the same template and the file is still there,
 * unchanged. After writing a PDF it calls registry_record(). `due` and
 * `status` (schedule.c) read the table to tell which reports are done.
 *
 * The contract for a renderer, per PDF:
 *
 *     char fp[DIGEST_HEX_SIZE];
 *     registry_inputs_fingerprint(db, "2026-10", fp, err);   // once per period
 *     registry_entry e;
 *     registry_entry_init(&e, "monthly", "2026-10", "hospital", "zh_CN",
 *                         "templates/monthly.xml", fp,
 *                         "reports/monthly-2026-10-hospital.zh_CN.pdf", err);
 *     if (!force && registry_is_current(db, &e, err) == 1)
 *         skip;                                   // nothing to regenerate
 *     ... write the PDF to e.output_path ...
 *     registry_record(db, &e, err);
 *
 * The inputs fingerprint covers the data (every current source file of the
 * months the report reads), each month's pipeline state, the configuration
 * files under config/ and the hospreport version; a change in any of them
 * changes the fingerprint, so the report is regenerated. The template
 * digest is the SHA-256 of the template file; a renderer whose templates
 * include other files (or depend on the message catalogs) may put its own
 * digest over all of them in e.template_sha256 after registry_entry_init().
 *
 * Paths are stored as given: the same report written to another folder is a
 * different entry. Nothing here allocates memory the caller must free.
 */
#ifndef HR_REGISTRY_H
#define HR_REGISTRY_H

#include <sqlite3.h>

#include "pipeline/core/digest.h"
#include "pipeline/core/error.h"

typedef struct registry_entry {
    const char *kind;   /* monthly | quarterly | annual | topic */
    const char *period; /* canonical PERIOD text */
    const char *scope;  /* hospital | dept_code */
    const char *lang;   /* zh_CN | en | bilingual */
    const char *template_path;
    const char *output_path;
    char template_sha256[DIGEST_HEX_SIZE];
    char inputs_fingerprint[DIGEST_HEX_SIZE];
    int draft; /* 1: a forced draft (a gate failed); `due` does not count it done */
} registry_entry;

/* The months a report over `p` reads: its own months, its MoM and YoY bases,
 * its YTD and the YTD a year earlier, and the 24 months up to its last
 * (trend charts). Fills *first_month and *last_month (month indexes, see
 * period.h). A month's data change makes stale every period whose range
 * holds it: the month itself, the next month (MoM), the same month a year
 * later (YoY), the later months of its year (YTD) and of the next, its
 * quarter and year, topic ranges holding or compared with it. */
struct period;
void registry_input_months(const struct period *p, int *first_month, int *last_month);

/* The fingerprint of one month's data: a SHA-256 over the source, SHA-256
 * and read_with (the profile it was read with) of each current source_file
 * row of the month. Ingest stores it in period_state.inputs; validate and
 * reconcile copy it into validated_inputs / reconciled_inputs. */
int registry_month_fingerprint(sqlite3 *db, const char *month, char fingerprint[DIGEST_HEX_SIZE],
                               hr_error *err);

/* SQL expressions over period_state (unqualified columns) for the states
 * that hold for the month's current data: the state, or 'stale' when the
 * stage ran on other data than the month's current files (NULL: never). */
#define REGISTRY_VALIDATION_SQL                                                             \
    "CASE WHEN validation_state IS NOT NULL AND validated_inputs IS NOT inputs THEN 'stale' " \
    "ELSE validation_state END"
#define REGISTRY_RECONCILE_SQL                                                              \
    "CASE WHEN reconcile_state IS NOT NULL AND reconciled_inputs IS NOT inputs THEN 'stale' " \
    "ELSE reconcile_state END"

/* A SHA-256 (hex) over everything the numbers of a report over
 * `period_text` come from: for each month of registry_input_months(), its
 * validation and reconciliation state as above and the source, sha256 and
 * read_with of each current source_file row; every current budget file;
 * then the relative path and SHA-256 of every regular file under the data
 * dir's config/ (sorted); then the hospreport version. This is the one
 * staleness test: compute stores it per computed period
 * (computed_period.inputs), render per PDF (report_run), and results or a
 * report whose stored fingerprint differs from today's are stale.
 * Returns 0, or an hr_code with err set (bad period, database, unreadable
 * configuration file). */
int registry_inputs_fingerprint(sqlite3 *db, const char *period_text,
                                char fingerprint[DIGEST_HEX_SIZE], hr_error *err);

/* Fills *e: keeps the pointers (they must outlive *e), copies the
 * fingerprint and hashes the template file. Returns 0, or HR_EFAIL with err
 * set when the template cannot be read. */
int registry_entry_init(registry_entry *e, const char *kind, const char *period,
                        const char *scope, const char *lang, const char *template_path,
                        const char fingerprint[DIGEST_HEX_SIZE], const char *output_path,
                        hr_error *err);

/* 1 when the latest registry row for (kind, period, scope, lang,
 * output_path) has the same template digest and inputs fingerprint AND the
 * output file still exists with the recorded SHA-256; 0 when the report
 * must be (re)generated; -1 on a database error (err set). */
int registry_is_current(sqlite3 *db, const registry_entry *e, hr_error *err);

/* Hashes the output file just written and appends a report_run row with
 * the time (db_now). Returns 0, or an hr_code with err set. */
int registry_record(sqlite3 *db, const registry_entry *e, hr_error *err);

/* The state of a period's computed results: registry_inputs_fingerprint()
 * now against the one stored with them (computed_period.inputs). */
enum { REGISTRY_NONE = 0, REGISTRY_CURRENT = 1, REGISTRY_STALE = 2 };
/* REGISTRY_NONE (never computed), REGISTRY_CURRENT, REGISTRY_STALE (the
 * data of a month it reads, a state or the configuration changed since),
 * or -1 on error (err set). */
int registry_results_state(sqlite3 *db, const char *period_text, hr_error *err);
/* "none", "current", "stale". */
const char *registry_state_name(int state);

/* The reports of the registry, one per (kind, period), as their latest
 * PDFs stand. */
typedef struct registry_report {
    char kind[64];      /* monthly | quarterly | annual | topic-NAME */
    char period[32];
    int scopes;         /* how many scopes; `scope` is one of them */
    char scope[64];
    int pdfs;
    char lang[16];      /* its one language, or "all" */
    char out_dir[4096]; /* the folder of one of its PDFs */
    char template_path[4096];
    char generated_at[32]; /* the latest */
    int draft;          /* a PDF is a draft */
    int stale;          /* a PDF was drawn from other inputs than today's */
} registry_report;
/* Fills *out (caller frees) with *n reports, by period then kind. */
int registry_reports(sqlite3 *db, registry_report **out, int *n, hr_error *err);

#endif
