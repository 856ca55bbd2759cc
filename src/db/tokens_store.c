/* API tokens: only their SHA-256 is kept. */
#include "db/tokens_store.h"

#include <stdio.h>

static const struct lr_db_stmt TOKEN_INSERT = {
    "token_insert", "INSERT INTO api_tokens (name, role, token_sha256) VALUES ($1, $2, $3)", 3};
static const struct lr_db_stmt TOKEN_FIND = {
    "token_find",
    "SELECT role, name FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL", 1};

enum lr_db_status lr_tokens_insert(struct lr_db_conn *c, const char *name, const char *role,
                                   const char *sha256_hex)
{
    const char *p[] = {name, role, sha256_hex};
    return lr_db_exec(c, &TOKEN_INSERT, p, NULL);
}

enum lr_db_status lr_tokens_find(struct lr_db_conn *c, const char *sha256_hex, bool *found,
                                 char *role, size_t rolelen, char *name, size_t namelen)
{
    const char *p[] = {sha256_hex};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &TOKEN_FIND, p, &r);
    if (s != LR_DB_OK)
        return s;
    *found = PQntuples(r) == 1;
    if (*found) {
        snprintf(role, rolelen, "%s", PQgetvalue(r, 0, 0));
        snprintf(name, namelen, "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return LR_DB_OK;
}
