/* The review queue against PostgreSQL. Resolution is one short transaction that
 * starts by locking the item, so a resolve racing another sees the first one's result
 * instead of assigning twice. */
#include "db/reviews_store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "db/opportunities_store.h"
#include "routing/redecide.h"
#include "util/json.h"

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

static const struct lr_db_stmt TAKE_TURN = {"review_take_turn", "SELECT lr_take_turn($1)", 1};

static const struct lr_db_stmt ASSIGN_LEAD = {
    "review_assign_lead",
    "WITH upd AS ("
    "  UPDATE leads SET queue = $2, rep_id = $3, reason = 'review_resolution' WHERE id = $1)"
    "INSERT INTO assignments (subject, subject_id, queue, rep_id, previous_rep_id, reason,"
    "                         rules_version)"
    " VALUES ('lead', $1, $2, $3, $4, 'review_resolution', $5::bigint)",
    5};

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

/* Assigns a lead inside the open transaction; *rep_out receives the rep. */
static enum lr_db_status assign_lead(struct lr_db_conn *c, const struct lr_resolve_request *rq,
                                     const char *lead_id, const struct lr_rules *rules,
                                     char rep_out[LR_ID_MAX + 1], json_t **audit_after)
{
    const char *lp[] = {lead_id, rq->period};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &LOCK_LEAD, lp, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(c->last_error, sizeof c->last_error, "review subject lead %s missing", lead_id);
        return LR_DB_ERROR;
    }
    struct lr_named_facts named = {0};
    const char *owner = lr_db_text(r, 0, 2);
    if (owner != NULL) {
        named.found = true;
        snprintf(named.owner_id, sizeof named.owner_id, "%s", owner);
        if (!lr_segment_parse(lr_db_text(r, 0, 3), false, &named.owner_segment))
            named.owner_segment = LR_SEG_NONE;
        named.owner_active = lr_db_bool(r, 0, 4);
    }
    struct lr_decision d;
    lr_route_resolution(rules, rq->queue, lr_db_text(r, 0, 0), &named, &d);
    char previous[LR_ID_MAX + 1] = "";
    bool had_rep = lr_db_text(r, 0, 1) != NULL;
    if (had_rep)
        snprintf(previous, sizeof previous, "%s", lr_db_text(r, 0, 1));
    PQclear(r);

    if (d.mode == LR_ASSIGN_REP) {
        snprintf(rep_out, LR_ID_MAX + 1, "%s", d.rep_id);
    } else {
        const char *tp[] = {lr_segment_name(rq->queue)};
        if ((s = lr_db_exec(c, &TAKE_TURN, tp, &r)) != LR_DB_OK)
            return s;
        snprintf(rep_out, LR_ID_MAX + 1, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    char version[32];
    snprintf(version, sizeof version, "%lld", (long long)rules->version);
    const char *ap[] = {lead_id, lr_segment_name(rq->queue), rep_out, had_rep ? previous : NULL,
                        version};
    if ((s = lr_db_exec(c, &ASSIGN_LEAD, ap, NULL)) != LR_DB_OK)
        return s;
    *audit_after =
        json_pack("{s:s, s:s, s:o, s:s, s:I, s:b}", "queue", lr_segment_name(rq->queue), "rep_id",
                  rep_out, "previous_rep_id", had_rep ? json_string(previous) : json_null(),
                  "reason", "review_resolution", "review_id", (json_int_t)rq->review_id,
                  "named_owner", d.mode == LR_ASSIGN_REP);
    return *audit_after ? LR_DB_OK : LR_DB_ERROR;
}

/* The item followed by its assignment: {...item, "assignment": {...}}. */
static char *with_assignment(const char *item, const char *subject, const char *subject_id,
                             enum lr_segment queue, const char *rep)
{
    json_t *a =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "subject", subject, "subject_id", subject_id,
                  "queue", lr_segment_name(queue), "rep_id", rep, "reason", "review_resolution");
    char *as = a ? lr_json_dumps(a) : NULL;
    json_decref(a);
    size_t n = strlen(item);
    char *out = NULL;
    /* The item text comes from lr_review_json, always an object: splice before its
     * closing brace so that its amounts are passed through untouched. */
    if (as != NULL && n >= 2 && item[n - 1] == '}' && (out = malloc(n + strlen(as) + 32))) {
        memcpy(out, item, n - 1);
        sprintf(out + n - 1, ",\"assignment\":%s}", as);
    }
    free(as);
    return out;
}

enum lr_db_status lr_review_resolve(struct lr_db_conn *c, const struct lr_resolve_request *rq,
                                    enum lr_resolve_outcome *outcome, char **json)
{
    *json = NULL;
    *outcome = LR_RESOLVE_DONE;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)rq->review_id);
    const char *ip[] = {id};
    PGresult *item = NULL, *done = NULL;
    json_t *after = NULL;
    const struct lr_rules *rules = NULL;
    enum lr_db_status s = lr_db_begin(c);
    if (s != LR_DB_OK)
        return s;
    if ((s = lr_db_exec(c, &LOCK_ITEM, ip, &item)) != LR_DB_OK)
        goto rollback;
    if (PQntuples(item) == 0) {
        *outcome = LR_RESOLVE_NOT_FOUND;
        goto rollback;
    }
    const char *subject = PQgetvalue(item, 0, 0), *subject_id = PQgetvalue(item, 0, 1);
    if (strcmp(PQgetvalue(item, 0, 2), "open") != 0) {
        *outcome = LR_RESOLVE_ALREADY;
        if ((*json = strdup(PQgetvalue(item, 0, 3))) == NULL)
            s = LR_DB_ERROR;
        goto rollback;
    }
    if ((s = lr_db_current_rules(c, &rules)) != LR_DB_OK)
        goto rollback;
    char rep[LR_ID_MAX + 1] = "";
    if (strcmp(subject, "lead") == 0) {
        s = assign_lead(c, rq, subject_id, rules, rep, &after);
    } else if (strcmp(subject, "opportunity") == 0) {
        /* Audits its own assignment; named owner and round robin as for a lead. */
        s = lr_opportunity_assign_in_tx(c, subject_id, rq->queue, rq->actor,
                                        LR_REASON_REVIEW_RESOLUTION, rep);
    } else {
        *outcome = LR_RESOLVE_UNSUPPORTED;
        goto rollback;
    }
    if (s == LR_DB_NO_ACTIVE_REP) {
        *outcome = LR_RESOLVE_NO_ACTIVE_REP;
        s = LR_DB_OK;
        goto rollback;
    }
    if (s != LR_DB_OK)
        goto rollback;
    const char *mp[] = {id, rq->actor, lr_segment_name(rq->queue), rep, rq->note};
    if ((s = lr_db_exec(c, &MARK_RESOLVED, mp, &done)) != LR_DB_OK)
        goto rollback;
    const char *resolved = PQgetvalue(done, 0, 0);
    if ((after != NULL && (s = lr_audit_json(c, rq->actor, "assignment.created", subject,
                                             subject_id, NULL, after)) != LR_DB_OK) ||
        (s = lr_audit(c, rq->actor, "review.resolved", "review", id, PQgetvalue(item, 0, 3),
                      resolved)) != LR_DB_OK)
        goto rollback;
    if ((s = lr_db_commit(c)) != LR_DB_OK)
        goto rollback;
    *json = with_assignment(resolved, subject, subject_id, rq->queue, rep);
    if (*json == NULL)
        s = LR_DB_ERROR;
    goto out;
rollback:
    lr_db_rollback(c);
out:
    json_decref(after);
    PQclear(item);
    PQclear(done);
    return s;
}
