/* Reps and the round-robin cycle of each segment, as stored. */
#ifndef LR_DB_REPS_STORE_H
#define LR_DB_REPS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/pool.h"
#include "routing/types.h"

struct lr_rep {
    char id[LR_ID_MAX + 1];
    char name[256];
    enum lr_segment segment;
    bool active;
    int weight;
    /* The rep's user or owner id in the CRM, for write-back (SPEC 3.3): set when
     * has_crm_owner_id and crm_owner_id[0]; cleared when has_crm_owner_id and empty;
     * left as stored when !has_crm_owner_id. */
    bool has_crm_owner_id;
    char crm_owner_id[LR_ID_MAX + 1];
};

/* Locks every segment's turn state, in one fixed order, so that two changes never wait
 * on each other in opposite orders. */
enum lr_db_status lr_reps_lock_turns(struct lr_db_conn *c);
/* The rep as it is, locked; *found false when there is none. *row_json (the stored row,
 * for the audit; caller frees) is set when found. */
enum lr_db_status lr_rep_load_for_update(struct lr_db_conn *c, const char *id, bool *found,
                                         struct lr_rep *out, char **row_json);
/* How many named accounts of this or a later period the rep owns, and the first
 * such period (empty when none). */
enum lr_db_status lr_rep_named_owned(struct lr_db_conn *c, const char *id, long long *count,
                                     char *period, size_t period_len);
/* Creates or changes the rep: *row_json is the stored row (for the audit), *api_json
 * its API form (both caller frees). */
enum lr_db_status lr_rep_upsert(struct lr_db_conn *c, const struct lr_rep *rep, char **row_json,
                                char **api_json);
/* The active reps of a segment in rep-id order (the order of lr_rr_cycle's weights):
 * *ids (an array of n strings in one allocation) and *weights, caller frees both. */
enum lr_db_status lr_rr_members(struct lr_db_conn *c, enum lr_segment seg, char ***ids,
                                int **weights, size_t *n);
/* Replaces the segment's cycle with ids[0..len) and resets its turn to the start. */
enum lr_db_status lr_rr_store(struct lr_db_conn *c, enum lr_segment seg, const char *const *ids,
                              size_t len);
/* {"items": [...]} ordered by id. */
enum lr_db_status lr_reps_list_json(struct lr_db_conn *c, char **json);

#endif
