/* Review resolution and replay: thin wrappers over the lead rule, so that live
 * routing, resolution and simulation cannot disagree about what the rules say. */
#include "routing/redecide.h"

#include <string.h>

void lr_route_lead_at(const struct lr_rules *r, const char *domain, const struct lr_lead_facts *ev,
                      const struct lr_account_facts *acct, const struct lr_named_facts *named,
                      struct lr_decision *out)
{
    static const struct lr_account_facts no_acct = {0};
    static const struct lr_named_facts no_named = {0};
    bool freemail = domain == NULL || *domain == '\0' || lr_rules_is_freemail(r, domain);
    lr_route_lead(r, ev, freemail ? &no_acct : acct, freemail ? &no_named : named, out);
}

void lr_route_resolution(const struct lr_rules *r, enum lr_segment queue, const char *domain,
                         const struct lr_named_facts *named, struct lr_decision *out)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < LR_SIGNAL_COUNT; k++)
        out->signals[k].vote = LR_SEG_NONE;
    out->queue = queue;
    out->composite = LR_SEG_NONE;
    out->reason = LR_REASON_REVIEW_RESOLUTION;
    out->mode = LR_ASSIGN_ROUND_ROBIN;
    bool freemail = domain == NULL || *domain == '\0' || lr_rules_is_freemail(r, domain);
    if (freemail || named == NULL || !named->found)
        return;
    /* The owner keeps the account only inside the queue the human chose: an owner of
     * another segment, or a paused one, gives way to that queue's round robin. */
    out->named = true;
    memcpy(out->named_owner, named->owner_id, sizeof out->named_owner);
    out->named_owner[LR_ID_MAX] = '\0';
    if (named->owner_segment == queue && named->owner_active) {
        out->mode = LR_ASSIGN_REP;
        memcpy(out->rep_id, out->named_owner, sizeof out->rep_id);
    }
}

void lr_route_recorded(const struct lr_rules *r, const struct lr_recorded_lead *in,
                       struct lr_decision *out)
{
    lr_route_lead_at(r, in->domain, &in->event, &in->account, &in->named, out);
}
