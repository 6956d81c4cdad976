/*
 * test_advise_small.c -- the small-count rule (spec INDICATORS.md "Small
 * counts") in advise's sentences, from the same config/hospital.xml that
 * render reads: a data folder with <small-counts threshold="5"/>, the
 * fixture tests/data/advise/small.sql and rules tests/data/advise/small.xml,
 * each rule of which would print a department's count below 5 (or a ratio
 * over one) in zh and en. Then the same without the rule: the counts are
 * printed, so the fixture does reach them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/error.h"
#include "pipeline/core/strbuf.h"
#include "stages/advise/advise.h"
#include "tests/support/testkit.h"

#define RULES "tests/data/advise/small.xml"

static char tmpdir[64];

static void write_hospital(const char *small)
{
    char path[256];
    snprintf(path, sizeof path, "%s/data/config/hospital.xml", tmpdir);
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hospital>\n"
            "  <name lang=\"zh_CN\">测试医院</name>\n  <name lang=\"en\">Test Hospital</name>\n"
            "%s</hospital>\n",
            small);
    tk_write_file(path, sb.buf);
    sb_release(&sb);
}

static sqlite3 *small_db(void)
{
    return tk_fixture_db(tmpdir, "small", "tests/data/advise/small.sql");
}

/* Every sentence of the scope, "kind | zh | en" a line, in order. */
static const char *texts(sqlite3 *db, const char *scope)
{
    static strbuf sb = STRBUF_INIT;
    sb_reset(&sb);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT kind, text_zh, text_en FROM advice WHERE period = "
                                        "'2026-10' AND scope = ? AND kind <> 'overview' "
                                        "ORDER BY kind, sort_order",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        sb_addf(&sb, "%s | %s | %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return sb.buf ? sb.buf : "";
}

/* With the rule: nothing is said about D01's hidden complaints (4) and
 * mortality (2 deaths); its bed occupancy finding names its complaints
 * "<5"; D02's base of 3 complaints is "<5"; the hospital's contributors
 * and its list of departments show D01's part and rate as "—"; the
 * hospital's own complaints (13) print as they are. */
static void test_small_counts_in_texts(void **state)
{
    (void)state;
    write_hospital("  <small-counts threshold=\"5\"/>\n");
    sqlite3 *db = small_db();
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(advise_period_rules(db, "2026-10", RULES, &err), HR_OK);
    /* the hospital's findings (their choice and order are the rules'):
     * D01's part and rate hidden, D02's and the hospital's own shown */
    const char *h = texts(db, "hospital");
    assert_contains(h, "主要来自：外科（+6件，占 66.7%）及内科（—）。");
    assert_contains(h, "driven by Surgery (+6 complaints, 66.7%) and Internal Medicine (—).");
    assert_contains(h, "suggestion | 住院死亡率高于 1.50% 的科室：内科（—）、外科（1.80%）。 | "
                       "Mortality above 1.50% in: Internal Medicine (—), Surgery (1.80%).\n");
    assert_contains(h, "投诉 13件。");
    assert_null(strstr(h, "+3件"));
    assert_null(strstr(h, "+3 complaints"));
    assert_null(strstr(h, "2.00%"));
    assert_string_equal(texts(db, "D01"),
                        "finding | 内科床位使用率为 95.5%，高于预警上限 93.0%；投诉 <5。 | Bed "
                        "occupancy for Internal Medicine was 95.5%, above 93.0%; complaints <5.\n");
    assert_string_equal(
        texts(db, "D02"),
        "finding | 外科投诉件数环比上升 200.0%（<5 → 9件）。 | Surgery: Complaints rose 200.0% vs "
        "the previous month (<5 → 9 complaints).\n"
        "finding | 外科住院死亡率为 1.80%，高于预警上限 1.50%；投诉 9件。 | Inpatient mortality "
        "for Surgery was 1.80%, above 1.50%; complaints 9 complaints.\n"
        "finding | 外科住院死亡率环比上升 0.80个百分点（1.00% → 1.80%）。 | Surgery: Inpatient "
        "mortality rose 0.80 pp vs the previous month (1.00% → 1.80%).\n");
    db_close(db);
}

/* The same rules without the rule: the fixture's small counts do reach the
 * texts (so the test above would see them). */
static void test_without_the_rule(void **state)
{
    (void)state;
    write_hospital("");
    sqlite3 *db = small_db();
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(advise_period_rules(db, "2026-10", RULES, &err), HR_OK);
    assert_contains(texts(db, "hospital"), "及内科（+3件，占 33.3%）");
    assert_contains(texts(db, "hospital"), "Internal Medicine (2.00%), Surgery (1.80%)");
    assert_contains(texts(db, "D01"), "内科投诉件数环比上升 300.0%（1件 → 4件）");
    assert_contains(texts(db, "D01"), "(1.00% → 2.00%)");
    assert_contains(texts(db, "D01"), "complaints 4 complaints.");
    assert_contains(texts(db, "D02"), "（3件 → 9件）");
    db_close(db);
}

/* A data folder with its own config/hospital.xml and the tree's schemas. */
static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-advise-small");
    char cwd[2048], cmd[8192];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/data/config' && ln -s '%s/config/schema' '%s/data/config/schema'",
             tmpdir, cwd, tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/data", tmpdir);
    setenv("HOSPREPORT_DATADIR", cmd, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_counts_in_texts),
        cmocka_unit_test(test_without_the_rule),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
