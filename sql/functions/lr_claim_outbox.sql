-- The delivery workers' claim (SPEC 3.6, db/outbox_store.c): up to p_max rows of
-- p_destination that are due (pending, next_attempt_at passed, no lease or a lease that
-- has passed) and whose subject has no older pending row of that destination (per
-- subject, one delivery at a time and in assignment order: a row on the wire stays
-- pending while leased, so the next row of its subject waits for its outcome). Rows
-- another transaction holds are skipped (replicas claiming at once take different
-- rows); each row taken is leased for p_lease_sec seconds and its attempt counted; the
-- first claim of a row (attempts 0, also after an operator's revival) starts its retry
-- schedule. Returns the ids taken, oldest due first.
--
-- The plan is pinned to walking outbox_due in order and stopping after p_max rows, the
-- older-row check being one probe per row walked (a scalar subquery, which is never
-- turned into a join): the subject's assignments (assignments_subject), then each one's
-- pending row (outbox_pending_seq, a LATERAL, so a parameterised scan; migrations/0019).
-- It looks for an older row rather than asking whether the row is the oldest, so that
-- a row is never left unclaimed should its subject and its assignment's ever differ.
-- A CRM outage makes the backlog long, and sorting all of it, which stale statistics on
-- the pending rows make the planner choose, cost 0.4 s per claim at 150,000 rows.
CREATE OR REPLACE FUNCTION lr_claim_outbox(p_destination text, p_max integer,
                                           p_lease_sec integer)
RETURNS SETOF bigint
-- PL/pgSQL so that the session keeps the plan: as a LANGUAGE sql function with a SET
-- clause (never inlined) it was planned at every call, which cost 0.5 ms, ten times the
-- walk itself, on the claims of a busy worker that found nothing.
LANGUAGE plpgsql SET enable_sort = off AS $$
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT o.id FROM outbox o
        WHERE o.status = 'pending' AND o.destination = p_destination
          AND o.next_attempt_at <= now()
          AND (o.lease_until IS NULL OR o.lease_until <= now())
          AND (SELECT p.id FROM assignments a
               CROSS JOIN LATERAL (SELECT p.id FROM outbox p
                                   WHERE p.assignment_seq = a.seq AND p.status = 'pending'
                                     AND p.destination = o.destination AND p.id < o.id
                                   OFFSET 0) AS p
               WHERE a.subject = o.subject AND a.subject_id = o.subject_id
               LIMIT 1) IS NULL
        ORDER BY o.next_attempt_at, o.id
        LIMIT p_max
        FOR UPDATE OF o SKIP LOCKED
    )
    UPDATE outbox o SET lease_until = now() + make_interval(secs => p_lease_sec),
           attempts = o.attempts + 1,
           first_attempt_at = CASE WHEN o.attempts = 0 THEN now() ELSE o.first_attempt_at END,
           updated_at = now()
    WHERE o.id = ANY (ARRAY(SELECT due.id FROM due))
    RETURNING o.id;
END
$$;
