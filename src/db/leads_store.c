/* The lead path against PostgreSQL: one read before the decision, one call after. */
#include "db/leads_store.h"

#include "db/assignments_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lr_db_stmt LEAD_CONTEXT = {
    "lead_context",
    "SELECT (SELECT max(version) FROM rules),"
    "       a.domain IS NOT NULL, a.employee_count, a.expected_acv_cents, a.fit_score,"
    "       n.owner_rep_id, r.segment, r.active,"
    "       w.body_sha256 IS NOT NULL, w.body_sha256 = $4, w.response_body"
    "  FROM (SELECT 1) AS one"
    "  LEFT JOIN accounts a ON a.domain = $1"
    "  LEFT JOIN named_accounts n ON n.period = $2 AND n.domain = $1"
    "  LEFT JOIN reps r ON r.id = n.owner_rep_id"
    "  LEFT JOIN webhook_events w ON w.webhook_id = $3 AND w.response_status IS NOT NULL",
    4};

static const struct lr_db_stmt LEAD_COMMIT = {
    "lead_commit",
    "SELECT status, body FROM lr_commit_lead($1, $2, $3, $4, $5::timestamptz, ($6::jsonb) -> 'data', $7,"
    " $8, $9, $10, $11, $12::bigint, $13::jsonb, $14)",
    14};

static const struct lr_db_stmt LEAD_GET = {
    "lead_get",
    "SELECT json_build_object("
    "  'id', l.id, 'queue', l.queue, 'rep_id', l.rep_id, 'reason', l.reason,"
    "  'composite_queue', l.composite_queue, 'review_id', l.review_id, 'domain', l.domain,"
    "  'rules_version', l.rules_version, 'data', l.data, 'decision', l.decision,"
    "  'created_at', lr_rfc3339(l.created_at),"
    "  'history', coalesce((SELECT json_agg(json_build_object("
    "      'id', a.id, 'subject', a.subject, 'subject_id', a.subject_id,"
    "      'queue', a.queue, 'rep_id', a.rep_id,"
    "      'previous_rep_id', a.previous_rep_id, 'reason', a.reason,"
    "      'at', lr_rfc3339(a.at)) ORDER BY a.seq)"
    "    FROM assignments a WHERE a.subject = 'lead' AND a.subject_id = l.id), '[]'::json)"
    ")::text FROM leads l WHERE l.id = $1",
    1};

static void opt(const PGresult *r, int col, struct lr_opt_i64 *o)
{
    o->present = !PQgetisnull(r, 0, col);
    o->v = lr_db_int(r, 0, col);
}

enum lr_db_status lr_lead_context_load(struct lr_db_conn *c, const char *domain,
                                       const char *period, const char *webhook_id,
                                       const char *body_sha256, struct lr_lead_context *out)
{
    memset(out, 0, sizeof *out);
    const char *p[] = {domain, period, webhook_id, body_sha256};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &LEAD_CONTEXT, p, &r);
    if (s != LR_DB_OK)
        return s;
    out->rules_version = lr_db_int(r, 0, 0);
    out->account.found = lr_db_bool(r, 0, 1);
    opt(r, 2, &out->account.employees);
    opt(r, 3, &out->account.acv_cents);
    opt(r, 4, &out->account.fit);
    const char *owner = lr_db_text(r, 0, 5);
    if (owner != NULL) {
        out->named.found = true;
        snprintf(out->named.owner_id, sizeof out->named.owner_id, "%s", owner);
        lr_segment_parse(lr_db_text(r, 0, 6), false, &out->named.owner_segment);
        out->named.owner_active = lr_db_bool(r, 0, 7);
    }
    out->seen = lr_db_bool(r, 0, 8);
    out->same_body = lr_db_bool(r, 0, 9);
    if (out->seen && out->same_body) {
        out->stored_body = strdup(PQgetvalue(r, 0, 10));
        if (out->stored_body == NULL)
            s = LR_DB_ERROR;
    }
    PQclear(r);
    return s;
}

void lr_lead_context_free(struct lr_lead_context *ctx)
{
    free(ctx->stored_body);
    ctx->stored_body = NULL;
}

static const char *mode_name(enum lr_assign_mode m)
{
    return m == LR_ASSIGN_REP ? "rep" : m == LR_ASSIGN_ROUND_ROBIN ? "round_robin" : "none";
}

enum lr_db_status lr_lead_commit(struct lr_db_conn *c, const struct lr_lead_write *w,
                                 int *status, char **body)
{
    const struct lr_decision *d = w->decision;
    char version[32];
    snprintf(version, sizeof version, "%lld", (long long)w->rules_version);
    const char *p[] = {
        w->webhook_id, w->body_sha256, w->lead_id, w->domain, w->event_ts, w->body_json,
        lr_segment_name(d->queue), mode_name(d->mode),
        d->mode == LR_ASSIGN_REP ? d->rep_id : NULL, lr_reason_name(d->reason),
        lr_segment_name(d->composite), version, w->decision_json, w->actor,
    };
    *body = NULL;
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &LEAD_COMMIT, p, &r);
    if (s != LR_DB_OK)
        return s;
    *status = (int)lr_db_int(r, 0, 0);
    const char *b = lr_db_text(r, 0, 1);
    if (b != NULL && (*body = strdup(b)) == NULL)
        s = LR_DB_ERROR;
    PQclear(r);
    return s;
}

enum lr_db_status lr_lead_get_json(struct lr_db_conn *c, const char *id, char **json)
{
    const char *p[] = {id};
    PGresult *r;
    *json = NULL;
    enum lr_db_status s = lr_assignments_publish(c);
    if (s == LR_DB_OK)
        s = lr_db_exec(c, &LEAD_GET, p, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) == 0)
        s = LR_DB_NOT_FOUND;
    else if ((*json = strdup(PQgetvalue(r, 0, 0))) == NULL)
        s = LR_DB_ERROR;
    PQclear(r);
    return s;
}
