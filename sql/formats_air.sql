-- Carrier formats: air cargo.  Cargo-IMP FSU text through
-- cbl.ingest_events('iata-fsu', message, received_at => ...) and IATA ONE
-- Record LogisticsEvents through cbl.ingest_events('iata-onerecord', ...)
-- (docs/formats.md).  Fixtures are in test/fixtures/formats.
SET TimeZone = 'UTC';
SELECT coalesce(max(reject_no), 0) AS r0 FROM cbl.event_reject \gset
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('customer', 'FMT-AIR', 'Acme Trading GmbH', 'DE'),
  ('carrier', 'FMT-LH', 'Lufthansa Cargo', 'DE'),
  ('carrier', 'FMT-EK', 'Emirates SkyCargo', 'AE');
SELECT cbl.create_shipment('AIR-0001', 'air', 'FMT-AIR', 'FMT-LH', NULL, 'DE', 'US', '{"awb": "020-12345675"}') AS s1 \gset
SELECT cbl.create_shipment('AIR-0002', 'air', 'FMT-AIR', 'FMT-EK', NULL, 'AE', 'US', '{"awb": "176-98765435"}') AS s2 \gset
SELECT cbl.create_shipment('AIR-0003', 'air', 'FMT-AIR', 'FMT-LH', NULL, 'DE', 'US', '{"awb": "020-22222222"}') AS s3 \gset

-- FSU: one status per line, several messages in one text, CRLF line ends
-- and Type B address lines as airlines send them.  Times are local at the
-- airport (Frankfurt on summer time, UTC+2; New York on daylight time,
-- UTC-4); dates have no year: each takes the one nearest received_at.
\set msg `cat test/fixtures/formats/fsu_020-12345675_fra_jfk.txt`
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', received_at => '2025-10-20 00:00+00');
SELECT e.payload->>'airport' AS airport, e.location, e.milestone, e.classifier, e.occurred_at,
       e.occurred_at AT TIME ZONE z.timezone AS airport_time
  FROM cbl.event e JOIN cbl.location_zone z ON z.code = e.payload->>'airport'
 WHERE e.shipment_id = :s1 ORDER BY e.occurred_at, e.milestone;
SELECT cbl.current_milestone(state), cbl.is_terminal(state) FROM cbl.shipment_state WHERE shipment_id = :s1;
-- the same text again: all duplicates
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', received_at => '2025-10-20 00:00+00');
-- the same dates received near new year belong to the year before
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', source => 'lh-feed', received_at => '2026-01-02 00:00+00');
SELECT min(occurred_at), max(occurred_at) FROM cbl.event WHERE source = 'lh-feed';

-- Through a transit airport: the place against the air waybill's origin and
-- destination is the code map qualifier, so arriving at and leaving New York
-- on the way to Chicago is TRANSSHIPPED, not ARRIVED or DEPARTED.  New York
-- leaves daylight time on 2 November 2025: 08:30 on 1 November is UTC-4,
-- 10:00 on 2 November is UTC-5.
\set msg `cat test/fixtures/formats/fsu_176-98765435_dxb_ord_transit.txt`
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', received_at => '2025-11-05 00:00+00');
SELECT e.payload->>'airport' AS airport, e.payload->>'flight' AS flight, e.milestone, e.occurred_at,
       e.occurred_at AT TIME ZONE z.timezone AS airport_time,
       to_char(e.occurred_at AT TIME ZONE z.timezone - (e.occurred_at AT TIME ZONE 'UTC'), 'HH24:MI') AS utc_offset
  FROM cbl.event e JOIN cbl.location_zone z ON z.code = e.payload->>'airport'
 WHERE e.shipment_id = :s2 ORDER BY e.occurred_at;

-- A split shipment: 4 of its 6 pieces fly first.  That status is partial:
-- stored, but DEPARTED is not complete until the status for all pieces.
\set msg `cat test/fixtures/formats/fsu_020-22222222_split_part.txt`
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', received_at => '2025-11-05 00:00+00');
SELECT milestone, partial, occurred_at, payload->>'pieces' AS pieces, payload->>'awb_pieces' AS of
  FROM cbl.event WHERE shipment_id = :s3;
SELECT cbl.milestone_time(state, 'DEPARTED') AS departed FROM cbl.shipment_state WHERE shipment_id = :s3;
SELECT count(*) AS states FROM cbl.shipment_state WHERE shipment_id = :s3;
\set msg `cat test/fixtures/formats/fsu_020-22222222_split_all.txt`
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', received_at => '2025-11-05 00:00+00');
SELECT cbl.milestone_time(state, 'DEPARTED') AS departed FROM cbl.shipment_state WHERE shipment_id = :s3;

