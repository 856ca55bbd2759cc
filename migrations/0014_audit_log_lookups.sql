-- The audit log's subject index took an entry for every lead's 'decision.made' row:
-- about 160 bytes of WAL per lead, on a random key (page splits), for lookups no query
-- of the service makes. That row is written in the lead's transaction, so its time is
-- the lead's created_at: a BRIN index on the time finds it (and serves any audit query
-- by time window, a sequential scan before), for nearly nothing per insert, and the
-- subject index keeps every other row. lr_audit_of(subject_type, subject_id) is a
-- subject's whole trail through both (docs/operations.md).
--
-- Built in the migration's transaction, the new indexes hold inserts into audit_log,
-- and so every lead, until they are built: on a large log, migrate in a quiet hour, or
-- create them beforehand by hand with CREATE INDEX CONCURRENTLY under these names,
-- which makes the two statements below no-ops (as for 0008).
CREATE INDEX IF NOT EXISTS audit_log_subject_trail ON audit_log (subject_type, subject_id, id)
    WHERE NOT (action = 'decision.made' AND subject_type = 'lead');
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log USING brin (at) WITH (autosummarize = on);
DROP INDEX IF EXISTS audit_log_subject;
