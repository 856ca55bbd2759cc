/* A fixed pool of PostgreSQL connections with lazily prepared statements. Every wait
 * for PostgreSQL is bounded (db/limits.h): a statement that outlives its deadline
 * drops its connection and answers LR_DB_UNAVAILABLE. */
#ifndef LR_DB_POOL_H
#define LR_DB_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/limits.h"

enum lr_db_status {
    LR_DB_OK = 0,
    LR_DB_UNAVAILABLE,   /* cannot reach PostgreSQL: callers answer 503 */
    LR_DB_CONFLICT,      /* unique or exclusion violation */
    LR_DB_ERROR,         /* anything else: a bug or a bad schema */
    LR_DB_NO_ACTIVE_REP, /* SQLSTATE LR001 from the schema: a queue has no active rep */
    LR_DB_NOT_FOUND,     /* for callers that look one row up */
    LR_DB_RETRY,         /* 40001 or 40P01: lost a race; lr_db_run_tx runs it again */
    LR_DB_STALE,         /* SQLSTATE LR002: decided on a routing cache no longer current */
};

/* A statement is declared once, static const, next to the code that runs it. */
struct lr_db_stmt {
    const char *name;
    const char *sql;
    int nparams;
};

#define LR_DB_MAX_PREPARED 128

struct lr_db_conn {
    PGconn *pg;
    const char *conninfo; /* not owned: the pool's or the caller's; for reconnects */
    struct lr_db_limits limits;
    /* A probe's budget: no wait on this connection goes past cap. */
    struct timespec cap;
    bool capped;
    bool timed_out; /* the last statement passed its deadline and dropped the connection */
    const struct lr_db_stmt *prepared[LR_DB_MAX_PREPARED];
    size_t nprepared;
    /* The layer above's own cache for this connection (service/rules.c keeps the rules
     * in force there); cache_free releases it with the connection. */
    void *cache;
    void (*cache_free)(void *cache);
    char last_error[256];
};

struct lr_db_pool;

/* Creates size connections lazily: none is opened until first use, so the server
 * starts while PostgreSQL is down. Each has limits (copied). NULL when out of memory. */
struct lr_db_pool *lr_db_pool_new(const char *conninfo, unsigned size,
                                  const struct lr_db_limits *limits);
void lr_db_pool_free(struct lr_db_pool *pool);

/* Takes a connection, (re)connecting it when needed. LR_DB_UNAVAILABLE when none is
 * free within acquire_timeout_ms or PostgreSQL cannot be reached. */
enum lr_db_status lr_db_acquire(struct lr_db_pool *pool, struct lr_db_conn **out);
/* Takes the pool's probe connection, which is not one of the size serving ones, so that
 * a saturated pool does not make a healthy database look unready. Every wait on it (for
 * a concurrent probe, to connect, for its statements) ends budget_ms after this call.
 * Give it back with lr_db_release. On failure why (may be NULL) says what went wrong. */
enum lr_db_status lr_db_acquire_probe(struct lr_db_pool *pool, unsigned budget_ms,
                                      struct lr_db_conn **out, char *why, size_t whylen);
void lr_db_release(struct lr_db_pool *pool, struct lr_db_conn *conn);

/* Opens a single connection outside any pool, with LR_DB_CLI_LIMITS (CLI commands). */
enum lr_db_status lr_db_connect(const char *conninfo, struct lr_db_conn *conn);
/* The same with the given limits (copied); connecting ends within connect_timeout_sec. */
enum lr_db_status lr_db_connect_with(const char *conninfo, const struct lr_db_limits *limits,
                                     struct lr_db_conn *conn);
void lr_db_disconnect(struct lr_db_conn *conn);

/* Runs a prepared statement (preparing it on this connection on first use).
 * values may hold NULLs. On LR_DB_OK *res is the result (caller PQclear's it) and
 * may be NULL if res was NULL. */
enum lr_db_status lr_db_exec(struct lr_db_conn *c, const struct lr_db_stmt *st,
                             const char *const *values, PGresult **res);
/* The same with some parameters in binary format: formats[i] 1 and lengths[i] the size
 * of values[i] for those, 0 for text ones (lengths and formats as libpq takes them). */
enum lr_db_status lr_db_exec_formats(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                     const char *const *values, const int *lengths,
                                     const int *formats, PGresult **res);
/* One row of a result as it arrives (libpq's single-row mode): r holds row 0 only.
 * Non-zero: hand over no more rows (the rest are read and dropped). */
typedef int (*lr_db_row_fn)(void *arg, const PGresult *r);
/* Runs a prepared statement like lr_db_exec and hands each row to row as it arrives, so
 * that a large result is never held whole. Rows handed over before a failure are not
 * taken back: the caller drops what it took when the answer is not LR_DB_OK. */
enum lr_db_status lr_db_exec_rows(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                  const char *const *values, lr_db_row_fn row, void *arg);
/* Plain SQL without parameters (BEGIN, COMMIT, ROLLBACK, DDL). */
enum lr_db_status lr_db_simple(struct lr_db_conn *c, const char *sql);

/* COPY ... FROM STDIN under the statement deadline, like every other statement: a
 * frozen server makes them return LR_DB_UNAVAILABLE with the connection dropped.
 * start: the COPY statement; put: one chunk of data; end: finishes it (error non-NULL
 * makes the server refuse the whole COPY) and sets *out to its result (caller
 * PQclear's it; NULL when the connection failed). */
enum lr_db_status lr_db_copy_start(struct lr_db_conn *c, const char *sql);
enum lr_db_status lr_db_copy_put(struct lr_db_conn *c, const char *data, size_t len);
enum lr_db_status lr_db_copy_end(struct lr_db_conn *c, const char *error, PGresult **out);

/* The work of one transaction, run between BEGIN and COMMIT. It may run more than
 * once, so it must not act outside the database or keep state from a failed run. */
typedef enum lr_db_status (*lr_db_tx_fn)(struct lr_db_conn *c, void *arg);

#define LR_DB_TX_ATTEMPTS 4

/* BEGIN, work, COMMIT; ROLLBACK on any failure. A serialization failure or deadlock
 * (LR_DB_RETRY) runs the whole transaction again, up to LR_DB_TX_ATTEMPTS times with a
 * short randomised pause; when they are used up the answer is LR_DB_UNAVAILABLE (try
 * later), not an error. Every write goes through here. */
enum lr_db_status lr_db_run_tx(struct lr_db_conn *c, lr_db_tx_fn work, void *arg);
/* The same for work that is exactly one statement, which is a transaction of its own:
 * no BEGIN and COMMIT round trips (the lead batch's lr_commit_leads). */
enum lr_db_status lr_db_run_statement(struct lr_db_conn *c, lr_db_tx_fn work, void *arg);

/* BEGIN / COMMIT / ROLLBACK helpers. rollback is safe to call in any state. */
enum lr_db_status lr_db_begin(struct lr_db_conn *c);
enum lr_db_status lr_db_commit(struct lr_db_conn *c);
void lr_db_rollback(struct lr_db_conn *c);

/* Runs a statement that answers one text column (typically a JSON document built by
 * SQL) and copies the first row's value into *out (caller frees). LR_DB_NOT_FOUND
 * when no row comes back. */
enum lr_db_status lr_db_one_text(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                 const char *const *values, char **out);

/* Column helpers: NULL-safe text, integer parse. */
const char *lr_db_text(const PGresult *r, int row, int col); /* NULL when SQL NULL */
int64_t lr_db_int(const PGresult *r, int row, int col);      /* 0 when SQL NULL */
bool lr_db_bool(const PGresult *r, int row, int col);

#endif
