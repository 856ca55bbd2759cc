-- Trigger function of the rows others rely on without a foreign key, so that none may
-- go: reps and reviews, which leads refer to (migrations/0013); assignments, which
-- outbox rows refer to (0017); leads, whose new outbox rows are written without looking
-- for older ones (0018). The triggers of 0017 and 0018 name the referrers in their
-- argument.
CREATE OR REPLACE FUNCTION lr_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted: % refer to them', TG_TABLE_NAME,
        coalesce(TG_ARGV[0], 'leads') USING ERRCODE = 'insufficient_privilege';
END
$$;
