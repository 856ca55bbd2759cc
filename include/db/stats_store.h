/* Per-segment figures (SPEC 3.2 stats), computed in SQL from the stored rows. */
#ifndef LR_DB_STATS_STORE_H
#define LR_DB_STATS_STORE_H

#include "db/pool.h"

/* The figures of [since, until) (RFC 3339 texts; NULL: open-ended) as JSON text. */
enum lr_db_status lr_stats_json(struct lr_db_conn *c, const char *since, const char *until,
                                char **json);

#endif
