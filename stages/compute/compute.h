/*
 * compute.h -- the compute stage: the indicator catalogue
 * (config/indicators.xml) for every scope of a period, with MoM, YoY, YTD
 * and YTD YoY, anomaly flags, contributions, three-level cost allocation,
 * the monthly operating statement and the equipment benefit table.
 * Results are materialised in the database for render and export.
 *
 * Reads: every canonical table the catalogue's measure sets name
 * (config/indicators.xml; outpatient through outpatient_rollup, which
 * validate writes -- a month without a current one is rolled up into this
 * connection's TEMP shadow, pipeline/core/rollup.h), dept, authority,
 * budget, source_file and period_state (fingerprints).
 * Writes: indicator, indicator_value, contribution, computed_period,
 * cost_allocation, cost_unallocated, operating_statement, equipment_benefit
 * (040_compute), ind_measure, ind_measure_state, ind_equipment_month,
 * cost_alloc_warning (041, 042), drg_group (044), guokao_item (045), ind_distinct,
 * ind_drg_month (046), period_state.computed_at.
 */
#ifndef HR_COMPUTE_H
#define HR_COMPUTE_H

#include <sqlite3.h>
#include <stdio.h>

#include "pipeline/core/error.h"

/* Computes and stores everything for the period ("2026-10", "2026-Q3",
 * "2026", "2026-01..2026-06"). */
int compute_period(sqlite3 *db, const char *period, hr_error *err);

/* Writes the stored results as CSV (spec/CLI.md, export): header
 * period,scope,indicator,value,mom,yoy,ytd,ytd_yoy. scope is "hospital",
 * "all" or a dept_code. Computes first if the period was never computed. */
int compute_export(sqlite3 *db, const char *period, const char *scope, FILE *out,
                   hr_error *err);

/* The DRG group table (044 drg_group) of a computed period as CSV: the
 * table's columns, then mean_los, bench_mean_los, mean_cost_cents and
 * bench_mean_cost_cents (ratios of its sums; empty when undefined). Rows
 * by scope (hospital first, then dept_code) and drg_code; scope is
 * "hospital", "all" or a dept_code. No patient identifier: a row is a
 * group. Fails with HR_EINPUT when the period was never computed. */
int compute_export_drg_groups(sqlite3 *db, const char *period, const char *scope, FILE *out,
                              hr_error *err);

/* An indicator the catalogue cannot compute for a month because sources
 * it needs are absent (compute_undefined_by_sources). */
typedef struct compute_undefined {
    char id[64];
    char name_zh[256], name_en[256];
    char sources[512]; /* the absent sources it needs, space-separated */
} compute_undefined;

/* Which indicators of the catalogue (config/indicators.xml) become
 * undefined in `month` when the canonical sources absent[0..nabsent) (at
 * most 64, e.g. "cost", "census") have no file: an indicator whose
 * numerator or denominator (or hospital expression) needs a measure of a
 * set that reads an absent source, or of a measure that `needs` an absent
 * optional one (drg_benched: drg_benchmark, unless an earlier month's file
 * serves as of the month) -- through an alias, the source the
 * month's authority (or the alias default) picks -- and the budget family
 * when "budget" is absent. Derived from the catalogue, never listed.
 * Fills *out (caller frees with free()) with *n entries in catalogue
 * order. */
int compute_undefined_by_sources(sqlite3 *db, const char *month, const char *const *absent,
                                 int nabsent, compute_undefined **out, int *n, hr_error *err);

#endif
