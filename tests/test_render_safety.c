/*
 * test_render_safety.c -- what render refuses or protects against, on the
 * render fixture (tests/data/render/fixture.sql): the template SQL sandbox
 * (ATTACH, functions off the allow-list, identifier columns, runaway
 * queries, empty datasets, more than one statement); two databases writing
 * one folder at once; a full disk.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline/core/db.h"
#include "pipeline/core/paths.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/utf8.h"
#include "stages/render/render.h"
#include "tests/support/testkit.h"

static char tmpdir[64];

static int render(sqlite3 *db, const char *tpl, const char *scope, const char *lang,
                  const char *out, hr_error *err)
{
    render_options o = {"monthly", "2026-10", scope, lang, tpl, out, 0};
    int written = 0;
    hr_error_clear(err);
    int rc = render_reports(db, &o, &written, err);
    return rc ? -rc : written;
}

/* A template whose line 3 declares dataset x with `sql`, listed on line 5. */
static void dataset_template(const char *path, const char *sql)
{
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb,
            "<?xml version=\"1.0\"?>\n<report title=\"T\">\n<dataset name=\"x\">%s</dataset>\n"
            "<h level=\"1\">A</h>\n<list dataset=\"x\" field=\"v\" empty=\"Nothing\"/>\n"
            "</report>\n",
            sql);
    tk_write_file(path, sb.buf);
    sb_release(&sb);
}

/* Renders the one-dataset template; returns the error message (static). */
static const char *refused(sqlite3 *db, const char *sql, hr_error *err)
{
    char tpl[256], out[128];
    snprintf(tpl, sizeof tpl, "%s/sandbox.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out-sandbox", tmpdir);
    dataset_template(tpl, sql);
    int n = render(db, tpl, "hospital", "en", out, err);
    if (n >= 0)
        fail_msg("rendered (%d PDFs) a template with <dataset>%s</dataset>", n, sql);
    assert_string_equal(err->file, tpl);
    assert_int_equal(err->line, 3);
    return err->message;
}

static void test_sandbox_refuses_what_is_not_a_plain_select(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "sandbox", "tests/data/render/fixture.sql");
    hr_error err;
    char evil[256], sql[512];

    /* ATTACH passes sqlite3_stmt_readonly() and would create the file */
    snprintf(evil, sizeof evil, "%s/attached.db", tmpdir);
    snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS e", evil);
    assert_contains(refused(db, sql, &err), "attaches a database");
    assert_int_equal(err.code, HR_EINPUT);
    assert_int_equal(access(evil, F_OK), -1);

    /* functions off the allow-list: fts3_tokenizer() prints a pointer and
     * can register a tokenizer; load_extension() loads code */
    assert_contains(refused(db, "SELECT hex(fts3_tokenizer('simple')) AS v", &err),
                    "calls fts3_tokenizer()");
    assert_contains(refused(db, "SELECT load_extension('/tmp/x.so') AS v", &err),
                    "calls load_extension()");
    assert_contains(refused(db, "SELECT sqlite_compileoption_get(0) AS v", &err),
                    "sqlite_compileoption_get");
    assert_contains(refused(db, "SELECT name AS v FROM pragma_table_info('outpatient')", &err),
                    "queries pragma_table_info");
    assert_non_null(refused(db, "SELECT count(*) AS v FROM sqlite_stmt", &err));
    assert_int_equal(err.code, HR_EINPUT);
    assert_contains(refused(db, "SELECT 1 AS v; DELETE FROM indicator_value", &err),
                    "one statement");

    /* identifiers: like patient_key, the visit and stay ids, the raw
     * quarantined record and reconciliation's record keys */
    assert_contains(refused(db, "SELECT visit_id AS v FROM outpatient", &err), "visit_id");
    assert_contains(err.message, "no patient identifier");
    assert_contains(refused(db, "SELECT stay_id AS v FROM inpatient", &err), "stay_id");
    assert_contains(refused(db, "SELECT count(DISTINCT stay_id) AS v FROM mr_front", &err),
                    "stay_id");
    assert_contains(refused(db, "SELECT raw AS v FROM quarantine", &err), "raw");
    assert_contains(refused(db, "SELECT record_key AS v FROM reconcile_record", &err),
                    "record_key");
    assert_contains(refused(db, "SELECT detail AS v FROM reconcile_record", &err), "detail");

    /* a query without an end is stopped, naming the template and line */
    setenv("HOSPREPORT_QUERY_SECONDS", "0.5", 1);
    assert_contains(refused(db,
                            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                            "SELECT count(*) AS v FROM r",
                            &err),
                    "ran longer than 0.5 s");
    unsetenv("HOSPREPORT_QUERY_SECONDS");

    /* an empty dataset says so (not SQLite's "not an error") */
    assert_contains(refused(db, "", &err), "dataset 'x' has no SQL");
    assert_contains(refused(db, "  -- a comment only\n", &err), "has no SQL");

    /* what a template may do still works: allowed functions, a recursive
     * WITH that ends, and a query that returns no rows */
    char tpl[256], out[128];
    snprintf(tpl, sizeof tpl, "%s/fine.xml", tmpdir);
    snprintf(out, sizeof out, "%s/out-fine", tmpdir);
    dataset_template(tpl, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                          "WHERE n &lt; 3) SELECT printf('%d-%s', n, upper(coalesce(NULL, 'ok'))) "
                          "AS v FROM r");
    assert_int_equal(render(db, tpl, "hospital", "en", out, &err), 1);
    strbuf t = STRBUF_INIT;
    char pdf[256];
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-hospital.en.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "3-OK");
    dataset_template(tpl, "SELECT name_en AS v FROM dept WHERE 0");
    assert_int_equal(render(db, tpl, "hospital", "en", out, &err), 1);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Nothing");
    sb_release(&t);

    /* the connection is itself again afterwards */
    assert_int_equal(tk_query_int(db, "SELECT count(visit_id) > 0 FROM outpatient"), 1);
    db_close(db);
}

