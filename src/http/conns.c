/* Deadlines on request heads and bodies (see conns.h for why). */
#include "http/conns.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/log.h"

/* Often enough that a deadline is kept to within a quarter of a second. */
#define SWEEP_MS 250

uint64_t lr_conns_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t lr_conn_deadline_ms(const struct lr_conn_limits *limits, enum lr_conn_phase phase,
                             bool bulk)
{
    switch (phase) {
    case LR_CONN_HEAD_FIRST:
        return (uint64_t)limits->header_sec * 1000u;
    case LR_CONN_KEEPALIVE:
        return (uint64_t)limits->keepalive_sec * 1000u;
    case LR_CONN_BODY:
        return (uint64_t)(bulk ? limits->bulk_body_sec : limits->body_sec) * 1000u;
    case LR_CONN_HANDLER:
        break;
    }
    return 0;
}

unsigned lr_conns_sweep(struct lr_conns *cs, uint64_t now_ms)
{
    unsigned cut[4] = {0, 0, 0, 0}, n = 0;
    pthread_mutex_lock(&cs->mu);
    for (struct lr_conn *c = cs->head; c != NULL; c = c->next) {
        uint64_t limit = lr_conn_deadline_ms(&cs->limits, c->phase, c->bulk);
        /* since_ms may be a moment later than now_ms (set after now_ms was read). */
        if (c->cut || limit == 0 || c->since_ms > now_ms || now_ms - c->since_ms < limit ||
            c->fd < 0)
            continue;
        /* Under the registry lock: the socket is unregistered before libmicrohttpd
         * closes it, so this descriptor is still that connection's. */
        shutdown(c->fd, SHUT_RDWR);
        c->cut = true;
        cut[c->phase]++;
        n++;
    }
    cs->cut_total += n;
    unsigned long total = cs->cut_total;
    pthread_mutex_unlock(&cs->mu);
    if (n > 0)
        lr_log(LR_LOG_WARN, "closed connections past their deadline",
               json_pack("{s:i, s:i, s:i, s:I}", "head", (int)cut[LR_CONN_HEAD_FIRST], "keepalive",
                         (int)cut[LR_CONN_KEEPALIVE], "body", (int)cut[LR_CONN_BODY], "total",
                         (json_int_t)total));
    return n;
}

static void *watchdog(void *arg)
{
    struct lr_conns *cs = arg;
    pthread_mutex_lock(&cs->mu);
    while (cs->running) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SWEEP_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&cs->cv, &cs->mu, &until);
        if (!cs->running)
            break;
        pthread_mutex_unlock(&cs->mu);
        lr_conns_sweep(cs, lr_conns_now_ms());
        pthread_mutex_lock(&cs->mu);
    }
    pthread_mutex_unlock(&cs->mu);
    return NULL;
}

int lr_conns_start(struct lr_conns *cs, const struct lr_conn_limits *limits)
{
    pthread_mutex_init(&cs->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cs->cv, &ca);
    pthread_condattr_destroy(&ca);
    cs->head = NULL;
    cs->limits = *limits;
    cs->cut_total = 0;
    cs->running = true;
    if (pthread_create(&cs->watchdog, NULL, watchdog, cs) != 0) {
        cs->running = false;
        pthread_cond_destroy(&cs->cv);
        pthread_mutex_destroy(&cs->mu);
        return -1;
    }
    return 0;
}

void lr_conns_stop(struct lr_conns *cs)
{
    pthread_mutex_lock(&cs->mu);
    cs->running = false;
    pthread_cond_signal(&cs->cv);
    pthread_mutex_unlock(&cs->mu);
    pthread_join(cs->watchdog, NULL);
    while (cs->head != NULL) {
        struct lr_conn *c = cs->head;
        cs->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&cs->cv);
    pthread_mutex_destroy(&cs->mu);
}

struct lr_conn *lr_conns_add(struct lr_conns *cs, int fd)
{
    struct lr_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = fd;
    c->phase = LR_CONN_HEAD_FIRST;
    c->since_ms = lr_conns_now_ms();
    pthread_mutex_lock(&cs->mu);
    c->next = cs->head;
    if (cs->head != NULL)
        cs->head->prev = c;
    cs->head = c;
    pthread_mutex_unlock(&cs->mu);
    return c;
}

void lr_conns_remove(struct lr_conns *cs, struct lr_conn *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&cs->mu);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        cs->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&cs->mu);
    free(c);
}

void lr_conns_set_phase(struct lr_conns *cs, struct lr_conn *c, enum lr_conn_phase phase, bool bulk)
{
    if (c == NULL)
        return;
    uint64_t now = lr_conns_now_ms();
    pthread_mutex_lock(&cs->mu);
    c->phase = phase;
    c->bulk = bulk;
    c->since_ms = now;
    pthread_mutex_unlock(&cs->mu);
}

unsigned lr_conns_unanswered(struct lr_conns *cs)
{
    unsigned n = 0;
    pthread_mutex_lock(&cs->mu);
    for (struct lr_conn *c = cs->head; c != NULL; c = c->next)
        n += c->phase == LR_CONN_HEAD_FIRST && !c->cut;
    pthread_mutex_unlock(&cs->mu);
    return n;
}
