/* The commands that work on the database: migrate, check and token. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "cli/cli.h"
#include "db/migrations.h"
#include "db/pool.h"
#include "db/tokens_store.h"
#include "util/json.h"
#include "util/log.h"
#include "util/webhook.h"

/* The configuration, then a connection with the CLI limits. On failure says why and
 * returns the exit status (wrong configuration, or PostgreSQL unreachable); else -1. */
static int open_db(const struct lr_cli *cli, const char *cmd, struct lr_config *cfg,
                   struct lr_db_conn *c)
{
    if (lr_cli_config(cli, cfg, false))
        return LR_CLI_USAGE;
    if (lr_db_connect(cfg->database_url, c) == LR_DB_OK)
        return -1;
    fprintf(stderr, "leadrouter %s: PostgreSQL unreachable: %s\n", cmd, c->last_error);
    lr_db_disconnect(c);
    return LR_CLI_FAILED;
}

int lr_cli_migrate(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] =
        "usage: leadrouter migrate\n"
        "Applies the migrations this binary carries that the database has not seen, one\n"
        "transaction each, then re-creates the SQL functions. Safe to run on every release\n"
        "and from several replicas at once (they take turns on a lock).\n";
    int rc = lr_cli_parse("migrate", help, argc, argv, NULL, 0, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    struct lr_config cfg;
    struct lr_db_conn c = {0};
    if ((rc = open_db(cli, "migrate", &cfg, &c)) >= 0)
        return rc;
    unsigned applied = 0;
    char err[512] = "";
    enum lr_db_status s = lr_migrate(&c, &applied, err, sizeof err);
    int64_t version = 0;
    if (s == LR_DB_OK && (s = lr_schema_current(&c, &version)) != LR_DB_OK)
        snprintf(err, sizeof err, "reading the schema version: %s", c.last_error);
    lr_db_disconnect(&c);
    if (s != LR_DB_OK) {
        lr_log(LR_LOG_ERROR, "migration failed", json_pack("{s:s}", "error", err));
        return LR_CLI_FAILED;
    }
    lr_log(LR_LOG_INFO, "migrated",
           json_pack("{s:i, s:I}", "applied", (int)applied, "schema_version", (json_int_t)version));
    return LR_CLI_OK;
}

/* One line of the check's report; returns 1 for a failure, to be summed. */
static int report(const char *what, const char *verdict, const char *detail)
{
    printf("%-14s %-5s %s\n", what, verdict, detail);
    return strcmp(verdict, "FAIL") == 0;
}

static int check_database(const struct lr_config *cfg)
{
    struct lr_db_conn c = {0};
    char line[640];
    if (lr_db_connect(cfg->database_url, &c) != LR_DB_OK) {
        snprintf(line, sizeof line, "PostgreSQL unreachable: %s", c.last_error);
        lr_db_disconnect(&c);
        return report("database", "FAIL", line);
    }
    const char *server = PQparameterStatus(c.pg, "server_version");
    snprintf(line, sizeof line, "PostgreSQL %s", server ? server : "(version unknown)");
    int failed = report("database", "ok", line);
    int64_t version = 0, target = lr_schema_target(), admins = 0;
    if (lr_schema_current(&c, &version) != LR_DB_OK) {
        snprintf(line, sizeof line, "cannot read the schema version: %s", c.last_error);
        failed += report("schema", "FAIL", line);
    } else if (version < target) {
        snprintf(line, sizeof line,
                 "behind: version %lld, this binary needs %lld: run `leadrouter migrate`",
                 (long long)version, (long long)target);
        failed += report("schema", "FAIL", line);
    } else if (version > target) {
        snprintf(line, sizeof line,
                 "version %lld is newer than this binary knows (%lld): serve refuses to start; "
                 "deploy the release that migrated it",
                 (long long)version, (long long)target);
        failed += report("schema", "FAIL", line);
    } else {
        snprintf(line, sizeof line, "version %lld", (long long)version);
        failed += report("schema", "ok", line);
        if (lr_tokens_live_admins(&c, &admins) != LR_DB_OK) {
            snprintf(line, sizeof line, "cannot count them: %s", c.last_error);
            failed += report("admin tokens", "FAIL", line);
        } else if (admins == 0) {
            report("admin tokens", "warn",
                   "none live: leadrouter token create --role admin --name NAME");
        } else {
            snprintf(line, sizeof line, "%lld live", (long long)admins);
            report("admin tokens", "ok", line);
        }
    }
    lr_db_disconnect(&c);
    return failed;
}

