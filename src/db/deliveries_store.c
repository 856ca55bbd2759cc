/* The outbox for operators: list, revive, figures. */
#include "db/deliveries_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/assignments_store.h"

#define DELIVERY_JSON(o)                                                                           \
    "json_build_object('id', " o ".id, 'assignment_id', a.id, 'subject', " o ".subject,"           \
    " 'subject_id', " o ".subject_id, 'destination', " o ".destination, 'status', " o ".status,"   \
    " 'attempts', " o ".attempts,"                                                                 \
    " 'next_attempt_at', CASE WHEN " o ".status = 'pending'"                                       \
    "                    THEN lr_rfc3339(" o ".next_attempt_at) END,"                              \
    " 'last_status', " o ".last_status, 'last_error', " o ".last_error,"                           \
    " 'delivered_at', lr_rfc3339(" o ".delivered_at))"

static const struct lr_db_stmt LIST = {
    "deliveries_list",
    "WITH page AS ("
    "  SELECT o.* FROM outbox o"
    "   WHERE ($1::text IS NULL OR o.status = $1) AND o.id > $2::bigint"
    "   ORDER BY o.id LIMIT $3::int)"
    "SELECT json_build_object("
    "  'items', coalesce((SELECT json_agg(" DELIVERY_JSON(
        "p") " ORDER BY p.id)"
             "                       FROM page p JOIN assignments a ON a.seq = p.assignment_seq),"
             "                    '[]'::json),"
             "  'next_after', coalesce((SELECT max(id) FROM page), $2::bigint))::text",
    3};

/* A newer owner of the same subject, delivered or on its way, makes the old one moot:
 * sending it again would put the wrong owner back in the CRM. */
static const struct lr_db_stmt REVIVE = {
    "delivery_revive",
    "WITH old AS (SELECT o.id, o.status, EXISTS (SELECT 1 FROM outbox n"
    "               WHERE n.subject = o.subject AND n.subject_id = o.subject_id"
    "                 AND n.destination = o.destination AND n.id > o.id"
    "                 AND n.status IN ('pending', 'delivered')) AS newer"
    "             FROM outbox o WHERE o.id = $1::bigint FOR UPDATE),"
    " upd AS (UPDATE outbox o SET status = 'pending', attempts = 0, first_attempt_at = NULL,"
    "         next_attempt_at = now(), lease_until = NULL, updated_at = now()"
    "         FROM old WHERE o.id = old.id AND old.status = 'dead' AND NOT old.newer"
    "         RETURNING o.*)"
    "SELECT old.status, old.newer, (SELECT " DELIVERY_JSON(
        "u") "::text"
             "                     FROM upd u JOIN assignments a ON a.seq = u.assignment_seq)"
             "  FROM old",
    1};

static const struct lr_db_stmt FIGURES = {
    "outbox_figures",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8"
    "  FROM outbox WHERE status = 'pending'",
    0};

enum lr_db_status lr_deliveries_list_json(struct lr_db_conn *c, const char *status, int64_t after,
                                          int64_t limit, char **json)
{
    char after_s[32], limit_s[32];
    snprintf(after_s, sizeof after_s, "%lld", (long long)after);
    snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit);
    const char *p[] = {status, after_s, limit_s};
    *json = NULL;
    /* Assignment ids are given out at publication: a delivery names the public one. */
    enum lr_db_status s = lr_assignments_publish(c);
    return s == LR_DB_OK ? lr_db_one_text(c, &LIST, p, json) : s;
}

enum lr_db_status lr_delivery_revive(struct lr_db_conn *c, int64_t id, bool *found, bool *was_dead,
                                     bool *newer, char **json)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids};
    PGresult *r;
    *found = *was_dead = *newer = false;
    *json = NULL;
    enum lr_db_status s = lr_assignments_publish(c);
    if (s == LR_DB_OK)
        s = lr_db_exec(c, &REVIVE, p, &r);
    if (s != LR_DB_OK)
        return s;
    *found = PQntuples(r) == 1;
    *was_dead = *found && strcmp(PQgetvalue(r, 0, 0), "dead") == 0;
    *newer = *found && lr_db_bool(r, 0, 1);
    if (*was_dead && !*newer && (*json = strdup(PQgetvalue(r, 0, 2))) == NULL)
        s = LR_DB_ERROR;
    PQclear(r);
    return s;
}

enum lr_db_status lr_outbox_figures(struct lr_db_conn *c, int64_t *pending, double *oldest_age)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &FIGURES, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    *pending = lr_db_int(r, 0, 0);
    *oldest_age = strtod(PQgetvalue(r, 0, 1), NULL);
    PQclear(r);
    return LR_DB_OK;
}
