/* The opportunity path against PostgreSQL, its writes: each in the caller's
 * transaction, in the order service/opportunity.c decides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit_store.h"
#include "db/opportunities_store.h"
#include "util/json.h"

static const struct lr_db_stmt OPP_TURN = {"opp_take_turn",
                                           "SELECT rep_id FROM lr_take_turns($1, 1)", 1};

static const struct lr_db_stmt OPP_REVIEW = {
    "opp_review_open",
    "INSERT INTO reviews (subject, subject_id, reason, signals, rules_version)"
    " VALUES ('opportunity', $1, $2, $3::jsonb, $4::bigint) RETURNING id",
    4};

static const struct lr_db_stmt OPP_HANDOFF = {
    "opp_handoff_insert",
    "INSERT INTO handoffs (opportunity_id, finder_rep_id, receiver_rep_id, from_queue, to_queue,"
    " credit_rate_bp, commission_rate_bp, cap_cents, rules_version)"
    " VALUES ($1, $2, $3, $4, $5, $6::int, $7::int, $8::bigint, $9::bigint)"
    " RETURNING lr_rfc3339(at)",
    9};

static const struct lr_db_stmt OPP_SETTLE = {
    "opp_handoff_settle",
    "UPDATE handoffs SET credit_status = $2, credit_cents = $3::bigint, settled_at = now()"
    " WHERE opportunity_id = $1 AND credit_status = 'pending'",
    3};

/* The assignment with its audit row (lr_write_assignments). $8: the queue before, NULL
 * for a new deal (no audit before); $9: keys added to the audit row's after (JSON). */
static const struct lr_db_stmt OPP_ASSIGN = {
    "opp_assignment_write",
    "SELECT lr_write_assignments('{opportunity}', ARRAY[$1::text], ARRAY[$2::text],"
    " ARRAY[$3::text], ARRAY[$4::text], ARRAY[$5::text], ARRAY[$6::bigint], ARRAY[$7::text],"
    " '{NULL}', ARRAY[CASE WHEN $8::text IS NOT NULL"
    "                  THEN jsonb_build_object('queue', $8::text, 'rep_id', $4::text) END],"
    " ARRAY[$9::jsonb])",
    9};

static const struct lr_db_stmt OPP_UPDATE = {
    "opp_update",
    "UPDATE opportunities SET lead_id = $2, domain = $3, acv_cents = $4::bigint,"
    " employee_count = $5::int, stage = $6, is_closed = $7::boolean, outcome = $8, queue = $9,"
    " rep_id = $10, reason = $11, composite_queue = $12,"
    " review_id = coalesce($13::bigint, review_id), rules_version = $14::bigint,"
    " auto_moves = auto_moves + $15::int, came_by_handoff = came_by_handoff OR $16::boolean,"
    " last_event_ts = greatest(last_event_ts, $17::timestamptz),"
    " data = data || coalesce(($18::jsonb) -> 'data', '{}'::jsonb), updated_at = now(),"
    " closed_at = CASE WHEN $7::boolean THEN coalesce(closed_at, now()) END"
    " WHERE id = $1",
    18};

static const struct lr_db_stmt OPP_EVENT_LOG = {
    "opp_event_log",
    "INSERT INTO opportunity_events (opportunity_id, webhook_id, event_type, event_ts, outcome,"
    " action, data) VALUES ($1, $2, $3, $4::timestamptz, $5, $6,"
    " coalesce(($7::jsonb) -> 'data', '{}'::jsonb))",
    7};

static const struct lr_db_stmt OPP_DECISION = {
    "opp_decision_store", "UPDATE opportunities SET decision = $2::jsonb WHERE id = $1", 2};

static const struct lr_db_stmt OPP_ANSWER = {
    "opp_answer_store",
    "UPDATE webhook_events SET response_status = 201, response_body = $2 WHERE webhook_id = $1", 2};

