-- Carrier formats: ANSI X12 315 (ocean status) and 214 (carrier shipment
-- status) through cbl.ingest_events('x12-315' | 'x12-214', message)
-- (docs/formats.md).  Fixtures are in test/fixtures/formats.
SET TimeZone = 'UTC';
SELECT coalesce(max(reject_no), 0) AS r0 FROM cbl.event_reject \gset
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('customer', 'FMT-X12', 'Acme Trading Inc', 'US'),
  ('carrier', 'FMT-CBLX', 'CBL Example Line', 'DK');
SELECT cbl.create_shipment('FCL-3150', 'ocean_fcl', 'FMT-X12', 'FMT-CBLX', NULL, 'CN', 'US',
  '{"bl": "CBLXLAX250007", "container": "CBLU7654322"}') AS s1 \gset
SELECT cbl.create_shipment('FCL-3151', 'ocean_fcl', 'FMT-X12', 'FMT-CBLX', NULL, 'US', 'US',
  '{"bl": "21001ASK5V9U"}') AS s2 \gset
SELECT cbl.create_shipment('FCL-3152', 'ocean_fcl', 'FMT-X12', 'FMT-CBLX', NULL, 'CN', 'US',
  '{"bl": "CBLXNGB250031"}') AS s6 \gset
SELECT cbl.create_shipment('LTL-1751807', 'import_only', 'FMT-X12', 'FMT-CBLX', NULL, NULL, 'US',
  '{"other": "1751807"}') AS s3 \gset
SELECT cbl.create_shipment('LTL-187676', 'import_only', 'FMT-X12', 'FMT-CBLX', NULL, NULL, 'US',
  '{"other": "187676"}') AS s4 \gset
SELECT cbl.create_shipment('LTL-0542550913', 'import_only', 'FMT-X12', 'FMT-CBLX', NULL, NULL, 'US',
  '{"other": "0542550913"}') AS s5 \gset

-- 315: three transaction sets in one interchange.  B4 times are local at the
-- status location (the UN/LOCODE in B411): Shanghai is UTC+8, Los Angeles
-- is on daylight time (UTC-7) from 9 March 2025.  The R4 function of that
-- port (L loading, D discharge) is the code map qualifier.
\set msg `cat test/fixtures/formats/x12_315_cbl_journey.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT e.event_id, e.shipment_ref, e.milestone, e.classifier, e.occurred_at,
       e.occurred_at AT TIME ZONE (SELECT z.timezone FROM cbl.location_zone z
                                    WHERE z.code IN (e.location, left(e.location, 2))
                                    ORDER BY length(z.code) DESC LIMIT 1) AS local_time,
       e.location, e.updated_at
  FROM cbl.event e WHERE e.shipment_id = :s1 ORDER BY e.occurred_at;
SELECT payload FROM cbl.event WHERE shipment_id = :s1 AND milestone = 'ARRIVED';
-- the same file again: all duplicates
SELECT * FROM cbl.ingest_events('x12-315', :'msg');

-- 315 port dates: each DTM of an R4 loop is an event of its own (code map
-- standard X12-315-DTM, code DTM01, qualifier the R4 port function): 140
-- at the port of loading is DEPARTED ACT, 139 at a transshipment port
-- TRANSSHIPPED EST, at the port of discharge ARRIVED EST, at the place of
-- delivery DELIVERED EST; an actual time at the place of receipt is
-- information (reason code DTM140).  DTM times without a time code are
-- local at the port; a date without a time is local midnight.  The DTM
-- before the first R4 belongs to no port and is not read.
\set msg `cat test/fixtures/formats/x12_315_cbl_dates.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT e.event_id, e.milestone, e.classifier, e.reason_code, e.occurred_at, e.location,
       e.payload->>'port_function' AS fn, e.payload->>'time_given' AS time_given
  FROM cbl.event e WHERE e.shipment_id = :s6 ORDER BY e.occurred_at, e.event_id;
