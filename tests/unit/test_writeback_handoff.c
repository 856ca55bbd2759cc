/* service/writeback_handoff.c: the rows the lead lanes leased to this replica's worker,
 * waiting for a slot (whether there is a hand-off at all: test_writeback_request.c).
 * The SQL side (the lease at insert, the ids handed back) is tested against PostgreSQL
 * (tests/integration/test_sql_functions.py, test_writeback.py). */
#include <stdio.h>
#include <string.h>

#include "service/writeback_handoff.h"
#include "suites.h"

START_TEST(test_fifo_up_to_the_free_slots)
{
    struct lr_wb_handoff *h = lr_wb_handoff_new(8);
    ck_assert_ptr_nonnull(h);
    int64_t in[] = {11, 12, 13}, out[8] = {0};
    ck_assert_uint_eq(lr_wb_handoff_push(h, in, 3, 1000), 0);
    ck_assert_uint_eq(lr_wb_handoff_take(h, out, 2, 0), 2);
    ck_assert_int_eq(out[0], 11);
    ck_assert_int_eq(out[1], 12);
    ck_assert_uint_eq(lr_wb_handoff_take(h, out, 8, 0), 1);
    ck_assert_int_eq(out[0], 13);
    ck_assert_uint_eq(lr_wb_handoff_take(h, out, 8, 0), 0);
    ck_assert_uint_eq(lr_wb_handoff_take(h, out, 0, 0), 0);
    ck_assert_uint_eq(lr_wb_handoff_dropped(h), 0);
    lr_wb_handoff_free(h);
    lr_wb_handoff_free(NULL);
}
END_TEST

/* The ring wraps: pushes and takes that cross its end keep the order. */
START_TEST(test_wraps_around)
{
    struct lr_wb_handoff *h = lr_wb_handoff_new(3);
    int64_t out[3];
    for (int64_t round = 0; round < 5; round++) {
        int64_t in[] = {round * 10 + 1, round * 10 + 2};
        ck_assert_uint_eq(lr_wb_handoff_push(h, in, 2, 0), 0);
        ck_assert_uint_eq(lr_wb_handoff_take(h, out, 3, 0), 2);
        ck_assert_int_eq(out[0], round * 10 + 1);
        ck_assert_int_eq(out[1], round * 10 + 2);
    }
    lr_wb_handoff_free(h);
}
END_TEST

/* Full: what does not fit is left to its lease and counted once. */
START_TEST(test_full_drops_and_counts)
{
    struct lr_wb_handoff *h = lr_wb_handoff_new(2);
    int64_t in[] = {1, 2, 3, 4}, out[4];
    ck_assert_uint_eq(lr_wb_handoff_push(h, in, 4, 0), 2);
    ck_assert_uint_eq(lr_wb_handoff_dropped(h), 2);
    ck_assert_uint_eq(lr_wb_handoff_dropped(h), 0);
    ck_assert_uint_eq(lr_wb_handoff_take(h, out, 4, 0), 2);
    ck_assert_int_eq(out[0], 1);
    ck_assert_int_eq(out[1], 2);
    lr_wb_handoff_free(h);
    ck_assert_ptr_null(lr_wb_handoff_new(0));
}
END_TEST

/* A row that came before not_before_ms is dropped, not sent: its lease might end while
 * its request is on the wire. The boundary itself is still sent. */
START_TEST(test_too_old_is_dropped)
{
    struct lr_wb_handoff *h = lr_wb_handoff_new(8);
    int64_t a[] = {1, 2}, b[] = {3}, c[] = {4}, out[8];
    lr_wb_handoff_push(h, a, 2, 100);
    lr_wb_handoff_push(h, b, 1, 199);
    lr_wb_handoff_push(h, c, 1, 200);
    ck_assert_uint_eq(lr_wb_handoff_take(h, out, 8, 200), 1);
    ck_assert_int_eq(out[0], 4);
    ck_assert_uint_eq(lr_wb_handoff_dropped(h), 3);
    /* dropped rows do not use up the slots asked for */
    lr_wb_handoff_push(h, a, 2, 100);
    lr_wb_handoff_push(h, c, 1, 300);
    ck_assert_uint_eq(lr_wb_handoff_take(h, out, 1, 200), 1);
    ck_assert_int_eq(out[0], 4);
    lr_wb_handoff_free(h);
}
END_TEST

Suite *writeback_handoff_suite(void)
{
    Suite *s = suite_create("service/writeback_handoff");
    TCase *t = tcase_create("ring");
    tcase_add_test(t, test_fifo_up_to_the_free_slots);
    tcase_add_test(t, test_wraps_around);
    tcase_add_test(t, test_full_drops_and_counts);
    tcase_add_test(t, test_too_old_is_dropped);
    suite_add_tcase(s, t);
    return s;
}
