/*
 * test_reports_fit.c -- the shipped templates fit their reader (issue 15):
 * per-device charts keyed by equipment_id, so that two devices of one name
 * are two bars, each with its own value (read back with pdftotext -bbox);
 * the medical-technology departments in the equipment ranking; and the
 * running header that names scope, period and report kind. Fixture:
 * tests/data/reports/fixture.sql, with the cases planted here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/strbuf.h"
#include "stages/render/render.h"
#include "tests/support/testkit.h"

static char tmpdir[64];

static int render(sqlite3 *db, const char *kind, const char *period, const char *tpl,
                  const char *scope, const char *lang, const char *out)
{
    render_options o = {kind, period, scope, lang, tpl, out, 0};
    int written = 0;
    hr_error err;
    hr_error_clear(&err);
    if (render_reports(db, &o, &written, &err)) {
        char buf[1024];
        fail_msg("render %s %s %s: %s", kind, period, scope, hr_error_format(&err, buf, sizeof buf));
    }
    return written;
}

/* One word of pdftotext -bbox: its page, box and text. */
typedef struct word {
    int page;
    double x0, y0, x1, y1;
    char text[128];
} word;

/* Every word of a PDF; returns how many (at most max). */
static int words_of(const char *pdf, word *w, int max)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdftotext -q -bbox '%s' -", pdf);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[1024];
    int n = 0, page = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "<page "))
            page++;
        const char *p = strstr(line, "<word ");
        if (!p || n == max)
            continue;
        word *x = &w[n];
        x->page = page;
        if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">", &x->x0, &x->y0,
                   &x->x1, &x->y1) != 4)
            continue;
        const char *t = strchr(p, '>') + 1, *e = strstr(t, "</word>");
        if (!e)
            continue;
        snprintf(x->text, sizeof x->text, "%.*s", (int)(e - t), t);
        n++;
    }
    pclose(f);
    return n;
}

/* The words on the line of the first word equal to `text` at or after
 * page `from` that lies right of it (a bar's value beside its label),
 * joined by spaces into buf. Returns the page it was found on, or 0. */
static int line_after(const word *w, int n, int from, const char *text, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (w[i].page < from || strcmp(w[i].text, text))
            continue;
        double mid = (w[i].y0 + w[i].y1) / 2;
        size_t used = 0;
        for (int j = 0; j < n; j++)
            if (w[j].page == w[i].page && w[j].x0 > w[i].x1 && fabs((w[j].y0 + w[j].y1) / 2 - mid) < 2.5)
                used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? " " : "", w[j].text);
        return w[i].page;
    }
    return 0;
}

/* The first page whose words include `text`, from page `from`; 0 if none. */
static int page_of(const word *w, int n, int from, const char *text)
{
    for (int i = 0; i < n; i++)
        if (w[i].page >= from && strstr(w[i].text, text))
            return w[i].page;
    return 0;
}

/*
 * Two 64排CT in Radiology (EQ001 and a planted EQ005) and a second 1.5T
 * MRI in Orthopaedics (EQ006, Radiology has EQ002): the net-benefit chart
 * has one bar per device, labelled with the department where the name
 * repeats across departments and with the id where it repeats within one,
 * each bar with its own value. Net benefits (fixture, CNY): EQ001
 * 1,808,493.24 -> 181万; EQ005 planted 520,000.00 -> 52.0万; EQ002
 * 1,451,267.20 -> 145万; EQ006 planted -230,000.00 -> -23.0万.
 */