-- Defects: a line cut off, a day that does not exist, an unknown status
-- code, an airport cbl.location_zone does not know, an air waybill whose
-- check digit is wrong.  Each is rejected with its reason.
\set msg `cat test/fixtures/formats/fsu_defects.txt`
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', received_at => '2025-10-20 00:00+00');
SELECT position, reason, element FROM cbl.event_reject WHERE reject_no > :r0 ORDER BY reject_no;
SELECT coalesce(max(reject_no), 0) AS r1 FROM cbl.event_reject \gset
SELECT * FROM cbl.ingest_events('iata-fsu', 'QD FRAFMLH');

-- ONE Record.  The published examples (Digital Cargo's good practice)
-- hang under one logistics object and all carry the same @id: the first is
-- accepted, the others are the same event with other content, conflicts.
SELECT cbl.create_shipment('AIR-0004', 'air', 'FMT-AIR', 'FMT-LH', NULL, 'DE', 'US',
  '{"other": "https://1r.example.com/logistics-object/abcd"}') AS s4 \gset
\set msg `cat test/fixtures/formats/onerecord_logistics-event-BKD.json`
SELECT * FROM cbl.ingest_events('iata-onerecord', :'msg');
\set msg `cat test/fixtures/formats/onerecord_logistics-event-DEP.json`
SELECT * FROM cbl.ingest_events('iata-onerecord', :'msg');
SELECT event_id, milestone, classifier, occurred_at, location FROM cbl.event WHERE shipment_id = :s4;
SELECT incoming->>'milestone' AS milestone, reason FROM cbl.event_conflict WHERE shipment_id = :s4;

-- An array of events with their own IRIs, for a waybill embedded in the
-- first (its AWB finds the shipment too): freight on hand, received, a
-- partial departure, an estimated arrival, an offload (a discrepancy, no
-- milestone), the departure of all pieces.
SELECT cbl.create_shipment('AIR-0005', 'air', 'FMT-AIR', 'FMT-LH', NULL, 'DE', 'US', '{"awb": "020-11111111"}') AS s5 \gset
\set msg `cat test/fixtures/formats/onerecord_cbl_events.json`
SELECT * FROM cbl.ingest_events('iata-onerecord', :'msg', 'lh-1r');
SELECT regexp_replace(event_id, '.*/', '') AS event, shipment_ref, element->>'milestone' AS milestone, element->>'partial' AS partial
  FROM cbl.event_pending WHERE source = 'lh-1r' ORDER BY event_id;
SELECT cbl.add_shipment_reference(:s5, 'other', 'https://1r.cbl.example/logistics-objects/waybill-02011111111');
SELECT regexp_replace(event_id, '.*/', '') AS event, milestone, classifier, partial, occurred_at, location, updated_at
  FROM cbl.event WHERE shipment_id = :s5 ORDER BY occurred_at;
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r1 ORDER BY reject_no;
SELECT cbl.milestone_time(state, 'DEPARTED') AS departed, cbl.milestone_time(state, 'ARRIVED', 'EST') AS eta
  FROM cbl.shipment_state WHERE shipment_id = :s5;
SELECT * FROM cbl.ingest_events('iata-onerecord', :'msg', 'lh-1r');
SELECT * FROM cbl.ingest_events('iata-onerecord', '{"@type": "Waybill", "waybillNumber": "11111111"}');
SELECT reason FROM cbl.event_reject ORDER BY reject_no DESC LIMIT 1;

-- Clean up: this test's rows only (earlier tests may leave theirs).
CREATE TEMP TABLE mine AS
  SELECT s.id FROM cbl.shipment s JOIN cbl.party p ON p.id = s.customer_id
   WHERE p.kind = 'customer' AND p.code = 'FMT-AIR';
DELETE FROM cbl.event WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_conflict WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_reject WHERE reject_no > :r0;
DELETE FROM cbl.event_pending WHERE source IN ('iata-fsu', 'lh-feed', 'iata-onerecord', 'lh-1r');
DELETE FROM cbl.shipment WHERE id IN (SELECT id FROM mine);
DELETE FROM cbl.party WHERE code IN ('FMT-AIR', 'FMT-CBLX', 'FMT-LH', 'FMT-EK');
DROP TABLE mine;
