/* opportunity.created / opportunity.updated (SPEC 2.8): one transaction per delivery.
 * The deal's row is locked first, the pure rules decide on what the lock revealed, and
 * the answer is stored with the writes, so concurrent events for one deal apply one
 * after the other and a retry gets the identical body. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/opportunity.h"

#include "db/opportunities_store.h"
#include "service/decision_json.h"
#include "service/rules.h"
#include "routing/opportunity.h"
#include "routing/period.h"
#include "util/json.h"
#include "util/log.h"

static json_t *text_or_null(const char *s)
{
    return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

static json_t *handoff_json(const struct lr_opp_handoff *h)
{
    if (!h->present)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s, s:o, s:I, s:s}", "finder_rep_id",
                     h->finder, "receiver_rep_id", h->receiver, "from_queue",
                     lr_segment_name(h->from), "to_queue", lr_segment_name(h->to), "credit_rate_bp",
                     (int)h->credit_rate_bp, "commission_rate_bp", (int)h->commission_rate_bp,
                     "cap", lr_json_money(h->cap_cents), "credit_status",
                     lr_credit_status_name(h->status), "credit",
                     lr_json_opt_money(h->has_credit, h->credit_cents), "rules_version",
                     (json_int_t)h->rules_version, "at", h->at);
}

/* The lead decision's keys plus what an opportunity adds: its handoff, whether the
 * owner changed, why a delivery was ignored, and the deal's values after it. */
static char *decision_body(const struct lr_envelope *env, const struct lr_opp_decision *od,
                           const struct lr_opp_loaded *ld, const struct lr_opp_result *res,
                           const char *domain, const char *stage, int64_t rules_version)
{
    char decided_at[40];
    lr_rfc3339_now(decided_at);
    json_t *b = lr_decision_json(&od->d, env->webhook_id, "opportunity", env->ev.id, domain,
                                 rules_version, decided_at);
    if (b == NULL)
        return NULL;
    const char *ignored = od->action == LR_OPP_IGNORE_OUT_OF_ORDER ? "out_of_order"
                          : od->action == LR_OPP_IGNORE_CLOSED     ? "closed"
                                                                   : NULL;
    json_object_set_new(b, "rep_id", text_or_null(res->rep_id));
    json_object_set_new(b, "review_id",
                        res->review_id ? json_integer(res->review_id) : json_null());
    json_object_set_new(b, "handoff", handoff_json(&ld->handoff));
    json_object_set_new(b, "changed", json_boolean(lr_opp_assigns(od->action)));
    json_object_set_new(b, "ignored", text_or_null(ignored));
    json_object_set_new(b, "acv", lr_json_opt_money(od->acv_cents.present, od->acv_cents.v));
    json_object_set_new(b, "employee_count",
                        od->employees.present ? json_integer(od->employees.v) : json_null());
    json_object_set_new(b, "stage", text_or_null(stage));
    json_object_set_new(b, "is_closed", json_boolean(od->close != LR_OPP_OPEN));
    json_object_set_new(b, "outcome",
                        od->close == LR_OPP_WON    ? json_string("won")
                        : od->close == LR_OPP_LOST ? json_string("lost")
                                                   : json_null());
    char *text = lr_json_dumps(b);
    json_decref(b);
    return text;
}

static const char *first_of(const char *a, const char *b, const char *c)
{
    if (a != NULL && *a != '\0')
        return a;
    if (b != NULL && *b != '\0')
        return b;
    return c != NULL && *c != '\0' ? c : NULL;
}

/* Picks the rep for an assigning decision; an empty queue turns it into review. */
static enum lr_db_status pick_rep(struct lr_db_conn *c, struct lr_opp_decision *od)
{
    if (od->d.mode != LR_ASSIGN_ROUND_ROBIN)
        return LR_DB_OK;
    enum lr_db_status s = lr_opp_take_turn(c, od->d.queue, od->d.rep_id);
    if (s == LR_DB_NO_ACTIVE_REP) {
        lr_opp_no_active_rep(od);
        return LR_DB_OK;
    }
    return s;
}

/* Closing settles a pending credit once: earned on a win (SPEC 2.8), forfeited on a
 * loss. */
