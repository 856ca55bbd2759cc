/* COPY into a temporary table, then one set-based statement: 100,000 rows load in a
 * fraction of a second, and the whole load commits or nothing does. */
#include "db/bulk_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

static enum lr_db_status copy_in(struct lr_db_conn *c, const char *copy_sql, const char *data,
                                 size_t len)
{
    PGresult *r = PQexec(c->pg, copy_sql);
    if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN) {
        snprintf(c->last_error, sizeof c->last_error, "%s",
                 r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
        PQclear(r);
        return PQstatus(c->pg) == CONNECTION_OK ? LR_DB_ERROR : LR_DB_UNAVAILABLE;
    }
    PQclear(r);
    const size_t chunk = 1 << 20;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        if (PQputCopyData(c->pg, data + off, (int)n) != 1)
            return LR_DB_UNAVAILABLE;
    }
    if (PQputCopyEnd(c->pg, NULL) != 1)
        return LR_DB_UNAVAILABLE;
    enum lr_db_status s = LR_DB_OK;
    while ((r = PQgetResult(c->pg)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            snprintf(c->last_error, sizeof c->last_error, "%s", PQresultErrorMessage(r));
            s = PQstatus(c->pg) == CONNECTION_OK ? LR_DB_ERROR : LR_DB_UNAVAILABLE;
        }
        PQclear(r);
    }
    return s;
}

static const struct lr_db_stmt ACCOUNTS_UPSERT = {
    "accounts_upsert",
    "INSERT INTO accounts (domain, employee_count, expected_acv_cents, fit_score)"
    " SELECT domain, employee_count, expected_acv_cents, fit_score FROM accounts_load"
    " ON CONFLICT (domain) DO UPDATE SET employee_count = EXCLUDED.employee_count,"
    " expected_acv_cents = EXCLUDED.expected_acv_cents, fit_score = EXCLUDED.fit_score,"
    " updated_at = now()",
    0};
static const struct lr_db_stmt ACCOUNT_GET = {
    "account_get",
    "SELECT json_build_object('domain', domain, 'employee_count', employee_count,"
    " 'expected_acv', lr_money(expected_acv_cents), 'fit_score', fit_score,"
    " 'updated_at', lr_rfc3339(updated_at))::text FROM accounts WHERE domain = $1",
    1};

enum lr_db_status lr_accounts_load(struct lr_db_conn *c, const char *copy_text, size_t len,
                                   size_t rows, const char *actor)
{
    enum lr_db_status s;
    char after[64];
    snprintf(after, sizeof after, "{\"rows\": %zu}", rows);
    if ((s = lr_db_begin(c)) != LR_DB_OK)
        return s;
    if ((s = lr_db_simple(c, "CREATE TEMP TABLE accounts_load (domain text,"
                             " employee_count integer, expected_acv_cents bigint,"
                             " fit_score smallint) ON COMMIT DROP")) != LR_DB_OK ||
        (s = copy_in(c, "COPY accounts_load FROM STDIN", copy_text, len)) != LR_DB_OK ||
        (s = lr_db_exec(c, &ACCOUNTS_UPSERT, NULL, NULL)) != LR_DB_OK ||
        (s = lr_audit(c, actor, "accounts.loaded", "accounts", NULL, NULL, after)) != LR_DB_OK ||
        (s = lr_db_commit(c)) != LR_DB_OK) {
        lr_db_rollback(c);
        return s;
    }
    return LR_DB_OK;
}

enum lr_db_status lr_account_get_json(struct lr_db_conn *c, const char *domain, char **json)
{
    const char *p[] = {domain};
    return lr_db_one_text(c, &ACCOUNT_GET, p, json);
}

static const struct lr_db_stmt NAMED_LOCK = {
    "named_lock", "SELECT pg_advisory_xact_lock(hashtextextended('named_accounts:' || $1, 0))", 1};
/* Owners are checked under a share lock so that a rep cannot move to smb while the
 * list that names them commits. */
static const struct lr_db_stmt NAMED_BAD_OWNERS = {
    "named_bad_owners",
    "SELECT l.row_no, l.owner_rep_id, r.segment FROM named_load l"
    " LEFT JOIN reps r ON r.id = l.owner_rep_id"
    " WHERE r.id IS NULL OR r.segment = 'smb' ORDER BY l.row_no LIMIT 100",
    0};
static const struct lr_db_stmt NAMED_LOCK_OWNERS = {
    "named_lock_owners",
    "SELECT 1 FROM reps WHERE id IN (SELECT owner_rep_id FROM named_load) FOR SHARE", 0};
