/* COPY into a temporary table, then set-based statements: 100,000 rows load in a
 * fraction of a second, the whole load commits or nothing does, and checks that need
 * every row (duplicates, owners) run in PostgreSQL rather than in the service's memory. */
#include "db/bulk_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit_store.h"

static enum lr_db_status failed(struct lr_db_conn *c, PGresult *r)
{
    snprintf(c->last_error, sizeof c->last_error, "%s",
             r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    PQclear(r);
    return PQstatus(c->pg) == CONNECTION_OK ? LR_DB_ERROR : LR_DB_UNAVAILABLE;
}

/* The temporary table and its COPY ... FROM STDIN, inside the caller's transaction.
 * On failure nothing is left to end. */
static enum lr_db_status copy_begin(struct lr_db_conn *c, struct lr_copy *cp,
                                    const char *create_sql, const char *copy_sql)
{
    memset(cp, 0, sizeof *cp);
    cp->c = c;
    if ((cp->buf = malloc(LR_COPY_CHUNK)) == NULL)
        cp->status = LR_DB_ERROR;
    else if ((cp->status = lr_db_simple(c, create_sql)) == LR_DB_OK)
        cp->status = lr_db_copy_start(c, copy_sql);
    if (cp->status != LR_DB_OK) {
        free(cp->buf);
        cp->buf = NULL;
        return cp->status;
    }
    cp->copying = true;
    return LR_DB_OK;
}

static void flush(struct lr_copy *cp)
{
    if (cp->status == LR_DB_OK && cp->len > 0)
        cp->status = lr_db_copy_put(cp->c, cp->buf, cp->len);
    cp->len = 0;
}

void lr_copy_put(struct lr_copy *cp, const char *line, size_t len)
{
    if (cp->status != LR_DB_OK || !cp->copying)
        return;
    if (cp->len + len > LR_COPY_CHUNK)
        flush(cp);
    if (len > LR_COPY_CHUNK) {
        if (cp->status == LR_DB_OK)
            cp->status = lr_db_copy_put(cp->c, line, len);
        return;
    }
    memcpy(cp->buf + cp->len, line, len);
    cp->len += len;
}

/* Ends the COPY (with an error when abort, so that nothing of it stays). */
static enum lr_db_status copy_end(struct lr_copy *cp, bool abort)
{
    struct lr_db_conn *c = cp->c;
    if (cp->copying) {
        cp->copying = false;
        if (!abort)
            flush(cp);
        PGresult *r = NULL;
        enum lr_db_status s =
            lr_db_copy_end(c, abort || cp->status != LR_DB_OK ? "load abandoned" : NULL, &r);
        if (s != LR_DB_OK && cp->status == LR_DB_OK)
            cp->status = s;
        else if (s == LR_DB_OK && !abort && cp->status == LR_DB_OK &&
                 (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)) {
            cp->status = failed(c, r);
            r = NULL;
        }
        PQclear(r);
    }
    free(cp->buf);
    cp->buf = NULL;
    cp->len = 0;
    return cp->status;
}

void lr_copy_abort(struct lr_copy *cp)
{
    copy_end(cp, true);
}

/* Rows of (row, field, message, total) from an error query, appended to errors. */
static void append_errors(PGresult *r, json_t *errors, size_t *problems)
{
    *problems = PQntuples(r) > 0 ? (size_t)lr_db_int(r, 0, 3) : 0;
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(
            errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)lr_db_int(r, i, 0), "field",
                              PQgetvalue(r, i, 1), "message", PQgetvalue(r, i, 2)));
}

/* Loads serialise on this lock: a load reads the stored values of the columns it
 * leaves out, and must not write them back over a load that committed meanwhile. */
static const struct lr_db_stmt ACCOUNTS_LOCK = {
    "accounts_lock", "SELECT pg_advisory_xact_lock(hashtextextended('accounts_load', 0))", 0};
/* Every occurrence of a domain after its first, with the row of the first. The
 * window sorts in PostgreSQL, spilling to disk, so the service's memory stays flat. */
static const struct lr_db_stmt ACCOUNTS_DUPLICATES = {
    "accounts_duplicates",
    "SELECT row_no, 'domain', 'appears more than once in this load (first in row '"
    " || first_row || ')', count(*) OVER () FROM (SELECT row_no, row_number() OVER w AS n,"
    " first_value(row_no) OVER w AS first_row FROM accounts_load"
    " WINDOW w AS (PARTITION BY domain ORDER BY row_no)) d WHERE n > 1 ORDER BY row_no LIMIT 100",
    0};
