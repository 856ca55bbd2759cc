-- A subject's pending outbox rows are found through its assignments (assignments_subject)
-- and this index, instead of outbox_subject. Every outbox row the lead batch wrote put an
-- entry at a random place of outbox_subject (its key is the lead id): that one entry
-- cost the write lane more than the row and its other two indexes together, about half
-- of what write-back added to a lead (docs/performance.md). assignment_seq only grows,
-- so a new entry goes to the index's last page, as in outbox_due. The look-ups rely on
-- an outbox row and its assignment naming the same subject: lr_write_assignments, the
-- only writer of outbox rows, writes each from the assignment it inserts, and nothing
-- changes an assignment's subject. A subject has few assignments (a lead one or two, an
-- opportunity one per owner), so a look-up reads a handful of entries.
--
-- Building the index holds the outbox's writes, and with them every lead batch while
-- write-back is on, for the time it reads the table; dropping the old one then waits for
-- every open transaction on the outbox while the lead writes queue behind it. On a large
-- outbox, build the index beforehand with CREATE INDEX CONCURRENTLY under this name (the
-- CREATE below then does nothing), and migrate when no long transaction is open. A
-- concurrent build that failed leaves an invalid index of that name, which would turn
-- every look-up into a walk of the table: the migration refuses it.
CREATE INDEX IF NOT EXISTS outbox_pending_seq ON outbox (assignment_seq)
    WHERE status = 'pending';
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_index WHERE indexrelid = 'outbox_pending_seq'::regclass
                                      AND NOT (indisvalid AND indisready)) THEN
        RAISE EXCEPTION 'index outbox_pending_seq is invalid (a CREATE INDEX CONCURRENTLY that failed)'
            USING HINT = 'DROP INDEX outbox_pending_seq, then migrate again.';
    END IF;
END
$$;
DROP INDEX IF EXISTS outbox_subject;
