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
enum lr_db_status lr_lead_context_load(struct lr_db_conn *c, const char *domain,
                                       const char *period, const char *webhook_id,
                                       const char *body_sha256, struct lr_lead_context *out);
void lr_lead_context_free(struct lr_lead_context *ctx);

struct lr_lead_write {
    const char *webhook_id;
    const char *body_sha256;
    const char *lead_id;
    const char *domain;    /* NULL when none */
    const char *event_ts;  /* RFC 3339 */
    const char *body_json; /* the event as sent; its data object is stored */
    const struct lr_decision *decision;
    int64_t rules_version;
    const char *decision_json; /* without rep_id/review_id */
    const char *actor;
};

/* Commits the lead, or answers a replay. *status is 201 (new), 200 (replay or lead
 * already routed, *body the stored decision) or 409 (webhook-id reused with another
 * body, *body NULL). LR_DB_NO_ACTIVE_REP: nothing written, re-decide. */
enum lr_db_status lr_lead_commit(struct lr_db_conn *c, const struct lr_lead_write *w,
                                 int *status, char **body);

/* The lead with its decision and assignment history as JSON text; LR_DB_NOT_FOUND. */
enum lr_db_status lr_lead_get_json(struct lr_db_conn *c, const char *id, char **json);

#endif
