-- The routing cache (service/routing_cache.c, docs/performance.md): each replica keeps
-- the accounts, the current period's named accounts with their owners, and the newest
-- rules version in memory, so that a lead needs no read before its decision. What the
-- cache held is checked where it counts, in the lead batch's own transaction: every
-- statement that writes accounts, named_accounts, reps or rules moves routing_version.v
-- on, and lr_commit_leads refuses a batch decided at another version (SQLSTATE LR002);
-- the replica reads what changed and decides those leads again.
--
-- The version moves by an UPDATE of one row, which stays locked to the end of the
-- writing transaction: writers of those tables commit in the order of their versions,
-- so a snapshot that sees version v sees every row stamped with v or less.
CREATE TABLE routing_version (
    one            boolean PRIMARY KEY DEFAULT true CHECK (one),
    v              bigint NOT NULL,
    -- the version of the last DELETE or TRUNCATE of accounts: caches read them all again
    accounts_reset bigint NOT NULL
);
INSERT INTO routing_version VALUES (true, 1, 1);

-- The version that last wrote each account: a cache reads only the rows written since.
ALTER TABLE accounts ADD COLUMN routing_v bigint NOT NULL DEFAULT 1;
CREATE INDEX accounts_routing_v ON accounts (routing_v);

CREATE FUNCTION lr_routing_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_v bigint;
BEGIN
    UPDATE routing_version r
    SET v = r.v + 1,
        accounts_reset = CASE WHEN TG_TABLE_NAME = 'accounts' AND TG_OP IN ('DELETE', 'TRUNCATE')
                              THEN r.v + 1 ELSE r.accounts_reset END
    RETURNING r.v INTO v_v;
    PERFORM set_config('leadrouter.routing_v', v_v::text, true);
    RETURN NULL;
END
$$;
CREATE FUNCTION lr_routing_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.routing_v := coalesce(nullif(current_setting('leadrouter.routing_v', true), '')::bigint,
                              (SELECT r.v FROM routing_version r));
    -- A renamed account leaves its old domain behind in every cache: read them all again.
    IF TG_OP = 'UPDATE' AND NEW.domain IS DISTINCT FROM OLD.domain THEN
        UPDATE routing_version r SET accounts_reset = NEW.routing_v;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER accounts_routing_bump BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION lr_routing_bump();
CREATE TRIGGER accounts_routing_stamp BEFORE INSERT OR UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION lr_routing_stamp();
CREATE TRIGGER named_accounts_routing_bump
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON named_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION lr_routing_bump();
CREATE TRIGGER reps_routing_bump BEFORE INSERT OR UPDATE ON reps
    FOR EACH STATEMENT EXECUTE FUNCTION lr_routing_bump();
CREATE TRIGGER rules_routing_bump BEFORE INSERT ON rules
    FOR EACH STATEMENT EXECUTE FUNCTION lr_routing_bump();