/* A column the load leaves out keeps the stored value (SPEC 3.3): existing accounts
 * are updated column by column, then the new ones inserted (the conflicts skipped are
 * the rows just updated; the lock keeps other loads out). Both run over one range of
 * the temporary table's pages at a time, so that no statement of a 64 MiB load comes
 * near statement_timeout. */
static const struct lr_db_stmt ACCOUNTS_UPDATE = {
    "accounts_update",
    "UPDATE accounts a SET"
    " employee_count = CASE WHEN l.has_employee_count THEN l.employee_count"
    " ELSE a.employee_count END,"
    " expected_acv_cents = CASE WHEN l.has_expected_acv THEN l.expected_acv_cents"
    " ELSE a.expected_acv_cents END,"
    " fit_score = CASE WHEN l.has_fit_score THEN l.fit_score ELSE a.fit_score END,"
    " updated_at = now()"
    " FROM accounts_load l WHERE a.domain = l.domain AND l.ctid >= $1::tid AND l.ctid < $2::tid",
    2};
static const struct lr_db_stmt ACCOUNTS_INSERT = {
    "accounts_insert",
    "INSERT INTO accounts (domain, employee_count, expected_acv_cents, fit_score)"
    " SELECT domain, employee_count, expected_acv_cents, fit_score FROM accounts_load"
    " WHERE ctid >= $1::tid AND ctid < $2::tid ON CONFLICT (domain) DO NOTHING",
    2};
static const struct lr_db_stmt ACCOUNTS_LOAD_PAGES = {
    "accounts_load_pages",
    "SELECT pg_relation_size('accounts_load') / current_setting('block_size')::bigint", 0};
#define UPSERT_PAGES 4096 /* 32 MiB of the temporary table per statement */

