/* Bulk writes through COPY: enrichment rows and named-account lists. Inside the
 * caller's transaction (service/bulk_loads.c): begin (a temporary table and a COPY),
 * rows put in 64 KiB chunks while the body is read from local disk, then end (checks
 * in SQL, and the write when asked and nothing failed) or abort. */
#ifndef LR_DB_BULK_STORE_H
#define LR_DB_BULK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "db/pool.h"

#define LR_COPY_CHUNK (64u << 10)
#define LR_BULK_SQL_ERRORS 100 /* errors found in SQL that are listed; the total is counted */

struct lr_copy {
    struct lr_db_conn *c;
    char *buf; /* owned until end or abort */
    size_t len;
    enum lr_db_status status; /* the first failure; puts after it do nothing */
    bool copying;
};

/* Appends one COPY text-format line (with its newline). */
void lr_copy_put(struct lr_copy *cp, const char *line, size_t len);
/* Ends the COPY of a load that will not be written (the body turned out malformed). */
void lr_copy_abort(struct lr_copy *cp);

/* Lines: "row\tdomain\temployees\thas_employees\tacv_cents\thas_acv\tfit\thas_fit\n"
 * (\N = null, has_* t or f: f keeps the stored value of an existing account). */
enum lr_db_status lr_accounts_load_begin(struct lr_db_conn *c, struct lr_copy *cp);
/* Appends a {"row", "field", "message"} for every domain that came before in this
 * load (the first LR_BULK_SQL_ERRORS, in row order) and sets *problems to their
 * number. When apply and there are none, upserts every row and audits the load;
 * otherwise nothing is written. */
enum lr_db_status lr_accounts_load_end(struct lr_copy *cp, bool apply, size_t rows,
                                       const char *actor, json_t *errors, size_t *problems);
enum lr_db_status lr_account_get_json(struct lr_db_conn *c, const char *domain, char **json);

struct lr_named_counts {
    long long added, removed, changed_owner, unchanged;
};

/* Lines: "row\tdomain\towner\n", domain or owner \N when the row's own is invalid (so
 * that the other can still be checked). */
enum lr_db_status lr_named_load_begin(struct lr_db_conn *c, struct lr_copy *cp);
/* Like lr_accounts_load_end for duplicate domains, unknown owners and smb owners.
 * When apply and there are none, replaces the period's list atomically. */
enum lr_db_status lr_named_load_end(struct lr_copy *cp, const char *period, bool apply,
                                    const char *actor, struct lr_named_counts *counts,
                                    json_t *errors, size_t *problems);
enum lr_db_status lr_named_get_json(struct lr_db_conn *c, const char *period, char **json);

#endif