static void test_equipment_devices_of_one_name(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "devices", "tests/data/reports/fixture.sql");
    tk_exec(db, "INSERT INTO equipment_benefit VALUES ('2026-10', 'EQ005', 'M01', '64排CT', "
                "'64-slice CT scanner', 1200, 60.0, 2.0, 70000000, 18000000, 52000000, 2.5);"
                "INSERT INTO equipment_benefit VALUES ('2026-10', 'EQ006', 'D03', '1.5T磁共振', "
                "'1.5T MRI scanner', 300, 20.0, 40.0, 2000000, 25000000, -23000000, NULL);"
                "INSERT INTO indicator_value (period, scope, indicator, value) VALUES "
                "('2026-10', 'M01', 'equipment_utilization', 89.272727);");
    char out[128];
    snprintf(out, sizeof out, "%s/devices", tmpdir);
    assert_int_equal(render(db, "topic", "2026-10", "equipment", "hospital", "zh_CN", out), 1);
    char pdf[256], buf[512];
    snprintf(pdf, sizeof pdf, "%s/topic-equipment-2026-10-hospital.zh_CN.pdf", out);
    static word w[20000];
    int n = words_of(pdf, w, 20000);
    int chart = page_of(w, n, 1, "各设备净收益");
    assert_true(chart > 0);
    /* 64排CT twice in Radiology: the id tells them apart */
    assert_int_equal(line_after(w, n, chart, "EQ001)", buf, sizeof buf), chart);
    assert_string_equal(buf, "181万");
    assert_int_equal(line_after(w, n, chart, "EQ005)", buf, sizeof buf), chart);
    assert_string_equal(buf, "52.0万");
    /* 1.5T磁共振 in two departments: the department tells them apart */
    assert_int_equal(line_after(w, n, chart, "1.5T磁共振", buf, sizeof buf), chart);
    assert_string_equal(buf, "(放射科) 145万");
    assert_int_equal(line_after(w, n, chart, "(骨科)", buf, sizeof buf), chart);
    assert_string_equal(buf, "-23.0万");
    /* six devices, six bars: each value label once on the chart's page */
    int values = 0;
    for (int i = 0; i < n; i++)
        if (w[i].page == chart && strspn(w[i].text, "-0123456789.,") > 0 &&
            !strcmp(w[i].text + strspn(w[i].text, "-0123456789.,"), "万"))
            values++;
    assert_int_equal(values, 6);

    /* the department ranking of utilization includes Radiology (medtech) */
    strbuf t = STRBUF_INIT;
    tk_pdf_text(pdf, chart, &t);
    const char *rank = strstr(t.buf, "各科室设备利用率");
    assert_non_null(rank);
    assert_contains(rank, "放射科");
    assert_contains(rank, "89.3%");
    sb_release(&t);
    db_close(db);
}

/* Every inner page names scope, period and kind; the bilingual edition in
 * both languages; the cover has no running header. */
static void test_running_header(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "header", "tests/data/reports/fixture.sql");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/header", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "D03", "all", out), 3);
    strbuf t = STRBUF_INIT;
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D03.zh_CN.pdf", out);
    int pages = tk_pdf_pages(pdf);
    assert_true(pages > 2);
    tk_pdf_text(pdf, 1, &t);
    assert_true(strstr(t.buf, "骨科 · 2026年10月 · 月度运营分析报告") == NULL);
    for (int p = 2; p <= pages; p++) {
        tk_pdf_text(pdf, p, &t);
        assert_contains(t.buf, "骨科 · 2026年10月 · 月度运营分析报告");
    }
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D03.en.pdf", out);
    tk_pdf_text(pdf, 2, &t);
    assert_contains(t.buf, "Orthopaedics · October 2026 · Monthly Operations Analysis Report");
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D03.bilingual.pdf", out);
    tk_pdf_text(pdf, tk_pdf_pages(pdf), &t);
    assert_contains(t.buf, "骨科 · 2026年10月 · 月度运营分析报告");
    assert_contains(t.buf, "Orthopaedics · October 2026 · Monthly Operations Analysis Report");
    sb_release(&t);
    db_close(db);
}

/* The words of one page between the first word containing `from` and the
 * next containing `to` (reading order), joined by spaces. */
static void words_between(const word *w, int n, int page, const char *from, const char *to,
                          strbuf *out)
{
    sb_reset(out);
    int in = 0;
    for (int i = 0; i < n; i++) {
        if (w[i].page != page)
            continue;
        if (!in && strstr(w[i].text, from))
            in = 1;
        else if (in && strstr(w[i].text, to))
            break;
        else if (in)
            sb_addf(out, "%s ", w[i].text);
    }
}

/* The level-1 headings of a report's text, in order, one per line: lines
 * opening with a section number ("三、") or an appendix's ("附录二 ").
 * The contents list them first, then the body. */
