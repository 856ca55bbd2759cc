/* POST /v1/deliveries/{id}/retry: one transaction. */
#include "service/deliveries.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/audit_store.h"
#include "db/deliveries_store.h"

struct retry_job {
    int64_t id;
    const char *actor;
    enum lr_retry_outcome outcome;
    char *json;
};

static enum lr_db_status retry_tx(struct lr_db_conn *c, void *arg)
{
    struct retry_job *job = arg;
    free(job->json);
    job->json = NULL;
    bool found = false, was_dead = false, newer = false;
    enum lr_db_status s = lr_delivery_revive(c, job->id, &found, &was_dead, &newer, &job->json);
    if (s != LR_DB_OK)
        return s;
    job->outcome = !found      ? LR_RETRY_NOT_FOUND
                   : !was_dead ? LR_RETRY_NOT_DEAD
                   : newer     ? LR_RETRY_MOOT
                               : LR_RETRY_DONE;
    if (job->outcome != LR_RETRY_DONE)
        return LR_DB_OK;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)job->id);
    return lr_audit(c, job->actor, "delivery.retried", "delivery", id, "{\"status\": \"dead\"}",
                    job->json);
}

enum lr_db_status lr_service_delivery_retry(struct lr_db_pool *pool, int64_t id, const char *actor,
                                            enum lr_retry_outcome *outcome, char **json)
{
    *json = NULL;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(pool, &c);
    if (s != LR_DB_OK)
        return s;
    struct retry_job job = {.id = id, .actor = actor};
    s = lr_db_run_tx(c, retry_tx, &job);
    lr_db_release(pool, c);
    *outcome = job.outcome;
    if (s == LR_DB_OK) {
        *json = job.json;
        job.json = NULL;
    }
    free(job.json);
    return s;
}
