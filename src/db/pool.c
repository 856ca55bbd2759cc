/* A fixed pool of PostgreSQL connections, opened lazily (the server starts while
 * PostgreSQL is down), each wait for a free one bounded. */
#include "db/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/wire.h"
#include "util/log.h"

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
        return lr_wire_open(c, p->conninfo, &p->limits);
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
                                      struct lr_db_conn **out, char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        snprintf(why, whylen, "the probe connection is busy past %u ms", budget_ms);
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
        if (why != NULL && whylen > 0)
            snprintf(why, whylen, "%s", c->last_error);
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