static void headings_of(const char *text, strbuf *out)
{
    static const char numerals[] = "一二三四五六七八九十";
    sb_reset(out);
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line), k = 0;
        if (!strncmp(line, "附录", 6))
            k = 6;
        while (k + 3 <= len && memmem(numerals, sizeof numerals - 1, line + k, 3) &&
               (size_t)((const char *)memmem(numerals, sizeof numerals - 1, line + k, 3) - numerals) % 3 == 0)
            k += 3;
        if (k > 0 && k < len && (!strncmp(line + k, "、", 3) || (!strncmp(line, "附录", 6) && line[k] == ' ')))
            sb_addf(out, "%.*s\n", (int)len, line);
        line = end ? end + 1 : line + len;
    }
}

/* expected twice: in the contents, then in the body */
static void assert_headings(const strbuf *h, const char *expected)
{
    strbuf twice = STRBUF_INIT;
    sb_addf(&twice, "%s%s", expected, expected);
    assert_string_equal(h->buf, twice.buf);
    sb_release(&twice);
}

/*
 * Department reports shaped by the department. Planted: D04 皮肤科, an
 * outpatient-only department (its 2026-10 values those of Cardiology for
 * outpatient and money indicators, no value for bed, stay and quality
 * indicators, 0 discharges, admissions, surgeries and exams with nothing
 * to compare with, no device). D02 General Surgery has no device in the
 * fixture; D03 Orthopaedics has beds, operations and a device.
 */
