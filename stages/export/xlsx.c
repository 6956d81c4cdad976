/*
 * xlsx.c -- export_xlsx() (see export.h): each sheet is a query and a list
 * of columns; one writer turns any of them into a worksheet with a frozen
 * two-language header, sized columns and typed cells.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "pipeline/core/db.h"
#include "pipeline/core/period.h"
#include "stages/export/export.h"

/* How a column's cells are written. */
typedef enum cell_kind {
    K_TEXT,   /* a string */
    K_INT,    /* #,##0 */
    K_NUM1,   /* 0.0 */
    K_NUM2,   /* #,##0.00 */
    K_MONEY,  /* #,##0.00, CNY */
    K_CHANGE, /* +0.0;-0.0;0.0 (a relative change in %, or percentage points) */
    K_VALUE   /* by the indicator's unit, in the query's last column */
} cell_kind;

typedef struct column {
    const char *zh, *en;
    double width; /* in Excel's character widths */
    cell_kind kind;
} column;

typedef struct sheet {
    const char *name; /* the tab: Chinese and English */
    const char *sql;  /* ?1 first month, ?2 last month, ?3 the period, ?4 the scope */
    const column *cols;
    int ncols;
} sheet;

/* The department dictionary of the period's last month (names as they were
 * then), the hospital as a scope of its own. */
#define DEPT_NAMES                                                                         \
    "names(code, zh, en, category) AS ("                                                   \
    " SELECT dept_code, name_zh, name_en, category FROM dept"                              \
    "  WHERE period = (SELECT max(period) FROM dept WHERE period <= ?2)"                  \
    " UNION ALL SELECT 'hospital', '全院', 'Whole hospital', 'hospital')"

static const column ind_cols[] = {
    {"范围", "Scope", 10, K_TEXT},          {"科室", "Department", 16, K_TEXT},
    {"科室（英文）", "Department (EN)", 22, K_TEXT}, {"指标代码", "Indicator id", 22, K_TEXT},
    {"指标", "Indicator", 20, K_TEXT},      {"指标（英文）", "Indicator (EN)", 30, K_TEXT},
    {"单位", "Unit", 8, K_TEXT},            {"本期值", "Value", 14, K_VALUE},
    {"环比（%/个百分点）", "MoM (% / pp)", 12, K_CHANGE},
    {"同比（%/个百分点）", "YoY (% / pp)", 12, K_CHANGE},
    {"本年累计", "Year to date", 14, K_VALUE},
    {"累计同比（%/个百分点）", "YTD YoY (% / pp)", 14, K_CHANGE},
    {"预警", "Warning", 30, K_TEXT},
};
static const char ind_sql[] =
    "WITH " DEPT_NAMES " "
    "SELECT v.scope, n.zh, n.en, v.indicator, COALESCE(i.name_zh, v.indicator),"
    "       COALESCE(i.name_en, v.indicator), COALESCE(i.unit_zh, i.unit, ''), v.value, v.mom,"
    "       v.yoy, v.ytd, v.ytd_yoy, COALESCE(v.flag_reason_zh, ''), COALESCE(i.unit, 'count')"
    "  FROM indicator_value v LEFT JOIN indicator i USING (indicator)"
    "  LEFT JOIN names n ON n.code = v.scope"
    " WHERE v.period = ?3 AND (?4 = 'all' OR v.scope = ?4)"
    " ORDER BY v.scope <> 'hospital', v.scope, COALESCE(i.sort_order, 1e9), v.indicator";

