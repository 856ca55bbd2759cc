/* The wire to PostgreSQL: connecting and awaiting answers, every wait bounded.
 *
 * Nothing here waits on libpq's blocking calls: a frozen server (SIGSTOP, a hung
 * host) never answers, and on loopback the kernel still acknowledges, so neither
 * statement_timeout nor TCP timeouts would end the wait. Every query is sent with
 * PQsend* and its answer awaited with poll() until a deadline, after which the
 * connection is dropped (not cancelled: a cancel request would hang just the same). */
#include "db/wire.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* Server notices (e.g. "already exists, skipping") are not errors; keep them off stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void forget_prepared(struct lr_db_conn *c)
{
    c->nprepared = 0;
}

static void drop(struct lr_db_conn *c)
{
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    forget_prepared(c);
}

/* The deadline of a wait that starts now and may last ms (0: unbounded), capped by
 * the connection's probe budget. false: no deadline at all. */
bool lr_wire_deadline(const struct lr_db_conn *c, unsigned ms, struct timespec *out)
{
    if (ms == 0 && !c->capped)
        return false;
    if (ms == 0)
        *out = c->cap;
    else if (c->capped)
        *out = lr_deadline_min(lr_deadline_after(lr_now_monotonic(), ms), c->cap);
    else
        *out = lr_deadline_after(lr_now_monotonic(), ms);
    return true;
}

/* 1: the socket is ready for events; 0: the deadline (NULL: none) passed first;
 * -1: no socket, or poll failed. */
