/* Opportunities (SPEC 2.8). Pure: the caller has locked the stored deal and read every
 * fact; this decides, the store writes. */
#include "routing/opportunity.h"

#include <string.h>

#include "util/money.h"

enum lr_opp_close lr_opp_stage_close(const struct lr_rules *r, const char *stage)
{
    switch (lr_rules_stage_closes(r, stage)) {
    case 1:
        return LR_OPP_WON;
    case 2:
        return LR_OPP_LOST;
    default:
        return LR_OPP_OPEN;
    }
}

void lr_opp_signals(const struct lr_rules *r, struct lr_opt_i64 acv_cents,
                    struct lr_opt_i64 employees, const struct lr_account_facts *acct,
                    struct lr_signal out[LR_SIGNAL_COUNT])
{
    /* lr_merge_signals lets the vendor's value win; here the deal's own figures are
     * newer than any estimate, so the account only stands in for what the deal lacks. */
    struct lr_account_facts gaps = {0};
    if (acct != NULL && acct->found) {
        gaps = *acct;
        if (acv_cents.present)
            gaps.acv_cents.present = false;
        if (employees.present)
            gaps.employees.present = false;
    }
    struct lr_lead_facts facts = {.employees = employees, .acv_cents = acv_cents};
    lr_merge_signals(r, &facts, &gaps, out);
}

bool lr_opp_handoff_due(const struct lr_rules *r, const struct lr_opp_snapshot *s)
{
    if (!s->open || !s->owned || s->queue != LR_SEG_SMB)
        return false;
    return (s->acv_cents.present && s->acv_cents.v >= r->handoff_acv_cents) ||
           (s->employees.present && s->employees.v >= r->handoff_employees);
}

enum lr_segment lr_opp_handoff_target(const struct lr_signal s[LR_SIGNAL_COUNT])
{
    enum lr_reason why;
    return lr_composite(s, &why) == LR_SEG_STRATEGIC ? LR_SEG_STRATEGIC : LR_SEG_MID_MARKET;
}

bool lr_opp_floor_due(const struct lr_rules *r, const struct lr_opp_snapshot *s)
{
    if (!s->open || !s->owned || s->queue != LR_SEG_MID_MARKET)
        return false;
    return s->acv_cents.present && s->acv_cents.v < r->floor_acv_cents && !s->came_by_handoff &&
           !s->named;
}

bool lr_opp_first_below_floor(const struct lr_rules *r, enum lr_segment queue, bool named,
                              struct lr_opt_i64 acv_cents)
{
    return queue == LR_SEG_MID_MARKET && !named && acv_cents.present &&
           acv_cents.v < r->floor_acv_cents;
}

enum lr_opp_move lr_opp_automatic(const struct lr_rules *r, const struct lr_opp_snapshot *before,
                                  const struct lr_opp_snapshot *after, int64_t auto_moves,
                                  bool open_review)
{
    bool handoff = lr_opp_handoff_due(r, after);
    bool floor = !handoff && lr_opp_floor_due(r, after);
    if (!handoff && !floor)
        return LR_OPP_MOVE_NONE;
    if (auto_moves < 1)
        return handoff ? LR_OPP_MOVE_HANDOFF : LR_OPP_MOVE_FLOOR;
    /* Only a crossing asks a human: a deal that already sat over the line when the last
     * item was decided does not reopen one on every update. */
    bool held = handoff ? lr_opp_handoff_due(r, before) : lr_opp_floor_due(r, before);
    return !held && !open_review ? LR_OPP_MOVE_FLAP : LR_OPP_MOVE_NONE;
}

int64_t lr_opp_finder_credit(int64_t acv_cents, int32_t commission_bp, int32_t credit_bp,
                             int64_t cap_cents)
{
    if (acv_cents <= 0 || commission_bp <= 0 || credit_bp <= 0 || cap_cents <= 0)
        return 0;
    /* acv x c x f / 10^8 overflows 64 bits for large deals, so the whole multiples of
     * 10^8 cents are taken exactly and only the remainder is rounded (once). */
    const int64_t scale = 100000000; /* 10^4 bp x 10^4 bp */
    int64_t p = (int64_t)commission_bp * credit_bp;
    int64_t credit = (acv_cents / scale) * p + lr_div_round_half_up((acv_cents % scale) * p, scale);
    return credit < cap_cents ? credit : cap_cents;
}

static bool named_ok(const struct lr_named_facts *n)
{
    return n != NULL && n->found &&
           (n->owner_segment == LR_SEG_MID_MARKET || n->owner_segment == LR_SEG_STRATEGIC);
}

/* Keeps the current owner, queue and reason in the decision body. */
static void keep_current(const struct lr_opp_state *st, struct lr_decision *d)
{
    d->queue = st->queue;
    d->reason = st->reason;
    memcpy(d->rep_id, st->rep_id, sizeof d->rep_id);
    d->mode = st->rep_id[0] ? LR_ASSIGN_REP : LR_ASSIGN_NONE;
}

static void signals_of(const struct lr_rules *r, const struct lr_opp_input *in,
                       struct lr_opt_i64 acv, struct lr_opt_i64 emp, struct lr_decision *d)
{
    /* The deal's acv stands in for the expected_acv signal; opportunities carry no fit
     * score of their own, so fit can only come from enrichment. */
    lr_opp_signals(r, acv, emp, in->account, d->signals);
    enum lr_reason why;
    d->composite = lr_composite(d->signals, &why);
    d->account_matched = in->account != NULL && in->account->found;
    d->named = named_ok(in->named);
    if (d->named) {
        memcpy(d->named_owner, in->named->owner_id, sizeof d->named_owner);
        d->named_owner[LR_ID_MAX] = '\0';
    }
}

