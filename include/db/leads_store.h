/* Reads and writes of the lead path. */
#ifndef LR_DB_LEADS_STORE_H
#define LR_DB_LEADS_STORE_H

#include "db/pool.h"
#include "routing/lead.h"

/* What routing needs to know before deciding, in one round trip. */
struct lr_lead_context {
    int64_t rules_version;
    struct lr_account_facts account;
    struct lr_named_facts named;
    /* The webhook-id was answered before: replay or conflict without writing. */
    bool seen;
    bool same_body;
    char *stored_body; /* owned when seen && same_body */
};

/* domain NULL: free-mail or none, nothing is looked up. */
enum lr_db_status lr_lead_context_load(struct lr_db_conn *c, const char *domain, const char *period,
                                       const char *webhook_id, const char *body_sha256,
                                       struct lr_lead_context *out);
/* The same for n leads in one round trip: domains[i] (NULL: none), webhook_ids[i] and
 * body_sha256s[i] for out[i]. On failure out[] holds nothing to free. */
enum lr_db_status lr_lead_contexts_load(struct lr_db_conn *c, size_t n, const char *const *domains,
                                        const char *period, const char *const *webhook_ids,
                                        const char *const *body_sha256s,
                                        struct lr_lead_context *out);
void lr_lead_context_free(struct lr_lead_context *ctx);

struct lr_lead_write {
    const char *webhook_id;
    const char *body_sha256;
    const char *lead_id;
    const char *domain;    /* NULL when none */
    const char *event_ts;  /* RFC 3339 UTC, as lr_rfc3339_format_usec writes it */
    const char *body_json; /* the event as sent; its data object is stored */
    const struct lr_decision *decision;
    int64_t rules_version;
    const char *decision_json; /* lr_lead_decision_inputs: what the other fields lack */
    const char *actor;
};

/* The outcome of one lead of a batch, as lr_lead_commit reports it: s is LR_DB_OK
 * (status and body set; body owned, NULL for 409 and 201) or LR_DB_NO_ACTIVE_REP (nothing was
 * written for this lead: re-decide and send it again). busy (s is LR_DB_OK, status 0):
 * the lead's round-robin queue was locked by another transaction and nothing was
 * written for it; send it again with wait. */
struct lr_lead_result {
    enum lr_db_status s;
    int status;
    char *body; /* owned; NULL for a 201, whose text the caller builds */
    bool busy;
    /* status 201: what the database decided for the lead */
    char *rep_id;      /* owned; NULL: nobody (review) */
    int64_t review_id; /* 0: none */
};

/* The outbox rows a committed batch handed to this replica's delivery worker (a lane
 * whose session sets leadrouter.writeback_handoff, lr_write_assignments): ids[0..n),
 * owned; free with lr_lead_handoff_clear (safe on a zeroed one). */
struct lr_lead_handoff {
    int64_t *ids;
    size_t n;
};
void lr_lead_handoff_clear(struct lr_lead_handoff *h);

/* Commits n leads in one transaction (lr_commit_leads, migrations/0004): group commit.
 * The leads may repeat webhook-ids and lead ids; each gets the answer it would have
 * had alone, in the order given. wait false: a lead whose queue's turn is locked by
 * another transaction comes back busy instead of making the whole batch wait. On
 * LR_DB_OK every out[i] is set; otherwise out[] holds nothing to free and nothing was
 * written, unless reading the answers of a committed batch failed (out of memory, or an
 * answer not in the form asked for: a retry then gets the stored answers). hand_off false: this
 * batch hands nothing over (the worker has enough waiting), even on a session that asks for the
 * hand-off. On LR_DB_OK *handoff holds the rows handed over (none when out of memory: those wait
 * out their lease, then any worker claims them). routing_v: the routing cache version the leads
 * were decided at (service/routing_cache.h), 0 when they were decided from a read of the tables;
 * LR_DB_STALE, nothing written, when it is no longer current. */
enum lr_db_status lr_leads_commit(struct lr_db_conn *c, const struct lr_lead_write *const *w,
                                  size_t n, bool wait, bool hand_off, int64_t routing_v,
                                  struct lr_lead_result *out, struct lr_lead_handoff *handoff);

/* The lead with its decision and assignment history as JSON text; LR_DB_NOT_FOUND. */
enum lr_db_status lr_lead_get_json(struct lr_db_conn *c, const char *id, char **json);

#endif
