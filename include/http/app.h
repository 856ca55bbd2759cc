/* The server context every handler receives. Read-only after start-up except for the
 * pool, which synchronises itself. */
#ifndef LR_HTTP_APP_H
#define LR_HTTP_APP_H

#include <stdatomic.h>

#include "config/config.h"
#include "db/pool.h"
#include "util/webhook.h"

struct lr_batcher;

struct lr_app {
    struct lr_config cfg;
    struct lr_db_pool *pool;
    struct lr_webhook_key webhook_key;
    struct lr_batcher *batcher; /* NULL: leads are written one transaction each */
    /* Set once by the server at SIGTERM: /readyz answers 503 from then on, so that a
     * load balancer stops sending while requests in flight are still served. */
    atomic_bool draining;
};

#endif
