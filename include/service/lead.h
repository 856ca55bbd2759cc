/* lead.created (SPEC 2.1-2.7): load what routing needs, decide with the pure rules,
 * commit once. Leads go through the batcher's lanes (service/batcher.h,
 * docs/performance.md) so that many share one durable commit; each gets the answer it
 * would get alone. */
#ifndef LR_SERVICE_LEAD_H
#define LR_SERVICE_LEAD_H

#include "db/pool.h"
#include "service/batcher.h"
#include "service/event.h"
#include "util/metrics.h"

/* How many lanes the lead path's batcher needs (lr_batcher_new). */
unsigned lr_lead_lanes(void);

struct lr_writeback;
struct lr_routing_cache;

/* What the lead path runs on. pool: connections without a batcher. batcher: the lanes
 * (NULL: each lead alone on a pool connection). batch_sizes (may be NULL): observes the
 * size of each commit. writeback (may be NULL): takes the outbox rows a commit hands
 * over. routing_cache (may be NULL): decides leads without a read (with a batcher only). */
struct lr_lead_path {
    struct lr_db_pool *pool;
    struct lr_batcher *batcher;
    struct lr_histogram *batch_sizes;
    struct lr_writeback *writeback;
    struct lr_routing_cache *routing_cache;
};

/* Routes one lead. */
void lr_service_lead(const struct lr_lead_path *path, const struct lr_envelope *env,
                     struct lr_event_outcome *out);

#endif
