/* The review queue (SPEC 2.9): listing and resolving items. */
#ifndef LR_DB_REVIEWS_STORE_H
#define LR_DB_REVIEWS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/pool.h"
#include "routing/types.h"

/* {"status", "items": [...], "next_after", "total"}: items of that status with
 * id > after, ascending by id (for open items: oldest first). */
enum lr_db_status lr_reviews_list_json(struct lr_db_conn *c, bool resolved, int64_t after,
                                       int64_t limit, char **json);

enum lr_resolve_outcome {
    LR_RESOLVE_DONE,
    LR_RESOLVE_NOT_FOUND,
    LR_RESOLVE_ALREADY,       /* resolved before: *json is the item as resolved */
    LR_RESOLVE_NO_ACTIVE_REP, /* the chosen queue has nobody to take the subject */
    LR_RESOLVE_UNSUPPORTED,   /* the subject kind cannot be assigned by this build */
};

struct lr_resolve_request {
    int64_t review_id;
    enum lr_segment queue; /* smb, mid_market or strategic */
    const char *note;      /* NULL when none */
    const char *actor;
    const char *period; /* the active named-account period */
};

/* Resolves the item in one transaction: the item row is locked first, so of two
 * resolves racing on one item exactly one assigns and the other finds it resolved.
 * On LR_RESOLVE_DONE *json is the resolved item with its "assignment". Anything but
 * DONE writes nothing. */
enum lr_db_status lr_review_resolve(struct lr_db_conn *c, const struct lr_resolve_request *rq,
                                    enum lr_resolve_outcome *outcome, char **json);

#endif