static const column stmt_cols[] = {
    {"范围", "Scope", 10, K_TEXT},      {"科室", "Department", 16, K_TEXT},
    {"部分", "Section", 14, K_TEXT},    {"项目", "Item", 18, K_TEXT},
    {"项目（英文）", "Item (EN)", 26, K_TEXT}, {"金额（元）", "Amount (CNY)", 18, K_MONEY},
};
static const char stmt_sql[] =
    "WITH " DEPT_NAMES ", "
    "l(section, item, sec_zh, zh, en, ord) AS (VALUES"
    " ('revenue', 'drug', '收入', '药品收入', 'Drugs', 1),"
    " ('revenue', 'material', '收入', '卫生材料收入', 'Medical materials', 2),"
    " ('revenue', 'exam', '收入', '检查收入', 'Examination', 3),"
    " ('revenue', 'treatment', '收入', '治疗收入', 'Treatment', 4),"
    " ('revenue', 'surgery', '收入', '手术收入', 'Surgery', 5),"
    " ('revenue', 'bed', '收入', '床位收入', 'Beds', 6),"
    " ('revenue', 'other', '收入', '其他收入', 'Other revenue', 7),"
    " ('direct_cost', 'personnel', '直接成本', '人员经费', 'Personnel', 11),"
    " ('direct_cost', 'drug', '直接成本', '药品费', 'Drugs', 12),"
    " ('direct_cost', 'material', '直接成本', '卫生材料费', 'Medical materials', 13),"
    " ('direct_cost', 'depreciation', '直接成本', '固定资产折旧', 'Depreciation', 14),"
    " ('direct_cost', 'maintenance', '直接成本', '维修费', 'Maintenance', 15),"
    " ('direct_cost', 'energy', '直接成本', '能耗支出', 'Energy', 16),"
    " ('direct_cost', 'other', '直接成本', '其他费用', 'Other cost', 17),"
    " ('allocated', 'level1', '分摊成本', '一级分摊（行政后勤）', 'Level 1: administration', 21),"
    " ('allocated', 'level2', '分摊成本', '二级分摊（医辅）', 'Level 2: support', 22),"
    " ('allocated', 'level3', '分摊成本', '三级分摊（医技）', 'Level 3: medical technology', 23),"
    " ('total', 'revenue', '合计', '医疗收入', 'Medical revenue', 31),"
    " ('total', 'direct_cost', '合计', '直接成本', 'Direct cost', 32),"
    " ('total', 'full_cost', '合计', '全成本', 'Full cost', 33),"
    " ('total', 'balance', '合计', '收支结余', 'Balance', 34)) "
    "SELECT s.scope, n.zh, COALESCE(l.sec_zh, s.section), COALESCE(l.zh, s.item),"
    "       COALESCE(l.en, s.item), SUM(s.amount_cents) / 100.0"
    "  FROM operating_statement s LEFT JOIN l USING (section, item)"
    "  LEFT JOIN names n ON n.code = s.scope"
    " WHERE length(s.period) = 7 AND s.period BETWEEN ?1 AND ?2 AND (?4 = 'all' OR s.scope = ?4)"
    " GROUP BY s.scope, s.section, s.item"
    " ORDER BY s.scope <> 'hospital', s.scope, COALESCE(l.ord, 99), s.item";

static const column equip_cols[] = {
    {"设备编号", "Device id", 12, K_TEXT},  {"科室", "Department", 14, K_TEXT},
    {"设备", "Device", 22, K_TEXT},        {"设备（英文）", "Device (EN)", 26, K_TEXT},
    {"检查人次", "Exams", 10, K_INT},      {"利用率（%）", "Utilization (%)", 12, K_NUM1},
    {"闲置率（%）", "Idle rate (%)", 12, K_NUM1}, {"收入（元）", "Revenue (CNY)", 16, K_MONEY},
    {"折旧（元）", "Depreciation (CNY)", 16, K_MONEY},
    {"净收益（元）", "Net benefit (CNY)", 16, K_MONEY},
    {"回收期（年）", "Payback (years)", 12, K_NUM1},
};
static const char equip_sql[] =
    "WITH " DEPT_NAMES " "
    "SELECT e.equipment_id, n.zh, e.name_zh, e.name_en, e.exams, e.utilization, e.idle_rate,"
    "       e.revenue_cents / 100.0, e.depreciation_cents / 100.0, e.net_benefit_cents / 100.0,"
    "       e.payback_years"
    "  FROM equipment_benefit e LEFT JOIN names n ON n.code = e.dept_code"
    " WHERE e.period = ?3 AND (?4 IN ('all', 'hospital') OR e.dept_code = ?4)"
    " ORDER BY e.dept_code, e.equipment_id";

static const column league_cols[] = {
    {"科室代码", "Dept code", 10, K_TEXT},   {"科室", "Department", 16, K_TEXT},
    {"科室（英文）", "Department (EN)", 22, K_TEXT}, {"医疗收入（元）", "Medical revenue (CNY)", 18, K_MONEY},
    {"收支结余（元）", "Balance (CNY)", 16, K_MONEY}, {"结余率（%）", "Balance rate (%)", 12, K_NUM2},
    {"药占比（%）", "Drug share (%)", 12, K_NUM2}, {"耗占比（%）", "Material share (%)", 12, K_NUM2},
    {"床位使用率（%）", "Bed use (%)", 12, K_NUM2},
};
static const char league_sql[] =
    "WITH " DEPT_NAMES ", "
    "v AS (SELECT scope, indicator, value FROM indicator_value WHERE period = ?3) "
    "SELECT n.code, n.zh, n.en,"
    "  (SELECT value FROM v WHERE scope = n.code AND indicator = 'medical_revenue') AS rev,"
    "  (SELECT value FROM v WHERE scope = n.code AND indicator = 'balance') AS bal,"
    "  (SELECT 100.0 * b.value / r.value FROM v b, v r WHERE b.scope = n.code AND"
    "     b.indicator = 'balance' AND r.scope = n.code AND r.indicator = 'medical_revenue'"
    "     AND r.value <> 0),"
    "  (SELECT value FROM v WHERE scope = n.code AND indicator = 'drug_ratio'),"
    "  (SELECT value FROM v WHERE scope = n.code AND indicator = 'material_ratio'),"
    "  (SELECT value FROM v WHERE scope = n.code AND indicator = 'bed_utilization')"
    "  FROM names n WHERE n.category = 'clinical' AND (?4 IN ('all', 'hospital') OR n.code = ?4)"
    "   AND EXISTS (SELECT 1 FROM v WHERE v.scope = n.code)"
    " ORDER BY bal IS NULL, bal DESC, n.code";

