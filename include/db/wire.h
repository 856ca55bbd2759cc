/* Internal to db/: the connection-level primitives that exec.c, copy.c and pool.c
 * share. Every wait has a deadline (db/limits.h); a statement past it drops the
 * connection. */
#ifndef LR_DB_WIRE_H
#define LR_DB_WIRE_H

#include <poll.h>
#include <time.h>

#include "db/pool.h"

/* (Re)connects c with limits (copied), ending within connect_timeout_sec. */
enum lr_db_status lr_wire_open(struct lr_db_conn *c, const char *conninfo,
                               const struct lr_db_limits *limits);
/* The deadline of a wait that starts now and may last ms (0: unbounded), capped by
 * the connection's probe budget. false: no deadline at all. */
bool lr_wire_deadline(const struct lr_db_conn *c, unsigned ms, struct timespec *out);
/* 1: the socket is ready for events; 0: the deadline (NULL: none) passed first;
 * -1: no socket, or poll failed. */
int lr_wire_wait(PGconn *pg, short events, const struct timespec *deadline);
/* Drops the connection after a missed deadline; LR_DB_UNAVAILABLE. */
enum lr_db_status lr_wire_expire(struct lr_db_conn *c, const char *what, unsigned ms);
bool lr_wire_ok_status(ExecStatusType s);
/* Completes a query that a PQsend* call queued (sent == 1; else the send failed) before
 * the statement deadline; *out is what PQexec would return (NULL when the connection
 * failed). LR_DB_UNAVAILABLE (connection dropped) when the deadline passes. */
enum lr_db_status lr_wire_await(struct lr_db_conn *c, int sent, const char *what, PGresult **out);
/* The same for a query in single-row mode: each row's result goes to row (until it
 * returns non-zero) and is freed; *out is the final one. */
enum lr_db_status lr_wire_await_rows(struct lr_db_conn *c, int sent, const char *what,
                                     lr_db_row_fn row, void *arg, PGresult **out);
/* PQexec with a deadline. */
enum lr_db_status lr_wire_simple(struct lr_db_conn *c, const char *sql, const char *what,
                                 PGresult **out);

#endif
