/* The deadlines of db/pool.c against a fake PostgreSQL (fake_pg.h): a frozen, silent
 * or failing server reproduced exactly and without PostgreSQL. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "db/limits.h"
#include "db/pool.h"
#include "fake_pg.h"
#include "suites.h"

/* Upper bounds prove that nothing hangs, not speed: a shared 2-core machine under
 * ASan can stall any thread for a second or two. */
#define LOADED_MACHINE_MS 2500

static double elapsed_ms(struct timespec since)
{
    struct timespec now = lr_now_monotonic();
    return (double)(now.tv_sec - since.tv_sec) * 1000.0 +
           (double)(now.tv_nsec - since.tv_nsec) / 1e6;
}

static const struct lr_db_stmt PING = {"ping", "SELECT 1", 0};

START_TEST(test_statement_deadline_drops_connection)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_FROZEN, NULL);
    struct lr_db_limits l = {
        .acquire_timeout_ms = 200, .statement_timeout_ms = 300, .connect_timeout_sec = 2};
    struct lr_db_pool *p = lr_db_pool_new(f.conninfo, 1, &l);
    ck_assert_ptr_nonnull(p);
    struct lr_db_conn *c;
    ck_assert_int_eq(lr_db_acquire(p, &c), LR_DB_OK);
    struct timespec t0 = lr_now_monotonic();
    PGresult *r = (PGresult *)1;
    ck_assert_int_eq(lr_db_exec(c, &PING, NULL, &r), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_ptr_null(r);
    /* statement_timeout + margin, and no reconnect-and-retry after a deadline */
    ck_assert_double_ge(ms, 300 + LR_DB_DEADLINE_MARGIN_MS - 5);
    ck_assert_double_lt(ms, 300 + LR_DB_DEADLINE_MARGIN_MS + 500 + LOADED_MACHINE_MS);
    ck_assert_int_eq(atomic_load(&f.queries), 2); /* Parse and Sync, once */
    ck_assert_ptr_null(c->pg);
    ck_assert_ptr_nonnull(strstr(c->last_error, "ping"));
    ck_assert_ptr_nonnull(strstr(c->last_error, "deadline"));
    /* later statements of the same request fail at once */
    t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_simple(c, "COMMIT"), LR_DB_UNAVAILABLE);
    ck_assert_double_lt(elapsed_ms(t0), 50 + LOADED_MACHINE_MS);
    lr_db_rollback(c);
    lr_db_release(p, c);
    lr_db_pool_free(p);
    fake_pg_stop(&f);
}
END_TEST

START_TEST(test_simple_statement_deadline)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_FROZEN, NULL);
    struct lr_db_limits l = {200, 200, 2, 0};
    struct lr_db_conn c = {0};
    ck_assert_int_eq(lr_db_connect_with(f.conninfo, &l, &c), LR_DB_OK);
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_begin(&c), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_double_ge(ms, 200 + LR_DB_DEADLINE_MARGIN_MS - 5);
    ck_assert_double_lt(ms, 200 + LR_DB_DEADLINE_MARGIN_MS + 500 + LOADED_MACHINE_MS);
    ck_assert_int_eq(atomic_load(&f.queries), 1);
    ck_assert_ptr_null(c.pg);
    ck_assert_ptr_nonnull(strstr(c.last_error, "BEGIN"));
    lr_db_disconnect(&c);
    fake_pg_stop(&f);
}
END_TEST

START_TEST(test_acquire_deadline)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_FROZEN, NULL);
    struct lr_db_limits l = {
        .acquire_timeout_ms = 300, .statement_timeout_ms = 1000, .connect_timeout_sec = 2};
    struct lr_db_pool *p = lr_db_pool_new(f.conninfo, 1, &l);
    struct lr_db_conn *held, *c = NULL;
    ck_assert_int_eq(lr_db_acquire(p, &held), LR_DB_OK);
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_acquire(p, &c), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_ptr_null(c);
    ck_assert_double_ge(ms, 295);
    ck_assert_double_lt(ms, 800 + LOADED_MACHINE_MS);
    lr_db_release(p, held);
    ck_assert_int_eq(lr_db_acquire(p, &c), LR_DB_OK);
    ck_assert_ptr_eq(c, held);
    lr_db_release(p, c);
    lr_db_pool_free(p);
    fake_pg_stop(&f);
}
END_TEST

START_TEST(test_connect_deadline)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_SILENT, NULL);
    struct lr_db_limits l = {
        .acquire_timeout_ms = 100, .statement_timeout_ms = 100, .connect_timeout_sec = 1};
    struct lr_db_conn c = {0};
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_connect_with(f.conninfo, &l, &c), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_double_ge(ms, 995);
    ck_assert_double_lt(ms, 1500 + LOADED_MACHINE_MS);
    ck_assert_ptr_null(c.pg);
    ck_assert_ptr_nonnull(strstr(c.last_error, "connect"));
    lr_db_disconnect(&c);
    fake_pg_stop(&f);
}
END_TEST

