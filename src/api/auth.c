/* Bearer tokens: random, shown once, stored only as their SHA-256. */
#include "api/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "api/problem.h"
#include "db/tokens_store.h"

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
    return lr_tokens_insert(c, name, lr_role_name(role), hash);
}

enum lr_db_status lr_token_lookup(struct lr_db_conn *c, const char *token, enum lr_role *role,
                                  char *name, size_t namelen)
{
    char hash[65], role_name[16];
    lr_token_hash(token, hash);
    bool found = false;
    enum lr_db_status s =
        lr_tokens_find(c, hash, &found, role_name, sizeof role_name, name, namelen);
    *role = LR_ROLE_NONE;
    if (s == LR_DB_OK && found)
        lr_role_parse(role_name, role);
    return s;
}

void lr_authenticate(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                     enum lr_role needed)
{
    const char *token = lr_req_bearer(req);
    if (token == NULL || token[0] == '\0') {
        lr_problem_answer(resp, LR_PROBLEM_UNAUTHORIZED, "send Authorization: Bearer <token>",
                          NULL);
        return;
    }
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    char name[128] = "";
    if (s == LR_DB_OK) {
        s = lr_token_lookup(c, token, &req->role, name, sizeof name);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    if (req->role == LR_ROLE_NONE) {
        lr_problem_answer(resp, LR_PROBLEM_UNAUTHORIZED, "unknown or revoked token", NULL);
        return;
    }
    snprintf(req->actor, sizeof req->actor, "token:%s", name);
    if (req->role < needed) {
        char detail[128];
        snprintf(detail, sizeof detail, "this needs the %s role; the token has %s",
                 lr_role_name(needed), lr_role_name(req->role));
        lr_problem_answer(resp, LR_PROBLEM_FORBIDDEN, detail, NULL);
    }
}
