/* Configuration: defaults, then a key = value file, then LEADROUTER_* variables. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OFF(f) offsetof(struct lr_config, f)
#define STR(f) LR_SET_STRING, OFF(f), sizeof(((struct lr_config *)0)->f)
#define UINT(f) LR_SET_UINT, OFF(f), 0
#define SIZE(f) LR_SET_SIZE, OFF(f), 0

static const struct lr_setting SETTINGS[] = {
    {"database_url", "LEADROUTER_DATABASE_URL", STR(database_url), 0, 0, "postgresql:///leadrouter",
     "PostgreSQL connection (libpq URL or key=value string)", true},
    {"listen", "LEADROUTER_LISTEN", LR_SET_LISTEN, 0, 0, 0, 0, "127.0.0.1:8080",
     "host:port the HTTP server listens on (IPv6 in brackets)"},
    {"webhook_secret", "LEADROUTER_WEBHOOK_SECRET", STR(webhook_secret), 0, 0, "",
     "Standard Webhooks secret shared with the CRM (whsec_...)", true},
    {"max_body_bytes", "LEADROUTER_MAX_BODY_BYTES", SIZE(max_body_bytes), 256, 64UL << 20, "65536",
     "largest body of an event or any other JSON request"},
    {"max_bulk_bytes", "LEADROUTER_MAX_BULK_BYTES", SIZE(max_bulk_bytes), 1024, 1UL << 30,
     "67108864",
     "largest body of a bulk load (accounts, named lists); spooled to a temporary file"},
    {"max_bulk_loads", "LEADROUTER_MAX_BULK_LOADS", UINT(max_bulk_loads), 1, 64, "1",
     "bulk loads in progress at once in one process; more are 429 with Retry-After"},
    {"db_pool_size", "LEADROUTER_DB_POOL_SIZE", UINT(db_pool_size), 1, 256, "8",
     "PostgreSQL connections per process"},
    {"max_connections", "LEADROUTER_MAX_CONNECTIONS", UINT(max_connections), 1, 65535, "512",
     "HTTP connections served at once (one thread each)"},
    {"max_connections_per_ip", "LEADROUTER_MAX_CONNECTIONS_PER_IP", UINT(max_connections_per_ip), 0,
     65535, "128",
     "HTTP connections from one client address (0: no limit); raise it behind a proxy"},
    {"header_timeout_seconds", "LEADROUTER_HEADER_TIMEOUT_SECONDS", UINT(header_timeout_sec), 1,
     3600, "10", "a connection must send a whole request head within this"},
    {"request_timeout_seconds", "LEADROUTER_REQUEST_TIMEOUT_SECONDS", UINT(request_timeout_sec), 1,
     3600, "30", "after its head, a request must send its whole body within this"},
    {"bulk_request_timeout_seconds", "LEADROUTER_BULK_REQUEST_TIMEOUT_SECONDS",
     UINT(bulk_request_timeout_sec), 1, 86400, "300", "the same for a bulk load's body"},
    {"idle_timeout_seconds", "LEADROUTER_IDLE_TIMEOUT_SECONDS", UINT(idle_timeout_sec), 1, 3600,
     "60", "a keep-alive connection silent this long is closed"},
    {"drain_seconds", "LEADROUTER_DRAIN_SECONDS", UINT(drain_seconds), 0, 3600, "30",
     "after the listener closes, how long requests in flight may take to finish"},
    {"shutdown_delay_seconds", "LEADROUTER_SHUTDOWN_DELAY_SECONDS", UINT(shutdown_delay_sec), 0,
     3600, "5", "after SIGTERM, /readyz answers 503 while requests are still served this long"},
    {"retry_after_seconds", "LEADROUTER_RETRY_AFTER_SECONDS", UINT(retry_after_sec), 1, 3600, "2",
     "Retry-After on 503 and 429 answers"},
    {"db_acquire_timeout_ms", "LEADROUTER_DB_ACQUIRE_TIMEOUT_MS", UINT(db_acquire_timeout_ms), 1,
     600000, "2000", "wait for a free PostgreSQL connection before answering 503"},
    {"db_statement_timeout_ms", "LEADROUTER_DB_STATEMENT_TIMEOUT_MS", UINT(db_statement_timeout_ms),
     100, 3600000, "10000", "statement_timeout, and the client-side deadline of one statement"},
    {"db_connect_timeout_seconds", "LEADROUTER_DB_CONNECT_TIMEOUT_SECONDS",
     UINT(db_connect_timeout_sec), 2, 600, "3", "libpq connect_timeout"},
    {"db_tcp_user_timeout_ms", "LEADROUTER_DB_TCP_USER_TIMEOUT_MS", UINT(db_tcp_user_timeout_ms), 0,
     3600000, "10000", "TCP_USER_TIMEOUT on PostgreSQL connections (0: the kernel's)"},
    {"readyz_timeout_ms", "LEADROUTER_READYZ_TIMEOUT_MS", UINT(readyz_timeout_ms), 100, 60000,
     "1500", "/readyz answers 503 when PostgreSQL has not answered within this"},
    {"batch_max", "LEADROUTER_BATCH_MAX", UINT(batch_max), 1, 1000, "32",
     "leads committed in one transaction at most"},
    {"routing_cache_accounts", "LEADROUTER_ROUTING_CACHE_ACCOUNTS", SIZE(routing_cache_accounts), 0,
     100000000, "1000000",
     "accounts a replica keeps in memory to route leads without a read (0: none; more: off)"},
    {"writeback", "LEADROUTER_WRITEBACK", STR(writeback), 0, 0, "none",
     "where assignments are written back: none, webhook, hubspot, salesforce, pipedrive"},
    {"writeback_url", "LEADROUTER_WRITEBACK_URL", STR(writeback_url), 0, 0, "",
     "the destination's base URL (for webhook, the URL posted to)"},
    {"writeback_token", "LEADROUTER_WRITEBACK_TOKEN", STR(writeback_token), 0, 0, "",
     "API token of hubspot, salesforce or pipedrive (secret: set it in the environment)", true},
    {"writeback_secret", "LEADROUTER_WRITEBACK_SECRET", STR(writeback_secret), 0, 0, "",
     "Standard Webhooks secret that signs webhook deliveries (whsec_...)", true},
    {"writeback_retry_schedule", "LEADROUTER_WRITEBACK_RETRY_SCHEDULE",
     STR(writeback_retry_schedule), 0, 0, "5,300,1800,7200,18000,36000,50400,72000,86400",
     "seconds after the first try of each retry (up to 10% jitter); then dead"},
    {"writeback_timeout_seconds", "LEADROUTER_WRITEBACK_TIMEOUT_SECONDS",
     UINT(writeback_timeout_sec), 1, 300, "10", "one delivery attempt ends after this"},
    {"writeback_concurrency", "LEADROUTER_WRITEBACK_CONCURRENCY", UINT(writeback_concurrency), 1,
     1000, "32", "deliveries in flight at once in one replica"},
    {"writeback_lease_seconds", "LEADROUTER_WRITEBACK_LEASE_SECONDS", UINT(writeback_lease_sec), 5,
     3600, "60", "a claimed delivery is this replica's for this long (then any may retry it)"},
    {"public_url", "LEADROUTER_PUBLIC_URL", STR(public_url), 0, 0, "",
     "scheme://host[:port] CRMs post to; HubSpot signs it (empty: https:// and the Host header)"},
    {"hubspot_app_secret", "LEADROUTER_HUBSPOT_APP_SECRET", STR(hubspot_app_secret), 0, 0, "",
     "HubSpot app secret that signs workflow webhooks (empty: /v1/crm/hubspot/* answer 404)", true},
    {"salesforce_org_id", "LEADROUTER_SALESFORCE_ORG_ID", STR(salesforce_org_id), 0, 0, "",
     "Salesforce OrganizationId outbound messages must carry (empty: /v1/crm/salesforce 404)"},
    {"salesforce_token", "LEADROUTER_SALESFORCE_TOKEN", STR(salesforce_token), 0, 0, "",
     "the token query parameter of the outbound message URL (empty: 404)", true},
    {"pipedrive_user", "LEADROUTER_PIPEDRIVE_USER", STR(pipedrive_user), 0, 0, "",
     "HTTP Basic user of Pipedrive webhooks (empty: /v1/crm/pipedrive answers 404)"},
    {"pipedrive_password", "LEADROUTER_PIPEDRIVE_PASSWORD", STR(pipedrive_password), 0, 0, "",
     "HTTP Basic password of Pipedrive webhooks (secret: set it in the environment)", true},
    {"crm_max_body_bytes", "LEADROUTER_CRM_MAX_BODY_BYTES", SIZE(crm_max_body_bytes), 256,
     64UL << 20, "1048576",
     "largest body of a CRM adapter request (100 Salesforce notifications, HubSpot arrays)"},
    {"metrics_token", "LEADROUTER_METRICS_TOKEN", STR(metrics_token), 0, 0, "",
     "bearer token GET /metrics requires (empty: /metrics needs none; secret: set it in the "
     "environment)",
     true},
    {"log_level", "LEADROUTER_LOG_LEVEL", LR_SET_LOG_LEVEL, 0, 0, 0, 0, "info",
     "debug, info, warn or error"},
};

const struct lr_setting *lr_config_settings(size_t *count)
{
    *count = sizeof SETTINGS / sizeof *SETTINGS;
    return SETTINGS;
}

void lr_config_defaults(struct lr_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < sizeof SETTINGS / sizeof *SETTINGS; i++) {
        char err[256];
        /* The table's defaults are within its bounds (tested). */
        (void)lr_config_set(cfg, SETTINGS[i].name, SETTINGS[i].def, err, sizeof err);
    }
}

