/* Configuration: a key = value file under config/, overridden by LEADROUTER_* variables.
 * Every setting is one row of the table in config.c: its name, variable, bounds,
 * default and help come from there (lr_config_settings). */
#ifndef LR_CONFIG_CONFIG_H
#define LR_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/log.h"

struct lr_config {
    char database_url[1024];
    char listen_host[256];
    unsigned short listen_port;
    char webhook_secret[512];
    size_t max_body_bytes;    /* events and every other JSON body */
    size_t max_bulk_bytes;    /* bulk loads: PUT /v1/accounts and named lists */
    unsigned db_pool_size;    /* PostgreSQL connections held by one process */
    unsigned max_connections; /* HTTP connections served at once */
    unsigned max_connections_per_ip;
    unsigned max_bulk_loads;            /* bulk loads in progress at once, per process */
    unsigned header_timeout_sec;        /* from connection (or previous answer) to full headers */
    unsigned request_timeout_sec;       /* from full headers to full body, ordinary routes */
    unsigned bulk_request_timeout_sec;  /* the same for bulk loads */
    unsigned idle_timeout_sec;          /* a keep-alive connection with nothing to say */
    unsigned drain_seconds;             /* how long SIGTERM waits for requests in flight */
    unsigned shutdown_delay_sec;        /* SIGTERM: readyz 503 while still serving */
    unsigned retry_after_sec;           /* Retry-After on 503 */
    unsigned db_acquire_timeout_ms;     /* wait for a free pooled connection */
    unsigned db_statement_timeout_ms;   /* server- and client-side deadline of one statement */
    unsigned db_connect_timeout_sec;    /* libpq connect_timeout */
    unsigned db_tcp_user_timeout_ms;    /* unacknowledged data on a dead link */
    unsigned readyz_timeout_ms;         /* /readyz answers within this */
    unsigned batch_max;                 /* leads committed in one transaction at most */
    size_t routing_cache_accounts;      /* the routing cache's limit (0: no cache) */
    char writeback[16];                 /* none, webhook, hubspot, salesforce, pipedrive */
    char writeback_url[1024];           /* the destination's base URL (webhook: the URL) */
    char writeback_token[1024];         /* bearer / API token of the CRM destinations */
    char writeback_secret[512];         /* Standard Webhooks secret of the webhook */
    char writeback_retry_schedule[512]; /* seconds after the first try, comma-separated */
    unsigned writeback_timeout_sec;     /* one delivery attempt */
    unsigned writeback_concurrency;     /* deliveries in flight at once, per replica */
    unsigned writeback_lease_sec;       /* a claimed row is this replica's for this long */
    /* CRM adapters (SPEC 3.5); an adapter whose secret is empty answers 404 */
    char public_url[1024];        /* scheme://host[:port] the CRMs post to (HubSpot signs it) */
    char hubspot_app_secret[512]; /* HubSpot app's client secret (X-HubSpot-Signature-v3) */
    char salesforce_org_id[64];   /* the OrganizationId outbound messages must carry */
    char salesforce_token[512];   /* the token query parameter of the endpoint URL */
    char pipedrive_user[256];     /* HTTP Basic user of Pipedrive's webhooks */
    char pipedrive_password[512]; /* ... and its password */
    size_t crm_max_body_bytes;    /* largest body of a CRM adapter request */
    char metrics_token[256];      /* GET /metrics wants it as a bearer token ("": none) */
    enum lr_log_level log_level;
    char source[1024]; /* the file the settings were read from; "" when none was found */
};

enum lr_setting_type { LR_SET_STRING, LR_SET_UINT, LR_SET_SIZE, LR_SET_LISTEN, LR_SET_LOG_LEVEL };

struct lr_setting {
    const char *name; /* key in the file */
    const char *env;  /* LEADROUTER_... */
    enum lr_setting_type type;
    size_t offset;        /* in struct lr_config (unused for listen) */
    size_t size;          /* of a string field */
    unsigned long lo, hi; /* bounds of a number */
    const char *def;      /* default, as it would be written in the file */
    const char *help;
    bool secret; /* its value never appears in an error, a log line or `leadrouter check` */
};

/* The table of settings, and its length. */
const struct lr_setting *lr_config_settings(size_t *count);

/* Defaults, then the file at path (NULL: $LEADROUTER_CONFIG, else
 * LR_CONFIG_DEFAULT_PATH when it exists), then the environment. On error returns -1
 * and writes a message into err. */
#define LR_CONFIG_DEFAULT_PATH "config/leadrouter.conf" /* relative to the working folder */

int lr_config_load(const char *path, struct lr_config *cfg, char *err, size_t errlen);

/* Applies one "key = value" setting; used by the loader and by tests. */
int lr_config_set(struct lr_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen);

void lr_config_defaults(struct lr_config *cfg);

/* The retry schedule as seconds after the first try: how many (1..cap), or -1 when it
 * is not 1 or more non-decreasing whole numbers. */
int lr_config_retry_schedule(const struct lr_config *cfg, unsigned *out, size_t cap);

/* Every setting with its variable, default, range and help: as text for the command
 * line, or as the Markdown table docs/operations.md holds (make test compares them). */
void lr_config_describe(FILE *out, bool markdown);

#endif
