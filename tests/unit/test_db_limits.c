/* db/limits.c and the deadlines of db/pool.c. The pool's tests talk to a fake PostgreSQL
 * on a loopback socket that answers only as much of the protocol as each test needs,
 * so a frozen, silent or failing server is reproduced exactly and without PostgreSQL. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db/limits.h"
#include "db/pool.h"
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
}
END_TEST

/* ------------------------------------------------------------ fake PostgreSQL */

enum fake_mode {
    FAKE_SILENT,   /* accepts the TCP connection, never says a word (a frozen postmaster) */
    FAKE_FROZEN,   /* completes the start-up and the session's SET, then never answers */
    FAKE_SQLSTATE, /* answers every statement with an error of sqlstate */
};

struct fake {
    int lfd;
    unsigned short port;
    enum fake_mode mode;
    const char *sqlstate;
    atomic_bool stop;
    atomic_int queries; /* messages received after the session's SET */
    pthread_t thread;
    pthread_t conns[8]; /* one thread per connection, so that a frozen one stalls no other */
    int fds[8];
    int nconns;
    char conninfo[128];
};

struct fake_conn {
    struct fake *f;
    int fd;
};

/* Reads exactly n bytes unless the fake is stopping or the peer closes: 0 on success. */
static int read_full(struct fake *f, int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        if (atomic_load(&f->stop))
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static void put_msg(int fd, char type, const void *body, uint32_t len)
{
    char buf[512];
    uint32_t nlen = htonl(len + 4);
    buf[0] = type;
    memcpy(buf + 1, &nlen, 4);
    memcpy(buf + 5, body, len);
    ssize_t w = write(fd, buf, len + 5);
    (void)w;
}

static void ready_for_query(int fd)
{
    put_msg(fd, 'Z', "I", 1);
}

static void error_response(int fd, const char *sqlstate)
{
    char body[256];
    int n = snprintf(body, sizeof body, "SERROR%cC%s%cMfake error%c", 0, sqlstate, 0, 0);
    body[n] = '\0'; /* the terminator of the field list */
    put_msg(fd, 'E', body, (uint32_t)n + 1);
}

static void serve_conn(struct fake *f, int fd)
{
    uint32_t len;
    char body[4096];
    if (read_full(f, fd, &len, 4) != 0 || ntohl(len) < 8 || ntohl(len) - 4 > sizeof body ||
        read_full(f, fd, body, ntohl(len) - 4) != 0)
        return;
    if (f->mode == FAKE_SILENT) {
        while (read_full(f, fd, body, 1) == 0)
            ;
        return;
    }
    uint32_t auth_ok = 0;
    put_msg(fd, 'R', &auth_ok, 4);
    ready_for_query(fd);
    bool failed = false; /* an extended-protocol error skips to the Sync */
    bool set_up = false;
    for (;;) {
        char type;
        if (read_full(f, fd, &type, 1) != 0 || read_full(f, fd, &len, 4) != 0 || ntohl(len) < 4 ||
            ntohl(len) - 4 > sizeof body || read_full(f, fd, body, ntohl(len) - 4) != 0 ||
            type == 'X')
            return;
        if (type == 'Q' && !set_up) { /* the session's SET: always answered */
            put_msg(fd, 'C', "SET", 4);
            ready_for_query(fd);
            set_up = true;
            continue;
        }
        atomic_fetch_add(&f->queries, 1);
        if (f->mode == FAKE_FROZEN)
            continue;
        if (type == 'Q') {
            error_response(fd, f->sqlstate);
            ready_for_query(fd);
        } else if (type == 'P') {
            put_msg(fd, '1', "", 0);
        } else if (type == 'B' && !failed) {
            put_msg(fd, '2', "", 0);
        } else if (type == 'E' && !failed) {
            error_response(fd, f->sqlstate);
            failed = true;
        } else if (type == 'S') {
            ready_for_query(fd);
            failed = false;
        }
    }
}

static void *conn_main(void *arg)
{
    struct fake_conn *fc = arg;
    serve_conn(fc->f, fc->fd);
    free(fc);
    return NULL;
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    while (!atomic_load(&f->stop)) {
        struct pollfd p = {.fd = f->lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct fake_conn *fc = malloc(sizeof *fc);
        if (f->nconns == 8 || fc == NULL) {
            free(fc);
            close(fd);
            continue;
        }
        *fc = (struct fake_conn){f, fd};
        f->fds[f->nconns] = fd;
        if (pthread_create(&f->conns[f->nconns], NULL, conn_main, fc) != 0) {
            free(fc);
            close(fd);
            continue;
        }
        f->nconns++;
    }
    for (int i = 0; i < f->nconns; i++) {
        pthread_join(f->conns[i], NULL);
        close(f->fds[i]);
    }
    return NULL;
}

static void fake_start(struct fake *f, enum fake_mode mode, const char *sqlstate)
{
    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->sqlstate = sqlstate;
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(f->lfd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(f->lfd, 8), 0);
    ck_assert_int_eq(getsockname(f->lfd, (struct sockaddr *)&a, &alen), 0);
    f->port = ntohs(a.sin_port);
    snprintf(f->conninfo, sizeof f->conninfo,
             "host=127.0.0.1 port=%u dbname=x user=x sslmode=disable gssencmode=disable",
             (unsigned)f->port);
    ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
    atomic_store(&f->stop, true);
    pthread_join(f->thread, NULL);
    close(f->lfd);
}

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
    struct fake f;
    fake_start(&f, FAKE_FROZEN, NULL);
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
    fake_stop(&f);
}
END_TEST

START_TEST(test_simple_statement_deadline)
{
    struct fake f;
    fake_start(&f, FAKE_FROZEN, NULL);
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
    fake_stop(&f);
}
END_TEST

START_TEST(test_acquire_deadline)
{
    struct fake f;
    fake_start(&f, FAKE_FROZEN, NULL);
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
    fake_stop(&f);
}
END_TEST

START_TEST(test_connect_deadline)
{
    struct fake f;
    fake_start(&f, FAKE_SILENT, NULL);
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
    fake_stop(&f);
}
END_TEST

START_TEST(test_probe_budget)
{
    struct fake f;
    fake_start(&f, FAKE_SILENT, NULL);
    struct lr_db_limits l = {
        .acquire_timeout_ms = 100, .statement_timeout_ms = 5000, .connect_timeout_sec = 5};
    struct lr_db_pool *p = lr_db_pool_new(f.conninfo, 1, &l);
    struct lr_db_conn *c = NULL;
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_acquire_probe(p, 300, &c), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_ptr_null(c);
    /* the probe's budget, not connect_timeout */
    ck_assert_double_ge(ms, 295);
    ck_assert_double_lt(ms, 800 + LOADED_MACHINE_MS);
    lr_db_pool_free(p);
    fake_stop(&f);
}
END_TEST

START_TEST(test_probe_budget_covers_statements)
{
    struct fake f;
    fake_start(&f, FAKE_FROZEN, NULL);
    struct lr_db_limits l = {
        .acquire_timeout_ms = 100, .statement_timeout_ms = 5000, .connect_timeout_sec = 5};
    struct lr_db_pool *p = lr_db_pool_new(f.conninfo, 1, &l);
    struct lr_db_conn *c = NULL, *serving = NULL;
    /* the probe is not one of the serving connections: a full pool does not stop it */
    ck_assert_int_eq(lr_db_acquire(p, &serving), LR_DB_OK);
    struct timespec t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_acquire_probe(p, 400, &c), LR_DB_OK);
    ck_assert_ptr_ne(c, serving);
    ck_assert_int_eq(lr_db_exec(c, &PING, NULL, NULL), LR_DB_UNAVAILABLE);
    double ms = elapsed_ms(t0);
    ck_assert_double_ge(ms, 395);
    ck_assert_double_lt(ms, 900 + LOADED_MACHINE_MS);
    lr_db_release(p, c);
    /* a second probe waits for the first, within its own budget */
    struct lr_db_conn *again = NULL;
    ck_assert_int_eq(lr_db_acquire_probe(p, 400, &again), LR_DB_OK);
    ck_assert_ptr_eq(again, c);
    struct lr_db_conn *other = NULL;
    t0 = lr_now_monotonic();
    ck_assert_int_eq(lr_db_acquire_probe(p, 200, &other), LR_DB_UNAVAILABLE);
    ck_assert_double_ge(elapsed_ms(t0), 195);
    ck_assert_ptr_null(other);
    lr_db_release(p, again);
    lr_db_release(p, serving);
    lr_db_pool_free(p);
    fake_stop(&f);
}
END_TEST

