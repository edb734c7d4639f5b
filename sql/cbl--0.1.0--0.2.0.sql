-- cbl 0.1.0 -> 0.2.0 (docs/upgrading.md).  Every change made to sql/cbl/
-- since 0.1.0 is made here too, in the same order; test/t/015_upgrade.pl
-- checks that an updated 0.1.0 has exactly the catalog of a fresh 0.2.0.
\echo Use "ALTER EXTENSION cbl UPDATE TO '0.2.0'" to load this file. \quit

-- Conflicts and rejects sent again are recorded once (72_event.sql).  Rows
-- recorded by 0.1.0 keep a NULL hash, so they never collide.
ALTER TABLE cbl.event_conflict ADD COLUMN content_hash text;
CREATE UNIQUE INDEX event_conflict_once ON cbl.event_conflict
  (shipment_id, source, event_id, (coalesce(stored_revision, 0)), content_hash);
COMMENT ON INDEX cbl.event_conflict_once IS
  'one row per conflicting version and stored revision it clashes with: a conflict sent again is not recorded again';
COMMENT ON COLUMN cbl.event_conflict.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_conflict.content_hash IS
  'content hash of the incoming version (as cbl.event.content_hash): the same version sent again is recorded once; NULL for conflicts recorded before cbl 0.2.0';
ALTER TABLE cbl.event_reject ADD COLUMN element_hash text;
CREATE UNIQUE INDEX event_reject_once ON cbl.event_reject (element_hash, reason);
COMMENT ON INDEX cbl.event_reject_once IS
  'one row per rejected element and reason: an element sent again and rejected again is not recorded again';
COMMENT ON COLUMN cbl.event_reject.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_reject.element_hash IS
  'md5 of element: the same element rejected again for the same reason is recorded once; NULL for rejects recorded before cbl 0.2.0';
