/*
 * compute.c -- compute_period(): materialises a period's indicators for
 * every scope with MoM, YoY, YTD and YTD YoY, anomaly flags, department
 * contributions, budget execution, the operating statement and the
 * equipment benefit table (tables of 040_compute.sql).
 *
 * Computing a period also leaves the trend periods render draws: the 24
 * months ending at its last month, for a quarter the 8 quarters ending at
 * it, for a year the previous year. Steps:
 *   1. the catalogue is loaded and stored in table `indicator` (and the
 *      国考 items of config/guokao.xml in table guokao_item);
 *   2. every loaded month that any of these periods or their comparison
 *      bases touch gets its base measures refreshed (measures.c; only stale
 *      sets are recomputed);
 *   3. the measures of those months are loaded once into memory (cube.c);
 *   4. each period whose inputs fingerprint (registry.h: the source files
 *      of every month it reads, their validation and reconciliation states,
 *      the budget files and config/) differs from computed_period.inputs is
 *      evaluated and written.
 * Everything happens in one transaction: a failed compute leaves the
 * previous results in place.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/digest.h"
#include "pipeline/core/log.h"
#include "pipeline/core/registry.h"
#include "pipeline/core/numfmt.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute.h"
#include "stages/compute/compute_internal.h"

#define TREND_MONTHS 24
#define TREND_QUARTERS 8
#define MAX_PERIODS (TREND_MONTHS + TREND_QUARTERS + 4)

typedef struct compute_ctx {
    sqlite3 *db;
    const ind_catalogue *cat;
    ind_cube cube;
    drg_rows *drg; /* ind_drg_month of the cube's months */
    /* the period's rows, inserted in batches (rowbatch.c) */
    row_batch *ins_value, *ins_contrib, *ins_statement, *ins_role, *ins_drg_group;
} compute_ctx;

/* ---- which periods and months ---- */

static int trend_periods(const period *p, period *out)
{
    int n = 0;
    out[n++] = *p;
    for (int m = p->last - TREND_MONTHS + 1; m <= p->last; m++)
        if (!(p->kind == PERIOD_MONTH && m == p->first))
            out[n++] = (period){PERIOD_MONTH, m, m};
    if (p->kind == PERIOD_QUARTER)
        for (int q = 1; q < TREND_QUARTERS; q++)
            out[n++] = (period){PERIOD_QUARTER, p->first - 3 * q, p->last - 3 * q};
    if (p->kind == PERIOD_YEAR)
        out[n++] = period_year_earlier(p);
    return n;
}

/* The earliest month any comparison of p needs. */
static int first_needed(const period *p)
{
    period ytd = period_ytd(p), ytd_yoy = period_year_earlier(&ytd), prev;
    int first = ytd_yoy.first < p->first - 12 ? ytd_yoy.first : p->first - 12;
    if (period_previous(p, &prev) == 0 && prev.first < first)
        first = prev.first;
    return first;
}

/* ---- fingerprint of a period's inputs ---- */

/* A period is computed again when registry_inputs_fingerprint() (every
 * source file of the months it reads, their validation and reconciliation
 * states, budget files, config/ with the catalogue, the version) differs
 * from computed_period.inputs -- the test status, due, export and render
 * apply too -- or when the measure states of its months changed since
 * (computed_period.measures: compute's own cache check; a surgery loaded
 * with a later month can change a month's measures). */
static int hash_query(sqlite3 *db, digest_ctx *h, const char *sql, const char *a, const char *b,
                      hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return err->code;
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    int rc = HR_OK;
    while (db_row(st, &rc, err))
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            digest_update(h, t ? (const char *)t : "\x01", t ? strlen((const char *)t) + 1 : 1);
        }
    sqlite3_finalize(st);
    return rc;
}

static int measures_fingerprint(compute_ctx *c, const period *p, char hex[DIGEST_HEX_SIZE],
                                hr_error *err)
{
    char a[8], b[8];
    period_month_label(first_needed(p), a);
    period_month_label(p->last, b);
    digest_ctx *h = digest_begin();
    digest_update(h, c->cat->sha256, strlen(c->cat->sha256));
    int rc = hash_query(c->db, h,
                        "SELECT month, measure_set, inputs, missing FROM ind_measure_state"
                        " WHERE month BETWEEN ?1 AND ?2 ORDER BY month, measure_set",
                        a, b, err);
    if (!rc)
        rc = hash_query(c->db, h,
                        "SELECT period, fact, source FROM authority WHERE period BETWEEN ?1 AND ?2"
                        " ORDER BY period, fact",
                        a, b, err);
    digest_finish(h, hex);
    return rc;
}

