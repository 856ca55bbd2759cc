/* opportunity.created / opportunity.updated (SPEC 2.8): one transaction per delivery.
 * The deal's row is locked first, the pure rules decide on what the lock revealed, and
 * the answer is stored with the writes, so concurrent events for one deal apply one
 * after the other and a retry gets the identical body. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/decision_json.h"
#include "api/events.h"
#include "db/opportunities_store.h"
#include "routing/opportunity.h"
#include "routing/period.h"
#include "util/json.h"
#include "util/log.h"

static void answer(struct lr_response *resp, int status, const char *body)
{
    if (status == 409 || body == NULL) {
        lr_problem(resp, 409, "webhook-id-reused", "Conflict",
                   "this webhook-id was already used for a different body", NULL);
        return;
    }
    lr_resp_json_text(resp, (unsigned)status, body, strlen(body));
}

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

/* Everything between the claimed webhook-id and the commit. On failure the caller
 * rolls back. */
static enum lr_db_status decide_and_write(struct lr_db_conn *c, struct lr_request *req,
                                          const struct lr_envelope *env, char **body)
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
    if ((s = lr_db_rules_at(c, ld.rules_version, &rules)) != LR_DB_OK)
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
        .body_json = req->body,
        .lead_id = lead_id,
        .domain = domain,
        .stage = stage,
        .signals_json = signals,
        .rules = rules,
        .actor = req->actor,
    };
    struct lr_opp_result res;
    s = lr_opp_apply(c, &a, &od, &ld, &res);
    free(signals);
    if (s != LR_DB_OK)
        return s;
    if ((*body = decision_body(env, &od, &ld, &res, domain, stage, rules->version)) == NULL)
        return LR_DB_ERROR;
    bool applied = od.action != LR_OPP_IGNORE_OUT_OF_ORDER && od.action != LR_OPP_IGNORE_CLOSED;
    lr_log(LR_LOG_DEBUG, "opportunity decided",
           json_pack("{s:s, s:s, s:s}", "opportunity_id", ev->id, "action",
                     lr_opp_action_name(od.action), "event_id", env->webhook_id));
    return lr_opp_finish(c, ev->id, env->webhook_id, applied, *body, req->actor);
}

void lr_opportunity_event(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                          struct lr_envelope *env)
{
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    int replay = 0;
    char *body = NULL;
    s = lr_opp_begin(c, env->webhook_id, env->body_sha256, env->ev.type_name, env->ev.id, &replay,
                     &body);
    if (s == LR_DB_OK && replay == 0)
        s = decide_and_write(c, req, env, &body);
    if (s != LR_DB_OK) {
        lr_db_rollback(c);
        if (s != LR_DB_UNAVAILABLE)
            lr_log(LR_LOG_ERROR, "opportunity event failed",
                   json_pack("{s:s, s:s}", "opportunity_id", env->ev.id, "error", c->last_error));
    }
    lr_db_release(app->pool, c);
    if (s != LR_DB_OK) {
        free(body);
        lr_problem_db(resp, app, s);
        return;
    }
    answer(resp, replay ? replay : 201, body);
    free(body);
}
