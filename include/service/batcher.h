/* Group commit: work items that arrive while a batch is with PostgreSQL are handled
 * together in the next one (docs/performance.md). A batcher has lanes; each lane is a
 * queue served by one thread with its own connection, so that the stages of a pipeline
 * (say, reading for the next batch while the previous one commits) run side by side. */
#ifndef LR_SERVICE_BATCHER_H
#define LR_SERVICE_BATCHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "db/pool.h"

struct lr_batcher;
struct lr_batch_item;

/* Handles items[0..n) in as few round trips as it can. For each item it records the
 * outcome in the item (which the caller embeds in its own struct) and sets item->fn to
 * NULL when the item is done, or sets fn and lane to pass the item on to a next stage.
 * c is NULL when PostgreSQL cannot be reached: fail the items (503). */
typedef void (*lr_batch_fn)(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n);

struct lr_batch_item {
    lr_batch_fn fn; /* the stage that handles the item next; NULL: done */
    unsigned lane;  /* the lane that runs fn */
    /* the batcher's */
    bool done;
    pthread_cond_t cv;
    struct lr_batch_item *next;
};

/* Starts a thread for each of the lanes, each with a connection opened on first use
 * (the server starts while PostgreSQL is down) under limits (copied): a stage whose
 * statement passes its deadline gets LR_DB_UNAVAILABLE and its connection is reopened
 * for the next batch. batch_max: items per batch at most. NULL when out of resources. */
struct lr_batcher *lr_batcher_new(const char *conninfo, const struct lr_db_limits *limits,
                                  unsigned batch_max, unsigned lanes);

/* Finishes what is queued, stops the threads and frees everything. No lr_batcher_run
 * may be in progress or start afterwards. */
void lr_batcher_free(struct lr_batcher *b);

/* Queues item (fn and lane set) and blocks until its last stage is done; items queued
 * on a lane with the same fn share a batch. false: the batcher is stopping and the item
 * was not handled. */
bool lr_batcher_run(struct lr_batcher *b, struct lr_batch_item *item);

#endif
