/* Deadline arithmetic and connection parameters; no I/O, so that unit tests pin them. */
#include "db/limits.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

unsigned lr_db_statement_deadline_ms(const struct lr_db_limits *l)
{
    if (l->statement_timeout_ms == 0)
        return 0;
    if (l->statement_timeout_ms > UINT_MAX - LR_DB_DEADLINE_MARGIN_MS)
        return UINT_MAX;
    return l->statement_timeout_ms + LR_DB_DEADLINE_MARGIN_MS;
}

struct timespec lr_deadline_after(struct timespec now, unsigned ms)
{
    struct timespec d = now;
    d.tv_sec += (time_t)(ms / 1000);
    d.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (d.tv_nsec >= 1000000000L) {
        d.tv_sec++;
        d.tv_nsec -= 1000000000L;
    }
    return d;
}

struct timespec lr_deadline_min(struct timespec a, struct timespec b)
{
    if (a.tv_sec != b.tv_sec)
        return a.tv_sec < b.tv_sec ? a : b;
    return a.tv_nsec <= b.tv_nsec ? a : b;
}

int lr_deadline_ms_left(struct timespec now, struct timespec deadline)
{
    long long ns = ((long long)deadline.tv_sec - (long long)now.tv_sec) * 1000000000LL +
                   (deadline.tv_nsec - now.tv_nsec);
    if (ns <= 0)
        return 0;
    long long ms = (ns + 999999LL) / 1000000LL;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

struct timespec lr_now_monotonic(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

void lr_db_params_build(struct lr_db_params *p, const char *conninfo, const struct lr_db_limits *l)
{
    size_t n = 0;
    snprintf(p->connect_timeout, sizeof p->connect_timeout, "%u", l->connect_timeout_sec);
    snprintf(p->tcp_user_timeout, sizeof p->tcp_user_timeout, "%u", l->tcp_user_timeout_ms);
#define PARAM(k, v) (p->keys[n] = (k), p->vals[n] = (v), n++)
    PARAM("dbname", conninfo);
    PARAM("application_name", "leadrouter");
    /* Only our deadline bounds a non-blocking connect; libpq's own shows in PQconninfo. */
    PARAM("connect_timeout", p->connect_timeout);
    PARAM("keepalives", "1");
    PARAM("keepalives_idle", LR_DB_KEEPALIVES_IDLE);
    PARAM("keepalives_interval", LR_DB_KEEPALIVES_INTERVAL);
    PARAM("keepalives_count", LR_DB_KEEPALIVES_COUNT);
    if (l->tcp_user_timeout_ms > 0)
        PARAM("tcp_user_timeout", p->tcp_user_timeout);
#undef PARAM
    p->keys[n] = NULL;
    p->vals[n] = NULL;
}

/* The value is written into the statement, so only the fixed names are accepted. */
static bool writeback_known(const char *w)
{
    static const char *const KNOWN[] = {"webhook", "hubspot", "salesforce", "pipedrive"};
    for (size_t i = 0; i < sizeof KNOWN / sizeof *KNOWN; i++)
        if (strcmp(w, KNOWN[i]) == 0)
            return true;
    return false;
}

int lr_db_session_sql(const struct lr_db_limits *l, char *out, size_t len)
{
    bool wb = l->writeback[0] != '\0' && strcmp(l->writeback, "none") != 0;
    if (wb && !writeback_known(l->writeback))
        return -1;
    /* Timestamps come back in UTC; the schema's own functions format them. */
    int n = snprintf(out, len, "SET TIME ZONE 'UTC'");
    if (n >= 0 && (size_t)n < len && l->statement_timeout_ms != 0)
        n += snprintf(out + n, len - (size_t)n, "; SET statement_timeout = %u",
                      l->statement_timeout_ms);
    /* A generic plan is costed without its parameters' values, and a large estimate
     * switched JIT on: 130 ms of compiling for every read of the routing cache. The
     * lanes' statements are short and run all day; JIT never pays for them. */
    if (n >= 0 && (size_t)n < len && l->generic_plans)
        n += snprintf(out + n, len - (size_t)n,
                      "; SET plan_cache_mode = force_generic_plan; SET jit = off");
    if (n >= 0 && (size_t)n < len && wb)
        n += snprintf(out + n, len - (size_t)n, "; SET leadrouter.writeback = '%s'", l->writeback);
    if (n >= 0 && (size_t)n < len && wb && l->handoff_lease_sec > 0)
        n += snprintf(out + n, len - (size_t)n, "; SET leadrouter.writeback_handoff = '%u'",
                      l->handoff_lease_sec);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}
