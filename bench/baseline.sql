-- pgbench script for `make bench`: the per-lead SQL work of the service with one lead
-- per transaction, the baseline that group commit is measured against. The statements
-- are the server's (src/db/leads_store.c): the `lead_contexts` read, then
-- `lr_commit_leads` (migrations/0004) with a batch of one, which locks the webhook-id
-- and lead id, takes the round-robin turn under the segment's row lock and writes lead,
-- assignment, audit rows and the stored response in one transaction. Variables from
-- bench/run.sh: period, body (an event as sent), decision (a decision as the routing
-- code builds it, without rep_id and review_id).
\set n random(1, 9000000000000000000)
\set d random(1, 100000)
\set q random(1, 3)
SELECT (SELECT max(version) FROM rules),
       a.domain IS NOT NULL, a.employee_count, a.expected_acv_cents, a.fit_score,
       n.owner_rep_id, r.segment, r.active,
       w.body_sha256 IS NOT NULL, w.body_sha256 = u.sha, w.response_body
  FROM unnest(ARRAY['d' || :d::text || '.bench.test'], ARRAY['pgb-' || :n::text],
              ARRAY[md5(:n::text)]) WITH ORDINALITY AS u(domain, wid, sha, o)
  LEFT JOIN accounts a ON a.domain = u.domain
  LEFT JOIN named_accounts n ON n.period = :period::text AND n.domain = u.domain
  LEFT JOIN reps r ON r.id = n.owner_rep_id
  LEFT JOIN webhook_events w ON w.webhook_id = u.wid AND w.response_status IS NOT NULL
 ORDER BY u.o;
SELECT ord, status, body FROM lr_commit_leads(ARRAY['pgb-' || :n::text], ARRAY[md5(:n::text)],
    ARRAY['pgb-' || :n::text], ARRAY['d' || :d::text || '.bench.test'], ARRAY[now()],
    ARRAY[(:body::jsonb) -> 'data'], ARRAY[(ARRAY['smb', 'mid_market', 'strategic'])[:q::int]],
    ARRAY['round_robin'], ARRAY[NULL::text], ARRAY['composite'],
    ARRAY[(ARRAY['smb', 'mid_market', 'strategic'])[:q::int]], ARRAY[1::bigint],
    ARRAY[:decision::jsonb], ARRAY['webhook' || chr(58) || 'pgb-' || :n::text], true);
