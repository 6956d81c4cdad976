/*
 * cli.c -- subcommands, their options and their --help (see cli.h).
 *
 * Every subcommand is one row of `commands`: the options it accepts, the
 * ones it requires, its help text and the function that does the work.
 * Parsing is shared, so every command treats --help, unknown options and
 * missing values the same way.
 */
#include "pipeline/cli.h"

#include <getopt.h>
#include <gnu/libc-version.h>
#include <harfbuzz/hb.h>
#include <hpdf_version.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/lock.h"
#include "pipeline/core/log.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/period.h"
#include "pipeline/core/registry.h"
#include "pipeline/missing.h"
#include "pipeline/schedule.h"
#include "stages/advise/advise.h"
#include "stages/compute/compute.h"
#include "stages/export/export.h"
#include "stages/ingest/ingest.h"
#include "stages/reconcile/reconcile.h"
#include "stages/render/render.h"
#include "stages/validate/validate.h"

enum opt_bit {
    O_IN = 1 << 0, O_PERIOD = 1 << 1, O_DB = 1 << 2, O_OUT = 1 << 3, O_LANG = 1 << 4,
    O_FORCE = 1 << 5, O_PROFILE = 1 << 6, O_REPORT = 1 << 7, O_SCOPE = 1 << 8,
    O_TEMPLATE = 1 << 9, O_TODAY = 1 << 10, O_VERIFY = 1 << 11, O_SOURCES = 1 << 12,
    O_SCHEDULED = 1 << 13, O_DELIVER = 1 << 14, O_DELIVERY = 1 << 15, O_FORMAT = 1 << 16,
    O_BOM = 1 << 17, O_TABLE = 1 << 18
};

typedef int (*command_fn)(const cli_args *args, hr_error *err);

typedef struct command {
    const char *name;
    int writes; /* takes the database lock */
    unsigned accepts, requires;
    command_fn run;
    const char *summary; /* message ids: print them through _() */
    const char *help;    /* the usage and the command's own options */
    const char *example; /* after the common options, or NULL */
} command;

static int open_db(const cli_args *a, sqlite3 **db, hr_error *err)
{
    return db_open(a->db, db, err);
}

static int cmd_ingest(const cli_args *a, hr_error *err)
{
    sqlite3 *db;
    if (period_parse_month(a->period, &(period){0}, err) || open_db(a, &db, err))
        return err->code;
    rowtap *tap = validate_tap_new(NULL); /* validate judges the rows as they load */
    ingest_options opt = {a->in_dir, a->period, a->profile, tap};
    ingest_summary sum = {0};
    int rc = ingest_folder(db, &opt, &sum, err);
    validate_tap_free(tap);
    if (rc == HR_OK)
        log_info("ingest %s: %d files loaded, %d unchanged, %d skipped; %lld rows read, "
                 "%lld loaded, %lld rejected",
                 a->period, sum.files_loaded, sum.files_unchanged, sum.files_skipped,
                 sum.rows_read, sum.rows_loaded, sum.rows_rejected);
    /* the expected sources the month still lacks, and what they cost */
    if (rc == HR_OK)
        rc = missing_refresh(db, a, a->period, 1, err);
    db_close(db);
    return rc;
}

static int cmd_validate(const cli_args *a, hr_error *err)
{
    sqlite3 *db;
    if (period_parse_month(a->period, &(period){0}, err) || open_db(a, &db, err))
        return err->code;
    validate_options opt = {a->period, NULL, a->out_dir, stdout, 0};
    int rc = validate_period(db, &opt, err);
    db_close(db);
    return rc;
}

static int cmd_reconcile(const cli_args *a, hr_error *err)
{
    sqlite3 *db;
    if (period_parse_month(a->period, &(period){0}, err) || open_db(a, &db, err))
        return err->code;
    reconcile_options opt = {a->period, NULL, a->out_dir, a->force, stdout};
    int rc = reconcile_period(db, &opt, err);
    db_close(db);
    return rc;
}

/* Computes a period (only what changed since the last time) and its key
 * findings; refuses a period of which no month is loaded, which would only
 * give empty results. */
static int compute_and_advise(sqlite3 *db, const char *text, hr_error *err)
{
    period p;
    if (period_parse(text, &p, err))
        return err->code;
    char first[8], last[8];
    int64_t loaded = 0;
    if (db_query_int(db, &loaded, err,
                     "SELECT count(*) FROM period_state WHERE period BETWEEN ? AND ? "
                     "AND ingested_at IS NOT NULL",
                     period_month_label(p.first, first), period_month_label(p.last, last),
                     NULL) < 0)
        return err->code;
    if (loaded == 0)
        return hr_error_set(err, HR_EINPUT, NULL, 0, "--period",
                            "no month of %s is loaded: load its exports first "
                            "(hospreport ingest or run)",
                            text);
    int rc = compute_period(db, text, err);
    return rc ? rc : advise_period(db, text, err);
}

