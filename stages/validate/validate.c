/*
 * validate.c -- the validate stage (validate.h): one loaded month through
 * the row rules and the aggregate thresholds of config/rules/validation.xml.
 *
 * In one transaction: forget what an earlier validation of the month
 * recorded (row_warning, data_warning, validation_summary; quarantined rows
 * stay quarantined, so a second run finds nothing new and changes nothing),
 * read each source's rows of the month once -- each column once, for the
 * row rules (judged in C by validate_check.c), the key rules
 * (validate_keys.c) and the counts (validate_pass.c) -- move error rows to
 * quarantine, evaluate the
 * thresholds, check rows read = rows loaded + rows quarantined per file,
 * store the data-quality summary and period_state. Only then, after commit,
 * is the quarantine limit judged, so what was found stays recorded even when
 * the stage fails with HR_EINPUT.
 */
#include "stages/validate/validate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/core/csv.h"
#include "pipeline/core/db.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/validate/validate_int.h"

/* Memory that does not grow with the month: the page cache capped and
 * the database not memory-mapped while validate reads it (every mapped
 * page it touched would count, 60 MB a month of visits at scale 1), as
 * ingest does during a load. Put back afterwards. */
#define VALIDATE_SETTINGS "PRAGMA cache_size = -8192; PRAGMA mmap_size = 0"

/* Which month's dictionary (dept) or ledger (equipment) a period uses: its
 * own, else the latest loaded before it. "" when none is loaded. */
