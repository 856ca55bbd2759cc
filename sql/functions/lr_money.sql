-- Money is stored in cents; JSON shows USD with two decimals.
CREATE OR REPLACE FUNCTION lr_money(cents bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(cents::numeric / 100, 2)
$$;
