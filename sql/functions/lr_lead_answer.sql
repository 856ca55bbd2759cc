-- A lead's decision as the lead batch answers it (SPEC 3.1), from the batch's columns and
-- p_inputs, the decision's fields that no column of the batch carries (decided_at,
-- account.matched and account.named_owner, signals) as the service sends them; any other
-- key of p_inputs is ignored (earlier releases send the whole decision). Each input goes
-- through the conversion that writes it into the lead row (lr_route_leads, ins_lead)
-- and comes out as lr_lead_decision prints that column, so the answer is the jsonb every
-- replay rebuilds, whatever form the input had (a timestamp with other precision, money
-- with one decimal). NULL without inputs (no such lead in the batch). Used by
-- lr_route_leads and lr_commit_leads; STABLE like jsonb_build_object, so that it is
-- inlined.
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
        'signals', jsonb_build_object(
            'employee_count', jsonb_build_object(
                'value', (p_inputs #>> '{signals,employee_count,value}')::bigint,
                'source', p_inputs #>> '{signals,employee_count,source}',
                'vote', p_inputs #>> '{signals,employee_count,vote}'),
            'expected_acv', jsonb_build_object(
                'value', lr_money(round((p_inputs #>> '{signals,expected_acv,value}')::numeric
                                        * 100)::bigint),
                'source', p_inputs #>> '{signals,expected_acv,source}',
                'vote', p_inputs #>> '{signals,expected_acv,vote}'),
            'fit_score', jsonb_build_object(
                'value', (p_inputs #>> '{signals,fit_score,value}')::bigint,
                'source', p_inputs #>> '{signals,fit_score,source}',
                'vote', p_inputs #>> '{signals,fit_score,vote}')),
        'account', jsonb_build_object('domain', p_domain,
                                      'matched', (p_inputs #>> '{account,matched}')::boolean,
                                      'named_owner', p_inputs #>> '{account,named_owner}'),
        'rules_version', p_rules_version,
        'decided_at', lr_rfc3339((p_inputs ->> 'decided_at')::timestamptz))::text END
$$;
