-- Two index entries fewer for every assignment (docs/performance.md):
-- - the public id is NULL until publication, and the unique index on it took an entry
--   for every NULL at insert; a partial unique index takes the row only once it is
--   published. Keyset polling (id > $after ORDER BY id) and max(id) still use it.
-- - /v1/stats reads assignments by reason only for floor reassignments; every other
--   assignment wrote an entry into (reason, at) that no query read.
CREATE UNIQUE INDEX assignments_id ON assignments (id) WHERE id IS NOT NULL;
ALTER TABLE assignments DROP CONSTRAINT assignments_id_key;
CREATE INDEX assignments_below_floor_at ON assignments (at) WHERE reason = 'below_floor';
DROP INDEX assignments_reason_at;
