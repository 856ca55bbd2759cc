/* A ring of outbox ids under a mutex: the lanes push a batch's rows at commit, the
 * worker takes as many as it has free slots. */
#include "service/writeback_handoff.h"

#include <pthread.h>
#include <stdlib.h>

#include "service/writeback_request.h"

/* A handed row waits at most lease - timeout - 1 s for a slot (the worker's
 * handoff_keep_ms): without 2 s between the two there is no hand-off, only claims. */
#define HANDOFF_MARGIN_SEC 2

struct entry {
    int64_t id;
    int64_t at_ms;
};

struct lr_wb_handoff {
    pthread_mutex_t mu;
    struct entry *ring;
    size_t cap, head, len, dropped;
};

struct lr_wb_handoff *lr_wb_handoff_new(size_t cap)
{
    struct lr_wb_handoff *h = calloc(1, sizeof *h);
    if (h == NULL || cap == 0 || (h->ring = calloc(cap, sizeof *h->ring)) == NULL) {
        free(h);
        return NULL;
    }
    h->cap = cap;
    pthread_mutex_init(&h->mu, NULL);
    return h;
}

void lr_wb_handoff_free(struct lr_wb_handoff *h)
{
    if (h == NULL)
        return;
    pthread_mutex_destroy(&h->mu);
    free(h->ring);
    free(h);
}

size_t lr_wb_handoff_push(struct lr_wb_handoff *h, const int64_t *ids, size_t n, int64_t now_ms)
{
    pthread_mutex_lock(&h->mu);
    size_t i = 0;
    for (; i < n && h->len < h->cap; i++, h->len++)
        h->ring[(h->head + h->len) % h->cap] = (struct entry){ids[i], now_ms};
    h->dropped += n - i;
    pthread_mutex_unlock(&h->mu);
    return n - i;
}

size_t lr_wb_handoff_take(struct lr_wb_handoff *h, int64_t *out, size_t max, int64_t not_before_ms)
{
    size_t k = 0;
    pthread_mutex_lock(&h->mu);
    while (k < max && h->len > 0) {
        struct entry e = h->ring[h->head];
        h->head = (h->head + 1) % h->cap;
        h->len--;
        if (e.at_ms < not_before_ms)
            h->dropped++;
        else
            out[k++] = e.id;
    }
    pthread_mutex_unlock(&h->mu);
    return k;
}

size_t lr_wb_handoff_waiting(struct lr_wb_handoff *h)
{
    pthread_mutex_lock(&h->mu);
    size_t n = h->len;
    pthread_mutex_unlock(&h->mu);
    return n;
}

size_t lr_wb_handoff_dropped(struct lr_wb_handoff *h)
{
    pthread_mutex_lock(&h->mu);
    size_t d = h->dropped;
    h->dropped = 0;
    pthread_mutex_unlock(&h->mu);
    return d;
}

unsigned lr_writeback_handoff_lease(const struct lr_config *cfg)
{
    enum lr_wb_destination dest;
    bool on = lr_wb_destination_parse(cfg->writeback, &dest) == 0 &&
              cfg->writeback_lease_sec >= cfg->writeback_timeout_sec + HANDOFF_MARGIN_SEC;
    return on ? cfg->writeback_lease_sec : 0;
}