static void reference_month(sqlite3 *db, const char *table, const char *period, char out[8])
{
    out[0] = '\0';
    char *sql = sqlite3_mprintf("SELECT max(period) FROM \"%w\" WHERE period <= ?", table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            snprintf(out, 8, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
}

static int note_missing_reference(sqlite3 *db, const char *period, const char *what,
                                  hr_error *err)
{
    int dept = strcmp(what, "dept") == 0, stays = strcmp(what, "inpatient") == 0;
    char *sql = sqlite3_mprintf(
        "INSERT INTO data_warning (period, source, scope, kind, message_zh, message_en) "
        "VALUES (%Q, %Q, 'hospital', 'no_reference', %Q, %Q)",
        period, what,
        dept    ? "未载入科室字典，科室代码未校验"
        : stays ? "未载入出院患者（inpatient.csv），DRG分组病例未校验"
                : "未载入设备台账，设备编号未校验",
        dept    ? "no department dictionary loaded: dept codes not checked"
        : stays ? "no discharged stays (inpatient.csv) loaded: DRG stays not checked"
                : "no equipment ledger loaded: equipment ids not checked");
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

static int source_has_rows(sqlite3 *db, const char *table, const char *period)
{
    char *sql = sqlite3_mprintf("SELECT EXISTS (SELECT 1 FROM \"%w\" WHERE period = ?)", table);
    int64_t n = 0;
    db_query_int(db, &n, NULL, sql, period, NULL);
    sqlite3_free(sql);
    return n > 0;
}

/* Runs one statement of the rules with ?1 period, ?2 dept month, ?3
 * equipment month bound (those it does not use are ignored). */
static int exec_rule_sql(sqlite3 *db, const char *sql, const vref *ref, const char *field,
                         hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, ref->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ref->dept_month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ref->equip_month, -1, SQLITE_STATIC);
    int rc = 0;
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(db, "running a validation rule", err);
        hr_error_locate(err, NULL, 0, field);
        rc = err->code;
    }
    sqlite3_finalize(st);
    return rc;
}

/* 1 when rule r can run; else 0, noting once that its reference data (the
 * department dictionary, the equipment ledger or the month's discharged
 * stays) is missing. */
static int rule_runs(sqlite3 *db, const vrule *r, vref *ref, int *rc, hr_error *err)
{
    int no_dept = r->needs_dept && !ref->dept_month[0];
    int no_equip = r->needs_equip && !ref->equip_month[0];
    int no_stays = r->needs_stays && !ref->has_stays;
    if (!no_dept && !no_equip && !no_stays)
        return 1;
    if (!ref->note || !source_has_rows(db, r->source, ref->period))
        return 0;
    int *warned = no_dept ? &ref->warned_dept : no_equip ? &ref->warned_equip : &ref->warned_stays;
    if (!*warned && ref->note)
        *rc = note_missing_reference(db, ref->period,
                                     no_dept ? "dept" : no_equip ? "equipment" : "inpatient", err);
    *warned = 1;
    return 0;
}

/* ---- one source's pass (vsrc) ---- */

/* The rows a pass saw, per file (a month's rows are one file's, or a
 * few): what summarise() counts as loaded, before quarantine. */
typedef struct file_rows {
    int64_t file_id, n;
} file_rows;

struct vsrc {
    sqlite3 *db;
    const vconfig *conf;
    const char *source;
    vref *ref;
    int *runs, *rows_rules, *keys;
    int nrow, nkeys, nk;
    vkey **kv;
    vscan *checks;
    vpass *pass;
    int file_col, ncols;
    const char *binds[3];
    sqlite3_stmt *flag;
    int64_t flagged;
    file_rows *files;
    int nfiles;
    char fingerprint[DIGEST_HEX_SIZE];
};

void vref_init(sqlite3 *db, const char *period, int note, vref *ref)
{
    memset(ref, 0, sizeof *ref);
    ref->period = period;
    ref->note = note;
    reference_month(db, "dept", period, ref->dept_month);
    reference_month(db, "equipment", period, ref->equip_month);
    ref->has_stays = source_has_rows(db, "inpatient", period);
}

void vsrc_free(vsrc *S)
{
    if (!S)
        return;
    vscan_free(S->checks);
    for (int k = 0; k < S->nk; k++)
        vkey_free(S->kv[k]);
    vpass_free(S->pass);
    sqlite3_finalize(S->flag);
    free(S->kv), free(S->keys), free(S->runs), free(S->rows_rules), free(S->files);
    free(S);
}

/* What the source's pass depends on besides its rows: the rules compiled
 * (each one's source, field, kind, condition, message, key), the thresholds
 * and limit, the months of reference data and which rules run, and the
 * reference sets' contents. The same fingerprint means the same judgement
 * of the same rows. */
static void fp_text(digest_ctx *d, const char *x)
{
    if (x)
        digest_update(d, x, strlen(x) + 1);
    else
        digest_update(d, "\x01", 2);
}

static void fingerprint(vsrc *S)
{
    digest_ctx *d = digest_begin();
    const vconfig *c = S->conf;
    char num[128];
#define FP(x) fp_text(d, x)
    snprintf(num, sizeof num, "%.17g %d %d", c->limit_percent, c->nrules, c->nthresholds);
    FP(num);
    for (int i = 0; i < c->nrules; i++) {
        const vrule *r = &c->rules[i];
        snprintf(num, sizeof num, "%d %d", r->is_warning, S->runs[i]);
        FP(r->source), FP(r->field), FP(r->rule), FP(r->key_cols), FP(r->cond), FP(r->message),
            FP(r->message_zh), FP(num);
    }
    for (int i = 0; i < c->nthresholds; i++) {
        const vthreshold *t = &c->thresholds[i];
        snprintf(num, sizeof num, "%.17g %.17g %.17g", t->band_percent, t->min_base,
                 t->min_daily);
        FP(t->kind), FP(t->source), FP(t->date_column), FP(num);
        snprintf(num, sizeof num, "%.17g %.17g %.17g", t->min_zero_days, t->max_percent,
                 t->min_open_beds);
        FP(num);
    }
    /* of the reference data, what the source's rules use */
    int dept = 0, equip = 0, stays = 0;
    for (int i = 0; i < c->nrules; i++)
        if (strcmp(c->rules[i].source, S->source) == 0) {
            dept |= c->rules[i].needs_dept;
            equip |= c->rules[i].needs_equip;
            stays |= c->rules[i].needs_stays;
        }
    snprintf(num, sizeof num, "%d", stays ? S->ref->has_stays : -1);
    FP(S->source), FP(S->ref->period), FP(dept ? S->ref->dept_month : NULL),
        FP(equip ? S->ref->equip_month : NULL), FP(num);
#undef FP
    if (S->checks)
        vscan_digest(S->checks, d);
    digest_finish(d, S->fingerprint);
}

int vsrc_open(sqlite3 *db, const vconfig *conf, const char *source, vref *ref, int64_t rows,
              vsrc **out, hr_error *err)
{
    *out = NULL;
    vsrc *S = xcalloc(1, sizeof *S);
    S->db = db, S->conf = conf, S->source = source, S->ref = ref;
    S->file_col = -1;
    size_t n = (size_t)conf->nrules + 1;
    S->runs = xcalloc(n, sizeof *S->runs);
    S->keys = xcalloc(n, sizeof *S->keys);
    S->rows_rules = xcalloc(n, sizeof *S->rows_rules);
    S->kv = xcalloc(n, sizeof *S->kv);
    int rc = 0, nwarn = 0;
    for (int i = 0; i < conf->nrules && !rc; i++) {
        const vrule *r = &conf->rules[i];
        if (strcmp(r->source, source) != 0 || !rule_runs(db, r, ref, &rc, err) || rc)
            continue;
        if (r->key_cols) {
            S->keys[S->nkeys++] = i;
            continue;
        }
        if (r->is_warning && nwarn == 62) {
            rc = hr_error_set(err, HR_EFAIL, NULL, 0, r->field,
                              "more than 62 warning rules for source '%s'", source);
            break;
        }
        S->runs[i] = 1;
        S->rows_rules[S->nrow++] = i;
        nwarn += r->is_warning;
    }
    S->pass = rc ? NULL : vpass_begin(db, conf, source);
    if (rc || rows <= 0 || !(S->nrow || S->nkeys || S->pass)) {
        vsrc_free(S);
        return rc;
    }
    for (; !rc && S->nk < S->nkeys; S->nk++)
        if (!(S->kv[S->nk] = vkey_begin(db, &conf->rules[S->keys[S->nk]], S->keys[S->nk], rows,
                                        err)))
            rc = err->code;
    S->binds[0] = ref->period, S->binds[1] = ref->dept_month, S->binds[2] = ref->equip_month;
    if (!rc && !(S->checks = vscan_new(db, conf, source, S->rows_rules, S->nrow, S->binds, err)))
        rc = err->code;
    if (!rc) {
        for (int k = 0; k < S->nkeys; k++)
            vkey_bind(S->kv[k], S->checks);
        if (S->pass)
            vpass_bind(S->pass, S->checks);
        S->file_col = vscan_column(S->checks, "file_id");
        rc = db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS validate_flag ("
                         " rid INTEGER PRIMARY KEY, e INTEGER, w INTEGER);"
                         "DELETE FROM temp.validate_flag;",
                         err);
    }
    if (!rc && !(S->flag = db_prepare(db, "INSERT INTO temp.validate_flag (rid, e, w) "
                                          "VALUES (?1, ?2, ?3)",
                                      err)))
        rc = err->code;
    if (rc) {
        vsrc_free(S);
        return rc;
    }
    fingerprint(S);
    *out = S;
    return HR_OK;
}

const char *vsrc_fingerprint(const vsrc *S)
{
    return S->fingerprint;
}

vscan *vsrc_scan(vsrc *S)
{
    return S->checks;
}

/* After the current row was judged (*e, w): its flags, file, keys, counts. */
static int took_row(vsrc *S, int64_t rowid, int e, int64_t w, hr_error *err)
{
    int rc = HR_OK;
    if (e >= 0 || w != 0) {
        sqlite3_stmt *flag = S->flag;
        sqlite3_bind_int64(flag, 1, rowid);
        if (e >= 0)
            sqlite3_bind_int(flag, 2, e);
        else
            sqlite3_bind_null(flag, 2);
        sqlite3_bind_int64(flag, 3, w);
        if (sqlite3_step(flag) != SQLITE_DONE)
            rc = db_fail(S->db, "flagging a row", err);
        sqlite3_reset(flag);
        S->flagged++;
    }
    const vval *row = vscan_values(S->checks);
    const vval *id = &row[S->file_col];
    int64_t file_id = id->type == SQLITE_INTEGER ? id->i : -1;
    int f = S->nfiles - 1;
    while (f >= 0 && S->files[f].file_id != file_id)
        f--;
    if (f < 0) {
        S->files = xrealloc(S->files, (size_t)(S->nfiles + 1) * sizeof *S->files);
        f = S->nfiles++;
        S->files[f].file_id = file_id, S->files[f].n = 0;
    }
    S->files[f].n++;
    for (int k = 0; k < S->nkeys && !rc; k++)
        rc = vkey_add(S->kv[k], rowid, row, err);
    if (S->pass)
        vpass_add(S->pass, row, 1);
    return rc;
}

int vsrc_row(vsrc *S, int64_t rowid, hr_error *err)
{
    int e;
    int64_t w;
    int rc = vscan_judge(S->checks, NULL, rowid, &e, &w, err);
    return rc ? rc : took_row(S, rowid, e, w, err);
}

/* From the flags to temp.validate_hit, rule by rule, with the message. */
static int flag_hits(vsrc *S, hr_error *err)
{
    const vconfig *conf = S->conf;
    int rc = 0, bit = 0;
    for (int i = 0; i < conf->nrules && !rc; i++) {
        const vrule *r = &conf->rules[i];
        if (!S->runs[i])
            continue;
        char which[64];
        if (r->is_warning)
            snprintf(which, sizeof which, "(f.w >> %d) & 1", bit++);
        else
            snprintf(which, sizeof which, "f.e = %d", i);
        char *sql = sqlite3_mprintf(
            "INSERT INTO temp.validate_hit (source, rid, ord, field, rule, severity, message, "
            "message_zh) SELECT %Q, f.rid, %d, %Q, %Q, %Q, %s, %s FROM temp.validate_flag f "
            "JOIN \"%w\" t ON t.rowid = f.rid WHERE %s",
            S->source, i, r->field, r->rule, r->is_warning ? "warning" : "error", r->message,
            r->message_zh, S->source, which);
        rc = exec_rule_sql(S->db, sql, S->ref, r->field, err);
        sqlite3_free(sql);
    }
    return rc;
}

int vsrc_finish(vsrc *S, hr_error *err)
{
    int rc = HR_OK;
    for (int k = 0; k < S->nkeys && !rc; k++)
        rc = vkey_finish(S->kv[k], err);
    if (!rc && S->flagged)
        rc = flag_hits(S, err);
    if (!rc)
        rc = db_exec(S->db, "DELETE FROM temp.validate_flag", err);
    return rc;
}

int vsrc_rows(const vsrc *S, int64_t file_id, int64_t *n)
{
    for (int f = 0; f < S->nfiles; f++)
        if (S->files[f].file_id == file_id) {
            *n = S->files[f].n;
            return 1;
        }
    return 0;
}

const char *vsrc_source(const vsrc *S)
{
    return S->source;
}

const char *vsrc_period(const vsrc *S)
{
    return S->ref->period;
}

int vsrc_has_pass(const vsrc *S)
{
    return S->pass != NULL;
}

int vsrc_load_pass(vsrc *S, const void *bytes, size_t n)
{
    vpass *p = vpass_begin(S->db, S->conf, S->source);
    if (!p || vpass_load(p, bytes, n) != 0) {
        vpass_free(p);
        return -1;
    }
    vpass_free(S->pass);
    S->pass = p;
    return 0;
}

void vsrc_set_rows(vsrc *S, int64_t file_id, int64_t n)
{
    S->files = xrealloc(S->files, sizeof *S->files);
    S->nfiles = 1;
    S->files[0].file_id = file_id, S->files[0].n = n;
}

vpass *vsrc_take_pass(vsrc *S)
{
    vpass *p = S->pass;
    S->pass = NULL;
    return p;
}

static int store_file_rows(vsrc *S, hr_error *err)
{
    int rc = HR_OK;
    for (int i = 0; i < S->nfiles && !rc; i++) {
        char id[32], n[32];
        snprintf(id, sizeof id, "%lld", (long long)S->files[i].file_id);
        snprintf(n, sizeof n, "%lld", (long long)S->files[i].n);
        rc = db_exec_args(S->db, err,
                          "INSERT INTO temp.validate_rows (source, file_id, n) VALUES (?1, ?2, ?3)",
                          S->source, id, n, NULL);
    }
    return rc;
}

/* The pass over the table: rowid, then each column the row rules
 * (validate_check.c judges them in C), the key rules (validate_keys.c)
 * and the counts (validate_pass.c) read, once. A month's rows were
 * inserted together: their rowids are one range, read in table order
 * (through the period index, each row would be a seek). The unary + keeps
 * the planner off that index. */
static int scan(vsrc *S, const int64_t *range, hr_error *err)
{
    strbuf sql = STRBUF_INIT;
    sb_addstr(&sql, "SELECT t.rowid");
    vscan_columns(S->checks, &sql, 1);
    char *from = sqlite3_mprintf(" FROM \"%w\" t WHERE t.rowid BETWEEN ?4 AND ?5 "
                                 "AND +t.period = ?1",
                                 S->source);
    sb_addstr(&sql, from);
    sqlite3_free(from);
    sqlite3_stmt *st = db_prepare(S->db, sql.buf, err);
    sb_release(&sql);
    if (!st)
        return err->code;
    for (int b = 0; b < 3; b++)
        sqlite3_bind_text(st, b + 1, S->binds[b], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, range[0]);
    sqlite3_bind_int64(st, 5, range[1]);
    int step = SQLITE_DONE, rc = HR_OK;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t rowid = sqlite3_column_int64(st, 0), w;
        int e;
        if (!(rc = vscan_row(S->checks, st, rowid, &e, &w, err)))
            rc = took_row(S, rowid, e, w, err);
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(S->db, "running the validation rules", err);
    sqlite3_finalize(st);
    return rc;
}

/* Every rule of one source in one pass over the month's rows (key rules
 * through validate_keys.c), counting what validate_pass.c needs on the
 * way -- or, when ingest judged the rows while it loaded them and nothing
 * the judgement depends on changed since, what it found
 * (validate_handoff.c). The pass, if any, goes to *pass. */
static int run_source(sqlite3 *db, const vconfig *conf, const char *source, vref *ref,
                      vpass **pass, hr_error *err)
{
    *pass = NULL;
    int64_t range[2] = {0, -1}, rows = 0;
    int rc = HR_OK, found = 0;
    /* the month's rowids, and so at most how many rows (the key check's
     * partitions are sized by it; other months' rows in the range only
     * make them smaller) */
    for (int k = 0; k < 2 && !rc; k++) {
        char *q = sqlite3_mprintf("SELECT %s(rowid) FROM \"%w\" WHERE period = ?1",
                                  k ? "max" : "min", source);
        int got = db_query_int(db, &range[k], err, q, ref->period, NULL);
        if (got < 0)
            rc = err->code;
        found += got == 1;
        sqlite3_free(q);
    }
    rows = found == 2 && range[1] >= range[0] ? range[1] - range[0] + 1 : 0;
    vsrc *S = NULL;
    if (!rc)
        rc = vsrc_open(db, conf, source, ref, rows, &S, err);
    if (rc || !S) {
        if (!rc && rows == 0) /* nothing to read: a pass of no rows still stores its counts */
            *pass = vpass_begin(db, conf, source);
        return rc;
    }
    int taken = 0;
    rc = vhandoff_take(db, S, range, &taken, err);
    if (!rc && !taken) {
        rc = scan(S, range, err);
        if (!rc)
            rc = vsrc_finish(S, err);
    }
    if (rc)
        hr_error_locate(err, NULL, 0, NULL);
    if (!rc)
        rc = store_file_rows(S, err);
    *pass = rc ? NULL : vsrc_take_pass(S);
    vsrc_free(S);
    return rc;
}

/* The sources of the rules (in the order of the rules file), then those
 * only counted (a threshold's or a roll-up's source without rules). */
static int run_rules(sqlite3 *db, const vconfig *conf, const char *period, vpass ***passes,
                     int *npasses, hr_error *err)
{
    vref ref;
    vref_init(db, period, 1, &ref);
    int n = conf->nrules + conf->nthresholds + 8;
    const char **src = xrealloc(NULL, (size_t)n * sizeof *src);
    int nsrc = 0;
    for (int i = 0; i < conf->nrules + conf->nthresholds + 1; i++) {
        const char *s = i < conf->nrules                         ? conf->rules[i].source
                        : i < conf->nrules + conf->nthresholds ? conf->thresholds[i - conf->nrules].source
                                                                 : "outpatient";
        int seen = 0;
        for (int j = 0; j < nsrc && !seen; j++)
            seen = strcmp(src[j], s) == 0;
        if (!seen && (i < conf->nrules || vpass_wanted(conf, s)))
            src[nsrc++] = s;
    }
    *passes = xrealloc(NULL, (size_t)(nsrc + 1) * sizeof **passes);
    *npasses = 0;
    int rc = vpass_prepare(db, err);
    for (int i = 0; i < nsrc && !rc; i++) {
        vpass *p = NULL;
        rc = run_source(db, conf, src[i], &ref, &p, err);
        if (p)
            (*passes)[(*npasses)++] = p;
    }
    free(src);
    return rc;
}

static int forget_previous(sqlite3 *db, const char *period, hr_error *err)
{
    char *sql = sqlite3_mprintf("DELETE FROM row_warning WHERE period = %Q;"
                                "DELETE FROM data_warning WHERE period = %Q;"
                                "DELETE FROM validation_summary WHERE period = %Q;",
                                period, period, period);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

/* The three commonest reasons a file's rows were quarantined. */
static int top_reasons(sqlite3 *db, long long file_id, strbuf *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT rule, coalesce(field, ''), count(*) FROM quarantine "
                                  "WHERE file_id = ? GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 3",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, file_id);
    int rc = HR_OK;
    while (db_row(st, &rc, err))
        sb_addf(out, "%s%s %s: %lld", out->len ? "; " : "", sqlite3_column_text(st, 0),
                sqlite3_column_text(st, 1), (long long)sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return rc;
}

static long long count_rows(sqlite3 *db, const char *sql_fmt, const char *table, long long file_id)
{
    char *sql = sqlite3_mprintf(sql_fmt, table, file_id);
    int64_t n = 0;
    db_query_int(db, &n, NULL, sql, NULL);
    sqlite3_free(sql);
    return n;
}

/* Stores one validation_summary row per current file of the period and
 * checks rows read = rows loaded + rows quarantined for each. */
/* Rows of (source, file) in the period: as the pass counted them
 * (temp.validate_rows) less those it moved to quarantine (quarantine_id
 * above q0), or, for a source the pass did not read, counted. */
static long long loaded_rows(sqlite3 *db, const char *source, const char *period,
                             long long file_id, int64_t q0)
{
    int64_t n = 0, moved = 0;
    char id[32], q[32];
    snprintf(id, sizeof id, "%lld", file_id);
    snprintf(q, sizeof q, "%lld", (long long)q0);
    if (db_query_int(db, &n, NULL,
                     "SELECT n FROM temp.validate_rows WHERE source = ? AND file_id = ?", source,
                     id, NULL) == 1) {
        db_query_int(db, &moved, NULL,
                     "SELECT count(*) FROM quarantine WHERE period = ? AND source = ? AND "
                     "file_id = ? AND quarantine_id > ?",
                     period, source, id, q, NULL);
        return (long long)(n - moved);
    }
    /* period first: its index finds the month's rows, where file_id
     * alone would scan every month of the table. */
    char *count_sql = sqlite3_mprintf(
        "SELECT count(*) FROM \"%w\" WHERE period = %Q AND file_id = %lld", source, period,
        file_id);
    db_query_int(db, &n, NULL, count_sql, NULL);
    sqlite3_free(count_sql);
    return (long long)n;
}

static int summarise(sqlite3 *db, const char *period, int64_t q0, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT file_id, source, path, rows_read FROM source_file "
                                  "WHERE period = ? AND current = 1 ORDER BY source, file_id",
                                  err);
    sqlite3_stmt *ins = st ? db_prepare(db,
                                        "INSERT OR REPLACE INTO validation_summary VALUES "
                                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                        err)
                           : NULL;
    if (!ins) {
        sqlite3_finalize(st);
        return err->code;
    }
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc = 0;
    while (!rc && db_row(st, &rc, err)) {
        long long file_id = sqlite3_column_int64(st, 0);
        const char *source = (const char *)sqlite3_column_text(st, 1);
        const char *path = (const char *)sqlite3_column_text(st, 2);
        long long read = sqlite3_column_int64(st, 3);
        long long loaded = loaded_rows(db, source, period, file_id, q0);
        long long quarantined =
            count_rows(db, "SELECT count(*) FROM quarantine WHERE source = %Q AND file_id = %lld",
                       source, file_id);
        long long warned = count_rows(db,
                                      "SELECT count(DISTINCT line_no) FROM row_warning "
                                      "WHERE source = %Q AND file_id = %lld",
                                      source, file_id);
        /* budget rows are replaced by year across folders (ingest), so an
         * older budget file may legitimately hold fewer rows now. */
        if (read != loaded + quarantined && strcmp(source, "budget") != 0) {
            rc = hr_error_set(err, HR_EFAIL, path, 0, NULL,
                              "rows read (%lld) differ from rows loaded (%lld) + rows "
                              "quarantined (%lld): rows were lost",
                              read, loaded, quarantined);
            break;
        }
        strbuf reasons = STRBUF_INIT;
        if ((rc = top_reasons(db, file_id, &reasons, err))) {
            sb_release(&reasons);
            break;
        }
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, period, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, file_id);
        sqlite3_bind_text(ins, 4, path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 5, read);
        sqlite3_bind_int64(ins, 6, loaded);
        sqlite3_bind_int64(ins, 7, quarantined);
        sqlite3_bind_int64(ins, 8, warned);
        sqlite3_bind_double(ins, 9, read ? (double)quarantined / (double)read : 0.0);
        sqlite3_bind_text(ins, 10, reasons.buf, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = db_fail(db, "storing the validation summary", err);
        sb_release(&reasons);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    return rc;
}

/* The first file above the limit, if any: fills err (HR_EINPUT). */
static int check_limit(sqlite3 *db, const char *period, double limit_percent, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT path, rows_quarantined, rows_read, quarantined_share "
                                  "FROM validation_summary WHERE period = ? AND "
                                  "quarantined_share * 100.0 > ? ORDER BY quarantined_share DESC",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, limit_percent);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = hr_error_set(err, HR_EINPUT, (const char *)sqlite3_column_text(st, 0), 0, NULL,
                          "%lld of %lld rows quarantined (%.2f %%), above the limit of %g %%; "
                          "see the quarantine table or CSV",
                          (long long)sqlite3_column_int64(st, 1),
                          (long long)sqlite3_column_int64(st, 2),
                          sqlite3_column_double(st, 3) * 100.0, limit_percent);
    sqlite3_finalize(st);
    return rc;
}

static int set_state(sqlite3 *db, const char *period, const char *state, hr_error *err)
{
    char now[32];
    db_now(now, sizeof now);
    char *sql = sqlite3_mprintf(
        "INSERT INTO period_state (period, validated_at, validation_state) VALUES (%Q, %Q, %Q) "
        "ON CONFLICT(period) DO UPDATE SET validated_at = excluded.validated_at, "
        "validation_state = excluded.validation_state, validated_inputs = period_state.inputs",
        period, now, state);
    int rc = db_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

/* What each quarantine rule means, for the CSV's Chinese reader. */
#define RULE_NAMES_ZH                                                                      \
    "WHEN 'type' THEN '类型或格式不符' WHEN 'required' THEN '必填项为空' "                 \
    "WHEN 'range' THEN '超出取值范围' WHEN 'enum' THEN '不是允许的取值' "                  \
    "WHEN 'reference' THEN '代码在字典中不存在' WHEN 'key' THEN '主键重复' "               \
    "WHEN 'cross' THEN '与其他数据源不一致' WHEN 'period' THEN '不属于本期' "              \
    "WHEN 'format' THEN '格式错误' WHEN 'encoding' THEN '编码错误' "                       \
    "WHEN 'columns' THEN '列数不符' WHEN 'code' THEN '科室代码含不允许的字符'"

static int write_quarantine_csv(sqlite3 *db, const char *period, const char *out_dir,
                                hr_error *err)
{
    char path[4096], stem[64];
    snprintf(stem, sizeof stem, "quarantine-%s", period);
    paths_out out;
    if (paths_make_dir(out_dir, err) ||
        paths_output_file(out_dir, stem, ".csv", path, sizeof path, err) ||
        paths_out_open(&out, path, err))
        return err->code;
    FILE *f = out.f;
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT q.source, coalesce(n.name_zh, ''), coalesce(path, ''), "
                                  "coalesce(line_no, 0), coalesce(field, ''), rule, "
                                  "CASE rule " RULE_NAMES_ZH " ELSE '' END, stage, message, "
                                  "coalesce(message_zh, message), "
                                  "coalesce(raw, '') FROM quarantine q "
                                  "LEFT JOIN source_name n ON n.source = q.source "
                                  "WHERE period = ? ORDER BY q.source, path, line_no",
                                  err);
    if (!st) {
        paths_out_abandon(&out);
        return err->code;
    }
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    /* For people, in Excel: a BOM, both languages in the header */
    fputs("\xEF\xBB\xBF数据源(source),数据源名称(source_name),文件(path),行号(line),字段(field),"
          "规则(rule),规则说明(rule_zh),阶段(stage),原因(message),原因中文(message_zh),"
          "原始记录(raw)\n",
          f);
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        for (int i = 0; i < 11; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            if (i)
                fputc(',', f);
            csv_put_field(f, v);
        }
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    if (rc) { /* never a quarantine file cut short in place of the whole one */
        paths_out_abandon(&out);
        return rc;
    }
    return paths_out_commit(&out, err);
}

/* One line per kind of data warning: what, how many departments. */
static int print_warning_kinds(sqlite3 *db, const char *period, FILE *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT source, kind, threshold, count(DISTINCT scope), "
                                  "min(message_en), min(message_zh) FROM data_warning WHERE "
                                  "period = ? GROUP BY source, kind, threshold ORDER BY kind, source",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int rc = HR_OK;
    while (db_row(st, &rc, err)) {
        const char *source = (const char *)sqlite3_column_text(st, 0);
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        double limit = sqlite3_column_double(st, 2);
        long long n = sqlite3_column_int64(st, 3);
        unsigned long un = (unsigned long)n;
        fprintf(out, "  %s: ", source);
        if (strcmp(kind, "volume_mom") == 0)
            fprintf(out,
                    msg_ntr("volume moved beyond ±%g%% against the previous month in %lld "
                            "department",
                            "volume moved beyond ±%g%% against the previous month in %lld "
                            "departments",
                            un),
                    limit, n);
        else if (strcmp(kind, "volume_yoy") == 0)
            fprintf(out,
                    msg_ntr("volume moved beyond ±%g%% against a year earlier in %lld department",
                            "volume moved beyond ±%g%% against a year earlier in %lld departments",
                            un),
                    limit, n);
        else if (strcmp(kind, "zero_days") == 0)
            fprintf(out,
                    msg_ntr("%g or more days without any rows in %lld busy department",
                            "%g or more days without any rows in %lld busy departments", un),
                    limit, n);
        else if (strcmp(kind, "census_overfull") == 0)
            fprintf(out,
                    msg_ntr("occupied beds above %g%% of open beds in %lld department",
                            "occupied beds above %g%% of open beds in %lld departments", un),
                    limit, n);
        else
            fputs((const char *)sqlite3_column_text(st, msg_chinese() ? 5 : 4), out);
        fputs(_(" -- see the report appendix or `hospreport validate`\n"), out);
    }
    sqlite3_finalize(st);
    return rc;
}

static int print_report(sqlite3 *db, const char *period, int brief, FILE *out, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db,
                                  "SELECT source, rows_read, rows_accepted, rows_quarantined, "
                                  "rows_warned, top_reasons FROM validation_summary WHERE "
                                  "period = ? ORDER BY source",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    /* the title and header in the messages' language; the rows as they are */
    fprintf(out, _("validation %s\n"), period);
    /* TRANSLATORS: keep the columns over the rows' (%-16s %10s %10s %11s %9s;
     * a Chinese character takes two) */
    fputs(_("source                 rows   accepted quarantined  warnings  top reasons\n"), out);
    int rc = HR_OK;
    while (db_row(st, &rc, err))
        fprintf(out, "%-16s %10lld %10lld %11lld %9lld  %s\n", sqlite3_column_text(st, 0),
                (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
                (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
                sqlite3_column_text(st, 5));
    sqlite3_finalize(st);
    if (rc)
        return rc;
    int64_t n = 0;
    if (db_query_int(db, &n, err, "SELECT count(*) FROM data_warning WHERE period = ?", period,
                     NULL) < 0)
        return err->code;
    if (!n)
        return HR_OK;
    fprintf(out, _("data warnings: %lld\n"), (long long)n);
    if (brief)
        return print_warning_kinds(db, period, out, err);
    st = db_prepare(db,
                    "SELECT message_en, message_zh FROM data_warning WHERE period = ? "
                    "ORDER BY kind, source, scope",
                    err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (db_row(st, &rc, err)) /* the list in the messages' language */
        fprintf(out, "  %s\n", sqlite3_column_text(st, msg_chinese() ? 1 : 0));
    sqlite3_finalize(st);
    return rc;
}

static int validate_in_transaction(sqlite3 *db, const vconfig *conf, const char *period,
                                   hr_error *err)
{
    long long quarantined = 0, warnings = 0;
    int rc = forget_previous(db, period, err);
    if (!rc)
        rc = vhit_prepare(db, err);
    if (!rc)
        rc = db_exec(db,
                     "CREATE TEMP TABLE IF NOT EXISTS validate_rows (source TEXT NOT NULL, "
                     " file_id INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (source, file_id));"
                     "DELETE FROM temp.validate_rows;",
                     err);
    double t[5];
    t[0] = log_clock();
    vpass **passes = NULL;
    int npasses = 0;
    if (!rc)
        rc = run_rules(db, conf, period, &passes, &npasses, err);
    t[1] = log_clock();
    int64_t q0 = 0; /* the quarantine before this run's */
    if (!rc && db_query_int(db, &q0, err, "SELECT coalesce(max(quarantine_id), 0) FROM quarantine",
                            NULL) < 0)
        rc = err->code;
    /* what validate_pass.c counted: without the rows going to quarantine */
    for (int i = 0; i < npasses && !rc; i++)
        rc = vpass_take_back(passes[i], err);
    if (!rc)
        rc = vquarantine_apply(db, period, &quarantined, err);
    for (int i = 0; i < npasses && !rc; i++)
        rc = vpass_store(passes[i], period, err);
    for (int i = 0; i < npasses; i++)
        vpass_free(passes[i]);
    free(passes);
    t[2] = log_clock();
    if (!rc)
        rc = vthresholds_apply(db, conf, period, &warnings, err);
    t[3] = log_clock();
    if (!rc)
        rc = summarise(db, period, q0, err);
    t[4] = log_clock();
    log_debug("validate %s: rules %.2f s, quarantine and pass %.2f s, thresholds %.2f s, "
              "summary %.2f s",
              period, t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3]);
    if (!rc)
        rc = db_exec(db, "DELETE FROM temp.validate_hit; DELETE FROM temp.validate_rows", err);
    if (rc)
        return rc;
    hr_error limit;
    hr_error_clear(&limit);
    int64_t rows_warned = 0, data_warned = 0;
    db_query_int(db, &rows_warned, NULL, "SELECT count(*) FROM row_warning WHERE period = ?",
                 period, NULL);
    db_query_int(db, &data_warned, NULL, "SELECT count(*) FROM data_warning WHERE period = ?",
                 period, NULL);
    const char *state = check_limit(db, period, conf->limit_percent, &limit) ? "failed"
                        : rows_warned + data_warned                         ? "warnings"
                                                                             : "ok";
    log_debug("validate %s: %lld rows quarantined, %lld data warnings", period, quarantined,
              warnings);
    return set_state(db, period, state, err);
}

int validate_period(sqlite3 *db, const validate_options *opt, hr_error *err)
{
    char rules[4096];
    const char *path = opt->rules;
    if (!path)
        path = paths_data_file("config/rules/validation.xml", rules, sizeof rules);
    vconfig conf;
    if (vconfig_load(db, path, &conf, err))
        return err->code;
    int64_t cache = 0, mmap = 0;
    int have_cache = db_query_int(db, &cache, NULL, "PRAGMA cache_size", NULL) == 1;
    int have_mmap = db_query_int(db, &mmap, NULL, "PRAGMA mmap_size", NULL) == 1;
    db_exec(db, VALIDATE_SETTINGS, NULL);
    int rc = db_begin(db, err);
    if (!rc) {
        rc = validate_in_transaction(db, &conf, opt->period, err);
        if (rc)
            db_rollback(db);
        else
            rc = db_commit(db, err);
    }
    char sql[96];
    if (have_cache) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)cache);
        db_exec(db, sql, NULL);
    }
    if (have_mmap) {
        snprintf(sql, sizeof sql, "PRAGMA mmap_size = %lld", (long long)mmap);
        db_exec(db, sql, NULL);
    }
    if (!rc && opt->out_dir)
        rc = write_quarantine_csv(db, opt->period, opt->out_dir, err);
    if (!rc && opt->report)
        rc = print_report(db, opt->period, opt->brief, opt->report, err);
    if (!rc)
        rc = check_limit(db, opt->period, conf.limit_percent, err);
    vconfig_free(&conf);
    return rc;
}
