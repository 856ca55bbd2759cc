/* Bulk writes through COPY: enrichment rows and named-account lists. */
#ifndef LR_DB_BULK_STORE_H
#define LR_DB_BULK_STORE_H

#include <jansson.h>
#include <stddef.h>

#include "db/pool.h"

/* copy_text: COPY text-format lines "domain\temployees\tacv_cents\tfit\n" (\N = null).
 * Upserts all rows in one transaction and audits the load. */
enum lr_db_status lr_accounts_load(struct lr_db_conn *c, const char *copy_text, size_t len,
                                   size_t rows, const char *actor);
enum lr_db_status lr_account_get_json(struct lr_db_conn *c, const char *domain, char **json);

struct lr_named_counts {
    long long added, removed, changed_owner, unchanged;
};

/* copy_text: "row\tdomain\towner\n". Replaces the period's list atomically. When an
 * owner is unknown or an smb rep, nothing is written and one error per such row
 * ({"row", "field": "owner_rep_id", "message"}) is appended to errors. */
enum lr_db_status lr_named_replace(struct lr_db_conn *c, const char *period, const char *copy_text,
                                   size_t len, const char *actor, struct lr_named_counts *counts,
                                   json_t *errors);
enum lr_db_status lr_named_get_json(struct lr_db_conn *c, const char *period, char **json);

#endif
