-- Carrier formats: DCSA Track & Trace 2.2 and 3.0 through
-- cbl.ingest_events('dcsa', message) (docs/formats.md).  Fixtures are in
-- test/fixtures/formats (their sources in its README).
SET TimeZone = 'UTC';
SELECT coalesce(max(reject_no), 0) AS r0 FROM cbl.event_reject \gset
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('customer', 'FMT-DCSA', 'Acme Trading GmbH', 'DE'),
  ('carrier', 'FMT-CBLX', 'CBL Example Line', 'DK');
SELECT cbl.create_shipment('FCL-7001', 'ocean_fcl', 'FMT-DCSA', 'FMT-CBLX', NULL, 'CN', 'DE',
  '{"booking": "BKG7001234", "bl": "CBLXSHA250001", "container": "CBLU1234560"}') AS s1 \gset
SELECT cbl.create_shipment('FCL-2201', 'ocean_fcl', 'FMT-DCSA', 'FMT-CBLX', NULL, 'FR', 'DE',
  '{"booking": "ABC123123123"}') AS s2 \gset

-- 3.0: a container from Shanghai to Hamburg via Singapore.  Each event
-- finds the shipment by its booking, transport document or container; the
-- code map turns event type code and qualifier into milestones.
\set msg `cat test/fixtures/formats/dcsa_cbl_30_journey.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg', 'cblx');
SELECT event_id, shipment_ref, milestone, classifier, occurred_at, updated_at, location, reason_code
  FROM cbl.event WHERE source = 'cblx' ORDER BY occurred_at, event_id;
SELECT payload FROM cbl.event WHERE source = 'cblx' AND event_id = 'cblx-0005';

-- The same file again changes nothing: every event is a duplicate.
SELECT * FROM cbl.ingest_events('dcsa', :'msg', 'cblx');
SELECT count(*) AS events FROM cbl.event WHERE source = 'cblx';

SELECT position, milestone, estimated, actual FROM cbl.v_timeline
 WHERE shipment_id = :s1 AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;

-- The next notification: the estimate moves (later eventUpdatedDateTime:
-- updated), the arrival sent too early is withdrawn (isRetracted: retracted),
-- the real arrival, discharge and a customs inspection follow.
\set msg `cat test/fixtures/formats/dcsa_cbl_30_update.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg', 'cblx');
SELECT event_id, revision, milestone, classifier, occurred_at, retracted
  FROM cbl.event WHERE source = 'cblx' AND event_id IN ('cblx-0007', 'cblx-0008') ORDER BY 1, 2;
SELECT position, milestone, estimated, actual FROM cbl.v_timeline
 WHERE shipment_id = :s1 AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;
-- the inspection is a customs hold, with DCSA's code as its reason
SELECT kind, milestone, detail FROM cbl.detect_exceptions('2025-04-04 12:00+00', ARRAY[:s1]::bigint[])
 WHERE kind = 'customs_hold';
-- the first notification once more: still all duplicates, and the
-- withdrawn arrival stays withdrawn
\set msg `cat test/fixtures/formats/dcsa_cbl_30_journey.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg', 'cblx');
SELECT cbl.milestone_time(state, 'ARRIVED') AS arrived, cbl.milestone_time(state, 'ARRIVED', 'EST') AS estimated
  FROM cbl.shipment_state WHERE shipment_id = :s1;

-- 2.2 (flat events) as DCSA publishes them.  Transport arrivals give
-- ARRIVED with the delay reason; drafts and an empty load are no milestone:
-- they are recorded with their code as the reason code and no milestone.
\set msg `cat test/fixtures/formats/dcsa_tnt-220-response.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
SELECT event_id, milestone, classifier, occurred_at, location, reason_code, payload->>'vesselName' AS vessel
  FROM cbl.event WHERE source = 'dcsa' ORDER BY event_id;
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r0 ORDER BY reject_no;
SELECT coalesce(max(reject_no), 0) AS r1 FROM cbl.event_reject \gset

-- 2.2 retracts with a new event naming the one it withdraws.
SELECT * FROM cbl.ingest_events('dcsa', '[{"eventID": "retraction-1", "retractedEventID": "3cecb101-7a1a-43a4-9d62-e88a131651e5",
  "eventCreatedDateTime": "2021-01-24T00:00:00Z", "eventType": "TRANSPORT", "eventClassifierCode": "ACT",
  "eventDateTime": "2021-01-09T14:12:56+01:00", "transportEventTypeCode": "ARRI",
  "documentReferences": [{"documentReferenceType": "BKG", "documentReferenceValue": "ABC123123123"}]}]');
