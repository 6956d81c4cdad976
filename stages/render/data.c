/*
 * data.c -- the data a template shows: the indicator values of the report's
 * scope (loaded once per PDF) and datasets, which are SQL queries with named
 * parameters. A template may give its own SQL (<dataset name="x">SELECT
 * ...</dataset>) or use a built-in name; the built-ins are the same kind of
 * SQL, kept here, and run in the same sandbox (see "The sandbox" below):
 * no identifier, one SELECT, allowed functions only, bounded in time.
 *
 * Parameters bound when a query names them: :period :scope :lang (zh_CN|en)
 * :mode (zh_CN|en|bilingual) :month_first :month_last (YYYY-MM) :indicator
 * :dimension :comparison :limit :kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/utf8.h"
#include "stages/render/render_internal.h"
#include "stages/render/template.h"
#include "pipeline/core/xalloc.h"

/* 13 months ending at :month_last, and the same months a year earlier. */
#define MONTHS13                                                                           \
    "WITH RECURSIVE m(n, month) AS (SELECT 12, strftime('%Y-%m', :month_last || '-01', "   \
    "'-12 months') UNION ALL SELECT n - 1, strftime('%Y-%m', month || '-01', '+1 months') " \
    "FROM m WHERE n > 0) "

static const struct builtin {
    const char *name;
    const char *sql;
} builtins[] = {
    {"indicators",
     "SELECT i.indicator AS indicator, CASE WHEN :lang = 'en' THEN i.name_en ELSE i.name_zh END "
     "AS name, i.unit AS unit, i.direction AS direction, i.dimension AS dimension, v.value AS "
     "value, v.mom AS mom, v.yoy AS yoy, v.ytd AS ytd, v.flag AS flag FROM indicator i LEFT JOIN "
     "indicator_value v ON v.indicator = i.indicator AND v.period = :period AND v.scope = :scope "
     "WHERE (:dimension IS NULL OR :dimension = '' OR i.dimension = :dimension) "
     "ORDER BY i.sort_order"},
    {"departments",
     "SELECT v.scope AS code, COALESCE(CASE WHEN :lang = 'en' THEN d.name_en ELSE d.name_zh END, "
     "v.scope) AS x, 'value' AS series, v.value AS value, v.mom AS mom, v.yoy AS yoy, "
     "(v.scope = :scope) AS highlight, i.unit AS unit FROM indicator_value v JOIN indicator i ON "
     "i.indicator = v.indicator LEFT JOIN dept d ON d.period = :month_last AND d.dept_code = "
     "v.scope WHERE v.period = :period AND v.indicator = :indicator AND v.scope <> 'hospital' "
     "AND (d.category IS NULL OR instr(' ' || :categories || ' ', ' ' || d.category || ' ')) "
     "ORDER BY v.value DESC, v.scope"},
    {"trend",
     MONTHS13 "SELECT m.month AS x, 'Current' AS series, v.value AS value FROM m "
              "LEFT JOIN indicator_value v ON v.period = m.month AND v.scope = :scope AND "
              "v.indicator = :indicator UNION ALL SELECT m.month, 'Year earlier', "
              "v.value FROM m LEFT JOIN indicator_value v ON v.period = strftime('%Y-%m', m.month "
              "|| '-01', '-12 months') AND v.scope = :scope AND v.indicator = :indicator"},
    {"trend:24m",
     "WITH RECURSIVE m(n, month) AS (SELECT 23, strftime('%Y-%m', :month_last || '-01', "
     "'-23 months') UNION ALL SELECT n - 1, strftime('%Y-%m', month || '-01', '+1 months') FROM "
     "m WHERE n > 0) SELECT m.month AS x, 'Current' AS series, v.value AS value FROM m LEFT JOIN "
     "indicator_value v ON v.period = m.month AND v.scope = :scope AND v.indicator = :indicator "
     "ORDER BY m.month"},
    {"trend:8q",
     "WITH RECURSIVE q(n, month) AS (SELECT 7, strftime('%Y-%m', :month_last || '-01', "
     "'-21 months') UNION ALL SELECT n - 1, strftime('%Y-%m', month || '-01', '+3 months') FROM "
     "q WHERE n > 0), k(n, quarter) AS (SELECT n, substr(month, 1, 4) || '-Q' || "
     "((CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3) FROM q) SELECT k.quarter AS x, 'Current' "
     "AS series, v.value AS value FROM k LEFT JOIN indicator_value v ON v.period = k.quarter AND "
     "v.scope = :scope AND v.indicator = :indicator ORDER BY k.n DESC"},
    /* series named as in the operating statement (message ids: the legend
     * is translated), in its order */
    {"revenue_mix",
     MONTHS13 ", l(item, label, ord) AS (VALUES ('drug', 'Drugs', 1), ('material', "
              "'Medical materials', 2), ('exam', 'Examination', 3), ('treatment', 'Treatment', 4), "
              "('surgery', 'Surgery', 5), ('bed', 'Beds', 6), ('other', 'Other revenue', 7)) "
              "SELECT m.month AS x, coalesce(l.label, o.item) AS series, o.amount_cents / 100.0 AS "
              "value, 'money' AS unit FROM m JOIN operating_statement o ON o.period = m.month AND o.scope = :scope "
              "AND o.section = 'revenue' LEFT JOIN l ON l.item = o.item "
              "ORDER BY m.month, coalesce(l.ord, 99), o.item"},
    {"operating_statement",
     "SELECT section, item, amount_cents / 100.0 AS amount FROM operating_statement WHERE period "
     "= :period AND scope = :scope ORDER BY CASE section WHEN 'revenue' THEN 1 WHEN "
     "'direct_cost' THEN 2 WHEN 'allocated' THEN 3 ELSE 4 END, item"},
    {"equipment_benefit",
     "SELECT CASE WHEN :lang = 'en' THEN e.name_en ELSE e.name_zh END AS name, COALESCE(CASE WHEN "
     ":lang = 'en' THEN d.name_en ELSE d.name_zh END, e.dept_code) AS dept, e.exams AS exams, "
     "e.utilization AS utilization, e.idle_rate AS idle_rate, e.revenue_cents / 100.0 AS revenue, "
     "e.depreciation_cents / 100.0 AS depreciation, e.net_benefit_cents / 100.0 AS net_benefit, "
     "e.payback_years AS payback_years FROM equipment_benefit e LEFT JOIN dept d ON d.period = "
     ":month_last AND d.dept_code = e.dept_code WHERE e.period = :period AND (:scope = "
     "'hospital' OR e.dept_code = :scope) ORDER BY e.net_benefit_cents DESC, e.equipment_id"},
    {"contributions",
     "SELECT c.dept_code AS code, COALESCE(CASE WHEN :lang = 'en' THEN d.name_en ELSE d.name_zh "
     "END, c.dept_code) AS x, 'delta' AS series, c.delta AS value, c.share AS share, c.rank AS "
     "rank, i.direction AS direction FROM contribution c JOIN indicator i ON i.indicator = "
     "c.indicator LEFT JOIN dept d ON d.period = :month_last AND d.dept_code = c.dept_code WHERE "
     "c.period = :period AND c.indicator = :indicator AND c.comparison = COALESCE(:comparison, "
     "'mom') ORDER BY c.rank"},
    {"findings",
     "SELECT CASE WHEN :lang = 'en' THEN i.name_en ELSE i.name_zh END AS name, CASE WHEN :lang = "
     "'en' THEN v.flag_reason_en ELSE v.flag_reason_zh END AS text, v.flag AS flag FROM "
     "indicator_value v JOIN indicator i ON i.indicator = v.indicator WHERE v.period = :period "
     "AND v.scope = :scope AND v.flag IS NOT NULL ORDER BY i.sort_order"},
    {"data_quality",
     "SELECT s.source AS source, SUM(s.rows_read) AS rows_read, SUM(s.rows_loaded) AS "
     "rows_loaded, SUM(s.rows_rejected) AS rows_rejected, (SELECT COUNT(*) FROM quarantine q "
     "WHERE q.source = s.source AND q.period BETWEEN :month_first AND :month_last) AS "
     "quarantined FROM source_file s WHERE s.current = 1 AND s.period BETWEEN :month_first AND "
     ":month_last GROUP BY s.source ORDER BY s.source"},
    {"sources",
     "SELECT s.period AS period, COALESCE(CASE WHEN :lang = 'en' THEN n.name_en ELSE n.name_zh "
     "END, s.source) AS source, replace(s.path, rtrim(s.path, replace(s.path, "
     "'/', '')), '') AS file, s.rows_loaded AS rows_loaded, s.encoding AS encoding, "
     "substr(s.sha256, 1, 12) AS sha256 FROM "
     "source_file s LEFT JOIN source_name n ON n.source = s.source WHERE s.current = 1 AND "
     "s.period BETWEEN :month_first AND :month_last ORDER BY s.period, s.source"},
};