static int cmd_compute(const cli_args *a, hr_error *err)
{
    sqlite3 *db;
    if (period_parse(a->period, &(period){0}, err) || open_db(a, &db, err))
        return err->code;
    int rc = compute_and_advise(db, a->period, err);
    db_close(db);
    return rc;
}

/* export --format xlsx: the workbook at --out (a FILE.xlsx, or a folder
 * that gets export-PERIOD-SCOPE.xlsx). */
static int export_workbook(sqlite3 *db, const cli_args *a, hr_error *err)
{
    const char *scope = a->scope ? a->scope : "hospital";
    int64_t n = 0;
    if (db_query_int(db, &n, err, "SELECT count(*) FROM indicator_value WHERE period = ?",
                     a->period, (char *)NULL) < 0)
        return err->code;
    if (n == 0)
        return hr_error_set(err, HR_EINPUT, NULL, 0, "--period",
                            "%s has not been computed: 'hospreport compute --period %s' first",
                            a->period, a->period);
    char path[4096];
    size_t len = strlen(a->out_dir);
    if (len > 5 && !strcmp(a->out_dir + len - 5, ".xlsx"))
        snprintf(path, sizeof path, "%s", a->out_dir);
    else {
        char stem[256];
        snprintf(stem, sizeof stem, "export-%s-%s", a->period, scope);
        if (paths_make_dir(a->out_dir, err) ||
            paths_output_file(a->out_dir, stem, ".xlsx", path, sizeof path, err))
            return err->code;
    }
    int rc = export_xlsx(db, a->period, scope, path, err);
    if (rc == HR_OK)
        log_info("export: %s", path);
    return rc;
}

static int cmd_export(const cli_args *a, hr_error *err)
{
    const char *format = a->format ? a->format : "csv";
    if (strcmp(format, "csv") && strcmp(format, "xlsx"))
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--format",
                            "'%s' is not an export format: use csv or xlsx", format);
    if (a->bom && strcmp(format, "csv"))
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--bom", "--bom is for --format csv");
    const char *table = a->table ? a->table : "indicators";
    int drg = strcmp(table, "drg-groups") == 0;
    if (!drg && strcmp(table, "indicators"))
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--table",
                            "'%s' is not a table export knows: use indicators or drg-groups",
                            table);
    if (drg && strcmp(format, "csv"))
        return hr_error_set(err, HR_EUSAGE, NULL, 0, "--table",
                            "--table drg-groups is written as CSV: leave out --format %s",
                            format);
    sqlite3 *db;
    if (period_parse(a->period, &(period){0}, err) || db_open_readonly(a->db, &db, err))
        return err->code;
    /* read-only: stale results are refused, not recomputed */
    int state = registry_results_state(db, a->period, err), rc;
    if (state < 0)
        rc = err->code;
    else if (state == REGISTRY_STALE)
        rc = hr_error_set(err, HR_EINPUT, NULL, 0, "--period",
                          "the results of %s are stale: data it reads (a month, a validation "
                          "or reconciliation, the configuration) changed since they were "
                          "computed; 'hospreport compute --period %s' brings them up to date",
                          a->period, a->period);
    else if (!strcmp(format, "xlsx"))
        rc = export_workbook(db, a, err);
    else {
        if (a->bom)
            fputs("\xEF\xBB\xBF", stdout); /* so that Excel reads the CSV as UTF-8 */
        const char *scope = a->scope ? a->scope : "hospital";
        rc = drg ? compute_export_drg_groups(db, a->period, scope, stdout, err)
                 : compute_export(db, a->period, scope, stdout, err);
    }
    db_close(db);
    return rc;
}

static int check_lang(const char *lang, hr_error *err)
{
    static const char *const ok[] = {"zh_CN", "en", "bilingual", "all"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strcmp(lang, ok[i]) == 0)
            return HR_OK;
    return hr_error_set(err, HR_EUSAGE, NULL, 0, "--lang",
                        "'%s' is not a language: use zh_CN, en, bilingual or all", lang);
}

/* The report kind and the period must agree: a monthly report is over a
 * month, a quarterly over a quarter, an annual over a year; a topic report
 * over any period. */
