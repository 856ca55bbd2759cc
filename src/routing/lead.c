/* The lead decision (SPEC 2.3-2.6). Pure: everything it needs is passed in. */
#include "routing/lead.h"

#include <string.h>

enum lr_segment lr_band_vote(const struct lr_rules *r, enum lr_signal_kind k, int64_t value)
{
    const struct lr_band *b = &r->bands[k];
    if (value < b->mid_market_min)
        return LR_SEG_SMB;
    if (value < b->strategic_min)
        return LR_SEG_MID_MARKET;
    return LR_SEG_STRATEGIC;
}

static void merge_one(const struct lr_rules *r, enum lr_signal_kind k, struct lr_opt_i64 ev,
                      struct lr_opt_i64 acct, struct lr_signal *out)
{
    /* Form fields are self-reported; the vendor's value wins where both exist. */
    if (acct.present) {
        out->present = true;
        out->value = acct.v;
        out->source = LR_SRC_ENRICHMENT;
    } else if (ev.present) {
        out->present = true;
        out->value = ev.v;
        out->source = LR_SRC_EVENT;
    } else {
        out->present = false;
        out->value = 0;
        out->source = LR_SRC_MISSING;
    }
    out->vote = out->present ? lr_band_vote(r, k, out->value) : LR_SEG_NONE;
}

void lr_merge_signals(const struct lr_rules *r, const struct lr_lead_facts *ev,
                      const struct lr_account_facts *acct, struct lr_signal out[LR_SIGNAL_COUNT])
{
    static const struct lr_account_facts none = {0};
    if (acct == NULL || !acct->found)
        acct = &none;
    merge_one(r, LR_SIG_EMPLOYEES, ev->employees, acct->employees, &out[LR_SIG_EMPLOYEES]);
    merge_one(r, LR_SIG_ACV, ev->acv_cents, acct->acv_cents, &out[LR_SIG_ACV]);
    merge_one(r, LR_SIG_FIT, ev->fit, acct->fit, &out[LR_SIG_FIT]);
}

enum lr_segment lr_composite(const struct lr_signal s[LR_SIGNAL_COUNT], enum lr_reason *why)
{
    int votes[LR_SEGMENT_COUNT] = {0};
    int present = 0;
    for (int i = 0; i < LR_SIGNAL_COUNT; i++) {
        if (!s[i].present)
            continue;
        present++;
        votes[s[i].vote]++;
    }
    for (int seg = 0; seg < LR_SEGMENT_COUNT; seg++) {
        if (votes[seg] >= 2) {
            *why = LR_REASON_COMPOSITE;
            return (enum lr_segment)seg;
        }
    }
    *why = present >= 2 ? LR_REASON_CONFLICT : LR_REASON_INSUFFICIENT_DATA;
    return LR_SEG_REVIEW;
}

void lr_route_lead(const struct lr_rules *r, const struct lr_lead_facts *ev,
                   const struct lr_account_facts *acct, const struct lr_named_facts *named,
                   struct lr_decision *out)
{
    /* Zeroed: decisions are compared and stored byte for byte, padding included. */
    struct lr_signal sig[LR_SIGNAL_COUNT];
    memset(sig, 0, sizeof sig);
    lr_merge_signals(r, ev, acct, sig);
    lr_route_signals(sig, acct != NULL && acct->found, named, out);
}

void lr_route_signals(const struct lr_signal signals[LR_SIGNAL_COUNT], bool account_matched,
                      const struct lr_named_facts *named, struct lr_decision *out)
{
    memset(out, 0, sizeof *out);
    /* Field by field: a struct copy may carry the source's padding, and decisions are
     * compared byte for byte. */
    for (int k = 0; k < LR_SIGNAL_COUNT; k++) {
        out->signals[k].present = signals[k].present;
        out->signals[k].value = signals[k].value;
        out->signals[k].source = signals[k].source;
        out->signals[k].vote = signals[k].vote;
    }
    out->account_matched = account_matched;
    enum lr_reason why;
    out->composite = lr_composite(out->signals, &why);

    bool named_ok =
        named != NULL && named->found &&
        (named->owner_segment == LR_SEG_MID_MARKET || named->owner_segment == LR_SEG_STRATEGIC);
    if (named_ok) {
        out->named = true;
        memcpy(out->named_owner, named->owner_id, sizeof out->named_owner);
        out->named_owner[LR_ID_MAX] = '\0';
        out->queue = named->owner_segment;
        if (named->owner_active) {
            out->reason = LR_REASON_NAMED_ACCOUNT;
            out->mode = LR_ASSIGN_REP;
            memcpy(out->rep_id, out->named_owner, sizeof out->rep_id);
        } else {
            out->reason = LR_REASON_NAMED_OWNER_INACTIVE;
            out->mode = LR_ASSIGN_ROUND_ROBIN;
        }
        return;
    }

    out->queue = out->composite;
    out->reason = why;
    out->mode = out->composite == LR_SEG_REVIEW ? LR_ASSIGN_NONE : LR_ASSIGN_ROUND_ROBIN;
}

void lr_decision_no_active_rep(struct lr_decision *d)
{
    d->queue = LR_SEG_REVIEW;
    d->reason = LR_REASON_NO_ACTIVE_REP;
    d->mode = LR_ASSIGN_NONE;
    d->rep_id[0] = '\0';
}