static void test_department_shapes(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "shapes", "tests/data/reports/fixture.sql");
    tk_exec(db,
            "INSERT INTO dept SELECT period, 'D04', '皮肤科', 'Dermatology', 'clinical', file_id, "
            "7 FROM dept WHERE dept_code = 'D01' AND period = '2026-10';"
            "INSERT INTO indicator_value (period, scope, indicator, value, mom_base, mom, yoy_base, "
            "yoy, ytd, ytd_yoy) SELECT period, 'D04', indicator, value, mom_base, mom, yoy_base, yoy, "
            "ytd, ytd_yoy FROM indicator_value WHERE period = '2026-10' AND scope = 'D01';"
            "UPDATE indicator_value SET value = NULL, mom = NULL, yoy = NULL, ytd = NULL WHERE scope "
            "= 'D04' AND indicator IN ('avg_los', 'preop_days', 'bed_utilization', 'bed_turnover', "
            "'major_surgery_ratio', 'surgery_discharge_ratio', 'ip_fee_per_stay', "
            "'ip_drug_fee_per_stay', 'record_grade_a_rate', 'cure_improve_rate', 'mortality_rate', "
            "'equipment_utilization', 'equipment_idle_rate');"
            "UPDATE indicator_value SET value = 0, mom = NULL, yoy = NULL, ytd = 0 WHERE scope = "
            "'D04' AND indicator IN ('discharges', 'admissions', 'surgeries', 'exams');"
            "INSERT INTO operating_statement SELECT period, 'D04', section, item, amount_cents FROM "
            "operating_statement WHERE scope = 'D01' AND period = '2026-10';");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/shapes", tmpdir);
    static const char *const depts[] = {"D04", "D02", "D03"};
    int pages[3];
    strbuf t = STRBUF_INIT, h = STRBUF_INIT, cards = STRBUF_INIT;
    static word w[40000];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(render(db, "monthly", "2026-10", NULL, depts[i], "zh_CN", out), 1);
        snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-%s.zh_CN.pdf", out, depts[i]);
        pages[i] = tk_pdf_pages(pdf);
        tk_pdf_text(pdf, 0, &t);
        /* no chart or table drawn empty, no file list in a department's report */
        assert_true(strstr(t.buf, "本期无数据。") == NULL);
        assert_true(strstr(t.buf, "各数据源校验情况") == NULL);
        assert_true(strstr(t.buf, "数据来源") == NULL);
        /* up to the last appendix's title (its definitions would read as
         * headings: "三、四级手术台次 / 手术台次") */
        char *last = NULL;
        for (char *p = t.buf; (p = strstr(p, "指标定义\n")); p++)
            last = p;
        assert_non_null(last);
        last[strlen("指标定义\n")] = '\0';
        headings_of(t.buf, &h);
        /* the executive summary's cards: between its heading and the findings */
        int n = words_of(pdf, w, 40000);
        int summary = page_of(w, n, page_of(w, n, 1, "目录") + 1, "执行摘要");
        words_between(w, n, summary, "执行摘要", "关键发现", &cards);
        if (i == 0) { /* outpatient-only: no bed, stay, equipment or DRG section or card */
            assert_headings(&h, "一、执行摘要\n二、业务量\n三、经济运行\n四、医疗质量与服务\n"
                                       "五、月度经营报表\n六、改进建议\n附录一 数据质量与对账\n"
                                       "附录二 指标定义\n");
            assert_true(strstr(cards.buf, "出院人次") == NULL);
            assert_true(strstr(cards.buf, "平均住院日") == NULL);
            assert_true(strstr(cards.buf, "床位使用率") == NULL);
            assert_true(strstr(cards.buf, "手术台次") == NULL);
            assert_contains(cards.buf, "门急诊人次");
            assert_contains(cards.buf, "医疗收入");
            /* nor rows without data in the comparison with the hospital */
            const char *cmp = strstr(t.buf, "本科室与全院对比");
            assert_non_null(cmp);
            assert_true(strstr(cmp, "平均住院日") == NULL || strstr(cmp, "平均住院日") > strstr(cmp, "二、业务量"));
            /* no trend of discharges it never had, not even the line
             * "出院人次近13个月趋势：各值均为 0，未绘制。"; nor of quality */
            assert_null(strstr(t.buf, "出院人次近13个月趋势"));
            assert_null(strstr(t.buf, "治愈好转率近13个月趋势"));
        } else if (i == 1) { /* no device: no equipment sections, numbers close up */
            assert_headings(&h, "一、执行摘要\n二、业务量\n三、运行效率\n四、经济运行\n"
                                       "五、医疗质量与服务\n六、月度经营报表\n七、DRG/DIP 病组分析\n"
                                       "八、改进建议\n附录一 数据质量与对账\n附录二 指标定义\n");
            assert_contains(cards.buf, "出院人次");
        } else { /* the large surgical department: every section */
            assert_headings(&h, "一、执行摘要\n二、业务量\n三、运行效率\n四、经济运行\n"
                                       "五、医疗质量与服务\n六、设备运行\n七、月度经营报表\n"
                                       "八、设备效益分析表\n九、DRG/DIP 病组分析\n十、改进建议\n"
                                       "附录一 数据质量与对账\n附录二 指标定义\n");
            /* one chart left out, with its line: the fixture's drug share of
             * Orthopaedics is 22.0 % in every month */
            const char *note = strstr(t.buf, "未绘制");
            assert_non_null(note);
            assert_true(strstr(note + 1, "未绘制") == NULL);
            assert_contains(t.buf, "药占比近13个月趋势：各值均为 22.0%，未绘制。");
            assert_contains(cards.buf, "手术台次");
        }
    }
    assert_true(pages[0] < pages[1] && pages[1] < pages[2]);
    /* its quarterly report: no trend of discharges or stays it never had
     * (was "出院人次近八个季度：各值均为 0，未绘制。"), the visits' trend kept */
    tk_exec(db, "INSERT INTO dept SELECT period, 'D04', '皮肤科', 'Dermatology', 'clinical', "
                "file_id, 7 FROM dept WHERE dept_code = 'D01' AND period <> '2026-10';"
                "INSERT INTO indicator_value (period, scope, indicator, value, mom_base, mom, "
                "yoy_base, yoy) SELECT period, 'D04', indicator, CASE WHEN indicator IN "
                "('discharges', 'admissions', 'surgeries') THEN 0 WHEN indicator IN ('avg_los', "
                "'bed_utilization') THEN NULL ELSE value END, mom_base, CASE WHEN indicator IN "
                "('discharges', 'admissions', 'surgeries', 'avg_los', 'bed_utilization') THEN NULL "
                "ELSE mom END, yoy_base, CASE WHEN indicator IN ('discharges', 'admissions', "
                "'surgeries', 'avg_los', 'bed_utilization') THEN NULL ELSE yoy END "
                "FROM indicator_value WHERE scope = 'D01' AND period LIKE '%-Q%' "
                "ON CONFLICT DO NOTHING;");
    assert_int_equal(render(db, "quarterly", "2026-Q3", NULL, "D04", "zh_CN", out), 1);
    snprintf(pdf, sizeof pdf, "%s/quarterly-2026-Q3-D04.zh_CN.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "门急诊人次近八个季度");
    assert_null(strstr(t.buf, "出院人次近八个季度"));
    assert_null(strstr(t.buf, "平均住院日近八个季度"));
    sb_release(&t);
    sb_release(&h);
    sb_release(&cards);
    db_close(db);
}

