/* The opportunity path against PostgreSQL, its reads: the claim of a webhook-id, the
 * deal's row lock that orders concurrent events, what the decision needs, and the deal
 * as the API shows it. The writes are in opportunity_writes.c. */
#include "db/opportunities_store.h"

#include "db/assignments_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static const struct lr_db_stmt OPP_CLAIM = {
    "opp_claim",
    "INSERT INTO webhook_events (webhook_id, body_sha256, event_type, subject_id)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (webhook_id) DO NOTHING RETURNING 1",
    4};

static const struct lr_db_stmt OPP_SEEN = {
    "opp_seen", "SELECT body_sha256 = $2, response_body FROM webhook_events WHERE webhook_id = $1",
    2};

/* The row exists before it is locked, so that two events creating one deal queue on
 * the same lock instead of racing to insert it. */
static const struct lr_db_stmt OPP_PLACE = {
    "opp_place",
    "INSERT INTO opportunities (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING 1", 1};

static const struct lr_db_stmt OPP_LOCK = {
    "opp_lock",
    "SELECT lead_id, domain, acv_cents, employee_count, stage, outcome, queue, rep_id, reason,"
    "       review_id, auto_moves, came_by_handoff,"
    "       (extract(epoch FROM last_event_ts) * 1000000)::bigint"
    "  FROM opportunities WHERE id = $1 FOR UPDATE",
    1};

/* A separate statement after the lock: its snapshot includes what the event that held
 * the lock before us committed (a join in the locking statement would not). */
static const struct lr_db_stmt OPP_CONTEXT = {
    "opp_context",
    "SELECT (SELECT max(version) FROM rules),"
    "       EXISTS (SELECT 1 FROM reviews v WHERE v.subject = 'opportunity'"
    "               AND v.subject_id = $1 AND v.status = 'open'),"
    "       l.id IS NOT NULL, l.queue, l.rep_id, l.domain,"
    "       h.finder_rep_id, h.receiver_rep_id, h.from_queue, h.to_queue, h.credit_rate_bp,"
    "       h.commission_rate_bp, h.cap_cents, h.rules_version, lr_rfc3339(h.at),"
    "       h.credit_status, h.credit_cents"
    "  FROM (SELECT 1) AS one"
    "  LEFT JOIN leads l ON l.id = $2"
    "  LEFT JOIN handoffs h ON h.opportunity_id = $1",
    2};

static const struct lr_db_stmt OPP_ENRICH = {
    "opp_enrich",
    "SELECT a.domain IS NOT NULL, a.employee_count, a.expected_acv_cents, a.fit_score,"
    "       n.owner_rep_id, r.segment, r.active"
    "  FROM (SELECT 1) AS one"
    "  LEFT JOIN accounts a ON a.domain = $1"
    "  LEFT JOIN named_accounts n ON n.period = $2 AND n.domain = $1"
    "  LEFT JOIN reps r ON r.id = n.owner_rep_id",
    2};

