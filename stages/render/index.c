/*
 * index.c -- render_index(): the output folder's index.html, a static page
 * (no server, no script) for the people who do not read the database.
 *
 * It lists every report the registry says was written into the folder --
 * the latest version of each file that is still there -- by period, kind,
 * scope and language, with links, each with its data state (validated,
 * reconciled, or a draft and why); then, for every month those reports
 * read, the data-quality summary: per source the rows read, loaded and
 * quarantined with the top reasons, the reconciliation rules and their
 * results, the data warnings, and the files the month was loaded from
 * (name, rows, encoding, SHA-256: the provenance the PDFs leave out). Text from the data (department names,
 * messages) is escaped. The page is written beside its name and renamed
 * (paths_out_*), so a browser never sees half of it.
 *
 * Reads: report_run, dept, period_state, month_state, validation_summary,
 * reconcile_result, data_warning. Writes: OUT/index.html only.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/period.h"
#include "pipeline/core/strbuf.h"
#include "stages/render/render.h"

static void esc(strbuf *b, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '<': sb_addstr(b, "&lt;"); break;
        case '>': sb_addstr(b, "&gt;"); break;
        case '&': sb_addstr(b, "&amp;"); break;
        case '"': sb_addstr(b, "&quot;"); break;
        default: sb_addch(b, *s);
        }
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

static const char style[] =
    "body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;"
    "margin:2em auto;max-width:72em;color:#1f2933;line-height:1.45}"
    "h1{font-size:1.5em;border-bottom:3px solid #1f5fa8;padding-bottom:.3em}"
    "h2{font-size:1.2em;margin-top:1.8em;color:#1f5fa8}h3{font-size:1.05em;margin-top:1.4em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0 1em}"
    "th,td{border-bottom:1px solid #d9e2ec;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#eef3f8;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".ok{color:#1c7c3a}.warn{color:#b7791f}.bad{color:#c53030;font-weight:600}"
    ".muted{color:#627d98;font-size:.9em}a{color:#1f5fa8}";

/* The state of the months a report read, in both languages, with a class. */
static void state_cell(strbuf *b, int draft, const char *v, const char *r)
{
    const char *cls = "ok", *zh = "已校验、已对账", *en = "validated and reconciled";
    if (draft) {
        cls = "bad", zh = "草稿（强制出具）", en = "draft (forced)";
    } else if (!strcmp(v, "failed") || !strcmp(r, "blocking")) {
        cls = "bad", zh = "未通过", en = "not passed";
    } else if (!strcmp(v, "stale") || !strcmp(r, "stale")) {
        cls = "warn", zh = "数据已变更，校验或对账已过期", en = "stale: data changed since validation";
    } else if (!*v || !*r) {
        cls = "warn", zh = "未完成校验或对账", en = "not validated or reconciled";
    } else if (!strcmp(v, "warnings") || !strcmp(r, "warnings")) {
        cls = "warn", zh = "有警告", en = "with warnings";
    }
    sb_addf(b, "<td class=\"%s\">%s<br><span class=\"muted\">%s</span></td>", cls, zh, en);
}

/* The worst validation and reconciliation state over the months of a
 * period, as they hold for the months' current data (view month_state):
 * "stale" when a month's data changed after the stage ran, "" when one of
 * them was never validated (or reconciled). */
