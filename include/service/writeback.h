/* The delivery worker of write-back (SPEC 3.6): one thread per replica that claims due
 * outbox rows, keeps up to writeback_concurrency requests in flight with libcurl's multi
 * interface, and records each outcome. It wakes within a second of a commit that queued
 * rows (LISTEN), else polls once a second. No database transaction is open while a
 * request is on the network: claim and commit, send, then record in a new one. */
#ifndef LR_SERVICE_WRITEBACK_H
#define LR_SERVICE_WRITEBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "db/limits.h"
#include "service/writeback_request.h"

struct lr_writeback;

/* With writeback = none: *out = NULL, no thread, 0. Else checks the settings, opens
 * nothing yet (PostgreSQL may be down; the worker connects when it can) and starts the
 * thread: 0, or -1 with err filled (bad secret or token, lease not above the timeout,
 * no memory, no thread). limits are the serving connections' (copied). Call after
 * signals are blocked (the thread inherits the mask). */
int lr_writeback_start(const struct lr_config *cfg, const char *conninfo,
                       const struct lr_db_limits *limits, struct lr_writeback **out, char *err,
                       size_t errlen);

/* Whether the worker takes more handed-over rows now: false while it has several rounds
 * waiting (it is behind; the next batch leaves its rows to claims, which any replica
 * makes, rather than queue them here under a lease). True without a worker. */
bool lr_writeback_handoff_room(const struct lr_writeback *wb);

/* Takes outbox rows ids[0..n) that a lead lane wrote leased to this worker (the batch
 * has committed) and wakes the worker; started_ms: CLOCK_MONOTONIC milliseconds taken
 * before the batch's transaction began, which the leases count from. Called from any
 * thread; wb NULL: nothing. */
void lr_writeback_handoff(struct lr_writeback *wb, const int64_t *ids, size_t n,
                          int64_t started_ms);

/* Stops claiming, waits for the requests in flight for at most writeback_timeout_sec
 * (+ 1 s) and records their outcomes; a request still running then is abandoned and its
 * row keeps its lease (another try after it passes). Joins and frees; NULL is a no-op. */
void lr_writeback_stop(struct lr_writeback *wb);

/* The destination's name ("webhook", "hubspot", "salesforce", "pipedrive"). */
const char *lr_writeback_destination(const struct lr_writeback *wb);

/* This process's counts of attempt outcomes since start, for
 * leadrouter_deliveries_total{destination, outcome}; they never go down:
 *   out[d][o], d: enum lr_wb_destination, label lr_wb_destination_name(d);
 *              o: enum lr_wb_outcome, label lr_wb_outcome_name(o):
 *     "delivered"  an attempt answered 2xx
 *     "retry"      an attempt failed and the row is due again later
 *     "dead"       the row was given up (a 4xx other than 408/425/429, another
 *                  non-2xx status, the end of the schedule, or a row that can never be
 *                  delivered, e.g. a Pipedrive owner id that is not a number)
 * Only the row of the worker's own destination can be non-zero. wb NULL: all zero.
 * Safe from any thread. */
void lr_writeback_counts(const struct lr_writeback *wb,
                         uint64_t out[LR_WB_DESTINATIONS][LR_WB_OUTCOMES]);

#endif