static const column quar_cols[] = {
    {"月份", "Month", 9, K_TEXT},   {"数据源", "Source", 14, K_TEXT}, {"文件", "File", 22, K_TEXT},
    {"行号", "Line", 8, K_INT},     {"字段", "Field", 16, K_TEXT},   {"规则", "Rule", 12, K_TEXT},
    {"原因", "Reason", 60, K_TEXT}, {"环节", "Stage", 10, K_TEXT},
};
static const char quar_sql[] =
    "SELECT period, source, COALESCE(replace(path, rtrim(path, replace(path, '/', '')), ''), ''),"
    "       line_no, COALESCE(field, ''), rule, COALESCE(message_zh, message),"
    "       CASE stage WHEN 'ingest' THEN '载入' WHEN 'validate' THEN '校验' ELSE stage END"
    "  FROM quarantine WHERE period BETWEEN ?1 AND ?2 ORDER BY period, source, line_no";

static const column rec_cols[] = {
    {"月份", "Month", 9, K_TEXT},      {"规则", "Rule", 26, K_TEXT},
    {"记录", "Record", 14, K_TEXT},    {"问题", "Issue", 18, K_TEXT},
    {"科室", "Department", 16, K_TEXT}, {"对方科室", "Other department", 16, K_TEXT},
    {"说明", "Detail", 50, K_TEXT},    {"级别", "Severity", 10, K_TEXT},
};
static const char rec_sql[] =
    "WITH " DEPT_NAMES " "
    "SELECT r.period, r.rule, r.record_key, r.issue, COALESCE(a.zh, r.dept_code, ''),"
    "       COALESCE(b.zh, r.dept_code_b, ''), COALESCE(r.detail_zh, r.detail),"
    "       CASE r.severity WHEN 'blocking' THEN '阻断' WHEN 'warning' THEN '警告'"
    "       ELSE r.severity END"
    "  FROM reconcile_record r LEFT JOIN names a ON a.code = r.dept_code"
    "  LEFT JOIN names b ON b.code = r.dept_code_b"
    " WHERE r.period BETWEEN ?1 AND ?2 ORDER BY r.period, r.rule, r.record_key";

#define SHEET(name, sql, cols) {name, sql, cols, (int)(sizeof cols / sizeof *cols)}
static const sheet sheets[] = {
    SHEET("指标 Indicators", ind_sql, ind_cols),
    SHEET("运营报表 Statement", stmt_sql, stmt_cols),
    SHEET("设备效益 Equipment", equip_sql, equip_cols),
    SHEET("科室排名 Departments", league_sql, league_cols),
    SHEET("隔离数据 Quarantine", quar_sql, quar_cols),
    SHEET("对账差异 Reconciliation", rec_sql, rec_cols),
};

typedef struct formats {
    lxw_format *head, *text, *kind[K_VALUE], *count, *money, *pct, *days;
} formats;

static lxw_format *number_format(lxw_workbook *wb, const char *num)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_num_format(f, num);
    return f;
}

static void make_formats(lxw_workbook *wb, formats *f)
{
    f->head = workbook_add_format(wb);
    format_set_bold(f->head);
    format_set_text_wrap(f->head);
    format_set_align(f->head, LXW_ALIGN_VERTICAL_TOP);
    format_set_bg_color(f->head, 0xDCE6F1);
    format_set_bottom(f->head, LXW_BORDER_THIN);
    f->text = NULL;
    f->kind[K_TEXT] = NULL;
    f->kind[K_INT] = number_format(wb, "#,##0");
    f->kind[K_NUM1] = number_format(wb, "0.0");
    f->kind[K_NUM2] = number_format(wb, "#,##0.00");
    f->kind[K_MONEY] = number_format(wb, "#,##0.00");
    f->kind[K_CHANGE] = number_format(wb, "+0.0;-0.0;0.0");
    f->count = f->kind[K_INT];
    f->money = f->kind[K_MONEY];
    f->pct = number_format(wb, "0.00");
    f->days = number_format(wb, "0.0");
}

