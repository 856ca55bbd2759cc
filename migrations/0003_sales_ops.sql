-- Sales-ops: the review queue's listing, rules versions that cannot be rewritten, and
-- the indexes behind the per-segment figures. Depends on 0001 only.

-- A rules version is what past decisions cite (rules_version), so it must never change
-- after the fact: a change is always a new version.
CREATE FUNCTION lr_rules_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rules versions are immutable; insert a new version'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER rules_no_update BEFORE UPDATE OR DELETE ON rules
    FOR EACH ROW EXECUTE FUNCTION lr_rules_append_only();
CREATE TRIGGER rules_no_truncate BEFORE TRUNCATE ON rules
    FOR EACH STATEMENT EXECUTE FUNCTION lr_rules_append_only();

-- One review item as the API shows it, for the listing and the resolve answer alike.
-- waited_seconds: how long the item has waited so far, or waited until resolved.
CREATE FUNCTION lr_review_json(r reviews) RETURNS json
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

-- Listing by status in id order (open: oldest first), and the figures' windows.
CREATE INDEX reviews_status_id ON reviews (status, id);
CREATE INDEX reviews_opened_at ON reviews (opened_at);
CREATE INDEX reviews_resolved_at ON reviews (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX assignments_reason_at ON assignments (reason, at);
