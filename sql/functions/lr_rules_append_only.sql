-- Trigger function of rules (triggers rules_no_update, rules_no_truncate in
-- migrations/0003). A rules version is what past decisions cite (rules_version), so it
-- must never change after the fact: a change is always a new version.
CREATE OR REPLACE FUNCTION lr_rules_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rules versions are immutable; insert a new version'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