/* scheme://host[:port] of a URL, without its user part, path or query: a webhook URL
 * may carry a secret in any of those, and check's output lands in tickets and chats. */
static void url_origin(const char *url, char *out, size_t size)
{
    const char *sep = strstr(url, "://");
    const char *host = sep ? sep + 3 : url;
    size_t hostlen = strcspn(host, "/?#");
    const char *at = memchr(host, '@', hostlen);
    if (at != NULL) {
        hostlen -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    snprintf(out, size, "%.*s%.*s", sep ? (int)(sep + 3 - url) : 0, url, (int)hostlen, host);
}

int lr_cli_check(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] =
        "usage: leadrouter check\n"
        "Checks the configuration, the webhook secret, the write-back settings, that\n"
        "PostgreSQL answers and that its schema is the one this binary needs; prints one\n"
        "line per check. Exit status 0 when all pass, 1 when one fails.\n";
    int rc = lr_cli_parse("check", help, argc, argv, NULL, 0, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    struct lr_config cfg;
    char err[512];
    if (lr_config_load(cli->config_path, &cfg, err, sizeof err)) {
        report("configuration", "FAIL", err);
        return LR_CLI_FAILED;
    }
    lr_log_set_level(cfg.log_level);
    int failed =
        report("configuration", "ok",
               cfg.source[0] ? cfg.source : "no file found: defaults and LEADROUTER_* variables");
    struct lr_webhook_key key;
    if (lr_webhook_key_from_secret(cfg.webhook_secret, &key))
        failed += report("webhook_secret", "FAIL",
                         "not set or not valid (whsec_<base64>, or text of 24 bytes or more)");
    else
        failed += report("webhook_secret", "ok", "set");
    char line[1100], where[300];
    url_origin(cfg.writeback_url, where, sizeof where);
    snprintf(line, sizeof line, "%s%s%s", cfg.writeback,
             strcmp(cfg.writeback, "none") ? " to " : "",
             strcmp(cfg.writeback, "none") ? where : "");
    failed += report("writeback", "ok", line);
    failed += check_database(&cfg);
    return failed ? LR_CLI_FAILED : LR_CLI_OK;
}

static bool all_digits(const char *s)
{
    return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* Names show up in logs and in the audit trail: printable, one line, bounded; and not
 * all digits, which `token revoke NAME|ID` reads as an id. */
static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 100 || all_digits(name))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isprint((unsigned char)name[i]))
            return false;
    return true;
}

static int token_create(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] =
        "usage: leadrouter token create --role reader|ops|admin --name NAME\n"
        "Prints a new bearer token once; only its SHA-256 is stored. reader reads;\n"
        "ops also resolves reviews, retries deliveries and loads reps, accounts and\n"
        "named lists; admin also changes rules, CRM mappings and runs simulations.\n";
    const char *role_s = NULL, *name = NULL;
    const struct lr_cli_opt opts[] = {{"role", &role_s, NULL}, {"name", &name, NULL}};
    int rc = lr_cli_parse("token create", help, argc, argv, opts, 2, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    enum lr_role role;
    if (role_s == NULL || name == NULL) {
        fputs("leadrouter token create: --role and --name are required\n", stderr);
        return LR_CLI_USAGE;
    }
    if (!lr_role_parse(role_s, &role)) {
        fprintf(stderr, "leadrouter token create: unknown role '%s' (reader, ops, admin)\n",
                role_s);
        return LR_CLI_USAGE;
    }
    if (!name_ok(name)) {
        fputs("leadrouter token create: --name must be 1 to 100 printable characters, not all "
              "digits (token revoke would read it as an id)\n",
              stderr);
        return LR_CLI_USAGE;
    }
    struct lr_config cfg;
    struct lr_db_conn c = {0};
    if ((rc = open_db(cli, "token create", &cfg, &c)) >= 0)
        return rc;
    char token[96];
    enum lr_db_status s = lr_token_create(&c, name, role, token, sizeof token);
    if (s != LR_DB_OK)
        fprintf(stderr, "leadrouter token create: %s\n", c.last_error);
    else
        printf("%s\n", token);
    lr_db_disconnect(&c);
    return s == LR_DB_OK ? LR_CLI_OK : LR_CLI_FAILED;
}

