/* util/json_array.c: framing the elements of a JSON array read from a FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "util/json_array.h"

/* Every element of text, read chunk bytes at a time, as "<elem>;" each, then "END",
 * "TOO_LARGE;" for a skipped element, or "MALFORMED(why)" / "NOT_ARRAY". */
static const char *scan(const char *text, size_t chunk, size_t max_element)
{
    static char out[4096];
    size_t n = 0;
    out[0] = '\0';
    FILE *f = text[0] ? fmemopen((void *)text, strlen(text), "r") : NULL;
    struct lr_jarr a;
    ck_assert_int_eq(lr_jarr_init(&a, f, chunk, max_element), 0);
    for (;;) {
        const char *e;
        size_t len;
        enum lr_jarr_rc rc = lr_jarr_next(&a, &e, &len);
        if (rc == LR_JARR_ELEMENT) {
            n += (size_t)snprintf(out + n, sizeof out - n, "%.*s;", (int)len, e);
            continue;
        }
        if (rc == LR_JARR_TOO_LARGE) {
            n += (size_t)snprintf(out + n, sizeof out - n, "TOO_LARGE;");
            continue;
        }
        ck_assert_int_ne(rc, LR_JARR_FAILED);
        snprintf(out + n, sizeof out - n, "%s%s%s",
                 rc == LR_JARR_END         ? "END"
                 : rc == LR_JARR_NOT_ARRAY ? "NOT_ARRAY"
                                           : "MALFORMED(",
                 rc == LR_JARR_MALFORMED ? a.error : "", rc == LR_JARR_MALFORMED ? ")" : "");
        /* the reader stays finished */
        ck_assert_int_eq(lr_jarr_next(&a, &e, &len) == rc || rc == LR_JARR_NOT_ARRAY, 1);
        break;
    }
    lr_jarr_free(&a);
    if (f != NULL)
        fclose(f);
    return out;
}

static const char *scan1(const char *text)
{
    const char *first = scan(text, 0, 1 << 16);
    static char copy[4096];
    snprintf(copy, sizeof copy, "%s", first);
    /* one byte at a time gives the same answer */
    ck_assert_str_eq(scan(text, 1, 1 << 16), copy);
    ck_assert_str_eq(scan(text, 3, 1 << 16), copy);
    return copy;
}

START_TEST(test_empty_and_scalars)
{
    ck_assert_str_eq(scan1("[]"), "END");
    ck_assert_str_eq(scan1(" \r\n\t[ \n ] \n"), "END");
    ck_assert_str_eq(scan1("[1,2.50 , -3e2,true,null,\"x\"]"), "1;2.50;-3e2;true;null;\"x\";END");
}
END_TEST

START_TEST(test_nested_objects_and_strings)
{
    ck_assert_str_eq(scan1("[{\"a\":{\"b\":[1,{\"c\":2}]}},{}]"),
                     "{\"a\":{\"b\":[1,{\"c\":2}]}};{};END");
    /* brackets, commas and escaped quotes inside strings are data */
    ck_assert_str_eq(scan1("[{\"d\":\"a],[}{\\\"x\\\\\"}, \"]\\\\\" ]"),
                     "{\"d\":\"a],[}{\\\"x\\\\\"};\"]\\\\\";END");
    ck_assert_str_eq(scan1("[ { \"k\" : [ ] } ,\n\t{ \"k\" : \"v\" }\n]"),
                     "{ \"k\" : [ ] };{ \"k\" : \"v\" };END");
}
END_TEST

START_TEST(test_malformed)
{
    ck_assert_str_eq(scan1(""), "MALFORMED(the body is empty)");
    ck_assert_str_eq(scan1("   "), "MALFORMED(the body is empty)");
    ck_assert_str_eq(scan1("[1,2"), "1;MALFORMED(the array is not closed)");
    ck_assert_str_eq(scan1("[{\"a\":1}"), "MALFORMED(the array is not closed)");
    ck_assert_str_eq(scan1("[{\"a\":\"]}"), "MALFORMED(the array is not closed)");
    ck_assert_str_eq(scan1("[1,]"), "1;MALFORMED(a comma before the closing bracket)");
    ck_assert_str_eq(scan1("[,1]"), "MALFORMED(a value is missing)");
    ck_assert_str_eq(scan1("[1,,2]"), "1;MALFORMED(a value is missing)");
    ck_assert_str_eq(scan1("[1 2]"), "MALFORMED(two values without a comma between them)");
    ck_assert_str_eq(scan1("[{} {}]"), "MALFORMED(two values without a comma between them)");
    ck_assert_str_eq(scan1("[}]"), "MALFORMED(a closing bracket without an opening one)");
    ck_assert_str_eq(scan1("x"), "MALFORMED(the body does not start with a JSON value)");
    ck_assert_str_eq(scan1("\xEF\xBB\xBF[]"),
                     "MALFORMED(the body does not start with a JSON value)");
}
END_TEST

START_TEST(test_trailing_garbage)
{
    ck_assert_str_eq(scan1("[1] x"), "1;MALFORMED(text after the closing bracket)");
    ck_assert_str_eq(scan1("[][]"), "MALFORMED(text after the closing bracket)");
    ck_assert_str_eq(scan1("[{}]\n\n "), "{};END");
}
END_TEST

START_TEST(test_not_an_array)
{
    ck_assert_str_eq(scan1("{\"domain\":\"a.io\"}"), "NOT_ARRAY");
    ck_assert_str_eq(scan1(" 12"), "NOT_ARRAY");
    ck_assert_str_eq(scan1("\"s\""), "NOT_ARRAY");
}
END_TEST

START_TEST(test_element_limit)
{
    /* an element over the limit is skipped and reading goes on */
    ck_assert_str_eq(scan("[{\"a\":\"0123456789\"},{\"b\":1}, 12345678901234567890]", 4, 10),
                     "TOO_LARGE;{\"b\":1};TOO_LARGE;END");
    ck_assert_str_eq(scan("[\"0123456\"]", 2, 9), "\"0123456\";END");
}
END_TEST

START_TEST(test_many_elements_bounded_memory)
{
    /* 100,000 elements: the element buffer stays the size of one element */
    size_t n = 100000, cap = n * 16 + 16, len = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    text[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s{\"i\":%zu}", i ? "," : "", i);
    text[len++] = ']';
    FILE *f = fmemopen(text, len, "r");
    struct lr_jarr a;
    ck_assert_int_eq(lr_jarr_init(&a, f, 0, 1 << 16), 0);
    const char *e;
    size_t elen, count = 0;
    while (lr_jarr_next(&a, &e, &elen) == LR_JARR_ELEMENT)
        count++;
    ck_assert_uint_eq(count, n);
    ck_assert_uint_le(a.cap, 256);
    lr_jarr_free(&a);
    fclose(f);
    free(text);
}
END_TEST

Suite *json_array_suite(void)
{
    Suite *s = suite_create("util/json_array");
    TCase *tc = tcase_create("json_array");
    tcase_add_test(tc, test_empty_and_scalars);
    tcase_add_test(tc, test_nested_objects_and_strings);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_trailing_garbage);
    tcase_add_test(tc, test_not_an_array);
    tcase_add_test(tc, test_element_limit);
    tcase_add_test(tc, test_many_elements_bounded_memory);
    suite_add_tcase(s, tc);
    return s;
}