START_TEST(test_probe_budget)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_SILENT, NULL);
    struct lr_db_limits l = {
        .acquire_timeout_ms = 100, .statement_timeout_ms = 5000, .connect_timeout_sec = 5};
    struct lr_db_pool *p = lr_db_pool_new(f.conninfo, 1, &l);
    struct lr_db_conn *c = NULL;
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_acquire_probe(p, 300, &c, NULL, 0), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_ptr_null(c);
    /* the probe's budget, not connect_timeout */
    ck_assert_double_ge(ms, 295);
    ck_assert_double_lt(ms, 800 + LOADED_MACHINE_MS);
    lr_db_pool_free(p);
    fake_pg_stop(&f);
}
END_TEST

START_TEST(test_probe_budget_covers_statements)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_FROZEN, NULL);
    struct lr_db_limits l = {
        .acquire_timeout_ms = 100, .statement_timeout_ms = 5000, .connect_timeout_sec = 5};
    struct lr_db_pool *p = lr_db_pool_new(f.conninfo, 1, &l);
    struct lr_db_conn *c = NULL, *serving = NULL;
    /* the probe is not one of the serving connections: a full pool does not stop it */
    ck_assert_int_eq(lr_db_acquire(p, &serving), LR_DB_OK);
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_acquire_probe(p, 400, &c, NULL, 0), LR_DB_OK);
    ck_assert_ptr_ne(c, serving);
    ck_assert_int_eq(lr_db_exec(c, &PING, NULL, NULL), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_double_ge(ms, 395);
    ck_assert_double_lt(ms, 900 + LOADED_MACHINE_MS);
    lr_db_release(p, c);
    /* a second probe waits for the first, within its own budget */
    struct lr_db_conn *again = NULL;
    ck_assert_int_eq(lr_db_acquire_probe(p, 400, &again, NULL, 0), LR_DB_OK);
    ck_assert_ptr_eq(again, c);
    struct lr_db_conn *other = NULL;
    t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_acquire_probe(p, 200, &other, NULL, 0), LR_DB_UNAVAILABLE);
    ck_assert_double_ge(elapsed_ms(t0), 195);
    ck_assert_ptr_null(other);
    lr_db_release(p, again);
    lr_db_release(p, serving);
    lr_db_pool_free(p);
    fake_pg_stop(&f);
}
END_TEST

static int count_rows(void *arg, const PGresult *r)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

/* A statement the server refuses with state is answered want, by lr_db_exec and by
 * lr_db_exec_rows (no row handed over), and the connection stays good. */
static void assert_sqlstate_status(const char *state, enum lr_db_status want)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_SQLSTATE, state);
    struct lr_db_limits l = {200, 1000, 2, 0};
    struct lr_db_conn c = {0};
    ck_assert_int_eq(lr_db_connect_with(f.conninfo, &l, &c), LR_DB_OK);
    ck_assert_int_eq(lr_db_exec(&c, &PING, NULL, NULL), want);
    ck_assert_ptr_nonnull(c.pg);
    ck_assert_int_eq(PQstatus(c.pg), CONNECTION_OK);
    int rows = 0;
    ck_assert_int_eq(lr_db_exec_rows(&c, &PING, NULL, count_rows, &rows), want);
    ck_assert_int_eq(rows, 0);
    ck_assert_int_eq(PQstatus(c.pg), CONNECTION_OK);
    lr_db_disconnect(&c);
    fake_pg_stop(&f);
}

/* The server canceled the statement (statement_timeout): 503, the connection kept. */
START_TEST(test_statement_timeout_is_unavailable)
{
    assert_sqlstate_status("57014", LR_DB_UNAVAILABLE);
}
END_TEST

START_TEST(test_other_sqlstate_is_error)
{
    assert_sqlstate_status("42601", LR_DB_ERROR);
}
END_TEST

/* lr_commit_leads refuses a batch decided on a routing cache no longer current. */
START_TEST(test_stale_routing_sqlstate)
{
    assert_sqlstate_status("LR002", LR_DB_STALE);
}
END_TEST

START_TEST(test_connect_refused)
{
    struct fake_pg f;
    fake_pg_start(&f, FAKE_SILENT, NULL);
    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "%s", f.conninfo);
    fake_pg_stop(&f); /* nothing listens on that port any more */
    struct lr_db_limits l = {100, 100, 2, 0};
    struct lr_db_conn c = {0};
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_connect_with(conninfo, &l, &c), LR_DB_UNAVAILABLE);
    ck_assert_double_lt(elapsed_ms(t0), 500);
    ck_assert_ptr_null(c.pg);
    ck_assert_str_ne(c.last_error, "");
    lr_db_disconnect(&c);
}
END_TEST

Suite *db_pool_suite(void)
{
    Suite *s = suite_create("db/pool");
    TCase *pool = tcase_create("pool deadlines");
    tcase_set_timeout(pool, 10);
    tcase_add_test(pool, test_statement_deadline_drops_connection);
    tcase_add_test(pool, test_simple_statement_deadline);
    tcase_add_test(pool, test_acquire_deadline);
    tcase_add_test(pool, test_connect_deadline);
    tcase_add_test(pool, test_probe_budget);
    tcase_add_test(pool, test_probe_budget_covers_statements);
    tcase_add_test(pool, test_statement_timeout_is_unavailable);
    tcase_add_test(pool, test_other_sqlstate_is_error);
    tcase_add_test(pool, test_stale_routing_sqlstate);
    tcase_add_test(pool, test_connect_refused);
    suite_add_tcase(s, pool);
    return s;
}
