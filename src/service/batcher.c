/* Group commit. A lead costs PostgreSQL one durable commit, and a commit (the WAL
 * flush) costs about as much for one lead as for fifty, while the round-robin turn
 * makes each transaction of a queue wait for the previous one to commit; every round
 * trip also costs both processes a wake-up. So a lane's thread takes everything queued
 * on it so far, up to batch_max, and hands it to the stage's batch function, which does
 * the whole batch in one round trip; what arrives meanwhile forms the next batch. There
 * is no timer: a lone item goes at once, and batches grow with the load. Request threads
 * sleep on their own condition variable until their item's last stage is done, so
 * nothing is answered before its COMMIT. */
#include "service/batcher.h"

#include <stdlib.h>
#include <string.h>

struct lane {
    struct lr_batcher *b;
    struct lr_batch_item *head, *tail;
    pthread_cond_t work;
    struct lr_db_conn conn; /* this lane's thread's alone */
    pthread_t thread;
    struct lr_batch_item **batch;
};

struct lr_batcher {
    pthread_mutex_t mu; /* guards every lane's queue and every item's done flag */
    bool stop;
    unsigned batch_max;
    char *conninfo;
    struct lr_db_limits limits;
    unsigned nlanes, started;
    struct lane *lanes;
};

static struct lr_db_conn *connection(struct lane *l)
{
    struct lr_db_conn *c = &l->conn;
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK) {
        /* An idle connection learns that its server restarted only when it reads. */
        PQconsumeInput(c->pg);
        if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
            return c;
    }
    return lr_db_connect_with(l->b->conninfo, &l->b->limits, c) == LR_DB_OK ? c : NULL;
}

/* With b->mu held. */
static void enqueue(struct lr_batcher *b, struct lr_batch_item *it)
{
    struct lane *l = &b->lanes[it->lane < b->nlanes ? it->lane : 0];
    it->next = NULL;
    if (l->tail != NULL)
        l->tail->next = it;
    else
        l->head = it;
    l->tail = it;
    pthread_cond_signal(&l->work);
}

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    struct lr_batcher *b = l->b;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (l->head == NULL && !b->stop)
            pthread_cond_wait(&l->work, &b->mu);
        if (l->head == NULL)
            break;
        lr_batch_fn fn = l->head->fn;
        size_t n = 0;
        while (l->head != NULL && l->head->fn == fn && n < b->batch_max) {
            l->batch[n++] = l->head;
            l->head = l->head->next;
        }
        if (l->head == NULL)
            l->tail = NULL;
        pthread_mutex_unlock(&b->mu);

        fn(connection(l), l->batch, n);

        pthread_mutex_lock(&b->mu);
        for (size_t i = 0; i < n; i++) {
            struct lr_batch_item *it = l->batch[i];
            if (it->fn != NULL && !b->stop) {
                enqueue(b, it);
                continue;
            }
            /* After its signal an item may vanish with its thread's stack: touch it
             * no more. A stopping batcher answers a passed-on item unfinished. */
            it->done = true;
            pthread_cond_signal(&it->cv);
        }
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void free_parts(struct lr_batcher *b)
{
    for (unsigned i = 0; b->lanes != NULL && i < b->nlanes; i++)
        free(b->lanes[i].batch);
    free(b->lanes);
    free(b->conninfo);
    free(b);
}

static void stop_lanes(struct lr_batcher *b)
{
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    for (unsigned i = 0; i < b->started; i++)
        pthread_cond_signal(&b->lanes[i].work);
    pthread_mutex_unlock(&b->mu);
    for (unsigned i = 0; i < b->started; i++) {
        pthread_join(b->lanes[i].thread, NULL);
        lr_db_disconnect(&b->lanes[i].conn);
    }
    for (unsigned i = 0; i < b->nlanes; i++)
        pthread_cond_destroy(&b->lanes[i].work);
    pthread_mutex_destroy(&b->mu);
}

struct lr_batcher *lr_batcher_new(const char *conninfo, const struct lr_db_limits *limits,
                                  unsigned batch_max, unsigned lanes)
{
    struct lr_batcher *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->limits = *limits;
    b->batch_max = batch_max ? batch_max : 1;
    b->nlanes = lanes ? lanes : 1;
    b->conninfo = strdup(conninfo);
    b->lanes = calloc(b->nlanes, sizeof *b->lanes);
    bool ok = b->conninfo != NULL && b->lanes != NULL;
    for (unsigned i = 0; ok && i < b->nlanes; i++) {
        b->lanes[i].b = b;
        ok = (b->lanes[i].batch = calloc(b->batch_max, sizeof *b->lanes[i].batch)) != NULL;
    }
    if (!ok) {
        free_parts(b);
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    for (unsigned i = 0; i < b->nlanes; i++)
        pthread_cond_init(&b->lanes[i].work, NULL);
    for (; b->started < b->nlanes; b->started++)
        if (pthread_create(&b->lanes[b->started].thread, NULL, lane_main, &b->lanes[b->started]) !=
            0) {
            stop_lanes(b);
            free_parts(b);
            return NULL;
        }
    return b;
}

void lr_batcher_free(struct lr_batcher *b)
{
    if (b == NULL)
        return;
    stop_lanes(b);
    free_parts(b);
}

bool lr_batcher_run(struct lr_batcher *b, struct lr_batch_item *item)
{
    item->done = false;
    pthread_cond_init(&item->cv, NULL);
    pthread_mutex_lock(&b->mu);
    bool queued = !b->stop;
    if (queued) {
        enqueue(b, item);
        while (!item->done)
            pthread_cond_wait(&item->cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    pthread_cond_destroy(&item->cv);
    return queued;
}
