-- A lead's decision is stored once, in leads.decision (docs/performance.md): the stored
-- answer of each lead.created delivery (webhook_events.response_body, NULL from this
-- release on) and the lead's one audit row refer to it instead of copying it. Readers
-- of the stored answer take leads.decision when response_body is NULL since the
-- previous release, so a rolling update from that release keeps answering retries.
-- The decision is therefore written with the lead and never changed: the trigger
-- refuses an update of it, as the audit log refuses any (SPEC 2.10).
-- sql/functions/lr_lead_decision_immutable.sql holds the trigger function's text.
CREATE FUNCTION lr_lead_decision_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a lead''s decision is never changed' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER leads_decision_immutable BEFORE UPDATE OF decision ON leads
    FOR EACH ROW WHEN (OLD.decision IS DISTINCT FROM NEW.decision)
    EXECUTE FUNCTION lr_lead_decision_immutable();
