/* Reps and the round-robin cycle of each segment. */
#ifndef LR_DB_REPS_STORE_H
#define LR_DB_REPS_STORE_H

#include <stdbool.h>

#include "db/pool.h"
#include "routing/types.h"

struct lr_rep {
    char id[LR_ID_MAX + 1];
    char name[256];
    enum lr_segment segment;
    bool active;
    int weight;
};

enum lr_rep_outcome {
    LR_REP_CREATED,
    LR_REP_UPDATED,
    LR_REP_POACHING,   /* no_poaching forbids moving an smb rep out of smb */
    LR_REP_OWNS_NAMED, /* moving to smb a rep who owns named accounts */
};

/* Creates or changes a rep in one transaction: locks the affected segments' turn
 * state, audits before/after and rebuilds the round-robin cycle of every segment
 * whose active members or weights changed. detail explains a refusal. */
enum lr_db_status lr_rep_put(struct lr_db_conn *c, const struct lr_rep *rep, const char *actor,
                             enum lr_rep_outcome *outcome, char **rep_json, char *detail,
                             size_t detail_len);

/* {"items": [...]} ordered by id. */
enum lr_db_status lr_reps_list_json(struct lr_db_conn *c, char **json);

/* Recomputes the cycle of one segment inside the caller's transaction, which must
 * hold the segment's rr_state row lock. Resets the turn to the cycle's start. */
enum lr_db_status lr_rr_rebuild(struct lr_db_conn *c, enum lr_segment seg);

#endif
