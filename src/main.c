/* leadrouter: serve | migrate | token create | sign | version */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/version.h"
#include "service/batcher.h"
#include "service/lead.h"
#include "service/writeback.h"
#include "db/migrations.h"
#include "db/pool.h"
#include "api/admit.h"
#include "api/app.h"
#include "api/auth.h"
#include "api/observe.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/webhook.h"

static void usage(FILE *out)
{
    fputs("usage: leadrouter [--config FILE] COMMAND\n"
          "  serve                                serve HTTP (SIGTERM drains, then exits)\n"
          "  migrate                              apply missing schema migrations\n"
          "  token create --role R --name NAME    print a new bearer token (reader|ops|admin)\n"
          "  sign --id ID --timestamp TS          print the v1 webhook signature of stdin\n"
          "  settings [--markdown]                every setting, its default and range\n"
          "  version                              print the version\n"
          "Settings come from config/leadrouter.conf (or --config, or $LEADROUTER_CONFIG),\n"
          "overridden by LEADROUTER_* environment variables.\n",
          out);
}

static const char *flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int cmd_migrate(const struct lr_config *cfg)
{
    struct lr_db_conn c = {0};
    if (lr_db_connect(cfg->database_url, &c) != LR_DB_OK) {
        lr_log(LR_LOG_ERROR, "cannot connect", json_pack("{s:s}", "error", c.last_error));
        return 1;
    }
    unsigned applied = 0;
    char err[512] = "";
    enum lr_db_status s = lr_migrate(&c, &applied, err, sizeof err);
    int64_t version = 0;
    if (s == LR_DB_OK)
        s = lr_schema_current(&c, &version);
    lr_db_disconnect(&c);
    if (s != LR_DB_OK) {
        lr_log(LR_LOG_ERROR, "migration failed", json_pack("{s:s}", "error", err));
        return 1;
    }
    lr_log(LR_LOG_INFO, "migrated",
           json_pack("{s:i, s:I}", "applied", (int)applied, "schema_version", (json_int_t)version));
    return 0;
}

static int cmd_token(const struct lr_config *cfg, int argc, char **argv)
{
    enum lr_role role;
    const char *r = flag(argc, argv, "--role"), *name = flag(argc, argv, "--name");
    if (argc < 1 || strcmp(argv[0], "create") != 0 || r == NULL || !lr_role_parse(r, &role) ||
        name == NULL || *name == '\0') {
        usage(stderr);
        return 2;
    }
    struct lr_db_conn c = {0};
    char token[96];
    enum lr_db_status s = lr_db_connect(cfg->database_url, &c);
    if (s == LR_DB_OK)
        s = lr_token_create(&c, name, role, token, sizeof token);
    if (s != LR_DB_OK) {
        fprintf(stderr, "leadrouter: cannot create token: %s\n", c.last_error);
        lr_db_disconnect(&c);
        return 1;
    }
    lr_db_disconnect(&c);
    printf("%s\n", token);
    return 0;
}

static int cmd_sign(const struct lr_config *cfg, int argc, char **argv)
{
    const char *id = flag(argc, argv, "--id"), *ts = flag(argc, argv, "--timestamp");
    struct lr_webhook_key key;
    if (id == NULL || ts == NULL) {
        usage(stderr);
        return 2;
    }
    if (lr_webhook_key_from_secret(cfg->webhook_secret, &key)) {
        fputs("leadrouter: webhook_secret is not set or not valid\n", stderr);
        return 1;
    }
    struct lr_buf body = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        lr_buf_append(&body, chunk, n);
    char sig[96];
    int rc = lr_webhook_sign(&key, id, ts, body.data ? body.data : "", body.len, sig, sizeof sig);
    lr_buf_free(&body);
    if (rc)
        return 1;
    printf("v1,%s\n", sig);
    return 0;
}

static int cmd_serve(const struct lr_config *cfg)
{
    /* Before the batcher's threads exist: a stop signal must never reach one of them,
     * whose default action would end the process mid-drain. */
    lr_serve_block_signals();
    struct lr_app app = {.cfg = *cfg};
    if (lr_webhook_key_from_secret(cfg->webhook_secret, &app.webhook_key)) {
        lr_log(LR_LOG_ERROR, "webhook_secret is not set or not valid (whsec_<base64> or text)",
               NULL);
        return 1;
    }
    struct lr_db_limits limits = {cfg->db_acquire_timeout_ms, cfg->db_statement_timeout_ms,
                                  cfg->db_connect_timeout_sec, cfg->db_tcp_user_timeout_ms};
    /* Every serving connection tells lr_write_assignments where to queue deliveries. */
    snprintf(limits.writeback, sizeof limits.writeback, "%s", cfg->writeback);
    app.pool = lr_db_pool_new(cfg->database_url, cfg->db_pool_size, &limits);
    if (app.pool == NULL)
        return 1;
    /* Group commit of leads (docs/performance.md); batch_max 1 writes each alone. */
    if (cfg->batch_max > 1 &&
        (app.batcher =
             lr_batcher_new(cfg->database_url, &limits, cfg->batch_max, lr_lead_lanes())) == NULL) {
        lr_db_pool_free(app.pool);
        return 1;
    }
    atomic_init(&app.draining, false);
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
        lr_db_pool_free(app.pool);
        return 1;
    }
    struct lr_http_handler handler = lr_api_http_handler(&app);
    int rc = lr_serve(&app.cfg, &handler, &app.draining);
    /* After the drain: requests served until then may still have queued deliveries. */
    lr_writeback_stop(app.writeback);
    app.writeback = NULL;
    app.observe = NULL;
    free(observe);
    lr_batcher_free(app.batcher);
    lr_db_pool_free(app.pool);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--config") == 0) {
        config_path = argv[2];
        i = 3;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[i];
    if (strcmp(cmd, "version") == 0) {
        printf("leadrouter %s (schema %lld)\n", LR_VERSION, (long long)lr_schema_target());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "settings") == 0) {
        bool md = i + 1 < argc && strcmp(argv[i + 1], "--markdown") == 0;
        if (i + 1 < argc && !md) {
            fprintf(stderr, "leadrouter settings: unknown argument '%s'\n", argv[i + 1]);
            return 2;
        }
        lr_config_describe(stdout, md);
        return 0;
    }
    struct lr_config cfg;
    char err[512];
    if (lr_config_load(config_path, &cfg, err, sizeof err)) {
        fprintf(stderr, "leadrouter: %s\n", err);
        return 2;
    }
    lr_log_set_level(cfg.log_level);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(&cfg);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&cfg);
    if (strcmp(cmd, "token") == 0)
        return cmd_token(&cfg, argc - i - 1, argv + i + 1);
    if (strcmp(cmd, "sign") == 0)
        return cmd_sign(&cfg, argc - i - 1, argv + i + 1);
    usage(stderr);
    return 2;
}
