-- A subject's audit trail, oldest first (SPEC 2.10), by index: the subject index holds
-- every row but a lead's 'decision.made', which is found by its time, the lead's
-- created_at (the same transaction; neither changes), through the BRIN index on the
-- time (migrations/0014).
CREATE OR REPLACE FUNCTION lr_audit_of(p_subject_type text, p_subject_id text)
RETURNS SETOF audit_log
LANGUAGE sql STABLE AS $$
    SELECT x.* FROM (
        SELECT a.* FROM audit_log a
        WHERE a.subject_type = p_subject_type AND a.subject_id = p_subject_id
          AND NOT (a.action = 'decision.made' AND a.subject_type = 'lead')
        UNION ALL
        SELECT a.* FROM leads l JOIN audit_log a ON a.at = l.created_at
        WHERE p_subject_type = 'lead' AND l.id = p_subject_id
          AND a.action = 'decision.made' AND a.subject_type = 'lead' AND a.subject_id = l.id
    ) AS x
    ORDER BY x.id
$$;