int lr_wire_wait(PGconn *pg, short events, const struct timespec *deadline)
{
    struct pollfd pfd = {.fd = PQsocket(pg), .events = events};
    if (pfd.fd < 0)
        return -1;
    for (;;) {
        int ms = deadline ? lr_deadline_ms_left(lr_now_monotonic(), *deadline) : -1;
        if (ms == 0)
            return 0;
        int n = poll(&pfd, 1, ms);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* The statement (or connect) did not finish in time: the server may be frozen, so the
 * connection is dropped; the next use reconnects. */
enum lr_db_status lr_wire_expire(struct lr_db_conn *c, const char *what, unsigned ms)
{
    lr_log(LR_LOG_WARN, "postgresql deadline passed; connection dropped",
           json_pack("{s:s, s:i}", "statement", what, "deadline_ms", (int)ms));
    snprintf(c->last_error, sizeof c->last_error,
             "PostgreSQL did not answer %s before the deadline (%u ms)", what, ms);
    drop(c);
    c->timed_out = true;
    return LR_DB_UNAVAILABLE;
}

bool lr_wire_ok_status(ExecStatusType s)
{
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static bool copy_status(ExecStatusType s)
{
    return s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH;
}

/* Completes a query that a PQsend* call queued (sent == 1; else the send failed): flushes
 * it and collects its results before the deadline. *out is what PQexec would return:
 * the first failed result, else the last one; NULL when the connection failed.
 * LR_DB_UNAVAILABLE (connection dropped) when the deadline passes. */
enum lr_db_status lr_wire_await(struct lr_db_conn *c, int sent, const char *what, PGresult **out)
{
    return lr_wire_await_rows(c, sent, what, NULL, NULL, out);
}

enum lr_db_status lr_wire_await_rows(struct lr_db_conn *c, int sent, const char *what,
                                     lr_db_row_fn row, void *arg, PGresult **out)
{
    *out = NULL;
    PGconn *pg = c->pg;
    if (!sent) {
        PQsetnonblocking(pg, 0);
        return LR_DB_OK;
    }
    unsigned ms = lr_db_statement_deadline_ms(&c->limits);
    struct timespec dl;
    const struct timespec *dlp = lr_wire_deadline(c, ms, &dl) ? &dl : NULL;
    if (c->capped)
        ms = (unsigned)lr_deadline_ms_left(lr_now_monotonic(), dl);
    int f;
    while ((f = PQflush(pg)) == 1) {
        int w = lr_wire_wait(pg, POLLIN | POLLOUT, dlp);
        if (w == 0)
            return lr_wire_expire(c, what, ms);
        if (w < 0 || !PQconsumeInput(pg)) {
            f = -1;
            break;
        }
    }
    /* Back to blocking once nothing is left to send: other code (COPY in bulk_store.c)
     * uses this connection with libpq's blocking calls. */
    if (f == 0)
        PQsetnonblocking(pg, 0);
    PGresult *keep = NULL;
    while (f == 0) {
        while (PQisBusy(pg)) {
            int w = lr_wire_wait(pg, POLLIN, dlp);
            if (w == 0) {
                PQclear(keep);
                return lr_wire_expire(c, what, ms);
            }
            /* A lost connection: PQgetResult reports it without waiting. */
            if (w < 0 || !PQconsumeInput(pg))
                break;
        }
        PGresult *r = PQgetResult(pg);
        if (r == NULL)
            break;
        if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
            if (row != NULL && row(arg, r) != 0)
                row = NULL;
            PQclear(r);
            continue;
        }
        /* A COPY hands the connection to its data stream; there is no further result. */
        bool copy = copy_status(PQresultStatus(r));
        if (keep == NULL || lr_wire_ok_status(PQresultStatus(keep))) {
            PQclear(keep);
            keep = r;
        } else {
            PQclear(r);
        }
        if (copy)
            break;
    }
    *out = keep;
    return LR_DB_OK;
}

/* PQexec with a deadline. */
enum lr_db_status lr_wire_simple(struct lr_db_conn *c, const char *sql, const char *what,
                                 PGresult **out)
{
    PQsetnonblocking(c->pg, 1);
    return lr_wire_await(c, PQsendQuery(c->pg, sql), what, out);
}

enum lr_db_status lr_wire_open(struct lr_db_conn *c, const char *conninfo,
                               const struct lr_db_limits *limits)
{
    drop(c);
    c->conninfo = conninfo;
    c->limits = *limits;
    c->timed_out = false;
    unsigned ms = limits->connect_timeout_sec * 1000u;
    struct timespec dl;
    bool bounded = lr_wire_deadline(c, ms, &dl);
    unsigned budget = bounded ? (unsigned)lr_deadline_ms_left(lr_now_monotonic(), dl) : 0;
    struct lr_db_params params;
    lr_db_params_build(&params, conninfo, limits);
    PGconn *pg = PQconnectStartParams(params.keys, params.vals, 1);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (pg != NULL && PQstatus(pg) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
           st != PGRES_POLLING_FAILED) {
        int w =
            lr_wire_wait(pg, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, bounded ? &dl : NULL);
        if (w == 0) {
            c->pg = pg;
            return lr_wire_expire(c, "connect", budget);
        }
        st = w < 0 ? PGRES_POLLING_FAILED : PQconnectPoll(pg);
    }
    if (pg == NULL || st != PGRES_POLLING_OK) {
        snprintf(c->last_error, sizeof c->last_error, "%s",
                 pg ? PQerrorMessage(pg) : "out of memory");
        if (pg != NULL)
            PQfinish(pg);
        return LR_DB_UNAVAILABLE;
    }
    c->pg = pg;
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    /* The session's SET belongs to connecting: it gets what is left of that budget. */
    bool was_capped = c->capped;
    struct timespec was_cap = c->cap;
    if (bounded) {
        c->cap = dl;
        c->capped = true;
    }
    char sql[256];
    PGresult *r = NULL;
    enum lr_db_status s = lr_db_session_sql(limits, sql, sizeof sql) == 0
                              ? lr_wire_simple(c, sql, "session setup", &r)
                              : LR_DB_ERROR;
    c->cap = was_cap;
    c->capped = was_capped;
    if (s == LR_DB_OK && (r == NULL || !lr_wire_ok_status(PQresultStatus(r)))) {
        snprintf(c->last_error, sizeof c->last_error, "%s",
                 r ? PQresultErrorMessage(r) : PQerrorMessage(pg));
        drop(c);
        s = LR_DB_UNAVAILABLE;
    }
    PQclear(r);
    return s;
}

enum lr_db_status lr_db_connect_with(const char *conninfo, const struct lr_db_limits *limits,
                                     struct lr_db_conn *c)
{
    return lr_wire_open(c, conninfo, limits);
}

enum lr_db_status lr_db_connect(const char *conninfo, struct lr_db_conn *c)
{
    return lr_wire_open(c, conninfo, &LR_DB_CLI_LIMITS);
}

void lr_db_disconnect(struct lr_db_conn *c)
{
    drop(c);
    if (c->cache_free != NULL && c->cache != NULL)
        c->cache_free(c->cache);
    c->cache = NULL;
}
