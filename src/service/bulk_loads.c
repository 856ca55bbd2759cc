/* Bulk loads: the body is already on local disk (or in memory), so the transaction
 * never waits on the client while the rows stream into COPY. */
#include "service/bulk_loads.h"

#include <string.h>

#include "service/rules.h"

struct load_job {
    const char *period; /* NULL: an account load */
    const char *actor;
    lr_rows_fn rows;
    void *arg;
    json_t *sql_errors;
    struct lr_load_result *out;
};

static enum lr_db_status load_tx(struct lr_db_conn *c, void *arg)
{
    struct load_job *job = arg;
    struct lr_load_result *out = job->out;
    memset(out, 0, sizeof *out);
    json_array_clear(job->sql_errors);
    const struct lr_rules *rules = NULL;
    struct lr_copy copy;
    enum lr_db_status s;
    if (job->period != NULL && (s = lr_rules_current(c, &rules)) != LR_DB_OK)
        return s;
    s = job->period ? lr_named_load_begin(c, &copy) : lr_accounts_load_begin(c, &copy);
    if (s != LR_DB_OK)
        return s;
    out->rows = job->rows(job->arg, rules, &copy);
    if (out->rows.fatal != 0) {
        lr_copy_abort(&copy);
        return LR_DB_OK; /* nothing was written */
    }
    bool apply = out->rows.problems == 0;
    if (job->period != NULL)
        return lr_named_load_end(&copy, job->period, apply, job->actor, &out->counts,
                                 job->sql_errors, &out->sql_problems);
    return lr_accounts_load_end(&copy, apply, out->rows.rows, job->actor, job->sql_errors,
                                &out->sql_problems);
}

static enum lr_db_status run(struct lr_db_pool *pool, struct load_job *job)
{
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(pool, &c);
    if (s != LR_DB_OK)
        return s;
    s = lr_db_run_tx(c, load_tx, job);
    lr_db_release(pool, c);
    return s;
}

enum lr_db_status lr_service_accounts_load(struct lr_db_pool *pool, const char *actor,
                                           lr_rows_fn rows, void *arg, json_t *sql_errors,
                                           struct lr_load_result *out)
{
    struct load_job job = {NULL, actor, rows, arg, sql_errors, out};
    return run(pool, &job);
}

enum lr_db_status lr_service_named_replace(struct lr_db_pool *pool, const char *period,
                                           const char *actor, lr_rows_fn rows, void *arg,
                                           json_t *sql_errors, struct lr_load_result *out)
{
    struct load_job job = {period, actor, rows, arg, sql_errors, out};
    return run(pool, &job);
}