const char *ds_builtin_sql(int i)
{
    return i >= 0 && (size_t)i < sizeof builtins / sizeof *builtins ? builtins[i].sql : NULL;
}

static const char *template_sql(rctx *c, const char *name, long *line)
{
    xmlNodePtr root = xmlDocGetRootElement(c->tpl);
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (!tpl_is(n, "dataset"))
            continue;
        char buf[128];
        if (strcmp(tpl_attr_buf(n, "name", "", buf, sizeof buf), name) == 0) {
            *line = xmlGetLineNo(n);
            return (const char *)n; /* caller reads the text */
        }
    }
    return NULL;
}

static void bind(sqlite3_stmt *st, const char *name, const char *value)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0) {
        if (value && *value)
            sqlite3_bind_text(st, i, value, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, i);
    }
}

static void add_row(dataset *d, sqlite3_stmt *st)
{
    ds_cell *grown = xrealloc(d->cells, (size_t)(d->nrows + 1) * (size_t)d->ncols * sizeof *grown);
    d->cells = grown;
    for (int i = 0; i < d->ncols; i++) {
        ds_cell *cell = &d->cells[d->nrows * d->ncols + i];
        int type = sqlite3_column_type(st, i);
        const char *t = (const char *)sqlite3_column_text(st, i);
        cell->text = xstrdup(t ? t : "");
        cell->num = (type == SQLITE_INTEGER || type == SQLITE_FLOAT) ? sqlite3_column_double(st, i)
                                                                    : NAN;
    }
    d->nrows++;
}

