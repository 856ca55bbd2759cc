/* The opportunity path against PostgreSQL. One event is one transaction:
 *   lr_opp_begin (claims the webhook-id) -> lr_opp_lock (locks the deal FOR UPDATE)
 *   -> lr_opp_context -> the pure decision (routing/opportunity.h) -> the writes it
 *   calls for -> lr_opp_finish (stores the answer); service/opportunity.c runs them.
 * Any failure in between: lr_db_rollback, and nothing was written. */
#ifndef LR_DB_OPPORTUNITIES_STORE_H
#define LR_DB_OPPORTUNITIES_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/pool.h"
#include "routing/lead.h"
#include "routing/opportunity.h"

#define LR_OPP_STAGE_MAX 128

enum lr_credit_status { LR_CREDIT_PENDING = 0, LR_CREDIT_EARNED, LR_CREDIT_FORFEITED };

const char *lr_credit_status_name(enum lr_credit_status s);

/* The handoff record of one deal, with its credit. */
struct lr_opp_handoff {
    bool present;
    char finder[LR_ID_MAX + 1], receiver[LR_ID_MAX + 1];
    enum lr_segment from, to;
    int32_t credit_rate_bp, commission_rate_bp;
    int64_t cap_cents;
    int64_t rules_version;
    char at[40];
    enum lr_credit_status status;
    bool has_credit;
    int64_t credit_cents;
};

/* The locked deal and what the decision needs besides it. */
struct lr_opp_loaded {
    struct lr_opp_state state;
    /* Stored text fields ("" when none). */
    char lead_id[LR_ID_MAX + 1];
    char domain[LR_DOMAIN_MAX + 1];
    char stage[LR_OPP_STAGE_MAX + 1];
    int64_t review_id; /* 0 when none */
    /* From lr_opp_context. */
    int64_t rules_version;
    struct lr_lead_owner lead;
    char lead_domain[LR_DOMAIN_MAX + 1];
    struct lr_opp_handoff handoff;
    struct lr_account_facts account;
    struct lr_named_facts named;
};

/* Claims webhook_id in the caller's transaction. *replay is 0 when claimed; 200 with
 * *body the stored answer, or 409 (other body), when the id was answered before
 * (nothing is written then). */
enum lr_db_status lr_opp_begin(struct lr_db_conn *c, const char *webhook_id,
                               const char *body_sha256, const char *event_type,
                               const char *opportunity_id, int *replay, char **body);

/* Creates the row when missing and locks it FOR UPDATE; fills out->state and the stored
 * fields. Concurrent events for one deal wait here for each other. */
enum lr_db_status lr_opp_lock(struct lr_db_conn *c, const char *opportunity_id,
                              struct lr_opp_loaded *out);

/* Reads, after the lock (so what a concurrent event committed is seen): the newest
 * rules version, the lead (lead_id may be NULL), the handoff record, whether a review
 * item is open, and the enrichment and active named entry of domain (NULL: none). */
enum lr_db_status lr_opp_context(struct lr_db_conn *c, const char *opportunity_id,
                                 const char *lead_id, struct lr_opp_loaded *out);
enum lr_db_status lr_opp_enrichment(struct lr_db_conn *c, const char *domain, const char *period,
                                    struct lr_opp_loaded *out);

struct lr_opp_apply {
    const char *opportunity_id;
    const char *webhook_id;
    const char *event_type;
    const char *event_ts;  /* RFC 3339 UTC, as lr_rfc3339_format_usec writes it */
    const char *body_json; /* the event as sent; its data object is merged into data */
    const char *lead_id;   /* after the event (NULL: none) */
    const char *domain;
    const char *stage;
    const char *signals_json; /* the decision's signals, kept with a review item */
    const struct lr_rules *rules;
    const char *actor;
};

struct lr_opp_result {
    char rep_id[LR_ID_MAX + 1]; /* the owner after the event ("" none) */
    int64_t review_id;          /* opened by this event, else the open one in review */
};

/* Writes what the decision says: takes the round-robin turn (an empty queue turns the
 * decision into no_active_rep, in place), opens review items, records the handoff and
 * settles its credit on close, adds the assignment, updates the deal, logs the delivery
 * and audits each step. ld->handoff is updated to what was written. */
/* The writes of one event, each in the caller's transaction (service/opportunity.c
 * decides which). take_turn: the next rep of queue's round robin under a savepoint,
 * so that an empty queue (LR_DB_NO_ACTIVE_REP) leaves the transaction usable. */
enum lr_db_status lr_opp_take_turn(struct lr_db_conn *c, enum lr_segment queue,
                                   char rep[LR_ID_MAX + 1]);
enum lr_db_status lr_opp_open_review(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                     enum lr_reason reason, int64_t *review_id);
/* A handoff with the rules' credit rates; fills h. */
enum lr_db_status lr_opp_record_handoff(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                        const struct lr_opp_state *st, const char *receiver,
                                        enum lr_segment to, struct lr_opp_handoff *h);
/* Settles the pending credit: earned (credit cents) or forfeited; updates h. */
enum lr_db_status lr_opp_settle_credit(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                       struct lr_opp_handoff *h, bool won, int64_t credit,
                                       int64_t acv);
enum lr_db_status lr_opp_log_event(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                   const char *outcome, const char *action);
/* The assignment and its audit rows (lr_write_assignments). */
enum lr_db_status lr_opp_write_assignment(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                          const struct lr_opp_state *st,
                                          const struct lr_opp_decision *od, int64_t review_id);
/* The deal's row after the event; assigns: the decision moved the owner. */
enum lr_db_status lr_opp_update_row(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                    const struct lr_opp_state *st, const struct lr_opp_decision *od,
                                    bool assigns, int64_t new_review);

/* Stores body as the answer to webhook_id (and as the deal's decision when applied)
 * and audits the decision. */
enum lr_db_status lr_opp_finish(struct lr_db_conn *c, const char *opportunity_id,
                                const char *webhook_id, bool applied, const char *body,
                                const char *actor);

/* GET /v1/opportunities/{id}: the deal with its decision, handoff and credit,
 * assignment history and event log, as JSON text; LR_DB_NOT_FOUND. */
enum lr_db_status lr_opportunity_get_json(struct lr_db_conn *c, const char *id, char **json);

/* A deal whose review item is being resolved, locked: its owner before, the named
 * owner of its domain this period, and the rules version in force. */
struct lr_opp_resolution {
    enum lr_segment old_queue;
    char old_rep[LR_ID_MAX + 1];
    struct lr_named_facts named;
    int64_t rules_version;
    char domain[LR_DOMAIN_MAX + 1]; /* empty when the deal has none */
};
enum lr_db_status lr_opp_lock_for_resolution(struct lr_db_conn *c, const char *opportunity_id,
                                             struct lr_opp_resolution *out);
/* The deal's new owner, with its assignment and audit rows. */
enum lr_db_status lr_opp_reassign(struct lr_db_conn *c, const char *opportunity_id,
                                  const struct lr_opp_resolution *before, enum lr_segment queue,
                                  const char *rep, enum lr_reason reason, const char *actor);

#endif
