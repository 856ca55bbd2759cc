/* Liveness and readiness. Readiness means this process is not shutting down,
 * PostgreSQL answers and the schema is the one this binary was built for. It answers
 * within readyz_timeout_ms whatever PostgreSQL does: a probe that hangs is as useless
 * to a load balancer as none. */
#include "api/api.h"
#include "api/problem.h"
#include "db/migrations.h"
#include "util/json.h"

#include <stdio.h>

void lr_api_healthz(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)app;
    (void)req;
    lr_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

void lr_api_readyz(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)req;
    /* At SIGTERM the load balancer must stop sending at once, database or not. */
    if (atomic_load(&app->draining)) {
        lr_problem_answer_retry(resp, app, LR_PROBLEM_DRAINING, "the server is shutting down");
        return;
    }
    /* The pool's probe connection, not a serving one: a pool saturated by slow requests
     * is no reason to take a replica out of rotation (which would only shift the load
     * onto the others), while a database that does not answer the probe in time is. */
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire_probe(app->pool, app->cfg.readyz_timeout_ms, &c);
    int64_t version = 0;
    if (s == LR_DB_OK) {
        s = lr_schema_current(c, &version);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        char detail[96];
        snprintf(detail, sizeof detail, "PostgreSQL is unreachable or did not answer within %u ms",
                 app->cfg.readyz_timeout_ms);
        lr_problem_answer_retry(resp, app, LR_PROBLEM_NOT_READY, detail);
        return;
    }
    if (version < lr_schema_target()) {
        lr_problem_answer_retry(
            resp, app, LR_PROBLEM_NOT_READY,
            "the database schema is behind this binary: run `leadrouter migrate`");
        return;
    }
    lr_resp_json(resp, 200,
                 json_pack("{s:s, s:I}", "status", "ready", "schema_version", (json_int_t)version));
}