static int parse_uint(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
    if (v == NULL || !isdigit((unsigned char)*v))
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || *end != '\0' || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int copy_str(char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap)
        return -1;
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* "host:port"; an IPv6 host is written in brackets. */
static int parse_listen(struct lr_config *cfg, const char *v)
{
    const char *colon = strrchr(v, ':');
    if (colon == NULL || colon == v)
        return -1;
    unsigned long port;
    if (parse_uint(colon + 1, 1, 65535, &port))
        return -1;
    const char *h = v;
    size_t hlen = (size_t)(colon - v);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof cfg->listen_host)
        return -1;
    memcpy(cfg->listen_host, h, hlen);
    cfg->listen_host[hlen] = '\0';
    cfg->listen_port = (unsigned short)port;
    return 0;
}

int lr_config_set(struct lr_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen)
{
    const struct lr_setting *s = NULL;
    for (size_t i = 0; i < sizeof SETTINGS / sizeof *SETTINGS && s == NULL; i++)
        if (strcmp(key, SETTINGS[i].name) == 0)
            s = &SETTINGS[i];
    if (s == NULL) {
        snprintf(err, errlen, "unknown setting '%s'", key);
        return -1;
    }
    char *field = (char *)cfg + s->offset;
    unsigned long n = 0;
    int bad = 0;
    switch (s->type) {
    case LR_SET_STRING:
        bad = copy_str(field, s->size, value);
        break;
    case LR_SET_LISTEN:
        bad = parse_listen(cfg, value);
        break;
    case LR_SET_LOG_LEVEL:
        bad = lr_log_level_parse(value, &cfg->log_level);
        break;
    case LR_SET_UINT:
        bad = parse_uint(value, s->lo, s->hi, &n);
        if (!bad)
            *(unsigned *)(void *)field = (unsigned)n;
        break;
    case LR_SET_SIZE:
        bad = parse_uint(value, s->lo, s->hi, &n);
        if (!bad)
            *(size_t *)(void *)field = (size_t)n;
        break;
    }
    if (bad) {
        /* Errors reach stderr, logs and `leadrouter check`: a secret's value never does. */
        if (s->secret)
            snprintf(err, errlen, "bad value for %s (%zu characters; its value is not shown)", key,
                     strlen(value));
        else
            snprintf(err, errlen, "bad value for %s: '%s'", key, value);
        return -1;
    }
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int load_file(struct lr_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char msg[256];
        if (lr_config_set(cfg, trim(s), trim(eq + 1), msg, sizeof msg)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

int lr_config_retry_schedule(const struct lr_config *cfg, unsigned *out, size_t cap)
{
    const char *p = cfg->writeback_retry_schedule;
    size_t n = 0;
    unsigned long prev = 0;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        char *end;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || errno || v < 1 || v > 30UL * 86400 || v < prev || n == cap)
            return -1;
        out[n++] = (unsigned)v;
        prev = v;
        p = end;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return -1;
    }
    return (int)n;
}

/* Settings that only make sense together. */
static int check(const struct lr_config *cfg, char *err, size_t errlen)
{
    static const char *const DESTINATIONS[] = {"none", "webhook", "hubspot", "salesforce",
                                               "pipedrive"};
    bool known = false;
    for (size_t i = 0; i < sizeof DESTINATIONS / sizeof *DESTINATIONS; i++)
        known = known || strcmp(cfg->writeback, DESTINATIONS[i]) == 0;
    if (!known) {
        snprintf(err, errlen,
                 "bad value for writeback: '%s' (none, webhook, hubspot, salesforce, pipedrive)",
                 cfg->writeback);
        return -1;
    }
    unsigned sched[32];
    if (lr_config_retry_schedule(cfg, sched, 32) < 1) {
        snprintf(err, errlen,
                 "bad value for writeback_retry_schedule: '%s' (1 to 32 non-decreasing whole "
                 "seconds, comma-separated)",
                 cfg->writeback_retry_schedule);
        return -1;
    }
    if (strcmp(cfg->writeback, "none") == 0)
        return 0;
    if (cfg->writeback_lease_sec <= cfg->writeback_timeout_sec) {
        snprintf(err, errlen,
                 "writeback_lease_seconds (%u) must be longer than writeback_timeout_seconds "
                 "(%u): a delivery still on the wire must not be claimed by another replica",
                 cfg->writeback_lease_sec, cfg->writeback_timeout_sec);
        return -1;
    }
    if (cfg->writeback_url[0] == '\0') {
        snprintf(err, errlen, "writeback = %s needs writeback_url", cfg->writeback);
        return -1;
    }
    if (strcmp(cfg->writeback, "webhook") == 0 && cfg->writeback_secret[0] == '\0') {
        snprintf(err, errlen, "writeback = webhook needs writeback_secret");
        return -1;
    }
    if (strcmp(cfg->writeback, "webhook") != 0 && cfg->writeback_token[0] == '\0') {
        snprintf(err, errlen, "writeback = %s needs writeback_token", cfg->writeback);
        return -1;
    }
    return 0;
}

int lr_config_load(const char *path, struct lr_config *cfg, char *err, size_t errlen)
{
    lr_config_defaults(cfg);
    if (path == NULL)
        path = getenv("LEADROUTER_CONFIG");
    if (path == NULL && access(LR_CONFIG_DEFAULT_PATH, R_OK) == 0)
        path = LR_CONFIG_DEFAULT_PATH;
    if (path != NULL && load_file(cfg, path, err, errlen))
        return -1;
    snprintf(cfg->source, sizeof cfg->source, "%s", path ? path : "");
    for (size_t i = 0; i < sizeof SETTINGS / sizeof *SETTINGS; i++) {
        const char *v = getenv(SETTINGS[i].env);
        char msg[256];
        if (v != NULL && lr_config_set(cfg, SETTINGS[i].name, v, msg, sizeof msg)) {
            snprintf(err, errlen, "%s: %s", SETTINGS[i].env, msg);
            return -1;
        }
    }
    return check(cfg, err, errlen);
}

/* The range of a number, as it is written in help and docs. */
static void range_of(const struct lr_setting *st, char *out, size_t size)
{
    if (st->type == LR_SET_UINT || st->type == LR_SET_SIZE)
        snprintf(out, size, "%lu-%lu", st->lo, st->hi);
    else if (st->type == LR_SET_LISTEN)
        snprintf(out, size, "host:port");
    else if (st->type == LR_SET_LOG_LEVEL)
        snprintf(out, size, "debug|info|warn|error");
    else
        snprintf(out, size, "text");
}

void lr_config_describe(FILE *out, bool markdown)
{
    if (markdown)
        fputs("| setting | environment | default | range | what it does |\n"
              "|---|---|---|---|---|\n",
              out);
    for (size_t i = 0; i < sizeof SETTINGS / sizeof *SETTINGS; i++) {
        const struct lr_setting *st = &SETTINGS[i];
        char range[64];
        range_of(st, range, sizeof range);
        const char *def = st->def[0] ? st->def : "(none)";
        if (markdown)
            fprintf(out, "| `%s` | `%s` | `%s` | %s | %s |\n", st->name, st->env, def, range,
                    st->help);
        else
            fprintf(out, "  %-30s %s\n  %-30s default %s, %s (%s)\n", st->name, st->help, "", def,
                    range, st->env);
    }
}