static void first_assignment(const struct lr_rules *r, const struct lr_opp_input *in,
                             struct lr_opp_decision *out)
{
    struct lr_decision *d = &out->d;
    out->action = LR_OPP_FIRST;
    if (in->lead != NULL && in->lead->found && in->lead->rep_id[0] != '\0') {
        signals_of(r, in, out->acv_cents, out->employees, d);
        d->queue = in->lead->queue;
        d->reason = LR_REASON_FROM_LEAD;
        d->mode = LR_ASSIGN_REP;
        memcpy(d->rep_id, in->lead->rep_id, sizeof d->rep_id);
        d->rep_id[LR_ID_MAX] = '\0';
    } else {
        struct lr_signal sig[LR_SIGNAL_COUNT];
        memset(sig, 0, sizeof sig);
        lr_opp_signals(r, out->acv_cents, out->employees, in->account, sig);
        lr_route_signals(sig, in->account != NULL && in->account->found, in->named, d);
    }
    if (lr_opp_first_below_floor(r, d->queue, d->named, out->acv_cents)) {
        d->queue = LR_SEG_SMB;
        d->reason = LR_REASON_BELOW_FLOOR;
        d->mode = LR_ASSIGN_ROUND_ROBIN;
        d->rep_id[0] = '\0';
    }
}

static void handoff_to(const struct lr_opp_input *in, struct lr_decision *d)
{
    d->reason = LR_REASON_MID_DEAL_HANDOFF;
    d->rep_id[0] = '\0';
    if (d->named) {
        d->queue = in->named->owner_segment;
        if (in->named->owner_active) {
            d->mode = LR_ASSIGN_REP;
            memcpy(d->rep_id, d->named_owner, sizeof d->rep_id);
        } else {
            d->mode = LR_ASSIGN_ROUND_ROBIN;
        }
        return;
    }
    d->queue = lr_opp_handoff_target(d->signals);
    d->mode = LR_ASSIGN_ROUND_ROBIN;
}

bool lr_opp_ignores(const struct lr_opp_state *st, int64_t ts_usec)
{
    return st->exists &&
           ((st->has_last_ts && ts_usec < st->last_ts_usec) || st->outcome != LR_OPP_OPEN);
}

void lr_opp_decide(const struct lr_rules *r, const struct lr_opp_input *in,
                   struct lr_opp_decision *out)
{
    const struct lr_opp_state *st = in->state;
    memset(out, 0, sizeof *out);

    if (lr_opp_ignores(st, in->ts_usec)) {
        /* Out of order wins over closed: it says why the values were not used. */
        bool older = st->has_last_ts && in->ts_usec < st->last_ts_usec;
        out->action = older ? LR_OPP_IGNORE_OUT_OF_ORDER : LR_OPP_IGNORE_CLOSED;
        out->close = st->outcome;
        out->acv_cents = st->acv_cents;
        out->employees = st->employees;
        signals_of(r, in, out->acv_cents, out->employees, &out->d);
        keep_current(st, &out->d);
        return;
    }

    /* Fields an update leaves out keep their stored values. */
    out->acv_cents = in->acv_cents.present || !st->exists ? in->acv_cents : st->acv_cents;
    out->employees = in->employees.present || !st->exists ? in->employees : st->employees;
    out->close = lr_opp_stage_close(r, in->stage);

    if (!st->exists) {
        first_assignment(r, in, out);
        return;
    }

    signals_of(r, in, out->acv_cents, out->employees, &out->d);
    keep_current(st, &out->d);
    out->action = LR_OPP_KEEP;
    if (out->close != LR_OPP_OPEN)
        return; /* a deal that closes is not moved: the close settles the credit */

    bool owned = st->rep_id[0] != '\0' && st->queue != LR_SEG_REVIEW;
    struct lr_opp_snapshot before = {
        .open = true,
        .queue = st->queue,
        .owned = owned,
        .acv_cents = st->acv_cents,
        .employees = st->employees,
        .came_by_handoff = st->came_by_handoff,
        .named = out->d.named,
    };
    struct lr_opp_snapshot after = before;
    after.acv_cents = out->acv_cents;
    after.employees = out->employees;

    switch (lr_opp_automatic(r, &before, &after, st->auto_moves, st->open_review)) {
    case LR_OPP_MOVE_HANDOFF:
        out->action = LR_OPP_HANDOFF;
        handoff_to(in, &out->d);
        break;
    case LR_OPP_MOVE_FLOOR:
        out->action = LR_OPP_FLOOR;
        out->d.queue = LR_SEG_SMB;
        out->d.reason = LR_REASON_BELOW_FLOOR;
        out->d.mode = LR_ASSIGN_ROUND_ROBIN;
        out->d.rep_id[0] = '\0';
        break;
    case LR_OPP_MOVE_FLAP:
        out->action = LR_OPP_FLAP;
        out->d.reason = LR_REASON_SEGMENT_FLAP;
        break;
    case LR_OPP_MOVE_NONE:
        break;
    }
}

void lr_opp_no_active_rep(struct lr_opp_decision *od)
{
    if (od->action != LR_OPP_FIRST)
        od->action = LR_OPP_BLOCKED;
    lr_decision_no_active_rep(&od->d);
}

bool lr_opp_assigns(enum lr_opp_action a)
{
    return a == LR_OPP_FIRST || a == LR_OPP_HANDOFF || a == LR_OPP_FLOOR || a == LR_OPP_BLOCKED;
}

const char *lr_opp_action_name(enum lr_opp_action a)
{
    static const char *const names[] = {"ignored_out_of_order",
                                        "ignored_closed",
                                        "first",
                                        "keep",
                                        "handoff",
                                        "floor",
                                        "flap",
                                        "blocked"};
    return (unsigned)a < sizeof names / sizeof *names ? names[a] : "unknown";
}
