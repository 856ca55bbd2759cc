-- Writes assignments with their audit rows: the one place that inserts into assignments,
-- called by lr_commit_leads (a lead batch), the opportunity path (first owner, handoff,
-- floor reassignment) and review resolution (db/opportunities_store.c,
-- db/reviews_store.c). Arrays are parallel, one entry per assignment, written in array
-- order (assignments.seq, hence the public id at publication, follows it):
--   p_subject 'lead' or 'opportunity'; p_subject_id; p_queue; p_rep_id (NULL: nobody,
--   the review queue); p_previous_rep_id; p_reason; p_rules_version;
--   p_actor: who the audit rows name;
--   p_decision: when not NULL, a 'decision.made' audit row with this after is written
--       just before the assignment's own (the lead path audits its decision so);
--   p_before: the 'assignment.created' row's before (NULL: none);
--   p_audit: keys added to that row's after, which is always
--       {"queue", "rep_id", "reason"} of the assignment (NULL: none added).
-- Returns the number of assignments written. Publication (the public id) is
-- lr_publish_assignments'.
CREATE OR REPLACE FUNCTION lr_write_assignments(
    p_subject text[], p_subject_id text[], p_queue text[], p_rep_id text[],
    p_previous_rep_id text[], p_reason text[], p_rules_version bigint[], p_actor text[],
    p_decision jsonb[], p_before jsonb[], p_audit jsonb[])
RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    WITH a AS (
        SELECT u.ord, u.subject, u.sid, u.queue, u.rep, u.prev, u.reason, u.rv, u.actor,
               u.decision, u.before,
               jsonb_build_object('queue', u.queue, 'rep_id', u.rep, 'reason', u.reason)
                   || coalesce(u.audit, '{}'::jsonb) AS after
        FROM unnest(p_subject, p_subject_id, p_queue, p_rep_id, p_previous_rep_id, p_reason,
                    p_rules_version, p_actor, p_decision, p_before, p_audit)
             WITH ORDINALITY AS u(subject, sid, queue, rep, prev, reason, rv, actor, decision,
                                  before, audit, ord)
    ),
    ins_assignment AS (
        INSERT INTO assignments (subject, subject_id, queue, rep_id, previous_rep_id, reason,
                                 rules_version)
        SELECT a.subject, a.sid, a.queue, a.rep, a.prev, a.reason, a.rv
        FROM a ORDER BY a.ord
    )
    INSERT INTO audit_log (actor, action, subject_type, subject_id, before, after)
    SELECT a.actor, e.action, a.subject, a.sid,
           CASE e.k WHEN 1 THEN NULL ELSE a.before END,
           CASE e.k WHEN 1 THEN a.decision ELSE a.after END
    FROM a CROSS JOIN (VALUES (1, 'decision.made'), (2, 'assignment.created')) AS e(k, action)
    WHERE e.k = 2 OR a.decision IS NOT NULL
    ORDER BY a.ord, e.k;
    RETURN coalesce(cardinality(p_subject_id), 0);
END
$$;
