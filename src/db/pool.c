/* PostgreSQL connections: a fixed pool, lazy (re)connects, lazily prepared statements.
 *
 * Nothing here waits on libpq's blocking calls: a frozen server (SIGSTOP, a hung
 * host) never answers, and on loopback the kernel still acknowledges, so neither
 * statement_timeout nor TCP timeouts would end the wait. Every query is sent with
 * PQsend* and its answer awaited with poll() until a deadline, after which the
 * connection is dropped (not cancelled: a cancel request would hang just the same). */
#include "db/pool.h"

#include "util/log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lr_db_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a serving connection came back */
    pthread_cond_t probe_cv; /* the probe connection came back */
    char *conninfo;
    struct lr_db_limits limits;
    struct lr_db_conn *conns;
    struct lr_db_conn **idle;
    unsigned size, nidle;
    struct lr_db_conn probe;
    bool probe_busy;
};

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
static bool deadline_in(const struct lr_db_conn *c, unsigned ms, struct timespec *out)
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
static int wait_socket(PGconn *pg, short events, const struct timespec *deadline)
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
static enum lr_db_status expire(struct lr_db_conn *c, const char *what, unsigned ms)
{
    lr_log(LR_LOG_WARN, "postgresql deadline passed; connection dropped",
           json_pack("{s:s, s:i}", "statement", what, "deadline_ms", (int)ms));
    snprintf(c->last_error, sizeof c->last_error,
             "PostgreSQL did not answer %s before the deadline (%u ms)", what, ms);
    drop(c);
    c->timed_out = true;
    return LR_DB_UNAVAILABLE;
}

