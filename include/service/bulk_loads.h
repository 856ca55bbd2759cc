/* Bulk loads (SPEC 3.3): enrichment rows and a period's named-account list, each one
 * transaction that streams the rows into COPY, checks what only the whole load can
 * show (duplicates, owners) in SQL, and writes everything or nothing. */
#ifndef LR_SERVICE_BULK_LOADS_H
#define LR_SERVICE_BULK_LOADS_H

#include <jansson.h>

#include "db/bulk_store.h"
#include "db/pool.h"
#include "routing/rules.h"

/* What the API's reading of the body gave. */
struct lr_rows_outcome {
    int fatal;       /* 0, or the HTTP status of a body that cannot be read */
    size_t rows;     /* rows read */
    size_t problems; /* rows the API found bad (nothing is written when any is) */
};

/* Puts every row of the body into copy, validating each, from the body's first row:
 * it runs again when the transaction is retried. rules are the rules in force (NULL
 * for account loads, which need none). */
typedef struct lr_rows_outcome (*lr_rows_fn)(void *arg, const struct lr_rules *rules,
                                             struct lr_copy *copy);

struct lr_load_result {
    struct lr_rows_outcome rows;
    size_t sql_problems; /* found in SQL; the first LR_BULK_SQL_ERRORS are in sql_errors */
    struct lr_named_counts counts;
};

/* sql_errors (an array, not stolen) receives {"row", "field", "message"} items. */
enum lr_db_status lr_service_accounts_load(struct lr_db_pool *pool, const char *actor,
                                           lr_rows_fn rows, void *arg, json_t *sql_errors,
                                           struct lr_load_result *out);
enum lr_db_status lr_service_named_replace(struct lr_db_pool *pool, const char *period,
                                           const char *actor, lr_rows_fn rows, void *arg,
                                           json_t *sql_errors, struct lr_load_result *out);

#endif
