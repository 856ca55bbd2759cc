/* Configuration: a key = value file under config/, overridden by LEADROUTER_* variables. */
#ifndef LR_CONFIG_CONFIG_H
#define LR_CONFIG_CONFIG_H

#include <stddef.h>

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
    unsigned drain_seconds;   /* how long SIGTERM waits for requests in flight */
    unsigned retry_after_sec; /* Retry-After on 503 */
    unsigned batch_max;       /* leads committed in one transaction at most */
    enum lr_log_level log_level;
};

/* Defaults, then the file at path (NULL: $LEADROUTER_CONFIG, else
 * config/leadrouter.conf when it exists), then the environment. On error returns -1
 * and writes a message into err. */
int lr_config_load(const char *path, struct lr_config *cfg, char *err, size_t errlen);

/* Applies one "key = value" setting; used by the loader and by tests. */
int lr_config_set(struct lr_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen);

void lr_config_defaults(struct lr_config *cfg);

#endif