static enum lr_db_status settle_credit(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                       const struct lr_opp_decision *od, struct lr_opp_handoff *h)
{
    if (!h->present || h->status != LR_CREDIT_PENDING || od->close == LR_OPP_OPEN)
        return LR_DB_OK;
    bool won = od->close == LR_OPP_WON;
    int64_t acv = od->acv_cents.present ? od->acv_cents.v : 0;
    int64_t credit =
        won ? lr_opp_finder_credit(acv, h->commission_rate_bp, h->credit_rate_bp, h->cap_cents) : 0;
    return lr_opp_settle_credit(c, a, h, won, credit, acv);
}

static enum lr_db_status log_event(struct lr_db_conn *c, const struct lr_opp_apply *a,
                                   enum lr_opp_action action)
{
    const char *outcome = action == LR_OPP_IGNORE_OUT_OF_ORDER ? "ignored_out_of_order"
                          : action == LR_OPP_IGNORE_CLOSED     ? "ignored_closed"
                                                               : "applied";
    return lr_opp_log_event(c, a, outcome, lr_opp_action_name(action));
}

/* Every write the decision calls for, in the event's transaction. */
static enum lr_db_status apply(struct lr_db_conn *c, const struct lr_opp_apply *a,
                               struct lr_opp_decision *od, struct lr_opp_loaded *ld,
                               struct lr_opp_result *res)
{
    const struct lr_opp_state *st = &ld->state;
    memset(res, 0, sizeof *res);
    enum lr_db_status s;
    if (od->action == LR_OPP_IGNORE_OUT_OF_ORDER || od->action == LR_OPP_IGNORE_CLOSED) {
        snprintf(res->rep_id, sizeof res->rep_id, "%s", st->rep_id);
        res->review_id = st->queue == LR_SEG_REVIEW ? ld->review_id : 0;
        return log_event(c, a, od->action);
    }
    bool assigns = lr_opp_assigns(od->action);
    if (assigns && (s = pick_rep(c, od)) != LR_DB_OK)
        return s;
    int64_t new_review = 0;
    bool to_review = assigns && od->d.queue == LR_SEG_REVIEW;
    if ((to_review || od->action == LR_OPP_FLAP) &&
        (s = lr_opp_open_review(c, a, od->d.reason, &new_review)) != LR_DB_OK)
        return s;
    if (od->action == LR_OPP_HANDOFF &&
        (s = lr_opp_record_handoff(c, a, st, od->d.rep_id, od->d.queue, &ld->handoff)) != LR_DB_OK)
        return s;
    if (assigns && (s = lr_opp_write_assignment(c, a, st, od, new_review)) != LR_DB_OK)
        return s;
    if ((s = lr_opp_update_row(c, a, st, od, assigns, new_review)) != LR_DB_OK)
        return s;
    if (st->outcome == LR_OPP_OPEN && (s = settle_credit(c, a, od, &ld->handoff)) != LR_DB_OK)
        return s;
    snprintf(res->rep_id, sizeof res->rep_id, "%s", od->d.rep_id);
    res->review_id = new_review ? new_review : od->d.queue == LR_SEG_REVIEW ? ld->review_id : 0;
    return log_event(c, a, od->action);
}

/* One attempt of the event's transaction; it may run again (lr_db_run_tx). */
struct event_job {
    const struct lr_envelope *env;
    int replay;
    char *body;
    bool decided;
    enum lr_segment queue;
    enum lr_reason reason;
};

