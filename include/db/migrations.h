/* Schema migrations, compiled in from migrations/NNNN_name.sql, and the SQL functions,
 * compiled in from sql/functions/ in the order of sql/functions.list (sql/README.md). */
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

/* One file of sql/functions/: CREATE OR REPLACE statements, safe to run again. */
struct lr_sql_function {
    const char *name;
    const char *sql;
};

extern const struct lr_sql_function lr_sql_functions[];
extern const unsigned lr_sql_function_count;

/* The version this binary needs: the highest compiled-in migration. */
int64_t lr_schema_target(void);

/* Applies the missing migrations in order, each in its own transaction, under an
 * advisory lock so that replicas starting together do not race, then re-creates every
 * SQL function in load order, in one transaction under the same lock: the transaction
 * of the last migration when it is applied now (so the schema version and the function
 * text this binary needs become visible together), else one of its own. A database
 * whose schema is newer than this binary keeps its functions. Running it again changes
 * nothing. *applied counts the migrations applied now. */
enum lr_db_status lr_migrate(struct lr_db_conn *c, unsigned *applied, char *err, size_t errlen);

/* The highest applied version (0 when none). */
enum lr_db_status lr_schema_current(struct lr_db_conn *c, int64_t *version);

#endif
