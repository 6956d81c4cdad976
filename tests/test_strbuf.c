/*
 * test_strbuf.c -- the string buffer and the fixed-buffer printf that cuts
 * visibly (pipeline/core/strbuf.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/strbuf.h"

static void test_strbuf(void **state)
{
    (void)state;
    strbuf sb = STRBUF_INIT;
    assert_string_equal(sb.buf, "");
    for (int i = 0; i < 1000; i++)
        sb_addf(&sb, "%d,", i);
    assert_int_equal(sb.len, strlen(sb.buf));
    assert_memory_equal(sb.buf, "0,1,2,", 6);
    sb_reset(&sb);
    sb_addstr(&sb, "  门诊 \n");
    sb_trim(&sb);
    assert_string_equal(sb.buf, "门诊");
    sb_add(&sb, "\0x", 2);
    assert_int_equal(sb.len, strlen("门诊") + 2);
    size_t len;
    char *p = sb_detach(&sb, &len);
    assert_int_equal(len, strlen("门诊") + 2);
    assert_int_equal(sb.len, 0);
    free(p);
    sb_release(&sb);
}

/* A message that does not fit is cut visibly, on a character boundary. */
static void test_buf_printf(void **state)
{
    (void)state;
    char buf[12];
    assert_int_equal(buf_printf(buf, sizeof buf, "%s-%d", "ab", 7), 0);
    assert_string_equal(buf, "ab-7");
    assert_int_equal(buf_printf(buf, sizeof buf, "%s", "abcdefghijk"), 0); /* 11 + NUL fits */
    assert_string_equal(buf, "abcdefghijk");
    assert_int_equal(buf_printf(buf, sizeof buf, "%s", "abcdefghijkl"), -1);
    assert_string_equal(buf, "abcdefgh\xE2\x80\xA6"); /* 8 bytes + "…" */
    /* 门 诊 are 3 bytes each: "门诊人" (9) + "…" would not fit in 11, so the
     * cut falls before 人, not inside it */
    assert_int_equal(buf_printf(buf, sizeof buf, "%s", "门诊人次"), -1);
    assert_string_equal(buf, "门诊\xE2\x80\xA6");
    assert_int_equal(buf_printf(buf, sizeof buf, "x%s", "门诊人次"), -1);
    assert_string_equal(buf, "x门诊\xE2\x80\xA6");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_buf_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
