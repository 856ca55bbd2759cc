/* util/utf8.c: the header text checks and the sanitising of text that is not UTF-8. */
#include <string.h>

#include "util/utf8.h"
#include "suites.h"

/* --- header text ------------------------------------------------------------------- */

START_TEST(test_utf8_printable)
{
    ck_assert(lr_utf8_printable("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1, 255));
    ck_assert(lr_utf8_printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 1, 255));
    ck_assert(!lr_utf8_printable("", 1, 255));
    ck_assert(!lr_utf8_printable("\xff\xfe", 1, 255));         /* not UTF-8 */
    ck_assert(!lr_utf8_printable("abc\xc3", 1, 255));          /* cut short */
    ck_assert(!lr_utf8_printable("\xc3\x28", 1, 255));         /* bad continuation */
    ck_assert(!lr_utf8_printable("\xc0\xaf", 1, 255));         /* overlong '/' */
    ck_assert(!lr_utf8_printable("\xed\xa0\x80", 1, 255));     /* a surrogate */
    ck_assert(!lr_utf8_printable("\xf4\x90\x80\x80", 1, 255)); /* past U+10FFFF */
    ck_assert(!lr_utf8_printable("\x80", 1, 255));             /* lone continuation */
    ck_assert(!lr_utf8_printable("a\tb", 1, 255));
    ck_assert(!lr_utf8_printable("a\x01b", 1, 255));
    ck_assert(!lr_utf8_printable("a\x7f", 1, 255));
    ck_assert(!lr_utf8_printable("a\xc2\x85", 1, 255)); /* C1 NEL */
    /* Characters are counted, not bytes. */
    char s[2 * 256 + 1];
    for (int i = 0; i < 255; i++)
        memcpy(s + 2 * i, "\xc3\xa9", 2);
    s[2 * 255] = '\0';
    ck_assert(lr_utf8_printable(s, 1, 255));
    memcpy(s + 2 * 255, "\xc3\xa9", 2);
    s[2 * 256] = '\0';
    ck_assert(!lr_utf8_printable(s, 1, 255));
    ck_assert(!lr_utf8_printable("ab", 3, 255));
}
END_TEST

START_TEST(test_utf8_sanitize)
{
    char cut[] = "caf\xc3"; /* a name cut short mid-character */
    ck_assert_uint_eq(lr_utf8_sanitize(cut), 1);
    ck_assert_str_eq(cut, "caf?");
    char latin1[] = "caf\xe9 \xff";
    ck_assert_uint_eq(lr_utf8_sanitize(latin1), 2);
    ck_assert_str_eq(latin1, "caf? ?");
    char fine[] = "caf\xc3\xa9 \xf0\x9f\x98\x80";
    ck_assert_uint_eq(lr_utf8_sanitize(fine), 0);
    ck_assert_str_eq(fine, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    char surrogate[] = "\xed\xa0\x80";
    ck_assert_uint_eq(lr_utf8_sanitize(surrogate), 3);
    ck_assert(lr_utf8_printable(surrogate, 1, 10));
}
END_TEST

Suite *utf8_suite(void)
{
    Suite *s = suite_create("util/utf8");
    TCase *tc = tcase_create("input limits");
    tcase_add_test(tc, test_utf8_printable);
    tcase_add_test(tc, test_utf8_sanitize);
    suite_add_tcase(s, tc);
    return s;
}