static int check_report(const char *kind, const char *period_text, hr_error *err)
{
    static const struct {
        const char *kind, *example;
        period_kind period;
    } kinds[] = {{"monthly", "2026-10", PERIOD_MONTH},
                 {"quarterly", "2026-Q3", PERIOD_QUARTER},
                 {"annual", "2026", PERIOD_YEAR},
                 {"topic", NULL, PERIOD_RANGE}};
    period p;
    if (period_parse(period_text, &p, err))
        return err->code;
    if (!strncmp(kind, "topic-", 6) && kind[6]) /* a topic by name: any period */
        return HR_OK;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(kind, kinds[i].kind) != 0)
            continue;
        if (kinds[i].example && p.kind != kinds[i].period)
            return hr_error_set(err, HR_EUSAGE, NULL, 0, "--period",
                                "%s %s report is over a %s (e.g. --period %s), not '%s'",
                                kind[0] == 'a' ? "an" : "a", kind,
                                kinds[i].period == PERIOD_MONTH     ? "month"
                                : kinds[i].period == PERIOD_QUARTER ? "quarter"
                                                                    : "year",
                                kinds[i].example, period_text);
        return HR_OK;
    }
    return hr_error_set(err, HR_EUSAGE, NULL, 0, "--report",
                        "'%s' is not a report: use monthly, quarterly, annual, topic or topic-NAME",
                        kind);
}

/* The reports of the registry drawn from data that changed since: named on
 * stderr, with what draws them again. */
static int warn_stale_reports(sqlite3 *db, hr_error *err)
{
    registry_report *reps;
    int n;
    if (registry_reports(db, &reps, &n, err))
        return err->code;
    for (int i = 0; i < n; i++)
        if (reps[i].stale)
            log_warn(msg_ntr("%s %s (%d PDF in %s) was drawn from data that changed since: "
                             "'hospreport run' draws it again",
                             "%s %s (%d PDFs in %s) were drawn from data that changed since: "
                             "'hospreport run' draws them again",
                             (unsigned long)reps[i].pdfs),
                     reps[i].kind, reps[i].period, reps[i].pdfs, reps[i].out_dir);
    free(reps);
    return HR_OK;
}

static int cmd_render(const cli_args *a, hr_error *err)
{
    sqlite3 *db;
    if (check_report(a->report, a->period, err) || check_lang(a->lang, err) ||
        open_db(a, &db, err))
        return err->code;
    render_options opt = {a->report, a->period, a->scope ? a->scope : "hospital", a->lang,
                          a->template_path, a->out_dir, a->force};
    int written = 0;
    /* A report draws on computed results: bring them up to date first (a
     * moment when nothing changed), so that a report is never drawn from
     * stale results and an ad-hoc topic period needs no compute of its own. */
    int rc = compute_and_advise(db, a->period, err);
    if (rc == HR_OK) /* what the reports say of absent sources */
        rc = missing_refresh(db, a, a->period, 0, err);
    if (rc == HR_OK)
        rc = render_reports(db, &opt, &written, err);
    if (rc == HR_OK)
        log_info(msg_ntr("render: %d PDF written to %s", "render: %d PDFs written to %s",
                         (unsigned long)written),
                 written, a->out_dir);
    if (rc == HR_OK)
        rc = warn_stale_reports(db, err);
    db_close(db);
    return rc;
}

static int cmd_run(const cli_args *a, hr_error *err)
{
    if (!a->period && !a->scheduled)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL,
                            "run needs --period (or --scheduled) (see 'hospreport run --help')");
    if ((a->period && period_parse_month(a->period, &(period){0}, err)) ||
        check_lang(a->lang, err))
        return err->code;
    return run_pipeline(a, err);
}

static int cmd_pull(const cli_args *a, hr_error *err) { return cycle_pull_command(a, err); }
static int cmd_deliver(const cli_args *a, hr_error *err) { return cycle_deliver_command(a, err); }

static int cmd_due(const cli_args *a, hr_error *err) { return schedule_due(a, stdout, err); }
static int cmd_status(const cli_args *a, hr_error *err) { return schedule_status(a, stdout, err); }

/* The options every command takes, printed after its own. */
static const char *const common_help =
    N_("  --db FILE       the SQLite database (default: hospreport.db in this folder)\n"
       "  -q, --quiet     only warnings and errors on stderr\n"
       "  -v, --verbose   more detail on stderr\n"
       "  -h, --help      this help\n");