static int token_list(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] =
        "usage: leadrouter token list\n"
        "Prints every token: id, name, role, created (UTC) and revoked (UTC, or live).\n"
        "Tokens themselves are never stored and cannot be shown again.\n";
    int rc = lr_cli_parse("token list", help, argc, argv, NULL, 0, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    struct lr_config cfg;
    struct lr_db_conn c = {0};
    if ((rc = open_db(cli, "token list", &cfg, &c)) >= 0)
        return rc;
    PGresult *r;
    enum lr_db_status s = lr_tokens_list(&c, &r);
    if (s != LR_DB_OK) {
        fprintf(stderr, "leadrouter token list: %s\n", c.last_error);
        lr_db_disconnect(&c);
        return LR_CLI_FAILED;
    }
    printf("%-6s %-24s %-6s %-20s %s\n", "ID", "NAME", "ROLE", "CREATED", "REVOKED");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *revoked = lr_db_text(r, i, 4);
        printf("%-6s %-24s %-6s %-20s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), revoked ? revoked : "live");
    }
    PQclear(r);
    lr_db_disconnect(&c);
    return LR_CLI_OK;
}

static int token_revoke(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] =
        "usage: leadrouter token revoke NAME|ID\n"
        "Revokes the token with that id (all digits), or every live token with that name\n"
        "(token list shows both; --name NAME forces a name, for one made all digits\n"
        "before names had to have a letter). A revoked token is refused at once on every\n"
        "replica. Prints each token revoked.\n";
    bool by_name = false;
    const char *key = NULL;
    const struct lr_cli_opt opts[] = {{"name", NULL, &by_name}};
    int rc = lr_cli_parse("token revoke", help, argc, argv, opts, 1, &key, 1, 1, NULL);
    if (rc >= 0)
        return rc;
    bool by_id = !by_name && all_digits(key);
    if (by_id && strlen(key) > 18) {
        fprintf(stderr, "leadrouter token revoke: '%s' is not a token id\n", key);
        return LR_CLI_USAGE;
    }
    struct lr_config cfg;
    struct lr_db_conn c = {0};
    if ((rc = open_db(cli, "token revoke", &cfg, &c)) >= 0)
        return rc;
    PGresult *r = NULL;
    enum lr_db_status s = lr_tokens_revoke(&c, key, by_id, &r);
    if (s != LR_DB_OK)
        fprintf(stderr, "leadrouter token revoke: %s\n", c.last_error);
    lr_db_disconnect(&c);
    if (s != LR_DB_OK)
        return LR_CLI_FAILED;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++)
        printf("revoked token %s (%s, %s)\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2));
    PQclear(r);
    if (n == 0) {
        fprintf(stderr, "leadrouter token revoke: no live token %s '%s'\n",
                by_id ? "with id" : "named", key);
        return LR_CLI_FAILED;
    }
    return LR_CLI_OK;
}

int lr_cli_token(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] = "usage: leadrouter token create --role ROLE --name NAME\n"
                               "       leadrouter token list\n"
                               "       leadrouter token revoke [--id] NAME|ID\n"
                               "leadrouter token ACTION --help says more.\n";
    if (argc >= 2 && strcmp(argv[1], "create") == 0)
        return token_create(cli, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return token_list(cli, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
        return token_revoke(cli, argc - 1, argv + 1);
    if (argc >= 2 && argv[1][0] != '-') {
        fprintf(stderr, "leadrouter token: unknown action '%s' (create, list, revoke)\n", argv[1]);
        return LR_CLI_USAGE;
    }
    int rc = lr_cli_parse("token", help, argc, argv, NULL, 0, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    fputs(help, stderr);
    return LR_CLI_USAGE;
}
