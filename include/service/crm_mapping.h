/* PUT /v1/crm/{crm}/mapping (SPEC 3.5): a validated mapping document becomes the CRM's
 * next version, audited, in one transaction. */
#ifndef LR_SERVICE_CRM_MAPPING_H
#define LR_SERVICE_CRM_MAPPING_H

#include "db/pool.h"

/* *json is the stored version as GET answers it (caller frees). */
enum lr_db_status lr_service_crm_mapping_put(struct lr_db_pool *pool, const char *crm,
                                             const char *document, const char *actor, char **json);

#endif
