/* The assignment history that dashboards poll. */
#ifndef LR_DB_ASSIGNMENTS_STORE_H
#define LR_DB_ASSIGNMENTS_STORE_H

#include <stdint.h>

#include "db/pool.h"

/* Numbers the committed, unpublished assignments (see lr_publish_assignments in
 * migrations/0001_core.sql). Run before any read that shows assignment ids. */
enum lr_db_status lr_assignments_publish(struct lr_db_conn *c);

/* One page of {"items": [...], "next_after": N}; filters may be NULL. */
enum lr_db_status lr_assignments_page_json(struct lr_db_conn *c, int64_t after, int64_t limit,
                                           const char *queue, const char *rep_id,
                                           const char *subject, char **json);

#endif