/*
 * The sandbox every dataset's SQL is prepared in (render.c installs the
 * authorizer on each connection it renders with; ds_load turns "strict" on
 * while it prepares a dataset).
 *
 * Always: no column that identifies a patient or a record can be read --
 * patient_key, visit_id, stay_id, surgery_id, record_key (a stay or surgery
 * id), quarantine.raw (the record as it was in the file) and
 * reconcile_record.detail (which quotes keys). SELECT * over a table with
 * such a column is refused too.
 * Strict: a SELECT and nothing else -- no ATTACH, PRAGMA (nor its pragma_*
 * tables), temporary tables or writes -- calling only the functions of
 * `allowed_functions` (fts3_tokenizer(), load_extension() and the like are
 * refused).
 * Strict, while the small-count rule is on (ds_small_counts_begin): a
 * template reads only what cannot print a count the rule hides. Every
 * table of the schema has its class in `small_count_tables` (a table not
 * listed is refused, so a new table is refused until someone decides;
 * test_render_small checks every table of pipeline/schema/ is listed):
 *   readable   no count of patients finer than the hospital, or only
 *              counts no rule covers: money, beds, staff, equipment, the
 *              pipeline's own records, advise's findings (advise applies
 *              the rule itself)
 *   shadowed   read through a temporary view of the same name that applies
 *              the rule: indicator_value (the counts and ratios), drg_group
 *              (a department's deaths in a group), contribution and
 *              contribution_role (a department's change of a hidden count)
 *   refused    a row per patient or event (a visit, stay, surgery,
 *              complaint, DRG row, antibiotic order, day of a ward) and the
 *              per-department measures compute adds up (deaths of a
 *              department are a sum over inpatient or ind_measure away)
 * The table behind a shadowing view is read only through the view: a
 * template naming main.indicator_value (or a CTE, even one called
 * indicator_value) would print the counts the view hides, so it is
 * refused. The authorizer tells the view's reads from a template's by the
 * innermost view doing them: each shadowing view reads its table through
 * a second temporary view whose name is drawn at random for each render
 * (`raw`), which no template can name.
 */
enum { SH_INDICATOR_VALUE, SH_DRG_GROUP, SH_CONTRIBUTION, SH_CONTRIBUTION_ROLE, SH_COUNT };
static const char *const shadowed[SH_COUNT] = {"indicator_value", "drg_group", "contribution",
                                               "contribution_role"};

static struct sandbox {
    int strict;
    char raw[SH_COUNT][48]; /* raw[0] "": the rule is off; else the views reading the tables */
    char denied[320];       /* what the last refusal refused */
} sandbox;

/* 'r' readable, 's' shadowed, 'x' refused while the small-count rule is on
 * (sorted by name). */
static const struct small_count_table {
    const char *table;
    char cls;
} small_count_tables[] = {
    {"advice", 'r'}, {"advice_break", 'r'}, {"advice_new", 'r'}, {"alloc_driver", 'r'},
    {"antibiotic", 'x'}, {"archive_file", 'r'}, {"authority", 'r'}, {"budget", 'r'},
    {"census", 'x'}, {"complaints", 'x'}, {"computed_period", 'r'}, {"contribution", 's'},
    {"contribution_role", 's'}, {"cost", 'r'}, {"cost_alloc_warning", 'r'},
    {"cost_allocation", 'r'}, {"cost_unallocated", 'r'}, {"data_warning", 'r'},
    {"delivery", 'r'}, {"dept", 'r'}, {"drg", 'x'}, {"drg_benchmark", 'r'},
    {"drg_cost_mix", 'r'}, {"drg_group", 's'}, {"equipment", 'r'}, {"equipment_benefit", 'r'},
    {"equipment_usage", 'x'}, {"guokao_item", 'r'}, {"ind_distinct", 'x'},
    {"ind_drg_month", 'x'}, {"ind_equipment_month", 'r'}, {"ind_measure", 'x'},
    {"ind_measure_state", 'r'}, {"indicator", 'r'}, {"indicator_value", 's'},
    {"inpatient", 'x'}, {"month_missing_source", 'r'}, {"month_state", 'r'},
    {"month_undefined_indicator", 'r'}, {"mr_front", 'x'}, {"operating_statement", 'r'},
    {"outpatient", 'x'}, {"outpatient_rollup", 'x'}, {"period_state", 'r'},
    {"quarantine", 'r'}, {"reconcile_record", 'r'}, {"reconcile_result", 'r'},
    {"reconcile_rule_state", 'r'}, {"report_run", 'r'}, {"revenue", 'r'},
    {"rollup_state", 'r'}, {"row_warning", 'x'}, {"schema_migration", 'r'},
    {"source_file", 'r'}, {"source_name", 'r'}, {"staff", 'r'}, {"surgery", 'x'},
    {"validate_handoff", 'x'}, {"validate_handoff_hit", 'x'}, {"validate_volume", 'x'},
    {"validation_summary", 'r'},
};

