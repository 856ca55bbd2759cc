/* Liveness and readiness. Readiness means PostgreSQL answers and the schema is the
 * one this binary was built for. */
#include "api/api.h"
#include "db/migrations.h"
#include "util/json.h"

void lr_api_healthz(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)app;
    (void)req;
    lr_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

void lr_api_readyz(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)req;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    int64_t version = 0;
    if (s == LR_DB_OK) {
        s = lr_schema_current(c, &version);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        lr_problem(resp, 503, "not-ready", "Not ready", "PostgreSQL is unreachable", NULL);
        resp->retry_after = app->cfg.retry_after_sec;
        return;
    }
    if (version < lr_schema_target()) {
        lr_problem(resp, 503, "not-ready", "Not ready",
                   "the database schema is behind this binary: run `leadrouter migrate`", NULL);
        resp->retry_after = app->cfg.retry_after_sec;
        return;
    }
    lr_resp_json(resp, 200,
                 json_pack("{s:s, s:I}", "status", "ready", "schema_version", (json_int_t)version));
}