START_TEST(test_statement_timeout_is_unavailable)
{
    struct fake f;
    fake_start(&f, FAKE_SQLSTATE, "57014");
    struct lr_db_limits l = {200, 1000, 2, 0};
    struct lr_db_conn c = {0};
    ck_assert_int_eq(lr_db_connect_with(f.conninfo, &l, &c), LR_DB_OK);
    ck_assert_int_eq(lr_db_exec(&c, &PING, NULL, NULL), LR_DB_UNAVAILABLE);
    /* the server canceled the statement; the connection is still good */
    ck_assert_ptr_nonnull(c.pg);
    ck_assert_int_eq(PQstatus(c.pg), CONNECTION_OK);
    lr_db_disconnect(&c);
    fake_stop(&f);
}
END_TEST

START_TEST(test_other_sqlstate_is_error)
{
    struct fake f;
    fake_start(&f, FAKE_SQLSTATE, "42601");
    struct lr_db_limits l = {200, 1000, 2, 0};
    struct lr_db_conn c = {0};
    ck_assert_int_eq(lr_db_connect_with(f.conninfo, &l, &c), LR_DB_OK);
    ck_assert_int_eq(lr_db_exec(&c, &PING, NULL, NULL), LR_DB_ERROR);
    lr_db_disconnect(&c);
    fake_stop(&f);
}
END_TEST

START_TEST(test_connect_refused)
{
    struct fake f;
    fake_start(&f, FAKE_SILENT, NULL);
    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "%s", f.conninfo);
    fake_stop(&f); /* nothing listens on that port any more */
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

Suite *db_limits_suite(void)
{
    Suite *s = suite_create("db/limits");
    TCase *t = tcase_create("arithmetic");
    tcase_add_test(t, test_statement_deadline);
    tcase_add_test(t, test_deadline_arithmetic);
    tcase_add_test(t, test_params);
    tcase_add_test(t, test_session_sql);
    suite_add_tcase(s, t);
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
    tcase_add_test(pool, test_connect_refused);
    suite_add_tcase(s, pool);
    return s;
}
