/* db/limits.c: the pure arithmetic behind every wait for PostgreSQL (deadlines, the
 * connection parameters and the session's SET). The deadlines as db/pool.c enforces
 * them are in test_db_pool.c. */
#include <string.h>

#include "db/limits.h"
#include "suites.h"

static struct timespec ts(time_t s, long ns)
{
    return (struct timespec){.tv_sec = s, .tv_nsec = ns};
}

START_TEST(test_statement_deadline)
{
    struct lr_db_limits l = {.statement_timeout_ms = 1000};
    ck_assert_uint_eq(lr_db_statement_deadline_ms(&l), 1000 + LR_DB_DEADLINE_MARGIN_MS);
    l.statement_timeout_ms = 0;
    ck_assert_uint_eq(lr_db_statement_deadline_ms(&l), 0);
    l.statement_timeout_ms = 4294967295u - 10;
    ck_assert_uint_eq(lr_db_statement_deadline_ms(&l), 4294967295u);
}
END_TEST

START_TEST(test_deadline_arithmetic)
{
    struct timespec d = lr_deadline_after(ts(10, 900000000L), 250);
    ck_assert_int_eq(d.tv_sec, 11);
    ck_assert_int_eq(d.tv_nsec, 150000000L);
    d = lr_deadline_after(ts(10, 0), 2000);
    ck_assert_int_eq(d.tv_sec, 12);
    ck_assert_int_eq(d.tv_nsec, 0);
    d = lr_deadline_after(ts(10, 999999999L), 1);
    ck_assert_int_eq(d.tv_sec, 11);
    ck_assert_int_eq(d.tv_nsec, 999999L);

    ck_assert_int_eq(lr_deadline_ms_left(ts(10, 0), ts(11, 500000000L)), 1500);
    /* rounded up: a wait must not end just short of the deadline */
    ck_assert_int_eq(lr_deadline_ms_left(ts(10, 0), ts(10, 1)), 1);
    ck_assert_int_eq(lr_deadline_ms_left(ts(10, 999000000L), ts(11, 0)), 1);
    ck_assert_int_eq(lr_deadline_ms_left(ts(11, 0), ts(11, 0)), 0);
    ck_assert_int_eq(lr_deadline_ms_left(ts(12, 0), ts(11, 0)), 0);
    ck_assert_int_eq(lr_deadline_ms_left(ts(0, 0), ts(4000000000, 0)), 2147483647);

    struct timespec m = lr_deadline_min(ts(5, 2), ts(5, 1));
    ck_assert_int_eq(m.tv_nsec, 1);
    m = lr_deadline_min(ts(4, 9), ts(5, 1));
    ck_assert_int_eq(m.tv_sec, 4);
    m = lr_deadline_min(ts(5, 1), ts(5, 1));
    ck_assert_int_eq(m.tv_sec, 5);
}
END_TEST

static const char *param(const struct lr_db_params *p, const char *key)
{
    for (size_t i = 0; p->keys[i] != NULL; i++)
        if (strcmp(p->keys[i], key) == 0)
            return p->vals[i];
    return NULL;
}

START_TEST(test_params)
{
    struct lr_db_params p;
    struct lr_db_limits l = {2000, 10000, 3, 10000};
    lr_db_params_build(&p, "postgresql://u@h:5/db", &l);
    /* the URL first, so that ours (later) take precedence with expand_dbname */
    ck_assert_str_eq(p.keys[0], "dbname");
    ck_assert_str_eq(p.vals[0], "postgresql://u@h:5/db");
    ck_assert_str_eq(param(&p, "connect_timeout"), "3");
    ck_assert_str_eq(param(&p, "keepalives"), "1");
    ck_assert_str_eq(param(&p, "keepalives_idle"), "5");
    ck_assert_str_eq(param(&p, "keepalives_interval"), "2");
    ck_assert_str_eq(param(&p, "keepalives_count"), "3");
    ck_assert_str_eq(param(&p, "tcp_user_timeout"), "10000");
    ck_assert_str_eq(param(&p, "application_name"), "leadrouter");
    size_t n = 0;
    while (p.keys[n] != NULL)
        n++;
    ck_assert_uint_eq(n, 8);
    ck_assert_ptr_null(p.vals[n]);

    l.tcp_user_timeout_ms = 0; /* the kernel's: not sent at all */
    lr_db_params_build(&p, "dbname=x", &l);
    ck_assert_ptr_null(param(&p, "tcp_user_timeout"));
    ck_assert_str_eq(param(&p, "keepalives"), "1");
}
END_TEST

START_TEST(test_session_sql)
{
    char sql[128];
    struct lr_db_limits l = {.statement_timeout_ms = 1500};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'; SET statement_timeout = 1500");
    /* CLI connections: migrations may take as long as they take */
    l = LR_DB_CLI_LIMITS;
    ck_assert_uint_eq(l.statement_timeout_ms, 0);
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'");
    ck_assert_int_eq(lr_db_session_sql(&l, sql, 10), -1);
    /* the lead lanes: planned once per session, never compiled */
    l = (struct lr_db_limits){.statement_timeout_ms = 1500, .generic_plans = true};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'; SET statement_timeout = 1500;"
                          " SET plan_cache_mode = force_generic_plan; SET jit = off");
}
END_TEST

START_TEST(test_session_sql_writeback)
{
    char sql[192];
    struct lr_db_limits l = {.statement_timeout_ms = 1500, .writeback = "hubspot"};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'; SET statement_timeout = 1500;"
                          " SET leadrouter.writeback = 'hubspot'");
    l = (struct lr_db_limits){.writeback = "webhook"};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'; SET leadrouter.writeback = 'webhook'");
    /* none: the session is what it was before write-back existed */
    l = (struct lr_db_limits){.statement_timeout_ms = 1500, .writeback = "none"};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'; SET statement_timeout = 1500");
    /* the name is written into the SQL: anything else is refused, never quoted */
    l = (struct lr_db_limits){.writeback = "x'; DROP"};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), -1);
    l = (struct lr_db_limits){.writeback = "Hubspot"};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), -1);
    /* too small for the last part */
    l = (struct lr_db_limits){.writeback = "salesforce"};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, 30), -1);
    /* the lead lanes of a replica whose worker runs take their rows at commit */
    l = (struct lr_db_limits){.writeback = "webhook", .handoff_lease_sec = 30};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'; SET leadrouter.writeback = 'webhook';"
                          " SET leadrouter.writeback_handoff = '30'");
    ck_assert_int_eq(lr_db_session_sql(&l, sql, 80), -1);
    /* without a destination there is nothing to hand off */
    l = (struct lr_db_limits){.writeback = "none", .handoff_lease_sec = 30};
    ck_assert_int_eq(lr_db_session_sql(&l, sql, sizeof sql), 0);
    ck_assert_str_eq(sql, "SET TIME ZONE 'UTC'");
}
END_TEST

Suite *db_limits_suite(void)
{
    Suite *s = suite_create("db/limits");
    TCase *t = tcase_create("arithmetic");
    tcase_add_test(t, test_statement_deadline);
    tcase_add_test(t, test_deadline_arithmetic);
    tcase_add_test(t, test_params);
    tcase_add_test(t, test_session_sql);
    tcase_add_test(t, test_session_sql_writeback);
    suite_add_tcase(s, t);
    return s;
}
