-- The windows of /v1/stats/series (the dashboard's chart) read leads by decided_at and
-- count them by queue: with queue and review_id in the index, a year of them is an
-- index-only scan instead of a read of every lead (docs/dashboard.md). /v1/stats and
-- /v1/simulate use it to find the window's rows. It replaces leads_decided_at, so a
-- lead still writes one entry for it.
--
-- Built in the migration's transaction, it holds inserts into leads until it is built:
-- on a large table, migrate in a quiet hour, or create it beforehand by hand with CREATE INDEX
-- CONCURRENTLY under this name, which makes the statement below a no-op.
CREATE INDEX IF NOT EXISTS leads_decided_at_queue ON leads (decided_at) INCLUDE (queue, review_id);
DROP INDEX IF EXISTS leads_decided_at;
