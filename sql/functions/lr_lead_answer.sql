-- A lead's decision as the database answers it (SPEC 3.1): the keys of lr_lead_decision,
-- built from the lead batch's columns and from p_inputs, the decision's fields that no
-- column of the batch carries (decided_at, account.matched and account.named_owner,
-- signals) as the service sends them; any other key of p_inputs is ignored (earlier
-- releases send the whole decision). The lead row is written from the same values, so
-- this is the jsonb that lr_lead_decision rebuilds for every replay, hence the same text.
-- NULL without inputs (no such lead in the batch). Used by lr_commit_leads; STABLE like
-- jsonb_build_object, so that it is inlined.
CREATE OR REPLACE FUNCTION lr_lead_answer(p_inputs jsonb, p_webhook_id text, p_lead_id text,
                                          p_domain text, p_queue text, p_reason text,
                                          p_composite text, p_rules_version bigint,
                                          p_rep_id text, p_review_id bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_inputs IS NOT NULL THEN jsonb_build_object(
        'event_id', p_webhook_id, 'subject', 'lead', 'subject_id', p_lead_id,
        'queue', p_queue, 'rep_id', p_rep_id, 'reason', p_reason,
        'composite_queue', p_composite, 'review_id', p_review_id,
        'signals', p_inputs -> 'signals',
        'account', jsonb_build_object('domain', p_domain,
                                      'matched', p_inputs #> '{account,matched}',
                                      'named_owner', p_inputs #> '{account,named_owner}'),
        'rules_version', p_rules_version, 'decided_at', p_inputs -> 'decided_at')::text END
$$;
