/* Applies the compiled-in migrations that the database has not seen yet. */
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

enum lr_db_status lr_migrate(struct lr_db_conn *c, unsigned *applied, char *err, size_t errlen)
{
    *applied = 0;
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
            (s = lr_db_exec(c, &RECORD, p2, NULL)) != LR_DB_OK ||
            (s = lr_db_commit(c)) != LR_DB_OK) {
            snprintf(err, errlen, "applying %s: %s", m->name, c->last_error);
            lr_db_rollback(c);
            return s;
        }
        (*applied)++;
    }
    return LR_DB_OK;
}
