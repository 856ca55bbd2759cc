-- A subject's pending outbox rows are found through its assignments (assignments_subject)
-- and this index, instead of outbox_subject. Every outbox row the lead batch wrote put an
-- entry at a random place of outbox_subject (its key is the lead id): that one entry
-- cost the write lane more than the row and its other two indexes together, about half
-- of what write-back added to a lead (docs/performance.md). assignment_seq only grows,
-- so a new entry goes to the index's last page, as in outbox_due. An outbox row and its
-- assignment name the same subject (lr_write_assignments writes one from the other), and
-- a subject has few assignments, so the probe reads a handful of entries. Building the
-- index locks the outbox against writes for the time it takes: on a large outbox,
-- migrate in a quiet hour, or create it beforehand by hand with CREATE INDEX
-- CONCURRENTLY (the statement below then does nothing).
CREATE INDEX IF NOT EXISTS outbox_pending_seq ON outbox (assignment_seq)
    WHERE status = 'pending';
DROP INDEX outbox_subject;
