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
/* An unmigrated database has no schema_migrations table: that is version 0 (run
 * migrate), not an error that would read as "PostgreSQL unreachable". */
static const struct lr_db_stmt HAS_TABLE = {
    "schema_has_table", "SELECT to_regclass('schema_migrations') IS NOT NULL", 0};
static const struct lr_db_stmt RECORD = {
    "schema_record", "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2};
static const struct lr_db_stmt APPLIED = {"schema_applied",
                                          "SELECT 1 FROM schema_migrations WHERE version = $1", 1};

enum lr_db_status lr_schema_current(struct lr_db_conn *c, int64_t *version)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &HAS_TABLE, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    bool exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    *version = 0;
    if (!exists)
        return LR_DB_OK;
    s = lr_db_exec(c, &CURRENT, NULL, &r);
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

/* One migration, serialised across replicas by the lock, the applied check repeated
 * under it; the last one commits together with the functions. */
struct step {
    const struct lr_migration *m; /* NULL: only the functions */
    bool last;
    bool applied;
    char *err;
    size_t errlen;
};

static enum lr_db_status step_tx(struct lr_db_conn *c, void *arg)
{
    struct step *st = arg;
    st->applied = false;
    enum lr_db_status s = lr_db_simple(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")");
    if (s != LR_DB_OK) {
        snprintf(st->err, st->errlen, "locking: %s", c->last_error);
        return s;
    }
    if (st->m == NULL)
        return load_functions(c, st->err, st->errlen);
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)st->m->version);
    const char *p1[] = {v};
    const char *p2[] = {v, st->m->name};
    PGresult *r = NULL;
    if ((s = lr_db_exec(c, &APPLIED, p1, &r)) != LR_DB_OK) {
        snprintf(st->err, st->errlen, "checking %s: %s", st->m->name, c->last_error);
        return s;
    }
    bool done = PQntuples(r) > 0;
    PQclear(r);
    if (done)
        return LR_DB_OK; /* another replica applied it; the commit ends an empty transaction */
    if ((s = lr_db_simple(c, st->m->sql)) != LR_DB_OK ||
        (s = lr_db_exec(c, &RECORD, p2, NULL)) != LR_DB_OK) {
        snprintf(st->err, st->errlen, "applying %s: %s", st->m->name, c->last_error);
        return s;
    }
    if (st->last && (s = load_functions(c, st->err, st->errlen)) != LR_DB_OK)
        return s;
    st->applied = true;
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
        struct step st = {&lr_migrations[i], i + 1 == lr_migration_count, false, err, errlen};
        if ((s = lr_db_run_tx(c, step_tx, &st)) != LR_DB_OK)
            return s;
        if (st.applied) {
            (*applied)++;
            functions_loaded = st.last;
        }
    }
    if (functions_loaded)
        return LR_DB_OK;
    /* Nothing to apply (or the last migration was applied by another replica): the
     * functions in a transaction of their own, under the same lock. */
    struct step fn = {NULL, false, false, err, errlen};
    return lr_db_run_tx(c, step_tx, &fn);
}
