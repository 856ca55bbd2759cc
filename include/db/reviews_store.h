/* The review queue (SPEC 2.9): listing and resolving items. */
#ifndef LR_DB_REVIEWS_STORE_H
#define LR_DB_REVIEWS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/pool.h"
#include "routing/lead.h"
#include "routing/types.h"

/* {"status", "items": [...], "next_after", "total"}: items of that status with
 * id > after, ascending by id (for open items: oldest first). */
enum lr_db_status lr_reviews_list_json(struct lr_db_conn *c, bool resolved, int64_t after,
                                       int64_t limit, char **json);

/* A review item, locked for the rest of the transaction: of two resolves racing on
 * one item, the second waits here and then finds it resolved. */
struct lr_review_item {
    bool found, open;
    char subject[16]; /* lead or opportunity */
    char subject_id[LR_ID_MAX + 1];
    char *json; /* the item as the API shows it (caller frees) */
};
enum lr_db_status lr_review_lock(struct lr_db_conn *c, int64_t id, struct lr_review_item *out);

/* A lead under review, locked, with the named owner of its domain in period. */
struct lr_review_lead {
    bool has_domain, had_rep;
    char domain[LR_DOMAIN_MAX + 1];
    char previous_rep[LR_ID_MAX + 1];
    struct lr_named_facts named;
};
enum lr_db_status lr_review_lock_lead(struct lr_db_conn *c, const char *lead_id, const char *period,
                                      struct lr_review_lead *out);
/* The queue's next turn (LR_DB_NO_ACTIVE_REP when nobody is active in it). */
enum lr_db_status lr_review_take_turn(struct lr_db_conn *c, enum lr_segment queue,
                                      char rep[LR_ID_MAX + 1]);
/* The lead's new owner, with its assignment and audit rows. */
enum lr_db_status lr_review_assign_lead(struct lr_db_conn *c, const char *lead_id,
                                        enum lr_segment queue, const char *rep,
                                        const char *previous_rep, int64_t rules_version,
                                        const char *actor, int64_t review_id, bool named_owner);
/* Marks the item resolved; *json is it as the API shows it (caller frees). */
enum lr_db_status lr_review_mark_resolved(struct lr_db_conn *c, int64_t id, const char *actor,
                                          enum lr_segment queue, const char *rep, const char *note,
                                          char **json);

/* Open review items and the age in seconds of the oldest (0 when none). */
enum lr_db_status lr_review_backlog(struct lr_db_conn *c, int64_t *open, double *oldest_age);

#endif
