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
-- column; this one covers every column the decision is rebuilt from, the review item's
-- reason, and created_at, the time of the lead's audit row (lr_audit_of, 0014).
DROP TRIGGER leads_decision_immutable ON leads;
CREATE TRIGGER leads_decision_immutable BEFORE UPDATE ON leads
    FOR EACH ROW WHEN ((OLD.decision, OLD.id, OLD.webhook_id, OLD.domain, OLD.composite_queue,
                        OLD.created_at,
                        OLD.review_id, OLD.rules_version, OLD.decided_at, OLD.account_matched,
                        OLD.named_owner, OLD.employee_count, OLD.employee_count_source,
                        OLD.employee_count_vote, OLD.expected_acv_cents, OLD.expected_acv_source,
                        OLD.expected_acv_vote, OLD.fit_score, OLD.fit_score_source,
                        OLD.fit_score_vote)
                       IS DISTINCT FROM
                       (NEW.decision, NEW.id, NEW.webhook_id, NEW.domain, NEW.composite_queue,
                        NEW.created_at,
                        NEW.review_id, NEW.rules_version, NEW.decided_at, NEW.account_matched,
                        NEW.named_owner, NEW.employee_count, NEW.employee_count_source,
                        NEW.employee_count_vote, NEW.expected_acv_cents, NEW.expected_acv_source,
                        NEW.expected_acv_vote, NEW.fit_score, NEW.fit_score_source,
                        NEW.fit_score_vote)
                       OR (OLD.review_id IS NULL
                           AND (OLD.queue, OLD.rep_id, OLD.reason)
                               IS DISTINCT FROM (NEW.queue, NEW.rep_id, NEW.reason)))
    EXECUTE FUNCTION lr_lead_decision_immutable();
CREATE TRIGGER reviews_lead_reason_immutable BEFORE UPDATE OF reason ON reviews
    FOR EACH ROW WHEN (OLD.subject = 'lead' AND OLD.reason IS DISTINCT FROM NEW.reason)
    EXECUTE FUNCTION lr_lead_decision_immutable();
