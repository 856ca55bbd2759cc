/* PUT /v1/reps/{id}: load, decide, one transaction. */
#include "service/reps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit_store.h"
#include "routing/roundrobin.h"
#include "service/rules.h"

enum lr_db_status lr_service_rr_rebuild(struct lr_db_conn *c, enum lr_segment seg)
{
    char **ids = NULL;
    int *weights = NULL;
    size_t n = 0, total = 0;
    enum lr_db_status s = lr_rr_members(c, seg, &ids, &weights, &n);
    if (s != LR_DB_OK)
        return s;
    for (size_t i = 0; i < n; i++)
        total += (size_t)weights[i];
    size_t *slots = calloc(total + 1, sizeof *slots);
    const char **cycle = calloc(total + 1, sizeof *cycle);
    if (slots == NULL || cycle == NULL) {
        s = LR_DB_ERROR;
    } else {
        size_t len = lr_rr_cycle(weights, n, slots, total);
        for (size_t i = 0; i < len; i++)
            cycle[i] = ids[slots[i]];
        s = lr_rr_store(c, seg, cycle, len);
    }
    free(cycle);
    free(slots);
    free(weights);
    free(ids);
    return s;
}

struct put_job {
    const struct lr_rep *rep;
    const char *actor;
    struct lr_rep_put_result *out;
};

static struct lr_rep_state state_of(bool exists, const struct lr_rep *r)
{
    return (struct lr_rep_state){
        .exists = exists, .segment = r->segment, .active = r->active, .weight = r->weight};
}

static enum lr_db_status put_tx(struct lr_db_conn *c, void *arg)
{
    struct put_job *job = arg;
    struct lr_rep_put_result *out = job->out;
    free(out->json);
    out->json = NULL;
    out->detail[0] = '\0';
    bool exists = false;
    struct lr_rep old;
    char *old_row = NULL, *new_row = NULL;
    const struct lr_rules *rules;
    long long owned = 0;
    char period[16] = "";
    enum lr_db_status s;
    if ((s = lr_reps_lock_turns(c)) != LR_DB_OK ||
        (s = lr_rep_load_for_update(c, job->rep->id, &exists, &old, &old_row)) != LR_DB_OK ||
        (s = lr_rules_current(c, &rules)) != LR_DB_OK)
        goto out;
    struct lr_rep_state before = exists ? state_of(true, &old) : (struct lr_rep_state){0};
    if (!exists)
        before.segment = LR_SEG_NONE;
    struct lr_rep_state after = state_of(true, job->rep);
    if (lr_rep_change_needs_named_count(&before, &after) &&
        (s = lr_rep_named_owned(c, job->rep->id, &owned, period, sizeof period)) != LR_DB_OK)
        goto out;
    out->created = !exists;
    out->verdict = lr_rep_change_verdict(&before, &after, rules->no_poaching, owned);
    if (out->verdict == LR_REP_POACHING) {
        snprintf(out->detail, sizeof out->detail,
                 "rule no_poaching: an smb rep cannot be moved to %s while no_poaching is on",
                 lr_segment_name(job->rep->segment));
        goto out; /* nothing written: the commit only ends the transaction */
    }
    if (out->verdict == LR_REP_OWNS_NAMED) {
        snprintf(out->detail, sizeof out->detail,
                 "the rep owns %lld named accounts (from period %s); named owners cannot be smb "
                 "reps: replace those lists first",
                 owned, period);
        goto out;
    }
    if ((s = lr_rep_upsert(c, job->rep, &new_row, &out->json)) != LR_DB_OK)
        goto out;
    enum lr_segment rebuild[2];
    int nrebuild = lr_rep_change_rebuilds(&before, &after, rebuild);
    for (int i = 0; i < nrebuild && s == LR_DB_OK; i++)
        s = lr_service_rr_rebuild(c, rebuild[i]);
    if (s == LR_DB_OK)
        s = lr_audit(c, job->actor, exists ? "rep.updated" : "rep.created", "rep", job->rep->id,
                     old_row, new_row);
out:
    free(old_row);
    free(new_row);
    return s;
}

enum lr_db_status lr_service_rep_put(struct lr_db_pool *pool, const struct lr_rep *rep,
                                     const char *actor, struct lr_rep_put_result *out)
{
    memset(out, 0, sizeof *out);
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(pool, &c);
    if (s != LR_DB_OK)
        return s;
    struct put_job job = {rep, actor, out};
    s = lr_db_run_tx(c, put_tx, &job);
    lr_db_release(pool, c);
    if (s != LR_DB_OK) {
        free(out->json);
        out->json = NULL;
    }
    return s;
}