static const struct lr_db_stmt OPP_ASSIGN_LOCK = {
    "opp_assign_lock",
    "SELECT o.queue, o.rep_id, n.owner_rep_id, r.segment, r.active,"
    "       (SELECT max(version) FROM rules), o.domain"
    "  FROM opportunities o"
    "  LEFT JOIN named_accounts n"
    "         ON n.domain = o.domain AND n.period = to_char(now() AT TIME ZONE 'UTC', "
    "'YYYY-\"Q\"Q')"
    "  LEFT JOIN reps r ON r.id = n.owner_rep_id"
    " WHERE o.id = $1 FOR UPDATE OF o",
    1};

static const struct lr_db_stmt OPP_REASSIGN = {
    "opp_reassign",
    "UPDATE opportunities SET queue = $2, rep_id = $3, reason = $4, updated_at = now()"
    " WHERE id = $1",
    4};

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static const char *opt_param(struct lr_opt_i64 o, char buf[32])
{
    if (!o.present)
        return NULL;
    snprintf(buf, 32, "%lld", (long long)o.v);
    return buf;
}

static enum lr_segment segment_col(const PGresult *r, int row, int col)
{
    enum lr_segment s = LR_SEG_NONE;
    lr_segment_parse(lr_db_text(r, row, col), true, &s);
    return s;
}

enum lr_db_status lr_opp_take_turn(struct lr_db_conn *c, enum lr_segment queue,
                                   char rep[LR_ID_MAX + 1])
{
    enum lr_db_status s = lr_db_simple(c, "SAVEPOINT lr_turn");
    if (s != LR_DB_OK)
        return s;
    const char *p[] = {lr_segment_name(queue)};
    PGresult *r;
    s = lr_db_exec(c, &OPP_TURN, p, &r);
    if (s == LR_DB_NO_ACTIVE_REP) {
        enum lr_db_status back = lr_db_simple(c, "ROLLBACK TO SAVEPOINT lr_turn");
        return back == LR_DB_OK ? LR_DB_NO_ACTIVE_REP : back;
    }
    if (s != LR_DB_OK)
        return s;
    copy_text(rep, LR_ID_MAX + 1, lr_db_text(r, 0, 0));
    PQclear(r);
    return lr_db_simple(c, "RELEASE SAVEPOINT lr_turn");
}

enum lr_db_status lr_opp_open_review(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                     enum lr_reason reason, int64_t *review_id)
{
    char version[32];
    snprintf(version, sizeof version, "%lld", (long long)a->rules->version);
    const char *p[] = {a->opportunity_id, lr_reason_name(reason), a->signals_json, version};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &OPP_REVIEW, p, &r);
    if (s != LR_DB_OK)
        return s;
    *review_id = lr_db_int(r, 0, 0);
    PQclear(r);
    json_t *after = json_pack("{s:I, s:s}", "review_id", (json_int_t)*review_id, "reason",
                              lr_reason_name(reason));
    s = lr_audit_json(c, a->actor, "review.opened", "opportunity", a->opportunity_id, NULL, after);
    json_decref(after);
    return s;
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

enum lr_db_status lr_opp_record_handoff(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                        const struct lr_opp_state *st, const char *receiver,
                                        enum lr_segment to, struct lr_opp_handoff *h)
{
    const struct lr_rules *rules = a->rules;
    char credit[16], commission[16], cap[32], version[32];
    snprintf(credit, sizeof credit, "%d", (int)rules->finder_credit_bp);
    snprintf(commission, sizeof commission, "%d", (int)rules->mm_commission_bp);
    snprintf(cap, sizeof cap, "%lld", (long long)rules->finder_credit_cap_cents);
    snprintf(version, sizeof version, "%lld", (long long)rules->version);
    const char *p[] = {a->opportunity_id,
                       st->rep_id,
                       receiver,
                       lr_segment_name(st->queue),
                       lr_segment_name(to),
                       credit,
                       commission,
                       cap,
                       version};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &OPP_HANDOFF, p, &r);
    if (s != LR_DB_OK)
        return s;
    memset(h, 0, sizeof *h);
    h->present = true;
    copy_text(h->finder, sizeof h->finder, st->rep_id);
    copy_text(h->receiver, sizeof h->receiver, receiver);
    h->from = st->queue;
    h->to = to;
    h->credit_rate_bp = rules->finder_credit_bp;
    h->commission_rate_bp = rules->mm_commission_bp;
    h->cap_cents = rules->finder_credit_cap_cents;
    h->rules_version = rules->version;
    copy_text(h->at, sizeof h->at, lr_db_text(r, 0, 0));
    h->status = LR_CREDIT_PENDING;
    PQclear(r);
    json_t *after = json_pack(
        "{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:I}", "finder_rep_id", h->finder, "receiver_rep_id",
        h->receiver, "from_queue", lr_segment_name(h->from), "to_queue", lr_segment_name(h->to),
        "credit_rate_bp", (int)h->credit_rate_bp, "commission_rate_bp", (int)h->commission_rate_bp,
        "cap", lr_json_money(h->cap_cents), "rules_version", (json_int_t)h->rules_version);
    s = lr_audit_json(c, a->actor, "handoff.created", "opportunity", a->opportunity_id, NULL,
                      after);
    json_decref(after);
    return s;
}