int ds_small_count_class(const char *table)
{
    if (!table)
        return -1;
    if (strncasecmp(table, "sqlite_", 7) == 0)
        return 'r'; /* the schema, sqlite_sequence, statistics */
    size_t lo = 0, hi = sizeof small_count_tables / sizeof *small_count_tables;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcasecmp(table, small_count_tables[mid].table);
        if (cmp == 0)
            return small_count_tables[mid].cls;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

static const char *const denied_columns[] = {"patient_key", "visit_id", "stay_id", "surgery_id",
                                             "record_key"};
static const char *const denied_table_columns[][2] = {{"quarantine", "raw"},
                                                      {"reconcile_record", "detail"}};

int ds_column_denied(const char *table, const char *column)
{
    if (!column)
        return 0;
    for (size_t i = 0; i < sizeof denied_columns / sizeof *denied_columns; i++)
        if (strcasecmp(column, denied_columns[i]) == 0)
            return 1;
    for (size_t i = 0; table && i < sizeof denied_table_columns / sizeof *denied_table_columns; i++)
        if (strcasecmp(table, denied_table_columns[i][0]) == 0 &&
            strcasecmp(column, denied_table_columns[i][1]) == 0)
            return 1;
    return 0;
}

/* SQLite's core functions that only compute on their arguments (sorted). */
static const char *const allowed_functions[] = {
    "abs", "acos", "asin", "atan", "atan2", "avg", "ceil", "ceiling", "char", "coalesce",
    "concat", "concat_ws", "cos", "count", "cume_dist", "date", "datetime", "dense_rank",
    "exp", "first_value", "floor", "format", "glob", "group_concat", "hex", "ifnull", "iif",
    "instr", "julianday", "lag", "last_value", "lead", "length", "like", "likelihood",
    "likely", "ln", "log", "log10", "log2", "lower", "ltrim", "max", "min", "mod",
    "nth_value", "ntile", "nullif", "octet_length", "percent_rank", "pi", "pow", "power",
    "printf", "quote", "rank", "replace", "round", "row_number", "rtrim", "sign", "sin",
    "sqrt", "strftime", "string_agg", "substr", "substring", "sum", "tan", "time", "total",
    "trim", "trunc", "typeof", "unicode", "unixepoch", "unlikely", "upper"};

static int function_allowed(const char *name)
{
    size_t lo = 0, hi = sizeof allowed_functions / sizeof *allowed_functions;
    while (name && lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcasecmp(name, allowed_functions[mid]);
        if (cmp == 0)
            return 1;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* SQLite's own virtual tables: pragma_* (the schema, the settings), dbstat,
 * sqlite_dbpage (raw pages, which would bypass the column checks) and
 * sqlite_stmt. */
static int internal_table(const char *table)
{
    return strncasecmp(table, "pragma_", 7) == 0 || strcasecmp(table, "dbstat") == 0 ||
           strcasecmp(table, "sqlite_dbpage") == 0 || strcasecmp(table, "sqlite_stmt") == 0;
}

/* The shadowed table whose raw view is `table`, or -1. */
static int raw_view_of(const char *table)
{
    for (int i = 0; sandbox.raw[0][0] && i < SH_COUNT; i++)
        if (strcmp(table, sandbox.raw[i]) == 0)
            return i;
    return -1;
}

/* 1 when a read of `table` goes past a small-count view: a shadowed table
 * itself, unless the read is its raw view's; a raw view, unless from
 * within a view. The table's name in *which. */
static int bypasses_small_counts(const char *table, const char *db_name, const char *trigger,
                                 const char **which)
{
    if (!sandbox.raw[0][0] || !table)
        return 0;
    int r = raw_view_of(table);
    if (r >= 0) {
        *which = shadowed[r];
        return !trigger;
    }
    for (int i = 0; i < SH_COUNT; i++)
        if (db_name && strcasecmp(db_name, "main") == 0 && strcasecmp(table, shadowed[i]) == 0) {
            *which = shadowed[i];
            return !trigger || strcmp(trigger, sandbox.raw[i]) != 0;
        }
    return 0;
}

static int authorize(void *unused, int action, const char *a3, const char *a4, const char *db_name,
                     const char *trigger)
{
    (void)unused;
    if (action == SQLITE_READ) {
        if (ds_column_denied(a3, a4)) {
            snprintf(sandbox.denied, sizeof sandbox.denied, "reads %s", a4);
            return SQLITE_DENY;
        }
        /* trigger: the innermost view (or CTE) doing the read; NULL from
         * the query itself */
        const char *which = NULL;
        if (sandbox.strict && bypasses_small_counts(a3, db_name, trigger, &which)) {
            snprintf(sandbox.denied, sizeof sandbox.denied,
                     "reads main.%s, past the small-count rule; read %s (without main.), "
                     "which applies it",
                     which, which);
            return SQLITE_DENY;
        }
        if (sandbox.strict && a3 && internal_table(a3)) {
            snprintf(sandbox.denied, sizeof sandbox.denied,
                     "queries %s, which is SQLite's, not a table of hospreport", a3);
            return SQLITE_DENY;
        }
        int cls = a3 && sandbox.raw[0][0] && raw_view_of(a3) < 0 ? ds_small_count_class(a3) : 'r';
        if (sandbox.strict && cls != 'r' && cls != 's') {
            snprintf(sandbox.denied, sizeof sandbox.denied,
                     "reads %s while the small-count rule is on (config/hospital.xml): %s; "
                     "read indicator_value, which applies the rule",
                     a3,
                     cls == 'x' ? "its rows count patients by department, so a count the rule "
                                  "hides could be printed from it"
                                : "a table the rule has not classed (data.c)");
            return SQLITE_DENY;
        }
        return SQLITE_OK;
    }
    if (!sandbox.strict)
        return SQLITE_OK;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (function_allowed(a4))
            return SQLITE_OK;
        snprintf(sandbox.denied, sizeof sandbox.denied,
                 "calls %s(), which is not one of the functions a template may use", a4);
        return SQLITE_DENY;
    case SQLITE_ATTACH:
        snprintf(sandbox.denied, sizeof sandbox.denied, "attaches a database");
        return SQLITE_DENY;
    case SQLITE_PRAGMA:
        snprintf(sandbox.denied, sizeof sandbox.denied, "runs PRAGMA %s", a3 ? a3 : "");
        return SQLITE_DENY;
    default:
        snprintf(sandbox.denied, sizeof sandbox.denied, "must only read (a SELECT)");
        return SQLITE_DENY;
    }
}

void ds_sandbox_install(sqlite3 *db)
{
    sandbox.strict = 0;
    sqlite3_set_authorizer(db, authorize, NULL);
}

void ds_sandbox_remove(sqlite3 *db)
{
    sqlite3_set_authorizer(db, NULL, NULL);
}

/* How long one dataset query may run: HOSPREPORT_QUERY_SECONDS, default 30. */
static double query_seconds(void)
{
    const char *env = getenv("HOSPREPORT_QUERY_SECONDS");
    double s = env && *env ? atof(env) : 0;
    return s > 0 ? s : 30;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int past_deadline(void *deadline)
{
    return now_seconds() > *(double *)deadline;
}

/* No dataset is a report's worth of pages beyond this. */
#define DATASET_MAX_ROWS 100000

static int run_sql(rctx *c, xmlNodePtr el, const char *sql, const char *where, long line,
                   dataset *out)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    sandbox.strict = 1;
    sandbox.denied[0] = '\0';
    int prc = sqlite3_prepare_v2(c->db, sql, -1, &st, &tail);
    sandbox.strict = 0;
    if (prc != SQLITE_OK) {
        if (!strncmp(sandbox.denied, "reads ", 6))
            hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where,
                         "dataset SQL %s: no patient identifier may reach a report (patient_key, "
                         "visit_id, stay_id, surgery_id and record_key are refused; name the "
                         "columns it needs instead of *)",
                         sandbox.denied);
        else if (sandbox.denied[0])
            hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where, "dataset SQL %s",
                         sandbox.denied);
        else
            hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where, "dataset SQL: %s",
                         sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        return c->err->code;
    }
    if (!st)
        return hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where,
                            "dataset '%s' has no SQL: write one SELECT in it", where);
    while (tail && (*tail == ';' || *tail == ' ' || *tail == '\t' || *tail == '\n' ||
                    *tail == '\r'))
        tail++;
    if (tail && *tail) {
        sqlite3_finalize(st);
        return hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where,
                            "dataset SQL must be one statement (text follows its first ';')");
    }
    if (!sqlite3_stmt_readonly(st)) {
        sqlite3_finalize(st);
        return hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where,
                            "dataset SQL must only read (a SELECT)");
    }
    char ind[128], dim[64], cmp[16], limit[16], cats[128];
    bind(st, ":period", c->period_text);
    bind(st, ":scope", c->scope);
    bind(st, ":lang", ctx_primary(c) == LANG_EN ? "en" : "zh_CN");
    bind(st, ":mode", c->mode == MODE_EN ? "en" : c->mode == MODE_ZH ? "zh_CN" : "bilingual");
    bind(st, ":month_first", c->month_first);
    bind(st, ":month_last", c->month_last);
    bind(st, ":kind", c->kind);
    bind(st, ":indicator", tpl_attr_buf(el, "indicator", "", ind, sizeof ind));
    bind(st, ":dimension", tpl_attr_buf(el, "dimension", "", dim, sizeof dim));
    bind(st, ":comparison", tpl_attr_buf(el, "comparison", "mom", cmp, sizeof cmp));
    bind(st, ":limit", tpl_attr_buf(el, "limit", "1000000", limit, sizeof limit));
    /* which departments a ranking shows (dept.csv categories): clinical
     * ones unless the element names others, e.g. categories="clinical
     * medtech" for equipment, which medical-technology departments own */
    bind(st, ":categories", tpl_attr_buf(el, "categories", "clinical", cats, sizeof cats));
    out->ncols = sqlite3_column_count(st);
    out->cols = xcalloc((size_t)out->ncols + 1, sizeof *out->cols);
    for (int i = 0; i < out->ncols; i++)
        out->cols[i] = xstrdup(sqlite3_column_name(st, i));
    double seconds = query_seconds(), deadline = now_seconds() + seconds;
    sqlite3_progress_handler(c->db, 1000, past_deadline, &deadline);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->nrows < DATASET_MAX_ROWS)
        add_row(out, st);
    sqlite3_progress_handler(c->db, 0, NULL, NULL);
    if (rc == SQLITE_ROW)
        hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where,
                     "dataset '%s' returns more than %d rows: aggregate or limit it in its SQL",
                     where, DATASET_MAX_ROWS);
    else if (rc == SQLITE_INTERRUPT)
        hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, where,
                     "dataset '%s' ran longer than %g s and was stopped (a recursive WITH "
                     "without an end?); HOSPREPORT_QUERY_SECONDS sets the limit",
                     where, seconds);
    else if (rc != SQLITE_DONE)
        hr_error_set(c->err, HR_EFAIL, c->tpl_path, line, where, "dataset '%s': %s", where,
                     sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        ds_free(out); /* the caller frees only what it was given */
    return rc == SQLITE_DONE ? HR_OK : c->err->code;
}

