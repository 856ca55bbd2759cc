/* lead.created: read what routing needs, decide with the pure rules, commit once
 * (in a batch with other leads when the server has a batcher). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/decision_json.h"
#include "api/events.h"
#include "db/batcher.h"
#include "db/leads_store.h"
#include "routing/lead.h"
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

void lr_lead_event(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                   struct lr_envelope *env)
{
    const struct lr_event *ev = &env->ev;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    char period[LR_PERIOD_LEN + 1];
    lr_period_of(time(NULL), period);

    /* The free-mail list belongs to the rules, so the domain is looked up first and
     * the match discarded below when the rules call it free mail. */
    struct lr_lead_context ctx;
    const struct lr_rules *rules = NULL;
    s = lr_lead_context_load(c, ev->has_domain ? ev->domain : NULL, period, env->webhook_id,
                             env->body_sha256, &ctx);
    if (s == LR_DB_OK && ctx.seen) {
        answer(resp, ctx.same_body ? 200 : 409, ctx.stored_body);
        lr_lead_context_free(&ctx);
        lr_db_release(app->pool, c);
        return;
    }
    if (s == LR_DB_OK)
        s = lr_db_rules_at(c, ctx.rules_version, &rules);
    if (s != LR_DB_OK) {
        lr_lead_context_free(&ctx);
        lr_db_release(app->pool, c);
        lr_problem_db(resp, app, s);
        return;
    }

    bool freemail = !ev->has_domain || lr_rules_is_freemail(rules, ev->domain);
    struct lr_lead_facts facts = {ev->employees, ev->acv_cents, ev->fit};
    struct lr_account_facts none_acct = {0};
    struct lr_named_facts none_named = {0};
    struct lr_decision d;
    lr_route_lead(rules, &facts, freemail ? &none_acct : &ctx.account,
                  freemail ? &none_named : &ctx.named, &d);

    int64_t version = rules->version;
    lr_lead_context_free(&ctx);
    /* With group commit the lead waits for its batch's transaction on the writer's
     * connection; this one goes back to the pool for the next request's read. The
     * rules belong to the connection's cache, so only their version is kept. */
    if (app->batcher != NULL) {
        lr_db_release(app->pool, c);
        c = NULL;
    }

    char decided_at[40];
    lr_rfc3339_now(decided_at);
    int status = 0;
    char *body = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        json_t *dj = lr_decision_json(&d, env->webhook_id, "lead", ev->id,
                                      ev->has_domain ? ev->domain : NULL, version, decided_at);
        char *djs = dj ? lr_json_dumps(dj) : NULL;
        json_decref(dj);
        if (djs == NULL) {
            s = LR_DB_ERROR;
            break;
        }
        struct lr_lead_write w = {
            .webhook_id = env->webhook_id,
            .body_sha256 = env->body_sha256,
            .lead_id = ev->id,
            .domain = ev->has_domain ? ev->domain : NULL,
            .event_ts = ev->timestamp,
            .body_json = req->body,
            .decision = &d,
            .rules_version = version,
            .decision_json = djs,
            .actor = req->actor,
        };
        s = c != NULL ? lr_lead_commit(c, &w, &status, &body)
                      : lr_batcher_commit(app->batcher, &w, &status, &body);
        free(djs);
        if (s != LR_DB_NO_ACTIVE_REP)
            break;
        /* Nothing was written: the queue is empty, so a human decides (SPEC 2.6). */
        lr_decision_no_active_rep(&d);
    }
    if (c != NULL)
        lr_db_release(app->pool, c);
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    answer(resp, status, body);
    free(body);
}
