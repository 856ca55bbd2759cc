/* API tokens: only their SHA-256 is kept. */
#include "db/tokens_store.h"

#include <stdio.h>
#include <stdlib.h>

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

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct lr_db_stmt TOKEN_LIST = {
    "token_list",
    "SELECT id, name, role, " ISO("created_at") ", " ISO("revoked_at") " FROM api_tokens "
                                                                       "ORDER BY id",
    0};
static const struct lr_db_stmt TOKEN_REVOKE_ID = {
    "token_revoke_id",
    "UPDATE api_tokens SET revoked_at = now() WHERE id = $1::bigint AND revoked_at IS NULL"
    " RETURNING id, name, role",
    1};
static const struct lr_db_stmt TOKEN_REVOKE_NAME = {
    "token_revoke_name",
    "UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL"
    " RETURNING id, name, role",
    1};
static const struct lr_db_stmt TOKEN_ADMINS = {
    "token_admins", "SELECT count(*) FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL",
    0};

enum lr_db_status lr_tokens_list(struct lr_db_conn *c, PGresult **out)
{
    return lr_db_exec(c, &TOKEN_LIST, NULL, out);
}

enum lr_db_status lr_tokens_revoke(struct lr_db_conn *c, const char *key, bool by_id,
                                   PGresult **out)
{
    const char *p[] = {key};
    return lr_db_exec(c, by_id ? &TOKEN_REVOKE_ID : &TOKEN_REVOKE_NAME, p, out);
}

enum lr_db_status lr_tokens_live_admins(struct lr_db_conn *c, int64_t *count)
{
    char *text = NULL;
    enum lr_db_status s = lr_db_one_text(c, &TOKEN_ADMINS, NULL, &text);
    *count = text ? strtoll(text, NULL, 10) : 0;
    free(text);
    return s;
}