/* One number style (templates/README.md, "Numbers"): on the cards, money
 * totals in 万元 / ¥ m, fees with two decimals, the catalogue's decimals.
 * The fixture's catalogue rows get what compute stores from
 * config/indicators.xml (is_flow, decimals). Values: revenue 40,983,906
 * -> 4,098.39万元 / ¥40.98m; balance 9,574,836.4 -> 957.48万元 / ¥9.57m;
 * fee per visit 287.525723 -> 287.53元 / ¥287.53; average stay 8.14697
 * (2 decimals) -> 8.15; drug share 30.104773 (1 decimal) -> 30.1%. */
static void test_number_style(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "numbers", "tests/data/reports/fixture.sql");
    tk_exec(db, "UPDATE indicator SET is_flow = 1 WHERE indicator IN ('medical_revenue', "
                "'direct_cost', 'full_cost', 'balance', 'oe_visits', 'discharges');"
                "UPDATE indicator SET decimals = 2 WHERE indicator IN ('avg_los', 'preop_days');"
                "UPDATE indicator SET decimals = 1 WHERE unit = 'percent';");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/numbers", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "all", out), 3);
    strbuf t = STRBUF_INIT;
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.zh_CN.pdf", out);
    static word w[20000];
    int n = words_of(pdf, w, 20000), summary = page_of(w, n, page_of(w, n, 1, "目录") + 1, "执行摘要");
    tk_pdf_text(pdf, summary, &t);
    assert_contains(t.buf, "4,098.39万元");
    assert_contains(t.buf, "957.48万元");
    assert_contains(t.buf, "\n8.15\n");
    assert_contains(t.buf, "30.1%");
    assert_true(strstr(t.buf, "40,983,906") == NULL);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "287.53元");
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    n = words_of(pdf, w, 20000);
    summary = page_of(w, n, page_of(w, n, 1, "Contents") + 1, "summary");
    tk_pdf_text(pdf, summary, &t);
    assert_contains(t.buf, "¥40.98m");
    assert_contains(t.buf, "¥9.57m");
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "¥287.53");
    sb_release(&t);
    db_close(db);
}

/* The part of text from `from` up to `to` (or the end), into out. */
static void section_of(const char *text, const char *from, const char *to, strbuf *out)
{
    sb_reset(out);
    const char *a = strstr(text, from);
    assert_non_null(a);
    const char *b = strstr(a + strlen(from), to);
    sb_addf(out, "%.*s", (int)(b ? b - a : (long)strlen(a)), a);
}

/* The bilingual edition's tables are in both languages: department names
 * (dept.csv name_en), dimension names, row labels and status values. */