/* The output of a shell command, first line, in a static buffer. */
static const char *shell_line(const char *cmd)
{
    static char line[1024];
    line[0] = '\0';
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

/*
 * Department codes and names from the data never steer a file name or
 * reach a page raw: a code with "/../" stays inside --out, control
 * characters (a BEL, a right-to-left override) are dropped from names, PDF
 * text and metadata, and a long name is cut at a character boundary.
 */
static void test_hostile_department_codes(void **state)
{
    (void)state;
    sqlite3 *db = tk_fixture_db(tmpdir, "names", "tests/data/render/fixture.sql");
    tk_exec(db, "INSERT INTO dept VALUES ('2026-10', 'x/../../ESCAPED', '逃逸科', "
                "'Escape' || char(7) || ' Dept', 'clinical', 1, 90);"
                "INSERT INTO dept VALUES ('2026-10', 'D' || char(8238) || 'FDP.exe', '反向科', "
                "'Reverse' || char(8238) || ' Dept', 'clinical', 1, 91);"
                "INSERT INTO dept VALUES ('2026-10', 'DLONG', replace(printf('%100s', ''), ' ', "
                "'科'), 'Long', 'clinical', 1, 92);");
    char out[128], cmd[1024];
    snprintf(out, sizeof out, "%s/names/out", tmpdir);
    hr_error err;
    int n = render(db, "tests/data/render/summary.xml", "all", "all", out, &err);
    assert_true(n >= 9);
    /* nothing outside --out, and no folder inside it */
    snprintf(cmd, sizeof cmd, "find '%s' -name '*ESCAPED*' ! -path '%s/*' | wc -l", tmpdir, out);
    assert_string_equal(shell_line(cmd), "0");
    snprintf(cmd, sizeof cmd, "find '%s' -mindepth 1 -type d | wc -l", out);
    assert_string_equal(shell_line(cmd), "0");
    /* the changed names end in ~ and their stem's SHA-256 (8 hex digits):
     * sha256("monthly-2026-10-x/../../ESCAPED") = 426d4111..., of
     * "monthly-2026-10-D<U+202E>FDP.exe" cd8699fd... */
    char pdf[512];
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-x_.._.._ESCAPED~426d4111.en.pdf", out);
    assert_int_equal(access(pdf, R_OK), 0);
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-D_FDP.exe~cd8699fd.en.pdf", out);
    assert_int_equal(access(pdf, R_OK), 0);
    snprintf(cmd, sizeof cmd, "ls '%s' | LC_ALL=C grep -c \"$(printf '\\342\\200\\256\\|\\a')\"",
             out);
    assert_string_equal(shell_line(cmd), "0");
    /* no BEL or override in the text or the title */
    snprintf(cmd, sizeof cmd,
             "for f in '%s'/*~426d4111.en.pdf '%s'/*~cd8699fd.en.pdf; do pdftotext -q \"$f\" -; "
             "pdfinfo \"$f\"; done | LC_ALL=C grep -c \"$(printf '\\342\\200\\256\\|\\a')\"",
             out, out);
    assert_string_equal(shell_line(cmd), "0");
    strbuf t = STRBUF_INIT;
    snprintf(pdf, sizeof pdf, "%s/monthly-2026-10-x_.._.._ESCAPED~426d4111.en.pdf", out);
    tk_pdf_text(pdf, 0, &t);
    assert_contains(t.buf, "Escape Dept");
    /* 100 x 科 is 300 bytes; a name holds 127: 42 characters, not 42 and a
     * third */
    snprintf(cmd, sizeof cmd, "pdfinfo '%s/monthly-2026-10-DLONG.zh_CN.pdf' | grep '^Title:' | "
                              "grep -o '科*$' | tr -d '\\n' | wc -c",
             out);
    assert_string_equal(shell_line(cmd), "126");
    snprintf(cmd, sizeof cmd, "pdftotext -q '%s/monthly-2026-10-DLONG.zh_CN.pdf' - | "
                              "grep -c \"$(printf '\\357\\277\\275')\"",
             out);
    assert_string_equal(shell_line(cmd), "0");
    sb_release(&t);

    /* a code too long for a report name is refused, not cut */
    tk_exec(db, "INSERT INTO dept VALUES ('2026-10', printf('%070d', 7), 'L', 'L', 'clinical', "
                "1, 93)");
    assert_int_equal(render(db, "tests/data/render/summary.xml", "all", "en", out, &err),
                     -HR_EINPUT);
    assert_contains(err.message, "longer than 63 bytes");
    db_close(db);
}

/* paths_output_file(): one name inside the folder, whatever the stem. */
static void test_output_file_names(void **state)
{
    (void)state;
    char buf[600];
    hr_error err;
    assert_int_equal(paths_output_file("out", "monthly-2026-10-D01", ".en.pdf", buf, sizeof buf,
                                       &err),
                     0);
    assert_string_equal(buf, "out/monthly-2026-10-D01.en.pdf");
    /* ".." as a whole stem: the leading dot becomes '_', and the tag */
    assert_int_equal(paths_output_file("out", "..", ".csv", buf, sizeof buf, &err), 0);
    assert_true(strncmp(buf, "out/_.~", 7) == 0);
    assert_null(strchr(buf + 4, '/'));
    /* a stem of 300 bytes of 科 is cut to whole characters: 255 bytes at
     * most with ".en.pdf" and the tag */
    char stem[301] = "";
    for (int i = 0; i < 100; i++)
        strcat(stem, "科");
    assert_int_equal(paths_output_file("o", stem, ".en.pdf", buf, sizeof buf, &err), 0);
    const char *name = buf + 2;
    assert_true(strlen(name) <= 255);
    assert_int_equal(name[strlen(name) - 16], '~');
    assert_string_equal(name + strlen(name) - 7, ".en.pdf");
    size_t kept = strlen(name) - 16;
    assert_int_equal(kept % 3, 0); /* whole characters only */
    assert_int_equal(kept, 237);   /* 255 - 7 (suffix) - 9 (tag) = 239, less 2 */
    /* invalid UTF-8 and controls become '_' */
    assert_int_equal(paths_output_file("o", "a\xff\x1b[31mb\\c", ".csv", buf, sizeof buf, &err),
                     0);
    assert_true(strncmp(buf, "o/a__[31mb_c~", 13) == 0);
    /* a folder too long for any file in it */
    char dir[600];
    memset(dir, 'd', sizeof dir - 1);
    dir[sizeof dir - 1] = '\0';
    assert_int_equal(paths_output_file(dir, "x", ".csv", buf, sizeof buf, &err), HR_EFAIL);
    assert_int_equal(err.code, HR_EFAIL);
}

/* utf8_copy() and utf8_clean(): never half a character. */
static void test_utf8_copy_and_clean(void **state)
{
    (void)state;
    char buf[8];
    assert_string_equal(utf8_copy(buf, sizeof buf, "ab科科科"), "ab科"); /* 2 + 3 fit in 7, not 8 */
    assert_string_equal(utf8_copy(buf, 6, "ab科科"), "ab科");
    assert_string_equal(utf8_copy(buf, 5, "ab科科"), "ab");
    char big[64];
    assert_string_equal(utf8_clean(big, sizeof big, "A\aB\xe2\x80\xae" "C\xff\tD\xc2\x85"), "ABCD");
    assert_string_equal(utf8_clean(buf, 6, "ab科科"), "ab科");
    assert_int_equal(utf8_needs_clean("科室 A-1"), 0);
    assert_int_equal(utf8_needs_clean("a\xe2\x81\xa6" "b"), 1); /* U+2066 isolate */
}

/* Every PDF in dir passes qpdf --check; returns how many there are. */
static int check_pdfs(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "n=0; for f in '%s'/*.pdf; do qpdf --check \"$f\" >/dev/null 2>&1 || "
             "{ echo \"bad $f\" >&2; exit 1; }; n=$((n + 1)); done; echo $n",
             dir);
    FILE *p = popen(cmd, "r");
    char line[32] = "";
    int got = fgets(line, sizeof line, p) != NULL;
    int status = pclose(p);
    assert_true(got);
    assert_int_equal(status, 0);
    return atoi(line);
}