SELECT event_id, revision, retracted, payload->>'retractingEventID' AS by FROM cbl.event
 WHERE source = 'dcsa' AND event_id = '3cecb101-7a1a-43a4-9d62-e88a131651e5' ORDER BY revision;

-- 3.0 pages for a booking cbl does not know yet wait, and attach when the
-- shipment is created (the container is still unknown: that event waits).
-- Single events as a webhook receives them find the same shipment.
\set msg `cat test/fixtures/formats/dcsa_tnt-300-response.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
\set msg `cat test/fixtures/formats/dcsa_tnt-300-response-nextpage.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
SELECT event_id, shipment_ref, element->>'milestone' AS milestone FROM cbl.event_pending WHERE source = 'dcsa' ORDER BY event_id;
SELECT cbl.create_shipment('FCL-7099', 'ocean_fcl', 'FMT-DCSA', 'FMT-CBLX', NULL, 'GB', 'ES',
  '{"booking": "ABC709951"}') AS s3 \gset
SELECT count(*) AS still_pending FROM cbl.event_pending WHERE source = 'dcsa';
\set msg `cat test/fixtures/formats/dcsa_tnt-300-request-transport.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
\set msg `cat test/fixtures/formats/dcsa_tnt-300-request-shipment.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
SELECT event_id, milestone, classifier, occurred_at, location FROM cbl.event
 WHERE shipment_id = :s3 ORDER BY occurred_at;

-- Defects: each is rejected with its reason, the rest of the message goes on.
\set msg `cat test/fixtures/formats/dcsa_cbl_defects.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg', 'cblx');
\set msg `cat test/fixtures/formats/dcsa_tnt-220-response-wrong-date-times.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
\set msg `cat test/fixtures/formats/dcsa_tnt-220-response-wrong-event-ids.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
\set msg `cat test/fixtures/formats/dcsa_tnt-220-response-wrong-attribute-values.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
\set msg `cat test/fixtures/formats/dcsa_tnt-220-response-wrong-structure.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg');
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r1 ORDER BY reject_no;
-- a message that is not JSON at all, or of the wrong shape, is an error
SELECT * FROM cbl.ingest_events('dcsa', '[{"eventID": ');
SELECT * FROM cbl.ingest_events('dcsa', '{"page": 1}');
SELECT * FROM cbl.ingest_events('edifact', 'UNB+UNOC:3');

-- The code map is data: a row of your own overrides a shipped one (it is
-- kept by pg_dump; the shipped rows are read-only).
SELECT standard, version, code, qualifier, milestone, reason_code FROM cbl.code_map
 WHERE standard = 'DCSA' AND code = 'GTIN' ORDER BY qualifier, builtin;
UPDATE cbl.code_map SET milestone = 'ARRIVED' WHERE standard = 'DCSA' AND code = 'GTIN' AND qualifier = 'EMPTY';
INSERT INTO cbl.code_map (standard, code, qualifier, milestone, classifier, description)
VALUES ('DCSA', 'GTIN', 'EMPTY', 'WAREHOUSE_RECEIVED', NULL, 'our empties come back to our own depot');
SELECT * FROM cbl.ingest_events('dcsa', '{"events": [{"eventID": "own-1", "eventDateTime": "2025-04-10T08:00:00+02:00",
  "eventClassification": {"eventTypeCode": "EQUIPMENT", "eventClassifierCode": "ACT", "equipmentEventTypeCode": "GTIN"},
  "equipmentDetails": {"equipmentReference": "CBLU1234560", "emptyIndicatorCode": "EMPTY", "movementType": "IMPORT"}}]}', 'cblx');
SELECT event_id, milestone FROM cbl.event WHERE event_id = 'own-1';
DELETE FROM cbl.code_map WHERE NOT builtin;

-- Clean up: this test's rows only (earlier tests may leave theirs).
CREATE TEMP TABLE mine AS
  SELECT s.id FROM cbl.shipment s JOIN cbl.party p ON p.id = s.customer_id
   WHERE p.kind = 'customer' AND p.code = 'FMT-DCSA';
DELETE FROM cbl.event WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_conflict WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_reject WHERE reject_no > :r0;
DELETE FROM cbl.event_pending WHERE source IN ('cblx', 'dcsa');
DELETE FROM cbl.shipment WHERE id IN (SELECT id FROM mine);
DELETE FROM cbl.party WHERE code IN ('FMT-DCSA', 'FMT-CBLX', 'FMT-LH', 'FMT-EK');
DROP TABLE mine;
