/* Review resolution (SPEC 2.9): a human puts an item in a queue; the subject gets its
 * owner there by the ordinary rules. One transaction that starts by locking the item,
 * so of two resolves racing on one item exactly one assigns. */
#ifndef LR_SERVICE_REVIEW_H
#define LR_SERVICE_REVIEW_H

#include <stdint.h>

#include "db/pool.h"
#include "routing/types.h"

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

/* On LR_RESOLVE_DONE *json is the resolved item with its "assignment"; on
 * LR_RESOLVE_ALREADY the item as it was resolved (caller frees). Anything but DONE
 * writes nothing. */
enum lr_db_status lr_service_review_resolve(struct lr_db_pool *pool,
                                            const struct lr_resolve_request *rq,
                                            enum lr_resolve_outcome *outcome, char **json);

#endif
