-- Trigger function of the rows others refer to without a foreign key, so that none may
-- go: reps and reviews, which leads refer to (migrations/0013), and assignments, which
-- outbox rows refer to (0017, whose triggers name the referrers in their argument).
CREATE OR REPLACE FUNCTION lr_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted: % refer to them', TG_TABLE_NAME,
        coalesce(TG_ARGV[0], 'leads') USING ERRCODE = 'insufficient_privilege';
END
$$;
