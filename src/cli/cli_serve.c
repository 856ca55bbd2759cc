/* leadrouter serve: the wiring of the server, its pool, lead batcher and write-back
 * worker, after a check that the database's schema is the one this binary knows. */
#include <stdio.h>
#include <stdlib.h>

#include "api/admit.h"
#include "api/app.h"
#include "api/auth.h"
#include "api/observe.h"
#include "cli/cli.h"
#include "db/migrations.h"
#include "db/pool.h"
#include "http/server.h"
#include "service/batcher.h"
#include "service/lead.h"
#include "service/routing_cache.h"
#include "service/writeback.h"
#include "service/writeback_handoff.h"
#include "util/json.h"
#include "util/log.h"

/* A database that answers with another schema would fail requests one by one, or
 * worse, half-work: refuse to start instead. One that does not answer yet is no reason
 * to stay down: /readyz keeps this replica out of rotation until it does. */
static int schema_known(const struct lr_config *cfg, const struct lr_db_limits *limits)
{
    struct lr_db_conn c = {0};
    int64_t version = 0, target = lr_schema_target();
    enum lr_db_status s = lr_db_connect_with(cfg->database_url, limits, &c);
    if (s == LR_DB_OK)
        s = lr_schema_current(&c, &version);
    if (s != LR_DB_OK) {
        lr_log(LR_LOG_WARN,
               "PostgreSQL unreachable at start: serving, /readyz answers 503 until it answers",
               json_pack("{s:s}", "error", c.last_error));
        lr_db_disconnect(&c);
        return 0;
    }
    lr_db_disconnect(&c);
    if (version == target)
        return 0;
    if (version < target)
        lr_log(LR_LOG_ERROR, "schema behind: run leadrouter migrate, then serve",
               json_pack("{s:I, s:I}", "schema_version", (json_int_t)version, "schema_target",
                         (json_int_t)target));
    else
        lr_log(LR_LOG_ERROR,
               "schema newer than this binary knows: deploy the release that migrated it",
               json_pack("{s:I, s:I}", "schema_version", (json_int_t)version, "schema_target",
                         (json_int_t)target));
    return -1;
}

static int serve(const struct lr_config *cfg)
{
    /* Before the batcher's threads exist: a stop signal must never reach one of them,
     * whose default action would end the process mid-drain. */
    lr_serve_block_signals();
    struct lr_app app = {.cfg = *cfg};
    if (lr_webhook_key_from_secret(cfg->webhook_secret, &app.webhook_key)) {
        lr_log(LR_LOG_ERROR, "webhook_secret is not set or not valid (whsec_<base64> or text)",
               NULL);
        return LR_CLI_FAILED;
    }
    struct lr_db_limits limits = {cfg->db_acquire_timeout_ms, cfg->db_statement_timeout_ms,
                                  cfg->db_connect_timeout_sec, cfg->db_tcp_user_timeout_ms};
    if (schema_known(cfg, &limits))
        return LR_CLI_FAILED;
    /* Every serving connection tells lr_write_assignments where to queue deliveries. */
    snprintf(limits.writeback, sizeof limits.writeback, "%s", cfg->writeback);
    app.pool = lr_db_pool_new(cfg->database_url, cfg->db_pool_size, &limits);
    if (app.pool == NULL)
        return LR_CLI_FAILED;
    /* Group commit of leads (docs/performance.md); batch_max 1 writes each alone. The
     * lanes run the same few statements all day: planned once per session. */
    struct lr_db_limits lane_limits = limits;
    lane_limits.generic_plans = true;
    /* The lanes hand their new outbox rows to this replica's worker at commit: started
     * below, or the server does not serve. */
    lane_limits.handoff_lease_sec = lr_writeback_handoff_lease(cfg);
    if (cfg->batch_max > 1 &&
        (app.batcher = lr_batcher_new(cfg->database_url, &lane_limits, cfg->batch_max,
                                      lr_lead_lanes())) == NULL) {
        lr_db_pool_free(app.pool);
        return LR_CLI_FAILED;
    }
    /* The batcher's read lane decides leads from it (docs/performance.md). */
    if (app.batcher != NULL && cfg->routing_cache_accounts > 0 &&
        (app.routing_cache = lr_routing_cache_new(cfg->routing_cache_accounts)) == NULL) {
        lr_batcher_free(app.batcher);
        lr_db_pool_free(app.pool);
        return LR_CLI_FAILED;
    }
    atomic_init(&app.draining, false);
    atomic_init(&app.readiness, 0);
    atomic_init(&app.bulk_loads, 0);
    /* The counters of /metrics: large, and alive as long as the server. */
    struct lr_observe *observe = malloc(sizeof *observe);
    if (observe != NULL)
        lr_observe_init(observe);
    app.observe = observe;
    char err[512];
    if (lr_writeback_start(cfg, cfg->database_url, &limits, &app.writeback, err, sizeof err)) {
        lr_log(LR_LOG_ERROR, "write-back not started", json_pack("{s:s}", "error", err));
        free(observe);
        lr_batcher_free(app.batcher);
        lr_routing_cache_free(app.routing_cache);
        lr_db_pool_free(app.pool);
        return LR_CLI_FAILED;
    }
    struct lr_http_handler handler = lr_api_http_handler(&app);
    int rc = lr_serve(&app.cfg, &handler, &app.draining);
    /* After the drain: requests served until then may still have queued deliveries. */
    lr_writeback_stop(app.writeback);
    app.writeback = NULL;
    app.observe = NULL;
    free(observe);
    lr_batcher_free(app.batcher);
    lr_routing_cache_free(app.routing_cache);
    lr_db_pool_free(app.pool);
    return rc == 0 ? LR_CLI_OK : LR_CLI_FAILED;
}

int lr_cli_serve(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] =
        "usage: leadrouter serve\n"
        "Serves HTTP on listen (default 127.0.0.1:8080). Refuses to start when the\n"
        "database's schema is not the one this binary knows (run leadrouter migrate); starts\n"
        "when PostgreSQL is down, with /readyz at 503 until it answers. SIGTERM: /readyz\n"
        "turns 503, requests keep being served for shutdown_delay_seconds, then those in\n"
        "flight get drain_seconds to finish.\n";
    int rc = lr_cli_parse("serve", help, argc, argv, NULL, 0, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    struct lr_config cfg;
    if (lr_cli_config(cli, &cfg, true))
        return LR_CLI_USAGE;
    return serve(&cfg);
}
