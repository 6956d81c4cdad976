/*
 * compute_internal.h -- what the files of the compute stage share; not a
 * public header (other stages use compute.h only).
 *
 * The stage works in three steps:
 *   catalogue.c  loads config/indicators.xml (validated against its XSD)
 *                into an ind_catalogue;
 *   measures.c   reduces each loaded month to per-department base measures
 *                (table ind_measure), recomputing only stale months, and
 *                runs the cost allocation (costalloc.c) and the per-device
 *                equipment table for the months it refreshes;
 *   compute.c    loads the measures of every month involved into memory
 *                (ind_cube) and evaluates every indicator for every period,
 *                scope and comparison by summing numerators and
 *                denominators separately; export.c prints the results.
 */
#ifndef HR_COMPUTE_INTERNAL_H
#define HR_COMPUTE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/error.h"
#include "pipeline/core/period.h"

#define IND_EXPR_MAX 8

/* "m1 + m2 - m3": measure indexes with signs +1/-1. */
typedef struct ind_expr {
    int n;
    int measure[IND_EXPR_MAX];
    int sign[IND_EXPR_MAX];
} ind_expr;

typedef enum ind_term_kind { TERM_SUM, TERM_PER_DAY, TERM_MEAN_MONTHLY } ind_term_kind;

typedef struct ind_term {
    int present;
    ind_term_kind kind;
    ind_expr expr;
    int has_hospital; /* use `hospital` instead of expr for the hospital scope */
    ind_expr hospital;
} ind_term;

typedef enum ind_unit {
    UNIT_COUNT, UNIT_MONEY, UNIT_PERCENT, UNIT_DAYS, UNIT_MINUTES, UNIT_TIMES, UNIT_PER10K,
    UNIT_NUMBER
} ind_unit;

typedef struct ind_indicator {
    char *id, *name_zh, *name_en, *unit_text, *unit_zh, *unit_en;
    char *direction, *dimension, *def_zh, *def_en;
    ind_unit unit;
    int is_budget;     /* the budget_execution.X family */
    int clinical_only; /* undefined for non-clinical departments */
    int has_low, has_high;
    double warn_low, warn_high;
    int decimals;      /* digits shown after the point; -1: the unit's rule */
    double mom_limit, yoy_limit; /* resolved from <thresholds> or overrides */
    double scale;                /* value = num / den * scale (x multiplier) */
    double multiplier;           /* the catalogue's multiplier, 1 without */
    int requires;                /* measure whose sum must be > 0, or -1 */
    int distinct;                /* the numerator is a distinct count */
    ind_term num, den;
} ind_indicator;

/* A flow: a count or money sum without denominator, which adds up over
 * departments and months (contributions apply); a distinct count does not. */
#define IND_IS_FLOW(ind) (!(ind)->den.present && !(ind)->is_budget && !(ind)->distinct)

typedef enum ind_set_kind {
    SET_SQL, SET_COST_ALLOCATION, SET_EQUIPMENT, SET_DRG, SET_DISTINCT
} ind_set_kind;

typedef struct ind_measure_set {
    char *id;
    ind_set_kind kind;
    char *sql; /* SET_SQL only */
    char **sources;
    int nsources;
    char **any_period;
    int nany_period;
    char **optional; /* fingerprinted, but their absence is no missing source */
    int noptional;
    int first_measure, nmeasures; /* its measures are consecutive */
    char *file; /* the catalogue file and the line of the set, for errors */
    long line;
} ind_measure_set;

typedef struct ind_alias_use {
    char *source;
    ind_expr expr;
} ind_alias_use;

typedef struct ind_alias {
    int measure; /* the measure index the alias defines */
    char *fact, *default_source;
    ind_alias_use *uses;
    int nuses;
} ind_alias;

typedef struct ind_catalogue {
    char **measure_ids; /* set measures first, then aliases */
    int nmeasures;
    int *measure_set; /* set index per measure, -1 for an alias */
    /* Per measure: the optional sources of its set it cannot do without
     * (<measure needs="...">, space-separated), or NULL. */
    char **measure_needs;
    ind_measure_set *sets;
    int nsets;
    ind_alias *aliases;
    int naliases;
    ind_indicator *ind;
    int nind;
    char sha256[65]; /* of the catalogue file, part of every fingerprint */
} ind_catalogue;

