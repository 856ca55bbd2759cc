-- Writes assignments with their audit rows: the one place that inserts into assignments,
-- called by lr_route_leads (a lead batch), the opportunity path (first owner, handoff,
-- floor reassignment) and review resolution (db/opportunities_store.c,
-- db/reviews_store.c). Arrays are parallel, one entry per assignment, written in array
-- order (assignments.seq, hence the public id at publication, follows it):
--   p_subject 'lead' or 'opportunity'; p_subject_id; p_queue; p_rep_id (NULL: nobody,
--   the review queue); p_previous_rep_id; p_reason; p_rules_version;
--   p_actor: who the audit rows name;
--   p_decision: when not NULL, the assignment's audit row is a 'decision.made' row, and
--       these keys are added to its after (the lead path: the decision's outcome, its
--       inputs being the lead's columns, which never change, lr_lead_decision);
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
-- pending and go in order. A call whose every entry has a decision (lr_route_leads:
-- each lead's first assignment, the lead inserted in the same transaction and never
-- deleted, migrations/0018) has none of this to do and only inserts its rows. A NOTIFY
-- on leadrouter_outbox wakes the delivery workers at commit. Unset, '' or 'none': no
-- outbox row, no NOTIFY.
--
-- Hand-off (docs/writeback.md): a session whose leadrouter.writeback_handoff holds a
-- lease in seconds (the lead write lane of a replica whose worker runs) takes its new
-- rows on the spot instead of leaving them for a claim: a row whose subject has no
-- other entry in this call and no pending row yet is written leased for that long,
-- its first attempt counted, and its id is appended to the transaction's
-- leadrouter.handoff ('{id,...}'), which lr_commit_leads hands back to the replica's
-- worker. The worker then needs no claim (a walk of the due rows, a lock and an update
-- per row) for the rows of its own writes; a row it cannot send in time is claimed by
-- any replica once the lease has passed, as after a crash. With every new row taken
-- there is nobody to wake, so no NOTIFY.
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
    v_lease integer := nullif(current_setting('leadrouter.writeback_handoff', true), '')::integer;
    v_queued integer;
    v_taken bigint[];
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
    -- A lead's first assignment (an entry with a decision: lr_route_leads writes each
    -- new lead once, in the transaction that inserts it, and leads are never deleted)
    -- has no older outbox row, and its lead no other entry in the call: the lead batch
    -- pays one insert per row, nothing more (the probe, the window and the supersession
    -- below cost it as much as writing the assignments, docs/performance.md).
    IF cardinality(p_decision) = cardinality(p_subject_id)
       AND array_position(p_decision, NULL) IS NULL THEN
        WITH ins_outbox AS (
            INSERT INTO outbox (assignment_seq, subject, subject_id, destination, attempts,
                                first_attempt_at, lease_until, next_attempt_at)
            SELECT u.seq, u.subject, u.sid, v_dest, CASE WHEN v_lease > 0 THEN 1 ELSE 0 END,
                   CASE WHEN v_lease > 0 THEN now() END,
                   CASE WHEN v_lease > 0 THEN now() + make_interval(secs => v_lease) END,
                   CASE WHEN v_lease > 0 THEN now() + make_interval(secs => v_lease)
                        ELSE now() END
            FROM unnest(v_seq, v_subject, v_subject_id) AS u(seq, subject, sid)
            ORDER BY u.seq
            RETURNING outbox.id, outbox.lease_until IS NOT NULL AS taken
        )
        SELECT count(*) FILTER (WHERE NOT i.taken), array_agg(i.id) FILTER (WHERE i.taken)
        INTO v_queued, v_taken FROM ins_outbox i;
    ELSE
        -- The subjects' older pending rows, found by one probe per new row: its subject's
        -- assignments (assignments_subject), then each one's pending row
        -- (outbox_pending_seq, migrations/0019). LATERALs, so parameterised scans: as a
        -- plain subquery it was hashed, which read every pending row for each batch, and a
        -- CRM outage makes them many. They decide the hand-off (take: the condition above)
        -- and what is superseded. This call's assignments are seen, but not their outbox
        -- rows, which this statement inserts: they bring none.
        WITH n AS (
            SELECT u.seq, u.subject, u.sid, old.ids,
                   v_lease > 0 AND old.ids IS NULL
                   AND count(*) OVER (PARTITION BY u.subject, u.sid) = 1 AS take
            FROM unnest(v_seq, v_subject, v_subject_id) AS u(seq, subject, sid)
            CROSS JOIN LATERAL (SELECT array_agg(p.id) AS ids
                                FROM assignments a
                                CROSS JOIN LATERAL (SELECT p.id FROM outbox p
                                                    WHERE p.assignment_seq = a.seq
                                                      AND p.status = 'pending'
                                                    OFFSET 0) AS p
                                WHERE a.subject = u.subject AND a.subject_id = u.sid) AS old
        ),
        -- A row taken is due again only when its lease has passed: the claims' walk of the
        -- due rows (outbox_due, in next_attempt_at order) then never passes over the rows
        -- that wait in the worker or are on the wire, however many they are.
        ins_outbox AS (
            INSERT INTO outbox (assignment_seq, subject, subject_id, destination, attempts,
                                first_attempt_at, lease_until, next_attempt_at)
            SELECT n.seq, n.subject, n.sid, v_dest, CASE WHEN n.take THEN 1 ELSE 0 END,
                   CASE WHEN n.take THEN now() END,
                   CASE WHEN n.take THEN now() + make_interval(secs => v_lease) END,
                   CASE WHEN n.take THEN now() + make_interval(secs => v_lease) ELSE now() END
            FROM n ORDER BY n.seq
            RETURNING outbox.id, outbox.lease_until IS NOT NULL AS taken
        ),
        -- ARRAY() hands the ids to outbox_pkey. "Not final" rather than status = 'pending'
        -- below, so that the partial indexes on pending rows never look cheaper than
        -- outbox_pkey (stale statistics make them look tiny); a row a claim leased meanwhile
        -- is rechecked after its lock and left alone.
        superseded AS (
            UPDATE outbox o SET status = 'superseded', updated_at = now()
            WHERE o.id = ANY (ARRAY(SELECT unnest(n.ids) FROM n WHERE n.ids IS NOT NULL))
              AND o.status NOT IN ('delivered', 'dead', 'superseded') AND o.destination = v_dest
              AND (o.lease_until IS NULL OR o.lease_until <= now())
        )
        SELECT count(*) FILTER (WHERE NOT i.taken), array_agg(i.id) FILTER (WHERE i.taken)
        INTO v_queued, v_taken FROM ins_outbox i;
    END IF;
    IF v_taken IS NOT NULL THEN
        PERFORM set_config('leadrouter.handoff',
                           '{' || concat_ws(',',
                                            nullif(btrim(current_setting('leadrouter.handoff',
                                                                         true), '{}'), ''),
                                            array_to_string(v_taken, ',')) || '}',
                           true);
    END IF;
    IF v_queued > 0 THEN
        PERFORM pg_notify('leadrouter_outbox', '');
    END IF;
    RETURN coalesce(cardinality(p_subject_id), 0);
END
$$;