static void test_bilingual_tables(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "bilingual", "tests/data/reports/fixture.sql");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/bilingual", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "bilingual", out), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.bilingual.pdf", out);
    strbuf t = STRBUF_INIT, part = STRBUF_INIT;
    tk_pdf_text(pdf, 0, &t);
    /* the indicator overview: each dimension in both languages */
    section_of(t.buf, "指标总览\nIndicator overview\n", "二、业务量", &part); /* the body, not the contents */
    assert_contains(part.buf, "业务量\nVolume"); /* named, not the raw id "volume" */
    assert_contains(part.buf, "经济运行\nEconomics");
    assert_contains(part.buf, "质量与服务\nQuality");
    assert_null(strstr(part.buf, "\nvolume\n"));
    /* (the English name may wrap in its cell beside the 国考 column) */
    assert_contains(part.buf, "门急诊人次\nOutpatient and emergency");
    /* the department tables: every department in both languages */
    section_of(t.buf, "各科室业务量\nVolume by department\n", "三、", &part);
    assert_contains(part.buf, "心血管内科\nCardiology");
    assert_contains(part.buf, "普通外科\nGeneral Surgery");
    assert_contains(part.buf, "骨科\nOrthopaedics");
    assert_contains(part.buf, "全院\nWhole hospital");
    /* the operating statement's row labels */
    section_of(t.buf, "Monthly operating statement\n金额单位", "Equipment benefit", &part);
    assert_contains(part.buf, "收入\nRevenue");
    assert_contains(part.buf, "药品\nDrugs");
    assert_contains(part.buf, "卫生材料\nMedical materials");
    /* the quadrant names its departments in both languages, the English
     * beneath the Chinese, and its English title clears the axis title */
    static word w[20000];
    int n = words_of(pdf, w, 20000);
    int q = page_of(w, n, 1, "各科室收入增长与结余率");
    assert_true(q > 0);
    const word *title = NULL, *en = NULL, *axis = NULL;
    for (int i = 0; i < n; i++) {
        if (w[i].page != q)
            continue;
        if (!title && !strcmp(w[i].text, "各科室收入增长与结余率"))
            title = &w[i];
        if (!en && !strcmp(w[i].text, "Departments:"))
            en = &w[i];
        if (!axis && strstr(w[i].text, "结余率（%）"))
            axis = &w[i];
    }
    assert_non_null(title);
    assert_non_null(en);
    assert_non_null(axis);
    assert_true(axis->y0 >= en->y1); /* beneath the English title, not on it */
    int named = 0;
    for (int i = 0; i < n; i++)
        if (w[i].page == q && w[i].y0 > title->y1 && !strcmp(w[i].text, "Orthopaedics"))
            for (int j = 0; j < n; j++)
                named |= w[j].page == q && !strcmp(w[j].text, "骨科") &&
                         fabs(w[j].x0 - w[i].x0) < 0.5 && w[i].y0 > w[j].y0 + 3 &&
                         w[i].y0 < w[j].y0 + 12; /* its line, then the English */
    assert_true(named);
    sb_release(&t);
    sb_release(&part);
    db_close(db);
}

/* Twelve more clinical departments (D10 .. D21) for 2026-10, with revenue
 * and balance (D10 26万 .. D20 16万, 1万 apart): D21 loses 120万 on 300万 of
 * revenue (balance rate -40 %), the worst by far, 15th of 15 on balance. */
static void plant_departments(sqlite3 *db)
{
    strbuf sql = STRBUF_INIT;
    for (int i = 10; i <= 21; i++) {
        double revenue = 3000000.0 + (21 - i) * 100000.0;
        double balance = i == 21 ? -1200000.0 : 150000.0 + (21 - i) * 10000.0;
        sb_addf(&sql,
                "INSERT INTO dept VALUES ('2026-10', 'D%d', '科室%d', 'Ward %d', 'clinical', 25321, %d);"
                "INSERT INTO indicator_value (period, scope, indicator, value) VALUES "
                "('2026-10', 'D%d', 'medical_revenue', %.1f), ('2026-10', 'D%d', 'balance', %.1f);",
                i, i, i, 10 + i, i, revenue, i, balance);
    }
    tk_exec(db, sql.buf);
    sb_release(&sql);
}

/* The dashboard after the cover: status cards judged against band and
 * budget, the budget read against time (October: 10 / 12 = 83.3 % of the
 * year gone), the league table's top and bottom, the quadrant. Planted:
 * revenue 80.0 % of budget, a flow: 3.3 points behind time -> 预警;
 * outpatient visits 84.0 %, ahead of time -> 正常; drug share 28.0 % (band
 * <= 30, not within 5 % of it) but 104.6 % of its target ratio, a
 * down-ratio judged against 100 % -> 预警; surgeries, no band, no budget,
 * no flag -> 无目标. */
