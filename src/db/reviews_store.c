/* The review queue as rows; service/review.c resolves an item in one transaction. */
#include "db/reviews_store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lr_db_stmt LIST = {
    "reviews_list",
    "WITH page AS ("
    "  SELECT r AS item, r.id FROM reviews r"
    "   WHERE r.status = $1 AND r.id > $2::bigint ORDER BY r.id LIMIT $3::int)"
    "SELECT json_build_object("
    "  'status', $1::text,"
    "  'items', coalesce((SELECT json_agg(lr_review_json(item) ORDER BY id) FROM page), "
    "'[]'::json),"
    "  'next_after', coalesce((SELECT max(id) FROM page), $2::bigint),"
    "  'total', (SELECT count(*) FROM reviews WHERE status = $1))::text",
    3};

static const struct lr_db_stmt LOCK_ITEM = {
    "review_lock",
    "SELECT r.subject, r.subject_id, r.status, lr_review_json(r)::text"
    "  FROM reviews r WHERE r.id = $1::bigint FOR UPDATE",
    1};

/* The lead with the named owner of its domain for the active period. */
static const struct lr_db_stmt LOCK_LEAD = {
    "review_lead_lock",
    "SELECT l.domain, l.rep_id, n.owner_rep_id, o.segment, o.active"
    "  FROM leads l"
    "  LEFT JOIN named_accounts n ON n.period = $2 AND n.domain = l.domain"
    "  LEFT JOIN reps o ON o.id = n.owner_rep_id"
    " WHERE l.id = $1 FOR UPDATE OF l",
    2};

static const struct lr_db_stmt TAKE_TURN = {"review_take_turn",
                                            "SELECT rep_id FROM lr_take_turns($1, 1)", 1};

/* The lead's new owner, and the assignment with its audit row (lr_write_assignments). */
static const struct lr_db_stmt ASSIGN_LEAD = {
    "review_assign_lead",
    "WITH upd AS ("
    "  UPDATE leads SET queue = $2, rep_id = $3, reason = 'review_resolution' WHERE id = $1)"
    "SELECT lr_write_assignments('{lead}', ARRAY[$1::text], ARRAY[$2::text], ARRAY[$3::text],"
    " ARRAY[$4::text], '{review_resolution}', ARRAY[$5::bigint], ARRAY[$6::text], '{NULL}',"
    " '{NULL}', ARRAY[jsonb_build_object('previous_rep_id', $4::text, 'review_id', $7::bigint,"
    "                                    'named_owner', $8::boolean)])",
    8};

static const struct lr_db_stmt MARK_RESOLVED = {
    "review_mark_resolved",
    "UPDATE reviews r SET status = 'resolved', resolved_at = now(), resolved_by = $2,"
    "       resolved_queue = $3, resolved_rep_id = $4, note = $5"
    " WHERE r.id = $1::bigint RETURNING lr_review_json(r)::text",
    5};

enum lr_db_status lr_reviews_list_json(struct lr_db_conn *c, bool resolved, int64_t after,
                                       int64_t limit, char **json)
{
    char after_s[32], limit_s[32];
    snprintf(after_s, sizeof after_s, "%lld", (long long)after);
    snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit);
    const char *p[] = {resolved ? "resolved" : "open", after_s, limit_s};
    PGresult *r;
    *json = NULL;
    enum lr_db_status s = lr_db_exec(c, &LIST, p, &r);
    if (s != LR_DB_OK)
        return s;
    *json = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return *json ? LR_DB_OK : LR_DB_ERROR;
}

enum lr_db_status lr_review_lock(struct lr_db_conn *c, int64_t id, struct lr_review_item *out)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids};
    PGresult *r;
    memset(out, 0, sizeof *out);
    enum lr_db_status s = lr_db_exec(c, &LOCK_ITEM, p, &r);
    if (s != LR_DB_OK)
        return s;
    out->found = PQntuples(r) == 1;
    if (out->found) {
        snprintf(out->subject, sizeof out->subject, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->subject_id, sizeof out->subject_id, "%s", PQgetvalue(r, 0, 1));
        out->open = strcmp(PQgetvalue(r, 0, 2), "open") == 0;
        if ((out->json = strdup(PQgetvalue(r, 0, 3))) == NULL)
            s = LR_DB_ERROR;
    }
    PQclear(r);
    return s;
}

enum lr_db_status lr_review_lock_lead(struct lr_db_conn *c, const char *lead_id, const char *period,
                                      struct lr_review_lead *out)
{
    const char *p[] = {lead_id, period};
    PGresult *r;
    memset(out, 0, sizeof *out);
    enum lr_db_status s = lr_db_exec(c, &LOCK_LEAD, p, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(c->last_error, sizeof c->last_error, "review subject lead %s missing", lead_id);
        return LR_DB_ERROR;
    }
    out->has_domain = lr_db_text(r, 0, 0) != NULL;
    if (out->has_domain)
        snprintf(out->domain, sizeof out->domain, "%s", lr_db_text(r, 0, 0));
    out->had_rep = lr_db_text(r, 0, 1) != NULL;
    if (out->had_rep)
        snprintf(out->previous_rep, sizeof out->previous_rep, "%s", lr_db_text(r, 0, 1));
    const char *owner = lr_db_text(r, 0, 2);
    if (owner != NULL) {
        out->named.found = true;
        snprintf(out->named.owner_id, sizeof out->named.owner_id, "%s", owner);
        if (!lr_segment_parse(lr_db_text(r, 0, 3), false, &out->named.owner_segment))
            out->named.owner_segment = LR_SEG_NONE;
        out->named.owner_active = lr_db_bool(r, 0, 4);
    }
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_review_take_turn(struct lr_db_conn *c, enum lr_segment queue,
                                      char rep[LR_ID_MAX + 1])
{
    const char *p[] = {lr_segment_name(queue)};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &TAKE_TURN, p, &r);
    if (s != LR_DB_OK)
        return s;
    snprintf(rep, LR_ID_MAX + 1, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_review_assign_lead(struct lr_db_conn *c, const char *lead_id,
                                        enum lr_segment queue, const char *rep,
                                        const char *previous_rep, int64_t rules_version,
                                        const char *actor, int64_t review_id, bool named_owner)
{
    char version[32], review[32];
    snprintf(version, sizeof version, "%lld", (long long)rules_version);
    snprintf(review, sizeof review, "%lld", (long long)review_id);
    const char *p[] = {lead_id, lr_segment_name(queue),        rep, previous_rep, version, actor,
                       review,  named_owner ? "true" : "false"};
    return lr_db_exec(c, &ASSIGN_LEAD, p, NULL);
}

enum lr_db_status lr_review_mark_resolved(struct lr_db_conn *c, int64_t id, const char *actor,
                                          enum lr_segment queue, const char *rep, const char *note,
                                          char **json)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids, actor, lr_segment_name(queue), rep, note};
    return lr_db_one_text(c, &MARK_RESOLVED, p, json);
}

static const struct lr_db_stmt BACKLOG = {
    "reviews_backlog",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(opened_at)), 0)::float8"
    "  FROM reviews WHERE status = 'open'",
    0};

enum lr_db_status lr_review_backlog(struct lr_db_conn *c, int64_t *open, double *oldest_age)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &BACKLOG, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    *open = lr_db_int(r, 0, 0);
    *oldest_age = strtod(PQgetvalue(r, 0, 1), NULL);
    PQclear(r);
    return LR_DB_OK;
}
