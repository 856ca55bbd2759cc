/* Deciding again, with the same pure rules as live routing: a review item resolved to
 * a queue (SPEC 2.9), and a stored lead replayed under proposed rules (SPEC 3.3
 * simulate). No I/O. */
#ifndef LR_ROUTING_REDECIDE_H
#define LR_ROUTING_REDECIDE_H

#include "routing/lead.h"
#include "routing/rules.h"

/* The lead rule behind the domain gate of SPEC 2.3: with no domain, or a free-mail
 * one under r, neither enrichment nor the named list is consulted. domain may be NULL. */
void lr_route_lead_at(const struct lr_rules *r, const char *domain, const struct lr_lead_facts *ev,
                      const struct lr_account_facts *acct, const struct lr_named_facts *named,
                      struct lr_decision *out);

/* A review item resolved to queue (a segment): the named owner when the subject's
 * account has one who is active in that very queue, else the queue's round robin;
 * reason review_resolution. domain may be NULL; the gate above applies to it. */
void lr_route_resolution(const struct lr_rules *r, enum lr_segment queue, const char *domain,
                         const struct lr_named_facts *named, struct lr_decision *out);

/* What a stored lead decision recorded, enough to decide it again. */
struct lr_recorded_lead {
    const char *domain;              /* normalised, NULL when none */
    struct lr_lead_facts event;      /* the event's own values, as sent */
    struct lr_account_facts account; /* enrichment values the decision used */
    struct lr_named_facts named;     /* the named owner the decision saw */
};

/* The decision the recorded facts get under r. A lead whose domain the proposed
 * free-mail list now covers loses its enrichment and named owner; a lead whose domain
 * was free mail when decided had neither recorded, so it keeps deciding on its event
 * values alone. Round robin is not run: queue, reason and composite are the rule's. */
void lr_route_recorded(const struct lr_rules *r, const struct lr_recorded_lead *in,
                       struct lr_decision *out);

#endif
