/* Liveness and readiness. Readiness means this process is not shutting down,
 * PostgreSQL answers and the schema is the one this binary was built for. It answers
 * within readyz_timeout_ms whatever PostgreSQL does: a probe that hangs is as useless
 * to a load balancer as none. */
#include "api/api.h"
#include "api/problem.h"
#include "db/migrations.h"
#include "util/log.h"
#include "util/json.h"

#include <stdio.h>

void lr_api_healthz(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)app;
    (void)req;
    lr_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

/* What /readyz last found, logged once per change: a probe every few seconds must not
 * fill the log, and an SRE must still see when and why a replica left rotation. */
enum readiness { UNKNOWN, READY, UNREACHABLE, SCHEMA_BEHIND, SCHEMA_AHEAD };

static void note_readiness(struct lr_app *app, enum readiness now, json_t *fields)
{
    static const char *const WHAT[] = {
        [READY] = "ready",
        [UNREACHABLE] = "not ready: PostgreSQL unreachable",
        [SCHEMA_BEHIND] = "not ready: schema behind, run leadrouter migrate",
        [SCHEMA_AHEAD] = "schema newer than this binary: serving until this replica is replaced",
    };
    if (atomic_exchange(&app->readiness, (int)now) == (int)now) {
        json_decref(fields);
        return;
    }
    lr_log(now == READY ? LR_LOG_INFO : LR_LOG_WARN, WHAT[now], fields);
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
    char why[256] = "";
    enum lr_db_status s =
        lr_db_acquire_probe(app->pool, app->cfg.readyz_timeout_ms, &c, why, sizeof why);
    int64_t version = 0, target = lr_schema_target();
    if (s == LR_DB_OK) {
        s = lr_schema_current(c, &version);
        snprintf(why, sizeof why, "%s", c->last_error);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        char detail[96];
        snprintf(detail, sizeof detail, "PostgreSQL is unreachable or did not answer within %u ms",
                 app->cfg.readyz_timeout_ms);
        note_readiness(app, UNREACHABLE, json_pack("{s:s}", "error", why));
        lr_problem_answer_retry(resp, app, LR_PROBLEM_NOT_READY, detail);
        return;
    }
    if (version < target) {
        char detail[160];
        snprintf(detail, sizeof detail,
                 "schema behind: the database is at version %lld, this binary needs %lld: run "
                 "`leadrouter migrate`",
                 (long long)version, (long long)target);
        note_readiness(app, SCHEMA_BEHIND,
                       json_pack("{s:I, s:I}", "schema_version", (json_int_t)version,
                                 "schema_target", (json_int_t)target));
        lr_problem_answer_retry(resp, app, LR_PROBLEM_SCHEMA_BEHIND, detail);
        return;
    }
    /* A newer schema during a rolling update: the release that migrated it is on its
     * way, and its migrations keep the previous binary working until it arrives. */
    note_readiness(app, version > target ? SCHEMA_AHEAD : READY,
                   json_pack("{s:I, s:I}", "schema_version", (json_int_t)version, "schema_target",
                             (json_int_t)target));
    lr_resp_json(resp, 200,
                 json_pack("{s:s, s:I}", "status", "ready", "schema_version", (json_int_t)version));
}
