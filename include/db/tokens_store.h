/* API tokens as stored: a name, a role name and the SHA-256 of the token. */
#ifndef LR_DB_TOKENS_STORE_H
#define LR_DB_TOKENS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/pool.h"

enum lr_db_status lr_tokens_insert(struct lr_db_conn *c, const char *name, const char *role,
                                   const char *sha256_hex);
/* *found false when no live token has that hash; else role and name are copied. */
enum lr_db_status lr_tokens_find(struct lr_db_conn *c, const char *sha256_hex, bool *found,
                                 char *role, size_t rolelen, char *name, size_t namelen);

#endif
