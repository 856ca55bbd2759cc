/* The write-back outbox as the delivery workers use it (SPEC 3.6): claiming due rows
 * under a lease, recording each attempt's outcome, and the LISTEN connection that wakes
 * a worker when a transaction queued rows. Each call is one short transaction: no
 * transaction stays open while a request is on the network. */
#ifndef LR_DB_OUTBOX_STORE_H
#define LR_DB_OUTBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/pool.h"

/* lr_write_assignments NOTIFYs this channel when it queued rows. */
#define LR_OUTBOX_CHANNEL "leadrouter_outbox"

/* A claimed row with what its request needs: the assignment item of SPEC 3.2. */
struct lr_outbox_row {
    int64_t id;            /* the outbox row */
    int64_t assignment_id; /* the assignment's public id; 0 for a CRM (not published) */
    int attempts;          /* this try's number: 1 for the first */
    const char *subject;   /* lead, opportunity */
    const char *subject_id;
    const char *queue;
    const char *rep_id;          /* NULL: the review queue */
    const char *previous_rep_id; /* NULL: none */
    const char *reason;
    const char *at;           /* RFC 3339 UTC, milliseconds */
    const char *crm_owner_id; /* the rep's crm_owner_id, else its id; NULL without a rep */
    char *buf;                /* holds every string above */
};

/* Frees the strings of a row filled by lr_outbox_claim; safe on a zeroed row. */
void lr_outbox_row_clear(struct lr_outbox_row *row);

/* In one transaction: takes up to max rows of destination that are due (pending,
 * next_attempt_at passed, no lease or a lease that has passed) and have no older
 * pending row of the same subject and destination (per subject, one delivery at a time
 * and in assignment order), skipping rows another transaction holds; leases them for
 * lease_sec seconds, counts the attempt and, for the webhook, publishes assignment ids
 * (a CRM's request does not carry them). rows[0..*n) are
 * then the caller's to clear. */
enum lr_db_status lr_outbox_claim(struct lr_db_conn *c, const char *destination, unsigned max,
                                  unsigned lease_sec, struct lr_outbox_row *rows, size_t *n);

/* Reads rows ids[0..nids) of destination, which this replica's write lane leased at
 * commit (the hand-off), the way lr_outbox_claim reads what it claimed: rows[0..*n) are
 * then the caller's to clear. Nobody else changes a leased row (supersession and claims
 * pass it by), and an outcome is recorded only for the attempt it belongs to. */
enum lr_db_status lr_outbox_load(struct lr_db_conn *c, const char *destination, const int64_t *ids,
                                 size_t nids, struct lr_outbox_row *rows, size_t *n);

/* The outcome of one attempt: row id's try numbered attempts. */
enum lr_outbox_verdict { LR_OUTBOX_DELIVERED, LR_OUTBOX_RETRY, LR_OUTBOX_DEAD };
struct lr_outbox_outcome {
    enum lr_outbox_verdict verdict;
    int64_t id;
    int attempts;
    int status;        /* the HTTP status; 0 when none came (timeout, no connection): NULL */
    const char *error; /* the CRM's answer or the transport's error; NULL when delivered */
    /* A retry is due again at the later of first try + after_first_sec and now +
     * not_before_sec, its lease cleared; superseded instead when a newer pending row of
     * the subject exists (the writer could not supersede it while it was on the wire). */
    double after_first_sec, not_before_sec;
    /* Set by lr_outbox_record: LR_DB_OK, or LR_DB_NOT_FOUND when the row is no longer
     * that attempt's (its lease passed and another worker claimed it again, or an
     * operator changed it), which changes nothing. */
    enum lr_db_status result;
};

/* Outcomes gathered to be recorded together, each with its own copy of its error. */
#define LR_OUTBOX_ERROR_KEEP 1000 /* last_error's length */
struct lr_outbox_batch {
    struct lr_outbox_outcome *o;
    char (*error)[LR_OUTBOX_ERROR_KEEP + 1];
    size_t n, cap;
};
/* 0, or -1 when out of memory (then lr_outbox_batch_free is still safe). */
int lr_outbox_batch_init(struct lr_outbox_batch *b, size_t cap);
void lr_outbox_batch_free(struct lr_outbox_batch *b);
/* Appends an outcome (error copied, cut to LR_OUTBOX_ERROR_KEEP bytes): false when the
 * batch is full (record it first). */
bool lr_outbox_batch_add(struct lr_outbox_batch *b, const struct lr_outbox_outcome *o);

/* Records o[0..n) in one transaction (the deliveries in one statement): a worker writes
 * one commit per round of answers, not one per delivery. On failure nothing is
 * recorded, and the rows are tried again after their leases: at least once, never
 * lost. */
enum lr_db_status lr_outbox_record(struct lr_db_conn *c, struct lr_outbox_outcome *o, size_t n);

/* A dedicated connection LISTENing on LR_OUTBOX_CHANNEL. */
struct lr_outbox_listener;

/* Connects nothing yet: lr_outbox_listen does. NULL when out of memory. */
struct lr_outbox_listener *lr_outbox_listener_new(const char *conninfo,
                                                  const struct lr_db_limits *limits);
void lr_outbox_listener_free(struct lr_outbox_listener *l);
/* Connects and LISTENs unless it already does; LR_DB_UNAVAILABLE when PostgreSQL
 * cannot be reached (call again later). */
enum lr_db_status lr_outbox_listen(struct lr_outbox_listener *l);
/* The socket to wait on for notifications; -1 when not listening. */
int lr_outbox_listener_socket(const struct lr_outbox_listener *l);
/* Reads what the socket has without blocking and discards the notifications: how many
 * there were, or -1 when the connection was lost (it is dropped; lr_outbox_listen
 * reconnects, and the caller should claim anyway: notifications may have been missed). */
int lr_outbox_listener_consume(struct lr_outbox_listener *l);

/* Sets up the delivery worker's connection. Its own writes (leases, outcomes) do not
 * wait for the WAL flush: after a crash the worst is a delivery tried again, which every
 * destination takes as a repeat (the same owner; the same webhook-id for the webhook),
 * while a flush per delivered row would put thousands of small commits in the queue
 * of the lead writer's group commits. */
enum lr_db_status lr_outbox_session(struct lr_db_conn *c);

#endif
