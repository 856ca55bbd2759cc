-- pgbench script for `make bench`: the honest baseline, the minimal durable
-- one-transaction-per-lead design (docs/performance.md). One round trip, one
-- transaction: the account and named-owner lookup, a turn from the queue's sequence, an
-- assignment row that carries the decision as jsonb (unique on the lead id, which
-- idempotency needs) and an audit row. bench/run.sh creates its tables and sequences
-- (bench_min_*) beside the service's and runs it with 8 clients before and after the
-- service. Variables: period (the named-accounts period).
\set n random(1, 9000000000000000000)
\set d random(1, 100000)
\set q random(1, 3)
WITH u AS (
    SELECT 'd' || :d::text || '.bench.test' AS domain, md5(:n::text) AS lead_id,
           (ARRAY['smb', 'mid_market', 'strategic'])[:q::int] AS queue,
           CASE :q::int WHEN 1 THEN nextval('bench_min_turn_1')
                        WHEN 2 THEN nextval('bench_min_turn_2')
                        ELSE nextval('bench_min_turn_3') END AS turn
), ctx AS (
    SELECT u.*, a.employee_count, a.expected_acv_cents, a.fit_score, n.owner_rep_id,
           (SELECT s.rep_id FROM bench_min_schedule s
            WHERE s.segment = u.queue
              AND s.slot = u.turn % (SELECT count(*) FROM bench_min_schedule c
                                     WHERE c.segment = u.queue)) AS rr_rep
    FROM u
    LEFT JOIN accounts a ON a.domain = u.domain
    LEFT JOIN named_accounts n ON n.period = :period::text AND n.domain = u.domain
), asg AS (
    INSERT INTO bench_min_assignments (lead_id, queue, rep_id, decision)
    SELECT ctx.lead_id, ctx.queue, coalesce(ctx.owner_rep_id, ctx.rr_rep),
           jsonb_build_object('queue', ctx.queue, 'rep_id', coalesce(ctx.owner_rep_id, ctx.rr_rep),
                              'reason', CASE WHEN ctx.owner_rep_id IS NULL THEN 'composite'
                                             ELSE 'named_account' END,
                              'signals', jsonb_build_object(
                                  'employee_count', ctx.employee_count,
                                  'expected_acv_cents', ctx.expected_acv_cents,
                                  'fit_score', ctx.fit_score),
                              'account', jsonb_build_object('domain', ctx.domain),
                              'decided_at', now())
    FROM ctx
    RETURNING id, lead_id, decision
)
INSERT INTO bench_min_audit (assignment_id, action, after)
SELECT asg.id, 'assignment.created', asg.decision FROM asg;
