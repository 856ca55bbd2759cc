-- An outbox row's assignment_seq was a foreign key: each row written ran a trigger query
-- that took a FOR KEY SHARE lock on the assignment inserted just before it, itself a WAL
-- record, and with write-back on every lead of a batch paid that on top of its outbox
-- insert (docs/performance.md; leads' references went the same way in 0013). What it
-- guarded cannot happen: lr_write_assignments, the only writer of outbox rows, writes
-- each from the assignment it inserts in the same call, and no assignment is ever
-- deleted. That was true of the service; it is now the database's rule too.
ALTER TABLE outbox DROP CONSTRAINT outbox_assignment_seq_fkey;
CREATE TRIGGER assignments_never_deleted BEFORE DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION lr_never_deleted('outbox rows');
CREATE TRIGGER assignments_never_truncated BEFORE TRUNCATE ON assignments
    FOR EACH STATEMENT EXECUTE FUNCTION lr_never_deleted('outbox rows');
