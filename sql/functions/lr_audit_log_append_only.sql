-- Trigger function of audit_log (triggers audit_log_no_update, audit_log_no_truncate in
-- migrations/0001): the audit log is append-only.
CREATE OR REPLACE FUNCTION lr_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