static const struct lr_db_stmt OPP_GET = {
    "opp_get",
    "SELECT json_build_object("
    "  'id', o.id, 'lead_id', o.lead_id, 'domain', o.domain, 'queue', o.queue,"
    "  'rep_id', o.rep_id, 'reason', o.reason, 'composite_queue', o.composite_queue,"
    "  'review_id', o.review_id, 'acv', lr_money(o.acv_cents),"
    "  'employee_count', o.employee_count, 'stage', o.stage, 'is_closed', o.is_closed,"
    "  'outcome', o.outcome, 'rules_version', o.rules_version, 'auto_moves', o.auto_moves,"
    "  'came_by_handoff', o.came_by_handoff, 'last_event_at', lr_rfc3339(o.last_event_ts),"
    "  'data', o.data, 'decision', o.decision,"
    "  'handoff', (SELECT json_build_object("
    "      'finder_rep_id', h.finder_rep_id, 'receiver_rep_id', h.receiver_rep_id,"
    "      'from_queue', h.from_queue, 'to_queue', h.to_queue,"
    "      'credit_rate_bp', h.credit_rate_bp, 'commission_rate_bp', h.commission_rate_bp,"
    "      'cap', lr_money(h.cap_cents), 'credit_status', h.credit_status,"
    "      'credit', lr_money(h.credit_cents), 'rules_version', h.rules_version,"
    "      'at', lr_rfc3339(h.at), 'settled_at', lr_rfc3339(h.settled_at))"
    "    FROM handoffs h WHERE h.opportunity_id = o.id),"
    "  'history', coalesce((SELECT json_agg(json_build_object("
    "      'id', a.id, 'queue', a.queue, 'rep_id', a.rep_id,"
    "      'previous_rep_id', a.previous_rep_id, 'reason', a.reason,"
    "      'rules_version', a.rules_version, 'at', lr_rfc3339(a.at)) ORDER BY a.seq)"
    "    FROM assignments a WHERE a.subject = 'opportunity' AND a.subject_id = o.id),"
    "    '[]'::json),"
    "  'events', coalesce((SELECT json_agg(json_build_object("
    "      'event_id', e.webhook_id, 'type', e.event_type, 'timestamp', lr_rfc3339(e.event_ts),"
    "      'outcome', e.outcome, 'action', e.action, 'received_at', lr_rfc3339(e.received_at))"
    "      ORDER BY e.id)"
    "    FROM opportunity_events e WHERE e.opportunity_id = o.id), '[]'::json),"
    "  'created_at', lr_rfc3339(o.created_at), 'updated_at', lr_rfc3339(o.updated_at),"
    "  'closed_at', lr_rfc3339(o.closed_at)"
    ")::text FROM opportunities o WHERE o.id = $1",
    1};

const char *lr_credit_status_name(enum lr_credit_status s)
{
    return s == LR_CREDIT_EARNED ? "earned" : s == LR_CREDIT_FORFEITED ? "forfeited" : "pending";
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void opt_col(const PGresult *r, int col, struct lr_opt_i64 *o)
{
    o->present = !PQgetisnull(r, 0, col);
    o->v = lr_db_int(r, 0, col);
}

static enum lr_segment segment_col(const PGresult *r, int row, int col)
{
    enum lr_segment s = LR_SEG_NONE;
    lr_segment_parse(lr_db_text(r, row, col), true, &s);
    return s;
}

enum lr_db_status lr_opp_begin(struct lr_db_conn *c, const char *webhook_id,
                               const char *body_sha256, const char *event_type,
                               const char *opportunity_id, int *replay, char **body)
{
    *replay = 0;
    *body = NULL;
    const char *p[] = {webhook_id, body_sha256, event_type, opportunity_id};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &OPP_CLAIM, p, &r);
    if (s != LR_DB_OK)
        return s;
    bool claimed = PQntuples(r) == 1;
    PQclear(r);
    if (claimed)
        return LR_DB_OK;
    /* Answered before (or by a delivery that just committed: the insert waited for it). */
    const char *q[] = {webhook_id, body_sha256};
    s = lr_db_exec(c, &OPP_SEEN, q, &r);
    if (s == LR_DB_OK) {
        const char *stored = lr_db_text(r, 0, 1);
        if (PQntuples(r) == 1 && lr_db_bool(r, 0, 0) && stored != NULL) {
            *replay = 200;
            if ((*body = strdup(stored)) == NULL)
                s = LR_DB_ERROR;
        } else {
            *replay = 409;
        }
        PQclear(r);
    }
    /* Nothing was written: the caller's commit ends an empty transaction. */
    return s;
}

