/* util/strset.c: duplicate detection for bulk loads. */
#include <stdio.h>

#include "util/strset.h"
#include "suites.h"

START_TEST(test_add_and_duplicates)
{
    struct lr_strset s;
    lr_strset_init(&s);
    ck_assert_uint_eq(s.count, 0);
    ck_assert_int_eq(lr_strset_add(&s, "acme.io"), 1);
    ck_assert_int_eq(lr_strset_add(&s, "beta.com"), 1);
    ck_assert_int_eq(lr_strset_add(&s, "acme.io"), 0);
    ck_assert_int_eq(lr_strset_add(&s, "ACME.IO"), 1); /* exact bytes, no folding */
    ck_assert_int_eq(lr_strset_add(&s, ""), 1);
    ck_assert_int_eq(lr_strset_add(&s, ""), 0);
    ck_assert_uint_eq(s.count, 4);
    lr_strset_free(&s);
    ck_assert_uint_eq(s.count, 0);
    ck_assert_ptr_null(s.slots);
    lr_strset_free(&s); /* freeing twice is harmless */
}
END_TEST

START_TEST(test_keys_are_copied)
{
    struct lr_strset s;
    lr_strset_init(&s);
    char buf[16];
    snprintf(buf, sizeof buf, "key");
    ck_assert_int_eq(lr_strset_add(&s, buf), 1);
    snprintf(buf, sizeof buf, "other");
    ck_assert_int_eq(lr_strset_add(&s, "key"), 0);
    ck_assert_int_eq(lr_strset_add(&s, buf), 1);
    lr_strset_free(&s);
}
END_TEST

START_TEST(test_growth)
{
    struct lr_strset s;
    lr_strset_init(&s);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "d%d.example.com", i);
        ck_assert_int_eq(lr_strset_add(&s, key), 1);
    }
    ck_assert_uint_eq(s.count, 5000);
    ck_assert_uint_ge(s.cap, 2 * s.count); /* load factor stays at most one half */
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "d%d.example.com", i);
        ck_assert_int_eq(lr_strset_add(&s, key), 0);
    }
    ck_assert_uint_eq(s.count, 5000);
    lr_strset_free(&s);
}
END_TEST

Suite *strset_suite(void)
{
    Suite *s = suite_create("util/strset");
    TCase *tc = tcase_create("strset");
    tcase_add_test(tc, test_add_and_duplicates);
    tcase_add_test(tc, test_keys_are_copied);
    tcase_add_test(tc, test_growth);
    suite_add_tcase(s, tc);
    return s;
}
