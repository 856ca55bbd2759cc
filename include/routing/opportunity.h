/* Opportunities (SPEC 2.8): first assignment, mid-deal handoff, pricing floor, no
 * flapping and the finder's credit. Pure: no I/O, every fact is passed in. */
#ifndef LR_ROUTING_OPPORTUNITY_H
#define LR_ROUTING_OPPORTUNITY_H

#include <stdbool.h>
#include <stdint.h>

#include "routing/lead.h"
#include "routing/rules.h"
#include "routing/types.h"

enum lr_opp_close {
    LR_OPP_OPEN = 0,
    LR_OPP_WON,  /* stage closed_won */
    LR_OPP_LOST, /* stage closed_lost */
};

/* A stage in the rules' closed_won_stages or closed_lost_stages (compared after
 * lr_stage_normalize) closes an opportunity; any other stage (or none) is open. */
enum lr_opp_close lr_opp_stage_close(const struct lr_rules *r, const char *stage);

/* SPEC 2.8: a deal's own values are its signals. Its acv (expected_acv) and employee
 * count win over the account's modeled values, source event; enrichment fills only
 * what the deal lacks (the fit score, and acv or employee count when the deal has
 * none). */
void lr_opp_signals(const struct lr_rules *r, struct lr_opt_i64 acv_cents,
                    struct lr_opt_i64 employees, const struct lr_account_facts *acct,
                    struct lr_signal out[LR_SIGNAL_COUNT]);

/* What the automatic rules look at: the deal's own values and its current owner. */
struct lr_opp_snapshot {
    bool open;
    enum lr_segment queue; /* LR_SEG_NONE before the first assignment */
    bool owned;            /* a rep holds it (not in review) */
    struct lr_opt_i64 acv_cents, employees;
    bool came_by_handoff;
    bool named; /* the domain is on the active named list (owner mid-market/strategic) */
};

/* Mid-deal handoff trigger: open, owned in smb, and acv or employee count at or above
 * the rules' thresholds. */
bool lr_opp_handoff_due(const struct lr_rules *r, const struct lr_opp_snapshot *s);

/* The queue a handoff moves to: strategic when two of three signals (on the new values)
 * say strategic, else mid_market. */
enum lr_segment lr_opp_handoff_target(const struct lr_signal s[LR_SIGNAL_COUNT]);

/* Pricing floor: open, owned in mid_market, acv known and below the floor, did not come
 * by handoff and not on a named list. */
bool lr_opp_floor_due(const struct lr_rules *r, const struct lr_opp_snapshot *s);

/* The first assignment would put a deal below the floor in mid_market: it starts in smb
 * instead (unless named). An unknown acv is not below the floor. */
bool lr_opp_first_below_floor(const struct lr_rules *r, enum lr_segment queue, bool named,
                              struct lr_opt_i64 acv_cents);

enum lr_opp_move {
    LR_OPP_MOVE_NONE = 0,
    LR_OPP_MOVE_HANDOFF,
    LR_OPP_MOVE_FLOOR,
    LR_OPP_MOVE_FLAP, /* a rule fired after the one automatic move: a human decides */
};

/* The automatic move rule. before is the stored deal, after the deal with the event
 * applied (same owner). The first move is taken whenever a rule holds on after; once
 * auto_moves >= 1, a rule that newly holds (a crossing: it did not hold on before)
 * opens a segment_flap review item, unless one is already open. */
enum lr_opp_move lr_opp_automatic(const struct lr_rules *r, const struct lr_opp_snapshot *before,
                                  const struct lr_opp_snapshot *after, int64_t auto_moves,
                                  bool open_review);

/* The finder's credit in cents: min(cap, acv x commission x credit rate), rounded half
 * up once, in integers. Rates are basis points (0-10000); acv below 10^14 cents. */
int64_t lr_opp_finder_credit(int64_t acv_cents, int32_t commission_bp, int32_t credit_bp,
                             int64_t cap_cents);

/* The stored, locked opportunity (exists = false when the event creates it). */
struct lr_opp_state {
    bool exists;
    enum lr_opp_close outcome; /* LR_OPP_OPEN until a closing stage is applied */
    enum lr_segment queue;
    char rep_id[LR_ID_MAX + 1]; /* "" when nobody owns it */
    enum lr_reason reason;      /* how the current owner (or review) was assigned */
    struct lr_opt_i64 acv_cents, employees;
    int64_t auto_moves;
    bool came_by_handoff;
    bool has_last_ts;
    int64_t last_ts_usec; /* the newest event timestamp applied */
    bool open_review;     /* an open review item exists for it */
};

/* The lead named by lead_id, when it was routed to an owner. */
struct lr_lead_owner {
    bool found;
    enum lr_segment queue;
    char rep_id[LR_ID_MAX + 1];
};

struct lr_opp_input {
    const struct lr_opp_state *state;
    int64_t ts_usec;
    struct lr_opt_i64 acv_cents, employees; /* as the event carries them */
    const char *stage;                      /* NULL when the event has none */
    const struct lr_lead_owner *lead;       /* NULL or not found: route like a lead */
    const struct lr_account_facts *account; /* NULL or not found: no enrichment */
    const struct lr_named_facts *named;     /* NULL or not found: not named */
};

enum lr_opp_action {
    LR_OPP_IGNORE_OUT_OF_ORDER = 0, /* older than the last applied event: recorded only */
    LR_OPP_IGNORE_CLOSED,           /* the deal is already closed: recorded only */
    LR_OPP_FIRST,                   /* created: first assignment (d.mode says how) */
    LR_OPP_KEEP,                    /* values applied, owner unchanged */
    LR_OPP_HANDOFF,                 /* smb owner -> d.queue, a handoff record */
    LR_OPP_FLOOR,                   /* mid_market owner -> smb round robin */
    LR_OPP_FLAP,                    /* owner unchanged, review item segment_flap */
    LR_OPP_BLOCKED,                 /* a move found no active rep: to review */
};

struct lr_opp_decision {
    enum lr_opp_action action;
    enum lr_opp_close close;                /* the state after the event */
    struct lr_opt_i64 acv_cents, employees; /* the values after the event */
    /* queue, reason, composite, signals, account, mode and rep (for LR_ASSIGN_REP or
     * the unchanged owner) of the decision body. */
    struct lr_decision d;
};

/* The event changes nothing and is only recorded: it is older than the newest event
 * applied (out of order), or the deal is closed. */
bool lr_opp_ignores(const struct lr_opp_state *st, int64_t ts_usec);

/* Decides one opportunity event on the locked state. */
void lr_opp_decide(const struct lr_rules *r, const struct lr_opp_input *in,
                   struct lr_opp_decision *out);

/* The assignment the decision asked for found no active rep in its queue: the deal goes
 * to review, reason no_active_rep (a first assignment or a move alike). */
void lr_opp_no_active_rep(struct lr_opp_decision *od);

/* True when the decision assigns (a new assignment row). */
bool lr_opp_assigns(enum lr_opp_action a);

const char *lr_opp_action_name(enum lr_opp_action a);

#endif
