-- Writing assignments back to the CRM (SPEC 3.6).
--
-- Every rep may carry its user or owner id in the CRM; without one the rep id is sent.
ALTER TABLE reps ADD COLUMN crm_owner_id text
    CHECK (crm_owner_id IS NULL OR length(crm_owner_id) BETWEEN 1 AND 128);

-- The outbox: one row per assignment to deliver, written in the transaction that
-- writes the assignment (lr_write_assignments), so that no commit loses its delivery.
-- Delivery workers of every replica claim due rows with FOR UPDATE SKIP LOCKED and a
-- lease (lease_until): one replica at a time tries a row, and the row of a replica that
-- died is tried again once its lease has passed.
--   status: pending (to try, or being tried while leased), delivered, dead (a 4xx other
--   than 408/425/429, or the end of the retry schedule), superseded (a newer owner of
--   the same subject was written before this one went on the wire).
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    assignment_seq  bigint NOT NULL REFERENCES assignments (seq),
    subject         text NOT NULL CHECK (subject IN ('lead', 'opportunity')),
    subject_id      text NOT NULL,
    destination     text NOT NULL
                    CHECK (destination IN ('webhook', 'hubspot', 'salesforce', 'pipedrive')),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'dead', 'superseded')),
    attempts        integer NOT NULL DEFAULT 0,
    -- The retry schedule counts from the first try (set by the claim whose attempts is
    -- 0, so a row an operator revives with attempts = 0 starts a fresh schedule).
    first_attempt_at timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Due rows, oldest first: the workers' claim.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
-- One subject's rows in order: supersession and per-subject ordering.
CREATE INDEX outbox_subject ON outbox (subject, subject_id, id) WHERE status = 'pending';
-- Listing by status with keyset paging.
CREATE INDEX outbox_status ON outbox (status, id);
