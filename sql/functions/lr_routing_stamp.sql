-- Row trigger of accounts (migrations/0015): the version its statement moved to, so that
-- a routing cache reads only the accounts written since it last read; a domain changed in
-- place makes the caches read every account again, as a delete does.
CREATE OR REPLACE FUNCTION lr_routing_stamp() RETURNS trigger
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
