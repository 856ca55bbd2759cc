/* db/outbox_store.c: the batch in which the delivery worker gathers a round of
 * outcomes before recording them in one transaction. Recording itself is tested
 * against PostgreSQL (tests/integration/test_sql_functions.py, test_writeback.py). */
#include <string.h>

#include "db/outbox_store.h"
#include "suites.h"

static struct lr_outbox_outcome outcome(int64_t id, const char *error)
{
    struct lr_outbox_outcome o = {LR_OUTBOX_RETRY, id, 3, 503, error, 1.5, 2.5, LR_DB_OK};
    return o;
}

START_TEST(test_batch_fills_then_refuses)
{
    struct lr_outbox_batch b;
    ck_assert_int_eq(lr_outbox_batch_init(&b, 2), 0);
    struct lr_outbox_outcome o = outcome(7, NULL);
    ck_assert(lr_outbox_batch_add(&b, &o));
    o = outcome(8, "HTTP 503");
    ck_assert(lr_outbox_batch_add(&b, &o));
    o = outcome(9, NULL);
    ck_assert(!lr_outbox_batch_add(&b, &o));
    ck_assert_uint_eq(b.n, 2);
    ck_assert_int_eq(b.o[0].id, 7);
    ck_assert_ptr_null(b.o[0].error);
    ck_assert_int_eq(b.o[1].id, 8);
    ck_assert_int_eq(b.o[1].attempts, 3);
    ck_assert_int_eq(b.o[1].status, 503);
    ck_assert(b.o[1].after_first_sec == 1.5 && b.o[1].not_before_sec == 2.5);
    ck_assert_str_eq(b.o[1].error, "HTTP 503");
    b.n = 0; /* recorded: the slots are free again */
    ck_assert(lr_outbox_batch_add(&b, &o));
    ck_assert_int_eq(b.o[0].id, 9);
    lr_outbox_batch_free(&b);
    ck_assert_ptr_null(b.o);
    lr_outbox_batch_free(&b); /* twice is safe */
}
END_TEST

START_TEST(test_batch_owns_a_cut_copy_of_the_error)
{
    struct lr_outbox_batch b;
    ck_assert_int_eq(lr_outbox_batch_init(&b, 1), 0);
    static char long_error[LR_OUTBOX_ERROR_KEEP + 50];
    memset(long_error, 'x', sizeof long_error - 1);
    struct lr_outbox_outcome o = outcome(1, long_error);
    ck_assert(lr_outbox_batch_add(&b, &o));
    memset(long_error, 'y', 10); /* the caller's buffer is reused at once */
    ck_assert_ptr_ne(b.o[0].error, long_error);
    ck_assert_uint_eq(strlen(b.o[0].error), LR_OUTBOX_ERROR_KEEP);
    ck_assert_int_eq(b.o[0].error[0], 'x');
    lr_outbox_batch_free(&b);
}
END_TEST

START_TEST(test_batch_of_nothing)
{
    struct lr_outbox_batch b;
    ck_assert_int_eq(lr_outbox_batch_init(&b, 0), 0);
    struct lr_outbox_outcome o = outcome(1, NULL);
    ck_assert(!lr_outbox_batch_add(&b, &o));
    lr_outbox_batch_free(&b);
}
END_TEST

Suite *outbox_batch_suite(void)
{
    Suite *s = suite_create("db/outbox_store");
    TCase *tc = tcase_create("batch");
    tcase_add_test(tc, test_batch_fills_then_refuses);
    tcase_add_test(tc, test_batch_owns_a_cut_copy_of_the_error);
    tcase_add_test(tc, test_batch_of_nothing);
    suite_add_tcase(s, tc);
    return s;
}
