/* Statements: prepared once per connection, run under their deadline, errors
 * classified into the few statuses callers act on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/wire.h"
#include "util/log.h"

static enum lr_db_status classify(struct lr_db_conn *c, const PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->last_error, sizeof c->last_error, "%s",
             r       ? PQresultErrorMessage(r)
             : c->pg ? PQerrorMessage(c->pg)
                     : "not connected");
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK || state == NULL)
        return LR_DB_UNAVAILABLE;
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
        strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
        return LR_DB_UNAVAILABLE;
    /* query_canceled: statement_timeout fired. The client did nothing wrong, and the
     * connection is still good. */
    if (strcmp(state, "57014") == 0) {
        lr_log(LR_LOG_WARN, "statement canceled",
               json_pack("{s:s, s:s, s:s}", "statement", what, "sqlstate", state, "error",
                         c->last_error));
        return LR_DB_UNAVAILABLE;
    }
    if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0)
        return LR_DB_CONFLICT;
    /* serialization_failure, deadlock_detected: the transaction lost a race and is
     * worth running again (lr_db_run_tx does). */
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
        lr_log(LR_LOG_INFO, "transaction to retry",
               json_pack("{s:s, s:s, s:s}", "statement", what, "sqlstate", state, "error",
                         c->last_error));
        return LR_DB_RETRY;
    }
    if (strcmp(state, "LR001") == 0)
        return LR_DB_NO_ACTIVE_REP;
    if (strcmp(state, "LR002") == 0)
        return LR_DB_STALE;
    lr_log(LR_LOG_ERROR, "sql error",
           json_pack("{s:s, s:s}", "sqlstate", state, "error", c->last_error));
    return LR_DB_ERROR;
}

static enum lr_db_status ensure_prepared(struct lr_db_conn *c, const struct lr_db_stmt *st)
{
    for (size_t i = 0; i < c->nprepared; i++)
        if (c->prepared[i] == st)
            return LR_DB_OK;
    if (c->nprepared == LR_DB_MAX_PREPARED) {
        snprintf(c->last_error, sizeof c->last_error, "too many prepared statements");
        return LR_DB_ERROR;
    }
    PQsetnonblocking(c->pg, 1);
    PGresult *r;
    enum lr_db_status s =
        lr_wire_await(c, PQsendPrepare(c->pg, st->name, st->sql, st->nparams, NULL), st->name, &r);
    if (s != LR_DB_OK)
        return s;
    if (r == NULL || !lr_wire_ok_status(PQresultStatus(r))) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        /* Prepared earlier on this session but forgotten by us (after a reset). */
        if (state != NULL && strcmp(state, "42P05") == 0)
            s = LR_DB_OK;
        else
            s = classify(c, r, st->name);
    }
    PQclear(r);
    if (s == LR_DB_OK)
        c->prepared[c->nprepared++] = st;
    return s;
}

/* A connection that sat idle while PostgreSQL restarted fails its next statement.
 * Outside a transaction nothing can have been written by that statement, so one
 * reconnect and retry is safe and saves the caller a spurious 503. Not after a
 * deadline: that server is alive but not answering, and another wait helps nobody. */
static bool reconnect_for_retry(struct lr_db_conn *c, bool was_idle, enum lr_db_status s)
{
    if (s != LR_DB_UNAVAILABLE || !was_idle || c->conninfo == NULL || c->timed_out ||
        (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK))
        return false;
    return lr_wire_open(c, c->conninfo, &c->limits) == LR_DB_OK;
}

/* Counts the rows handed over, so that a retry is made only when none was. */
struct row_count {
    lr_db_row_fn row;
    void *arg;
    size_t n;
};

static int count_row(void *arg, const PGresult *r)
{
    struct row_count *rc = arg;
    rc->n++;
    return rc->row(rc->arg, r);
}

/* One call of a prepared statement: its result in *res (when res is set), or, with
 * rows, each row handed over as it arrives (libpq's single-row mode). */