/* Everything between the claimed webhook-id and the commit. */
static enum lr_db_status decide_and_write(struct lr_db_conn *c, const struct lr_envelope *env,
                                          char **body, struct event_job *job)
{
    const struct lr_event *ev = &env->ev;
    struct lr_opp_loaded ld;
    enum lr_db_status s = lr_opp_lock(c, ev->id, &ld);
    if (s != LR_DB_OK)
        return s;
    /* An ignored delivery is answered with the stored deal, not with its own fields. */
    bool ignoring = lr_opp_ignores(&ld.state, ev->ts_usec);
    const char *lead_id = ignoring
                              ? first_of(ld.lead_id, NULL, NULL)
                              : first_of(ev->has_lead_id ? ev->lead_id : NULL, ld.lead_id, NULL);
    if ((s = lr_opp_context(c, ev->id, lead_id, &ld)) != LR_DB_OK)
        return s;
    const struct lr_rules *rules;
    if ((s = lr_rules_at(c, ld.rules_version, &rules)) != LR_DB_OK)
        return s;
    const char *domain =
        ignoring ? first_of(ld.domain, NULL, NULL)
                 : first_of(ev->has_domain ? ev->domain : NULL, ld.domain, ld.lead_domain);
    const char *stage = ignoring ? first_of(ld.stage, NULL, NULL)
                                 : first_of(ev->has_stage ? ev->stage : NULL, ld.stage, NULL);
    char period[LR_PERIOD_LEN + 1];
    lr_period_of(time(NULL), period);
    bool freemail = domain == NULL || lr_rules_is_freemail(rules, domain);
    if ((s = lr_opp_enrichment(c, freemail ? NULL : domain, period, &ld)) != LR_DB_OK)
        return s;

    struct lr_opp_input in = {
        .state = &ld.state,
        .ts_usec = ev->ts_usec,
        .acv_cents = ev->acv_cents,
        .employees = ev->employees,
        .stage = stage,
        .lead = &ld.lead,
        .account = &ld.account,
        .named = &ld.named,
    };
    struct lr_opp_decision od;
    lr_opp_decide(rules, &in, &od);

    json_t *sj = lr_signals_json(od.d.signals);
    char *signals = sj ? lr_json_dumps(sj) : NULL;
    json_decref(sj);
    if (signals == NULL)
        return LR_DB_ERROR;
    struct lr_opp_apply a = {
        .opportunity_id = ev->id,
        .webhook_id = env->webhook_id,
        .event_type = ev->type_name,
        .event_ts = ev->ts_utc,
        .body_json = env->body_json,
        .lead_id = lead_id,
        .domain = domain,
        .stage = stage,
        .signals_json = signals,
        .rules = rules,
        .actor = env->actor,
    };
    struct lr_opp_result res;
    s = apply(c, &a, &od, &ld, &res);
    free(signals);
    if (s != LR_DB_OK)
        return s;
    if ((*body = decision_body(env, &od, &ld, &res, domain, stage, rules->version)) == NULL)
        return LR_DB_ERROR;
    bool applied = od.action != LR_OPP_IGNORE_OUT_OF_ORDER && od.action != LR_OPP_IGNORE_CLOSED;
    job->decided = lr_opp_assigns(od.action);
    job->queue = od.d.queue;
    job->reason = od.d.reason;
    lr_log(LR_LOG_DEBUG, "opportunity decided",
           json_pack("{s:s, s:s, s:s}", "opportunity_id", ev->id, "action",
                     lr_opp_action_name(od.action), "event_id", env->webhook_id));
    return lr_opp_finish(c, ev->id, env->webhook_id, applied, *body, env->actor);
}

static enum lr_db_status event_tx(struct lr_db_conn *c, void *arg)
{
    struct event_job *job = arg;
    free(job->body);
    job->body = NULL;
    job->replay = 0;
    job->decided = false;
    const struct lr_envelope *env = job->env;
    enum lr_db_status s = lr_opp_begin(c, env->webhook_id, env->body_sha256, env->ev.type_name,
                                       env->ev.id, &job->replay, &job->body);
    if (s == LR_DB_OK && job->replay == 0)
        s = decide_and_write(c, env, &job->body, job);
    return s;
}

void lr_service_opportunity(struct lr_db_pool *pool, const struct lr_envelope *env,
                            struct lr_event_outcome *out)
{
    memset(out, 0, sizeof *out);
    struct lr_db_conn *c;
    if ((out->s = lr_db_acquire(pool, &c)) != LR_DB_OK)
        return;
    struct event_job job = {.env = env};
    out->s = lr_db_run_tx(c, event_tx, &job);
    if (out->s != LR_DB_OK && out->s != LR_DB_UNAVAILABLE)
        lr_log(LR_LOG_ERROR, "opportunity event failed",
               json_pack("{s:s, s:s}", "opportunity_id", env->ev.id, "error", c->last_error));
    lr_db_release(pool, c);
    if (out->s != LR_DB_OK) {
        free(job.body);
        return;
    }
    out->status = job.replay ? job.replay : 201;
    out->decided = job.decided && out->status == 201;
    out->queue = job.queue;
    out->reason = job.reason;
    out->body = out->status == 409 ? NULL : job.body;
    if (out->body != job.body)
        free(job.body);
}
