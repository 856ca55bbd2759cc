-- Trigger function of reps and reviews (migrations/0013): leads refer to their rows
-- without a foreign key, so none may go.
CREATE OR REPLACE FUNCTION lr_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted: leads refer to them', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
