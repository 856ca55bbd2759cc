/* Bearer tokens with roles, stored as SHA-256 hashes. */
#ifndef LR_HTTP_AUTH_H
#define LR_HTTP_AUTH_H

#include "db/pool.h"
#include "http/http.h"

const char *lr_role_name(enum lr_role r);
bool lr_role_parse(const char *s, enum lr_role *out);

/* Hex SHA-256 of the token (65 bytes). */
void lr_token_hash(const char *token, char out[65]);

/* Creates a token with role and name; writes the plain token (shown once) into out
 * (>= 80 bytes). */
enum lr_db_status lr_token_create(struct lr_db_conn *c, const char *name, enum lr_role role,
                                  char *out, size_t outlen);

/* Looks up the Authorization header's token. LR_DB_OK with *role LR_ROLE_NONE when
 * the token is unknown or revoked. */
enum lr_db_status lr_token_lookup(struct lr_db_conn *c, const char *token, enum lr_role *role,
                                  char *name, size_t namelen);

#endif
