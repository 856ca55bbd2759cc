/* The parsed rules, cached in the connection's slot for the layer above. */
#include "service/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/rules_store.h"

static void free_cached(void *cache)
{
    struct lr_rules *r = cache;
    lr_rules_free(r);
    free(r);
}

enum lr_db_status lr_rules_at(struct lr_db_conn *c, int64_t version, const struct lr_rules **out)
{
    struct lr_rules *cached = c->cache;
    if (cached != NULL && cached->version == version) {
        *out = cached;
        return LR_DB_OK;
    }
    char *doc = NULL;
    enum lr_db_status s = lr_rules_document(c, version, &doc);
    if (s == LR_DB_NOT_FOUND) {
        snprintf(c->last_error, sizeof c->last_error, "rules version %lld missing",
                 (long long)version);
        return LR_DB_ERROR;
    }
    if (s != LR_DB_OK)
        return s;
    struct lr_rules *rules = calloc(1, sizeof *rules);
    json_t *errors = json_array();
    int rc = rules ? lr_rules_parse(doc, strlen(doc), rules, errors) : -1;
    free(doc);
    json_decref(errors);
    if (rc != 0) {
        free(rules);
        snprintf(c->last_error, sizeof c->last_error, "stored rules version %lld is invalid",
                 (long long)version);
        return LR_DB_ERROR;
    }
    rules->version = version;
    if (cached != NULL)
        free_cached(cached);
    c->cache = rules;
    c->cache_free = free_cached;
    *out = rules;
    return LR_DB_OK;
}

enum lr_db_status lr_rules_current(struct lr_db_conn *c, const struct lr_rules **out)
{
    int64_t version = 0;
    enum lr_db_status s = lr_rules_newest_version(c, &version);
    return s == LR_DB_OK ? lr_rules_at(c, version, out) : s;
}

struct put_job {
    const char *document, *actor;
    char **json;
};

static enum lr_db_status put_tx(struct lr_db_conn *c, void *arg)
{
    struct put_job *job = arg;
    free(*job->json);
    *job->json = NULL;
    return lr_rules_append(c, job->document, job->actor, job->json);
}

enum lr_db_status lr_service_rules_put(struct lr_db_pool *pool, const char *document,
                                       const char *actor, char **json)
{
    *json = NULL;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(pool, &c);
    if (s != LR_DB_OK)
        return s;
    struct put_job job = {document, actor, json};
    s = lr_db_run_tx(c, put_tx, &job);
    lr_db_release(pool, c);
    if (s != LR_DB_OK) {
        free(*json);
        *json = NULL;
    }
    return s;
}