static const struct lr_db_stmt NAMED_DIFF = {
    "named_diff",
    "SELECT count(*) FILTER (WHERE o.domain IS NULL),"
    "       count(*) FILTER (WHERE l.domain IS NULL),"
    "       count(*) FILTER (WHERE o.owner_rep_id <> l.owner_rep_id),"
    "       count(*) FILTER (WHERE o.owner_rep_id = l.owner_rep_id),"
    "       json_build_object("
    "         'period', $1::text,"
    "         'counts', json_build_object("
    "           'added', count(*) FILTER (WHERE o.domain IS NULL),"
    "           'removed', count(*) FILTER (WHERE l.domain IS NULL),"
    "           'changed_owner', count(*) FILTER (WHERE o.owner_rep_id <> l.owner_rep_id),"
    "           'unchanged', count(*) FILTER (WHERE o.owner_rep_id = l.owner_rep_id)),"
    "         'added', coalesce(json_agg(json_build_object('domain', l.domain,"
    "             'owner_rep_id', l.owner_rep_id)) FILTER (WHERE o.domain IS NULL), '[]'),"
    "         'removed', coalesce(json_agg(json_build_object('domain', o.domain,"
    "             'owner_rep_id', o.owner_rep_id)) FILTER (WHERE l.domain IS NULL), '[]'),"
    "         'changed_owner', coalesce(json_agg(json_build_object('domain', l.domain,"
    "             'from', o.owner_rep_id, 'to', l.owner_rep_id))"
    "             FILTER (WHERE o.owner_rep_id <> l.owner_rep_id), '[]'))::text"
    "  FROM (SELECT domain, owner_rep_id FROM named_accounts WHERE period = $1) o"
    "  FULL JOIN named_load l ON l.domain = o.domain",
    1};
static const struct lr_db_stmt NAMED_DELETE = {"named_delete",
                                               "DELETE FROM named_accounts WHERE period = $1", 1};
static const struct lr_db_stmt NAMED_INSERT = {
    "named_insert",
    "INSERT INTO named_accounts (period, domain, owner_rep_id)"
    " SELECT $1, domain, owner_rep_id FROM named_load",
    1};
static const struct lr_db_stmt NAMED_GET = {
    "named_get",
    "SELECT json_build_object('period', $1::text, 'items', coalesce(json_agg("
    " json_build_object('domain', domain, 'owner_rep_id', owner_rep_id) ORDER BY domain),"
    " '[]'::json))::text FROM named_accounts WHERE period = $1",
    1};

enum lr_db_status lr_named_replace(struct lr_db_conn *c, const char *period, const char *copy_text,
                                   size_t len, const char *actor, struct lr_named_counts *counts,
                                   json_t *errors)
{
    const char *p[] = {period};
    PGresult *bad = NULL, *diff = NULL;
    enum lr_db_status s;
    if ((s = lr_db_begin(c)) != LR_DB_OK)
        return s;
    if ((s = lr_db_exec(c, &NAMED_LOCK, p, NULL)) != LR_DB_OK ||
        (s = lr_db_simple(c, "CREATE TEMP TABLE named_load (row_no integer, domain text,"
                             " owner_rep_id text) ON COMMIT DROP")) != LR_DB_OK ||
        (s = copy_in(c, "COPY named_load FROM STDIN", copy_text, len)) != LR_DB_OK ||
        (s = lr_db_exec(c, &NAMED_LOCK_OWNERS, NULL, NULL)) != LR_DB_OK ||
        (s = lr_db_exec(c, &NAMED_BAD_OWNERS, NULL, &bad)) != LR_DB_OK)
        goto fail;
    if (PQntuples(bad) > 0) {
        for (int i = 0; i < PQntuples(bad); i++) {
            char msg[300];
            if (PQgetisnull(bad, i, 2))
                snprintf(msg, sizeof msg, "no rep with id %s", PQgetvalue(bad, i, 1));
            else
                snprintf(msg, sizeof msg,
                         "rep %s is in segment smb; named owners must be mid_market or strategic",
                         PQgetvalue(bad, i, 1));
            json_array_append_new(errors, json_pack("{s:I, s:s, s:s}", "row",
                                                    (json_int_t)lr_db_int(bad, i, 0), "field",
                                                    "owner_rep_id", "message", msg));
        }
        PQclear(bad);
        lr_db_rollback(c);
        return LR_DB_OK;
    }
    if ((s = lr_db_exec(c, &NAMED_DIFF, p, &diff)) != LR_DB_OK)
        goto fail;
    counts->added = (long long)lr_db_int(diff, 0, 0);
    counts->removed = (long long)lr_db_int(diff, 0, 1);
    counts->changed_owner = (long long)lr_db_int(diff, 0, 2);
    counts->unchanged = (long long)lr_db_int(diff, 0, 3);
    if ((s = lr_db_exec(c, &NAMED_DELETE, p, NULL)) != LR_DB_OK ||
        (s = lr_db_exec(c, &NAMED_INSERT, p, NULL)) != LR_DB_OK ||
        (s = lr_audit(c, actor, "named_accounts.replaced", "named_accounts", period, NULL,
                      PQgetvalue(diff, 0, 4))) != LR_DB_OK ||
        (s = lr_db_commit(c)) != LR_DB_OK)
        goto fail;
    PQclear(bad);
    PQclear(diff);
    return LR_DB_OK;
fail:
    lr_db_rollback(c);
    PQclear(bad);
    PQclear(diff);
    return s;
}

enum lr_db_status lr_named_get_json(struct lr_db_conn *c, const char *period, char **json)
{
    const char *p[] = {period};
    return lr_db_one_text(c, &NAMED_GET, p, json);
}
