/* http/conns.c deadlines and util/log.c's limiter. */
#include <sys/socket.h>
#include <unistd.h>

#include "http/conns.h"
#include "suites.h"
#include "util/log.h"

static const struct lr_conn_limits LIMITS = {
    .header_sec = 10, .keepalive_sec = 60, .body_sec = 30, .bulk_body_sec = 300};

START_TEST(test_deadline_per_phase)
{
    ck_assert_uint_eq(lr_conn_deadline_ms(&LIMITS, LR_CONN_HEAD_FIRST, false), 10000);
    ck_assert_uint_eq(lr_conn_deadline_ms(&LIMITS, LR_CONN_KEEPALIVE, false), 60000);
    ck_assert_uint_eq(lr_conn_deadline_ms(&LIMITS, LR_CONN_BODY, false), 30000);
    ck_assert_uint_eq(lr_conn_deadline_ms(&LIMITS, LR_CONN_BODY, true), 300000);
    /* a request being answered waits on the database's own deadlines, not these */
    ck_assert_uint_eq(lr_conn_deadline_ms(&LIMITS, LR_CONN_HANDLER, false), 0);
}
END_TEST

/* True when the peer end of a socket pair sees the connection shut down. */
static bool peer_sees_eof(int fd)
{
    char b;
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return read(fd, &b, 1) == 0;
}

START_TEST(test_sweep_cuts_exactly_the_late_ones)
{
    struct lr_conns cs;
    ck_assert_int_eq(lr_conns_start(&cs, &LIMITS), 0);
    int head[2], body[2], busy[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, head), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, body), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, busy), 0);
    struct lr_conn *h = lr_conns_add(&cs, head[0]);
    struct lr_conn *b = lr_conns_add(&cs, body[0]);
    struct lr_conn *x = lr_conns_add(&cs, busy[0]);
    lr_conns_set_phase(&cs, b, LR_CONN_BODY, false);
    lr_conns_set_phase(&cs, x, LR_CONN_HANDLER, false);
    ck_assert_uint_eq(lr_conns_unanswered(&cs), 1);
    uint64_t t = lr_conns_now_ms();
    /* one millisecond before the head's deadline: nothing */
    ck_assert_uint_eq(lr_conns_sweep(&cs, h->since_ms + 9999), 0);
    /* at it: the head only; the body has 30 s, the handler none */
    ck_assert_uint_eq(lr_conns_sweep(&cs, h->since_ms + 10000), 1);
    ck_assert(peer_sees_eof(head[1]));
    ck_assert_uint_eq(lr_conns_unanswered(&cs), 0);
    /* a connection is cut once */
    ck_assert_uint_eq(lr_conns_sweep(&cs, h->since_ms + 10001), 0);
    ck_assert_uint_eq(lr_conns_sweep(&cs, t + 3600 * 1000), 1);
    ck_assert(peer_sees_eof(body[1]));
    lr_conns_remove(&cs, h);
    lr_conns_remove(&cs, b);
    lr_conns_remove(&cs, x);
    lr_conns_remove(&cs, NULL);
    lr_conns_stop(&cs);
    for (int i = 0; i < 2; i++) {
        close(head[i]);
        close(body[i]);
        close(busy[i]);
    }
}
END_TEST

START_TEST(test_bulk_body_has_its_own_deadline)
{
    struct lr_conns cs;
    ck_assert_int_eq(lr_conns_start(&cs, &LIMITS), 0);
    int p[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
    struct lr_conn *c = lr_conns_add(&cs, p[0]);
    lr_conns_set_phase(&cs, c, LR_CONN_BODY, true);
    ck_assert_uint_eq(lr_conns_sweep(&cs, c->since_ms + 299999), 0);
    ck_assert_uint_eq(lr_conns_sweep(&cs, c->since_ms + 300000), 1);
    /* stop frees what is still registered */
    lr_conns_stop(&cs);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_limiter_counts_what_it_refuses)
{
    struct lr_log_limiter l;
    lr_log_limiter_init(&l, 2);
    unsigned s = 99;
    ck_assert(lr_log_limiter_allow_at(&l, 100, &s));
    ck_assert_uint_eq(s, 0);
    ck_assert(lr_log_limiter_allow_at(&l, 100, &s));
    ck_assert(!lr_log_limiter_allow_at(&l, 100, &s));
    ck_assert(!lr_log_limiter_allow_at(&l, 100, &s));
    ck_assert(!lr_log_limiter_allow_at(&l, 100, &s));
    /* the next second: allowed, and told how many were left out */
    ck_assert(lr_log_limiter_allow_at(&l, 101, &s));
    ck_assert_uint_eq(s, 3);
    ck_assert(lr_log_limiter_allow_at(&l, 101, &s));
    ck_assert_uint_eq(s, 0);
    ck_assert(lr_log_limiter_allow(&l, &s));
}
END_TEST

Suite *conns_suite(void)
{
    Suite *s = suite_create("conns");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_deadline_per_phase);
    tcase_add_test(tc, test_sweep_cuts_exactly_the_late_ones);
    tcase_add_test(tc, test_bulk_body_has_its_own_deadline);
    tcase_add_test(tc, test_limiter_counts_what_it_refuses);
    suite_add_tcase(s, tc);
    return s;
}
