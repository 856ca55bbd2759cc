-- A lead's decision, byte for byte the answer its first delivery got (SPEC 3.1): stored
-- whole before migrations/0012, rebuilt since from the lead's columns, none of which
-- changes (the trigger leads_decision_immutable). A lead that went to review was decided
-- 'review' with no rep, for its review item's reason; its queue, rep and reason columns
-- are the resolution's since. The keys are those of lr_decision_json (service/
-- decision_json.c) for a lead, of lr_lead_answer (the batch's answers, built from the
-- values the lead row is written from) and of lr_lead_answer_text (the 201 the service
-- writes): tests/integration/test_routing.py compares the rebuilt text with the answer
-- for every shape of decision.
CREATE OR REPLACE FUNCTION lr_lead_decision(l leads) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(l.decision, jsonb_build_object(
        'event_id', l.webhook_id, 'subject', 'lead', 'subject_id', l.id,
        'queue', CASE WHEN l.review_id IS NULL THEN l.queue ELSE 'review' END,
        'rep_id', CASE WHEN l.review_id IS NULL THEN l.rep_id END,
        'reason', CASE WHEN l.review_id IS NULL THEN l.reason
                       ELSE (SELECT r.reason FROM reviews r WHERE r.id = l.review_id) END,
        'composite_queue', l.composite_queue, 'review_id', l.review_id,
        'signals', jsonb_build_object(
            'employee_count', jsonb_build_object('value', l.employee_count,
                                                 'source', l.employee_count_source,
                                                 'vote', l.employee_count_vote),
            'expected_acv', jsonb_build_object('value', lr_money(l.expected_acv_cents),
                                               'source', l.expected_acv_source,
                                               'vote', l.expected_acv_vote),
            'fit_score', jsonb_build_object('value', l.fit_score, 'source', l.fit_score_source,
                                            'vote', l.fit_score_vote)),
        'account', jsonb_build_object('domain', l.domain, 'matched', l.account_matched,
                                      'named_owner', l.named_owner),
        'rules_version', l.rules_version, 'decided_at', lr_rfc3339(l.decided_at)))
$$;