/* catalogue.c. Loads and validates; on error cat is left empty and err
 * names the file (and line when the parser knows it). Free with
 * ind_catalogue_free. */
int ind_catalogue_load(const char *xml_path, const char *xsd_path, ind_catalogue *cat,
                       hr_error *err);
/* Loads from the data dir (config/indicators.xml, config/schema/indicators.xsd). */
int ind_catalogue_load_default(ind_catalogue *cat, hr_error *err);
void ind_catalogue_free(ind_catalogue *cat);
int ind_catalogue_measure(const ind_catalogue *cat, const char *id); /* index or -1 */
int ind_catalogue_indicator(const ind_catalogue *cat, const char *id);
/* Replaces the rows of table `indicator` with the catalogue. */
int ind_catalogue_store(sqlite3 *db, const ind_catalogue *cat, hr_error *err);

/* guokao.c: replaces table guokao_item (045_guokao) with the items of
 * xml_path (config/guokao.xml, validated against xsd_path), checking each
 * names an indicator of cat; an absent file leaves the table empty. */
int guokao_load(sqlite3 *db, const ind_catalogue *cat, const char *xml_path,
                const char *xsd_path, hr_error *err);
/* The same from the data dir (config/guokao.xml, config/schema/guokao.xsd). */
int guokao_load_default(sqlite3 *db, const ind_catalogue *cat, hr_error *err);

/* measures.c. Brings ind_measure up to date for every loaded month of
 * [first, last] (and the cost allocation and equipment tables with them):
 * only the sets whose inputs changed are recomputed. The SQL sets and the
 * DRG join (drg_month_join) run on reader threads with connections of
 * their own (they must read only what was committed before compute began:
 * the canonical tables and their roll-ups), the other built-in sets
 * meanwhile on `db`, which then stores what the readers read and last runs
 * the SQL sets that read compute's own tables (drg_codes). */
typedef struct ind_refresh_stats {
    int sets;            /* (month, set) pairs recomputed, missing sources excepted */
    int sets_on_readers; /* of which queued for the reader threads */
    int reader_threads;  /* started besides the main thread */
} ind_refresh_stats;
int ind_measures_refresh(sqlite3 *db, const ind_catalogue *cat, int first, int last,
                         ind_refresh_stats *stats, hr_error *err);
/* Is the month loaded (period_state.ingested_at set)? 1, 0, or -1 on error. */
int ind_month_loaded(sqlite3 *db, int month, hr_error *err);

/* costalloc.c: the three-level allocation of one month ("YYYY-MM") from the
 * canonical tables into cost_allocation, cost_unallocated and
 * cost_alloc_warning (the month's earlier rows are replaced). Fails with
 * HR_EFAIL if conservation does not hold to the cent. */
int costalloc_month(sqlite3 *db, const char *month, hr_error *err);
/* Deletes the month's cost_allocation, cost_unallocated and
 * cost_alloc_warning rows. */
int costalloc_clear_month(sqlite3 *db, const char *month, hr_error *err);

/* drgmonth.c: the month's rows of ind_drg_month (per discharging
 * department and DRG group: drg.csv joined to inpatient.csv by stay_id,
 * the group's benchmark as of the month). drg_month_join reads only the
 * canonical tables (drg, inpatient, drg_benchmark), so it may run on a
 * reader connection, and keeps the groups in memory; drg_month_store
 * inserts them (the caller has cleared the month's earlier rows);
 * drg_month_build does both. */
typedef struct drg_month drg_month;
int drg_month_join(sqlite3 *db, const char *month, drg_month **out, hr_error *err);
int drg_month_store(sqlite3 *db, const char *month, const drg_month *d, hr_error *err);
void drg_month_free(drg_month *d); /* NULL is fine */
int drg_month_build(sqlite3 *db, const char *month, hr_error *err);