enum lr_db_status lr_opp_settle_credit(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                       struct lr_opp_handoff *h, bool won, int64_t credit,
                                       int64_t acv)
{
    char cbuf[32];
    snprintf(cbuf, sizeof cbuf, "%lld", (long long)credit);
    const char *p[] = {a->opportunity_id, won ? "earned" : "forfeited", won ? cbuf : NULL};
    enum lr_db_status s = lr_db_exec(c, &OPP_SETTLE, p, NULL);
    if (s != LR_DB_OK)
        return s;
    h->status = won ? LR_CREDIT_EARNED : LR_CREDIT_FORFEITED;
    h->has_credit = won;
    h->credit_cents = won ? credit : 0;
    json_t *before = json_pack("{s:s}", "credit_status", "pending");
    json_t *after = json_pack("{s:s, s:s, s:o, s:o, s:i, s:i, s:o}", "finder_rep_id", h->finder,
                              "credit_status", lr_credit_status_name(h->status), "credit",
                              won ? lr_json_money(credit) : json_null(), "acv", lr_json_money(acv),
                              "commission_rate_bp", (int)h->commission_rate_bp, "credit_rate_bp",
                              (int)h->credit_rate_bp, "cap", lr_json_money(h->cap_cents));
    s = lr_audit_json(c, a->actor, won ? "credit.earned" : "credit.forfeited", "opportunity",
                      a->opportunity_id, before, after);
    json_decref(before);
    json_decref(after);
    return s;
}

enum lr_db_status lr_opp_log_event(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                   const char *outcome, const char *action)
{
    const char *p[] = {a->opportunity_id, a->webhook_id, a->event_type, a->event_ts,
                       outcome,           action,        a->body_json};
    return lr_db_exec(c, &OPP_EVENT_LOG, p, NULL);
}

enum lr_db_status lr_opp_write_assignment(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                          const struct lr_opp_state *st,
                                          const struct lr_opp_decision *od, int64_t review_id)
{
    char version[32], extra[48];
    snprintf(version, sizeof version, "%lld", (long long)a->rules->version);
    if (review_id)
        snprintf(extra, sizeof extra, "{\"review_id\": %lld}", (long long)review_id);
    else
        snprintf(extra, sizeof extra, "{\"review_id\": null}");
    const char *prev = st->exists && st->rep_id[0] ? st->rep_id : NULL;
    const char *rep = od->d.rep_id[0] ? od->d.rep_id : NULL;
    const char *p[] = {a->opportunity_id,
                       lr_segment_name(od->d.queue),
                       rep,
                       prev,
                       lr_reason_name(od->d.reason),
                       version,
                       a->actor,
                       st->exists ? lr_segment_name(st->queue) : NULL,
                       extra};
    return lr_db_exec(c, &OPP_ASSIGN, p, NULL);
}

