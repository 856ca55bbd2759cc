-- One review item as the API shows it, for the listing and the resolve answer alike.
-- waited_seconds: how long the item has waited so far, or waited until resolved.
-- Needs lr_rfc3339 (a SQL function's body is checked when it is created).
CREATE OR REPLACE FUNCTION lr_review_json(r reviews) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id, 'subject', r.subject, 'subject_id', r.subject_id, 'reason', r.reason,
        'status', r.status, 'signals', r.signals, 'rules_version', r.rules_version,
        'opened_at', lr_rfc3339(r.opened_at),
        'waited_seconds',
            floor(extract(epoch FROM coalesce(r.resolved_at, now()) - r.opened_at))::bigint,
        'resolved_at', lr_rfc3339(r.resolved_at), 'resolved_by', r.resolved_by,
        'resolved_queue', r.resolved_queue, 'resolved_rep_id', r.resolved_rep_id,
        'note', r.note)
$$;
