/* Applies the compiled-in migrations that the database has not seen yet, then
 * re-creates the compiled-in SQL functions (sql/README.md). */
#include "db/migrations.h"

#include <stdio.h>
#include <string.h>

/* Any constant works; it only has to be the same for every replica. */
#define MIGRATE_LOCK "7476910500"

int64_t lr_schema_target(void)
{
    return lr_migration_count ? lr_migrations[lr_migration_count - 1].version : 0;
}

static const struct lr_db_stmt CURRENT = {
    "schema_current", "SELECT coalesce(max(version), 0) FROM schema_migrations", 0};
static const struct lr_db_stmt RECORD = {
    "schema_record", "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2};
static const struct lr_db_stmt APPLIED = {"schema_applied",
                                          "SELECT 1 FROM schema_migrations WHERE version = $1", 1};

enum lr_db_status lr_schema_current(struct lr_db_conn *c, int64_t *version)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &CURRENT, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    *version = lr_db_int(r, 0, 0);
    PQclear(r);
    return LR_DB_OK;
}

/* Re-creates every SQL function in load order, inside the caller's transaction, which
 * holds the migration lock. A database already migrated past this binary keeps the
 * newer text: an older binary's migrate (a rollback, a straggling replica) must not
 * bring back the functions that the newer schema replaced. */
static enum lr_db_status load_functions(struct lr_db_conn *c, char *err, size_t errlen)
{
    int64_t version = 0;
    enum lr_db_status s = lr_schema_current(c, &version);
    if (s != LR_DB_OK) {
        snprintf(err, errlen, "reading the schema version: %s", c->last_error);
        return s;
    }
    if (version > lr_schema_target())
        return LR_DB_OK;
    for (unsigned i = 0; i < lr_sql_function_count; i++)
        if ((s = lr_db_simple(c, lr_sql_functions[i].sql)) != LR_DB_OK) {
            snprintf(err, errlen, "creating %s: %s", lr_sql_functions[i].name, c->last_error);
            return s;
        }
    return LR_DB_OK;
}

enum lr_db_status lr_migrate(struct lr_db_conn *c, unsigned *applied, char *err, size_t errlen)
{
    *applied = 0;
    bool functions_loaded = false;
    enum lr_db_status s = lr_db_simple(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                          " version bigint PRIMARY KEY,"
                                          " name text NOT NULL,"
                                          " applied_at timestamptz NOT NULL DEFAULT now())");
    if (s != LR_DB_OK) {
        snprintf(err, errlen, "creating schema_migrations: %s", c->last_error);
        return s;
    }
    for (unsigned i = 0; i < lr_migration_count; i++) {
        const struct lr_migration *m = &lr_migrations[i];
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)m->version);
        const char *p1[] = {v};
        const char *p2[] = {v, m->name};
        PGresult *r = NULL;
        /* One transaction per migration, serialised across replicas by the lock;
         * the applied check is repeated under the lock. */
        if ((s = lr_db_begin(c)) != LR_DB_OK ||
            (s = lr_db_simple(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")")) != LR_DB_OK ||
            (s = lr_db_exec(c, &APPLIED, p1, &r)) != LR_DB_OK) {
            snprintf(err, errlen, "checking %s: %s", m->name, c->last_error);
            lr_db_rollback(c);
            return s;
        }
        bool done = PQntuples(r) > 0;
        PQclear(r);
        if (done) {
            lr_db_rollback(c);
            continue;
        }
        if ((s = lr_db_simple(c, m->sql)) != LR_DB_OK ||
            (s = lr_db_exec(c, &RECORD, p2, NULL)) != LR_DB_OK) {
            snprintf(err, errlen, "applying %s: %s", m->name, c->last_error);
            lr_db_rollback(c);
            return s;
        }
        /* The last migration commits together with the functions. */
        bool last = i + 1 == lr_migration_count;
        if (last && (s = load_functions(c, err, errlen)) != LR_DB_OK) {
            lr_db_rollback(c);
            return s;
        }
        if ((s = lr_db_commit(c)) != LR_DB_OK) {
            snprintf(err, errlen, "applying %s: %s", m->name, c->last_error);
            lr_db_rollback(c);
            return s;
        }
        functions_loaded = last;
        (*applied)++;
    }
    if (functions_loaded)
        return LR_DB_OK;
    /* Nothing to apply (or the last migration was applied by another replica): the
     * functions in a transaction of their own, under the same lock. */
    if ((s = lr_db_begin(c)) != LR_DB_OK ||
        (s = lr_db_simple(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")")) != LR_DB_OK) {
        snprintf(err, errlen, "locking for the functions: %s", c->last_error);
        lr_db_rollback(c);
        return s;
    }
    s = load_functions(c, err, errlen);
    if (s == LR_DB_OK && (s = lr_db_commit(c)) != LR_DB_OK)
        snprintf(err, errlen, "committing the functions: %s", c->last_error);
    if (s != LR_DB_OK)
        lr_db_rollback(c);
    return s;
}
