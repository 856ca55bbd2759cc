/* db/pgarray.c: PostgreSQL text[] literals. */
#include <stdlib.h>

#include "db/pgarray.h"
#include "suites.h"

static void assert_array(const char *const *items, size_t n, const char *want)
{
    char *got = lr_pg_text_array(items, n);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(test_plain)
{
    assert_array(NULL, 0, "{}");
    const char *one[] = {"acme.io"};
    assert_array(one, 1, "{\"acme.io\"}");
    const char *two[] = {"a", "b c"};
    assert_array(two, 2, "{\"a\",\"b c\"}");
    const char *empty[] = {""};
    assert_array(empty, 1, "{\"\"}");
    const char *braces[] = {"{x}", "a,b"};
    assert_array(braces, 2, "{\"{x}\",\"a,b\"}");
}
END_TEST

START_TEST(test_escaping)
{
    const char *q[] = {"say \"hi\""};
    assert_array(q, 1, "{\"say \\\"hi\\\"\"}");
    const char *b[] = {"back\\slash"};
    assert_array(b, 1, "{\"back\\\\slash\"}");
    const char *all[] = {"\"", "\\", "\\\"\\"};
    assert_array(all, 3, "{\"\\\"\",\"\\\\\",\"\\\\\\\"\\\\\"}");
}
END_TEST

START_TEST(test_nulls)
{
    const char *items[] = {NULL, "x", NULL};
    assert_array(items, 3, "{NULL,\"x\",NULL}");
    /* The string "NULL" is quoted, so it stays a string. */
    const char *word[] = {"NULL", NULL};
    assert_array(word, 2, "{\"NULL\",NULL}");
    const char *only[] = {NULL};
    assert_array(only, 1, "{NULL}");
}
END_TEST

Suite *pgarray_suite(void)
{
    Suite *s = suite_create("db/pgarray");
    TCase *tc = tcase_create("pgarray");
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_nulls);
    suite_add_tcase(s, tc);
    return s;
}
