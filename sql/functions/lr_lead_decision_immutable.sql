-- Trigger function of leads (trigger leads_decision_immutable, migrations/0010): a
-- lead's decision is written with the lead and never changed, because the lead's audit
-- row and the stored answers of its webhook deliveries refer to it.
CREATE OR REPLACE FUNCTION lr_lead_decision_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a lead''s decision is never changed' USING ERRCODE = 'insufficient_privilege';
END
$$;