static int months_state(sqlite3 *db, const char *period_text, char v[16], char r[16], hr_error *err)
{
    period p;
    hr_error ignore;
    v[0] = r[0] = '\0';
    if (period_parse(period_text, &p, &ignore))
        return HR_OK;
    char first[8], last[8];
    period_month_label(p.first, first);
    period_month_label(p.last, last);
    sqlite3_stmt *st = db_prepare(db,
        "SELECT CASE WHEN max(validation_state = 'failed') THEN 'failed'"
        "   WHEN max(validation_state = 'stale') THEN 'stale'"
        "   WHEN max(validation_state IS NULL) OR count(*) = 0 THEN ''"
        "   WHEN max(validation_state = 'warnings') THEN 'warnings' ELSE 'ok' END,"
        " CASE WHEN max(reconcile_state = 'blocking') THEN 'blocking'"
        "   WHEN max(reconcile_state = 'stale') THEN 'stale'"
        "   WHEN max(reconcile_state IS NULL) OR count(*) = 0 THEN ''"
        "   WHEN max(reconcile_state = 'warnings') THEN 'warnings' ELSE 'ok' END"
        " FROM month_state WHERE period BETWEEN ?1 AND ?2", err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, first, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, last, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(v, 16, "%s", col(st, 0));
        snprintf(r, 16, "%s", col(st, 1));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HR_OK : db_fail(db, "index: period state", err);
}

static int reports_section(sqlite3 *db, const char *dir, strbuf *b, strbuf *nav, strbuf *months,
                           hr_error *err)
{
    /* The newest registry entry of each file of this folder; the worst
     * state over the months of its period. */
    sqlite3_stmt *st = db_prepare(db,
        "WITH latest AS (SELECT * FROM report_run r WHERE run_id = (SELECT max(run_id) FROM"
        "   report_run WHERE output_path = r.output_path)),"
        " names AS (SELECT dept_code, name_zh, name_en FROM dept d WHERE period ="
        "   (SELECT max(period) FROM dept WHERE dept_code = d.dept_code))"
        " SELECT l.period, l.kind, l.scope, l.lang, l.output_path, l.draft, l.generated_at,"
        "   COALESCE(n.name_zh, CASE l.scope WHEN 'hospital' THEN '全院' ELSE l.scope END),"
        "   COALESCE(n.name_en, CASE l.scope WHEN 'hospital' THEN 'Whole hospital' ELSE l.scope END)"
        " FROM latest l LEFT JOIN names n ON n.dept_code = l.scope"
        " ORDER BY l.period DESC, CASE l.kind WHEN 'annual' THEN 0 WHEN 'quarterly' THEN 1"
        "   WHEN 'monthly' THEN 2 ELSE 3 END, l.kind, l.scope <> 'hospital', l.scope,"
        "   CASE l.lang WHEN 'zh_CN' THEN 0 WHEN 'en' THEN 1 ELSE 2 END",
        err);
    if (!st)
        return err->code;
    char real_dir[PATH_MAX];
    if (!realpath(dir, real_dir))
        snprintf(real_dir, sizeof real_dir, "%s", dir);
    const char *last_group = "";
    char group[256] = "";
    int rc, n = 0, ngroups = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *path = col(st, 4);
        char real[PATH_MAX], parent[PATH_MAX];
        struct stat s;
        if (!realpath(path, real) || stat(real, &s) != 0 || !S_ISREG(s.st_mode))
            continue; /* no longer there */
        snprintf(parent, sizeof parent, "%s", real);
        char *slash = strrchr(parent, '/');
        if (!slash)
            continue;
        *slash = '\0';
        if (strcmp(parent, real_dir))
            continue; /* written into another folder */
        snprintf(group, sizeof group, "%s %s", col(st, 0), col(st, 1));
        if (strcmp(group, last_group)) {
            if (n)
                sb_addstr(b, "</table>\n");
            ngroups++;
            sb_addf(nav, "%s<a href=\"#g%d\">", ngroups > 1 ? " · " : "", ngroups);
            esc(nav, group);
            sb_addstr(nav, "</a>");
            sb_addf(b, "<h3 id=\"g%d\">", ngroups);
            esc(b, col(st, 0));
            sb_addstr(b, " · ");
            esc(b, col(st, 1));
            sb_addstr(b, "</h3>\n<table><tr><th>范围 Scope</th><th>语言 Language</th><th>文件 File"
                         "</th><th>数据状态 Data state</th><th>生成时间 Generated</th></tr>\n");
            last_group = group;
        }
        period p;
        hr_error ignore;
        if (!period_parse(col(st, 0), &p, &ignore))
            for (int m = p.first; m <= p.last; m++) {
                char label[8];
                period_month_label(m, label);
                if (!strstr(months->buf, label)) {
                    sb_addstr(months, label);
                    sb_addch(months, ' ');
                }
            }
        sb_addstr(b, "<tr><td>");
        esc(b, col(st, 7));
        sb_addstr(b, "<br><span class=\"muted\">");
        esc(b, col(st, 8));
        sb_addstr(b, "</span></td><td>");
        esc(b, col(st, 3));
        sb_addstr(b, "</td><td><a href=\"");
        esc(b, slash + 1);
        sb_addstr(b, "\">");
        esc(b, slash + 1);
        sb_addf(b, "</a><br><span class=\"muted\">%lld KB</span></td>", (long long)(s.st_size + 1023) / 1024);
        char v[16], r[16];
        if ((rc = months_state(db, col(st, 0), v, r, err)) != HR_OK)
            break;
        state_cell(b, sqlite3_column_int(st, 5), v, r);
        sb_addstr(b, "<td class=\"muted\">");
        esc(b, col(st, 6));
        sb_addstr(b, "</td></tr>\n");
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? err->code : db_fail(db, "index: the registry", err);
    if (n)
        sb_addstr(b, "</table>\n");
    else
        sb_addstr(b, "<p class=\"muted\">本目录尚无报告。No report in this folder yet.</p>\n");
    return HR_OK;
}

/* One table of the data quality of `month`. */
static int quality_table(sqlite3 *db, strbuf *b, const char *month, const char *title,
                         const char *sql, const char *const *heads, int ncols, hr_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == 0) {
            sb_addf(b, "<h3>%s</h3>\n<table><tr>", title);
            for (int i = 0; i < ncols; i++)
                sb_addf(b, "<th>%s</th>", heads[i]);
            sb_addstr(b, "</tr>\n");
        }
        sb_addstr(b, "<tr>");
        for (int i = 0; i < ncols; i++) {
            int num = sqlite3_column_type(st, i) == SQLITE_INTEGER ||
                      sqlite3_column_type(st, i) == SQLITE_FLOAT;
            const char *t = col(st, i);
            const char *cls = strstr(t, "beyond tolerance") || strstr(t, " blocking") ? " class=\"bad\""
                              : num ? " class=\"n\"" : "";
            sb_addf(b, "<td%s>", cls);
            esc(b, t);
            sb_addstr(b, "</td>");
        }
        sb_addstr(b, "</tr>\n");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "index: data quality", err);
    if (n)
        sb_addstr(b, "</table>\n");
    return HR_OK;
}

