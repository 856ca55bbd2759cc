-- Routes and writes the leads of a batch that are routed now (lr_commit_leads, its only
-- caller): the entries at positions p_ord (1-based, ascending) of lr_commit_leads's
-- arrays, each a new lead id under a new webhook-id, none twice. Takes their turns,
-- writes their review items, leads, assignments with their audit rows (and outbox rows,
-- lr_write_assignments) and the 201 record of their webhook-ids. The caller holds the
-- ids' advisory locks and the turn rows of p_active, the round-robin queues it locked
-- that have an active rep; a round-robin lead of any other queue is not written and has
-- no row here. Returns each written lead's position, rep, review item and answer: with
-- p_owner (the service's lanes) '<review_id>/<rep_id>', either side empty for none, whose
-- text the service writes; otherwise the decision (lr_lead_answer).
--
-- One statement for the common batch and for the general one: lr_commit_leads calls it
-- with every position when no id of the batch is known or repeated, and otherwise with
-- the first copies of new leads only, after the answers of the others are settled.
CREATE OR REPLACE FUNCTION lr_route_leads(
    p_ord integer[], p_webhook_id text[], p_body_sha256 text[], p_lead_id text[],
    p_domain text[], p_event_ts timestamptz[], p_data jsonb[], p_queue text[],
    p_mode text[], p_rep_id text[], p_reason text[], p_composite text[],
    p_rules_version bigint[], p_decision jsonb[], p_actor text[], p_active text[],
    p_owner boolean)
RETURNS TABLE (ord integer, rep_id text, review_id bigint, answer text)
-- As lr_commit_leads: a plan made once per session, never compiled, no sequential scan.
LANGUAGE plpgsql SET jit = off SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off AS $$
#variable_conflict use_column
BEGIN
    -- The event and the decision, most of a lead's bytes, stay in their arrays and are
    -- read by position where they are written: every CTE below is materialised, some of
    -- them sorted, and copying them into each showed as 5% of the writer's time in a
    -- profile (docs/performance.md).
    RETURN QUERY
    WITH inp AS (
        SELECT o.ord, p_webhook_id[o.ord] AS wid, p_lead_id[o.ord] AS lid,
               p_domain[o.ord] AS domain, p_event_ts[o.ord] AS ets, p_queue[o.ord] AS queue,
               p_mode[o.ord] AS mode, p_rep_id[o.ord] AS rep, p_reason[o.ord] AS reason,
               p_composite[o.ord] AS composite, p_rules_version[o.ord] AS rv,
               p_actor[o.ord] AS actor
        FROM unnest(p_ord) AS o(ord)
    ),
    -- Without those whose queue has nobody to take the turn, or is held elsewhere.
    newl AS (
        SELECT inp.*,
               row_number() OVER (PARTITION BY inp.mode, inp.queue ORDER BY inp.ord) AS rk
        FROM inp
        WHERE inp.mode <> 'round_robin' OR inp.queue = ANY (p_active)
    ),
    -- The turns of each queue, taken at once: the queue's k-th lead takes its k-th turn.
    turns AS (
        SELECT c.queue, t.k, t.rep_id
        FROM (SELECT newl.queue, count(*)::integer AS n FROM newl
              WHERE newl.mode = 'round_robin' GROUP BY newl.queue) AS c
        CROSS JOIN LATERAL lr_take_turns(c.queue, c.n) AS t
    ),
    routed AS (
        SELECT newl.*, CASE newl.mode WHEN 'round_robin' THEN t.rep_id
                                      WHEN 'rep' THEN newl.rep END AS final_rep
        FROM newl
        LEFT JOIN turns t ON newl.mode = 'round_robin' AND t.queue = newl.queue
                         AND t.k = newl.rk
    ),
    rev AS (
        INSERT INTO reviews (subject, subject_id, reason, signals, rules_version)
        SELECT 'lead', routed.lid, routed.reason, p_decision[routed.ord] -> 'signals', routed.rv
        FROM routed WHERE routed.queue = 'review' ORDER BY routed.ord
        RETURNING reviews.id, reviews.subject_id
    ),
    fin AS (
        SELECT routed.*, rev.id AS review_id
        FROM routed LEFT JOIN rev ON rev.subject_id = routed.lid
    ),
    ins_lead AS (
        INSERT INTO leads (id, webhook_id, domain, event_timestamp, data, queue, rep_id,
                           reason, composite_queue, review_id, rules_version, decided_at,
                           account_matched, named_owner, employee_count,
                           employee_count_source, employee_count_vote, expected_acv_cents,
                           expected_acv_source, expected_acv_vote, fit_score,
                           fit_score_source, fit_score_vote)
        SELECT fin.lid, fin.wid, fin.domain, fin.ets, p_data[fin.ord], fin.queue, fin.final_rep,
               fin.reason, fin.composite, fin.review_id, fin.rv,
               (x.d ->> 'decided_at')::timestamptz,
               (x.d #>> '{account,matched}')::boolean,
               x.d #>> '{account,named_owner}',
               (x.d #>> '{signals,employee_count,value}')::bigint,
               x.d #>> '{signals,employee_count,source}',
               x.d #>> '{signals,employee_count,vote}',
               round((x.d #>> '{signals,expected_acv,value}')::numeric * 100)::bigint,
               x.d #>> '{signals,expected_acv,source}',
               x.d #>> '{signals,expected_acv,vote}',
               (x.d #>> '{signals,fit_score,value}')::bigint,
               x.d #>> '{signals,fit_score,source}',
               x.d #>> '{signals,fit_score,vote}'
        FROM fin CROSS JOIN LATERAL (SELECT p_decision[fin.ord] AS d) AS x ORDER BY fin.ord
    ),
    -- The batch sorted once for all the arrays: an ORDER BY inside each array_agg would
    -- sort it once per array (PostgreSQL 15 does not share them). The arrays line up
    -- whatever the order, since every row feeds all of them; the order only numbers the
    -- batch's assignments (seq) in arrival order. Read by the final SELECT (one row), so
    -- that it runs: a SELECT in WITH runs only as far as it is read.
    written AS (
        SELECT lr_write_assignments(
                   array_agg('lead'::text), array_agg(f.lid), array_agg(f.queue),
                   array_agg(f.final_rep), array_agg(NULL::text), array_agg(f.reason),
                   array_agg(f.rv), array_agg(f.actor),
                   array_agg(jsonb_build_object('review_id', f.review_id,
                                                'composite_queue', f.composite,
                                                'rules_version', f.rv)),
                   array_agg(NULL::jsonb), array_agg(NULL::jsonb)
               ) AS n
        FROM (SELECT fin.* FROM fin ORDER BY fin.ord) AS f
    ),
    -- The answer is always the decision of the delivery's lead: the row refers to it
    -- (response_body NULL, migrations/0010) rather than holding another copy.
    ins_webhook AS (
        INSERT INTO webhook_events (webhook_id, body_sha256, event_type, subject_id,
                                    response_status, response_body)
        SELECT fin.wid, p_body_sha256[fin.ord], 'lead.created', fin.lid, 201, NULL
        FROM fin ORDER BY fin.ord
    )
    SELECT fin.ord, fin.final_rep, fin.review_id,
           CASE WHEN p_owner THEN coalesce(fin.review_id::text, '') || '/'
                                  || coalesce(fin.final_rep, '')
                ELSE lr_lead_answer(p_decision[fin.ord], fin.wid, fin.lid, fin.domain, fin.queue,
                                    fin.reason, fin.composite, fin.rv, fin.final_rep,
                                    fin.review_id) END
    FROM fin CROSS JOIN written
    ORDER BY fin.ord;
END
$$;