static void test_dashboard(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "dashboard", "tests/data/reports/fixture.sql");
    plant_departments(db);
    tk_exec(db, "UPDATE indicator SET is_flow = 1 WHERE indicator IN ('medical_revenue', "
                "'outpatient_visits', 'surgeries');"
                "INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, "
                "direction, dimension, sort_order) VALUES ('budget_execution.outpatient_visits', "
                "'预算执行率：门诊人次', 'Budget execution: Outpatient visits', 'percent', '%', '%', "
                "'up', 'economics', 100001);"
                "INSERT INTO indicator_value (period, scope, indicator, value) VALUES ('2026-10', "
                "'hospital', 'budget_execution.outpatient_visits', 84.0);"
                "UPDATE indicator_value SET value = 80.0 WHERE period = '2026-10' AND scope = "
                "'hospital' AND indicator = 'budget_execution.medical_revenue';"
                "UPDATE indicator_value SET numerator = 29.3, denominator = 28.0, value = 104.6 "
                "WHERE period = '2026-10' AND scope = 'hospital' AND "
                "indicator = 'budget_execution.drug_ratio';"
                "UPDATE indicator_value SET value = 27.5, ytd = 29.3, flag = NULL WHERE period = "
                "'2026-10' AND scope = 'hospital' AND indicator = 'drug_ratio';"
                /* a second capped ratio, under its cap (19.2 % of 25.0 %) */
                "INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, "
                "direction, dimension, sort_order) VALUES ('budget_execution.material_ratio', "
                "'预算执行率：耗占比', 'Budget execution: Material share', 'percent', '%', '%', "
                "'up', 'economics', 100004);"
                "INSERT INTO indicator_value (period, scope, indicator, numerator, denominator, "
                "value) VALUES ('2026-10', 'hospital', 'budget_execution.material_ratio', 19.2, "
                "25.0, 76.8);"
                "UPDATE indicator_value SET value = 17.0, flag = NULL WHERE period = '2026-10' "
                "AND scope = 'hospital' AND indicator = 'material_ratio';"
                "UPDATE indicator_value SET flag = NULL WHERE period = '2026-10' AND scope = "
                "'hospital' AND indicator = 'surgeries';");
    char out[128], pdf[256];
    snprintf(out, sizeof out, "%s/dashboard", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "zh_CN", out), 1);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.zh_CN.pdf", out);
    static word w[20000];
    int n = words_of(pdf, w, 20000);
    /* page 2, right after the cover */
    assert_int_equal(page_of(w, n, 1, "经营仪表盘"), 2);
    strbuf t = STRBUF_INIT;
    tk_pdf_text(pdf, 2, &t);
    assert_contains(t.buf, "预算执行 80.0%（时间进度 83.3%）");
    assert_contains(t.buf, "预算执行 84.0%（时间进度 83.3%）");
    /* a ratio: its year-to-date value against the budget's own cap, not
     * "104.6 % of a 100 % target" */
    assert_contains(t.buf, "预算上限 28.0%（本年累计 29.3%）");
    assert_contains(t.buf, "预算上限 25.0%（本年累计 19.2%）");
    assert_null(strstr(t.buf, "目标 100.0%"));
    assert_contains(t.buf, "预警上限 30.0%");
    assert_contains(t.buf, "预算年度时间进度：83.3%（12 个月中的第 10 个月）");
    /* each card's status word on its name's line, at the card's right */
    static const char *const expect[][2] = {
        {"医疗收入", "预警"}, {"门诊人次", "正常"}, {"药占比", "预警"}, {"手术台次", "无目标"},
        {"耗占比", "正常"}};
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        const word *name = NULL, *next = NULL;
        for (int j = 0; j < n && !name; j++)
            if (w[j].page == 2 && !strcmp(w[j].text, expect[i][0]))
                name = &w[j];
        assert_non_null(name);
        for (int j = 0; j < n; j++) /* the nearest word right of the name */
            if (w[j].page == 2 && w[j].x0 > name->x1 && fabs(w[j].y1 - name->y1) < 3 &&
                (!next || w[j].x0 < next->x0))
                next = &w[j];
        assert_non_null(next);
        if (strcmp(next->text, expect[i][1]))
            fail_msg("card %s: status '%s', expected %s", expect[i][0], next->text, expect[i][1]);
    }
    /* the league table: ranked by balance rate, the top five, the bottom
     * five with the loss-maker last (D21: -120.00万 on 300.00万, -40.0%) */
    const char *league = strstr(t.buf, "科室排行榜");
    assert_non_null(league);
    assert_contains(league, "另有 5 行未列出");
    assert_contains(league, "科室21");
    assert_contains(league, "-120.00");
    assert_contains(league, "-40.0%");
    sb_release(&t);
    /* the bar chart of balance by department keeps the worst with the
     * best: 15 departments, 12 bars (the top 8, the bottom 4), D21 last */
    char buf[256];
    int bars = page_of(w, n, page_of(w, n, 1, "目录") + 1, "各科室收支结余");
    assert_true(bars > 0);
    assert_int_equal(line_after(w, n, bars, "科室21", buf, sizeof buf), bars);
    assert_string_equal(buf, "-120万");
    /* ranks: D01 D02 D03, D10 .. D20 (26万 .. 16万), D21 */
    assert_int_equal(line_after(w, n, bars, "科室14", buf, sizeof buf), bars); /* 8th of 15 */
    assert_string_equal(buf, "22.0万");
    double table_top = 1e9; /* the department table below the chart lists every one */
    for (int i = 0; i < n; i++)
        if (w[i].page == bars && strstr(w[i].text, "各科室经济运行"))
            table_top = w[i].y0;
    int shown = 0;
    for (int i = 0; i < n; i++) /* 9th: left out of the chart */
        shown += w[i].page == bars && w[i].y1 < table_top && !strcmp(w[i].text, "科室15");
    assert_int_equal(shown, 0);
    /* the quadrant, on the dashboard's pages, before the contents */
    int q = page_of(w, n, 2, "各科室收入增长与结余率");
    assert_true(q >= 2 && q < page_of(w, n, 2, "目录"));
    db_close(db);
}

