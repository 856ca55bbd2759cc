/* Group commit for lead.created: the leads that arrive while one transaction commits
 * are written together by the next one (docs/performance.md). */
#ifndef LR_DB_BATCHER_H
#define LR_DB_BATCHER_H

#include "db/leads_store.h"

struct lr_batcher;

/* Starts the writer thread with its own PostgreSQL connection (opened lazily, so the
 * server starts while PostgreSQL is down). batch_max: leads per transaction at most.
 * NULL when out of resources. */
struct lr_batcher *lr_batcher_new(const char *conninfo, unsigned batch_max);

/* Writes what is queued, then stops the thread and frees everything. Callers must have
 * returned from lr_batcher_commit first. */
void lr_batcher_free(struct lr_batcher *b);

/* lr_lead_commit through the batcher: blocks until the lead's transaction has
 * committed (or failed), with the same answers. */
enum lr_db_status lr_batcher_commit(struct lr_batcher *b, const struct lr_lead_write *w,
                                    int *status, char **body);

#endif
