/* The bounds on every wait for PostgreSQL, and the pure arithmetic behind them
 * (docs/operations.md, "Limits and timeouts"). A frozen server never answers: neither
 * statement_timeout (the server enforces it) nor TCP keepalives (the kernel still
 * acknowledges) end the wait, so every wait also has a deadline of our own. */
#ifndef LR_DB_LIMITS_H
#define LR_DB_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct lr_db_limits {
    unsigned acquire_timeout_ms;   /* wait for a free pooled connection */
    unsigned statement_timeout_ms; /* 0: neither statement_timeout nor a client deadline */
    unsigned connect_timeout_sec;  /* connecting, including the session's SET */
    unsigned tcp_user_timeout_ms;  /* 0: the kernel's */
    /* The replica's write-back destination (SPEC 3.6), set on the session as
     * leadrouter.writeback for lr_write_assignments: "" or "none" writes no outbox row. */
    char writeback[16];
    /* Plan every prepared statement once for the session (plan_cache_mode): for the
     * lead lanes, whose few statements run thousands of times a second and whose plans
     * are probes by key, the same whatever the parameters. */
    bool generic_plans;
    /* Seconds, 0: none. Set as leadrouter.writeback_handoff on the lead lanes of a
     * replica whose delivery worker runs: their new outbox rows are written leased to
     * it and handed to it at commit (lr_write_assignments). Only sessions whose every
     * outbox row reaches the worker may set it: any other waits out its lease. */
    unsigned handoff_lease_sec;
};

/* What CLI commands get: migrations may run for as long as they need. */
#define LR_DB_CLI_LIMITS ((struct lr_db_limits){0, 0, 3, 0})

/* The client-side deadline exceeds statement_timeout by this, so that a server that is
 * merely slow cancels the statement itself (57014) and keeps the connection. */
#define LR_DB_DEADLINE_MARGIN_MS 500u

/* TCP keepalives on idle connections: a dead peer is noticed within about
 * idle + interval * count seconds. */
#define LR_DB_KEEPALIVES_IDLE "5"
#define LR_DB_KEEPALIVES_INTERVAL "2"
#define LR_DB_KEEPALIVES_COUNT "3"

/* Milliseconds from sending a statement to giving up on it; 0: no deadline. */
unsigned lr_db_statement_deadline_ms(const struct lr_db_limits *l);

/* now + ms, normalised. */
struct timespec lr_deadline_after(struct timespec now, unsigned ms);
/* The earlier of two deadlines. */
struct timespec lr_deadline_min(struct timespec a, struct timespec b);
/* Whole milliseconds from now to deadline, rounded up so that a wait does not end just
 * short of it; 0 once it has passed; at most INT_MAX (a poll() timeout). */
int lr_deadline_ms_left(struct timespec now, struct timespec deadline);
/* CLOCK_MONOTONIC: deadlines must not move with the wall clock. */
struct timespec lr_now_monotonic(void);

/* libpq keywords and values for PQconnectStartParams with expand_dbname: conninfo (a
 * URL or key=value string) first, then ours, which take precedence over it. */
#define LR_DB_MAX_PARAMS 10
struct lr_db_params {
    const char *keys[LR_DB_MAX_PARAMS + 1]; /* NULL-terminated */
    const char *vals[LR_DB_MAX_PARAMS + 1];
    char connect_timeout[16], tcp_user_timeout[16];
};
void lr_db_params_build(struct lr_db_params *p, const char *conninfo, const struct lr_db_limits *l);

/* The statement that sets a new session up: UTC timestamps and, for serving
 * connections, statement_timeout, leadrouter.writeback and the hand-off. -1 when it does not fit in
 * len, or writeback is none of "", none, webhook, hubspot, salesforce, pipedrive. */
int lr_db_session_sql(const struct lr_db_limits *l, char *out, size_t len);

#endif
