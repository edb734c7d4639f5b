-- Canonical event ingest: idempotency, revisions, conflicts, retraction,
-- rejects, pending events and the derived state.  (Notifications are
-- checked in test/specs/event_ingest_concurrent.spec: psql prints PIDs.)
SET search_path = cbl, public;
SET timezone = 'UTC';

INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'ACME', 'Acme Outdoor Supply'), ('carrier', 'DHL', 'DHL Express'),
  ('carrier', 'MAERSK', 'Maersk');
SELECT cbl.create_shipment('EXP-1001', 'express_parcel', 'ACME', 'DHL', refs => '{"tracking": "JD014600003"}') AS s1 \gset
SELECT cbl.create_shipment('OCN-2001', 'ocean_lcl', 'ACME', 'MAERSK', refs => '{"container": ["CSQU3054383"]}') AS s2 \gset
SELECT cbl.create_shipment('OCN-2002', 'ocean_lcl', 'ACME', 'MAERSK', refs => '{"container": ["CSQU3054383"]}') AS s3 \gset

-- A first batch, naming shipments by different references.
SELECT * FROM cbl.ingest_events('[
  {"source": "dhl", "event_id": "e1", "shipment": "EXP-1001", "milestone": "BOOKED", "classifier": "ACT",
   "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "e2", "shipment": "JD014600003", "milestone": "picked_up", "classifier": "act",
   "occurred_at": "2026-03-01T15:30:00+01:00", "location": "DEHAM"},
  {"source": "dhl", "event_id": "e3", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "EST",
   "occurred_at": "2026-03-04T12:00:00Z", "updated_at": "2026-03-01T15:31:00Z"}
]'::jsonb);
SELECT cbl.describe(state), cbl.current_milestone(state) FROM cbl.shipment_state WHERE shipment_id = :s1;

-- The same batch again: all duplicates, nothing written.
SELECT count(*) AS events_before FROM cbl.event \gset
SELECT * FROM cbl.ingest_events('[
  {"source": "dhl", "event_id": "e1", "shipment": "EXP-1001", "milestone": "BOOKED", "classifier": "ACT",
   "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "e2", "shipment": "JD014600003", "milestone": "PICKED_UP", "classifier": "ACT",
   "occurred_at": "2026-03-01T14:30:00Z", "location": "DEHAM"},
  {"source": "dhl", "event_id": "e3", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "EST",
   "occurred_at": "2026-03-04T12:00:00Z", "updated_at": "2026-03-01T15:31:00Z"}
]');
SELECT count(*) - :events_before AS events_written FROM cbl.event;

-- A later revision supersedes (the old one stays in history); an older or
-- equally dated different version is a conflict and changes nothing.
SELECT * FROM cbl.upsert_event('dhl', 'e3', 'EXP-1001', 'DELIVERED', 'EST', '2026-03-03 18:00+00',
                               updated_at => '2026-03-02 09:00+00');
SELECT * FROM cbl.upsert_event('dhl', 'e3', 'EXP-1001', 'DELIVERED', 'EST', '2026-03-05 18:00+00',
                               updated_at => '2026-03-01 20:00+00');
SELECT * FROM cbl.upsert_event('dhl', 'e3', 'EXP-1001', 'DELIVERED', 'EST', '2026-03-06 18:00+00',
                               updated_at => '2026-03-02 09:00+00');
SELECT revision, occurred_at, updated_at FROM cbl.event WHERE source = 'dhl' AND event_id = 'e3' ORDER BY revision;
SELECT source, event_id, stored_revision, incoming->>'occurred_at' AS incoming_time, reason
  FROM cbl.event_conflict ORDER BY conflict_no;
SELECT cbl.milestone_time(state, 'DELIVERED', 'EST') FROM cbl.shipment_state WHERE shipment_id = :s1;

-- Two revisions of one event in one batch apply in updated_at order,
-- whatever their order in the batch.
SELECT * FROM cbl.ingest_events('[
  {"source": "dhl", "event_id": "e4", "shipment": "EXP-1001", "milestone": "EXPORT_CLEARED", "classifier": "ACT",
   "occurred_at": "2026-03-01T19:05:00Z", "updated_at": "2026-03-01T19:10:00Z"},
  {"source": "dhl", "event_id": "e4", "shipment": "EXP-1001", "milestone": "EXPORT_CLEARED", "classifier": "ACT",
   "occurred_at": "2026-03-01T19:00:00Z", "updated_at": "2026-03-01T19:06:00Z"}
]');
SELECT revision, occurred_at FROM cbl.event WHERE event_id = 'e4' ORDER BY revision;
SELECT cbl.milestone_time(state, 'EXPORT_CLEARED') FROM cbl.shipment_state WHERE shipment_id = :s1;

