/* The lead decision (SPEC 2.3-2.6): pure, no I/O. */
#ifndef LR_ROUTING_LEAD_H
#define LR_ROUTING_LEAD_H

#include "routing/rules.h"
#include "routing/types.h"

/* What the event itself says. acv is in cents. */
struct lr_lead_facts {
    struct lr_opt_i64 employees, acv_cents, fit;
};

/* What the accounts table holds for the normalised domain. */
struct lr_account_facts {
    bool found;
    struct lr_opt_i64 employees, acv_cents, fit;
};

/* The active named-account entry for the domain, with its owner's state. */
struct lr_named_facts {
    bool found;
    char owner_id[LR_ID_MAX + 1];
    enum lr_segment owner_segment;
    bool owner_active;
};

enum lr_assign_mode {
    LR_ASSIGN_NONE = 0,    /* review: nobody owns it yet */
    LR_ASSIGN_REP,         /* a chosen rep (named owner) */
    LR_ASSIGN_ROUND_ROBIN, /* the next turn in queue */
};

struct lr_decision {
    enum lr_segment queue;
    enum lr_reason reason;
    enum lr_segment composite; /* LR_SEG_REVIEW when no two signals agree */
    struct lr_signal signals[LR_SIGNAL_COUNT];
    bool account_matched; /* enrichment row found (never for free-mail) */
    bool named;           /* domain is on the active named list */
    char named_owner[LR_ID_MAX + 1];
    enum lr_assign_mode mode;
    char rep_id[LR_ID_MAX + 1]; /* set for LR_ASSIGN_REP, or after the turn is taken */
};

/* Merges event and enrichment values into the three signals (enrichment wins). */
void lr_merge_signals(const struct lr_rules *r, const struct lr_lead_facts *ev,
                      const struct lr_account_facts *acct, struct lr_signal out[LR_SIGNAL_COUNT]);

/* Two of three: the segment at least two signals vote for, else LR_SEG_REVIEW with
 * *why set to conflict or insufficient_data. */
enum lr_segment lr_composite(const struct lr_signal s[LR_SIGNAL_COUNT], enum lr_reason *why);

/* The whole lead rule. freemail_domain says the domain is a free-mail one (or absent),
 * in which case acct and named must not be consulted (callers pass found=false). */
void lr_route_lead(const struct lr_rules *r, const struct lr_lead_facts *ev,
                   const struct lr_account_facts *acct, const struct lr_named_facts *named,
                   struct lr_decision *out);

/* The same from signals already merged (an opportunity merges its own way);
 * account_matched: an enrichment row was found. */
void lr_route_signals(const struct lr_signal signals[LR_SIGNAL_COUNT], bool account_matched,
                      const struct lr_named_facts *named, struct lr_decision *out);

/* The round robin found no active rep in queue: the lead goes to review. */
void lr_decision_no_active_rep(struct lr_decision *d);

#endif
