/* Operators repairing write-back (SPEC 3.6): a dead delivery is tried again. */
#ifndef LR_SERVICE_DELIVERIES_H
#define LR_SERVICE_DELIVERIES_H

#include <stdint.h>

#include "db/pool.h"

enum lr_retry_outcome {
    LR_RETRY_DONE,      /* pending now; *json is the delivery */
    LR_RETRY_NOT_FOUND, /* no such delivery */
    LR_RETRY_NOT_DEAD,  /* only a dead delivery is retried by hand */
    LR_RETRY_MOOT,      /* a newer owner of the subject is delivered or on its way */
};

/* One transaction: the delivery becomes pending with a fresh schedule, audited. */
enum lr_db_status lr_service_delivery_retry(struct lr_db_pool *pool, int64_t id, const char *actor,
                                            enum lr_retry_outcome *outcome, char **json);

#endif
