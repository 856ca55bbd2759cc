-- pgbench script for `make bench`: the per-lead SQL work of the first design, for
-- reference next to bench/baseline.sql. The same `lead_context` read, then
-- lr_commit_lead as migrations/0001 defined it (run.sh installs that body as
-- bench_commit_lead_0001): it claims the webhook-id and the lead id with inserts, takes
-- the turn after them and completes the rows with updates, one lead per transaction.
\set n random(1, 9000000000000000000)
\set d random(1, 100000)
\set q random(1, 3)
SELECT (SELECT max(version) FROM rules),
       a.domain IS NOT NULL, a.employee_count, a.expected_acv_cents, a.fit_score,
       n.owner_rep_id, r.segment, r.active,
       w.body_sha256 IS NOT NULL, w.body_sha256 = md5(:n::text), w.response_body
  FROM (SELECT 1) AS one
  LEFT JOIN accounts a ON a.domain = 'd' || :d::text || '.bench.test'
  LEFT JOIN named_accounts n ON n.period = :period::text AND n.domain = 'd' || :d::text || '.bench.test'
  LEFT JOIN reps r ON r.id = n.owner_rep_id
  LEFT JOIN webhook_events w ON w.webhook_id = 'pgb-' || :n::text AND w.response_status IS NOT NULL;
SELECT status, body FROM bench_commit_lead_0001('pgb-' || :n::text, md5(:n::text), 'pgb-' || :n::text,
    'd' || :d::text || '.bench.test', now(), (:body::jsonb) -> 'data',
    (ARRAY['smb', 'mid_market', 'strategic'])[:q::int], 'round_robin', NULL, 'composite',
    (ARRAY['smb', 'mid_market', 'strategic'])[:q::int], 1::bigint, :decision::jsonb,
    'webhook' || chr(58) || 'pgb-' || :n::text);
