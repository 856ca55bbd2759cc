/* Per-segment figures (SPEC 3.2 stats, 3.7 the dashboard), computed in SQL from the
 * stored rows. */
#ifndef LR_DB_STATS_STORE_H
#define LR_DB_STATS_STORE_H

#include "db/pool.h"

/* The figures of [since, until) (RFC 3339 texts; NULL: open-ended) as JSON text. */
enum lr_db_status lr_stats_json(struct lr_db_conn *c, const char *since, const char *until,
                                char **json);

/* Leads routed per bucket of [since, until) and per queue as decided, as JSON text:
 * bucket is the name echoed ("hour", "day"), width its PostgreSQL interval ("1 hour",
 * "24 hours": a fixed length, so that buckets are UTC hours and days). */
enum lr_db_status lr_stats_series_json(struct lr_db_conn *c, const char *since, const char *until,
                                       const char *bucket, const char *width, char **json);

#endif
