-- The write lane's own cost: CPU of one backend per call of lr_commit_leads, each call a
-- transaction of its own, read from the backend's /proc/self/stat before and after (so
-- the machine's other load counts far less than in a timing). For A/B work on the lead
-- batch (docs/performance.md), on a database that `make bench` kept (BENCH_KEEP=1,
-- restarted with `bash scripts/pgtmp.sh start <dir>/pg durable`); it writes real leads
-- into it. Every lead is new, round robin in smb, in one call of `leads` leads. The
-- session's settings choose the variant, for example write-back with the hand-off:
--   PGOPTIONS='-c synchronous_commit=off -c leadrouter.writeback=hubspot
--              -c leadrouter.writeback_handoff=30' \
--     psql "$URL" -X -v batches=600 -v leads=16 -v clk_tck=$(getconf CLK_TCK) \
--          -f bench/batch_cpu.sql
-- prints CPU ms per batch and wall ms per batch. Needs a superuser (it reads /proc).
-- Interleave variants and repeat: a no longer pruned hot row (rr_state, when another
-- session holds a snapshot) or tables grown past shared_buffers move the figure by more
-- than most changes.
\set ON_ERROR_STOP on
-- As a write lane's session (db/limits.c, db/leads_store.c): plans made once, no JIT,
-- the answer of a lead routed now being its review and rep only.
SET plan_cache_mode = force_generic_plan;
SET jit = off;
SET leadrouter.answer = 'owner';
\if :{?clk_tck}
\else
\set clk_tck 100
\endif
CREATE FUNCTION pg_temp.cpu_ticks() RETURNS bigint LANGUAGE sql AS $$
    SELECT f[12]::bigint + f[13]::bigint  -- utime and stime, after "pid (comm) "
    FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ')
          AS f) AS s
$$;
CREATE PROCEDURE pg_temp.batches(n integer, k integer) LANGUAGE plpgsql AS $$
DECLARE
    p text;
    c integer;
BEGIN
    FOR i IN 1..n LOOP
        p := gen_random_uuid()::text;
        SELECT count(*) INTO c FROM lr_commit_leads(
            ARRAY(SELECT 'w-' || p || '-' || g FROM generate_series(1, k) AS g),
            ARRAY(SELECT md5(p || g) FROM generate_series(1, k) AS g),
            ARRAY(SELECT md5(g || '-' || p) FROM generate_series(1, k) AS g),
            ARRAY(SELECT 'd' || g || '.bench.test' FROM generate_series(1, k) AS g),
            ARRAY(SELECT now() FROM generate_series(1, k) AS g),
            ARRAY(SELECT '{"n": 1}'::jsonb FROM generate_series(1, k) AS g),
            array_fill('smb'::text, ARRAY[k]), array_fill('round_robin'::text, ARRAY[k]),
            array_fill(NULL::text, ARRAY[k]), array_fill('composite'::text, ARRAY[k]),
            array_fill('smb'::text, ARRAY[k]), array_fill(1::bigint, ARRAY[k]),
            array_fill('{"decided_at": "2026-12-02T10:00:00Z",
                         "account": {"matched": true, "named_owner": null},
                         "signals": {"employee_count": {"value": 12, "source": "event", "vote": "smb"},
                                     "expected_acv": {"value": 5000.00, "source": "enrichment", "vote": "smb"},
                                     "fit_score": {"value": null, "source": "missing", "vote": null}}}'::jsonb,
                       ARRAY[k]),
            array_fill('webhook'::text, ARRAY[k]), true);
        COMMIT;
    END LOOP;
END
$$;
SELECT pg_temp.cpu_ticks() AS t0, clock_timestamp() AS c0, coalesce(nullif(current_setting('leadrouter.writeback', true), ''), 'none') AS wb \gset
CALL pg_temp.batches(:batches, :leads);
SELECT :'wb' AS writeback, :leads AS leads,
       round((pg_temp.cpu_ticks() - :t0) * 1000.0 / :clk_tck / :batches, 3) AS cpu_ms_per_batch,
       round(extract(epoch FROM clock_timestamp() - :'c0') * 1000 / :batches, 3) AS wall_ms_per_batch;
