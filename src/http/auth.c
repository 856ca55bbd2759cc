/* Bearer tokens: random, shown once, stored only as their SHA-256. */
#include "http/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static const char *const ROLE_NAMES[] = {"none", "reader", "ops", "admin"};

const char *lr_role_name(enum lr_role r)
{
    return r <= LR_ROLE_ADMIN ? ROLE_NAMES[r] : "none";
}

bool lr_role_parse(const char *s, enum lr_role *out)
{
    for (int i = LR_ROLE_READER; i <= LR_ROLE_ADMIN; i++) {
        if (strcmp(s, ROLE_NAMES[i]) == 0) {
            *out = (enum lr_role)i;
            return true;
        }
    }
    return false;
}

void lr_token_hash(const char *token, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_Digest(token, strlen(token), d, &dl, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + i * 2, 3, "%02x", d[i]);
    out[64] = '\0';
}

static const struct lr_db_stmt TOKEN_INSERT = {
    "token_insert", "INSERT INTO api_tokens (name, role, token_sha256) VALUES ($1, $2, $3)", 3};
static const struct lr_db_stmt TOKEN_LOOKUP = {
    "token_lookup",
    "SELECT role, name FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL", 1};

enum lr_db_status lr_token_create(struct lr_db_conn *c, const char *name, enum lr_role role,
                                  char *out, size_t outlen)
{
    unsigned char raw[32];
    if (outlen < 80 || RAND_bytes(raw, sizeof raw) != 1)
        return LR_DB_ERROR;
    memcpy(out, "lr_", 3);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 3 + i * 2, 3, "%02x", raw[i]);
    char hash[65];
    lr_token_hash(out, hash);
    const char *p[] = {name, lr_role_name(role), hash};
    return lr_db_exec(c, &TOKEN_INSERT, p, NULL);
}

enum lr_db_status lr_token_lookup(struct lr_db_conn *c, const char *token, enum lr_role *role,
                                  char *name, size_t namelen)
{
    char hash[65];
    lr_token_hash(token, hash);
    const char *p[] = {hash};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &TOKEN_LOOKUP, p, &r);
    if (s != LR_DB_OK)
        return s;
    *role = LR_ROLE_NONE;
    if (PQntuples(r) == 1) {
        lr_role_parse(PQgetvalue(r, 0, 0), role);
        snprintf(name, namelen, "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return LR_DB_OK;
}