/* The technical provenance (files, checksums, row counts) is not in the
 * leadership report: the hospital monthly has no file name and no SHA-256,
 * and says in one line where they are; the folder's data-quality page
 * (index.html) lists each file of the month with its rows and checksum
 * (fixture: exports/2026-10/outpatient.csv, 31,000 rows). */
static void test_provenance_out_of_reports(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "provenance", "tests/data/reports/fixture.sql");
    char out[128], pdf[256], path[256];
    snprintf(out, sizeof out, "%s/provenance", tmpdir);
    assert_int_equal(render(db, "monthly", "2026-10", NULL, "hospital", "all", out), 3);
    strbuf t = STRBUF_INIT;
    static const char *const langs[] = {"zh_CN", "en", "bilingual"};
    for (int i = 0; i < 3; i++) {
        snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.%s.pdf", out, langs[i]);
        tk_pdf_text(pdf, 0, &t);
        assert_null(strstr(t.buf, "SHA-256"));
        assert_null(strstr(t.buf, "000000000000")); /* no checksum */
        assert_null(strstr(t.buf, "outpatient.csv"));
        assert_null(strstr(t.buf, "budget.csv"));
        assert_contains(t.buf, "index.html"); /* the one line pointing to them */
    }
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.zh_CN.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "数据质量页（index.html）");
    snprintf(path, sizeof path, "%s/index.html", out);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    sb_reset(&t);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&t, buf, n);
    fclose(f);
    const char *files = strstr(t.buf, "来源文件 Source files");
    assert_non_null(files);
    assert_contains(files, "<td>outpatient.csv</td><td class=\"n\">31000</td>");
    assert_contains(files, "00000000000000000000000000000000000000811ac14226e730d11a18c24d9a");
    sb_release(&t);
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-reports-fit");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (getenv("KEEP_REPORTS")) {
        fprintf(stderr, "reports kept in %s\n", tmpdir);
        return 0;
    }
    tk_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equipment_devices_of_one_name),
        cmocka_unit_test(test_running_header),
        cmocka_unit_test(test_department_shapes),
        cmocka_unit_test(test_number_style),
        cmocka_unit_test(test_bilingual_tables),
        cmocka_unit_test(test_dashboard),
        cmocka_unit_test(test_provenance_out_of_reports),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
