-- A lead's decision is stored as columns of the lead (docs/performance.md): what the
-- decision saw of the account and each signal's value, source and vote. Every other key
-- of the decision already is a column that never changes (event_id = webhook_id,
-- subject_id = id, account.domain = domain, composite_queue, review_id, rules_version,
-- decided_at), or, for a lead that never went to review, queue, rep_id and reason; a
-- lead that went to review was decided 'review' with no rep, for its review item's
-- reason. lr_lead_decision(l) rebuilds the decision from them, byte for byte the answer
-- the lead's first delivery got (jsonb orders its keys itself). The decision document
-- was 700 of the 3,030 bytes of WAL a lead wrote; its columns are about 100. Rows written
-- before this migration keep their decision in leads.decision, which lr_lead_decision
-- returns as it is.
--
-- Upgrade note: a replica of an earlier release reads leads.decision, NULL for the
-- leads written after this migration; stop the earlier replicas before migrating
-- (serve refuses a schema newer than it knows, so none can start afterwards).
ALTER TABLE leads
    ADD COLUMN account_matched boolean,
    ADD COLUMN named_owner text,
    ADD COLUMN employee_count bigint,
    ADD COLUMN employee_count_source text,
    ADD COLUMN employee_count_vote text,
    ADD COLUMN expected_acv_cents bigint,
    ADD COLUMN expected_acv_source text,
    ADD COLUMN expected_acv_vote text,
    ADD COLUMN fit_score bigint,
    ADD COLUMN fit_score_source text,
    ADD COLUMN fit_score_vote text;

-- What lr_lead_decision reads never changes: the trigger of 0010 covered the decision
-- column; this one refuses any change of a lead row but the one its review resolution
-- makes (a review lead's queue, rep and reason), so it covers every column the decision
-- is rebuilt from and created_at, the time of the lead's audit row (lr_audit_of, 0014);
-- the second covers the review item's reason.
DROP TRIGGER leads_decision_immutable ON leads;
CREATE TRIGGER leads_decision_immutable BEFORE UPDATE ON leads
    FOR EACH ROW WHEN (to_jsonb(OLD) - ARRAY['queue', 'rep_id', 'reason']
                           IS DISTINCT FROM to_jsonb(NEW) - ARRAY['queue', 'rep_id', 'reason']
                       OR (OLD.review_id IS NULL
                           AND (OLD.queue, OLD.rep_id, OLD.reason)
                               IS DISTINCT FROM (NEW.queue, NEW.rep_id, NEW.reason)))
    EXECUTE FUNCTION lr_lead_decision_immutable();
CREATE TRIGGER reviews_lead_reason_immutable BEFORE UPDATE OF reason ON reviews
    FOR EACH ROW WHEN (OLD.subject = 'lead' AND OLD.reason IS DISTINCT FROM NEW.reason)
    EXECUTE FUNCTION lr_lead_decision_immutable();
