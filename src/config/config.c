/* Configuration: defaults, then a key = value file, then LEADROUTER_* variables. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PATH "config/leadrouter.conf"

void lr_config_defaults(struct lr_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->database_url, sizeof cfg->database_url, "postgresql:///leadrouter");
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8080;
    cfg->max_body_bytes = 64 * 1024;
    cfg->max_bulk_bytes = 64 * 1024 * 1024;
    cfg->db_pool_size = 8;
    cfg->max_connections = 512;
    cfg->drain_seconds = 30;
    cfg->retry_after_sec = 2;
    cfg->batch_max = 32;
    cfg->log_level = LR_LOG_INFO;
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
    unsigned long n;
    int bad = 0;
    if (strcmp(key, "database_url") == 0)
        bad = copy_str(cfg->database_url, sizeof cfg->database_url, value);
    else if (strcmp(key, "listen") == 0)
        bad = parse_listen(cfg, value);
    else if (strcmp(key, "webhook_secret") == 0)
        bad = copy_str(cfg->webhook_secret, sizeof cfg->webhook_secret, value);
    else if (strcmp(key, "max_body_bytes") == 0)
        bad = parse_uint(value, 256, 64UL * 1024 * 1024, &n) || ((cfg->max_body_bytes = n), 0);
    else if (strcmp(key, "max_bulk_bytes") == 0)
        bad = parse_uint(value, 1024, 1024UL * 1024 * 1024, &n) || ((cfg->max_bulk_bytes = n), 0);
    else if (strcmp(key, "db_pool_size") == 0)
        bad = parse_uint(value, 1, 256, &n) || ((cfg->db_pool_size = (unsigned)n), 0);
    else if (strcmp(key, "max_connections") == 0)
        bad = parse_uint(value, 1, 65535, &n) || ((cfg->max_connections = (unsigned)n), 0);
    else if (strcmp(key, "drain_seconds") == 0)
        bad = parse_uint(value, 0, 3600, &n) || ((cfg->drain_seconds = (unsigned)n), 0);
    else if (strcmp(key, "retry_after_seconds") == 0)
        bad = parse_uint(value, 1, 3600, &n) || ((cfg->retry_after_sec = (unsigned)n), 0);
    else if (strcmp(key, "batch_max") == 0)
        bad = parse_uint(value, 1, 1000, &n) || ((cfg->batch_max = (unsigned)n), 0);
    else if (strcmp(key, "log_level") == 0)
        bad = lr_log_level_parse(value, &cfg->log_level);
    else {
        snprintf(err, errlen, "unknown setting '%s'", key);
        return -1;
    }
    if (bad) {
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

static const struct {
    const char *env;
    const char *key;
} ENV_KEYS[] = {
    {"LEADROUTER_DATABASE_URL", "database_url"},
    {"LEADROUTER_LISTEN", "listen"},
    {"LEADROUTER_WEBHOOK_SECRET", "webhook_secret"},
    {"LEADROUTER_MAX_BODY_BYTES", "max_body_bytes"},
    {"LEADROUTER_MAX_BULK_BYTES", "max_bulk_bytes"},
    {"LEADROUTER_DB_POOL_SIZE", "db_pool_size"},
    {"LEADROUTER_MAX_CONNECTIONS", "max_connections"},
    {"LEADROUTER_DRAIN_SECONDS", "drain_seconds"},
    {"LEADROUTER_RETRY_AFTER_SECONDS", "retry_after_seconds"},
    {"LEADROUTER_BATCH_MAX", "batch_max"},
    {"LEADROUTER_LOG_LEVEL", "log_level"},
};

int lr_config_load(const char *path, struct lr_config *cfg, char *err, size_t errlen)
{
    lr_config_defaults(cfg);
    if (path == NULL)
        path = getenv("LEADROUTER_CONFIG");
    if (path == NULL && access(DEFAULT_PATH, R_OK) == 0)
        path = DEFAULT_PATH;
    if (path != NULL && load_file(cfg, path, err, errlen))
        return -1;
    for (size_t i = 0; i < sizeof ENV_KEYS / sizeof *ENV_KEYS; i++) {
        const char *v = getenv(ENV_KEYS[i].env);
        char msg[256];
        if (v != NULL && lr_config_set(cfg, ENV_KEYS[i].key, v, msg, sizeof msg)) {
            snprintf(err, errlen, "%s: %s", ENV_KEYS[i].env, msg);
            return -1;
        }
    }
    return 0;
}
