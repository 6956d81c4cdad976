/*
 * export.h -- the stage that hands results to the tools the operations
 * office already uses: one Excel workbook per period (libxlsxwriter).
 *
 * export_xlsx() writes, for PERIOD (a month, quarter, year or range) and a
 * scope (hospital, all, or a dept_code), the sheets
 *
 *   指标 Indicators        every indicator of the scope(s): names in both
 *                          languages, unit, value, MoM, YoY, YTD, YTD YoY,
 *                          the warning it raised
 *   运营报表 Statement     the operating statement (revenue by category,
 *                          direct cost by category, allocated cost, totals),
 *                          summed over the period's months
 *   设备效益 Equipment     the equipment benefit table, per device
 *   科室排名 Departments   the clinical departments side by side: revenue,
 *                          balance, balance rate, drug and material shares,
 *                          bed use (all of them, best and worst)
 *   隔离数据 Quarantine    the rows quarantined in the period's months (file,
 *                          line, field, rule, message: never the raw record,
 *                          so no patient identifier leaves the database)
 *   对账差异 Reconciliation the record-level reconciliation differences
 *
 * Headers are Chinese over English, department names come from the
 * dictionary, numbers are numbers with a format (not text), the header row
 * is frozen and columns are sized to their content. The file is written
 * beside the target and renamed into place, so a failed export leaves no
 * half-written workbook.
 *
 * Reads: indicator, indicator_value, operating_statement, equipment_benefit,
 * dept, quarantine, reconcile_record. Writes: nothing in the database.
 * The caller makes sure the results are current (cli.c computes first).
 */
#ifndef HR_EXPORT_H
#define HR_EXPORT_H

#include <sqlite3.h>

#include "pipeline/core/error.h"

int export_xlsx(sqlite3 *db, const char *period_text, const char *scope, const char *path,
                hr_error *err);

#endif
