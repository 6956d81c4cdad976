/*
 * test_csv.c -- the streaming CSV reader on RFC 4180's tricky cases and on
 * malformed input, including records that straddle the read buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/csv.h"
#include "pipeline/core/strbuf.h"

/* Reads all records of `text` into "a|b|c\n" lines; returns -1 on error. */
static int read_all(const char *text, size_t len, strbuf *out, hr_error *err, size_t expect)
{
    csv_reader *r = csv_open_memory(text, len, "t.csv", ',', err);
    int rc;
    if (expect)
        csv_expect_fields(r, expect);
    while ((rc = csv_next(r, err)) == 1) {
        const csv_field *f = csv_fields(r);
        sb_addf(out, "%ld:", csv_line(r));
        for (size_t i = 0; i < csv_count(r); i++) {
            if (i)
                sb_addch(out, '|');
            sb_add(out, f[i].data, f[i].len);
        }
        sb_addch(out, '\n');
    }
    csv_close(r);
    return rc;
}

static void expect_records(const char *text, const char *expected)
{
    strbuf out = STRBUF_INIT;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(read_all(text, strlen(text), &out, &err, 0), 0);
    assert_string_equal(out.buf, expected);
    sb_release(&out);
}

static void test_plain_and_crlf(void **state)
{
    (void)state;
    expect_records("a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n");
    expect_records("a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n");
}

static void test_last_line_without_newline(void **state)
{
    (void)state;
    expect_records("a,b\n1,2", "1:a|b\n2:1|2\n");
    expect_records("a,b\r\n\"x\",\"y\"", "1:a|b\n2:x|y\n");
}

static void test_quoted_fields(void **state)
{
    (void)state;
    /* delimiter, doubled quote and newline inside quotes */
    expect_records("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,1,2\n",
                   "1:a,b|say \"hi\"|two\nlines\n3:next|1|2\n");
    expect_records("\"\",x\n", "1:|x\n");
}

static void test_empty_fields(void **state)
{
    (void)state;
    expect_records(",,\n1,,3\n", "1:||\n2:1||3\n");
}

static void test_bom_and_blank_lines(void **state)
{
    (void)state;
    expect_records("\xEF\xBB\xBF" "id,name\n\n1,x\n\n", "1:id|name\n3:1|x\n");
}

static void test_utf8_content(void **state)
{
    (void)state;
    expect_records("0301,心血管内科,Cardiology\n", "1:0301|心血管内科|Cardiology\n");
}

static void expect_error(const char *text, size_t expect, long line, const char *words)
{
    strbuf out = STRBUF_INIT;
    hr_error err;
    hr_error_clear(&err);
    assert_int_equal(read_all(text, strlen(text), &out, &err, expect), -1);
    assert_int_equal(err.code, HR_EINPUT);
    assert_int_equal(err.line, line);
    assert_string_equal(err.file, "t.csv");
    assert_non_null(strstr(err.message, words));
    sb_release(&out);
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    expect_error("a,b\n1,\"open\n2,3\n", 0, 2, "unterminated");
}

static void test_wrong_field_count(void **state)
{
    (void)state;
    expect_error("a,b,c\n1,2,3\n1,2\n", 3, 3, "expected 3 fields, found 2");
    expect_error("a,b\n1,2,3\n", 2, 2, "found 3");
}

static void test_garbage_after_quote(void **state)
{
    (void)state;
    expect_error("a,b\n\"x\"y,2\n", 0, 2, "after a closing quote");
    expect_error("a,b\nx\"y,2\n", 0, 2, "quote inside an unquoted field");
}

static void test_raw_record_kept(void **state)
{
    (void)state;
    const char *text = "id,note\n7,\"a \"\"b\"\"\"\r\n";
    hr_error err;
    csv_reader *r = csv_open_memory(text, strlen(text), "t.csv", ',', &err);
    assert_int_equal(csv_next(r, &err), 1);
    assert_int_equal(csv_next(r, &err), 1);
    size_t len;
    const char *raw = csv_raw(r, &len);
    assert_int_equal(len, strlen("7,\"a \"\"b\"\"\""));
    assert_memory_equal(raw, "7,\"a \"\"b\"\"\"", len);
    assert_int_equal(csv_fields(r)[1].len, 5);
    assert_memory_equal(csv_fields(r)[1].data, "a \"b\"", 5);
    csv_close(r);
}

