-- One round-robin turn, for replicas of the previous release only: they call it for
-- opportunity moves and review resolutions while a rolling update is under way. This
-- release takes every turn through lr_take_turns; the next release's migration drops
-- this function (sql/README.md). SQLSTATE LR001: the queue has no active rep.
CREATE OR REPLACE FUNCTION lr_take_turn(p_queue text) RETURNS text
LANGUAGE sql AS $$
    SELECT t.rep_id FROM lr_take_turns(p_queue, 1) AS t
$$;
