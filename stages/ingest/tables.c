/*
 * tables.c -- the canonical sources of spec/EXPORTS.md as data: for each
 * export, its fields in file order, each field's type, whether it may be
 * empty, and the column of pipeline/schema/001_core.sql it is stored in
 * (money fields in *_cents columns). A profile maps a hospital's headers
 * onto these fields; the loader types each value by this table.
 */
#include "stages/ingest/ingest_int.h"

#include <string.h>

#include "pipeline/core/msg.h"

#define COLS(a) a, (int)(sizeof a / sizeof a[0])

static const ingest_column dept_cols[] = {
    {"dept_code", "dept_code", IT_CODE, 0},
    {"name_zh", "name_zh", IT_TEXT, 0},
    {"name_en", "name_en", IT_TEXT, 0},
    {"category", "category", IT_ENUM, 0},
};

static const ingest_column outpatient_cols[] = {
    {"visit_id", "visit_id", IT_CODE, 0},
    {"visit_time", "visit_time", IT_DATETIME, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"doctor_code", "doctor_code", IT_CODE, 0},
    {"patient_key", "patient_key", IT_CODE, 0},
    {"visit_type", "visit_type", IT_ENUM, 0},
    {"total_fee", "total_fee_cents", IT_MONEY, 0},
    {"drug_fee", "drug_fee_cents", IT_MONEY, 0},
    {"material_fee", "material_fee_cents", IT_MONEY, 0},
    {"exam_fee", "exam_fee_cents", IT_MONEY, 0},
    {"wait_minutes", "wait_minutes", IT_INT, 1},
    {"appointment", "appointment", IT_ENUM, 1},
};

static const ingest_column inpatient_cols[] = {
    {"stay_id", "stay_id", IT_CODE, 0},
    {"patient_key", "patient_key", IT_CODE, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"admit_date", "admit_date", IT_DATE, 0},
    {"discharge_date", "discharge_date", IT_DATE, 0},
    {"total_fee", "total_fee_cents", IT_MONEY, 0},
    {"drug_fee", "drug_fee_cents", IT_MONEY, 0},
    {"material_fee", "material_fee_cents", IT_MONEY, 0},
    {"exam_fee", "exam_fee_cents", IT_MONEY, 0},
    {"outcome", "outcome", IT_ENUM, 0},
};

static const ingest_column mr_front_cols[] = {
    {"stay_id", "stay_id", IT_CODE, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"admit_date", "admit_date", IT_DATE, 0},
    {"discharge_date", "discharge_date", IT_DATE, 0},
    {"record_grade", "record_grade", IT_ENUM, 0},
};

static const ingest_column surgery_cols[] = {
    {"surgery_id", "surgery_id", IT_CODE, 0},
    {"stay_id", "stay_id", IT_CODE, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"surgery_date", "surgery_date", IT_DATE, 0},
    {"grade", "grade", IT_INT, 0},
    {"minimally_invasive", "minimally_invasive", IT_ENUM, 1},
    {"day_surgery", "day_surgery", IT_ENUM, 1},
};

static const ingest_column census_cols[] = {
    {"date", "date", IT_DATE, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"open_beds", "open_beds", IT_INT, 0},
    {"occupied_beds", "occupied_beds", IT_INT, 0},
    {"admissions", "admissions", IT_INT, 0},
    {"discharges", "discharges", IT_INT, 0},
};

static const ingest_column revenue_cols[] = {
    {"month", "month", IT_MONTH, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"category", "category", IT_ENUM, 0},
    {"amount", "amount_cents", IT_MONEY, 0},
};

static const ingest_column cost_cols[] = {
    {"month", "month", IT_MONTH, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"category", "category", IT_ENUM, 0},
    {"amount", "amount_cents", IT_MONEY, 0},
};

static const ingest_column staff_cols[] = {
    {"month", "month", IT_MONTH, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"doctors", "doctors", IT_DECIMAL, 0},
    {"nurses", "nurses", IT_DECIMAL, 0},
    {"technicians", "technicians", IT_DECIMAL, 0},
    {"others", "others", IT_DECIMAL, 0},
};

static const ingest_column alloc_driver_cols[] = {
    {"month", "month", IT_MONTH, 0},
    {"from_dept", "from_dept", IT_CODE, 0},
    {"to_dept", "to_dept", IT_CODE, 0},
    {"units", "units", IT_DECIMAL, 0},
};

static const ingest_column equipment_cols[] = {
    {"equipment_id", "equipment_id", IT_CODE, 0},
    {"name_zh", "name_zh", IT_TEXT, 0},
    {"name_en", "name_en", IT_TEXT, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"purchase_date", "purchase_date", IT_DATE, 0},
    {"original_value", "original_value_cents", IT_MONEY, 0},
    {"depreciation_years", "depreciation_years", IT_INT, 0},
    {"daily_capacity", "daily_capacity", IT_INT, 0},
};