-- Retraction: the event and its earlier revisions stop counting; later
-- versions of a retracted event are conflicts.
SELECT * FROM cbl.ingest_events('[{"source": "dhl", "event_id": "e4", "shipment": "EXP-1001",
  "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-01T19:05:00Z",
  "updated_at": "2026-03-01T21:00:00Z", "retracted": true}]');
SELECT cbl.milestone_time(state, 'EXPORT_CLEARED') IS NULL AS export_cleared_gone,
       cbl.describe(state) FROM cbl.shipment_state WHERE shipment_id = :s1;
SELECT * FROM cbl.ingest_events('[{"source": "dhl", "event_id": "e4", "shipment": "EXP-1001",
  "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-01T19:30:00Z",
  "updated_at": "2026-03-01T22:00:00Z"}]');

-- Source priority: the operator (priority 200) overrides the carrier.
INSERT INTO cbl.source (code, name, priority) VALUES ('ops', 'Our operations desk', 200);
SELECT * FROM cbl.upsert_event('ops', 'manual-1', 'EXP-1001', 'PICKED_UP', 'ACT', '2026-03-01 14:10+00');
SELECT cbl.milestone_time(state, 'PICKED_UP') FROM cbl.shipment_state WHERE shipment_id = :s1;

-- A container shared by two LCL shipments: one event updates both.
SELECT * FROM cbl.ingest_events('[{"source": "maersk", "event_id": "m1", "shipment": "CSQU 305438 3",
  "milestone": "LOADED", "classifier": "ACT", "occurred_at": "2026-03-02T06:00:00Z", "location": "CNSHA"}]');
SELECT shipment_id = :s2 AS first, shipment_id = :s3 AS second, cbl.current_milestone(state)
  FROM cbl.shipment_state WHERE shipment_id IN (:s2, :s3) ORDER BY shipment_id;

-- Standard codes map through cbl.code_map.
SELECT * FROM cbl.ingest_events('[{"source": "lh_cargo", "event_id": "f1", "shipment": "OCN-2001",
  "standard": "IATA", "code": "DEP", "classifier": "ACT", "occurred_at": "2026-03-03T01:00:00Z"}]');
SELECT milestone FROM cbl.event WHERE event_id = 'f1';

