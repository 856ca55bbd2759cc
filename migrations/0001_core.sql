-- leadrouter core schema: rules, reps, round robin, enrichment, named accounts,
-- webhook idempotency, leads, review items, assignments, audit log, API tokens.

CREATE FUNCTION lr_rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Money is stored in cents; JSON shows USD with two decimals.
CREATE FUNCTION lr_money(cents bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(cents::numeric / 100, 2)
$$;

CREATE TABLE rules (
    version    bigint PRIMARY KEY CHECK (version >= 1),
    document   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL
);

INSERT INTO rules (version, document, created_by) VALUES (1, '{
  "bands": {
    "employee_count": {"mid_market_min": 51, "strategic_min": 1001},
    "expected_acv": {"mid_market_min": 50000.00, "strategic_min": 500000.00},
    "fit_score": {"mid_market_min": 40, "strategic_min": 80}
  },
  "free_mail_domains": ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com",
                        "icloud.com", "aol.com", "proton.me", "gmx.com"],
  "handoff": {"acv_min": 50000.00, "employee_count_min": 51},
  "pricing_floor_acv": 50000.00,
  "mid_market_commission_rate_bp": 1000,
  "finder_credit_rate_bp": 2000,
  "finder_credit_cap": 5000.00,
  "no_poaching": true
}', 'migration');

