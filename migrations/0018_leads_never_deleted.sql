-- A lead is routed once, and the lead batch writes a new lead's outbox row without
-- looking for older rows of the lead (lr_write_assignments): a lead that was deleted and
-- routed again would leave an older pending row that the claim then delivered after the
-- new one, so the CRM would end with the old owner. Nothing deletes leads; it is now
-- the database's rule, as for reps, reviews and assignments.
CREATE TRIGGER leads_never_deleted BEFORE DELETE ON leads
    FOR EACH ROW EXECUTE FUNCTION lr_never_deleted('assignments and outbox rows');
CREATE TRIGGER leads_never_truncated BEFORE TRUNCATE ON leads
    FOR EACH STATEMENT EXECUTE FUNCTION lr_never_deleted('assignments and outbox rows');
