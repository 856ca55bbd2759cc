/* What a rep change may do (SPEC 2.6, 2.7): the no-poaching rule, named owners
 * outside smb, and which round-robin cycles the change touches. */
#ifndef LR_ROUTING_REP_CHANGE_H
#define LR_ROUTING_REP_CHANGE_H

#include <stdbool.h>

#include "routing/types.h"

enum lr_rep_verdict {
    LR_REP_ALLOWED,
    LR_REP_POACHING,   /* no_poaching forbids moving an smb rep out of smb */
    LR_REP_OWNS_NAMED, /* moving to smb a rep who owns named accounts */
};

/* A rep as it was (exists false: a new rep) or is to be. */
struct lr_rep_state {
    bool exists;
    enum lr_segment segment;
    bool active;
    int weight;
};

enum lr_rep_verdict lr_rep_change_verdict(const struct lr_rep_state *before,
                                          const struct lr_rep_state *after, bool no_poaching,
                                          long long named_owned);
/* Whether the verdict needs the count of named accounts the rep owns (a query). */
bool lr_rep_change_needs_named_count(const struct lr_rep_state *before,
                                     const struct lr_rep_state *after);
/* The segments whose cycle must be rebuilt (membership, activity or weight changed;
 * a rename keeps the turn): up to two, written to out; returns how many. */
int lr_rep_change_rebuilds(const struct lr_rep_state *before, const struct lr_rep_state *after,
                           enum lr_segment out[2]);

#endif
