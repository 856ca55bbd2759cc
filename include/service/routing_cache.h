/* The routing cache: a replica's copy of the accounts, the current period's named
 * accounts with their owners, and the newest rules version, so that a lead is decided
 * without a read (docs/performance.md). It is checked, not trusted: every write of those
 * tables moves the database's routing version on (migrations/0015), and the lead batch
 * that was decided at an older version is refused in its own transaction
 * (lr_leads_commit, LR_DB_STALE); the cache then reads what changed.
 *
 * One thread reads and refreshes it (the read lane); any thread may mark it stale. */
#ifndef LR_SERVICE_ROUTING_CACHE_H
#define LR_SERVICE_ROUTING_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/pool.h"
#include "routing/lead.h"
#include "routing/types.h"

struct lr_routing_cache;

/* max_accounts: more accounts than this and the cache turns itself off (leads are then
 * decided from a read, as without it); 0: no cache (NULL). NULL also when out of memory. */
struct lr_routing_cache *lr_routing_cache_new(size_t max_accounts);
void lr_routing_cache_free(struct lr_routing_cache *rc);

/* Makes the cache current for period when it is not loaded, was marked stale or holds
 * another period: one read of what changed. *usable false: decide from a read, because
 * the cache is off (over max_accounts), or its read failed (the error is returned, and
 * no read is tried again for a few seconds). */
enum lr_db_status lr_routing_cache_refresh(struct lr_routing_cache *rc, struct lr_db_conn *c,
                                           const char *period, bool *usable);

/* What the cache holds for domain (NULL: nothing, as for a lead without one). */
void lr_routing_cache_lookup(const struct lr_routing_cache *rc, const char *domain,
                             struct lr_account_facts *account, struct lr_named_facts *named);
/* The routing version of the last refresh (any thread; 0 while nothing usable is held):
 * the version a decision from the cache is made at, and a decision at a lower one is
 * stale. The newest rules version at it. */
int64_t lr_routing_cache_current(const struct lr_routing_cache *rc);
int64_t lr_routing_cache_rules_version(const struct lr_routing_cache *rc);

/* A batch decided at version v was refused as stale (counted): the next refresh reads,
 * unless the cache already moved past v. */
void lr_routing_cache_mark_stale(struct lr_routing_cache *rc, int64_t v);

/* For /metrics (any thread). */
struct lr_routing_cache_figures {
    uint64_t accounts;      /* held now (0 while off) */
    uint64_t reads;         /* reads of what changed, the first one included */
    uint64_t stale_batches; /* lead batches refused as decided on an older version */
    bool off;               /* more accounts than max_accounts */
};
void lr_routing_cache_figures(const struct lr_routing_cache *rc,
                              struct lr_routing_cache_figures *out);

#endif
