/* API tokens as stored: a name, a role name and the SHA-256 of the token. */
#ifndef LR_DB_TOKENS_STORE_H
#define LR_DB_TOKENS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/pool.h"

enum lr_db_status lr_tokens_insert(struct lr_db_conn *c, const char *name, const char *role,
                                   const char *sha256_hex);
/* *found false when no live token has that hash; else role and name are copied. */
enum lr_db_status lr_tokens_find(struct lr_db_conn *c, const char *sha256_hex, bool *found,
                                 char *role, size_t rolelen, char *name, size_t namelen);

/* Every token, oldest first: id, name, role, created_at and revoked_at (NULL while live),
 * times as ISO 8601 UTC. The caller PQclear's *out. */
enum lr_db_status lr_tokens_list(struct lr_db_conn *c, PGresult **out);
/* Revokes the live token with that id (by_id) or every live token with that name; *out
 * holds one row per token revoked: id, name, role (none: nothing matched). The caller
 * PQclear's it. */
enum lr_db_status lr_tokens_revoke(struct lr_db_conn *c, const char *key, bool by_id,
                                   PGresult **out);
/* Live tokens of role "admin". */
enum lr_db_status lr_tokens_live_admins(struct lr_db_conn *c, int64_t *count);

#endif
