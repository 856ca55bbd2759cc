/* The outbox rows the lead lanes wrote leased to this replica's delivery worker
 * (lr_write_assignments' hand-off), waiting for a free slot: pushed by the lanes at
 * commit, taken by the worker thread. A row that waits too long for its lease to cover
 * its request is dropped here and claimed after its lease, by any replica. */
#ifndef LR_SERVICE_WRITEBACK_HANDOFF_H
#define LR_SERVICE_WRITEBACK_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct lr_wb_handoff;

/* Room for cap rows. NULL when out of memory. */
struct lr_wb_handoff *lr_wb_handoff_new(size_t cap);
void lr_wb_handoff_free(struct lr_wb_handoff *h);

/* Appends ids[0..n), which came at now_ms (monotonic): how many did not fit (they are
 * counted as dropped). Thread-safe. */
size_t lr_wb_handoff_push(struct lr_wb_handoff *h, const int64_t *ids, size_t n, int64_t now_ms);

/* Moves up to max ids, oldest first, into out: how many. Those that came before
 * not_before_ms are dropped instead. Thread-safe. */
size_t lr_wb_handoff_take(struct lr_wb_handoff *h, int64_t *out, size_t max, int64_t not_before_ms);

/* How many rows wait. Thread-safe. */
size_t lr_wb_handoff_waiting(struct lr_wb_handoff *h);

/* The rows dropped (full, or too old) since the last call. Thread-safe. */
size_t lr_wb_handoff_dropped(struct lr_wb_handoff *h);

/* The lease the lead lanes write their new outbox rows with, to hand them to this
 * replica's worker at commit (lr_db_limits.handoff_lease_sec); 0: no hand-off (no
 * destination, or a lease too close to the timeout to cover a wait for a slot). */
unsigned lr_writeback_handoff_lease(const struct lr_config *cfg);

#endif