static bool ok_status(ExecStatusType s)
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
static enum lr_db_status await_query(struct lr_db_conn *c, int sent, const char *what,
                                     PGresult **out)
{
    *out = NULL;
    PGconn *pg = c->pg;
    if (!sent) {
        PQsetnonblocking(pg, 0);
        return LR_DB_OK;
    }
    unsigned ms = lr_db_statement_deadline_ms(&c->limits);
    struct timespec dl;
    const struct timespec *dlp = deadline_in(c, ms, &dl) ? &dl : NULL;
    if (c->capped)
        ms = (unsigned)lr_deadline_ms_left(lr_now_monotonic(), dl);
    int f;
    while ((f = PQflush(pg)) == 1) {
        int w = wait_socket(pg, POLLIN | POLLOUT, dlp);
        if (w == 0)
            return expire(c, what, ms);
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
            int w = wait_socket(pg, POLLIN, dlp);
            if (w == 0) {
                PQclear(keep);
                return expire(c, what, ms);
            }
            /* A lost connection: PQgetResult reports it without waiting. */
            if (w < 0 || !PQconsumeInput(pg))
                break;
        }
        PGresult *r = PQgetResult(pg);
        if (r == NULL)
            break;
        /* A COPY hands the connection to its data stream; there is no further result. */
        bool copy = copy_status(PQresultStatus(r));
        if (keep == NULL || ok_status(PQresultStatus(keep))) {
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
static enum lr_db_status run_simple(struct lr_db_conn *c, const char *sql, const char *what,
                                    PGresult **out)
{
    PQsetnonblocking(c->pg, 1);
    return await_query(c, PQsendQuery(c->pg, sql), what, out);
}

enum lr_db_status lr_db_copy_start(struct lr_db_conn *c, const char *sql)
{
    PGresult *r = NULL;
    enum lr_db_status s = run_simple(c, sql, "copy", &r);
    if (s != LR_DB_OK)
        return s;
    if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN) {
        snprintf(c->last_error, sizeof c->last_error, "%s",
                 r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
        PQclear(r);
        return PQstatus(c->pg) == CONNECTION_OK ? LR_DB_ERROR : LR_DB_UNAVAILABLE;
    }
    PQclear(r);
    return LR_DB_OK;
}

/* Sends what libpq has queued, waiting for the socket under the deadline. */
static enum lr_db_status copy_flush(struct lr_db_conn *c, const struct timespec *dl, unsigned ms)
{
    int f;
    while ((f = PQflush(c->pg)) == 1) {
        int w = wait_socket(c->pg, POLLOUT, dl);
        if (w == 0)
            return expire(c, "copy", ms);
        if (w < 0)
            return LR_DB_UNAVAILABLE;
    }
    return f == 0 ? LR_DB_OK : LR_DB_UNAVAILABLE;
}

/* COPY data goes out in non-blocking mode: a server that stops reading fills the
 * socket, and the wait for room has the statement's deadline. */
enum lr_db_status lr_db_copy_put(struct lr_db_conn *c, const char *data, size_t len)
{
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    unsigned ms = lr_db_statement_deadline_ms(&c->limits);
    struct timespec dl;
    const struct timespec *dlp = deadline_in(c, ms, &dl) ? &dl : NULL;
    PQsetnonblocking(c->pg, 1);
    int rc;
    while ((rc = PQputCopyData(c->pg, data, (int)len)) == 0) {
        enum lr_db_status s = copy_flush(c, dlp, ms);
        if (s != LR_DB_OK)
            return s;
    }
    enum lr_db_status s = rc == 1 ? copy_flush(c, dlp, ms) : LR_DB_UNAVAILABLE;
    if (c->pg != NULL)
        PQsetnonblocking(c->pg, 0);
    return s;
}

enum lr_db_status lr_db_copy_end(struct lr_db_conn *c, const char *error, PGresult **out)
{
    *out = NULL;
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    unsigned ms = lr_db_statement_deadline_ms(&c->limits);
    struct timespec dl;
    const struct timespec *dlp = deadline_in(c, ms, &dl) ? &dl : NULL;
    PQsetnonblocking(c->pg, 1);
    int rc;
    while ((rc = PQputCopyEnd(c->pg, error)) == 0) {
        enum lr_db_status s = copy_flush(c, dlp, ms);
        if (s != LR_DB_OK)
            return s;
    }
    if (rc != 1) {
        PQsetnonblocking(c->pg, 0);
        return LR_DB_UNAVAILABLE;
    }
    /* The end is queued: the rest is an ordinary wait for the COPY's result. */
    return await_query(c, 1, "copy", out);
}

static enum lr_db_status open_conn(struct lr_db_conn *c, const char *conninfo,
                                   const struct lr_db_limits *limits)
{
    drop(c);
    c->conninfo = conninfo;
    c->limits = *limits;
    c->timed_out = false;
    unsigned ms = limits->connect_timeout_sec * 1000u;
    struct timespec dl;
    bool bounded = deadline_in(c, ms, &dl);
    unsigned budget = bounded ? (unsigned)lr_deadline_ms_left(lr_now_monotonic(), dl) : 0;
    struct lr_db_params params;
    lr_db_params_build(&params, conninfo, limits);
    PGconn *pg = PQconnectStartParams(params.keys, params.vals, 1);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (pg != NULL && PQstatus(pg) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
           st != PGRES_POLLING_FAILED) {
        int w =
            wait_socket(pg, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, bounded ? &dl : NULL);
        if (w == 0) {
            c->pg = pg;
            return expire(c, "connect", budget);
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
    char sql[128];
    PGresult *r = NULL;
    enum lr_db_status s = lr_db_session_sql(limits, sql, sizeof sql) == 0
                              ? run_simple(c, sql, "session setup", &r)
                              : LR_DB_ERROR;
    c->cap = was_cap;
    c->capped = was_capped;
    if (s == LR_DB_OK && (r == NULL || !ok_status(PQresultStatus(r)))) {
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
    return open_conn(c, conninfo, limits);
}

enum lr_db_status lr_db_connect(const char *conninfo, struct lr_db_conn *c)
{
    return open_conn(c, conninfo, &LR_DB_CLI_LIMITS);
}

void lr_db_disconnect(struct lr_db_conn *c)
{
    drop(c);
    if (c->has_rules)
        lr_rules_free(&c->rules);
    c->has_rules = false;
}

struct lr_db_pool *lr_db_pool_new(const char *conninfo, unsigned size,
                                  const struct lr_db_limits *limits)
{
    struct lr_db_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->conninfo = strdup(conninfo);
    p->conns = calloc(size, sizeof *p->conns);
    p->idle = calloc(size, sizeof *p->idle);
    if (p->conninfo == NULL || p->conns == NULL || p->idle == NULL) {
        free(p->conninfo);
        free(p->conns);
        free(p->idle);
        free(p);
        return NULL;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    /* Acquire deadlines are monotonic: a wall-clock step must not stretch or cut them. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, &ca);
    pthread_cond_init(&p->probe_cv, &ca);
    pthread_condattr_destroy(&ca);
    p->limits = *limits;
    p->size = size;
    for (unsigned i = 0; i < size; i++) {
        p->conns[i].limits = *limits;
        p->idle[p->nidle++] = &p->conns[i];
    }
    p->probe.limits = *limits;
    return p;
}

void lr_db_pool_free(struct lr_db_pool *p)
{
    if (p == NULL)
        return;
    for (unsigned i = 0; i < p->size; i++)
        lr_db_disconnect(&p->conns[i]);
    lr_db_disconnect(&p->probe);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_cond_destroy(&p->probe_cv);
    free(p->conninfo);
    free(p->conns);
    free(p->idle);
    free(p);
}

/* Makes a taken connection usable: reconnects it when its server went away. */
static enum lr_db_status ready(struct lr_db_pool *p, struct lr_db_conn *c)
{
    /* An idle connection learns that its server went away only when it reads: a
     * restarted PostgreSQL has sent it a termination notice or closed the socket. */
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
        PQconsumeInput(c->pg);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK ||
        PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        return open_conn(c, p->conninfo, &p->limits);
    return LR_DB_OK;
}

enum lr_db_status lr_db_acquire(struct lr_db_pool *p, struct lr_db_conn **out)
{
    struct timespec dl = lr_deadline_after(lr_now_monotonic(), p->limits.acquire_timeout_ms);
    pthread_mutex_lock(&p->mu);
    while (p->nidle == 0)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT && p->nidle == 0) {
            pthread_mutex_unlock(&p->mu);
            lr_log(LR_LOG_WARN, "no free postgresql connection",
                   json_pack("{s:i, s:i}", "pool_size", (int)p->size, "waited_ms",
                             (int)p->limits.acquire_timeout_ms));
            return LR_DB_UNAVAILABLE;
        }
    struct lr_db_conn *c = p->idle[--p->nidle];
    pthread_mutex_unlock(&p->mu);

    /* Reconnect outside the lock: a dead server must not stall the other threads. */
    if (ready(p, c) != LR_DB_OK) {
        lr_db_release(p, c);
        return LR_DB_UNAVAILABLE;
    }
    *out = c;
    return LR_DB_OK;
}

enum lr_db_status lr_db_acquire_probe(struct lr_db_pool *p, unsigned budget_ms,
                                      struct lr_db_conn **out)
{
    struct timespec dl = lr_deadline_after(lr_now_monotonic(), budget_ms);
    pthread_mutex_lock(&p->mu);
    while (p->probe_busy)
        if (pthread_cond_timedwait(&p->probe_cv, &p->mu, &dl) == ETIMEDOUT && p->probe_busy) {
            pthread_mutex_unlock(&p->mu);
            return LR_DB_UNAVAILABLE;
        }
    p->probe_busy = true;
    pthread_mutex_unlock(&p->mu);
    struct lr_db_conn *c = &p->probe;
    c->cap = dl;
    c->capped = true;
    if (ready(p, c) != LR_DB_OK) {
        lr_db_release(p, c);
        return LR_DB_UNAVAILABLE;
    }
    *out = c;
    return LR_DB_OK;
}

void lr_db_release(struct lr_db_pool *p, struct lr_db_conn *c)
{
    pthread_mutex_lock(&p->mu);
    if (c == &p->probe) {
        c->capped = false;
        p->probe_busy = false;
        pthread_cond_signal(&p->probe_cv);
    } else {
        p->idle[p->nidle++] = c;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Connection-level failures map to 503; everything else is the request's fault or ours. */
static enum lr_db_status classify(struct lr_db_conn *c, const PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->last_error, sizeof c->last_error, "%s",
             r       ? PQresultErrorMessage(r)
             : c->pg ? PQerrorMessage(c->pg)
                     : "not connected");
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK || state == NULL)
        return LR_DB_UNAVAILABLE;
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
        strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
        return LR_DB_UNAVAILABLE;
    /* query_canceled: statement_timeout fired. The client did nothing wrong, and the
     * connection is still good. */
    if (strcmp(state, "57014") == 0) {
        lr_log(LR_LOG_WARN, "statement canceled",
               json_pack("{s:s, s:s, s:s}", "statement", what, "sqlstate", state, "error",
                         c->last_error));
        return LR_DB_UNAVAILABLE;
    }
    if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0)
        return LR_DB_CONFLICT;
    if (strcmp(state, "LR001") == 0)
        return LR_DB_NO_ACTIVE_REP;
    lr_log(LR_LOG_ERROR, "sql error",
           json_pack("{s:s, s:s}", "sqlstate", state, "error", c->last_error));
    return LR_DB_ERROR;
}

static enum lr_db_status ensure_prepared(struct lr_db_conn *c, const struct lr_db_stmt *st)
{
    for (size_t i = 0; i < c->nprepared; i++)
        if (c->prepared[i] == st)
            return LR_DB_OK;
    if (c->nprepared == LR_DB_MAX_PREPARED) {
        snprintf(c->last_error, sizeof c->last_error, "too many prepared statements");
        return LR_DB_ERROR;
    }
    PQsetnonblocking(c->pg, 1);
    PGresult *r;
    enum lr_db_status s =
        await_query(c, PQsendPrepare(c->pg, st->name, st->sql, st->nparams, NULL), st->name, &r);
    if (s != LR_DB_OK)
        return s;
    if (r == NULL || !ok_status(PQresultStatus(r))) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        /* Prepared earlier on this session but forgotten by us (after a reset). */
        if (state != NULL && strcmp(state, "42P05") == 0)
            s = LR_DB_OK;
        else
            s = classify(c, r, st->name);
    }
    PQclear(r);
    if (s == LR_DB_OK)
        c->prepared[c->nprepared++] = st;
    return s;
}

/* A connection that sat idle while PostgreSQL restarted fails its next statement.
 * Outside a transaction nothing can have been written by that statement, so one
 * reconnect and retry is safe and saves the caller a spurious 503. Not after a
 * deadline: that server is alive but not answering, and another wait helps nobody. */
static bool reconnect_for_retry(struct lr_db_conn *c, bool was_idle, enum lr_db_status s)
{
    if (s != LR_DB_UNAVAILABLE || !was_idle || c->conninfo == NULL || c->timed_out ||
        (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK))
        return false;
    return open_conn(c, c->conninfo, &c->limits) == LR_DB_OK;
}

static enum lr_db_status exec_once(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                   const char *const *values, PGresult **res)
{
    enum lr_db_status s = ensure_prepared(c, st);
    if (s != LR_DB_OK)
        return s;
    PQsetnonblocking(c->pg, 1);
    PGresult *r;
    s = await_query(c, PQsendQueryPrepared(c->pg, st->name, st->nparams, values, NULL, NULL, 0),
                    st->name, &r);
    if (s != LR_DB_OK)
        return s;
    if (r == NULL || !ok_status(PQresultStatus(r))) {
        s = classify(c, r, st->name);
        PQclear(r);
        return s;
    }
    if (res != NULL)
        *res = r;
    else
        PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_db_exec(struct lr_db_conn *c, const struct lr_db_stmt *st,
                             const char *const *values, PGresult **res)
{
    if (res != NULL)
        *res = NULL;
    c->timed_out = false;
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    enum lr_db_status s = exec_once(c, st, values, res);
    if (reconnect_for_retry(c, idle, s))
        s = exec_once(c, st, values, res);
    return s;
}

static enum lr_db_status simple_once(struct lr_db_conn *c, const char *sql)
{
    PGresult *r;
    enum lr_db_status s = run_simple(c, sql, sql, &r);
    if (s != LR_DB_OK)
        return s;
    s = (r != NULL && ok_status(PQresultStatus(r))) ? LR_DB_OK : classify(c, r, sql);
    PQclear(r);
    return s;
}

enum lr_db_status lr_db_simple(struct lr_db_conn *c, const char *sql)
{
    c->timed_out = false;
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    enum lr_db_status s = simple_once(c, sql);
    if (reconnect_for_retry(c, idle, s))
        s = simple_once(c, sql);
    return s;
}

enum lr_db_status lr_db_begin(struct lr_db_conn *c)
{
    return lr_db_simple(c, "BEGIN");
}

enum lr_db_status lr_db_commit(struct lr_db_conn *c)
{
    return lr_db_simple(c, "COMMIT");
}

void lr_db_rollback(struct lr_db_conn *c)
{
    PGresult *r = NULL;
    if (c->pg != NULL && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        run_simple(c, "ROLLBACK", "ROLLBACK", &r);
    PQclear(r);
}

enum lr_db_status lr_db_one_text(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                 const char *const *values, char **out)
{
    PGresult *r;
    *out = NULL;
    enum lr_db_status s = lr_db_exec(c, st, values, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) == 0)
        s = LR_DB_NOT_FOUND;
    else if ((*out = strdup(PQgetvalue(r, 0, 0))) == NULL)
        s = LR_DB_ERROR;
    PQclear(r);
    return s;
}

const char *lr_db_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t lr_db_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool lr_db_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static const struct lr_db_stmt RULES_MAX = {"rules_max", "SELECT max(version) FROM rules", 0};
static const struct lr_db_stmt RULES_AT = {
    "rules_at", "SELECT document::text FROM rules WHERE version = $1", 1};

enum lr_db_status lr_db_rules_at(struct lr_db_conn *c, int64_t version, const struct lr_rules **out)
{
    if (c->has_rules && c->rules.version == version) {
        *out = &c->rules;
        return LR_DB_OK;
    }
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    const char *params[] = {v};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &RULES_AT, params, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(c->last_error, sizeof c->last_error, "rules version %lld missing",
                 (long long)version);
        return LR_DB_ERROR;
    }
    struct lr_rules rules;
    json_t *errors = json_array();
    const char *doc = PQgetvalue(r, 0, 0);
    int rc = lr_rules_parse(doc, strlen(doc), &rules, errors);
    PQclear(r);
    json_decref(errors);
    if (rc != 0) {
        snprintf(c->last_error, sizeof c->last_error, "stored rules version %lld is invalid",
                 (long long)version);
        return LR_DB_ERROR;
    }
    rules.version = version;
    if (c->has_rules)
        lr_rules_free(&c->rules);
    c->rules = rules;
    c->has_rules = true;
    *out = &c->rules;
    return LR_DB_OK;
}

enum lr_db_status lr_db_current_rules(struct lr_db_conn *c, const struct lr_rules **out)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &RULES_MAX, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    int64_t version = lr_db_int(r, 0, 0);
    PQclear(r);
    return lr_db_rules_at(c, version, out);
}