static const command commands[] = {
    {"pull", 1, O_PERIOD | O_DB | O_TODAY | O_SOURCES | O_VERIFY | O_SCHEDULED, 0, cmd_pull,
     N_("collect a month's exports from each system's drop folder into the archive"),
     N_("Usage: hospreport pull --period YYYY-MM [--today DATE] [--sources FILE] [--db DB]\n"
     "       hospreport pull --scheduled [--today DATE] [--sources FILE] [--db DB]\n"
     "       hospreport pull --verify [--period YYYY-MM] [--db DB]\n"
     "\n"
     "For each source of config/sources.xml, finds the month's file in the folder its\n"
     "system drops it in (its name pattern with the period filled in), checks that it\n"
     "is complete (size and time unchanged for a few seconds, or a NAME.done marker)\n"
     "and of the month, and copies it read-only into ARCHIVE/YYYY-MM/ under the name\n"
     "its profile reads, recording source, original path, size, SHA-256 and time in\n"
     "the database. An unchanged file is skipped; a changed one is kept as a new\n"
     "version beside the earlier (outpatient.v2.csv); ingest reads the newest.\n"
     "Prints each source's state -- in, new, updated, missing, late (missing after\n"
     "its expected day), waiting (still being written), refused (two files match,\n"
     "a link out of the drop folder, another month's data) -- and whom to chase.\n"
     "Exit status 0 when every required source is in, 2 when one is not.\n"
     "\n"
     "  --period YYYY-MM  the month to pull\n"
     "  --scheduled     the month before today, as a timer runs it: before the first\n"
     "                  day of <schedule days=...> nothing; until its last day a\n"
     "                  missing source is a wait (exit 0), from then a failure\n"
     "  --today DATE    pretend today is DATE (what is late; --scheduled's month)\n"
     "  --sources FILE  the sources configuration (default: config/sources.xml)\n"
     "  --verify        check every archived file (of --period, else all) against\n"
     "                  the manifest: there, read-only, same size and SHA-256\n"),
     N_("\nExample: hospreport pull --period 2026-10 && hospreport run --period 2026-10\n")},
    {"run", 1, O_IN | O_PERIOD | O_DB | O_OUT | O_LANG | O_FORCE | O_PROFILE | O_SCOPE |
         O_TODAY | O_SOURCES | O_SCHEDULED | O_DELIVER | O_DELIVERY, 0, cmd_run,
     N_("the whole pipeline for one month, then every report due"),
     N_("Usage: hospreport run --period YYYY-MM [--in DIR] [--db DB] [--out DIR] [--lang L]\n"
     "                      [--force] [--deliver]\n"
     "       hospreport run --scheduled [--deliver] ...\n"
     "\n"
     "Ingests, validates, reconciles and computes one month of exports, then renders\n"
     "every report due for that month's data: the monthly report always, the quarterly\n"
     "report after March, June, September and December, the annual report after\n"
     "December -- for the hospital and every clinical department. Without --in it\n"
     "first pulls the month (see 'hospreport pull --help'), stops with exit status 2\n"
     "if a required source is not in, and ingests the newest archived version of\n"
     "each source.\n"
     "\n"
     "  --in DIR        the month's export folder (e.g. exports/2026-10); no pull\n"
     "  --period YYYY-MM  the month\n"
     "  --scheduled     the month before today, pulled as 'pull --scheduled' does;\n"
     "                  while sources are missing before the schedule's last day,\n"
     "                  the run waits (exit 0) for the next try\n"
     "  --out DIR       where PDFs and data-quality CSVs go (default: reports)\n"
     "  --lang L        zh_CN, en, bilingual or all (default: all)\n"
     "  --scope S       hospital, all or one dept_code (default: all)\n"
     "  --profile FILE  source profile for the exports of --in (default: standard)\n"
     "  --force         render even when reconciliation is blocking; every page\n"
     "                  then carries an UNRECONCILED DRAFT / 未对账草稿 mark\n"
     "  --deliver       then deliver the reports (see 'hospreport deliver --help')\n"
     "  --today DATE    pretend today is DATE\n"
     "  --sources FILE  the sources configuration (default: config/sources.xml)\n"
     "  --delivery FILE the delivery configuration (default: config/delivery.xml)\n"),
     N_("\nExamples: hospreport run --period 2026-10 --deliver\n"
     "          hospreport run --in exports/2026-10 --period 2026-10 --out reports\n")},
    {"deliver", 1, O_PERIOD | O_DB | O_DELIVERY, O_PERIOD, cmd_deliver,
     N_("send each reader their reports: folders and e-mail (config/delivery.xml)"),
     N_("Usage: hospreport deliver --period PERIOD [--delivery FILE] [--db DB]\n"
     "\n"
     "Delivers the reports the registry holds for PERIOD (a month also brings its\n"
     "quarter after March, June, September and December and its year after\n"
     "December, as run renders them) where config/delivery.xml sends each scope's\n"
     "reports: a copy into each folder (e.g. the department's share), and one\n"
     "message per e-mail address with all its reports attached, handed to the\n"
     "sendmail program the file names. Every delivery is recorded (table delivery):\n"
     "a rerun delivers only reports whose PDF changed since they went to that\n"
     "target, and such a message says which earlier delivery it replaces.\n"
     "A report edited or removed since it was rendered is not delivered (exit 4);\n"
     "a folder or addressee that fails is reported (exit 4) after the others are\n"
     "served. Prints one line per report copied or sent.\n"
     "\n"
     "  --period PERIOD  2026-10, 2026-Q3 or 2026\n"
     "  --delivery FILE  the delivery configuration (default: config/delivery.xml)\n"),
     N_("\nExample: hospreport deliver --period 2026-10\n")},
    {"ingest", 1, O_IN | O_PERIOD | O_DB | O_PROFILE, O_IN | O_PERIOD, cmd_ingest,
     N_("load one month's export folder into the database"),
     N_("Usage: hospreport ingest --in DIR --period YYYY-MM [--db DB] [--profile FILE]\n"
     "\n"
     "Reads every export of the source profile found in DIR (CSV in UTF-8, UTF-8 with\n"
     "BOM or GB18030, or XML) into the database. Each file is loaded whole or not at\n"
     "all; a file already loaded unchanged is not loaded again; a changed file\n"
     "replaces its earlier rows for the month. Rows whose values are not of their\n"
     "type go to quarantine with file, line and reason.\n"
     "\n"
     "  --in DIR        the month's export folder\n"
     "  --period YYYY-MM  the month the folder holds\n"
     "  --profile FILE  source profile XML (default: config/profiles/standard.xml)\n"),
     NULL},
    {"validate", 1, O_PERIOD | O_DB | O_OUT, O_PERIOD, cmd_validate,
     N_("check the loaded rows of a month against the row rules"),
     N_("Usage: hospreport validate --period YYYY-MM [--db DB] [--out DIR]\n"
     "\n"
     "Applies the validation rules (config/rules/validation.xml) to the month's rows:\n"
     "bad rows go to quarantine, warnings are recorded, and a table per source is\n"
     "printed. Exit status 2 when a file's quarantined share is above the limit.\n"
     "\n"
     "  --out DIR       also write the quarantine as CSV there\n"),
     NULL},
    {"reconcile", 1, O_PERIOD | O_DB | O_OUT | O_FORCE, O_PERIOD, cmd_reconcile,
     N_("compare sources that count the same things"),
     N_("Usage: hospreport reconcile --period YYYY-MM [--db DB] [--out DIR] [--force]\n"
     "\n"
     "Compares HIS with the medical records, the ward census and the finance ledger\n"
     "(config/rules/reconcile.xml). Exit status 3 when a blocking rule fails, unless\n"
     "--force, which lets reports be rendered as marked drafts.\n"
     "\n"
     "  --out DIR       write record-level differences as CSV there\n"),
     NULL},
    {"compute", 1, O_PERIOD | O_DB, O_PERIOD, cmd_compute,
     N_("compute every indicator for every scope of a period"),
     N_("Usage: hospreport compute --period PERIOD [--db DB]\n"
     "\n"
     "PERIOD is 2026-10 (month), 2026-Q3 (quarter), 2026 (year) or 2026-01..2026-06\n"
     "(a range of whole months). Stores values, MoM, YoY, YTD, flags, contributions\n"
     "and cost allocation in the database, then the key findings and suggestions\n"
     "that config/advice.xml derives from them.\n"),
     NULL},
    {"render", 1, O_PERIOD | O_DB | O_OUT | O_LANG | O_REPORT | O_SCOPE | O_TEMPLATE | O_FORCE, O_PERIOD | O_REPORT, cmd_render,
     N_("write report PDFs from computed results"),
     N_("Usage: hospreport render --report monthly|quarterly|annual|topic|topic-NAME\n"
     "                         --period PERIOD\n"
     "                         [--scope hospital|all|DEPT] [--lang L] [--template FILE]\n"
     "                         [--db DB] [--out DIR] [--force]\n"
     "\n"
     "Brings the period's computed results up to date first (as compute does; only\n"
     "what changed is computed again), then writes the PDFs. A month of the period\n"
     "whose reconciliation is blocking stops it (exit 3), one that failed validation\n"
     "or was never validated too (exit 2), unless --force.\n"
     "\n"
     "  --report KIND   monthly, quarterly, annual or topic; topic-NAME is a shipped\n"
     "                  topic by name (topic-drg = --report topic --template drg)\n"
     "  --scope S       hospital (default), all (hospital and every clinical\n"
     "                  department) or one dept_code\n"
     "  --lang L        zh_CN, en, bilingual or all (default: all)\n"
     "  --template T    a report template file (default: templates/KIND.xml); for\n"
     "                  topic reports, required: a file, or the name of a shipped\n"
     "                  topic (equipment, drug-material, beds, drg, guokao =\n"
     "                  templates/topic-NAME.xml)\n"
     "  --out DIR       where PDFs go (default: reports)\n"
     "  --force         render such months anyway, as drafts: every page carries\n"
     "                  UNRECONCILED DRAFT / 未对账草稿 or UNVALIDATED DRAFT / 未通过校验草稿\n"),
     N_("\nFiles are named KIND-PERIOD-SCOPE.LANG.pdf, e.g. monthly-2026-10-hospital.zh_CN.pdf;\n"
     "topic reports by their template, e.g. topic-beds-2026-01..2026-06-hospital.en.pdf\n"
     "\nExamples: hospreport render --report topic --template beds --period 2026-01..2026-06\n"
     "          hospreport render --report topic-drg --period 2026-10 --scope all\n")},
    {"export", 0, O_PERIOD | O_DB | O_SCOPE | O_FORMAT | O_OUT | O_BOM | O_TABLE, O_PERIOD,
     cmd_export,
     N_("print computed indicators as CSV, or write them to an Excel workbook"),
     /* xgettext:no-c-format */
     N_("Usage: hospreport export --period PERIOD [--scope hospital|all|DEPT] [--bom] [--db DB]\n"
     "       hospreport export --format xlsx --period PERIOD [--scope S] [--out FILE.xlsx]\n"
     "       hospreport export --table drg-groups --period PERIOD [--scope S] [--bom]\n"
     "\n"
     "Prints period,scope,indicator,value,mom,yoy,ytd,ytd_yoy on stdout, one row per\n"
     "scope and indicator. Money in CNY; % indicators' mom and yoy in percentage\n"
     "points; an undefined value is an empty field.\n"
     "\n"
     "With --table drg-groups, prints the DRG group table instead (病组分析表: per\n"
     "scope, the hospital or a discharging department, and DRG group): stays, weight,\n"
     "CMI contribution, length of stay and cost with the group's benchmark sums,\n"
     "payment, cost and balance over the stays with a payment, deaths, low-risk\n"
     "stays, then mean_los, bench_mean_los, mean_cost_cents and\n"
     "bench_mean_cost_cents. Columns ending in _cents are integer cents; no patient\n"
     "identifier. A period with a month without drg.csv has no rows.\n"
     "\n"
     "With --format xlsx, writes one workbook instead: sheets for the indicators\n"
     "(names in Chinese and English, unit, value, MoM, YoY, YTD, warning), the\n"
     "operating statement, the equipment benefit table, the clinical departments\n"
     "side by side, the quarantined rows and the reconciliation differences, with\n"
     "Chinese headers and department names, numbers as numbers.\n"
     "\n"
     "  --scope S       hospital (default), all (hospital and every department) or a dept_code\n"
     "  --format F      csv (default, on stdout) or xlsx\n"
     "  --table T       csv: indicators (default) or drg-groups\n"
     "  --out PATH      xlsx: the workbook (FILE.xlsx), or a folder that gets\n"
     "                  export-PERIOD-SCOPE.xlsx (default: reports)\n"
     "  --bom           csv: begin with a UTF-8 byte order mark, so that Excel opens\n"
     "                  the Chinese text right\n"),
     NULL},
    {"due", 0, O_DB | O_TODAY | O_LANG | O_SOURCES, 0, cmd_due,
     N_("list reports whose deadline has come or is near, and months waiting for data"),
     N_("Usage: hospreport due [--today YYYY-MM-DD] [--lang L] [--sources FILE] [--db DB] [-q]\n"
     "\n"
     "Monthly reports are due before the 10th of the next month, quarterly reports\n"
     "within 15 days of the quarter's end, annual reports by 31 January. Lists each\n"
     "report whose data are loaded: kind, period, deadline, state (done, due, overdue);\n"
     "and each month that has ended whose required exports (config/sources.xml) are\n"
     "not all in, pulled or loaded: 'waiting  for data: SOURCE (late since DATE:\n"
     "CONTACT)' until its deadline, 'overdue  waiting for data: ...' after it.\n"
     "\n"
     "  --today DATE    pretend today is DATE (default: today)\n"
     "  --lang L        the languages a report must exist in to count as done:\n"
     "                  zh_CN, en, bilingual or all (default: all)\n"
     "  --sources FILE  the sources configuration (default: config/sources.xml)\n"
     "  -q              only what is not done, without the header: prints nothing\n"
     "                  when nothing is due (for cron and timers, which mail output)\n"),
     NULL},
    {"status", 0, O_DB | O_TODAY | O_SOURCES, 0, cmd_status,
     N_("months loaded, their data state, reports done, sources in"),
     N_("Usage: hospreport status [--today DATE] [--sources FILE] [--db DB]\n"
     "\n"
     "Per month loaded: files, rows, quarantined rows, validation, reconciliation,\n"
     "computed; per report generated: scopes, PDFs, when, languages; then the sources\n"
     "of the month before today: in (pulled or loaded), missing or late, with the\n"
     "contact to chase.\n"
     "\n"
     "  --today DATE    pretend today is DATE (which month's sources are shown)\n"
     "  --sources FILE  the sources configuration (default: config/sources.xml)\n"),
     NULL},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void print_usage(FILE *f)
{
    fputs(_("Usage: hospreport COMMAND [OPTIONS]\n\n"
            "Turns a hospital's monthly data exports into bilingual (简体中文 / English)\n"
            "PDF operations analysis reports.\n\nCommands:\n"), f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
    fputs(_("\nPERIOD is 2026-10 (month), 2026-Q3 (quarter), 2026 (year) or\n"
            "2026-01..2026-06 (months, for topic reports).\n"
            "'hospreport COMMAND --help' tells more about each command.\n"
            "Exit status: 0 success, 1 usage error, 2 input rejected, 3 reconciliation\n"
            "blocking, 4 any other failure.\n"
            "\nEnvironment:\n"
            "  HOSPREPORT_DATADIR  config/ and templates/ (default: beside the program,\n"
            "                      else the installed share/hospreport)\n"
            "  HOSPREPORT_FONT     the TrueType font (default: WenQuanYi Zen Hei)\n"
            "  HOSPREPORT_JOBS     compute threads and render processes (default: one\n"
            "                      per core, at most 4)\n"
            "  SOURCE_DATE_EPOCH   the time written into PDFs and records, for\n"
            "                      reproducible output\n"), f);
}

static const struct option long_options[] = {
    {"in", required_argument, 0, 'i'},     {"period", required_argument, 0, 'p'},
    {"db", required_argument, 0, 'd'},     {"out", required_argument, 0, 'o'},
    {"lang", required_argument, 0, 'l'},   {"force", no_argument, 0, 'f'},
    {"profile", required_argument, 0, 'P'}, {"report", required_argument, 0, 'r'},
    {"scope", required_argument, 0, 's'},  {"template", required_argument, 0, 't'},
    {"today", required_argument, 0, 'T'},  {"quiet", no_argument, 0, 'q'},
    {"verify", no_argument, 0, 'V'},       {"sources", required_argument, 0, 'S'},
    {"scheduled", no_argument, 0, 'C'},    {"deliver", no_argument, 0, 'D'},
    {"delivery", required_argument, 0, 'E'}, {"format", required_argument, 0, 'F'},
    {"bom", no_argument, 0, 'B'},           {"table", required_argument, 0, 'K'},
    {"verbose", no_argument, 0, 'v'},      {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

static const struct {
    int ch;
    unsigned bit;
    const char *name;
} option_bits[] = {{'i', O_IN, "--in"},         {'p', O_PERIOD, "--period"},
                   {'d', O_DB, "--db"},         {'o', O_OUT, "--out"},
                   {'l', O_LANG, "--lang"},     {'f', O_FORCE, "--force"},
                   {'P', O_PROFILE, "--profile"}, {'r', O_REPORT, "--report"},
                   {'s', O_SCOPE, "--scope"},   {'t', O_TEMPLATE, "--template"},
                   {'T', O_TODAY, "--today"},   {'V', O_VERIFY, "--verify"},
                   {'S', O_SOURCES, "--sources"}, {'C', O_SCHEDULED, "--scheduled"},
                   {'D', O_DELIVER, "--deliver"}, {'E', O_DELIVERY, "--delivery"},
                   {'F', O_FORMAT, "--format"}, {'B', O_BOM, "--bom"},
                   {'K', O_TABLE, "--table"}};

static const char *option_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof option_bits / sizeof *option_bits; i++)
        if (option_bits[i].bit == bit)
            return option_bits[i].name;
    return "?";
}

/* --version: ours, then what we run on (a bug report needs both), then
 * where the data files are read from. */
static void print_version(FILE *out)
{
    fprintf(out, "hospreport %s (schema %d)\n", HOSPREPORT_VERSION, db_latest_version());
    int xml = atoi(xmlParserVersion);
    fprintf(out, "  SQLite %s, libxml2 %d.%d.%d, libharu %s, HarfBuzz %s, %s, glibc %s (gettext)\n",
            sqlite3_libversion(), xml / 10000, xml / 100 % 100, xml % 100, HPDF_VERSION_TEXT, hb_version_string(),
            OpenSSL_version(OPENSSL_VERSION), gnu_get_libc_version());
    fprintf(out, "  data: %s\n  messages: %s\n", paths_data_dir(), paths_locale_dir());
}

static unsigned option_bit(int ch)
{
    for (size_t i = 0; i < sizeof option_bits / sizeof *option_bits; i++)
        if (option_bits[i].ch == ch)
            return option_bits[i].bit;
    return 0;
}

int cli_main(int argc, char **argv, hr_error *err)
{
    if (argc < 2) {
        print_usage(stderr);
        return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL, "no command given");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return HR_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        print_version(stdout);
        return HR_OK;
    }
    const command *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            cmd = &commands[i];
    if (!cmd)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL, "'%s' is not a command", argv[1]);

    cli_args a = {.command = cmd->name, .db = "hospreport.db", .out_dir = "reports",
                  .lang = "all", .report = NULL};
    unsigned seen = 0;
    int ch;
    optind = 1;
    opterr = 0;
    char **av = argv + 1; /* getopt sees the command as its argv[0] */
    while ((ch = getopt_long(argc - 1, av, ":qvh", long_options, NULL)) != -1) {
        if (ch == 'h') {
            fputs(_(cmd->help), stdout);
            fputs(_(common_help), stdout);
            if (cmd->example)
                fputs(_(cmd->example), stdout);
            return HR_OK;
        }
        if (ch == 'q') {
            log_verbosity = 0;
            continue;
        }
        if (ch == 'v') {
            log_verbosity = 2;
            continue;
        }
        if (ch == '?')
            return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL,
                                "%s: unknown option '%s' (see 'hospreport %s --help')",
                                cmd->name, av[optind - 1], cmd->name);
        if (ch == ':')
            return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL, "%s: option '%s' needs a value",
                                cmd->name, av[optind - 1]);
        unsigned bit = option_bit(ch);
        if (!(cmd->accepts & bit))
            return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL,
                                "%s does not take %s (see 'hospreport %s --help')", cmd->name,
                                option_name(bit), cmd->name);
        seen |= bit;
        switch (ch) {
        case 'i': a.in_dir = optarg; break;
        case 'p': a.period = optarg; break;
        case 'd': a.db = optarg; break;
        case 'o': a.out_dir = optarg; break;
        case 'l': a.lang = optarg; break;
        case 'f': a.force = 1; break;
        case 'P': a.profile = optarg; break;
        case 'r': a.report = optarg; break;
        case 's': a.scope = optarg; break;
        case 't': a.template_path = optarg; break;
        case 'T': a.today = optarg; break;
        case 'V': a.verify = 1; break;
        case 'S': a.sources = optarg; break;
        case 'C': a.scheduled = 1; break;
        case 'D': a.deliver = 1; break;
        case 'E': a.delivery = optarg; break;
        case 'F': a.format = optarg; break;
        case 'B': a.bom = 1; break;
        case 'K': a.table = optarg; break;
        }
    }
    if (optind < argc - 1)
        return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL, "%s: unexpected argument '%s'",
                            cmd->name, av[optind]);
    unsigned missing = cmd->requires & ~seen;
    if (missing) {
        for (unsigned bit = 1; bit; bit <<= 1)
            if (missing & bit)
                return hr_error_set(err, HR_EUSAGE, NULL, 0, NULL,
                                    "%s needs %s (see 'hospreport %s --help')", cmd->name,
                                    option_name(bit), cmd->name);
    }
    if (!cmd->writes)
        return cmd->run(&a, err);
    /* One writer per database: name this run in the lock file. */
    char description[256];
    snprintf(description, sizeof description, "%s%s%s", cmd->name, a.period ? " --period " : "",
             a.period ? a.period : "");
    lock_handle lock;
    if (lock_acquire(a.db, description, &lock, err))
        return err->code;
    int rc = cmd->run(&a, err);
    lock_release(&lock);
    return rc;
}
