-- The SQL functions now live in sql/functions/, one file each, and `leadrouter migrate`
-- re-creates them after the migrations (sql/README.md); migrations keep tables and data.
-- Dropped here: what nothing calls any more.
--   lr_commit_lead: the one-lead write of 0001, redefined in 0004 as a batch of one;
--     the server writes every lead through lr_commit_leads. 0001 and 0004 define the
--     same signature, so this is every overload.
-- Kept: lr_take_turn, which replicas of the previous release call during a rolling
-- update; sql/functions/lr_take_turn.sql now answers it through lr_take_turns, and the
-- next release's migration drops it.

DROP FUNCTION IF EXISTS lr_commit_lead(
    text, text, text, text, timestamptz, jsonb, text, text, text, text, text, bigint, jsonb,
    text);
