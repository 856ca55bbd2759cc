/* Group commit. A lead's write is one durable commit, and PostgreSQL's commit (the WAL
 * flush) costs about as much for one lead as for fifty, while the round-robin turn
 * keeps every lead's transaction of a queue waiting for the one before it to commit.
 * So one writer thread takes every lead queued so far, up to batch_max, and commits
 * them in one call of lr_commit_leads; the leads that arrive meanwhile form the next
 * batch. No timer: a lone lead is written at once, and batches grow with the load.
 * Request threads wait on their own condition variable until their batch is done;
 * nothing is answered before the COMMIT. */
#include "db/batcher.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* Lives on the waiting request thread's stack. */
struct item {
    const struct lr_lead_write *w;
    struct lr_lead_result res;
    enum lr_db_status s;
    bool done;
    pthread_cond_t cv;
    struct item *next;
};

struct lr_batcher {
    pthread_mutex_t mu;
    pthread_cond_t work;
    struct item *head, *tail;
    bool stop;
    unsigned batch_max;
    char *conninfo;
    struct lr_db_conn conn; /* the writer thread's alone */
    pthread_t thread;
    struct item **batch;
    const struct lr_lead_write **writes;
    struct lr_lead_result *results;
};

static bool ensure_connected(struct lr_batcher *b)
{
    struct lr_db_conn *c = &b->conn;
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK) {
        /* Learn of a restarted server before sending, as the pool does. */
        PQconsumeInput(c->pg);
        if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
            return true;
    }
    return lr_db_connect(b->conninfo, c) == LR_DB_OK;
}

/* Writes items[0..n) and sets each one's outcome. */
static void write_batch(struct lr_batcher *b, struct item **items, size_t n)
{
    if (!ensure_connected(b)) {
        for (size_t i = 0; i < n; i++)
            items[i]->s = LR_DB_UNAVAILABLE;
        return;
    }
    for (size_t i = 0; i < n; i++)
        b->writes[i] = items[i]->w;
    enum lr_db_status s = lr_leads_commit(&b->conn, b->writes, n, b->results);
    if (s == LR_DB_OK) {
        for (size_t i = 0; i < n; i++) {
            items[i]->res = b->results[i];
            items[i]->s = b->results[i].s;
        }
        return;
    }
    if (s == LR_DB_UNAVAILABLE || n == 1) {
        for (size_t i = 0; i < n; i++)
            items[i]->s = s;
        return;
    }
    /* The batch rolled back as a whole (a deadlock with another writer, or one lead the
     * database refused): nothing of it was written, so each lead goes alone, and only
     * the lead at fault fails. */
    lr_log(LR_LOG_WARN, "lead batch failed; writing its leads one by one",
           json_pack("{s:i, s:s}", "leads", (int)n, "error", b->conn.last_error));
    for (size_t i = 0; i < n; i++)
        write_batch(b, &items[i], 1);
}

static void *writer(void *arg)
{
    struct lr_batcher *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (b->head == NULL && !b->stop)
            pthread_cond_wait(&b->work, &b->mu);
        if (b->head == NULL)
            break;
        size_t n = 0;
        while (b->head != NULL && n < b->batch_max) {
            b->batch[n++] = b->head;
            b->head = b->head->next;
        }
        if (b->head == NULL)
            b->tail = NULL;
        pthread_mutex_unlock(&b->mu);

        write_batch(b, b->batch, n);

        pthread_mutex_lock(&b->mu);
        /* After the signal the item may be gone with its thread's stack: touch it no more. */
        for (size_t i = 0; i < n; i++) {
            b->batch[i]->done = true;
            pthread_cond_signal(&b->batch[i]->cv);
        }
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

struct lr_batcher *lr_batcher_new(const char *conninfo, unsigned batch_max)
{
    struct lr_batcher *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->batch_max = batch_max ? batch_max : 1;
    b->conninfo = strdup(conninfo);
    b->batch = calloc(b->batch_max, sizeof *b->batch);
    b->writes = calloc(b->batch_max, sizeof *b->writes);
    b->results = calloc(b->batch_max, sizeof *b->results);
    if (b->conninfo == NULL || b->batch == NULL || b->writes == NULL || b->results == NULL)
        goto fail;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work, NULL);
    /* The writer needs little stack: libpq and the array building are on the heap. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(&b->thread, &attr, writer, b);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->work);
        goto fail;
    }
    return b;
fail:
    free(b->conninfo);
    free(b->batch);
    free(b->writes);
    free(b->results);
    free(b);
    return NULL;
}

void lr_batcher_free(struct lr_batcher *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    lr_db_disconnect(&b->conn);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->work);
    free(b->conninfo);
    free(b->batch);
    free(b->writes);
    free(b->results);
    free(b);
}

enum lr_db_status lr_batcher_commit(struct lr_batcher *b, const struct lr_lead_write *w,
                                    int *status, char **body)
{
    struct item it = {.w = w};
    *body = NULL;
    pthread_cond_init(&it.cv, NULL);
    pthread_mutex_lock(&b->mu);
    if (b->stop) {
        pthread_mutex_unlock(&b->mu);
        pthread_cond_destroy(&it.cv);
        return LR_DB_UNAVAILABLE;
    }
    if (b->tail != NULL)
        b->tail->next = &it;
    else
        b->head = &it;
    b->tail = &it;
    pthread_cond_signal(&b->work);
    while (!it.done)
        pthread_cond_wait(&it.cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    pthread_cond_destroy(&it.cv);
    if (it.s != LR_DB_OK) {
        free(it.res.body);
        return it.s;
    }
    *status = it.res.status;
    *body = it.res.body;
    return LR_DB_OK;
}