static enum lr_db_status exec_once(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                   const char *const *values, const int *lengths,
                                   const int *formats, struct row_count *rows, PGresult **res)
{
    enum lr_db_status s = ensure_prepared(c, st);
    if (s != LR_DB_OK)
        return s;
    PQsetnonblocking(c->pg, 1);
    int sent = PQsendQueryPrepared(c->pg, st->name, st->nparams, values, lengths, formats, 0);
    /* Right after the send, or libpq refuses; then the rows would come whole. */
    bool single = rows == NULL || (sent && PQsetSingleRowMode(c->pg));
    PGresult *r;
    s = lr_wire_await_rows(c, sent, st->name, rows != NULL ? count_row : NULL, rows, &r);
    if (s != LR_DB_OK)
        return s;
    if (r == NULL || !lr_wire_ok_status(PQresultStatus(r))) {
        s = classify(c, r, st->name);
    } else if (!single) {
        snprintf(c->last_error, sizeof c->last_error, "%s: no single-row mode", st->name);
        s = LR_DB_ERROR;
    } else if (res != NULL) {
        *res = r;
        return LR_DB_OK;
    }
    PQclear(r);
    return s;
}

static enum lr_db_status exec_retried(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                      const char *const *values, const int *lengths,
                                      const int *formats, struct row_count *rows, PGresult **res)
{
    if (res != NULL)
        *res = NULL;
    c->timed_out = false;
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    enum lr_db_status s = exec_once(c, st, values, lengths, formats, rows, res);
    /* Once a row went to the caller, a retry would hand it over twice. */
    if ((rows == NULL || rows->n == 0) && reconnect_for_retry(c, idle, s))
        s = exec_once(c, st, values, lengths, formats, rows, res);
    return s;
}

enum lr_db_status lr_db_exec(struct lr_db_conn *c, const struct lr_db_stmt *st,
                             const char *const *values, PGresult **res)
{
    return exec_retried(c, st, values, NULL, NULL, NULL, res);
}

enum lr_db_status lr_db_exec_formats(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                     const char *const *values, const int *lengths,
                                     const int *formats, PGresult **res)
{
    return exec_retried(c, st, values, lengths, formats, NULL, res);
}

enum lr_db_status lr_db_exec_rows(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                  const char *const *values, lr_db_row_fn row, void *arg)
{
    struct row_count rows = {row, arg, 0};
    return exec_retried(c, st, values, NULL, NULL, &rows, NULL);
}

static enum lr_db_status simple_once(struct lr_db_conn *c, const char *sql)
{
    PGresult *r;
    enum lr_db_status s = lr_wire_simple(c, sql, sql, &r);
    if (s != LR_DB_OK)
        return s;
    s = (r != NULL && lr_wire_ok_status(PQresultStatus(r))) ? LR_DB_OK : classify(c, r, sql);
    PQclear(r);
    return s;
}

enum lr_db_status lr_db_simple(struct lr_db_conn *c, const char *sql)
{
    c->timed_out = false;
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    enum lr_db_status s = simple_once(c, sql);
    if (reconnect_for_retry(c, idle, s))
        s = simple_once(c, sql);
    return s;
}

enum lr_db_status lr_db_begin(struct lr_db_conn *c)
{
    return lr_db_simple(c, "BEGIN");
}

enum lr_db_status lr_db_commit(struct lr_db_conn *c)
{
    return lr_db_simple(c, "COMMIT");
}

void lr_db_rollback(struct lr_db_conn *c)
{
    PGresult *r = NULL;
    if (c->pg != NULL && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        lr_wire_simple(c, "ROLLBACK", "ROLLBACK", &r);
    PQclear(r);
}

enum lr_db_status lr_db_one_text(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                 const char *const *values, char **out)
{
    PGresult *r;
    *out = NULL;
    enum lr_db_status s = lr_db_exec(c, st, values, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) == 0)
        s = LR_DB_NOT_FOUND;
    else if ((*out = strdup(PQgetvalue(r, 0, 0))) == NULL)
        s = LR_DB_ERROR;
    PQclear(r);
    return s;
}

const char *lr_db_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t lr_db_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool lr_db_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}
