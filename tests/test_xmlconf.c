/*
 * test_xmlconf.c -- configuration XML: read safely, checked against a W3C
 * XML Schema or a RELAX NG grammar, errors with file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/xmlconf.h"
#include "tests/support/testkit.h"

#define D "tests/data/xmlconf/"

static void test_valid_documents(void **state)
{
    (void)state;
    hr_error err;
    hr_error_clear(&err);
    xmlDoc *doc = xmlconf_load(D "good.xml", D "fruit.xsd", HR_EFAIL, &err);
    assert_non_null(doc);
    assert_string_equal((const char *)xmlDocGetRootElement(doc)->name, "basket");
    xmlFreeDoc(doc);
    doc = xmlconf_load(D "good.xml", D "fruit.rng", HR_EFAIL, &err);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    doc = xmlconf_load(D "good.xml", NULL, HR_EFAIL, &err);
    assert_non_null(doc);
    xmlFreeDoc(doc);
}

static void expect_error(const char *file, const char *schema, int code, long line,
                         const char *words)
{
    hr_error err;
    hr_error_clear(&err);
    assert_null(xmlconf_load(file, schema, code, &err));
    assert_int_equal(err.code, code);
    assert_string_equal(err.file, file);
    assert_int_equal(err.line, line);
    if (!strstr(err.message, words))
        fail_msg("'%s' not in '%s'", words, err.message);
}

static void test_schema_violation_names_the_line(void **state)
{
    (void)state;
    expect_error(D "invalid.xml", D "fruit.xsd", HR_EINPUT, 4, "does not match");
    expect_error(D "invalid.xml", D "fruit.xsd", HR_EINPUT, 4, "none");
    expect_error(D "invalid.xml", D "fruit.rng", HR_EFAIL, 4, "does not match");
}

static void test_broken_xml_names_the_line(void **state)
{
    (void)state;
    expect_error(D "broken.xml", D "fruit.xsd", HR_EINPUT, 4, "mismatch");
    expect_error(D "missing.xml", NULL, HR_EINPUT, 0, "cannot read: No such file");
}

static void test_entities_are_refused(void **state)
{
    (void)state;
    expect_error(D "entity.xml", NULL, HR_EINPUT, 2, "declares entities");
    /* the line where the DOCTYPE begins, not the one before the root (10) */
    expect_error(D "entity-long.xml", NULL, HR_EINPUT, 2, "declares entities");
}

static void test_not_a_regular_file(void **state)
{
    (void)state;
    char dir[64], fifo[128];
    tk_tmpdir_create(dir, "test-xmlconf");
    snprintf(fifo, sizeof fifo, "%s/fifo.xml", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_error(fifo, NULL, HR_EINPUT, 0, "not a regular file (a FIFO)");
    tk_tmpdir_remove(dir);
    expect_error("/dev/null", NULL, HR_EFAIL, 0, "not a regular file (a character device)");
}

static void test_schema_beside(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(xmlconf_schema_beside("/opt/hr/config/rules/reconcile.xml",
                                              "reconcile.xsd", buf, sizeof buf),
                        "/opt/hr/config/schema/reconcile.xsd");
    assert_string_equal(xmlconf_schema_beside("rules/x.xml", "x.xsd", buf, sizeof buf),
                        "schema/x.xsd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_schema_violation_names_the_line),
        cmocka_unit_test(test_broken_xml_names_the_line),
        cmocka_unit_test(test_entities_are_refused),
        cmocka_unit_test(test_not_a_regular_file),
        cmocka_unit_test(test_schema_beside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
