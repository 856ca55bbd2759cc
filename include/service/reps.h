/* Rep changes (SPEC 3.3): one transaction that checks the rules, writes the rep,
 * rebuilds the round-robin cycles it touches and audits it, so that no replica ever
 * takes a turn from a stale cycle. */
#ifndef LR_SERVICE_REPS_H
#define LR_SERVICE_REPS_H

#include "db/pool.h"
#include "db/reps_store.h"
#include "routing/rep_change.h"

struct lr_rep_put_result {
    bool created;
    enum lr_rep_verdict verdict; /* LR_REP_ALLOWED: written */
    char *json;                  /* the rep as the API shows it (caller frees) */
    char detail[512];            /* why a change was refused */
};

enum lr_db_status lr_service_rep_put(struct lr_db_pool *pool, const struct lr_rep *rep,
                                     const char *actor, struct lr_rep_put_result *out);

/* Recomputes one segment's cycle from its active reps, inside the caller's
 * transaction, which must hold the segment's turn lock. */
enum lr_db_status lr_service_rr_rebuild(struct lr_db_conn *c, enum lr_segment seg);

#endif
