/* The stored lead decisions a simulation replays (SPEC 3.3 simulate). */
#ifndef LR_DB_SIMULATE_STORE_H
#define LR_DB_SIMULATE_STORE_H

#include <stdint.h>

#include "db/pool.h"
#include "routing/redecide.h"

struct lr_sim_lead {
    const char *id;
    enum lr_segment current;       /* where the lead is now (after any review resolution) */
    enum lr_reason current_reason; /* why it is there */
    struct lr_recorded_lead recorded;
};

/* Called once per lead; the strings are valid during the call only. */
typedef void (*lr_sim_visit)(void *arg, const struct lr_sim_lead *lead);

/* Streams every lead decided in [since, until) (RFC 3339 texts; NULL: open-ended) in
 * decision order through a cursor, in one read-only snapshot, and reports the rules
 * version in force in that snapshot. Nothing is written. */
enum lr_db_status lr_simulate_scan(struct lr_db_conn *c, const char *since, const char *until,
                                   int64_t *rules_version, lr_sim_visit visit, void *arg);

#endif
