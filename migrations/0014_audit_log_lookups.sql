-- The audit log's subject index took an entry for every lead's 'decision.made' row:
-- about 160 bytes of WAL per lead, on a random key (page splits), for lookups no query
-- of the service makes. That row is written in the lead's transaction, so its time is
-- the lead's created_at: a BRIN index on the time finds it (and serves any audit query
-- by time window, a sequential scan before), for nearly nothing per insert, and the
-- subject index keeps every other row. lr_audit_of(subject_type, subject_id) is a
-- subject's whole trail through both (docs/operations.md).
DROP INDEX audit_log_subject;
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, id)
    WHERE NOT (action = 'decision.made' AND subject_type = 'lead');
CREATE INDEX audit_log_at ON audit_log USING brin (at) WITH (autosummarize = on);
