-- Leads written in batches (group commit, docs/performance.md): the server commits every
-- lead that arrived while the previous commit was running in one transaction, through
-- this function. Each lead in a batch keeps the guarantees of one lead per transaction:
-- one answer per webhook-id, one decision per lead id, exact round robin, nothing
-- half-written (the batch commits whole or not at all).
--
-- Every row is written once, in its final state: instead of claiming the webhook-id and
-- the lead id with an insert and completing the rows with updates, the batch first
-- takes transaction advisory locks on both ids (any writer of a lead takes them, in one
-- sorted order), then looks the ids up, which is exact under those locks.
--
-- Lock classes (two-key advisory locks; lr_publish_assignments and the migration lock
-- use one-key ones, a separate space).
-- 74769110: a webhook-id of lead.created; 74769111: a lead id.
--
-- The answer for each input position (1-based ord):
--   201 + decision: routed now; in a session whose leadrouter.answer is 'owner' (the
--        service's lanes, db/leads_store.c), only what the database decided, as
--        '<review_id>/<rep_id>' (either side empty for none), and the caller builds the
--        decision's text itself (service/decision_json.c): building and sending the whole
--        text here cost the single writer 4-5% of its time per lead (docs/performance.md);
--   200 + body: a repeat of a webhook-id with the same body (the stored answer, or the
--        answer of its first copy in this batch), or a new webhook-id for a lead that is
--        already routed (that lead's decision);
--   409: the webhook-id was used with another body;
--   -1: the lead's round-robin queue has no active rep: nothing was written for it, and
--       the caller decides again (review, no_active_rep) and sends it again;
--   -2: only when p_wait is false: another transaction holds the turn of the lead's
--       queue, so nothing was written for it; the caller sends it again with p_wait.
--       A batch thus never waits for one busy queue while its other leads could go.
--   0 (ord 0, after the others): the outbox rows handed to this replica's worker.
-- SQLSTATE LR002, nothing written: the batch was decided by a routing cache at a version
-- that is no longer current (the session's leadrouter.decided_at_routing_v).
-- Arrays are parallel, one entry per lead, starting at 1; p_mode is round_robin, rep or none;
-- p_rep_id is the rep for mode rep; p_decision holds the decision's fields that no other
-- array carries: decided_at, account.matched and account.named_owner, signals (earlier
-- releases send the whole decision; its other keys are ignored), one for every lead. The
-- answers are built from the arrays and those fields converted as the lead row is
-- written (lr_lead_answer), so an answer is always what lr_lead_decision rebuilds for
-- its replays.
--
-- The leads routed now are written by lr_route_leads: turns from lr_take_turns (one call
-- per queue, for all its leads of the batch), the assignment with its one audit row from
-- lr_write_assignments. The decision is stored once, as columns of the lead
-- (migrations/0012): lr_lead_decision rebuilds it, and nothing it reads ever changes.
-- The lead's audit row, 'decision.made', holds its outcome (queue, rep, reason, review
-- item, composite queue, rules version) and the stored answers refer to the lead.
CREATE OR REPLACE FUNCTION lr_commit_leads(
    p_webhook_id text[], p_body_sha256 text[], p_lead_id text[], p_domain text[],
    p_event_ts timestamptz[], p_data jsonb[], p_queue text[], p_mode text[], p_rep_id text[],
    p_reason text[], p_composite text[], p_rules_version bigint[], p_decision jsonb[],
    p_actor text[], p_wait boolean DEFAULT true)
RETURNS TABLE (ord integer, status integer, body text)
-- A batch is a few dozen rows; compiling its plan would cost more than running it. The
-- plans are made once per session, often while the tables are still empty: no
-- sequential scan, so that none of them reads a whole table once it has grown.
LANGUAGE plpgsql SET jit = off SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
    v_need text[];
    v_locked text[];
    v_active text[];
    v_keys bigint;
    v_decided_at bigint := nullif(current_setting('leadrouter.decided_at_routing_v', true), '');
    v_owner boolean := coalesce(current_setting('leadrouter.answer', true) = 'owner', false);
BEGIN
    -- A replica's routing cache decided the batch at this version (the calling statement
    -- sets it; empty: decided from a read of the tables). Any write of accounts, named
    -- accounts, reps or rules since then moved the version on (migrations/0015): the
    -- batch is refused whole, and decided again on what changed.
    IF v_decided_at <> (SELECT r.v FROM routing_version r) THEN
        RAISE EXCEPTION 'the batch was decided at routing version %, no longer current',
            v_decided_at USING ERRCODE = 'LR002';
    END IF;
    -- v_keys: the keys locked, two per entry when no id is repeated (below).
    SELECT count(*) INTO v_keys
    FROM (SELECT DISTINCT s.cls, s.h
          FROM (SELECT 74769110 AS cls, hashtext(w) AS h FROM unnest(p_webhook_id) AS w
                UNION ALL
                SELECT 74769111, hashtext(l) FROM unnest(p_lead_id) AS l) AS s
          ORDER BY s.cls, s.h) AS k
    CROSS JOIN LATERAL pg_advisory_xact_lock(k.cls, k.h) AS x;
    -- The turn state of every queue a lead may take a turn in, in the order every writer
    -- of rr_state uses, held to the end: turns are gap-free and a rollback returns them.
    -- v_active: the locked queues that have an active rep (the lock keeps that true to
    -- the end; read here once rather than once per lead).
    SELECT array_agg(DISTINCT u.q) INTO v_need
    FROM unnest(p_queue, p_mode) AS u(q, m) WHERE u.m = 'round_robin';
    IF p_wait THEN
        SELECT array_agg(l.segment), array_agg(l.segment) FILTER (WHERE l.cycle_len > 0)
        INTO v_locked, v_active
        FROM (SELECT s.segment, s.cycle_len FROM rr_state s WHERE s.segment = ANY (v_need)
              ORDER BY s.segment FOR UPDATE) AS l;
    ELSE
        SELECT array_agg(l.segment), array_agg(l.segment) FILTER (WHERE l.cycle_len > 0)
        INTO v_locked, v_active
        FROM (SELECT s.segment, s.cycle_len FROM rr_state s WHERE s.segment = ANY (v_need)
              ORDER BY s.segment FOR UPDATE SKIP LOCKED) AS l;
    END IF;
    v_locked := coalesce(v_locked, '{}');
    v_active := coalesce(v_active, '{}');
    IF cardinality(p_decision) IS DISTINCT FROM cardinality(p_lead_id)
       OR array_position(p_decision, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'every lead needs its decision''s inputs'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The common batch: every webhook-id and lead id new, none twice in the batch (two
    -- keys per entry locked above; ids that share a hash only send it the general way).
    -- Nothing in it is a copy or a replay, so no answer needs settling: executor
    -- start-up and the joins that settle copies and replays were most of a small batch's
    -- cost (docs/performance.md). Exact under the advisory locks.
    IF v_keys = 2 * cardinality(p_lead_id)
       AND NOT EXISTS (SELECT FROM webhook_events w WHERE w.webhook_id = ANY (p_webhook_id))
       AND NOT EXISTS (SELECT FROM leads l WHERE l.id = ANY (p_lead_id)) THEN
        RETURN QUERY
        SELECT i.ord::integer,
               CASE WHEN r.ord IS NOT NULL THEN 201
                    WHEN p_queue[i.ord] = ANY (v_locked) THEN -1
                    ELSE -2 END,
               r.answer
        FROM generate_subscripts(p_lead_id, 1) AS i(ord)
        LEFT JOIN lr_route_leads(
                      ARRAY(SELECT generate_subscripts(p_lead_id, 1)), p_webhook_id,
                      p_body_sha256, p_lead_id, p_domain, p_event_ts, p_data, p_queue, p_mode,
                      p_rep_id, p_reason, p_composite, p_rules_version, p_decision, p_actor,
                      v_active, v_owner) AS r ON r.ord = i.ord
        ORDER BY i.ord;
    ELSE
        RETURN QUERY
        WITH inp AS (
            SELECT u.ord::integer AS ord, u.wid, u.sha, u.lid, u.domain, u.queue, u.reason,
                   u.composite, u.rv
            FROM unnest(p_webhook_id, p_body_sha256, p_lead_id, p_domain, p_queue, p_reason,
                        p_composite, p_rules_version)
                 WITH ORDINALITY AS u(wid, sha, lid, domain, queue, reason, composite, rv, ord)
        ),
        -- Webhook-ids answered before: a probe of the key each (OFFSET 0 keeps the
        -- LATERAL a parameterised index scan), whatever the statistics said when the plan
        -- was made.
        w_old AS (
            SELECT w.webhook_id, w.body_sha256, w.response_body
            FROM (SELECT DISTINCT inp.wid FROM inp) AS i
            CROSS JOIN LATERAL (SELECT w.webhook_id, w.body_sha256,
                                       coalesce(w.response_body,
                                                (SELECT lr_lead_decision(l)::text FROM leads l
                                                 WHERE l.id = w.subject_id)) AS response_body
                                FROM webhook_events w WHERE w.webhook_id = i.wid OFFSET 0) AS w
        ),
        -- The first copy of each new webhook-id in this batch.
        w_first AS (
            SELECT DISTINCT ON (inp.wid) inp.wid, inp.ord FROM inp
            WHERE inp.wid NOT IN (SELECT w_old.webhook_id FROM w_old)
            ORDER BY inp.wid, inp.ord
        ),
        -- Leads routed before.
        l_old AS (
            SELECT l.id, l.decision FROM (SELECT DISTINCT inp.lid FROM inp) AS i
            CROSS JOIN LATERAL (SELECT l.id, lr_lead_decision(l)::text AS decision
                                FROM leads l WHERE l.id = i.lid OFFSET 0) AS l
        ),
        -- The first new webhook-id for each new lead id: it routes the lead.
        l_first AS (
            SELECT DISTINCT ON (inp.lid) inp.lid, inp.ord FROM inp JOIN w_first USING (ord)
            WHERE inp.lid NOT IN (SELECT l_old.id FROM l_old)
            ORDER BY inp.lid, inp.ord
        ),
        -- The leads routed now, written as the common batch's are. Alone in its CTE
        -- beside the one-row aggregate, so that no plan can call it twice (a nested loop
        -- around a LATERAL call runs it again for each outer row).
        routing AS (
            SELECT r.ord, r.rep_id, r.review_id, r.answer
            FROM (SELECT array_agg(l_first.ord ORDER BY l_first.ord) AS ords FROM l_first) AS s
            CROSS JOIN LATERAL lr_route_leads(
                s.ords, p_webhook_id, p_body_sha256, p_lead_id, p_domain, p_event_ts, p_data,
                p_queue, p_mode, p_rep_id, p_reason, p_composite, p_rules_version,
                p_decision, p_actor, v_active, v_owner) AS r
            WHERE s.ords IS NOT NULL
        ),
        fin AS (
            SELECT inp.*, routing.rep_id AS final_rep, routing.review_id, routing.answer
            FROM routing JOIN inp ON inp.ord = routing.ord
        ),
        -- The answer of each first copy of a new webhook-id.
        first_ans AS (
            SELECT w_first.ord,
                   CASE WHEN fin.ord IS NOT NULL THEN 201
                        WHEN l_old.id IS NOT NULL THEN 200
                        WHEN lf.ord <> w_first.ord AND lead_fin.ord IS NOT NULL THEN 200
                        WHEN lead_inp.queue = ANY (v_locked) THEN -1
                        ELSE -2 END AS status,
                   fin.final_rep AS rep, fin.review_id,
                   coalesce(fin.answer,
                            l_old.decision,
                            lr_lead_answer(p_decision[lead_fin.ord], lead_fin.wid,
                                           lead_fin.lid, lead_fin.domain, lead_fin.queue,
                                           lead_fin.reason, lead_fin.composite, lead_fin.rv,
                                           lead_fin.final_rep, lead_fin.review_id)) AS body
            FROM w_first
            JOIN inp ON inp.ord = w_first.ord
            LEFT JOIN fin ON fin.ord = w_first.ord
            LEFT JOIN l_old ON l_old.id = inp.lid
            LEFT JOIN l_first lf ON lf.lid = inp.lid
            LEFT JOIN inp lead_inp ON lead_inp.ord = lf.ord
            LEFT JOIN fin lead_fin ON lead_fin.ord = lf.ord
        ),
        -- A new webhook-id for a lead routed before or by another webhook-id of this
        -- batch (lr_route_leads records the ones that routed a lead): the row refers to
        -- the lead (response_body NULL, migrations/0010) rather than holding its answer.
        ins_webhook AS (
            INSERT INTO webhook_events (webhook_id, body_sha256, event_type, subject_id,
                                        response_status, response_body)
            SELECT inp.wid, inp.sha, 'lead.created', inp.lid, 200, NULL
            FROM first_ans JOIN inp USING (ord)
            WHERE first_ans.status = 200
            ORDER BY first_ans.ord
        )
        SELECT inp.ord,
               CASE WHEN w_old.webhook_id IS NOT NULL
                        THEN CASE WHEN w_old.body_sha256 = inp.sha THEN 200 ELSE 409 END
                    WHEN fa.ord = inp.ord THEN fa.status
                    WHEN first_inp.sha <> inp.sha THEN 409
                    WHEN fa.status < 0 THEN fa.status
                    ELSE 200 END,
               CASE WHEN w_old.webhook_id IS NOT NULL
                        THEN CASE WHEN w_old.body_sha256 = inp.sha THEN w_old.response_body END
                    WHEN fa.ord = inp.ord THEN fa.body
                    -- A copy of a webhook-id routed now gets the whole decision, as a
                    -- replay.
                    WHEN first_inp.sha = inp.sha
                        THEN CASE WHEN v_owner AND fa.status = 201
                                  THEN lr_lead_answer(p_decision[fa.ord], first_inp.wid,
                                                      first_inp.lid, first_inp.domain,
                                                      first_inp.queue, first_inp.reason,
                                                      first_inp.composite, first_inp.rv,
                                                      fa.rep, fa.review_id)
                                  ELSE fa.body END END
        FROM inp
        -- Read here so that the leads are written whatever the plan reads of first_ans.
        CROSS JOIN (SELECT count(*) FROM routing) AS routed
        LEFT JOIN w_old ON w_old.webhook_id = inp.wid
        LEFT JOIN w_first wf ON wf.wid = inp.wid
        LEFT JOIN first_ans fa ON fa.ord = wf.ord
        LEFT JOIN inp first_inp ON first_inp.ord = wf.ord
        ORDER BY inp.ord;
    END IF;
    -- The outbox rows this batch handed to the replica's own worker (hand-off,
    -- lr_write_assignments): one more row, ord 0, status 0, body '{id,...}'. Only a
    -- session that asks for the hand-off gets it.
    RETURN QUERY
    SELECT 0, 0, h.ids
    FROM (SELECT nullif(current_setting('leadrouter.handoff', true), '') AS ids) AS h
    WHERE h.ids IS NOT NULL;
END
$$;