static enum lr_db_status upsert_in_ranges(struct lr_db_conn *c)
{
    PGresult *r = NULL;
    enum lr_db_status s = lr_db_exec(c, &ACCOUNTS_LOAD_PAGES, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    int64_t pages = lr_db_int(r, 0, 0);
    PQclear(r);
    for (int64_t from = 0; from < pages && s == LR_DB_OK; from += UPSERT_PAGES) {
        char lo[32], hi[32];
        snprintf(lo, sizeof lo, "(%lld,0)", (long long)from);
        snprintf(hi, sizeof hi, "(%lld,0)", (long long)(from + UPSERT_PAGES));
        const char *p[] = {lo, hi};
        if ((s = lr_db_exec(c, &ACCOUNTS_UPDATE, p, NULL)) == LR_DB_OK)
            s = lr_db_exec(c, &ACCOUNTS_INSERT, p, NULL);
    }
    return s;
}
static const struct lr_db_stmt ACCOUNT_GET = {
    "account_get",
    "SELECT json_build_object('domain', domain, 'employee_count', employee_count,"
    " 'expected_acv', lr_money(expected_acv_cents), 'fit_score', fit_score,"
    " 'updated_at', lr_rfc3339(updated_at))::text FROM accounts WHERE domain = $1",
    1};

enum lr_db_status lr_accounts_load_begin(struct lr_db_conn *c, struct lr_copy *cp)
{
    return copy_begin(c, cp,
                      "CREATE TEMP TABLE accounts_load (row_no bigint, domain text,"
                      " employee_count integer, has_employee_count boolean,"
                      " expected_acv_cents bigint, has_expected_acv boolean, fit_score smallint,"
                      " has_fit_score boolean) ON COMMIT DROP",
                      "COPY accounts_load FROM STDIN");
}

enum lr_db_status lr_accounts_load_end(struct lr_copy *cp, bool apply, size_t rows,
                                       const char *actor, json_t *errors, size_t *problems)
{
    struct lr_db_conn *c = cp->c;
    PGresult *dup = NULL;
    enum lr_db_status s;
    *problems = 0;
    /* statistics, so that the planner joins a large load by hash, a small one by index */
    if ((s = copy_end(cp, false)) != LR_DB_OK ||
        (s = lr_db_simple(c, "ANALYZE accounts_load")) != LR_DB_OK ||
        (s = lr_db_exec(c, &ACCOUNTS_DUPLICATES, NULL, &dup)) != LR_DB_OK)
        goto done;
    append_errors(dup, errors, problems);
    if (!apply || *problems > 0)
        goto done;
    char after[64];
    snprintf(after, sizeof after, "{\"rows\": %zu}", rows);
    if ((s = lr_db_exec(c, &ACCOUNTS_LOCK, NULL, NULL)) != LR_DB_OK ||
        (s = upsert_in_ranges(c)) != LR_DB_OK ||
        (s = lr_audit(c, actor, "accounts.loaded", "accounts", NULL, NULL, after)) != LR_DB_OK)
        goto done;
done:
    PQclear(dup);
    return s;
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
static const struct lr_db_stmt NAMED_LOCK_OWNERS = {
    "named_lock_owners",
    "SELECT 1 FROM reps WHERE id IN (SELECT owner_rep_id FROM named_load) FOR SHARE", 0};
/* Duplicate domains and bad owners together, so that one answer lists every bad row. */
static const struct lr_db_stmt NAMED_ERRORS = {
    "named_errors",
    "SELECT row_no, field, message, count(*) OVER () FROM ("
    " SELECT row_no, 'domain' AS field, 'appears more than once (first in row ' || first_row"
    " || '): an account has at most one named owner in a period' AS message FROM ("
    "  SELECT row_no, row_number() OVER w AS n, first_value(row_no) OVER w AS first_row"
    "  FROM named_load WHERE domain IS NOT NULL"
    "  WINDOW w AS (PARTITION BY domain ORDER BY row_no)) d WHERE n > 1"
    " UNION ALL"
    " SELECT l.row_no, 'owner_rep_id', CASE WHEN r.id IS NULL THEN 'no rep with id '"
    " || l.owner_rep_id ELSE 'rep ' || l.owner_rep_id || ' is in segment smb; named owners"
    " must be mid_market or strategic' END"
    " FROM named_load l LEFT JOIN reps r ON r.id = l.owner_rep_id"
    " WHERE l.owner_rep_id IS NOT NULL AND (r.id IS NULL OR r.segment = 'smb')) e"
    " ORDER BY row_no, field LIMIT 100",
    0};
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

enum lr_db_status lr_named_load_begin(struct lr_db_conn *c, struct lr_copy *cp)
{
    return copy_begin(c, cp,
                      "CREATE TEMP TABLE named_load (row_no bigint, domain text,"
                      " owner_rep_id text) ON COMMIT DROP",
                      "COPY named_load FROM STDIN");
}

enum lr_db_status lr_named_load_end(struct lr_copy *cp, const char *period, bool apply,
                                    const char *actor, struct lr_named_counts *counts,
                                    json_t *errors, size_t *problems)
{
    struct lr_db_conn *c = cp->c;
    const char *p[] = {period};
    PGresult *bad = NULL, *diff = NULL;
    enum lr_db_status s;
    *problems = 0;
    if ((s = copy_end(cp, false)) != LR_DB_OK ||
        (s = lr_db_exec(c, &NAMED_LOCK, p, NULL)) != LR_DB_OK ||
        (s = lr_db_exec(c, &NAMED_LOCK_OWNERS, NULL, NULL)) != LR_DB_OK ||
        (s = lr_db_exec(c, &NAMED_ERRORS, NULL, &bad)) != LR_DB_OK)
        goto done;
    append_errors(bad, errors, problems);
    if (!apply || *problems > 0)
        goto done;
    if ((s = lr_db_exec(c, &NAMED_DIFF, p, &diff)) != LR_DB_OK)
        goto done;
    counts->added = (long long)lr_db_int(diff, 0, 0);
    counts->removed = (long long)lr_db_int(diff, 0, 1);
    counts->changed_owner = (long long)lr_db_int(diff, 0, 2);
    counts->unchanged = (long long)lr_db_int(diff, 0, 3);
    if ((s = lr_db_exec(c, &NAMED_DELETE, p, NULL)) != LR_DB_OK ||
        (s = lr_db_exec(c, &NAMED_INSERT, p, NULL)) != LR_DB_OK ||
        (s = lr_audit(c, actor, "named_accounts.replaced", "named_accounts", period, NULL,
                      PQgetvalue(diff, 0, 4))) != LR_DB_OK)
        goto done;
done:
    PQclear(bad);
    PQclear(diff);
    return s;
}

enum lr_db_status lr_named_get_json(struct lr_db_conn *c, const char *period, char **json)
{
    const char *p[] = {period};
    return lr_db_one_text(c, &NAMED_GET, p, json);
}
