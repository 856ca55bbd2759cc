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

/* Routes one lead: through batcher when there is one, else alone on a connection of
 * pool. batch_sizes (may be NULL) observes the size of each commit the lead is part of;
 * writeback (may be NULL) takes the outbox rows its commit hands over. */
void lr_service_lead(struct lr_db_pool *pool, struct lr_batcher *batcher,
                     struct lr_histogram *batch_sizes, struct lr_writeback *writeback,
                     const struct lr_envelope *env, struct lr_event_outcome *out);

#endif
