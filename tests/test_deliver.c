/*
 * test_deliver.c -- the MIME pieces deliver's messages are made of: base64
 * (RFC 4648's vectors), RFC 2047 encoded-words for Chinese header text
 * (whole characters per word, at most 75 characters each), RFC 2231 file
 * names, and a whole message's structure. Expected values worked out by
 * hand: 运 is E8 BF 90, 营 E8 90 A5, so "运营" is base64 "6L+Q6JCl".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/strbuf.h"
#include "stages/deliver/mime.h"

static const char *b64(const char *text, int wrap)
{
    static strbuf sb = STRBUF_INIT;
    sb_reset(&sb);
    mime_base64(&sb, text, strlen(text), wrap);
    return sb.buf;
}

static void test_base64_vectors(void **state)
{
    (void)state;
    assert_string_equal(b64("", 0), "");
    assert_string_equal(b64("f", 0), "Zg==");
    assert_string_equal(b64("fo", 0), "Zm8=");
    assert_string_equal(b64("foo", 0), "Zm9v");
    assert_string_equal(b64("foob", 0), "Zm9vYg==");
    assert_string_equal(b64("fooba", 0), "Zm9vYmE=");
    assert_string_equal(b64("foobar", 0), "Zm9vYmFy");
    /* wrapped: a line end after every 8 characters and at the end */
    assert_string_equal(b64("foobarfoobar", 8), "Zm9vYmFy\nZm9vYmFy\n");
    assert_string_equal(b64("foobarfoo", 8), "Zm9vYmFy\nZm9v\n");
}

static const char *header(const char *text)
{
    static strbuf sb = STRBUF_INIT;
    sb_reset(&sb);
    mime_header_text(&sb, text);
    return sb.buf;
}

static void test_header_words(void **state)
{
    (void)state;
    assert_string_equal(header("Operations reports 2026-10"), "Operations reports 2026-10");
    assert_string_equal(header("运营"), "=?UTF-8?B?6L+Q6JCl?=");
    /* specials are encoded too, so a name cannot break an address header */
    assert_string_equal(header("a<b"), "=?UTF-8?B?YTxi?=");
    /* 16 characters of 3 bytes: 15 (45 bytes) in the first word, 1 in the second */
    const char *sixteen = "运营运营运营运营运营运营运营运营";
    const char *h = header(sixteen);
    const char *fold = strstr(h, "?=\n =?UTF-8?B?");
    assert_non_null(fold);
    assert_null(strstr(fold + 3, "\n ")); /* two words */
    assert_true(fold + 2 - h <= 75);
    /* the second word holds exactly the last 营 (E8 90 A5 = "6JCl") */
    assert_string_equal(fold + 4, "=?UTF-8?B?6JCl?=");
}

static void test_param_2231(void **state)
{
    (void)state;
    strbuf sb = STRBUF_INIT;
    mime_param_2231(&sb, "心 a.pdf");
    assert_string_equal(sb.buf, "UTF-8''%E5%BF%83%20a.pdf");
    sb_release(&sb);
}

static void test_message(void **state)
{
    (void)state;
    mime_attachment att[] = {{"运营.pdf", "application/pdf", "foobar", 6}};
    mime_message m = {"ops@h.example", "运营", "a@h.example", NULL, "运营 report", "运营\n",
                      "Tue, 01 Dec 2026 00:00:00 +0000", "abc123@h.example", att, 1};
    strbuf sb = STRBUF_INIT;
    mime_build(&sb, &m);
    const char *s = sb.buf;
    assert_non_null(strstr(s, "From: =?UTF-8?B?6L+Q6JCl?= <ops@h.example>\n"));
    assert_non_null(strstr(s, "To: a@h.example\n"));
    assert_non_null(strstr(s, "Subject: =?UTF-8?B?6L+Q6JClIHJlcG9ydA==?=\n"));
    assert_non_null(strstr(s, "Message-ID: <abc123@h.example>\nMIME-Version: 1.0\n"));
    assert_non_null(strstr(s, "Content-Type: multipart/mixed; boundary=\"=_hospreport_abc123\"\n"));
    /* the text part: "运营\n" = E8 BF 90 E8 90 A5 0A */
    assert_non_null(strstr(s, "Content-Transfer-Encoding: base64\n\n6L+Q6JClCg==\n"));
    assert_non_null(strstr(s, " name=\"=?UTF-8?B?6L+Q6JClLnBkZg==?=\"\n"));
    assert_non_null(strstr(s, " filename*=UTF-8''%E8%BF%90%E8%90%A5.pdf\n"));
    assert_non_null(strstr(s, "Content-Transfer-Encoding: base64\n\nZm9vYmFy\n"));
    /* two parts, then the closing boundary, nothing after it */
    const char *close = strstr(s, "\n--=_hospreport_abc123--\n");
    assert_non_null(close);
    assert_int_equal(strlen(close), strlen("\n--=_hospreport_abc123--\n"));
    int parts = 0;
    for (const char *p = s; (p = strstr(p, "\n--=_hospreport_abc123\n")); p++)
        parts++;
    assert_int_equal(parts, 2);
    sb_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_vectors),
        cmocka_unit_test(test_header_words),
        cmocka_unit_test(test_param_2231),
        cmocka_unit_test(test_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