enum lr_db_status lr_opp_update_row(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                    const struct lr_opp_state *st, const struct lr_opp_decision *od,
                                    bool assigns, int64_t new_review)
{
    char acv[32], emp[32], review[32], version[32];
    snprintf(review, sizeof review, "%lld", (long long)new_review);
    snprintf(version, sizeof version, "%lld", (long long)a->rules->version);
    bool closed = od->close != LR_OPP_OPEN;
    /* The reason column says how the current owner was reached; a flap leaves it. */
    enum lr_reason reason = assigns ? od->d.reason : st->reason;
    const char *p[] = {
        a->opportunity_id,
        a->lead_id,
        a->domain,
        opt_param(od->acv_cents, acv),
        opt_param(od->employees, emp),
        a->stage,
        closed ? "true" : "false",
        !closed                   ? NULL
        : od->close == LR_OPP_WON ? "won"
                                  : "lost",
        lr_segment_name(od->d.queue),
        od->d.rep_id[0] ? od->d.rep_id : NULL,
        lr_reason_name(reason),
        lr_segment_name(od->d.composite),
        new_review ? review : NULL,
        version,
        od->action == LR_OPP_HANDOFF || od->action == LR_OPP_FLOOR ? "1" : "0",
        od->action == LR_OPP_HANDOFF ? "true" : "false",
        a->event_ts,
        a->body_json,
    };
    enum lr_db_status s = lr_db_exec(c, &OPP_UPDATE, p, NULL);
    if (s != LR_DB_OK || !closed || st->outcome != LR_OPP_OPEN)
        return s;
    json_t *after = json_pack("{s:s, s:o}", "outcome", od->close == LR_OPP_WON ? "won" : "lost",
                              "stage", str_or_null(a->stage));
    s = lr_audit_json(c, a->actor, "opportunity.closed", "opportunity", a->opportunity_id, NULL,
                      after);
    json_decref(after);
    return s;
}

enum lr_db_status lr_opp_finish(struct lr_db_conn *c, const char *opportunity_id,
                                const char *webhook_id, bool applied, const char *body,
                                const char *actor)
{
    enum lr_db_status s = LR_DB_OK;
    const char *pd[] = {opportunity_id, body};
    const char *pa[] = {webhook_id, body};
    if (applied)
        s = lr_db_exec(c, &OPP_DECISION, pd, NULL);
    if (s == LR_DB_OK)
        s = lr_db_exec(c, &OPP_ANSWER, pa, NULL);
    if (s == LR_DB_OK)
        s = lr_audit(c, actor, "decision.made", "opportunity", opportunity_id, NULL, body);
    return s;
}

enum lr_db_status lr_opp_lock_for_resolution(struct lr_db_conn *c, const char *opportunity_id,
                                             struct lr_opp_resolution *out)
{
    const char *p[] = {opportunity_id};
    PGresult *r;
    memset(out, 0, sizeof *out);
    enum lr_db_status s = lr_db_exec(c, &OPP_ASSIGN_LOCK, p, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return LR_DB_NOT_FOUND;
    }
    out->old_queue = segment_col(r, 0, 0);
    copy_text(out->old_rep, sizeof out->old_rep, lr_db_text(r, 0, 1));
    const char *owner = lr_db_text(r, 0, 2);
    if (owner != NULL) {
        out->named.found = true;
        copy_text(out->named.owner_id, sizeof out->named.owner_id, owner);
        out->named.owner_segment = segment_col(r, 0, 3);
        out->named.owner_active = lr_db_bool(r, 0, 4);
    }
    out->rules_version = lr_db_int(r, 0, 5);
    copy_text(out->domain, sizeof out->domain, lr_db_text(r, 0, 6));
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_opp_reassign(struct lr_db_conn *c, const char *opportunity_id,
                                  const struct lr_opp_resolution *before, enum lr_segment queue,
                                  const char *rep, enum lr_reason reason, const char *actor)
{
    char version[32];
    snprintf(version, sizeof version, "%lld", (long long)before->rules_version);
    const char *pu[] = {opportunity_id, lr_segment_name(queue), rep, lr_reason_name(reason)};
    const char *pa[] = {opportunity_id,
                        lr_segment_name(queue),
                        rep,
                        before->old_rep[0] ? before->old_rep : NULL,
                        lr_reason_name(reason),
                        version,
                        actor,
                        lr_segment_name(before->old_queue),
                        NULL};
    enum lr_db_status s = lr_db_exec(c, &OPP_REASSIGN, pu, NULL);
    return s == LR_DB_OK ? lr_db_exec(c, &OPP_ASSIGN, pa, NULL) : s;
}
