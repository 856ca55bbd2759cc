-- Trigger function of leads (trigger leads_decision_immutable, migrations/0010 and 0012)
-- and of reviews (reviews_lead_reason_immutable, 0012): a lead's decision is written
-- with the lead and never changed, because the lead's audit row and the stored answers
-- of its webhook deliveries refer to it; nor are the columns lr_lead_decision rebuilds
-- it from.
CREATE OR REPLACE FUNCTION lr_lead_decision_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a lead''s decision is never changed' USING ERRCODE = 'insufficient_privilege';
END
$$;
