/* COPY ... FROM STDIN under the statement deadline (db/pool.h). */
#include <poll.h>
#include <stdio.h>

#include "db/wire.h"

enum lr_db_status lr_db_copy_start(struct lr_db_conn *c, const char *sql)
{
    PGresult *r = NULL;
    enum lr_db_status s = lr_wire_simple(c, sql, "copy", &r);
    if (s != LR_DB_OK)
        return s;
    if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN) {
        snprintf(c->last_error, sizeof c->last_error, "%s",
                 r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
        PQclear(r);
        return PQstatus(c->pg) == CONNECTION_OK ? LR_DB_ERROR : LR_DB_UNAVAILABLE;
    }
    PQclear(r);
    return LR_DB_OK;
}

/* Sends what libpq has queued, waiting for the socket under the deadline. */
static enum lr_db_status copy_flush(struct lr_db_conn *c, const struct timespec *dl, unsigned ms)
{
    int f;
    while ((f = PQflush(c->pg)) == 1) {
        int w = lr_wire_wait(c->pg, POLLOUT, dl);
        if (w == 0)
            return lr_wire_expire(c, "copy", ms);
        if (w < 0)
            return LR_DB_UNAVAILABLE;
    }
    return f == 0 ? LR_DB_OK : LR_DB_UNAVAILABLE;
}

/* COPY data goes out in non-blocking mode: a server that stops reading fills the
 * socket, and the wait for room has the statement's deadline. */
enum lr_db_status lr_db_copy_put(struct lr_db_conn *c, const char *data, size_t len)
{
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    unsigned ms = lr_db_statement_deadline_ms(&c->limits);
    struct timespec dl;
    const struct timespec *dlp = lr_wire_deadline(c, ms, &dl) ? &dl : NULL;
    PQsetnonblocking(c->pg, 1);
    int rc;
    while ((rc = PQputCopyData(c->pg, data, (int)len)) == 0) {
        enum lr_db_status s = copy_flush(c, dlp, ms);
        if (s != LR_DB_OK)
            return s;
    }
    enum lr_db_status s = rc == 1 ? copy_flush(c, dlp, ms) : LR_DB_UNAVAILABLE;
    if (c->pg != NULL)
        PQsetnonblocking(c->pg, 0);
    return s;
}

enum lr_db_status lr_db_copy_end(struct lr_db_conn *c, const char *error, PGresult **out)
{
    *out = NULL;
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    unsigned ms = lr_db_statement_deadline_ms(&c->limits);
    struct timespec dl;
    const struct timespec *dlp = lr_wire_deadline(c, ms, &dl) ? &dl : NULL;
    PQsetnonblocking(c->pg, 1);
    int rc;
    while ((rc = PQputCopyEnd(c->pg, error)) == 0) {
        enum lr_db_status s = copy_flush(c, dlp, ms);
        if (s != LR_DB_OK)
            return s;
    }
    if (rc != 1) {
        PQsetnonblocking(c->pg, 0);
        return LR_DB_UNAVAILABLE;
    }
    /* The end is queued: the rest is an ordinary wait for the COPY's result. */
    return lr_wire_await(c, 1, "copy", out);
}