/* 1 when the stored fingerprints of `label` are these two, 0 if not. */
static int stored_fingerprints_are(sqlite3 *db, const char *label, const char *inputs,
                                   const char *measures)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT inputs = ?2 AND measures = ?3 FROM computed_period "
                               "WHERE period = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, inputs, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, measures, -1, SQLITE_STATIC);
    int same = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return same;
}

/* ---- one indicator value with its comparisons ---- */

typedef struct ind_row {
    ind_value cur, prev, yoy_base, ytd, ytd_base;
    int has_prev;
    double mom, yoy, ytd_yoy;
    int mom_ok, yoy_ok, ytd_yoy_ok;
} ind_row;

/* (cur - base) / |base| x 100, or cur - base in points for % indicators. */
static int change(const ind_indicator *ind, ind_value cur, ind_value base, double *out)
{
    if (!cur.defined || !base.defined || base.value == 0)
        return 0;
    *out = ind->unit == UNIT_PERCENT ? cur.value - base.value
                                     : (cur.value - base.value) / fabs(base.value) * 100;
    return 1;
}

static ind_row evaluate(const ind_cube *cube, const ind_indicator *ind, const period *p, int d)
{
    ind_row r;
    memset(&r, 0, sizeof r);
    period prev, yoy = period_year_earlier(p), ytd = period_ytd(p);
    period ytd_yoy = period_year_earlier(&ytd);
    r.cur = ind_cube_eval(cube, ind, p, d, 0);
    r.has_prev = period_previous(p, &prev) == 0;
    if (r.has_prev)
        r.prev = ind_cube_eval(cube, ind, &prev, d, 0);
    r.yoy_base = ind_cube_eval(cube, ind, &yoy, d, 0);
    r.ytd = ind_cube_eval(cube, ind, &ytd, d, 0);
    r.ytd_base = ind_cube_eval(cube, ind, &ytd_yoy, d, 0);
    r.mom_ok = r.has_prev && change(ind, r.cur, r.prev, &r.mom);
    r.yoy_ok = change(ind, r.cur, r.yoy_base, &r.yoy);
    r.ytd_yoy_ok = change(ind, r.ytd, r.ytd_base, &r.ytd_yoy);
    return r;
}

/* Band first, then MoM, then YoY; fills flag and both reasons:
 * "药占比 32.5% 高于预警上限 30.0%", "Drug share rose 3.5 pp on the previous
 * period (limit 2.0 pp)". */
static const char *flag_of(const ind_indicator *ind, const ind_row *r, char *zh, char *en,
                           size_t size)
{
    const char *unit = ind->unit_text;
    char v[2][NF_MAX], lim[2][NF_MAX];
    if (!r->cur.defined)
        return NULL;
    int low = ind->has_low && r->cur.value < ind->warn_low;
    if (low || (ind->has_high && r->cur.value > ind->warn_high)) {
        for (int l = NF_ZH; l <= NF_EN; l++) {
            nf_value(l, unit, r->cur.value, NULL, v[l]);
            nf_value(l, unit, low ? ind->warn_low : ind->warn_high, NULL, lim[l]);
        }
        snprintf(zh, size, "%s %s %s %s", ind->name_zh, v[NF_ZH],
                 low ? "低于预警下限" : "高于预警上限", lim[NF_ZH]);
        snprintf(en, size, "%s %s is %s the warning limit %s", ind->name_en, v[NF_EN],
                 low ? "below" : "above", lim[NF_EN]);
        return low ? "band_low" : "band_high";
    }
    int mom = r->mom_ok && fabs(r->mom) > ind->mom_limit;
    if (mom || (r->yoy_ok && fabs(r->yoy) > ind->yoy_limit)) {
        double ch = mom ? r->mom : r->yoy;
        const nf_opts size_only = {.magnitude = 1};
        for (int l = NF_ZH; l <= NF_EN; l++) {
            nf_change(l, unit, ch, &size_only, v[l]);
            nf_change(l, unit, mom ? ind->mom_limit : ind->yoy_limit, &size_only, lim[l]);
        }
        snprintf(zh, size, "%s%s%s %s，超过阈值 %s", ind->name_zh, mom ? "环比" : "同比",
                 ch > 0 ? "上升" : "下降", v[NF_ZH], lim[NF_ZH]);
        snprintf(en, size, "%s %s %s on the %s (limit %s)", ind->name_en,
                 ch > 0 ? "rose" : "fell", v[NF_EN],
                 mom ? "previous period" : "same period last year", lim[NF_EN]);
        return mom ? "mom" : "yoy";
    }
    return NULL;
}

