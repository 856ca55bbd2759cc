-- Opportunities (SPEC 2.8): the deal, its handoff record with the finder's credit, and a
-- log of every delivery, applied or ignored. The decisions are made by the routing code
-- on the row locked FOR UPDATE, so concurrent updates of one deal apply one at a time.

CREATE TABLE opportunities (
    id              text PRIMARY KEY,
    lead_id         text,
    domain          text,
    acv_cents       bigint CHECK (acv_cents >= 0),
    employee_count  integer CHECK (employee_count BETWEEN 0 AND 10000000),
    stage           text,
    is_closed       boolean NOT NULL DEFAULT false,
    outcome         text CHECK (outcome IN ('won', 'lost')),
    queue           text CHECK (queue IN ('smb', 'mid_market', 'strategic', 'review')),
    rep_id          text REFERENCES reps (id),
    -- How the current owner (or the review queue) was reached.
    reason          text,
    composite_queue text,
    -- The newest review item opened for the deal.
    review_id       bigint REFERENCES reviews (id),
    rules_version   bigint REFERENCES rules (version),
    -- Automatic moves taken (handoff or floor): the service takes at most one.
    auto_moves      integer NOT NULL DEFAULT 0 CHECK (auto_moves >= 0),
    came_by_handoff boolean NOT NULL DEFAULT false,
    -- The newest event timestamp applied: older deliveries are recorded and ignored.
    last_event_ts   timestamptz,
    data            jsonb NOT NULL DEFAULT '{}',
    -- The body answered for the last applied event.
    decision        jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    CHECK (is_closed = (outcome IS NOT NULL))
);
CREATE INDEX opportunities_created_at ON opportunities (created_at);
CREATE INDEX opportunities_closed_at ON opportunities (closed_at) WHERE is_closed;
CREATE INDEX opportunities_open_queue ON opportunities (queue) WHERE NOT is_closed;

-- At most one handoff per deal: the service moves a deal automatically once. The terms
-- are copied from the rules version in force at the handoff, so a later rules change
-- does not rewrite what the finder was promised.
CREATE TABLE handoffs (
    id                 bigserial PRIMARY KEY,
    opportunity_id     text NOT NULL UNIQUE REFERENCES opportunities (id),
    finder_rep_id      text NOT NULL REFERENCES reps (id),
    receiver_rep_id    text NOT NULL REFERENCES reps (id),
    from_queue         text NOT NULL,
    to_queue           text NOT NULL,
    credit_rate_bp     integer NOT NULL CHECK (credit_rate_bp BETWEEN 0 AND 10000),
    commission_rate_bp integer NOT NULL CHECK (commission_rate_bp BETWEEN 0 AND 10000),
    cap_cents          bigint NOT NULL CHECK (cap_cents >= 0),
    rules_version      bigint NOT NULL REFERENCES rules (version),
    at                 timestamptz NOT NULL DEFAULT now(),
    credit_status      text NOT NULL DEFAULT 'pending'
                       CHECK (credit_status IN ('pending', 'earned', 'forfeited')),
    credit_cents       bigint CHECK (credit_cents >= 0),
    settled_at         timestamptz,
    CHECK ((credit_status = 'earned') = (credit_cents IS NOT NULL)),
    CHECK ((credit_status = 'pending') = (settled_at IS NULL))
);
CREATE INDEX handoffs_at ON handoffs (at);
CREATE INDEX handoffs_settled_at ON handoffs (settled_at) WHERE settled_at IS NOT NULL;

-- Every delivery of an opportunity event (one per webhook-id), with what was done with
-- it: out-of-order and after-close deliveries are kept here although they change nothing.
CREATE TABLE opportunity_events (
    id             bigserial PRIMARY KEY,
    opportunity_id text NOT NULL,
    webhook_id     text NOT NULL UNIQUE REFERENCES webhook_events (webhook_id),
    event_type     text NOT NULL,
    event_ts       timestamptz NOT NULL,
    outcome        text NOT NULL
                   CHECK (outcome IN ('applied', 'ignored_out_of_order', 'ignored_closed')),
    action         text NOT NULL,
    data           jsonb NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opportunity_events_opportunity ON opportunity_events (opportunity_id, id);
