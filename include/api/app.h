/* The context every API handler receives. Read-only after start-up except for the
 * pool and the lead service, which synchronise themselves, and the two counters. */
#ifndef LR_API_APP_H
#define LR_API_APP_H

#include <stdatomic.h>

#include "config/config.h"
#include "db/pool.h"
#include "util/webhook.h"

struct lr_batcher;
struct lr_observe;
struct lr_routing_cache;
struct lr_writeback;

struct lr_app {
    struct lr_config cfg;
    struct lr_db_pool *pool;
    struct lr_webhook_key webhook_key;
    struct lr_batcher *batcher; /* NULL: leads are written one transaction each */
    /* Accounts, named accounts and rules for the batcher's read lane (NULL: none). */
    struct lr_routing_cache *routing_cache;
    /* Set once by the server at SIGTERM: /readyz answers 503 from then on, so that a
     * load balancer stops sending while requests in flight are still served. */
    atomic_bool draining;
    atomic_int readiness;       /* the last /readyz outcome logged (api/health.c), 0: none yet */
    atomic_int bulk_loads;      /* bulk loads admitted and not yet done (max_bulk_loads) */
    struct lr_observe *observe; /* the counters of /metrics (NULL: none kept) */
    struct lr_writeback *writeback; /* the delivery worker (NULL: writeback = none) */
};

#endif
