/* util/strmap.c: the routing cache's map from domains to rows. */
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "util/strmap.h"

START_TEST(test_empty_map_finds_nothing)
{
    struct lr_strmap m = {0};
    uint32_t v = 7;
    ck_assert(!lr_strmap_get(&m, "acme.io", &v));
    ck_assert(!lr_strmap_get(&m, "", &v));
    ck_assert_uint_eq(v, 7);
    lr_strmap_clear(&m);
    ck_assert_uint_eq(m.n, 0);
}
END_TEST

START_TEST(test_put_get_replace)
{
    struct lr_strmap m = {0};
    ck_assert_int_eq(lr_strmap_put(&m, "acme.io", 1), 0);
    ck_assert_int_eq(lr_strmap_put(&m, "", 0), 0);
    ck_assert_int_eq(lr_strmap_put(&m, "acme.io", UINT32_MAX), 0);
    ck_assert_uint_eq(m.n, 2);
    uint32_t v = 0;
    ck_assert(lr_strmap_get(&m, "acme.io", &v));
    ck_assert_uint_eq(v, UINT32_MAX);
    ck_assert(lr_strmap_get(&m, "", &v));
    ck_assert_uint_eq(v, 0);
    /* a prefix, a longer key and another case are other keys */
    ck_assert(!lr_strmap_get(&m, "acme.i", &v));
    ck_assert(!lr_strmap_get(&m, "acme.io.", &v));
    ck_assert(!lr_strmap_get(&m, "ACME.io", &v));
    lr_strmap_clear(&m);
    ck_assert(!lr_strmap_get(&m, "acme.io", &v));
}
END_TEST

/* Many keys: the table grows past several doublings and still finds every key once. */
START_TEST(test_many_keys_survive_growth)
{
    struct lr_strmap m = {0};
    char key[32];
    enum { N = 20000 };
    for (uint32_t i = 0; i < N; i++) {
        snprintf(key, sizeof key, "d%u.example", i);
        ck_assert_int_eq(lr_strmap_put(&m, key, i), 0);
    }
    ck_assert_uint_eq(m.n, N);
    ck_assert(m.cap >= 2 * (size_t)N);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(key, sizeof key, "d%u.example", i);
        uint32_t v = UINT32_MAX;
        ck_assert(lr_strmap_get(&m, key, &v));
        ck_assert_uint_eq(v, i);
    }
    uint32_t v;
    ck_assert(!lr_strmap_get(&m, "d20000.example", &v));
    lr_strmap_clear(&m);
    ck_assert_uint_eq(m.cap, 0);
}
END_TEST

Suite *strmap_suite(void)
{
    Suite *s = suite_create("util/strmap");
    TCase *tc = tcase_create("strmap");
    tcase_add_test(tc, test_empty_map_finds_nothing);
    tcase_add_test(tc, test_put_get_replace);
    tcase_add_test(tc, test_many_keys_survive_growth);
    suite_add_tcase(s, tc);
    return s;
}