SELECT payload FROM cbl.event WHERE shipment_id = :s6 AND milestone = 'ARRIVED';
-- Carriers repeat the dates in every 315: the id is the date's own key
-- (sender, DTM01, port function and port, the bills of lading in any
-- order), not the set's, so a shipment keeps one event per port date.  The same
-- file again is all duplicates.  The next 315 (a later group, its
-- references in another order) repeats two dates and moves two ETAs: all
-- four are the next revisions of their events (a later GS04/GS05 is a
-- later issue), and the state follows the moved ETAs.  It adds the actual
-- time at Singapore, and one DTM has a day that does not exist: that date
-- alone is rejected.  ET, CT ... time codes are read as on AT7.
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
\set msg `cat test/fixtures/formats/x12_315_cbl_dates_moved.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT e.event_id, e.revision, e.milestone, e.classifier, e.occurred_at
  FROM cbl.event e WHERE e.shipment_id = :s6 AND e.revision > 1 ORDER BY e.event_id;
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r0 ORDER BY reject_no;
-- A 315 that comes late (its group is older than the current dates'):
-- its status is new; the ETA at Los Angeles it gives is the current one,
-- issued earlier, so a duplicate; its ETA at Chicago is neither the current
-- one nor a stored one: a conflict (in a transaction rolled back).
BEGIN;
\set msg `cat test/fixtures/formats/x12_315_cbl_dates_late.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT event_id, incoming->>'occurred_at' AS incoming_at FROM cbl.event_conflict
 WHERE shipment_id = :s6 ORDER BY conflict_no;
ROLLBACK;
SELECT cbl.milestone_time(st.state, 'ARRIVED', 'EST') AS eta_discharge,
       cbl.milestone_time(st.state, 'TRANSSHIPPED', 'ACT') AS transshipped,
       v.current_milestone, v.eta
  FROM cbl.shipment_state st JOIN cbl.v_shipment_status v ON v.shipment_id = st.shipment_id
 WHERE st.shipment_id = :s6;
-- Two 315s of one group (the same GS04/GS05), naming only the bill of
-- lading (it keys the dates), give the ETA at Los Angeles two different
-- times.  X12 gives nothing to order them by: one becomes the event's next
-- revision and the other a conflict, recorded, whatever their order in the
-- file (the content hash decides: the swapped file, tried first and rolled
-- back, gives the same), and the state holds the stored one.
BEGIN;
SAVEPOINT swapped;
\set msg `cat test/fixtures/formats/x12_315_cbl_dates_conflict_swapped.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT c.event_id, c.incoming->>'occurred_at' AS incoming_at FROM cbl.event_conflict c
 WHERE c.shipment_id = :s6;
SELECT cbl.milestone_time(state, 'ARRIVED', 'EST') AS eta_discharge FROM cbl.shipment_state
 WHERE shipment_id = :s6;
ROLLBACK TO SAVEPOINT swapped;
\set msg `cat test/fixtures/formats/x12_315_cbl_dates_conflict.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT c.event_id, c.incoming->>'occurred_at' AS incoming_at FROM cbl.event_conflict c
 WHERE c.shipment_id = :s6;
SELECT cbl.milestone_time(state, 'ARRIVED', 'EST') AS eta_discharge FROM cbl.shipment_state
 WHERE shipment_id = :s6;
COMMIT;
DELETE FROM cbl.event_reject WHERE reject_no > :r0;