/* rowbatch.c: rows inserted RB_ROWS at a time by a multi-row INSERT, in
 * the order given. rb_open(db, "INSERT OR REPLACE", "t (a, b)", 2, what,
 * err); per row one rb_int/rb_double/rb_text/rb_null for every column
 * (1-based; rb_text copies, NULL text is NULL), then rb_row; rb_flush
 * inserts what is left (before the table is read back); rb_close. Errors
 * say `what` ("storing indicator values"). */
typedef struct row_batch row_batch;
row_batch *rb_open(sqlite3 *db, const char *insert, const char *table, int ncols,
                   const char *what, hr_error *err);
void rb_null(row_batch *b, int col);
void rb_int(row_batch *b, int col, int64_t v);
void rb_double(row_batch *b, int col, double v);
void rb_text(row_batch *b, int col, const char *s);
int rb_row(row_batch *b, hr_error *err);
int rb_flush(row_batch *b, hr_error *err);
void rb_close(row_batch *b); /* NULL is fine; drops unflushed rows */

/* drggroup.c: the rows of ind_drg_month of months [first, last] in memory
 * (drg_rows_load, after the refresh), and the DRG group table of a period
 * from them: drg_group_store adds its rows to ins, a batch of every
 * column of drg_group in table order (18). */
typedef struct drg_rows drg_rows;
int drg_rows_load(sqlite3 *db, int first, int last, drg_rows **out, hr_error *err);
int drg_group_store(row_batch *ins, const drg_rows *r, const char *label, const period *p,
                    hr_error *err);
void drg_rows_free(drg_rows *r); /* NULL is fine */

/* The keys of a distinct measure in a cube: the keys of month t and
 * department d are key[off[t * ndept + d] .. off[t * ndept + d + 1]),
 * numbered 0 .. nkeys-1. */
typedef struct ind_distinct_keys {
    int measure;
    int nkeys;
    int *off; /* nmonths * ndept + 1 */
    int *key;
} ind_distinct_keys;

/* cube.c: the measures of a range of months in memory, for evaluation.
 * v[(measure * nmonths + t) * (ndept + 1) + d]; d == ndept is the hospital
 * (every department, in the dictionary or not). */
typedef struct ind_cube {
    const ind_catalogue *cat;
    int first_month, nmonths;
    int ndept;
    char **dept;            /* sorted (byte order) */
    double *v;
    unsigned char *missing; /* [measure * nmonths + t]: undefined that month */
    unsigned char *loaded;  /* [t] */
    char *category;         /* [t * ndept + d]: 0 not in dictionary, else a c m s */
    ind_distinct_keys *distinct; /* one per distinct measure */
    int ndistinct;
} ind_cube;

typedef struct ind_value {
    int defined;
    double num, den, value;
} ind_value;

/* Loads months [first, last]; free with ind_cube_free. */
int ind_cube_load(sqlite3 *db, const ind_catalogue *cat, int first, int last, ind_cube *cube,
                  hr_error *err);
void ind_cube_free(ind_cube *cube);
int ind_cube_dept(const ind_cube *cube, const char *code); /* index or -1 */
/* Is dept d in the dictionary of some month of p? Returns its category
 * letter in the latest such month, or 0. */
char ind_cube_dept_in(const ind_cube *cube, int d, const period *p);
/* The indicator over period p and scope d (d == ndept: hospital).
 * use_hospital_expr: evaluate a department with the hospital expression
 * (for contributions that must add up to the hospital's change). */
ind_value ind_cube_eval(const ind_cube *cube, const ind_indicator *ind, const period *p, int d,
                        int use_hospital_expr);
/* The month's authority source for an alias's fact (table authority), or
 * the alias's default, in out. */
int ind_authority_source(sqlite3 *db, const char *month, const ind_alias *a, char *out,
                         size_t size, hr_error *err);
/* Is measure m (of a set of kind distinct) a distinct count? */
int ind_measure_is_distinct(const ind_catalogue *cat, int m);
/* Sum of one measure over p and scope, in *out; 0 if defined, -1 if not. */
int ind_cube_sum(const ind_cube *cube, int measure, const period *p, int d, double *out);

/* export.c helper: formats integer cents as exact CNY ("-12.05"). */
void ind_format_cents(int64_t cents, char *buf, unsigned long size);

#endif
