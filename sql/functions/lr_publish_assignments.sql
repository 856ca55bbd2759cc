-- Assignments get their public id only when published: publication runs under one
-- advisory lock and numbers rows in order, so ids become visible in ascending order
-- and a poller that resumes after the last id it saw never skips a row whose
-- transaction committed late. Returns the number of rows published now.
--
-- Its plans are made once per session, often while assignments is still small: no
-- sequential scan, and no hash or merge join (whose other side would be a scan of all
-- of assignments_pkey), so that none of them reads the whole table once it has grown
-- (the write-back worker publishes at every round of deliveries).
CREATE OR REPLACE FUNCTION lr_publish_assignments() RETURNS bigint
LANGUAGE plpgsql SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
DECLARE
    v_base bigint;
    v_count bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7476910501);
    SELECT coalesce(max(id), 0) INTO v_base FROM assignments;
    WITH pending AS (
        SELECT seq, row_number() OVER (ORDER BY seq) AS rn
        FROM assignments WHERE id IS NULL
    )
    UPDATE assignments a SET id = v_base + p.rn FROM pending p WHERE a.seq = p.seq;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