/* The built-in trend's window (window="13m" default, "24m" or "8q"): its
 * key in builtins, or NULL for an unknown window. */
static const char *trend_key(xmlNodePtr el, char *buf, size_t size)
{
    char w[16];
    tpl_attr_buf(el, "window", "13m", w, sizeof w);
    if (!strcmp(w, "13m"))
        return "trend";
    if (strcmp(w, "24m") && strcmp(w, "8q"))
        return NULL;
    snprintf(buf, size, "trend:%s", w);
    return buf;
}

int ds_load(rctx *c, xmlNodePtr el, const char *name, dataset *out)
{
    memset(out, 0, sizeof *out);
    long line = xmlGetLineNo(el);
    const char *node = template_sql(c, name, &line);
    if (node) {
        char *sql = tpl_text((xmlNodePtr)node);
        int rc = run_sql(c, el, sql, name, line, out);
        free(sql);
        return rc;
    }
    char key[32];
    if (strcmp(name, "trend") == 0 && !(name = trend_key(el, key, sizeof key)))
        return hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, "window",
                            "unknown trend window: use 13m, 24m or 8q");
    for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return run_sql(c, el, builtins[i].sql, name, line, out);
    return hr_error_set(c->err, HR_EINPUT, c->tpl_path, line, "dataset",
                        "unknown dataset '%s': declare it with <dataset name=\"%s\"> or use a "
                        "built-in (indicators, departments, trend, revenue_mix, "
                        "operating_statement, equipment_benefit, contributions, findings, "
                        "data_quality, sources)",
                        name, name);
}