/*
 * Two databases rendering the same reports into one folder at the same
 * time, round after round: each run succeeds, every PDF is whole (qpdf),
 * and no temporary file is left. Before unique temporary files, both wrote
 * .NAME.pdf.tmp: random exit 4s and PDFs with two %%EOF.
 */
static void test_two_databases_one_folder(void **state)
{
    (void)state;
    char out[128];
    snprintf(out, sizeof out, "%s/shared/out", tmpdir); /* created by both */
    setenv("HOSPREPORT_JOBS", "1", 1);
    pid_t pids[2];
    for (int k = 0; k < 2; k++) {
        pids[k] = fork();
        assert_true(pids[k] >= 0);
        if (pids[k] == 0) {
            char name[32];
            snprintf(name, sizeof name, "race%d", k);
            sqlite3 *db = tk_fixture_db(tmpdir, name, "tests/data/render/fixture.sql");
            /* different bytes from each database: the creation dates */
            setenv("SOURCE_DATE_EPOCH", k ? "1790000000" : "1790086400", 1);
            int bad = 0;
            for (int round = 0; round < 3 && !bad; round++) {
                hr_error err;
                sqlite3_exec(db, "DELETE FROM report_run", NULL, NULL, NULL);
                int n = render(db, "tests/data/render/summary.xml", "all", "all", out, &err);
                if (n <= 0) {
                    char buf[1024];
                    fprintf(stderr, "race%d round %d: %s\n", k, round,
                            hr_error_format(&err, buf, sizeof buf));
                    bad = 1;
                }
            }
            db_close(db);
            _exit(bad);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    unsetenv("HOSPREPORT_JOBS");
    assert_true(check_pdfs(out) >= 6);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -v '\\.pdf$' | grep -vxc '\\.\\|\\.\\.\\|index\\.html'", out);
    FILE *p = popen(cmd, "r");
    char line[32] = "";
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    assert_int_equal(atoi(line), 0); /* nothing but the PDFs and the folder's index.html */
}

/* A full disk is the system's "No space left on device", naming the PDF
 * (libharu said "PDF library error 0x1066 (detail 4118)"), and leaves no
 * partial file. Needs a 16 KiB tmpfs: root and mount(8); skipped without. */
static void test_full_disk_says_so(void **state)
{
    (void)state;
    char full[128], cmd[512];
    snprintf(full, sizeof full, "%s/full", tmpdir);
    assert_int_equal(mkdir(full, 0777), 0);
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=16k tmpfs '%s' 2>/dev/null", full);
    if (geteuid() != 0 || system(cmd) != 0) {
        print_message("skipped: cannot mount a small tmpfs (not root, or no mount)\n");
        skip();
    }
    sqlite3 *db = tk_fixture_db(tmpdir, "full", "tests/data/render/fixture.sql");
    hr_error err;
    int n = render(db, "tests/data/render/summary.xml", "hospital", "en", full, &err);
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", full);
    FILE *p = popen(cmd, "r");
    char line[32] = "";
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    snprintf(cmd, sizeof cmd, "umount '%s'", full);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(n, -HR_EFAIL);
    assert_string_equal(err.message, "cannot write: No space left on device");
    char want[256];
    snprintf(want, sizeof want, "%s/monthly-2026-10-hospital.en.pdf", full);
    assert_string_equal(err.file, want);
    assert_int_equal(atoi(line), 0); /* no partial or temporary file */
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    tk_tmpdir_create(tmpdir, "test-render-safety");
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
        cmocka_unit_test(test_utf8_copy_and_clean),
        cmocka_unit_test(test_output_file_names),
        cmocka_unit_test(test_sandbox_refuses_what_is_not_a_plain_select),
        cmocka_unit_test(test_hostile_department_codes),
        cmocka_unit_test(test_two_databases_one_folder),
        cmocka_unit_test(test_full_disk_says_so),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
