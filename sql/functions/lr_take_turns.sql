-- The next p_n turns of a queue's round robin (SPEC 2.6), in order: rows k = 1..p_n,
-- each with the rep whose turn it is. The one place that moves rr_state.turn (reps_store
-- only resets it when the cycle is rebuilt), for one turn (opportunity moves, review
-- resolution: p_n = 1) and for a batch of leads alike.
--
-- The turns are taken under the queue's rr_state row lock, held until the caller's
-- transaction ends: turns are gap-free, exact across replicas, and a rolled-back
-- assignment gives its turns back. A caller that must not wait for that lock takes it
-- itself first (lr_commit_leads: FOR UPDATE SKIP LOCKED) and calls this only for the
-- queues it holds. SQLSTATE LR001: the queue has no active rep (nothing is changed).
-- p_n < 1 takes no turn and returns no row.
CREATE OR REPLACE FUNCTION lr_take_turns(p_queue text, p_n integer DEFAULT 1)
RETURNS TABLE (k integer, rep_id text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_base bigint;
    v_len integer;
BEGIN
    IF p_n IS NULL OR p_n < 1 THEN
        RETURN;
    END IF;
    UPDATE rr_state s SET turn = s.turn + p_n
    WHERE s.segment = p_queue AND s.cycle_len > 0
    RETURNING s.turn - p_n, s.cycle_len INTO v_base, v_len;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active rep in %', p_queue USING ERRCODE = 'LR001';
    END IF;
    RETURN QUERY
    SELECT g.k, sch.rep_id
    FROM generate_series(1, p_n) AS g(k)
    LEFT JOIN rr_schedule sch
           ON sch.segment = p_queue AND sch.slot = (v_base + g.k - 1) % v_len
    ORDER BY g.k;
END
$$;