void ds_free(dataset *d)
{
    for (int i = 0; i < d->nrows * d->ncols; i++)
        free(d->cells[i].text);
    for (int i = 0; i < d->ncols; i++)
        free(d->cols[i]);
    free(d->cols);
    free(d->cells);
    memset(d, 0, sizeof *d);
}

int ds_col(const dataset *d, const char *name)
{
    for (int i = 0; i < d->ncols; i++)
        if (strcmp(d->cols[i], name) == 0)
            return i;
    return -1;
}

const ds_cell *ds_at(const dataset *d, int row, int col)
{
    return &d->cells[row * d->ncols + col];
}

/* 1 when the space-separated list covers indicator `id`. */
static int list_covers(const char *list, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = list; (p = strstr(p, id)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

/* The select list of main.drg_group with `deaths` (when covered) hidden
 * for a department below k: the view keeps the table's columns, whatever
 * they are. */
static int drg_group_columns(sqlite3 *db, int k, int hide_deaths, strbuf *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT name FROM pragma_table_info('drg_group', 'main')",
                                  err);
    if (!st)
        return err->code;
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        const char *col = (const char *)sqlite3_column_text(st, 0);
        char *x = hide_deaths && strcmp(col, "deaths") == 0
                      ? sqlite3_mprintf("%sCASE WHEN scope <> 'hospital' AND deaths > 0 AND "
                                        "deaths < %d THEN NULL ELSE deaths END AS deaths",
                                        out->len ? ", " : "", k)
                      : sqlite3_mprintf("%s\"%w\"", out->len ? ", " : "", col);
        sb_addstr(out, x);
        sqlite3_free(x);
    }
    sqlite3_finalize(st);
    if (!rc && !out->len)
        sb_addstr(out, "*");
    return rc;
}

