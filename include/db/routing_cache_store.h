/* The read of the routing cache (service/routing_cache.h, migrations/0015). */
#ifndef LR_DB_ROUTING_CACHE_STORE_H
#define LR_DB_ROUTING_CACHE_STORE_H

#include "db/pool.h"
#include "routing/lead.h"

/* The routing version a read saw. */
struct lr_routing_head {
    int64_t v;
    int64_t accounts_reset; /* above the cache's version: every account comes again */
    int64_t rules_version;  /* the newest rules version (0: none yet) */
};

/* What a read hands over as the rows arrive: begin once, before anything else, then each
 * account and each named account of the period, in no set order. A callback that
 * returns non-zero gets nothing more, and the read answers LR_DB_ERROR. */
struct lr_routing_sink {
    int (*begin)(void *arg, const struct lr_routing_head *head);
    int (*account)(void *arg, const char *domain, const struct lr_account_facts *facts);
    int (*named)(void *arg, const char *domain, const struct lr_named_facts *facts);
    void *arg;
};

/* One statement, so one snapshot: the version, the accounts written after since_v (all
 * of them when since_v is 0, or when accounts were deleted since), and every named
 * account of period with its owner's segment and state. The rows are not held: a
 * million accounts cost the size of one row. */
enum lr_db_status lr_routing_cache_read(struct lr_db_conn *c, int64_t since_v, const char *period,
                                        const struct lr_routing_sink *sink);

#endif
