/* opportunity.created / opportunity.updated (SPEC 2.8): one transaction per delivery.
 * The deal's row is locked first, the pure rules decide on what the lock revealed, and
 * the answer is stored with the writes, so concurrent events for one deal apply one
 * after the other and a retry gets the identical body. */
#ifndef LR_SERVICE_OPPORTUNITY_H
#define LR_SERVICE_OPPORTUNITY_H

#include "db/pool.h"
#include "service/event.h"

void lr_service_opportunity(struct lr_db_pool *pool, const struct lr_envelope *env,
                            struct lr_event_outcome *out);

#endif
