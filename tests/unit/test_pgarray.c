/* db/pgarray.c: PostgreSQL text[] literals and binary jsonb[] parameters. */
#include <stdint.h>
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

/* The binary jsonb[] that array_recv takes, byte for byte. */
START_TEST(test_jsonb_binary)
{
    const char *items[] = {"{\"a\":1}", NULL, "[]"};
    int len = -1;
    char *b = lr_pg_jsonb_array_binary(items, 3, &len);
    ck_assert_ptr_nonnull(b);
    static const unsigned char want[] = {0,   0,   0,    1,    /* one dimension */
                                         0,   0,   0,    1,    /* has NULLs */
                                         0,   0,   0x0e, 0xda, /* jsonb, 3802 */
                                         0,   0,   0,    3,    /* three elements */
                                         0,   0,   0,    1,    /* lower bound 1 */
                                         0,   0,   0,    8,    1,    '{',  '"',  'a',
                                         '"', ':', '1',  '}',  0xff, 0xff, 0xff, 0xff, /* NULL */
                                         0,   0,   0,    3,    1,    '[',  ']'};
    ck_assert_int_eq(len, (int)sizeof want);
    ck_assert_mem_eq(b, want, sizeof want);
    free(b);

    b = lr_pg_jsonb_array_binary(items, 0, &len); /* empty: no NULLs, no elements */
    static const unsigned char empty[] = {0,    0,    0, 1, 0, 0, 0, 0, 0, 0,
                                          0x0e, 0xda, 0, 0, 0, 0, 0, 0, 0, 1};
    ck_assert_int_eq(len, (int)sizeof empty);
    ck_assert_mem_eq(b, empty, sizeof empty);
    free(b);
}
END_TEST

START_TEST(test_id_array)
{
    char *got = lr_pg_id_array(NULL, 0);
    ck_assert_str_eq(got, "{}");
    free(got);
    const int64_t ids[] = {1, 42, INT64_MAX};
    got = lr_pg_id_array(ids, 3);
    ck_assert_str_eq(got, "{1,42,9223372036854775807}");
    free(got);
}
END_TEST

START_TEST(test_id_array_parse)
{
    int64_t *ids = NULL;
    size_t n = 7;
    ck_assert(lr_pg_id_array_parse("{}", &ids, &n));
    ck_assert_uint_eq(n, 0);
    free(ids);
    ck_assert(lr_pg_id_array_parse("{5,9223372036854775807,12}", &ids, &n));
    ck_assert_uint_eq(n, 3);
    ck_assert(ids[0] == 5 && ids[1] == INT64_MAX && ids[2] == 12);
    free(ids);
    /* Anything but positive bigints: nothing, and nothing to free. */
    const char *bad[] = {NULL,    "",      "{",      "5",     "{5",   "{,5}",
                         "{0}",   "{-3}",  "{NULL}", "{{1}}", "{1} ", "{9223372036854775808}",
                         "{1;2}", "{1,2}x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ids = (int64_t *)&n;
        n = 7;
        ck_assert_msg(!lr_pg_id_array_parse(bad[i], &ids, &n), "%s", bad[i] ? bad[i] : "NULL");
        ck_assert_ptr_null(ids);
        ck_assert_uint_eq(n, 0);
    }
}
END_TEST

Suite *pgarray_suite(void)
{
    Suite *s = suite_create("db/pgarray");
    TCase *tc = tcase_create("pgarray");
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_nulls);
    tcase_add_test(tc, test_jsonb_binary);
    tcase_add_test(tc, test_id_array);
    tcase_add_test(tc, test_id_array_parse);
    suite_add_tcase(s, tc);
    return s;
}
