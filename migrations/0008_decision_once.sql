-- A lead's decision is stored once, in leads.decision (docs/performance.md): the stored
-- answer of each webhook delivery of the lead (webhook_events.response_body, NULL for
-- lead.created) and the lead's audit row refer to it instead of copying it. So it is
-- written with the lead and never changed: the trigger refuses an update of it, as the
-- audit log refuses any (SPEC 2.10). sql/functions/lr_lead_decision_immutable.sql holds
-- the trigger function's current text.
CREATE FUNCTION lr_lead_decision_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a lead''s decision is never changed' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER leads_decision_immutable BEFORE UPDATE OF decision ON leads
    FOR EACH ROW WHEN (OLD.decision IS DISTINCT FROM NEW.decision)
    EXECUTE FUNCTION lr_lead_decision_immutable();