/* The format of an indicator value by its unit. */
static lxw_format *value_format(const formats *f, const char *unit)
{
    if (!strcmp(unit, "count"))
        return f->count;
    if (!strcmp(unit, "money"))
        return f->money;
    if (!strcmp(unit, "days") || !strcmp(unit, "minutes"))
        return f->days;
    return f->pct; /* percent, times, per10k */
}

static int xlsx_fail(lxw_error e, const char *path, const char *what, hr_error *err)
{
    return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot write the workbook (%s): %s", what,
                        lxw_strerror(e));
}

static int write_sheet(sqlite3 *db, lxw_workbook *wb, const formats *f, const sheet *s,
                       const char *const params[4], const char *path, hr_error *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, s->name);
    if (!ws)
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot add the sheet %s", s->name);
    char head[160];
    for (int c = 0; c < s->ncols; c++) {
        snprintf(head, sizeof head, "%s\n%s", s->cols[c].zh, s->cols[c].en);
        worksheet_write_string(ws, 0, (lxw_col_t)c, head, f->head);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, s->cols[c].width, NULL);
    }
    worksheet_set_row(ws, 0, 30, NULL);
    worksheet_freeze_panes(ws, 1, 0);
    sqlite3_stmt *st = db_prepare(db, s->sql, err);
    if (!st)
        return err->code;
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
    lxw_row_t r = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r++;
        for (int c = 0; c < s->ncols; c++) {
            cell_kind k = s->cols[c].kind;
            if (sqlite3_column_type(st, c) == SQLITE_NULL)
                continue; /* an undefined value is an empty cell */
            if (k == K_TEXT) {
                const char *t = (const char *)sqlite3_column_text(st, c);
                if (t && *t)
                    worksheet_write_string(ws, r, (lxw_col_t)c, t, NULL);
                continue;
            }
            lxw_format *fmt = k == K_VALUE
                ? value_format(f, (const char *)sqlite3_column_text(st, s->ncols))
                : f->kind[k];
            worksheet_write_number(ws, r, (lxw_col_t)c, sqlite3_column_double(st, c), fmt);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hr_error_set(err, HR_EFAIL, NULL, 0, NULL, "reading the %s sheet: %s", s->name,
                            sqlite3_errmsg(db));
    if (r > 0)
        worksheet_autofilter(ws, 0, 0, r, (lxw_col_t)(s->ncols - 1));
    return HR_OK;
}

int export_xlsx(sqlite3 *db, const char *period_text, const char *scope, const char *path,
                hr_error *err)
{
    period p;
    if (period_parse(period_text, &p, err))
        return err->code;
    char first[8], last[8];
    period_month_label(p.first, first);
    period_month_label(p.last, last);
    const char *params[4] = {first, last, period_text, scope};

    /* Written beside the target (a unique name), then renamed: never a
     * half-written workbook, and two exports to one name do not mix. */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
        return hr_error_set(err, HR_EUSAGE, path, 0, "--out", "the path is too long");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot create the workbook: %s",
                            strerror(errno));
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(tmp, &opt);
    if (!wb)
        return hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot create the workbook");
    workbook_set_properties(wb, &(lxw_doc_properties){.title = "hospreport", .author = "hospreport"});
    formats f;
    make_formats(wb, &f);
    int rc = HR_OK;
    for (size_t i = 0; rc == HR_OK && i < sizeof sheets / sizeof *sheets; i++)
        rc = write_sheet(db, wb, &f, &sheets[i], params, path, err);
    lxw_error e = workbook_close(wb);
    if (rc == HR_OK && e != LXW_NO_ERROR)
        rc = xlsx_fail(e, path, "closing", err);
    if (rc == HR_OK && ((fd = open(tmp, O_RDONLY)) < 0 || fsync(fd) != 0 || close(fd) != 0 ||
                        chmod(tmp, 0644) != 0))
        rc = hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot write the workbook: %s",
                          strerror(errno));
    if (rc == HR_OK && rename(tmp, path) != 0)
        rc = hr_error_set(err, HR_EFAIL, path, 0, NULL, "cannot rename the workbook into place");
    if (rc != HR_OK)
        unlink(tmp);
    return rc;
}
