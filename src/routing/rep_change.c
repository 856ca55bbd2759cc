/* Rep changes: pure rules (see rep_change.h). */
#include "routing/rep_change.h"

enum lr_rep_verdict lr_rep_change_verdict(const struct lr_rep_state *before,
                                          const struct lr_rep_state *after, bool no_poaching,
                                          long long named_owned)
{
    if (before->exists && before->segment == LR_SEG_SMB && after->segment != LR_SEG_SMB &&
        no_poaching)
        return LR_REP_POACHING;
    if (lr_rep_change_needs_named_count(before, after) && named_owned > 0)
        return LR_REP_OWNS_NAMED;
    return LR_REP_ALLOWED;
}

bool lr_rep_change_needs_named_count(const struct lr_rep_state *before,
                                     const struct lr_rep_state *after)
{
    return before->exists && after->segment == LR_SEG_SMB && before->segment != LR_SEG_SMB;
}

int lr_rep_change_rebuilds(const struct lr_rep_state *before, const struct lr_rep_state *after,
                           enum lr_segment out[2])
{
    bool changed = !before->exists || before->segment != after->segment ||
                   before->active != after->active || before->weight != after->weight;
    if (!changed)
        return 0;
    int n = 0;
    if (before->exists && before->segment != LR_SEG_NONE && before->segment != after->segment)
        out[n++] = before->segment;
    out[n++] = after->segment;
    return n;
}
