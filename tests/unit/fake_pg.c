/* A fake PostgreSQL on a loopback socket (fake_pg.h). It answers only as much of the
 * protocol as the pool's tests need: start-up without authentication, the session's
 * SET, and then nothing or an error, so that each failure is reproduced exactly. */
#include "fake_pg.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

struct fake_conn {
    struct fake_pg *f;
    int fd;
};

/* Reads exactly n bytes unless the fake is stopping or the peer closes: 0 on success. */
static int read_full(struct fake_pg *f, int fd, void *buf, size_t n)
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

/* status: 'I' idle, 'T' in a transaction, 'E' in a failed one (what libpq reports
 * as the transaction status, and so what decides whether a ROLLBACK is sent). */
static void ready_for_query_in(int fd, char status)
{
    put_msg(fd, 'Z', &status, 1);
}

static void ready_for_query(int fd)
{
    ready_for_query_in(fd, 'I');
}

static void error_response(int fd, const char *sqlstate)
{
    char body[256];
    int n = snprintf(body, sizeof body, "SERROR%cC%s%cMfake error%c", 0, sqlstate, 0, 0);
    body[n] = '\0'; /* the terminator of the field list */
    put_msg(fd, 'E', body, (uint32_t)n + 1);
}

static void serve_conn(struct fake_pg *f, int fd)
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
    char txs = 'I'; /* FAKE_TX: the transaction status the client is told */
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
        if (type == 'Q' && f->mode == FAKE_TX) {
            atomic_fetch_add(&f->simple, 1);
            txs = strncmp(body, "BEGIN", 5) == 0 ? 'T' : 'I';
            put_msg(fd, 'C', "OK", 3);
            ready_for_query_in(fd, txs);
        } else if (type == 'Q') {
            error_response(fd, f->sqlstate);
            ready_for_query(fd);
        } else if (type == 'P') {
            put_msg(fd, '1', "", 0);
        } else if (type == 'B' && !failed) {
            put_msg(fd, '2', "", 0);
        } else if (type == 'E' && !failed) {
            error_response(fd, f->sqlstate);
            failed = true;
            if (txs == 'T')
                txs = 'E';
        } else if (type == 'S') {
            ready_for_query_in(fd, txs);
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
    struct fake_pg *f = arg;
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

void fake_pg_start(struct fake_pg *f, enum fake_pg_mode mode, const char *sqlstate)
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

void fake_pg_stop(struct fake_pg *f)
{
    atomic_store(&f->stop, true);
    pthread_join(f->thread, NULL);
    close(f->lfd);
}