enum lr_db_status lr_opp_lock(struct lr_db_conn *c, const char *opportunity_id,
                              struct lr_opp_loaded *out)
{
    memset(out, 0, sizeof *out);
    const char *p[] = {opportunity_id};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &OPP_PLACE, p, &r);
    if (s != LR_DB_OK)
        return s;
    bool created = PQntuples(r) == 1;
    PQclear(r);
    if ((s = lr_db_exec(c, &OPP_LOCK, p, &r)) != LR_DB_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return LR_DB_ERROR;
    }
    struct lr_opp_state *st = &out->state;
    st->exists = !created;
    copy_text(out->lead_id, sizeof out->lead_id, lr_db_text(r, 0, 0));
    copy_text(out->domain, sizeof out->domain, lr_db_text(r, 0, 1));
    opt_col(r, 2, &st->acv_cents);
    opt_col(r, 3, &st->employees);
    copy_text(out->stage, sizeof out->stage, lr_db_text(r, 0, 4));
    const char *outcome = lr_db_text(r, 0, 5);
    st->outcome = outcome == NULL               ? LR_OPP_OPEN
                  : strcmp(outcome, "won") == 0 ? LR_OPP_WON
                                                : LR_OPP_LOST;
    st->queue = segment_col(r, 0, 6);
    copy_text(st->rep_id, sizeof st->rep_id, lr_db_text(r, 0, 7));
    st->reason = LR_REASON_COMPOSITE;
    lr_reason_parse(lr_db_text(r, 0, 8), &st->reason);
    out->review_id = lr_db_int(r, 0, 9);
    st->auto_moves = lr_db_int(r, 0, 10);
    st->came_by_handoff = lr_db_bool(r, 0, 11);
    st->has_last_ts = !PQgetisnull(r, 0, 12);
    st->last_ts_usec = lr_db_int(r, 0, 12);
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_opp_context(struct lr_db_conn *c, const char *opportunity_id,
                                 const char *lead_id, struct lr_opp_loaded *out)
{
    const char *p[] = {opportunity_id, lead_id};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &OPP_CONTEXT, p, &r);
    if (s != LR_DB_OK)
        return s;
    out->rules_version = lr_db_int(r, 0, 0);
    out->state.open_review = lr_db_bool(r, 0, 1);
    memset(&out->lead, 0, sizeof out->lead);
    out->lead_domain[0] = '\0';
    if (lr_db_bool(r, 0, 2)) {
        const char *rep = lr_db_text(r, 0, 4);
        out->lead.found = rep != NULL;
        out->lead.queue = segment_col(r, 0, 3);
        copy_text(out->lead.rep_id, sizeof out->lead.rep_id, rep);
        copy_text(out->lead_domain, sizeof out->lead_domain, lr_db_text(r, 0, 5));
    }
    struct lr_opp_handoff *h = &out->handoff;
    memset(h, 0, sizeof *h);
    if (!PQgetisnull(r, 0, 6)) {
        h->present = true;
        copy_text(h->finder, sizeof h->finder, lr_db_text(r, 0, 6));
        copy_text(h->receiver, sizeof h->receiver, lr_db_text(r, 0, 7));
        h->from = segment_col(r, 0, 8);
        h->to = segment_col(r, 0, 9);
        h->credit_rate_bp = (int32_t)lr_db_int(r, 0, 10);
        h->commission_rate_bp = (int32_t)lr_db_int(r, 0, 11);
        h->cap_cents = lr_db_int(r, 0, 12);
        h->rules_version = lr_db_int(r, 0, 13);
        copy_text(h->at, sizeof h->at, lr_db_text(r, 0, 14));
        const char *cs = lr_db_text(r, 0, 15);
        h->status = strcmp(cs, "earned") == 0      ? LR_CREDIT_EARNED
                    : strcmp(cs, "forfeited") == 0 ? LR_CREDIT_FORFEITED
                                                   : LR_CREDIT_PENDING;
        h->has_credit = !PQgetisnull(r, 0, 16);
        h->credit_cents = lr_db_int(r, 0, 16);
    }
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_opp_enrichment(struct lr_db_conn *c, const char *domain, const char *period,
                                    struct lr_opp_loaded *out)
{
    memset(&out->account, 0, sizeof out->account);
    memset(&out->named, 0, sizeof out->named);
    if (domain == NULL)
        return LR_DB_OK;
    const char *p[] = {domain, period};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &OPP_ENRICH, p, &r);
    if (s != LR_DB_OK)
        return s;
    out->account.found = lr_db_bool(r, 0, 0);
    opt_col(r, 1, &out->account.employees);
    opt_col(r, 2, &out->account.acv_cents);
    opt_col(r, 3, &out->account.fit);
    const char *owner = lr_db_text(r, 0, 4);
    if (owner != NULL) {
        out->named.found = true;
        copy_text(out->named.owner_id, sizeof out->named.owner_id, owner);
        lr_segment_parse(lr_db_text(r, 0, 5), false, &out->named.owner_segment);
        out->named.owner_active = lr_db_bool(r, 0, 6);
    }
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_opportunity_get_json(struct lr_db_conn *c, const char *id, char **json)
{
    const char *p[] = {id};
    *json = NULL;
    enum lr_db_status s = lr_assignments_publish(c);
    return s == LR_DB_OK ? lr_db_one_text(c, &OPP_GET, p, json) : s;
}
