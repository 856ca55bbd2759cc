-- Statement trigger of accounts, named_accounts, reps and rules (migrations/0015): the
-- routing caches' version moves on, under the row's lock until commit, and the
-- statement's rows are stamped with it (lr_routing_stamp).
CREATE OR REPLACE FUNCTION lr_routing_bump() RETURNS trigger
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
