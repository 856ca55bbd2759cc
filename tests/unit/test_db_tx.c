/* db/tx.c: the transaction runner against a fake PostgreSQL whose BEGIN, COMMIT and
 * ROLLBACK succeed and whose statements fail with the SQLSTATE a test chooses. */
#include "db/pool.h"
#include "fake_pg.h"
#include "suites.h"

static const struct lr_db_stmt PING = {"ping", "SELECT 1", 0};

struct work {
    int calls;
    int fail_first; /* return LR_DB_RETRY on this many calls, without a statement */
    bool exec;      /* run PING (which the fake fails) */
};

static enum lr_db_status work_fn(struct lr_db_conn *c, void *arg)
{
    struct work *w = arg;
    w->calls++;
    if (w->calls <= w->fail_first)
        return LR_DB_RETRY;
    return w->exec ? lr_db_exec(c, &PING, NULL, NULL) : LR_DB_OK;
}

static void with_conn(const char *sqlstate, void (*fn)(struct fake_pg *, struct lr_db_conn *))
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_TX, sqlstate);
    struct lr_db_limits l = {1000, 2000, 2, 0};
    struct lr_db_conn c = {0};
    ck_assert_int_eq(lr_db_connect_with(f.conninfo, &l, &c), LR_DB_OK);
    fn(&f, &c);
    lr_db_disconnect(&c);
    fake_pg_stop(&f);
}

static void retried_then_committed(struct fake_pg *f, struct lr_db_conn *c)
{
    struct work w = {.fail_first = 1};
    ck_assert_int_eq(lr_db_run_tx(c, work_fn, &w), LR_DB_OK);
    ck_assert_int_eq(w.calls, 2);
    /* BEGIN, ROLLBACK, then BEGIN, COMMIT */
    ck_assert_int_eq(atomic_load(&f->simple), 4);
}

START_TEST(test_retry_then_commit)
{
    with_conn("40001", retried_then_committed);
}
END_TEST

static void serialization_every_time(struct fake_pg *f, struct lr_db_conn *c)
{
    (void)f;
    struct work w = {.exec = true};
    /* the attempts are used up: try later, not an error */
    ck_assert_int_eq(lr_db_run_tx(c, work_fn, &w), LR_DB_UNAVAILABLE);
    ck_assert_int_eq(w.calls, LR_DB_TX_ATTEMPTS);
}

START_TEST(test_serialization_failure_retried_then_unavailable)
{
    with_conn("40001", serialization_every_time);
}
END_TEST

START_TEST(test_deadlock_retried_then_unavailable)
{
    with_conn("40P01", serialization_every_time);
}
END_TEST

static void conflict_not_retried(struct fake_pg *f, struct lr_db_conn *c)
{
    struct work w = {.exec = true};
    ck_assert_int_eq(lr_db_run_tx(c, work_fn, &w), LR_DB_CONFLICT);
    ck_assert_int_eq(w.calls, 1);
    ck_assert_int_eq(atomic_load(&f->simple), 2); /* BEGIN, ROLLBACK */
}

START_TEST(test_other_errors_are_not_retried)
{
    with_conn("23505", conflict_not_retried);
}
END_TEST

static void statement_without_begin(struct fake_pg *f, struct lr_db_conn *c)
{
    struct work w = {.exec = true};
    ck_assert_int_eq(lr_db_run_statement(c, work_fn, &w), LR_DB_UNAVAILABLE);
    ck_assert_int_eq(w.calls, LR_DB_TX_ATTEMPTS);
    ck_assert_int_eq(atomic_load(&f->simple), 0); /* no BEGIN, COMMIT or ROLLBACK */
    struct work ok = {.fail_first = 2};
    ck_assert_int_eq(lr_db_run_statement(c, work_fn, &ok), LR_DB_OK);
    ck_assert_int_eq(ok.calls, 3);
}

START_TEST(test_one_statement_runs_without_begin)
{
    with_conn("40P01", statement_without_begin);
}
END_TEST

Suite *db_tx_suite(void)
{
    Suite *s = suite_create("db/tx");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_retry_then_commit);
    tcase_add_test(tc, test_serialization_failure_retried_then_unavailable);
    tcase_add_test(tc, test_deadlock_retried_then_unavailable);
    tcase_add_test(tc, test_other_errors_are_not_retried);
    tcase_add_test(tc, test_one_statement_runs_without_begin);
    suite_add_tcase(s, tc);
    return s;
}