/* A source that hands out one byte at a time, so every record straddles a
 * read: the reader must give the same records as from memory. */
typedef struct trickle {
    const char *data;
    size_t len, pos;
} trickle;

static ssize_t read_trickle(void *ctx, char *buf, size_t cap, hr_error *err)
{
    (void)err;
    trickle *t = ctx;
    if (t->pos == t->len || cap == 0)
        return 0;
    buf[0] = t->data[t->pos++];
    return 1;
}

static void test_byte_at_a_time(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFh1,h2\r\n\"a\"\"\",\"x\r\ny\"\r\n\r\nlast,\"\"";
    trickle t = {text, strlen(text), 0};
    hr_error err;
    csv_reader *r = csv_open_source(read_trickle, &t, "t.csv", ',', &err);
    strbuf out = STRBUF_INIT;
    int rc;
    while ((rc = csv_next(r, &err)) == 1) {
        for (size_t i = 0; i < csv_count(r); i++)
            sb_addf(&out, "[%.*s]", (int)csv_fields(r)[i].len, csv_fields(r)[i].data);
        sb_addch(&out, '\n');
    }
    assert_int_equal(rc, 0);
    assert_string_equal(out.buf, "[h1][h2]\n[a\"][x\r\ny]\n[last][]\n");
    sb_release(&out);
    csv_close(r);
}

static void test_cr_only_line_ends(void **state)
{
    (void)state;
    /* Excel for Mac's "CSV (Macintosh)": lone CRs; physical line numbers. */
    expect_records("a,b\r1,2\r3,4\r", "1:a|b\n2:1|2\n3:3|4\n");
    expect_records("a,b\r\r1,2", "1:a|b\n3:1|2\n");
    /* mixed LF, CRLF and CR, and a lone CR inside quotes counts a line */
    expect_records("a,b\n1,2\r\n3,4\r\"x\ry\",5\n6,7\n",
                   "1:a|b\n2:1|2\n3:3|4\n4:x\ry|5\n6:6|7\n");
    expect_error("a,b\r1,2\r1\r", 2, 3, "expected 2 fields, found 1");
    /* a CR at a chunk's end: one byte at a time */
    const char *text = "h1,h2\r1,\"q\rr\"\r\r\n2,3\r";
    trickle t = {text, strlen(text), 0};
    hr_error err;
    csv_reader *r = csv_open_source(read_trickle, &t, "t.csv", ',', &err);
    strbuf out = STRBUF_INIT;
    int rc;
    while ((rc = csv_next(r, &err)) == 1) {
        sb_addf(&out, "%ld:", csv_line(r));
        for (size_t i = 0; i < csv_count(r); i++)
            sb_addf(&out, "[%.*s]", (int)csv_fields(r)[i].len, csv_fields(r)[i].data);
        sb_addch(&out, '\n');
    }
    assert_int_equal(rc, 0);
    assert_string_equal(out.buf, "1:[h1][h2]\n2:[1][q\rr]\n5:[2][3]\n");
    sb_release(&out);
    csv_close(r);
}

static void test_nul_byte_refused(void **state)
{
    (void)state;
    hr_error err;
    hr_error_clear(&err);
    static const char text[] = "code,fee\nD01,1\nD0\0" "1,11\n";
    strbuf out = STRBUF_INIT;
    assert_int_equal(read_all(text, sizeof text - 1, &out, &err, 0), -1);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.field, "field 1");
    assert_non_null(strstr(err.message, "NUL byte"));
    sb_release(&out);
    /* With the header as column names, the message names the column. */
    static const char num[] = "code,fee\nD01,1\0" "1\n";
    csv_reader *r = csv_open_memory(num, sizeof num - 1, "t.csv", ',', &err);
    assert_int_equal(csv_next(r, &err), 1);
    csv_name_columns(r);
    assert_int_equal(csv_next(r, &err), -1);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.field, "fee");
    assert_non_null(strstr(err.message, "NUL byte (\\0) in fee"));
    csv_close(r);
    /* in quotes, after a line break inside them */
    static const char quoted[] = "a,b\n1,\"x\ny\0\"\n";
    assert_int_equal(read_all(quoted, sizeof quoted - 1, &out, &err, 0), -1);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.field, "field 2");
    sb_release(&out);
}

