/* routing/roundrobin.c: the smooth weighted round-robin cycle (SPEC 2.6). */
#include <stddef.h>

#include "routing/roundrobin.h"
#include "suites.h"

#define CAP 1024

START_TEST(test_equal_weights_id_order)
{
    size_t slots[CAP];
    for (size_t n = 1; n <= 7; n++) {
        int w[7];
        for (size_t i = 0; i < n; i++)
            w[i] = 1;
        ck_assert_uint_eq(lr_rr_cycle(w, n, slots, CAP), n);
        for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(slots[i], i);
    }
    /* Equal weights above 1: still one member after the other, in id order. */
    const int w3[] = {3, 3, 3};
    ck_assert_uint_eq(lr_rr_cycle(w3, 3, slots, CAP), 9);
    for (size_t i = 0; i < 9; i++)
        ck_assert_uint_eq(slots[i], i % 3);
}
END_TEST

START_TEST(test_weights_1_2_3)
{
    const int w[] = {1, 2, 3};
    size_t slots[CAP];
    ck_assert_uint_eq(lr_rr_cycle(w, 3, slots, CAP), 6);
    size_t count[3] = {0, 0, 0};
    for (size_t i = 0; i < 6; i++) {
        ck_assert_uint_lt(slots[i], 3);
        count[slots[i]]++;
    }
    ck_assert_uint_eq(count[0], 1);
    ck_assert_uint_eq(count[1], 2);
    ck_assert_uint_eq(count[2], 3);
    /* Nobody holds more than half the cycle, so nobody needs two turns in a row. */
    for (size_t i = 0; i + 1 < 6; i++)
        ck_assert_msg(slots[i] != slots[i + 1], "member %zu twice in a row at slot %zu", slots[i],
                      i);
}
END_TEST

/* Weights 1,1,2: the weight-2 member can always be spread (c a c b), so it must never
 * take two consecutive turns, neither inside the cycle nor where the cycle repeats. */
START_TEST(test_smooth_across_wrap_1_1_2)
{
    const int w[] = {1, 1, 2};
    size_t slots[CAP];
    ck_assert_uint_eq(lr_rr_cycle(w, 3, slots, CAP), 4);
    size_t twos = 0;
    for (size_t i = 0; i < 4; i++) {
        twos += slots[i] == 2;
        size_t next = slots[(i + 1) % 4];
        ck_assert_msg(!(slots[i] == 2 && next == 2),
                      "weight-2 member takes slots %zu and %zu in a row: cycle %zu,%zu,%zu,%zu", i,
                      (i + 1) % 4, slots[0], slots[1], slots[2], slots[3]);
    }
    ck_assert_uint_eq(twos, 2);
}
END_TEST

START_TEST(test_empty_and_small_cap)
{
    size_t slots[CAP];
    const int w[] = {1, 2, 3};
    ck_assert_uint_eq(lr_rr_cycle(w, 0, slots, CAP), 0);
    ck_assert_uint_eq(lr_rr_cycle(NULL, 0, slots, CAP), 0);
    ck_assert_uint_eq(lr_rr_cycle(w, 3, slots, 5), 0);
    ck_assert_uint_eq(lr_rr_cycle(w, 3, slots, 0), 0);
    ck_assert_uint_eq(lr_rr_cycle(w, 3, slots, 6), 6); /* exactly enough */
}
END_TEST

/* Repeating the cycle: after any N turns every member of k equal-weight members has
 * floor(N/k) or ceil(N/k) of them. */
START_TEST(test_equal_weights_prefix_fairness)
{
    size_t slots[CAP];
    for (size_t k = 1; k <= 6; k++) {
        for (int weight = 1; weight <= 3; weight++) {
            int w[6];
            for (size_t i = 0; i < k; i++)
                w[i] = weight;
            size_t len = lr_rr_cycle(w, k, slots, CAP);
            ck_assert_uint_eq(len, k * (size_t)weight);
            size_t count[6] = {0};
            for (size_t n = 1; n <= 5 * len; n++) {
                count[slots[(n - 1) % len]]++;
                for (size_t i = 0; i < k; i++) {
                    ck_assert_msg(count[i] == n / k || count[i] == (n + k - 1) / k,
                                  "k=%zu weight=%d after %zu turns member %zu has %zu", k, weight,
                                  n, i, count[i]);
                }
            }
        }
    }
}
END_TEST

START_TEST(test_weighted_counts)
{
    const int w[] = {5, 1, 100, 7};
    size_t slots[CAP];
    ck_assert_uint_eq(lr_rr_cycle(w, 4, slots, CAP), 113);
    size_t count[4] = {0};
    for (size_t i = 0; i < 113; i++)
        count[slots[i]]++;
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(count[i], (size_t)w[i]);
}
END_TEST

Suite *roundrobin_suite(void)
{
    Suite *s = suite_create("routing/roundrobin");
    TCase *tc = tcase_create("cycle");
    tcase_add_test(tc, test_equal_weights_id_order);
    tcase_add_test(tc, test_weights_1_2_3);
    tcase_add_test(tc, test_smooth_across_wrap_1_1_2);
    tcase_add_test(tc, test_empty_and_small_cap);
    tcase_add_test(tc, test_equal_weights_prefix_fairness);
    tcase_add_test(tc, test_weighted_counts);
    suite_add_tcase(s, tc);
    return s;
}
