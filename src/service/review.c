/* POST /v1/reviews/{id}/resolve: load, decide, one transaction. */
#include "service/review.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit_store.h"
#include "db/opportunities_store.h"
#include "db/reviews_store.h"
#include "routing/redecide.h"
#include "service/rules.h"
#include "util/json.h"

/* The rep the decision names, or the queue's next turn. */
static enum lr_db_status owner_of(struct lr_db_conn *c, const struct lr_decision *d,
                                  enum lr_segment queue, char rep[LR_ID_MAX + 1])
{
    if (d->mode == LR_ASSIGN_REP) {
        snprintf(rep, LR_ID_MAX + 1, "%s", d->rep_id);
        return LR_DB_OK;
    }
    return lr_review_take_turn(c, queue, rep);
}

static enum lr_db_status assign_lead(struct lr_db_conn *c, const struct lr_resolve_request *rq,
                                     const char *lead_id, const struct lr_rules *rules,
                                     char rep[LR_ID_MAX + 1])
{
    struct lr_review_lead lead;
    enum lr_db_status s = lr_review_lock_lead(c, lead_id, rq->period, &lead);
    if (s != LR_DB_OK)
        return s;
    struct lr_decision d;
    lr_route_resolution(rules, rq->queue, lead.has_domain ? lead.domain : NULL, &lead.named, &d);
    if ((s = owner_of(c, &d, rq->queue, rep)) != LR_DB_OK)
        return s;
    return lr_review_assign_lead(c, lead_id, rq->queue, rep,
                                 lead.had_rep ? lead.previous_rep : NULL, rules->version, rq->actor,
                                 rq->review_id, d.mode == LR_ASSIGN_REP);
}

/* Named owner and round robin as for a lead. */
static enum lr_db_status assign_opportunity(struct lr_db_conn *c,
                                            const struct lr_resolve_request *rq,
                                            const char *opportunity_id,
                                            const struct lr_rules *rules, char rep[LR_ID_MAX + 1])
{
    struct lr_opp_resolution before;
    enum lr_db_status s = lr_opp_lock_for_resolution(c, opportunity_id, &before);
    if (s != LR_DB_OK)
        return s;
    struct lr_decision d;
    lr_route_resolution(rules, rq->queue, before.domain[0] ? before.domain : NULL, &before.named,
                        &d);
    if ((s = owner_of(c, &d, rq->queue, rep)) != LR_DB_OK)
        return s;
    return lr_opp_reassign(c, opportunity_id, &before, rq->queue, rep, LR_REASON_REVIEW_RESOLUTION,
                           rq->actor);
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

struct resolve_job {
    const struct lr_resolve_request *rq;
    enum lr_resolve_outcome outcome;
    char *json;
};

static enum lr_db_status resolve_tx(struct lr_db_conn *c, void *arg)
{
    struct resolve_job *job = arg;
    const struct lr_resolve_request *rq = job->rq;
    free(job->json);
    job->json = NULL;
    job->outcome = LR_RESOLVE_DONE;
    struct lr_review_item item;
    char *resolved = NULL;
    const struct lr_rules *rules;
    enum lr_db_status s = lr_review_lock(c, rq->review_id, &item);
    if (s != LR_DB_OK)
        goto out;
    if (!item.found) {
        job->outcome = LR_RESOLVE_NOT_FOUND;
        goto out;
    }
    if (!item.open) {
        job->outcome = LR_RESOLVE_ALREADY;
        job->json = item.json;
        item.json = NULL;
        goto out;
    }
    if ((s = lr_rules_current(c, &rules)) != LR_DB_OK)
        goto out;
    char rep[LR_ID_MAX + 1] = "";
    if (strcmp(item.subject, "lead") == 0)
        s = assign_lead(c, rq, item.subject_id, rules, rep);
    else if (strcmp(item.subject, "opportunity") == 0)
        s = assign_opportunity(c, rq, item.subject_id, rules, rep);
    else
        job->outcome = LR_RESOLVE_UNSUPPORTED;
    if (s != LR_DB_OK || job->outcome != LR_RESOLVE_DONE)
        goto out;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)rq->review_id);
    if ((s = lr_review_mark_resolved(c, rq->review_id, rq->actor, rq->queue, rep, rq->note,
                                     &resolved)) != LR_DB_OK ||
        (s = lr_audit(c, rq->actor, "review.resolved", "review", id, item.json, resolved)) !=
            LR_DB_OK)
        goto out;
    if ((job->json = with_assignment(resolved, item.subject, item.subject_id, rq->queue, rep)) ==
        NULL)
        s = LR_DB_ERROR;
out:
    free(item.json);
    free(resolved);
    return s;
}

enum lr_db_status lr_service_review_resolve(struct lr_db_pool *pool,
                                            const struct lr_resolve_request *rq,
                                            enum lr_resolve_outcome *outcome, char **json)
{
    *json = NULL;
    *outcome = LR_RESOLVE_DONE;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(pool, &c);
    if (s != LR_DB_OK)
        return s;
    struct resolve_job job = {.rq = rq};
    s = lr_db_run_tx(c, resolve_tx, &job);
    lr_db_release(pool, c);
    if (s == LR_DB_NO_ACTIVE_REP) {
        /* The turn failed and the transaction with it: nothing was written. */
        *outcome = LR_RESOLVE_NO_ACTIVE_REP;
        s = LR_DB_OK;
    } else if (s == LR_DB_OK) {
        *outcome = job.outcome;
        *json = job.json;
        job.json = NULL;
    }
    free(job.json);
    return s;
}