int ds_small_counts_begin(sqlite3 *db, int k, const char *indicators, hr_error *err)
{
    if (k <= 0)
        return HR_OK;
    /* the covered ids as a quoted SQL list, from "a b c" */
    strbuf list = STRBUF_INIT;
    char ids[1024];
    snprintf(ids, sizeof ids, "%s", indicators);
    char *save = NULL;
    for (char *t = strtok_r(ids, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char *q = sqlite3_mprintf("%s%Q", list.len ? ", " : "", t);
        sb_addstr(&list, q);
        sqlite3_free(q);
    }
    if (!list.len)
        sb_addstr(&list, "NULL");
    char less[16];
    snprintf(less, sizeof less, "<%d", k);
    ds_small_counts_end(db);
    /* the views that read the tables, named at random (the sandbox above) */
    char raw[SH_COUNT][sizeof sandbox.raw[0]];
    for (int i = 0; i < SH_COUNT; i++) {
        unsigned char r[8];
        sqlite3_randomness(sizeof r, r);
        snprintf(raw[i], sizeof raw[i], "%s_%02x%02x%02x%02x%02x%02x%02x%02x", shadowed[i], r[0],
                 r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    }
    strbuf drg = STRBUF_INIT;
    int rc = drg_group_columns(db, k,
                               list_covers(indicators, "mortality_rate") ||
                                   list_covers(indicators, "low_risk_mortality"),
                               &drg, err);
    /* small: a department's covered indicator over a count in 1 .. k-1;
     * a contribution to a change is left out where the department's count
     * is small */
    char *sql = rc ? NULL : sqlite3_mprintf(
        "CREATE TEMP VIEW \"%w\" AS SELECT * FROM main.indicator_value;"
        "CREATE TEMP VIEW \"%w\" AS SELECT * FROM main.drg_group;"
        "CREATE TEMP VIEW \"%w\" AS SELECT * FROM main.contribution;"
        "CREATE TEMP VIEW \"%w\" AS SELECT * FROM main.contribution_role;"
        "CREATE TEMP VIEW indicator_value AS WITH x AS (SELECT v.*, (v.scope <> 'hospital' AND "
        "v.indicator IN (%s) AND v.numerator > 0 AND v.numerator < %d) AS small, "
        "(SELECT unit FROM main.indicator i WHERE i.indicator = v.indicator) AS unit "
        "FROM temp.\"%w\" v) "
        "SELECT period, scope, indicator, "
        "CASE WHEN small THEN NULL ELSE numerator END AS numerator, "
        "CASE WHEN small THEN NULL ELSE denominator END AS denominator, "
        "CASE WHEN small THEN CASE unit WHEN 'count' THEN %Q ELSE '—' END ELSE value END AS value, "
        "CASE WHEN small THEN NULL ELSE mom_base END AS mom_base, "
        "CASE WHEN small THEN NULL ELSE mom END AS mom, "
        "CASE WHEN small THEN NULL ELSE yoy_base END AS yoy_base, "
        "CASE WHEN small THEN NULL ELSE yoy END AS yoy, "
        "CASE WHEN small THEN NULL ELSE ytd END AS ytd, "
        "CASE WHEN small THEN NULL ELSE ytd_yoy END AS ytd_yoy, "
        "flag, flag_reason_zh, flag_reason_en FROM x;"
        "CREATE TEMP VIEW drg_group AS SELECT %s FROM temp.\"%w\";"
        "CREATE TEMP VIEW contribution AS SELECT c.* FROM temp.\"%w\" c WHERE NOT EXISTS "
        "(SELECT 1 FROM temp.\"%w\" v WHERE v.period = c.period AND v.scope = c.dept_code AND "
        "v.indicator = c.indicator AND v.indicator IN (%s) AND v.numerator > 0 AND "
        "v.numerator < %d);"
        "CREATE TEMP VIEW contribution_role AS SELECT c.* FROM temp.\"%w\" c WHERE NOT EXISTS "
        "(SELECT 1 FROM temp.\"%w\" v WHERE v.period = c.period AND v.scope = c.dept_code AND "
        "v.indicator = c.indicator AND v.indicator IN (%s) AND v.numerator > 0 AND "
        "v.numerator < %d);",
        raw[SH_INDICATOR_VALUE], raw[SH_DRG_GROUP], raw[SH_CONTRIBUTION],
        raw[SH_CONTRIBUTION_ROLE], list.buf, k, raw[SH_INDICATOR_VALUE], less, drg.buf,
        raw[SH_DRG_GROUP], raw[SH_CONTRIBUTION], raw[SH_INDICATOR_VALUE], list.buf, k,
        raw[SH_CONTRIBUTION_ROLE], raw[SH_INDICATOR_VALUE], list.buf, k);
    sb_release(&list);
    sb_release(&drg);
    if (!rc)
        rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    for (int i = 0; i < SH_COUNT; i++) /* set, for ds_small_counts_end to drop them */
        memcpy(sandbox.raw[i], raw[i], sizeof sandbox.raw[i]);
    if (rc != HR_OK)
        ds_small_counts_end(db);
    return rc;
}

void ds_small_counts_end(sqlite3 *db)
{
    for (int i = 0; i < SH_COUNT; i++) {
        char *sql = sqlite3_mprintf("DROP VIEW IF EXISTS temp.\"%w\"", shadowed[i]);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
        sqlite3_free(sql);
    }
    for (int i = 0; i < SH_COUNT; i++)
        if (sandbox.raw[i][0]) {
            char *sql = sqlite3_mprintf("DROP VIEW IF EXISTS temp.\"%w\"", sandbox.raw[i]);
            sqlite3_exec(db, sql, NULL, NULL, NULL);
            sqlite3_free(sql);
            sandbox.raw[i][0] = '\0';
        }
}

void ds_small_counts_note(rctx *c)
{
    char note[256], zh[128], en[128];
    snprintf(zh, sizeof zh, i18n_tr(LANG_ZH, "— fewer than %d cases not shown"), c->small_k);
    snprintf(en, sizeof en, "— fewer than %d cases not shown", c->small_k);
    if (c->mode == MODE_BILINGUAL)
        buf_printf(note, sizeof note, "%s / %s", zh, en);
    else
        snprintf(note, sizeof note, "%s", ctx_primary(c) == LANG_EN ? en : zh);
    doc_ensure(c, c->base_size * 1.6);
    doc_text(c, c->margin_l, c->y - c->base_size * 0.8, c->base_size * 0.8, note, RGB_MUTED);
    c->y -= c->base_size * 1.4;
}

static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static void col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    utf8_copy(buf, size, t ? t : "");
}

int ind_load(rctx *c)
{
    static const char sql[] =
        "SELECT i.indicator, i.name_zh, i.name_en, i.unit, i.direction, i.dimension, v.value, "
        "v.mom, v.yoy, v.ytd, v.ytd_yoy, v.flag, v.flag_reason_zh, v.flag_reason_en, "
        "i.is_flow, COALESCE(i.decimals, -1), i.warn_low, i.warn_high, i.unit_zh, i.unit_en, "
        "v.numerator, v.denominator FROM indicator i LEFT JOIN indicator_value v ON v.indicator = i.indicator AND v.period = ? "
        "AND v.scope = ? ORDER BY i.sort_order";
    sqlite3_stmt *st = db_prepare(c->db, sql, c->err);
    if (!st)
        return c->err->code;
    sqlite3_bind_text(st, 1, c->period_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->scope, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ind_row *grown = xrealloc(c->ind, (size_t)(c->nind + 1) * sizeof *grown);
        c->ind = grown;
        ind_row *r = &c->ind[c->nind++];
        memset(r, 0, sizeof *r);
        col_text(st, 0, r->id, sizeof r->id);
        col_text(st, 1, r->name[LANG_ZH], sizeof r->name[0]);
        col_text(st, 2, r->name[LANG_EN], sizeof r->name[0]);
        col_text(st, 3, r->unit, sizeof r->unit);
        col_text(st, 4, r->direction, sizeof r->direction);
        col_text(st, 5, r->dimension, sizeof r->dimension);
        r->value = col_num(st, 6);
        if (sqlite3_column_type(st, 6) == SQLITE_TEXT) { /* a small count's mark */
            col_text(st, 6, r->masked, sizeof r->masked);
            r->value = NAN;
        }
        r->mom = col_num(st, 7);
        r->yoy = col_num(st, 8);
        r->ytd = col_num(st, 9);
        r->ytd_yoy = col_num(st, 10);
        col_text(st, 11, r->flag, sizeof r->flag);
        col_text(st, 12, r->reason[LANG_ZH], sizeof r->reason[0]);
        col_text(st, 13, r->reason[LANG_EN], sizeof r->reason[0]);
        r->flow = sqlite3_column_int(st, 14);
        r->decimals = sqlite3_column_int(st, 15);
        r->warn_low = col_num(st, 16);
        r->warn_high = col_num(st, 17);
        col_text(st, 18, r->unit_label[LANG_ZH], sizeof r->unit_label[0]);
        col_text(st, 19, r->unit_label[LANG_EN], sizeof r->unit_label[0]);
        r->num = col_num(st, 20);
        r->den = col_num(st, 21);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, "reading indicator values", c->err);
    return HR_OK;
}

const ind_row *ind_find(const rctx *c, const char *id)
{
    for (int i = 0; i < c->nind; i++)
        if (strcmp(c->ind[i].id, id) == 0)
            return &c->ind[i];
    return NULL;
}

nf_opts ind_opts(const ind_row *r, int wan)
{
    int money = !strcmp(r->unit, "money");
    return (nf_opts){.wan = wan,
                     .total = money && r->flow,
                     .fee = money && !r->flow,
                     .fixed = r->decimals >= 0,
                     .decimals = r->decimals >= 0 ? r->decimals : 0};
}
