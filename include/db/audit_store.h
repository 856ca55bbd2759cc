/* The append-only audit log (SPEC 2.10). Writes join the caller's transaction. */
#ifndef LR_DB_AUDIT_STORE_H
#define LR_DB_AUDIT_STORE_H

#include <jansson.h>

#include "db/pool.h"

/* before and after are JSON texts (NULL for none). */
enum lr_db_status lr_audit(struct lr_db_conn *c, const char *actor, const char *action,
                           const char *subject_type, const char *subject_id,
                           const char *before_json, const char *after_json);

/* The same with jansson values (not stolen; money markers replaced). */
enum lr_db_status lr_audit_json(struct lr_db_conn *c, const char *actor, const char *action,
                                const char *subject_type, const char *subject_id,
                                const json_t *before, const json_t *after);

#endif
