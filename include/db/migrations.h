/* Schema migrations, compiled in from migrations/NNNN_name.sql. */
#ifndef LR_DB_MIGRATIONS_H
#define LR_DB_MIGRATIONS_H

#include <stdint.h>

#include "db/pool.h"

struct lr_migration {
    int64_t version;
    const char *name;
    const char *sql;
};

extern const struct lr_migration lr_migrations[];
extern const unsigned lr_migration_count;

/* The version this binary needs: the highest compiled-in migration. */
int64_t lr_schema_target(void);

/* Applies the missing migrations in order, each in its own transaction, under an
 * advisory lock so that replicas starting together do not race. *applied counts the
 * ones applied now. */
enum lr_db_status lr_migrate(struct lr_db_conn *c, unsigned *applied, char *err, size_t errlen);

/* The highest applied version (0 when none). */
enum lr_db_status lr_schema_current(struct lr_db_conn *c, int64_t *version);

#endif
