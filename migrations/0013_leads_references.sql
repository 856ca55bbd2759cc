-- A lead's references (rep_id, review_id, rules_version) were foreign keys: every new
-- lead ran three trigger queries, and the one on its rep's row took a FOR KEY SHARE lock,
-- itself a WAL record (docs/performance.md). What they guarded cannot happen: the lead
-- batch writes only reps that exist (from rr_schedule and named_accounts, themselves
-- foreign keys to reps), the review item it inserts itself and the rules version it
-- read; and none of those rows is ever deleted. That last point was true of the service,
-- not of the database: it is now the database's rule too, as rules versions already
-- were (0003). The other tables keep their foreign keys; they are not on the lead path.
ALTER TABLE leads DROP CONSTRAINT leads_rep_id_fkey,
                  DROP CONSTRAINT leads_review_id_fkey,
                  DROP CONSTRAINT leads_rules_version_fkey;
CREATE FUNCTION lr_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted: leads refer to them', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER reps_never_deleted BEFORE DELETE ON reps
    FOR EACH ROW EXECUTE FUNCTION lr_never_deleted();
CREATE TRIGGER reps_never_truncated BEFORE TRUNCATE ON reps
    FOR EACH STATEMENT EXECUTE FUNCTION lr_never_deleted();
CREATE TRIGGER reviews_never_deleted BEFORE DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION lr_never_deleted();
CREATE TRIGGER reviews_never_truncated BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION lr_never_deleted();