static const ingest_column equipment_usage_cols[] = {
    {"date", "date", IT_DATE, 0},
    {"equipment_id", "equipment_id", IT_CODE, 0},
    {"exams", "exams", IT_INT, 0},
    {"revenue", "revenue_cents", IT_MONEY, 0},
    {"downtime_hours", "downtime_hours", IT_DECIMAL, 1},
};

static const ingest_column complaints_cols[] = {
    {"complaint_id", "complaint_id", IT_CODE, 0},
    {"received_date", "received_date", IT_DATE, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"category", "category", IT_ENUM, 0},
    {"resolved", "resolved", IT_ENUM, 0},
};

static const ingest_column budget_cols[] = {
    {"year", "year", IT_INT, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"indicator", "indicator", IT_CODE, 0},
    {"target", "target", IT_DECIMAL, 0},
};

/* v2 additions (EXPORTS.md; pipeline/schema/006_v2_sources.sql). */
static const ingest_column drg_cols[] = {
    {"stay_id", "stay_id", IT_CODE, 0},
    {"drg_code", "drg_code", IT_CODE, 0},
    {"drg_name", "drg_name", IT_TEXT, 0},
    {"weight", "weight", IT_DECIMAL, 0},
    {"payment", "payment_cents", IT_MONEY, 1},
    {"low_risk", "low_risk", IT_ENUM, 1},
};

static const ingest_column drg_benchmark_cols[] = {
    {"drg_code", "drg_code", IT_CODE, 0},
    {"avg_los", "avg_los", IT_DECIMAL, 0},
    {"avg_cost", "avg_cost_cents", IT_MONEY, 0},
    {"name_en", "name_en", IT_TEXT, 1}, /* optional: the group's English name */
};

static const ingest_column antibiotic_cols[] = {
    {"month", "month", IT_MONTH, 0},
    {"dept_code", "dept_code", IT_CODE, 0},
    {"ddd", "ddd", IT_DECIMAL, 0},
};

/* dept first: the month's dictionary, then the rest in EXPORTS.md order. */
const ingest_table ingest_tables[] = {
    {"dept", "dept.csv", COLS(dept_cols)},
    {"outpatient", "outpatient.csv", COLS(outpatient_cols)},
    {"inpatient", "inpatient.csv", COLS(inpatient_cols)},
    {"mr_front", "mr_front.csv", COLS(mr_front_cols)},
    {"surgery", "surgery.csv", COLS(surgery_cols)},
    {"census", "census.csv", COLS(census_cols)},
    {"revenue", "revenue.csv", COLS(revenue_cols)},
    {"cost", "cost.csv", COLS(cost_cols)},
    {"staff", "staff.csv", COLS(staff_cols)},
    {"alloc_driver", "alloc_driver.csv", COLS(alloc_driver_cols)},
    {"equipment", "equipment.csv", COLS(equipment_cols)},
    {"equipment_usage", "equipment_usage.csv", COLS(equipment_usage_cols)},
    {"complaints", "complaints.csv", COLS(complaints_cols)},
    {"budget", "budget.csv", COLS(budget_cols)},
    {"drg", "drg.csv", COLS(drg_cols)},
    {"drg_benchmark", "drg_benchmark.csv", COLS(drg_benchmark_cols)},
    {"antibiotic", "antibiotic.csv", COLS(antibiotic_cols)},
};
const int ingest_table_count = (int)(sizeof ingest_tables / sizeof ingest_tables[0]);

const ingest_table *ingest_table_find(const char *source)
{
    for (int i = 0; i < ingest_table_count; i++)
        if (strcmp(ingest_tables[i].source, source) == 0)
            return &ingest_tables[i];
    return NULL;
}

int ingest_table_column(const ingest_table *t, const char *field)
{
    for (int i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].field, field) == 0)
            return i;
    return -1;
}

const char *ingest_type_name(ingest_type type)
{
    switch (type) {
    case IT_TEXT: return N_("text");
    case IT_CODE: return N_("a code (non-empty, no leading or trailing space)");
    case IT_ENUM: return N_("a value");
    case IT_DATE: return N_("a date");
    case IT_DATETIME: return N_("a date and time");
    case IT_MONTH: return N_("a month");
    case IT_MONEY: return N_("an amount of money (at most 2 decimals)");
    case IT_INT: return N_("a non-negative integer");
    case IT_DECIMAL: return N_("a non-negative decimal number");
    }
    return N_("a value");
}
