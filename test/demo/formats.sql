-- cbl demo, carrier formats section: one message of each format cbl reads,
-- fed as it came through cbl.ingest_events(format, message, source,
-- received_at), with what each call did and the timeline it built.
--
-- The messages are the files of test/fixtures/formats (their sources are in
-- its README.md): demo.sh passes that folder as the psql variable "dir", and
-- each file is read with \set msg `cat :'dir'/FILE` (psql puts the folder,
-- shell-quoted, inside the backquotes).  The UPU events are a canonical
-- batch written here.  Everything is qualified, whatever the search_path.

\echo
\echo '=== 15. Carrier formats: one message of each, as the carrier sent it'
SET timezone = 'UTC';

-- The shipments the messages name, by booking, bill of lading, container,
-- air waybill, S10 item id or another reference.
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('customer', 'ACME-TRD', 'Acme Trading GmbH',         'DE'),
  ('carrier',  'CBLX',     'CBL Example Line',          'DK'),
  ('carrier',  'ROADX',    'Example Road Carrier Inc.', 'US'),
  ('carrier',  'LH',       'Lufthansa Cargo',           'DE'),
  ('carrier',  'CP',       'China Post',                'CN')
ON CONFLICT DO NOTHING;
SELECT count(cbl.create_shipment(ref, fw, 'ACME-TRD', carrier, NULL, orig, dest, refs)) AS shipments
  FROM (VALUES
    ('FCL-7001',    'ocean_fcl',   'CBLX',  'CN', 'DE',
     '{"booking": "BKG7001234", "bl": "CBLXSHA250001", "container": "CBLU1234560"}'::jsonb),
    ('FCL-3151',    'ocean_fcl',   'CBLX',  'US', 'US', '{"bl": "21001ASK5V9U"}'),
    ('LTL-1751807', 'import_only', 'ROADX', NULL, 'US', '{"other": "1751807"}'),
    ('AIR-0001',    'air',         'LH',    'DE', 'US', '{"awb": "020-12345675"}'),
    ('AIR-0005',    'air',         'LH',    'DE', 'US',
     '{"awb": "020-11111111", "other": "https://1r.cbl.example/logistics-objects/waybill-02011111111"}'),
    ('PST-0001',    'postal',      'CP',    'CN', 'DE', '{"s10": "RR123456785CN"}')
  ) AS v (ref, fw, carrier, orig, dest, refs);

\echo
\echo '--- DCSA Track & Trace 3.0 (dcsa_cbl_30_journey.json): a container Shanghai - Singapore - Hamburg'
\echo 'Each event finds FCL-7001 by its booking, bill of lading or container; the code map turns'
\echo 'event type and qualifier into milestones.'
\set msg `cat :'dir'/dcsa_cbl_30_journey.json`
SELECT * FROM cbl.ingest_events('dcsa', :'msg', 'cblx');
SELECT position, milestone, estimated, actual, actual_source
  FROM cbl.v_timeline
 WHERE reference = 'FCL-7001' AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;

\echo
\echo '--- ANSI X12 315, ocean status (x12_315_x12-types_004010.edi, a published sample)'
\echo 'Its status place is a city, LOCKBOURNE, not a UN/LOCODE: the local time cannot be placed,'
\echo 'so the status is rejected, with the reason kept in cbl.event_reject ...'
\set msg `cat :'dir'/x12_315_x12-types_004010.edi`
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT reason FROM cbl.event_reject ORDER BY reject_no DESC LIMIT 1;
\echo '... until cbl.location_zone names the place; the same file then goes in:'
INSERT INTO cbl.location_zone (code, kind, timezone, description)
VALUES ('LOCKBOURNE', 'place', 'America/New_York', 'Rickenbacker intermodal terminal, Ohio');
SELECT * FROM cbl.ingest_events('x12-315', :'msg');
SELECT e.milestone, e.occurred_at, e.occurred_at AT TIME ZONE 'America/New_York' AS local_time,
       e.payload->>'vessel_name' AS vessel, e.payload->>'equipment' AS equipment
  FROM cbl.event e WHERE e.shipment_id = cbl.find_shipment('FCL-3151');
SELECT position, milestone, estimated, actual, actual_source
  FROM cbl.v_timeline
 WHERE reference = 'FCL-3151' AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;

\echo
\echo '--- ANSI X12 214, carrier shipment status (x12_214_EDI.Net_MGCTLYST-SAMPLE.edi, a published sample)'
\echo 'A truckload delivered in Brattleboro, Vermont: AT7 time code LT is local at the MS1 place.'
\set msg `cat :'dir'/x12_214_EDI.Net_MGCTLYST-SAMPLE.edi`
SELECT * FROM cbl.ingest_events('x12-214', :'msg');
SELECT position, milestone, estimated, actual, actual_source
  FROM cbl.v_timeline
 WHERE reference = 'LTL-1751807' AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;