static int quality_section(sqlite3 *db, strbuf *b, const char *periods, hr_error *err)
{
    /* The months the listed reports read: every loaded month in the span of
     * their periods (a quarter or a year reads each of its months). */
    sqlite3_stmt *st = db_prepare(db, "SELECT period FROM period_state ORDER BY period DESC", err);
    if (!st)
        return err->code;
    static const char *const src_h[] = {"数据源 Source", "读取 Rows read", "入库 Loaded",
                                        "隔离 Quarantined", "隔离比例 Share", "主要原因 Top reasons"};
    static const char *const rec_h[] = {"对账规则 Rule", "级别 Severity", "结果 Result",
                                        "超差科室 Departments beyond"};
    static const char *const warn_h[] = {"数据源 Source", "范围 Scope", "预警 Warning", "Warning"};
    static const char *const file_h[] = {"数据源 Source", "文件 File", "行数 Rows", "编码 Encoding",
                                         "SHA-256"};
    int rc = HR_OK;
    sb_addstr(b, "<h2 id=\"quality\">数据质量 Data quality</h2>\n");
    while (rc == HR_OK && db_row(st, &rc, err)) {
        const char *month = col(st, 0);
        if (!strstr(periods, month))
            continue;
        sb_addstr(b, "<h3>");
        esc(b, month);
        sb_addstr(b, "</h3>\n");
        rc = quality_table(db, b, month, "各数据源 Sources",
            "SELECT source, rows_read, rows_accepted, rows_quarantined,"
            " printf('%.2f%%', 100.0 * quarantined_share), top_reasons"
            " FROM validation_summary WHERE period = ?1 ORDER BY source", src_h, 6, err);
        if (rc == HR_OK)
            rc = quality_table(db, b, month, "对账 Reconciliation",
                "SELECT rule, CASE max(severity) WHEN 'blocking' THEN '阻断 blocking'"
                " ELSE '警告 warning' END, CASE WHEN max(status <> 'ok')"
                " THEN '超出容差 beyond tolerance' ELSE '容差内 within tolerance' END,"
                " sum(status <> 'ok') FROM reconcile_result WHERE period = ?1"
                " GROUP BY rule ORDER BY rule", rec_h, 4, err);
        if (rc == HR_OK)
            rc = quality_table(db, b, month, "数据预警 Data warnings",
                "SELECT source, scope, message_zh, message_en FROM data_warning WHERE period = ?1"
                " ORDER BY source, scope", warn_h, 4, err);
        /* the technical provenance, kept out of the leadership reports */
        if (rc == HR_OK)
            rc = quality_table(db, b, month, "来源文件 Source files",
                "SELECT source, replace(path, rtrim(path, replace(path, '/', '')), ''),"
                " rows_loaded, encoding, sha256 FROM source_file WHERE current = 1 AND period = ?1"
                " ORDER BY source", file_h, 5, err);
    }
    sqlite3_finalize(st);
    return rc;
}

int render_index(sqlite3 *db, const char *out_dir, hr_error *err)
{
    strbuf b, months;
    sb_init(&b);
    sb_init(&months);
    sb_addf(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                "<title>运营分析报告 Operations reports</title><style>%s</style></head><body>\n"
                "<h1>运营分析报告 <span class=\"muted\">Operations analysis reports</span></h1>\n",
            style);
    char now[32];
    sb_addf(&b, "<p class=\"muted\">hospreport · 更新于 updated %s</p>\n", db_now(now, sizeof now));
    strbuf body, nav;
    sb_init(&body);
    sb_init(&nav);
    int rc = reports_section(db, out_dir, &body, &nav, &months, err);
    if (rc == HR_OK) {
        sb_addstr(&b, "<p>");
        sb_addstr(&b, nav.buf);
        sb_addstr(&b, " · <a href=\"#quality\">数据质量 Data quality</a></p>\n<h2>报告 Reports</h2>\n");
        sb_addstr(&b, body.buf);
        rc = quality_section(db, &b, months.buf, err);
    }
    sb_release(&body);
    sb_release(&nav);
    sb_addstr(&b, "</body></html>\n");
    char path[4096];
    paths_out o;
    if (rc == HR_OK && !(rc = paths_output_file(out_dir, "index", ".html", path, sizeof path, err)) &&
        !(rc = paths_out_open(&o, path, err))) {
        rc = paths_out_write(&o, b.buf, b.len, err);
        if (rc == HR_OK)
            rc = paths_out_commit(&o, err);
        else
            paths_out_abandon(&o);
    }
    sb_release(&b);
    sb_release(&months);
    return rc;
}
