-- The windows of /v1/stats, /v1/stats/series and /v1/simulate read leads by decided_at.
-- With queue and review_id in the index, the counts of a window (a year of a dashboard)
-- are an index-only scan instead of a read of every lead (docs/dashboard.md). It
-- replaces leads_decided_at, so a lead still costs one entry for it.
CREATE INDEX leads_decided_at_queue ON leads (decided_at) INCLUDE (queue, review_id);
DROP INDEX leads_decided_at;
