/* What the API counts for /metrics (SPEC 3.4): requests by route template, method and
 * status, their duration by route, requests in flight, decisions by subject, queue and
 * reason, and lead batch sizes. Owned by main (in struct lr_app), per process; counters
 * never go down. */
#ifndef LR_API_OBSERVE_H
#define LR_API_OBSERVE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "routing/types.h"
#include "util/buf.h"
#include "util/metrics.h"

#define LR_OBS_ROUTES 48 /* the route table's rows, and one for "unmatched" */
#define LR_OBS_METHODS 5 /* GET, HEAD, POST, PUT, other */
#define LR_OBS_CODES 18  /* the statuses the service answers, and one for any other */

struct lr_observe {
    atomic_uint_fast64_t requests[LR_OBS_ROUTES][LR_OBS_METHODS][LR_OBS_CODES];
    struct lr_histogram duration[LR_OBS_ROUTES];
    atomic_int in_flight;
    atomic_uint_fast64_t decisions[2][LR_SEG_NONE][LR_REASON_COUNT_];
    struct lr_histogram lead_batch;
};

void lr_observe_init(struct lr_observe *o);
/* A request ended: route is the route table's index (-1: unmatched). */
void lr_observe_request(struct lr_observe *o, int route, const char *method, unsigned status,
                        double seconds);
/* A new decision (not a replay) of a lead (opportunity false) or an opportunity. */
void lr_observe_decision(struct lr_observe *o, bool opportunity, enum lr_segment queue,
                         enum lr_reason reason);
/* Writes the metrics above. */
void lr_observe_write(struct lr_observe *o, struct lr_buf *out);

#endif