static void bind_opt(row_batch *st, int col, int ok, double v)
{
    if (ok)
        rb_double(st, col, v);
    else
        rb_null(st, col);
}

static int insert_value(compute_ctx *c, const char *label, const char *scope, const char *id,
                        const ind_indicator *ind, const ind_row *r, hr_error *err)
{
    row_batch *st = c->ins_value;
    char zh[512], en[512];
    const char *flag = ind ? flag_of(ind, r, zh, en, sizeof zh) : NULL;
    rb_text(st, 1, label);
    rb_text(st, 2, scope);
    rb_text(st, 3, id);
    int num_ok = r->cur.defined || (ind && !ind->den.present && r->cur.num != 0);
    bind_opt(st, 4, num_ok, r->cur.num);
    bind_opt(st, 5, r->cur.defined && (!ind || ind->den.present), r->cur.den);
    bind_opt(st, 6, r->cur.defined, r->cur.value);
    bind_opt(st, 7, r->prev.defined, r->prev.value);
    bind_opt(st, 8, r->mom_ok, r->mom);
    bind_opt(st, 9, r->yoy_base.defined, r->yoy_base.value);
    bind_opt(st, 10, r->yoy_ok, r->yoy);
    bind_opt(st, 11, r->ytd.defined, r->ytd.value);
    bind_opt(st, 12, r->ytd_yoy_ok, r->ytd_yoy);
    rb_text(st, 13, flag);
    rb_text(st, 14, flag ? zh : NULL);
    rb_text(st, 15, flag ? en : NULL);
    return rb_row(st, err);
}

/* ---- contributions ---- */

typedef struct contrib {
    int dept;
    double delta;
} contrib;

static int by_abs_delta(const void *a, const void *b)
{
    const contrib *x = a, *y = b;
    if (fabs(x->delta) != fabs(y->delta))
        return fabs(x->delta) > fabs(y->delta) ? -1 : 1;
    return x->dept - y->dept; /* departments are sorted by code */
}

/* Each department's change of a hospital flow (count or money): the deltas
 * add up to the hospital's change, since the hospital is the sum of all
 * departments (full_cost and balance use the hospital expression for every
 * department here, i.e. direct cost). All non-zero deltas are stored, ranked
 * by size; render shows the top ones. A delta of the change's sign is a
 * driver, one of the other sign an offset; role_share is its share of its
 * role's total (drivers' shares add up to 100, offsets' too). */
static int contributions(compute_ctx *c, const char *label, const ind_indicator *ind,
                         const period *p, const period *base, const char *cmp, contrib *buf,
                         hr_error *err)
{
    const ind_cube *cube = &c->cube;
    ind_value hc = ind_cube_eval(cube, ind, p, cube->ndept, 0);
    ind_value hb = ind_cube_eval(cube, ind, base, cube->ndept, 0);
    if (!hc.defined || !hb.defined)
        return HR_OK;
    double total = hc.value - hb.value;
    int n = 0;
    for (int d = 0; d < cube->ndept; d++) {
        ind_value vc = ind_cube_eval(cube, ind, p, d, 1), vb = ind_cube_eval(cube, ind, base, d, 1);
        double delta = (vc.defined ? vc.value : 0) - (vb.defined ? vb.value : 0);
        if (delta != 0)
            buf[n++] = (contrib){d, delta};
    }
    qsort(buf, (size_t)n, sizeof *buf, by_abs_delta);
    double up = 0, down = 0;
    for (int i = 0; i < n; i++)
        *(buf[i].delta > 0 ? &up : &down) += buf[i].delta;
    int rising = total > 0 || (total == 0 && up >= -down);
    row_batch *st = c->ins_contrib, *ro = c->ins_role;
    for (int i = 0; i < n; i++) {
        rb_text(st, 1, label);
        rb_text(st, 2, ind->id);
        rb_text(st, 3, cmp);
        rb_text(st, 4, cube->dept[buf[i].dept]);
        rb_double(st, 5, buf[i].delta);
        bind_opt(st, 6, total != 0, buf[i].delta / total * 100);
        rb_int(st, 7, i + 1);
        if (rb_row(st, err))
            return err->code;
        int pos = buf[i].delta > 0;
        rb_text(ro, 1, label);
        rb_text(ro, 2, ind->id);
        rb_text(ro, 3, cmp);
        rb_text(ro, 4, cube->dept[buf[i].dept]);
        rb_text(ro, 5, pos == rising ? "driver" : "offset");
        rb_double(ro, 6, buf[i].delta / (pos ? up : down) * 100);
        if (rb_row(ro, err))
            return err->code;
    }
    return HR_OK;
}

