/* Bearer tokens with roles (SPEC 3.4): random, shown once, stored as their SHA-256. */
#ifndef LR_API_AUTH_H
#define LR_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "api/app.h"
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
/* Looks up a token. LR_DB_OK with *role LR_ROLE_NONE when it is unknown or revoked. */
enum lr_db_status lr_token_lookup(struct lr_db_conn *c, const char *token, enum lr_role *role,
                                  char *name, size_t namelen);

/* Checks the request's Authorization header for a token of at least role needed; on
 * success sets req->role and req->actor, else answers 401, 403 or 503. */
void lr_authenticate(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                     enum lr_role needed);

#endif
