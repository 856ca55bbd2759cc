-- CRM adapters (SPEC 3.5): which CRM field feeds which leadrouter field.
--
-- One row per version of one CRM's mapping, never updated (the rules' trigger function
-- refuses it): the version a delivery was mapped with keeps meaning the same document.
-- No row for a CRM means the built-in defaults of SPEC 3.5 (version 0 in the API).
CREATE TABLE crm_mappings (
    crm        text NOT NULL CHECK (crm IN ('hubspot', 'salesforce', 'pipedrive')),
    version    bigint NOT NULL CHECK (version >= 1),
    document   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    PRIMARY KEY (crm, version)
);
CREATE TRIGGER crm_mappings_no_update BEFORE UPDATE OR DELETE ON crm_mappings
    FOR EACH ROW EXECUTE FUNCTION lr_rules_append_only();
CREATE TRIGGER crm_mappings_no_truncate BEFORE TRUNCATE ON crm_mappings
    FOR EACH STATEMENT EXECUTE FUNCTION lr_rules_append_only();