-- Malformed elements are rejected one by one with a reason; the rest goes on.
SELECT * FROM cbl.ingest_events('[
  {"source": "dhl", "event_id": "ok-1", "shipment": "EXP-1001", "milestone": "IMPORT_CLEARED", "classifier": "ACT",
   "occurred_at": "2026-03-03T07:00:00Z"},
  42,
  {"source": "dhl"},
  {"source": "dhl", "event_id": "x1", "shipment": "EXP-1001", "milestone": "NOT_A_MILESTONE", "classifier": "ACT", "occurred_at": "2026-03-03T07:00:00Z"},
  {"source": "dhl", "event_id": "x2", "shipment": "EXP-1001", "standard": "IATA", "code": "ZZZ", "classifier": "ACT", "occurred_at": "2026-03-03T07:00:00Z"},
  {"source": "dhl", "event_id": "x3", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "FOO", "occurred_at": "2026-03-03T07:00:00Z"},
  {"source": "dhl", "event_id": "x4", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-03 07:00"},
  {"source": "dhl", "event_id": "x5", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-02-30T07:00:00Z"},
  {"source": "dhl", "event_id": "x6", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-03T07:00:00Z", "location": "Hamburg"},
  {"source": "dhl", "event_id": "x7", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-03T07:00:00Z", "colour": "red"},
  {"source": "dhl", "event_id": "x8", "shipment": "EXP-1001", "milestone": "DELIVERED", "standard": "IATA", "code": "DLV", "classifier": "ACT", "occurred_at": "2026-03-03T07:00:00Z"},
  {"source": 7, "event_id": "x9", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-03T07:00:00Z"},
  {"source": "dhl", "event_id": "x10", "shipment": "EXP-1001", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-03T07:00:00Z", "retracted": "yes"}
]');
SELECT position, reason FROM cbl.event_reject ORDER BY reject_no;

-- Input that is not a JSON array at all is an error saying where it broke.
SELECT * FROM cbl.ingest_events('[{"source": "dhl", "event_id": "e1",');
SELECT * FROM cbl.ingest_events('{"events": []}');
SELECT * FROM cbl.ingest_events('[]');

-- An event for a shipment cbl does not know yet waits, then attaches.
SELECT * FROM cbl.ingest_events('[{"source": "dhl", "event_id": "p1", "shipment": "EXP-1002",
  "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-05T08:00:00Z"}]');
SELECT * FROM cbl.ingest_events('[{"source": "dhl", "event_id": "p1", "shipment": "EXP-1002",
  "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-05T08:00:00Z"}]');
SELECT source, event_id, shipment_ref FROM cbl.event_pending;
SELECT cbl.create_shipment('EXP-1002', 'express_parcel', 'ACME', 'DHL') AS s4 \gset
SELECT count(*) AS still_pending FROM cbl.event_pending;
SELECT cbl.current_milestone(state) FROM cbl.shipment_state WHERE shipment_id = :s4;

-- Accessors.
SELECT cbl.current_milestone(state), cbl.missing_milestones(state), cbl.is_terminal(state)
  FROM cbl.shipment_state WHERE shipment_id = :s1;
SELECT * FROM cbl.upsert_event('dhl', 'e9', 'EXP-1001', 'DELIVERED', 'ACT', '2026-03-03 16:45+00');
SELECT cbl.current_milestone(state), cbl.missing_milestones(state), cbl.is_terminal(state)
  FROM cbl.shipment_state WHERE shipment_id = :s1;
SELECT "position", milestone, required, planned, estimated, actual
  FROM cbl.state_steps((SELECT state FROM cbl.shipment_state WHERE shipment_id = :s1));

-- The stored state always equals a recomputation from the stored events.
SELECT count(*) AS states_differing_from_events FROM cbl.shipment_state ss
 WHERE ss.state OPERATOR(cbl.<>) (
   SELECT cbl.milestone_agg(cbl.milestone_state(f.id, m.id, e.classifier, e.occurred_at, e.updated_at,
                                                coalesce(src.priority, 100), e.event_key))
            FILTER (WHERE NOT e.retracted)
     FROM (SELECT DISTINCT ON (source, event_id) * FROM cbl.event
            WHERE shipment_id = ss.shipment_id ORDER BY source, event_id, revision DESC) e
     JOIN cbl.shipment s ON s.id = e.shipment_id JOIN cbl.framework f ON f.code = s.framework
     JOIN cbl.milestone m ON m.code = e.milestone LEFT JOIN cbl.source src ON src.code = e.source);

-- Order independence end to end: the same events ingested in another order,
-- one by one, into a copy of the shipment give a byte-identical state.
SELECT cbl.create_shipment('EXP-9001', 'express_parcel', 'ACME', 'DHL') AS s5 \gset
SELECT count(*) FROM (
  SELECT (cbl.ingest_events(jsonb_build_array(
            jsonb_strip_nulls(jsonb_build_object('source', e.source, 'event_id', e.event_id,
              'shipment', 'EXP-9001', 'milestone', e.milestone, 'classifier', e.classifier,
              'occurred_at', to_char(e.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
              'updated_at', to_char(e.updated_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
              'retracted', CASE WHEN e.retracted THEN true END))))).accepted
    FROM cbl.event e WHERE e.shipment_id = :s1
   ORDER BY e.revision DESC, md5(e.event_id)) t;
SELECT a.state OPERATOR(cbl.=) b.state AS same_state_in_any_order
  FROM cbl.shipment_state a, cbl.shipment_state b WHERE a.shipment_id = :s1 AND b.shipment_id = :s5;

-- Leave the database as this test found it.
DELETE FROM cbl.event; DELETE FROM cbl.event_conflict; DELETE FROM cbl.event_reject;
DELETE FROM cbl.event_pending; DELETE FROM cbl.shipment_state; DELETE FROM cbl.shipment;
DELETE FROM cbl.party; DELETE FROM cbl.source;
RESET timezone;
