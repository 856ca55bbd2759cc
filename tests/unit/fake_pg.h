/* A fake PostgreSQL server for the pool's tests (test_db_pool.c): a frozen, silent or
 * failing server reproduced exactly and without PostgreSQL. */
#ifndef LR_TESTS_FAKE_PG_H
#define LR_TESTS_FAKE_PG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

enum fake_pg_mode {
    FAKE_SILENT,   /* accepts the TCP connection, never says a word (a frozen postmaster) */
    FAKE_FROZEN,   /* completes the start-up and the session's SET, then never answers */
    FAKE_SQLSTATE, /* answers every statement with an error of sqlstate */
    FAKE_TX,       /* simple queries (BEGIN, COMMIT, ROLLBACK) succeed; every prepared
                    * statement fails with sqlstate */
};

struct fake_pg {
    int lfd;
    unsigned short port;
    enum fake_pg_mode mode;
    const char *sqlstate;
    atomic_bool stop;
    atomic_int queries; /* messages received after the session's SET */
    atomic_int simple;  /* of them, simple queries */
    pthread_t thread;
    pthread_t conns[8]; /* one thread per connection, so that a frozen one stalls no other */
    int fds[8];
    int nconns;
    char conninfo[128];
};

/* Listens on an ephemeral loopback port (f->conninfo names it) and serves each
 * connection on a thread of its own; fails the running test if it cannot. */
void fake_pg_start(struct fake_pg *f, enum fake_pg_mode mode, const char *sqlstate);
/* Stops accepting, ends every connection's thread and closes the sockets. */
void fake_pg_stop(struct fake_pg *f);

#endif