\echo
\echo '--- IATA Cargo-IMP FSU (fsu_020-12345675_fra_jfk.txt): Frankfurt - New York, booked to delivered'
\echo 'Airport local times; the dates have no year, so each takes the one nearest received_at.'
\set msg `cat :'dir'/fsu_020-12345675_fra_jfk.txt`
SELECT * FROM cbl.ingest_events('iata-fsu', :'msg', 'lh-fsu', '2025-10-20 00:00+00');
SELECT position, milestone, estimated, actual, actual_source
  FROM cbl.v_timeline
 WHERE reference = 'AIR-0001' AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;

\echo
\echo '--- IATA ONE Record LogisticsEvents (onerecord_cbl_events.json)'
\echo 'Freight on hand, received, a partial and a full departure, an arrival estimate; an offload is'
\echo 'a discrepancy, not a milestone: it is recorded with its reason code and no milestone.'
\set msg `cat :'dir'/onerecord_cbl_events.json`
SELECT * FROM cbl.ingest_events('iata-onerecord', :'msg', 'lh-1r');
SELECT regexp_replace(event_id, '.*/', '') AS event, milestone, reason_code, occurred_at
  FROM cbl.event WHERE source = 'lh-1r' AND milestone IS NULL ORDER BY occurred_at;
SELECT position, milestone, estimated, actual, actual_source
  FROM cbl.v_timeline
 WHERE reference = 'AIR-0005' AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;

\echo
\echo '--- UPU EMSEVT postal events, sent as canonical cbl events with standard UPU and the event code'
\echo 'China Post and Deutsche Post each report part of the way; EME (held by customs) is a customs hold.'
SELECT * FROM cbl.ingest_events('cbl', '[
  {"source": "cnpost", "event_id": "1", "shipment": "RR123456785CN", "standard": "UPU", "code": "EMA", "occurred_at": "2025-06-02T09:10:00+08:00", "location": "CNSHA"},
  {"source": "cnpost", "event_id": "2", "shipment": "RR123456785CN", "standard": "UPU", "code": "EXA", "occurred_at": "2025-06-03T10:00:00+08:00"},
  {"source": "cnpost", "event_id": "3", "shipment": "RR123456785CN", "standard": "UPU", "code": "EXC", "occurred_at": "2025-06-03T16:00:00+08:00"},
  {"source": "cnpost", "event_id": "4", "shipment": "RR123456785CN", "standard": "UPU", "code": "EMC", "occurred_at": "2025-06-04T22:00:00+08:00"},
  {"source": "dpag", "event_id": "a", "shipment": "RR 123 456 785 CN", "standard": "UPU", "code": "EMD", "occurred_at": "2025-06-09T06:30:00+02:00", "location": "DEFRA"},
  {"source": "dpag", "event_id": "b", "shipment": "RR123456785CN", "standard": "UPU", "code": "EDB", "occurred_at": "2025-06-09T08:00:00+02:00"},
  {"source": "dpag", "event_id": "c", "shipment": "RR123456785CN", "standard": "UPU", "code": "EME", "occurred_at": "2025-06-09T11:00:00+02:00"},
  {"source": "dpag", "event_id": "d", "shipment": "RR123456785CN", "standard": "UPU", "code": "EDC", "occurred_at": "2025-06-11T10:00:00+02:00"},
  {"source": "dpag", "event_id": "e", "shipment": "RR123456785CN", "standard": "UPU", "code": "EDG", "occurred_at": "2025-06-12T07:45:00+02:00"},
  {"source": "dpag", "event_id": "f", "shipment": "RR123456785CN", "standard": "UPU", "code": "EMH", "occurred_at": "2025-06-12T11:20:00+02:00"},
  {"source": "dpag", "event_id": "g", "shipment": "RR123456785CN", "standard": "UPU", "code": "EMI", "occurred_at": "2025-06-13T10:05:00+02:00"}
]');
SELECT position, milestone, estimated, actual, actual_source
  FROM cbl.v_timeline
 WHERE reference = 'PST-0001' AND (estimated IS NOT NULL OR actual IS NOT NULL) ORDER BY position;

\echo
\echo 'Where each shipment of the formats stands now (cbl.v_shipment_status):'
SELECT reference, framework, current_milestone, is_terminal
  FROM cbl.v_shipment_status
 WHERE reference IN ('FCL-7001', 'FCL-3151', 'LTL-1751807', 'AIR-0001', 'AIR-0005', 'PST-0001')
 ORDER BY reference;