/* An endless source of one byte: /dev/zero, or an endless field. */
static ssize_t read_endless(void *ctx, char *buf, size_t cap, hr_error *err)
{
    (void)err;
    memset(buf, *(const char *)ctx, cap);
    return (ssize_t)cap;
}

static void test_limits(void **state)
{
    (void)state;
    hr_error err;
    char zero = '\0', x = 'x';
    csv_reader *r = csv_open_source(read_endless, &zero, "zero.csv", ',', &err);
    assert_int_equal(csv_next(r, &err), -1);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.message, "NUL byte"));
    csv_close(r);
    r = csv_open_source(read_endless, &x, "x.csv", ',', &err);
    assert_int_equal(csv_next(r, &err), -1);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.message, "longer than the limit of 1048576 bytes"));
    csv_close(r);
    /* configurable; a field just at the limit is fine */
    const char *text = "a,b\n12345,\"123456\"\n";
    r = csv_open_memory(text, strlen(text), "t.csv", ',', &err);
    csv_set_limits(r, 5, 0);
    assert_int_equal(csv_next(r, &err), 1);
    assert_int_equal(csv_next(r, &err), -1);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.field, "field 2");
    assert_non_null(strstr(err.message, "limit of 5 bytes"));
    csv_close(r);
    /* a record of many short fields: the record limit */
    strbuf big = STRBUF_INIT;
    sb_addstr(&big, "a\n");
    for (int i = 0; i < 400000; i++)
        sb_addstr(&big, "12345678,");
    sb_addstr(&big, "\n");
    r = csv_open_memory(big.buf, big.len, "t.csv", ',', &err);
    csv_set_limits(r, 0, 2u << 20);
    assert_int_equal(csv_next(r, &err), 1);
    assert_int_equal(csv_next(r, &err), -1);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "record longer than the limit of 2097152 bytes"));
    csv_close(r);
    sb_release(&big);
}

static void test_large_file_streams(void **state)
{
    (void)state;
    /* 200,000 records (~3 MB) cross many 1 MiB buffer refills. */
    strbuf text = STRBUF_INIT;
    sb_addstr(&text, "id,value,note\n");
    for (int i = 0; i < 200000; i++)
        sb_addf(&text, "%d,%d.%02d,\"n,%d\"\n", i, i, i % 100, i);
    hr_error err;
    csv_reader *r = csv_open_memory(text.buf, text.len, "big.csv", ',', &err);
    csv_expect_fields(r, 3);
    long n = 0;
    int rc;
    while ((rc = csv_next(r, &err)) == 1)
        n++;
    assert_int_equal(rc, 0);
    assert_int_equal(n, 200001);
    assert_int_equal(csv_line(r), 200001);
    csv_close(r);
    sb_release(&text);
}

static void test_missing_file(void **state)
{
    (void)state;
    hr_error err;
    hr_error_clear(&err);
    assert_null(csv_open_file("/nonexistent/x.csv", ',', &err));
    assert_int_equal(err.code, HR_EINPUT);
    assert_string_equal(err.file, "/nonexistent/x.csv");
}

/* Writing: quoted only when needed, quotes doubled, NULL empty. */
static void test_write_fields(void **state)
{
    (void)state;
    strbuf sb = STRBUF_INIT;
    csv_add_field(&sb, "门诊");
    sb_addch(&sb, ',');
    csv_add_field(&sb, "D2, senior");
    sb_addch(&sb, ',');
    csv_add_field(&sb, "say \"hi\"");
    sb_addch(&sb, ',');
    csv_add_field(&sb, NULL);
    sb_addch(&sb, ',');
    csv_add_field(&sb, "two\nlines");
    assert_string_equal(sb.buf, "门诊,\"D2, senior\",\"say \"\"hi\"\"\",,\"two\nlines\"");
    sb_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_crlf), cmocka_unit_test(test_write_fields),      cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_quoted_fields),       cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_bom_and_blank_lines), cmocka_unit_test(test_utf8_content),
        cmocka_unit_test(test_unterminated_quote),  cmocka_unit_test(test_wrong_field_count),
        cmocka_unit_test(test_garbage_after_quote), cmocka_unit_test(test_raw_record_kept),
        cmocka_unit_test(test_byte_at_a_time),      cmocka_unit_test(test_large_file_streams),
        cmocka_unit_test(test_missing_file),        cmocka_unit_test(test_cr_only_line_ends),
        cmocka_unit_test(test_nul_byte_refused),    cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
