/* util/buf.c: the growable byte buffer. */
#include <string.h>

#include "util/buf.h"
#include "suites.h"

START_TEST(test_append_and_grow)
{
    struct lr_buf b = {0};
    lr_buf_puts(&b, "");
    ck_assert_ptr_nonnull(b.data);
    ck_assert_str_eq(b.data, "");
    lr_buf_puts(&b, "hello");
    lr_buf_append(&b, ", world!!", 7);
    ck_assert_uint_eq(b.len, 12);
    ck_assert_str_eq(b.data, "hello, world");
    /* Embedded NULs are data; the buffer stays NUL-terminated after them. */
    lr_buf_append(&b, "a\0b", 3);
    ck_assert_uint_eq(b.len, 15);
    ck_assert_mem_eq(b.data + 12, "a\0b\0", 4);
    for (int i = 0; i < 1000; i++)
        lr_buf_puts(&b, "0123456789");
    ck_assert_uint_eq(b.len, 10015);
    ck_assert_uint_gt(b.cap, b.len);
    ck_assert_int_eq(b.data[b.len], '\0');
    ck_assert_mem_eq(b.data + 10005, "0123456789", 10);
    ck_assert_int_eq(b.failed, 0);
    lr_buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    lr_buf_free(&b);
}
END_TEST

START_TEST(test_failed_buffer_ignores_appends)
{
    struct lr_buf b = {0};
    b.failed = 1;
    lr_buf_puts(&b, "x");
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    lr_buf_free(&b);
}
END_TEST

Suite *buf_suite(void)
{
    Suite *s = suite_create("util/buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, test_append_and_grow);
    tcase_add_test(tc, test_failed_buffer_ignores_appends);
    suite_add_tcase(s, tc);
    return s;
}
