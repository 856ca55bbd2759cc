-- What the delivery workers' updates of the outbox cost (docs/performance.md):
-- - a claim changes only columns no index holds (lease, attempts, times): with room left
--   on each page for the new version, it is a heap-only update and adds no index entry
--   (it added four when pages were full);
-- - the index by status holds only the final statuses an operator looks for among many
--   delivered rows (dead, superseded): a new row (pending, found through outbox_due)
--   and a delivered one (most of the table, listed through the primary key) add no
--   entry to it, one fewer for the lead batch and one fewer for the worker.
-- The fillfactor applies to pages written from now on. Building the index locks the
-- outbox against writes for the time it takes: on a large outbox, migrate in a quiet
-- hour, or create it beforehand by hand with CREATE INDEX CONCURRENTLY (the statement
-- below then does nothing).
ALTER TABLE outbox SET (fillfactor = 70);
CREATE INDEX IF NOT EXISTS outbox_status_final ON outbox (status, id)
    WHERE status IN ('dead', 'superseded');
DROP INDEX outbox_status;
