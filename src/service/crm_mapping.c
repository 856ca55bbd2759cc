/* CRM mapping versions: written like the rules, one transaction per change. */
#include "service/crm_mapping.h"

#include <stdlib.h>

#include "db/crm_store.h"

struct put_job {
    const char *crm, *document, *actor;
    char **json;
};

/* May run more than once (lr_db_run_tx): nothing of a failed attempt is kept. */
static enum lr_db_status put_tx(struct lr_db_conn *c, void *arg)
{
    struct put_job *job = arg;
    free(*job->json);
    *job->json = NULL;
    return lr_crm_mapping_append(c, job->crm, job->document, job->actor, job->json);
}

enum lr_db_status lr_service_crm_mapping_put(struct lr_db_pool *pool, const char *crm,
                                             const char *document, const char *actor, char **json)
{
    *json = NULL;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(pool, &c);
    if (s != LR_DB_OK)
        return s;
    struct put_job job = {crm, document, actor, json};
    s = lr_db_run_tx(c, put_tx, &job);
    lr_db_release(pool, c);
    if (s != LR_DB_OK) {
        free(*json);
        *json = NULL;
    }
    return s;
}
