/* The rules in force (SPEC 2.10), parsed once per connection and version: a version
 * never changes once written, and every decision reads the newest one, so a new
 * version is in force on every replica from its commit on. */
#ifndef LR_SERVICE_RULES_H
#define LR_SERVICE_RULES_H

#include <stdint.h>

#include "db/pool.h"
#include "routing/rules.h"

/* The newest version. *out stays valid until the next call on this connection. */
enum lr_db_status lr_rules_current(struct lr_db_conn *c, const struct lr_rules **out);
/* A given version (the one a stored decision cites). */
enum lr_db_status lr_rules_at(struct lr_db_conn *c, int64_t version, const struct lr_rules **out);

/* PUT /v1/rules: stores a validated document as the next version, audited, in one
 * transaction; *json is the stored version (caller frees). */
enum lr_db_status lr_service_rules_put(struct lr_db_pool *pool, const char *document,
                                       const char *actor, char **json);

#endif
