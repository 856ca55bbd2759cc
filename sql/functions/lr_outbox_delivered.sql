-- The delivery workers' record of the rows their CRM took (db/outbox_store.c): all the
-- deliveries a worker saw finish at once, in one statement, so that a busy worker
-- writes one transaction per round of answers rather than one per delivery. Each entry
-- is a row id, the attempt that was claimed (a row claimed again since, or changed by
-- an operator, is not this attempt's and is left alone) and the HTTP status. Returns
-- the ids recorded.
CREATE OR REPLACE FUNCTION lr_outbox_delivered(p_id bigint[], p_attempts integer[],
                                               p_status integer[])
RETURNS SETOF bigint
-- Only the round's rows are read, whatever the statistics of a young outbox say: PL/pgSQL
-- keeps the plan for the session (lr_claim_outbox says why). o.id = ANY gives outbox_pkey
-- an index condition in every plan, and "not final" rather than status = 'pending' keeps
-- the partial indexes on pending rows out of it. With only o.id = u.id, a plan made while
-- the outbox was empty read every pending row through a partial index at every round (331
-- ms a round at 100,000 pending rows, against 0.8 ms): the worker fell behind under load,
-- which made the pending rows more and each round slower still.
LANGUAGE plpgsql SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
BEGIN
    RETURN QUERY
    UPDATE outbox o SET status = 'delivered', delivered_at = now(), last_status = u.st,
           last_error = NULL, lease_until = NULL, updated_at = now()
    FROM unnest(p_id, p_attempts, p_status) AS u(id, att, st)
    WHERE o.id = ANY (p_id) AND o.id = u.id AND o.attempts = u.att
      AND o.status NOT IN ('delivered', 'dead', 'superseded')
    RETURNING o.id;
END
$$;
