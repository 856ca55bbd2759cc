-- Writes assignments with their audit rows: the one place that inserts into assignments,
-- called by lr_commit_leads (a lead batch), the opportunity path (first owner, handoff,
-- floor reassignment) and review resolution (db/opportunities_store.c,
-- db/reviews_store.c). Arrays are parallel, one entry per assignment, written in array
-- order (assignments.seq, hence the public id at publication, follows it):
--   p_subject 'lead' or 'opportunity'; p_subject_id; p_queue; p_rep_id (NULL: nobody,
--   the review queue); p_previous_rep_id; p_reason; p_rules_version;
--   p_actor: who the audit rows name;
--   p_decision: when not NULL, the assignment's audit row is a 'decision.made' row, and
--       these keys are added to its after (the lead path: the decision's outcome, its
--       inputs being in leads.decision, which never changes);
--   p_before: the audit row's before (NULL: none);
--   p_audit: keys added to that row's after, which is always
--       {"queue", "rep_id", "reason"} of the assignment (NULL: none added).
-- One audit row per assignment: 'assignment.created', or 'decision.made' as above.
-- Returns the number of assignments written. Publication (the public id) is
-- lr_publish_assignments'.
--
-- Write-back (SPEC 3.6): when the session's leadrouter.writeback names a destination
-- (set on every serving connection from the replica's configuration, db/limits.c), each
-- assignment also gets its outbox row in this transaction, so no commit loses its
-- delivery: a CRM destination only those with a rep, the webhook every one (review
-- placements too). Only the newest owner of a subject matters: older pending rows of
-- the subject that are not on the wire (no lease, or a lease that has passed) become
-- superseded; one that is on the wire is left alone, and the claim (db/outbox_store.c)
-- makes the new row wait for it. Two entries of one subject in one call both stay
-- pending and go in order. A NOTIFY on leadrouter_outbox wakes the delivery workers at
-- commit. Unset, '' or 'none': no outbox row, no NOTIFY.
CREATE OR REPLACE FUNCTION lr_write_assignments(
    p_subject text[], p_subject_id text[], p_queue text[], p_rep_id text[],
    p_previous_rep_id text[], p_reason text[], p_rules_version bigint[], p_actor text[],
    p_decision jsonb[], p_before jsonb[], p_audit jsonb[])
RETURNS integer
-- No sequential scan, ever: the outbox starts empty, and a plan cached while it was
-- (plpgsql keeps it for the session) scanned every pending row for each new one, which
-- cut the 32-connection bench with write-back on from about 6,000 to 780 leads/s.
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    v_dest text := nullif(nullif(current_setting('leadrouter.writeback', true), ''), 'none');
    v_queued integer;
    v_seq bigint[];
    v_subject text[];
    v_subject_id text[];
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
        RETURNING assignments.seq, assignments.subject, assignments.subject_id,
                  assignments.rep_id
    ),
    ins_audit AS (
        INSERT INTO audit_log (actor, action, subject_type, subject_id, before, after)
        SELECT a.actor,
               CASE WHEN a.decision IS NULL THEN 'assignment.created' ELSE 'decision.made' END,
               a.subject, a.sid, a.before, a.after || coalesce(a.decision, '{}'::jsonb)
        FROM a ORDER BY a.ord
    )
    -- Unsorted: the arrays line up row for row, and the outbox insert orders by seq.
    SELECT array_agg(i.seq), array_agg(i.subject), array_agg(i.subject_id)
    INTO v_seq, v_subject, v_subject_id
    FROM ins_assignment i
    WHERE v_dest IS NOT NULL AND (v_dest = 'webhook' OR i.rep_id IS NOT NULL);
    -- With write-back off (or nothing to deliver) the outbox is not touched at all: the
    -- lead batch pays for no statement it does not need.
    IF v_seq IS NULL THEN
        RETURN coalesce(cardinality(p_subject_id), 0);
    END IF;
    WITH ins_outbox AS (
        INSERT INTO outbox (assignment_seq, subject, subject_id, destination)
        SELECT u.seq, u.subject, u.sid, v_dest
        FROM unnest(v_seq, v_subject, v_subject_id) AS u(seq, subject, sid)
        ORDER BY u.seq
        RETURNING outbox.subject, outbox.subject_id
    ),
    -- The statement's snapshot does not see the rows inserted just above. The older
    -- rows are found by one probe of outbox_subject per new row (OFFSET 0 keeps the
    -- LATERAL a parameterised scan, ARRAY() hands the ids to outbox_pkey): the plan
    -- must never scan every pending row, which a CRM outage makes many. "Not final"
    -- rather than status = 'pending' below, so that the partial indexes on pending rows
    -- never look cheaper than outbox_pkey (stale statistics make them look tiny); a row
    -- a claim leased meanwhile is rechecked after its lock and left alone.
    superseded AS (
        UPDATE outbox o SET status = 'superseded', updated_at = now()
        WHERE o.id = ANY (ARRAY(
                  SELECT old.id FROM ins_outbox n
                  CROSS JOIN LATERAL (
                      SELECT p.id FROM outbox p
                      WHERE p.subject = n.subject AND p.subject_id = n.subject_id
                        AND p.status = 'pending'
                      OFFSET 0) AS old))
          AND o.status NOT IN ('delivered', 'dead', 'superseded') AND o.destination = v_dest
          AND (o.lease_until IS NULL OR o.lease_until <= now())
    )
    SELECT count(*) INTO v_queued FROM ins_outbox;
    PERFORM pg_notify('leadrouter_outbox', '');
    RETURN coalesce(cardinality(p_subject_id), 0);
END
$$;
