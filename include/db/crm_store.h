/* CRM adapters against PostgreSQL (SPEC 3.5): the versioned mapping documents, and
 * which deals leadrouter already holds (created or updated). */
#ifndef LR_DB_CRM_STORE_H
#define LR_DB_CRM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/pool.h"

/* {"crm", "version", "created_at", "created_by", "document"} of a CRM's mapping
 * version (0: the newest); LR_DB_NOT_FOUND when there is no such version (or none at
 * all, for 0). Caller frees. */
enum lr_db_status lr_crm_mapping_get_json(struct lr_db_conn *c, const char *crm, int64_t version,
                                          char **json);

/* The newest stored document as JSON text (caller frees) and its version;
 * LR_DB_NOT_FOUND when the CRM has none (the defaults apply). */
enum lr_db_status lr_crm_mapping_newest(struct lr_db_conn *c, const char *crm, int64_t *version,
                                        char **document);

/* Inside the caller's transaction: stores document (validated, canonical) as the CRM's
 * next version, audited with the previous document (null before the first), and
 * answers it as lr_crm_mapping_get_json does. Concurrent appends are serialised. */
enum lr_db_status lr_crm_mapping_append(struct lr_db_conn *c, const char *crm, const char *document,
                                        const char *actor, char **json);

/* known[i]: an opportunity with ids[i] is stored. One round trip. */
enum lr_db_status lr_crm_opportunities_known(struct lr_db_conn *c, const char *const *ids, size_t n,
                                             bool *known);

#endif