-- The published 315: its status location is a city (B411 LOCKBOURNE,
-- qualifier CI) that cbl.location_zone does not know, so the time cannot be
-- placed and the status is rejected with that reason.  Naming the place
-- lets it through.
\set msg `cat test/fixtures/formats/x12_315_x12-types_004010.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r0 ORDER BY reject_no;
INSERT INTO cbl.location_zone (code, kind, timezone, description)
VALUES ('LOCKBOURNE', 'place', 'America/New_York', 'Rickenbacker intermodal terminal, Ohio');
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT event_id, shipment_ref, milestone, classifier, occurred_at, payload->>'vessel_name' AS vessel,
       payload->>'equipment' AS equipment
  FROM cbl.event WHERE shipment_id = :s2;

-- 214: the same interchange three ways: as published, with a byte-order
-- mark and its ISA broken over two lines, and (another carrier) on a single
-- line with no line break at all; and one whose segment terminator is the
-- three-byte "…".  AT7 time code LT is local at the MS1 place (US-VT),
-- ET is US Eastern time.
\set msg `cat test/fixtures/formats/x12_214_EDI.Net_MGCTLYST-SAMPLE.edi`
SELECT * FROM cbl.ingest_events('x12-214', :'msg');
\set msg `cat test/fixtures/formats/x12_214_EDI.Net_bom-split-isa.edi`
SELECT * FROM cbl.ingest_events('x12-214', :'msg');
\set msg `cat test/fixtures/formats/x12_214_ballerina_single-line.edi`
SELECT * FROM cbl.ingest_events('x12-214', :'msg');
\set msg `cat test/fixtures/formats/x12_214_staedi_ellipses-segterm.edi`
SELECT * FROM cbl.ingest_events('x12-214', :'msg');
-- X3 and CD are no milestone: recorded with their reason code; K2 is not
-- in the code map: rejected.
SELECT s.reference, e.milestone, e.classifier, e.occurred_at, e.payload->>'time_code' AS tc,
       e.payload->>'city' AS city, e.payload->>'state' AS state, e.shipment_ref, e.reason_code
  FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id
 WHERE e.source = 'x12-214' ORDER BY s.reference, e.occurred_at;
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r0 AND element LIKE '%K2%' ORDER BY reject_no;
-- the AT8 of an LX loop gives the weight and lading quantity of its statuses
SELECT e.payload->>'status' AS status, e.payload->>'reason' AS reason, e.payload->>'weight_qualifier' AS q,
       e.payload->>'weight' AS weight, e.payload->>'weight_unit' AS unit, e.payload->>'lading_quantity' AS quantity
  FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id
 WHERE e.source = 'x12-214' AND s.reference = 'LTL-187676' ORDER BY e.occurred_at;
SELECT coalesce(max(reject_no), 0) AS r1 FROM cbl.event_reject \gset

-- Defects, one per transaction set: a wrong segment count (SE01), a day
-- that does not exist, an unknown status code, and an interchange cut off
-- in its first set.  The good set of the same interchange goes in.
\set msg `cat test/fixtures/formats/x12_315_cbl_defects.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
-- broken group and interchange trailers reject the sets inside them
\set msg `cat test/fixtures/formats/x12_214_cbl_defects.edi`
SELECT * FROM cbl.ingest_events('x12-214', :'msg');
SELECT position, reason, split_part(element, '~', 1) AS first_segment FROM cbl.event_reject
 WHERE reject_no > :r1 ORDER BY reject_no;
SELECT milestone, occurred_at FROM cbl.event WHERE shipment_id = :s1 AND milestone = 'IMPORT_CLEARED';
-- a 214 is not a 315
\set msg `cat test/fixtures/formats/x12_214_EDI.Net_MGCTLYST-SAMPLE.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT reason FROM cbl.event_reject ORDER BY reject_no DESC LIMIT 1;
-- text that is not X12 at all is an error
SELECT * FROM cbl.ingest_events('x12-315', 'UNA:+.? ''UNB+UNOC:3');
SELECT * FROM cbl.ingest_events('x12-315', 'ISA*00*');

DELETE FROM cbl.location_zone WHERE NOT builtin;
-- Clean up: this test's rows only (earlier tests may leave theirs).
CREATE TEMP TABLE mine AS
  SELECT s.id FROM cbl.shipment s JOIN cbl.party p ON p.id = s.customer_id
   WHERE p.kind = 'customer' AND p.code = 'FMT-X12';
DELETE FROM cbl.event WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_conflict WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_reject WHERE reject_no > :r0;
DELETE FROM cbl.event_pending WHERE source IN ('x12-315', 'x12-214');
DELETE FROM cbl.shipment WHERE id IN (SELECT id FROM mine);
DELETE FROM cbl.party WHERE code IN ('FMT-X12', 'FMT-CBLX', 'FMT-LH', 'FMT-EK');
DROP TABLE mine;