static int period_contributions(compute_ctx *c, const char *label, const period *p,
                                hr_error *err)
{
    contrib *buf = xmalloc((size_t)(c->cube.ndept + 1) * sizeof *buf);
    period prev, yoy = period_year_earlier(p);
    int has_prev = period_previous(p, &prev) == 0, rc = HR_OK;
    for (int i = 0; !rc && i < c->cat->nind; i++) {
        const ind_indicator *ind = &c->cat->ind[i];
        if (!IND_IS_FLOW(ind) || (ind->unit != UNIT_COUNT && ind->unit != UNIT_MONEY))
            continue;
        if (has_prev)
            rc = contributions(c, label, ind, p, &prev, "mom", buf, err);
        if (!rc)
            rc = contributions(c, label, ind, p, &yoy, "yoy", buf, err);
    }
    free(buf);
    return rc;
}

/* ---- budget execution ---- */

static int budget_rows(compute_ctx *c, const char *label, const period *p, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        c->db,
        "SELECT dept_code, indicator, target FROM budget b WHERE year = ?1 AND file_id ="
        " (SELECT max(file_id) FROM budget WHERE year = ?1) ORDER BY dept_code, indicator",
        err);
    if (!st)
        return err->code;
    sqlite3_bind_int(st, 1, period_year(p->last));
    period ytd = period_ytd(p);
    int rc = HR_OK;
    while (!rc && db_row(st, &rc, err)) {
        const char *dept = (const char *)sqlite3_column_text(st, 0);
        const char *x = (const char *)sqlite3_column_text(st, 1);
        double target = sqlite3_column_double(st, 2);
        int i = ind_catalogue_indicator(c->cat, x);
        int d = strcmp(dept, "*") == 0 ? c->cube.ndept : ind_cube_dept(&c->cube, dept);
        if (i < 0 || c->cat->ind[i].is_budget || d < 0) {
            log_warn("budget: %s target for '%s' ignored: %s", dept, x,
                     i < 0 ? "no such indicator" : "no such department");
            continue;
        }
        ind_row r;
        memset(&r, 0, sizeof r);
        ind_value v = ind_cube_eval(&c->cube, &c->cat->ind[i], &ytd, d, 0);
        r.cur = (ind_value){v.defined && target != 0, v.value, target,
                            target != 0 ? v.value / target * 100 : 0};
        char id[160];
        snprintf(id, sizeof id, "budget_execution.%s", x);
        rc = insert_value(c, label, d == c->cube.ndept ? "hospital" : dept, id, NULL, &r, err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- operating statement ---- */

static int statement_item(compute_ctx *c, const char *label, const char *scope,
                          const char *section, const char *item, int ok, double cents,
                          hr_error *err)
{
    row_batch *st = c->ins_statement;
    rb_text(st, 1, label);
    rb_text(st, 2, scope);
    rb_text(st, 3, section);
    rb_text(st, 4, item);
    if (ok)
        rb_int(st, 5, llround(cents));
    else
        rb_null(st, 5);
    return rb_row(st, err);
}

static int measure_sum(compute_ctx *c, const char *id, const period *p, int d, double *out)
{
    return ind_cube_sum(&c->cube, ind_catalogue_measure(c->cat, id), p, d, out) == 0;
}

static int operating_statement(compute_ctx *c, const char *label, const period *p, int d,
                               const char *scope, hr_error *err)
{
    int rc = HR_OK;
    static const char *const rev[] = {"drug", "material", "exam", "treatment",
                                      "surgery", "bed", "other"};
    static const char *const cost[] = {"personnel", "drug", "material", "depreciation",
                                       "maintenance", "other", "energy"};
    char id[64];
    double v;
    for (int i = 0; i < 7; i++) {
        snprintf(id, sizeof id, "rev_%s", rev[i]);
        int ok = measure_sum(c, id, p, d, &v);
        if (!rc)
            rc = statement_item(c, label, scope, "revenue", rev[i], ok, v, err);
    }
    for (int i = 0; i < 7; i++) {
        snprintf(id, sizeof id, "cost_%s", cost[i]);
        int ok = measure_sum(c, id, p, d, &v);
        if (!rc)
            rc = statement_item(c, label, scope, "direct_cost", cost[i], ok, v, err);
    }
    for (int l = 1; l <= 3; l++) {
        char item[24];
        snprintf(id, sizeof id, "alloc_level%d", l);
        snprintf(item, sizeof item, "level%d", l);
        int ok = measure_sum(c, id, p, d, &v);
        if (!rc)
            rc = statement_item(c, label, scope, "allocated", item, ok, v, err);
    }
    double revenue, direct, received = 0;
    int rev_ok = measure_sum(c, "medical_revenue", p, d, &revenue);
    int dc_ok = measure_sum(c, "cost_direct", p, d, &direct);
    int hospital = d == c->cube.ndept, clinical = !hospital && ind_cube_dept_in(&c->cube, d, p) == 'c';
    int full_ok = dc_ok && (hospital || (clinical && measure_sum(c, "alloc_received", p, d, &received)));
    if (!rc)
        rc = statement_item(c, label, scope, "total", "revenue", rev_ok, revenue, err);
    if (!rc)
        rc = statement_item(c, label, scope, "total", "direct_cost", dc_ok, direct, err);
    if (!rc)
        rc = statement_item(c, label, scope, "total", "full_cost", full_ok, direct + received, err);
    if (!rc)
        rc = statement_item(c, label, scope, "total", "balance", full_ok && rev_ok,
                            revenue - direct - received, err);
    return rc;
}

/* ---- equipment benefit ---- */

static int equipment_benefit(compute_ctx *c, const char *label, const period *p, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(
        c->db,
        "INSERT INTO equipment_benefit (period, equipment_id, dept_code, name_zh, name_en, exams,"
        " utilization, idle_rate, revenue_cents, depreciation_cents, net_benefit_cents,"
        " payback_years)"
        " SELECT ?1, equipment_id, dept_code, name_zh, name_en, exams,"
        "  100.0 * exams / nullif(capacity, 0), 100.0 * idle / nullif(device_days, 0), rev, dep,"
        "  rev - dep, CASE WHEN rev - dep > 0 THEN ov / ((rev - dep) * 12.0 / ?4) END"
        " FROM (SELECT equipment_id, max(month), dept_code, name_zh, name_en,"
        "  original_value_cents AS ov, sum(exams) AS exams, sum(capacity) AS capacity,"
        "  sum(idle_days) AS idle, sum(device_days) AS device_days, sum(revenue_cents) AS rev,"
        "  sum(depreciation_cents) AS dep"
        "  FROM ind_equipment_month WHERE month BETWEEN ?2 AND ?3 GROUP BY equipment_id)",
        err);
    if (!st)
        return err->code;
    char a[8], b[8];
    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period_month_label(p->first, a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, period_month_label(p->last, b), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, period_length(p));
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HR_OK : db_fail(c->db, "storing the equipment benefit table", err);
}

/* ---- the DRG group table ---- */

/* The DRG group table (病组分析表, 044_drg_group) of a period, from the
 * month rows of ind_drg_month (drggroup.c). Only for a period whose every
 * month is loaded and has drg.csv (the DRG measures defined): a quarter
 * with a month missing gets no rows, like its indicators. */
static int drg_group_table(compute_ctx *c, const char *label, const period *p, hr_error *err)
{
    double cases;
    int m = ind_catalogue_measure(c->cat, "drg_cases");
    if (m < 0 || c->cat->measure_set[m] < 0 || c->cat->sets[c->cat->measure_set[m]].kind != SET_DRG ||
        ind_cube_sum(&c->cube, m, p, c->cube.ndept, &cases))
        return HR_OK;
    return drg_group_store(c->ins_drg_group, c->drg, label, p, err);
}

/* The period's rows still in the batches. */
static int flush_inserts(compute_ctx *c, hr_error *err)
{
    row_batch *all[] = {c->ins_value, c->ins_contrib, c->ins_statement, c->ins_role,
                        c->ins_drg_group};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (rb_flush(all[i], err))
            return err->code;
    return HR_OK;
}

/* ---- one period ---- */

static int clear_period(sqlite3 *db, const char *label, hr_error *err)
{
    static const char *const tables[] = {"indicator_value", "contribution", "contribution_role",
                                         "operating_statement", "equipment_benefit",
                                         "drg_group"};
    for (int i = 0; i < 6; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE period = ?", tables[i]);
        sqlite3_stmt *st = db_prepare(db, sql, err);
        if (!st)
            return err->code;
        sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return db_fail(db, "clearing a period's results", err);
    }
    return HR_OK;
}

static int scope_values(compute_ctx *c, const char *label, const period *p, int d,
                        const char *scope, hr_error *err)
{
    for (int i = 0; i < c->cat->nind; i++) {
        const ind_indicator *ind = &c->cat->ind[i];
        if (ind->is_budget)
            continue;
        ind_row r = evaluate(&c->cube, ind, p, d);
        if (insert_value(c, label, scope, ind->id, ind, &r, err))
            return err->code;
    }
    return operating_statement(c, label, p, d, scope, err);
}

static int compute_one(compute_ctx *c, const period *p, const char *fingerprint,
                       const char *measures, hr_error *err)
{
    char label[PERIOD_LABEL_MAX], now[32];
    period_label(p, label);
    int rc = clear_period(c->db, label, err);
    if (!rc)
        rc = scope_values(c, label, p, c->cube.ndept, "hospital", err);
    for (int d = 0; !rc && d < c->cube.ndept; d++)
        if (ind_cube_dept_in(&c->cube, d, p))
            rc = scope_values(c, label, p, d, c->cube.dept[d], err);
    if (!rc)
        rc = budget_rows(c, label, p, err);
    if (!rc)
        rc = period_contributions(c, label, p, err);
    if (!rc)
        rc = equipment_benefit(c, label, p, err);
    if (!rc)
        rc = drg_group_table(c, label, p, err);
    if (!rc)
        rc = flush_inserts(c, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = db_prepare(c->db,
                                  "INSERT OR REPLACE INTO computed_period (period, computed_at,"
                                  " inputs, measures) VALUES (?,?,?,?)",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, db_now(now, sizeof now), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, measures, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, "recording the computed period", err);
    if (p->kind == PERIOD_MONTH) {
        int64_t unused;
        if (db_query_int(c->db, &unused, err,
                         "UPDATE period_state SET computed_at = ? WHERE period = ? RETURNING 1",
                         now, label, NULL) < 0)
            return err->code;
    }
    return HR_OK;
}

/* Budget indicators get catalogue rows too, so render can name them. */
static int store_budget_indicators(sqlite3 *db, hr_error *err)
{
    return db_exec(db,
                   "INSERT OR REPLACE INTO indicator (indicator, name_zh, name_en, unit, unit_zh,"
                   " unit_en, direction, dimension, definition_zh, definition_en, sort_order)"
                   " SELECT DISTINCT 'budget_execution.' || b.indicator,"
                   "  be.name_zh || '：' || i.name_zh, be.name_en || ': ' || i.name_en,"
                   "  'percent', '%', '%', 'up', 'economics', be.definition_zh, be.definition_en,"
                   "  100000 + i.sort_order"
                   " FROM budget b JOIN indicator i ON i.indicator = b.indicator"
                   " JOIN indicator be ON be.indicator = 'budget_execution'",
                   err);
}

static int prepare_inserts(compute_ctx *c, hr_error *err)
{
    c->ins_value = rb_open(c->db, "INSERT",
                           "indicator_value (period, scope, indicator, numerator, denominator,"
                           " value, mom_base, mom, yoy_base, yoy, ytd, ytd_yoy, flag,"
                           " flag_reason_zh, flag_reason_en)",
                           15, "storing indicator values", err);
    c->ins_contrib = c->ins_value ? rb_open(c->db, "INSERT",
                                            "contribution (period, indicator, comparison,"
                                            " dept_code, delta, share, rank)",
                                            7, "storing contributions", err)
                                  : NULL;
    c->ins_statement = c->ins_contrib ? rb_open(c->db, "INSERT",
                                                "operating_statement (period, scope, section,"
                                                " item, amount_cents)",
                                                5, "storing the operating statement", err)
                                      : NULL;
    c->ins_role = c->ins_statement ? rb_open(c->db, "INSERT",
                                             "contribution_role (period, indicator, comparison,"
                                             " dept_code, role, role_share)",
                                             6, "storing contribution roles", err)
                                   : NULL;
    c->ins_drg_group = c->ins_role ? rb_open(c->db, "INSERT",
                                             "drg_group (period, scope, drg_code, drg_name,"
                                             " stays, weight, cmi_contribution, los_days,"
                                             " benched_stays, bench_los_sum, cost_cents,"
                                             " bench_cost_sum_cents, paid_stays, payment_cents,"
                                             " paid_cost_cents, balance_cents, deaths,"
                                             " low_risk)",
                                             18, "storing the DRG group table", err)
                                   : NULL;
    return c->ins_drg_group ? HR_OK : err->code;
}

static int compute_all(compute_ctx *c, const period *p, hr_error *err)
{
    period list[MAX_PERIODS];
    int n = trend_periods(p, list), first = p->last;
    for (int i = 0; i < n; i++)
        if (first_needed(&list[i]) < first)
            first = first_needed(&list[i]);
    double t0 = log_clock(), t1, t2;
    ind_refresh_stats rs = {0};
    int rc = ind_catalogue_store(c->db, c->cat, err), done = 0;
    if (!rc)
        rc = store_budget_indicators(c->db, err);
    if (!rc)
        rc = guokao_load_default(c->db, c->cat, err);
    if (!rc)
        rc = ind_measures_refresh(c->db, c->cat, first, p->last, &rs, err);
    t1 = log_clock();
    if (!rc)
        rc = ind_cube_load(c->db, c->cat, first, p->last, &c->cube, err);
    if (!rc)
        rc = drg_rows_load(c->db, first, p->last, &c->drg, err);
    if (!rc)
        rc = prepare_inserts(c, err);
    t2 = log_clock();
    for (int i = 0; !rc && i < n; i++) {
        char label[PERIOD_LABEL_MAX], hex[DIGEST_HEX_SIZE], measures[DIGEST_HEX_SIZE];
        period_label(&list[i], label);
        if ((rc = registry_inputs_fingerprint(c->db, label, hex, err)))
            break;
        if ((rc = measures_fingerprint(c, &list[i], measures, err)))
            break;
        if (!stored_fingerprints_are(c->db, label, hex, measures))
            rc = compute_one(c, &list[i], hex, measures, err), done++;
    }
    if (!rc)
        log_debug("compute: %d measure sets of %d months recomputed in %.2f s (%d on %d reader "
                  "threads), loaded in %.2f s; %d of %d periods computed in %.2f s",
                  rs.sets, p->last - first + 1, t1 - t0, rs.sets_on_readers, rs.reader_threads,
                  t2 - t1, done, n, log_clock() - t2);
    return rc;
}

int compute_period(sqlite3 *db, const char *text, hr_error *err)
{
    period p;
    if (period_parse(text, &p, err))
        return err->code;
    ind_catalogue cat;
    if (ind_catalogue_load_default(&cat, err))
        return err->code;
    compute_ctx c = {.db = db, .cat = &cat};
    double t0 = log_clock();
    int rc = db_begin(db, err);
    if (!rc)
        rc = compute_all(&c, &p, err);
    if (!rc)
        rc = db_commit(db, err);
    else
        db_rollback(db);
    rb_close(c.ins_value);
    rb_close(c.ins_contrib);
    rb_close(c.ins_statement);
    rb_close(c.ins_role);
    rb_close(c.ins_drg_group);
    drg_rows_free(c.drg);
    if (!rc)
        log_debug("compute %s: %d departments, %d months in %.2f s", text, c.cube.ndept,
                  c.cube.nmonths, log_clock() - t0);
    ind_cube_free(&c.cube);
    ind_catalogue_free(&cat);
    return rc;
}