CREATE TABLE reps (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    segment    text NOT NULL CHECK (segment IN ('smb', 'mid_market', 'strategic')),
    active     boolean NOT NULL,
    weight     integer NOT NULL CHECK (weight BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Round robin: the cycle of turns for each segment is computed by the routing code
-- (smooth weighted round robin over the active reps) whenever a rep changes, and the
-- turn counter is taken under a row lock, so fairness is exact across replicas and a
-- rolled-back assignment gives its turn back.
CREATE TABLE rr_state (
    segment   text PRIMARY KEY CHECK (segment IN ('smb', 'mid_market', 'strategic')),
    turn      bigint NOT NULL DEFAULT 0,
    cycle_len integer NOT NULL DEFAULT 0
);
INSERT INTO rr_state (segment) VALUES ('smb'), ('mid_market'), ('strategic');

CREATE TABLE rr_schedule (
    segment text NOT NULL REFERENCES rr_state (segment),
    slot    integer NOT NULL,
    rep_id  text NOT NULL REFERENCES reps (id),
    PRIMARY KEY (segment, slot)
);

CREATE TABLE accounts (
    domain             text PRIMARY KEY,
    employee_count     integer CHECK (employee_count BETWEEN 0 AND 10000000),
    expected_acv_cents bigint CHECK (expected_acv_cents >= 0),
    fit_score          smallint CHECK (fit_score BETWEEN 0 AND 100),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE named_accounts (
    period       text NOT NULL CHECK (period ~ '^[0-9]{4}-Q[1-4]$'),
    domain       text NOT NULL,
    owner_rep_id text NOT NULL REFERENCES reps (id),
    PRIMARY KEY (period, domain)
);

-- One row per webhook-id: the idempotency key. The response is stored so that a
-- retry gets the identical body.
CREATE TABLE webhook_events (
    webhook_id      text PRIMARY KEY,
    body_sha256     text NOT NULL,
    event_type      text NOT NULL,
    subject_id      text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    response_status smallint,
    response_body   text
);

CREATE TABLE reviews (
    id              bigserial PRIMARY KEY,
    subject         text NOT NULL CHECK (subject IN ('lead', 'opportunity')),
    subject_id      text NOT NULL,
    reason          text NOT NULL,
    signals         jsonb,
    rules_version   bigint REFERENCES rules (version),
    opened_at       timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolved_at     timestamptz,
    resolved_by     text,
    resolved_queue  text,
    resolved_rep_id text,
    note            text
);
CREATE INDEX reviews_open ON reviews (opened_at, id) WHERE status = 'open';

CREATE TABLE leads (
    id              text PRIMARY KEY,
    webhook_id      text NOT NULL,
    domain          text,
    event_timestamp timestamptz,
    data            jsonb NOT NULL,
    queue           text,
    rep_id          text REFERENCES reps (id),
    reason          text,
    composite_queue text,
    review_id       bigint REFERENCES reviews (id),
    rules_version   bigint REFERENCES rules (version),
    decision        jsonb,
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_decided_at ON leads (decided_at);

-- Assignments get their public id only when published: publication runs under one
-- advisory lock and numbers rows in order, so ids become visible in ascending order
-- and a poller that resumes after the last id it saw never skips a row whose
-- transaction committed late.
CREATE TABLE assignments (
    seq             bigserial PRIMARY KEY,
    id              bigint UNIQUE,
    subject         text NOT NULL CHECK (subject IN ('lead', 'opportunity')),
    subject_id      text NOT NULL,
    queue           text NOT NULL,
    rep_id          text,
    previous_rep_id text,
    reason          text NOT NULL,
    rules_version   bigint,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assignments_unpublished ON assignments (seq) WHERE id IS NULL;
CREATE INDEX assignments_subject ON assignments (subject, subject_id, seq);

CREATE FUNCTION lr_publish_assignments() RETURNS bigint
LANGUAGE plpgsql AS $$
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

CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL,
    action       text NOT NULL,
    subject_type text NOT NULL,
    subject_id   text,
    before       jsonb,
    after        jsonb
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, id);

CREATE FUNCTION lr_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION lr_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION lr_audit_log_append_only();

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('reader', 'ops', 'admin')),
    token_sha256 text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

-- The next turn in a segment's queue (SPEC 2.6), under the segment's row lock, which
-- is held until the caller's transaction ends: a rolled-back assignment gives its turn
-- back. SQLSTATE LR001: the queue has no active rep.
CREATE FUNCTION lr_take_turn(p_queue text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_turn bigint;
    v_len integer;
    v_rep text;
BEGIN
    UPDATE rr_state SET turn = turn + 1
    WHERE segment = p_queue AND cycle_len > 0
    RETURNING turn - 1, cycle_len INTO v_turn, v_len;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active rep in %', p_queue USING ERRCODE = 'LR001';
    END IF;
    SELECT s.rep_id INTO STRICT v_rep FROM rr_schedule s
    WHERE s.segment = p_queue AND s.slot = v_turn % v_len;
    RETURN v_rep;
END
$$;

-- The write half of routing one lead, in one round trip. The decision itself is
-- made by the routing code; this claims the webhook id and the lead id, takes the
-- round-robin turn when asked, and writes lead, review item, assignment, audit rows
-- and the stored response together. SQLSTATE LR001: the queue has no active rep
-- (nothing is written; the caller re-decides to review).
CREATE FUNCTION lr_commit_lead(
    p_webhook_id text, p_body_sha256 text, p_lead_id text, p_domain text,
    p_event_ts timestamptz, p_data jsonb, p_queue text, p_mode text, p_rep_id text,
    p_reason text, p_composite text, p_rules_version bigint, p_decision jsonb,
    p_actor text)
RETURNS TABLE (status integer, body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_rep text := p_rep_id;
    v_review bigint;
    v_hash text;
    v_body text;
    v_decision jsonb;
BEGIN
    INSERT INTO webhook_events (webhook_id, body_sha256, event_type, subject_id)
    VALUES (p_webhook_id, p_body_sha256, 'lead.created', p_lead_id)
    ON CONFLICT (webhook_id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT w.body_sha256, w.response_body INTO v_hash, v_body
        FROM webhook_events w WHERE w.webhook_id = p_webhook_id;
        IF v_hash = p_body_sha256 THEN
            RETURN QUERY SELECT 200, v_body;
        ELSE
            RETURN QUERY SELECT 409, NULL::text;
        END IF;
        RETURN;
    END IF;

    INSERT INTO leads (id, webhook_id, domain, event_timestamp, data)
    VALUES (p_lead_id, p_webhook_id, p_domain, p_event_ts, p_data)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT l.decision::text INTO v_body FROM leads l WHERE l.id = p_lead_id;
        UPDATE webhook_events SET response_status = 200, response_body = v_body
        WHERE webhook_id = p_webhook_id;
        RETURN QUERY SELECT 200, v_body;
        RETURN;
    END IF;

    IF p_mode = 'round_robin' THEN
        v_rep := lr_take_turn(p_queue);
    END IF;

    IF p_queue = 'review' THEN
        INSERT INTO reviews (subject, subject_id, reason, signals, rules_version)
        VALUES ('lead', p_lead_id, p_reason, p_decision -> 'signals', p_rules_version)
        RETURNING id INTO v_review;
    END IF;

    v_decision := p_decision || jsonb_build_object('rep_id', v_rep, 'review_id', v_review);
    UPDATE leads SET queue = p_queue, rep_id = v_rep, reason = p_reason,
        composite_queue = p_composite, review_id = v_review,
        rules_version = p_rules_version, decision = v_decision,
        decided_at = (p_decision ->> 'decided_at')::timestamptz
    WHERE id = p_lead_id;

    INSERT INTO assignments (subject, subject_id, queue, rep_id, reason, rules_version)
    VALUES ('lead', p_lead_id, p_queue, v_rep, p_reason, p_rules_version);

    INSERT INTO audit_log (actor, action, subject_type, subject_id, after) VALUES
        (p_actor, 'decision.made', 'lead', p_lead_id, v_decision),
        (p_actor, 'assignment.created', 'lead', p_lead_id,
         jsonb_build_object('queue', p_queue, 'rep_id', v_rep, 'reason', p_reason,
                            'review_id', v_review));

    v_body := v_decision::text;
    UPDATE webhook_events SET response_status = 201, response_body = v_body
    WHERE webhook_id = p_webhook_id;
    RETURN QUERY SELECT 201, v_body;
END
$$;
