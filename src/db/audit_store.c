/* Audit rows are inserted in the caller's transaction, so they commit or vanish with
 * the change they describe. The table refuses UPDATE, DELETE and TRUNCATE. */
#include "db/audit_store.h"

#include <stdlib.h>

#include "util/json.h"

static const struct lr_db_stmt AUDIT_INSERT = {
    "audit_insert",
    "INSERT INTO audit_log (actor, action, subject_type, subject_id, before, after)"
    " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)",
    6};

enum lr_db_status lr_audit(struct lr_db_conn *c, const char *actor, const char *action,
                           const char *subject_type, const char *subject_id,
                           const char *before_json, const char *after_json)
{
    const char *p[] = {actor, action, subject_type, subject_id, before_json, after_json};
    return lr_db_exec(c, &AUDIT_INSERT, p, NULL);
}

enum lr_db_status lr_audit_json(struct lr_db_conn *c, const char *actor, const char *action,
                                const char *subject_type, const char *subject_id,
                                const json_t *before, const json_t *after)
{
    char *b = before ? lr_json_dumps(before) : NULL;
    char *a = after ? lr_json_dumps(after) : NULL;
    enum lr_db_status s;
    if ((before && !b) || (after && !a))
        s = LR_DB_ERROR;
    else
        s = lr_audit(c, actor, action, subject_type, subject_id, b, a);
    free(b);
    free(a);
    return s;
}
