-- A timestamp as the API writes it: UTC, milliseconds, RFC 3339.
CREATE OR REPLACE FUNCTION lr_rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
