/* The write-back outbox as operators see it (SPEC 3.6): listing, manual retry, and
 * the figures /metrics reports. The delivery workers' side is db/outbox_store.h. */
#ifndef LR_DB_DELIVERIES_STORE_H
#define LR_DB_DELIVERIES_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/pool.h"

/* {"items": [...], "next_after"}: deliveries of that status (NULL: any) with
 * id > after, ascending by id. */
enum lr_db_status lr_deliveries_list_json(struct lr_db_conn *c, const char *status, int64_t after,
                                          int64_t limit, char **json);

/* Inside the caller's transaction: a dead delivery becomes pending now, with a fresh
 * schedule. *found false: no such delivery; *was_dead false: it was not dead; *newer:
 * a newer owner of the subject is delivered or pending, so this one stays dead (nothing
 * changed in either case). *json is the delivery after (caller frees) when it changed. */
enum lr_db_status lr_delivery_revive(struct lr_db_conn *c, int64_t id, bool *found, bool *was_dead,
                                     bool *newer, char **json);

/* Pending deliveries and the age in seconds of the oldest (0 when none). */
enum lr_db_status lr_outbox_figures(struct lr_db_conn *c, int64_t *pending, double *oldest_age);

#endif
