/* The open HTTP connections and their deadlines. libmicrohttpd only knows an idle
 * timeout, which a client sending one byte every few seconds never trips; these are
 * deadlines on the whole request head and the whole body. A connection past its
 * deadline is shut down from a watchdog thread, which makes its own thread's read
 * fail and libmicrohttpd close it. */
#ifndef LR_HTTP_CONNS_H
#define LR_HTTP_CONNS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum lr_conn_phase {
    LR_CONN_HEAD_FIRST, /* accepted; its first request head is not complete */
    LR_CONN_BODY,       /* head read; the body is arriving */
    LR_CONN_HANDLER,    /* body complete: the server is answering (no deadline here) */
    LR_CONN_KEEPALIVE,  /* answered; the next request head may follow */
};

struct lr_conn_limits {
    unsigned header_sec;    /* LR_CONN_HEAD_FIRST */
    unsigned keepalive_sec; /* LR_CONN_KEEPALIVE: the next head must be complete by then */
    unsigned body_sec;      /* LR_CONN_BODY of an ordinary request */
    unsigned bulk_body_sec; /* LR_CONN_BODY of a bulk load */
};

struct lr_conn {
    struct lr_conn *prev, *next;
    int fd;
    enum lr_conn_phase phase;
    bool bulk, cut;
    uint64_t since_ms; /* monotonic, start of the phase */
};

struct lr_conns {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t watchdog;
    bool running;
    struct lr_conn *head;
    struct lr_conn_limits limits;
    unsigned long cut_total;
};

/* Starts the watchdog thread. -1 when it cannot start. */
int lr_conns_start(struct lr_conns *cs, const struct lr_conn_limits *limits);
/* Stops the watchdog; connections still registered are freed. */
void lr_conns_stop(struct lr_conns *cs);

/* Registers a connection (NULL when out of memory: it then has no deadline). */
struct lr_conn *lr_conns_add(struct lr_conns *cs, int fd);
/* Unregisters it before its socket is closed. NULL is ignored. */
void lr_conns_remove(struct lr_conns *cs, struct lr_conn *c);
/* Moves it to a phase, restarting the phase's clock. NULL is ignored. */
void lr_conns_set_phase(struct lr_conns *cs, struct lr_conn *c, enum lr_conn_phase phase,
                        bool bulk);
/* Connections accepted whose first request head is still incomplete. */
unsigned lr_conns_unanswered(struct lr_conns *cs);

/* The deadline of a phase in milliseconds, 0 for none. */
uint64_t lr_conn_deadline_ms(const struct lr_conn_limits *limits, enum lr_conn_phase phase,
                             bool bulk);
/* Shuts down every connection past its deadline at now_ms; returns how many. Called
 * by the watchdog; exposed for tests. */
unsigned lr_conns_sweep(struct lr_conns *cs, uint64_t now_ms);
uint64_t lr_conns_now_ms(void);

#endif
