-- Events that are no milestone (holds, delays, document and warehouse
-- steps): recorded with their reason code and no milestone, idempotent like
-- every event, ignored by the state, and read by the exception scan when
-- their reason code raises one (cbl.code_map.raises; docs/formats.md,
-- docs/exceptions.md).
SET TimeZone = 'UTC';
SELECT coalesce(max(reject_no), 0) AS r0 FROM cbl.event_reject \gset
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('customer', 'RSN-CUST', 'Acme Trading GmbH', 'DE'),
  ('carrier', 'RSN-CARR', 'CBL Example Line', 'DK');
SELECT cbl.create_shipment('RSN-AIR-1', 'air', 'RSN-CUST', 'RSN-CARR', NULL, 'DE', 'US', '{"awb": "020-33333333"}') AS a1 \gset
SELECT cbl.create_shipment('RSN-AIR-2', 'air', 'RSN-CUST', 'RSN-CARR', NULL, 'DE', 'US',
  '{"other": "https://1r.cbl.example/logistics-objects/waybill-02044444444"}') AS a2 \gset
SELECT cbl.create_shipment('RSN-FCL-1', 'ocean_fcl', 'RSN-CUST', 'RSN-CARR', NULL, 'CN', 'US', '{"bl": "CBLXLAX250099"}') AS o1 \gset
SELECT cbl.create_shipment('RSN-LTL-1', 'express_parcel', 'RSN-CUST', 'RSN-CARR', NULL, 'US', 'US', '{"reference": "RSN-LTL-1", "bl": "RSN880001"}') AS l1 \gset
SELECT cbl.create_shipment('RSN-FCL-2', 'ocean_fcl', 'RSN-CUST', 'RSN-CARR', NULL, 'CN', 'DE', '{"booking": "RSNBKG0002"}') AS o2 \gset

-- The shipped codes that raise an exception, and what.
SELECT standard, code, qualifier, reason_code, raises, description FROM cbl.code_map
 WHERE raises IS NOT NULL ORDER BY standard, code, qualifier;
-- Reason codes are looked up across standards: the shipped rows of codes
-- that are no milestone never disagree on what one raises.
SELECT reason_code, array_agg(DISTINCT coalesce(raises, '-')) FROM cbl.code_map
 WHERE builtin AND milestone IS NULL GROUP BY reason_code HAVING count(DISTINCT coalesce(raises, '-')) > 1;

-- Canonical JSON: an event with a reason code and no milestone is recorded
-- as it is; the state ignores it.
SELECT * FROM cbl.ingest_events('[
  {"source": "ops", "event_id": "r1", "shipment": "020-33333333", "milestone": "BOOKED", "classifier": "ACT",
   "occurred_at": "2025-10-14T08:00:00Z"},
  {"source": "ops", "event_id": "r2", "shipment": "020-33333333", "reason_code": "DOC",
   "occurred_at": "2025-10-14T09:00:00Z", "location": "DEFRA"}
]');
SELECT event_id, revision, milestone, classifier, occurred_at, location, reason_code FROM cbl.event
 WHERE shipment_id = :a1 ORDER BY event_id, revision;
SELECT state AS state_a1 FROM cbl.shipment_state WHERE shipment_id = :a1 \gset
SELECT cbl.current_milestone(state) FROM cbl.shipment_state WHERE shipment_id = :a1;
-- re-sent: a duplicate; changed with a later updated_at: a new revision;
-- changed without: a conflict; withdrawn: retracted.  The state never moves.
SELECT * FROM cbl.ingest_events('[{"source": "ops", "event_id": "r2", "shipment": "020-33333333", "reason_code": "DOC",
   "occurred_at": "2025-10-14T09:00:00Z", "location": "DEFRA"}]');
SELECT * FROM cbl.ingest_events('[{"source": "ops", "event_id": "r2", "shipment": "020-33333333", "reason_code": "DOC",
   "occurred_at": "2025-10-14T09:30:00Z", "location": "DEFRA", "updated_at": "2025-10-14T10:00:00Z"}]');
SELECT * FROM cbl.ingest_events('[{"source": "ops", "event_id": "r2", "shipment": "020-33333333", "reason_code": "FIW",
   "occurred_at": "2025-10-14T09:30:00Z", "location": "DEFRA"}]');
SELECT event_id, revision, milestone, occurred_at, reason_code, retracted FROM cbl.event
 WHERE shipment_id = :a1 AND event_id = 'r2' ORDER BY revision;
SELECT incoming->>'reason_code' AS reason_code, incoming ? 'milestone' AS has_milestone, reason
  FROM cbl.event_conflict WHERE shipment_id = :a1;
SELECT state OPERATOR(cbl.=) :'state_a1'::cbl.milestone_state AS state_unchanged
  FROM cbl.shipment_state WHERE shipment_id = :a1;
-- classifier: ACT unless given; version and qualifier need a code
SELECT * FROM cbl.ingest_events('[
  {"source": "ops", "event_id": "r3", "shipment": "020-33333333", "reason_code": "FOW", "classifier": "est",
   "occurred_at": "2025-10-15T09:00:00Z"},
  {"source": "ops", "event_id": "r4", "shipment": "020-33333333", "reason_code": "FOW", "qualifier": "X",
   "occurred_at": "2025-10-15T09:00:00Z"},
  {"source": "ops", "event_id": "r5", "shipment": "020-33333333", "occurred_at": "2025-10-15T09:00:00Z"},
  {"source": "ops", "event_id": "r6", "shipment": "020-33333333", "code": "TGC", "reason_code": "TGC",
   "occurred_at": "2025-10-15T09:00:00Z"}
]');
SELECT event_id, milestone, classifier, reason_code FROM cbl.event WHERE shipment_id = :a1 AND event_id = 'r3';
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r0 ORDER BY reject_no;
SELECT coalesce(max(reject_no), 0) AS r1 FROM cbl.event_reject \gset

-- Order makes no difference: the same reason and milestone events in two
-- orders give the same history and state as one batch.
SELECT cbl.create_shipment('RSN-ORD-1', 'air', 'RSN-CUST', 'RSN-CARR', NULL, 'DE', 'US', '{"reference": "RSN-ORD-1"}') AS p1 \gset
SELECT cbl.create_shipment('RSN-ORD-2', 'air', 'RSN-CUST', 'RSN-CARR', NULL, 'DE', 'US', '{"reference": "RSN-ORD-2"}') AS p2 \gset
CREATE TEMP TABLE batch AS
SELECT jsonb_build_object('source', 'ops', 'event_id', 'o' || n, 'occurred_at', '2025-10-20T00:00:00Z'::timestamptz + n * interval '1 hour',
         'updated_at', '2025-10-21T00:00:00Z'::timestamptz + v * interval '1 minute')
       || CASE WHEN n % 2 = 0 THEN jsonb_build_object('reason_code', 'FIW')
               ELSE jsonb_build_object('milestone', (ARRAY['BOOKED', 'ORIGIN_RECEIVED', 'DEPARTED'])[n / 2 + 1], 'classifier', 'ACT') END AS e,
       n, v
  FROM generate_series(0, 5) n, generate_series(1, 2) v;
SELECT * FROM cbl.ingest_events((SELECT jsonb_agg(e || '{"shipment": "RSN-ORD-1"}' ORDER BY n, v) FROM batch));
SELECT * FROM cbl.ingest_events((SELECT jsonb_agg(e || '{"shipment": "RSN-ORD-2"}' ORDER BY v DESC, n DESC) FROM batch WHERE n >= 3));
SELECT * FROM cbl.ingest_events((SELECT jsonb_agg(e || '{"shipment": "RSN-ORD-2"}' ORDER BY v DESC, n DESC) FROM batch));
SELECT (SELECT array_agg(ROW(event_id, revision, milestone, reason_code, occurred_at, updated_at)::text ORDER BY event_id, revision)
          FROM cbl.event WHERE shipment_id = :p1)
     = (SELECT array_agg(ROW(event_id, revision, milestone, reason_code, occurred_at, updated_at)::text ORDER BY event_id, revision)
          FROM cbl.event WHERE shipment_id = :p2) AS same_history,
       (SELECT state FROM cbl.shipment_state WHERE shipment_id = :p1)
         OPERATOR(cbl.=) (SELECT state FROM cbl.shipment_state WHERE shipment_id = :p2) AS same_state,
       (SELECT count(*) FROM cbl.event WHERE shipment_id = :p1 AND milestone IS NULL) AS reason_revisions;
DROP TABLE batch;

-- A reason event for a shipment cbl does not know yet waits, and is
-- recorded as such when the shipment appears.
SELECT * FROM cbl.ingest_events('[{"source": "ops", "event_id": "w1", "shipment": "RSN-LATE-1", "reason_code": "TGC",
   "occurred_at": "2025-10-16T09:00:00Z"}]');
SELECT event_id, element FROM cbl.event_pending WHERE shipment_ref = 'RSN-LATE-1';
SELECT cbl.create_shipment('RSN-LATE-1', 'air', 'RSN-CUST', 'RSN-CARR', NULL, 'DE', 'US', '{}') AS p3 \gset
SELECT event_id, milestone, classifier, reason_code FROM cbl.event WHERE shipment_id = :p3;
-- it raises a customs hold; withdrawn, the hold is gone
SELECT kind, milestone, detail FROM cbl.detect_exceptions('2025-10-16 12:00+00', ARRAY[cbl.find_shipment('RSN-LATE-1')]);
SELECT * FROM cbl.scan_exceptions('2025-10-16 12:00+00', ARRAY[:p3]::bigint[]);
SELECT * FROM cbl.ingest_events('[{"source": "ops", "event_id": "w1", "shipment": "RSN-LATE-1", "reason_code": "TGC",
   "occurred_at": "2025-10-16T09:00:00Z", "updated_at": "2025-10-16T13:00:00Z", "retracted": true}]');
SELECT event_id, revision, milestone, reason_code, retracted FROM cbl.event WHERE shipment_id = :p3 ORDER BY revision;
SELECT * FROM cbl.scan_exceptions('2025-10-16 14:00+00', ARRAY[:p3]::bigint[]);
SELECT kind, milestone, detail, opened_at, resolved_at FROM cbl.exception WHERE shipment_id = :p3;

-- IATA Cargo-IMP: TGC (transferred to customs or government control) is no
-- milestone; it is recorded, and raises a customs hold until CCD clears it.
SELECT * FROM cbl.ingest_events('iata-fsu', 'QD NYCFFXX
.JFKFMLH 171200
FSU/14
020-33333333FRAJFK/T2K40.0
ARR/LH400/16OCT/JFK/T2K40.0/AA2015
TGC/JFK/17OCT1000/T2K40.0
', received_at => '2025-10-20 00:00+00');
SELECT milestone, occurred_at, location, reason_code FROM cbl.event
 WHERE shipment_id = :a1 AND source = 'iata-fsu' ORDER BY occurred_at;
SELECT * FROM cbl.scan_exceptions('2025-10-17 18:00+00', ARRAY[:a1]::bigint[]);
SELECT kind, milestone, detail, opened_at, resolved_at FROM cbl.exception WHERE shipment_id = :a1;
SELECT * FROM cbl.ingest_events('iata-fsu', 'QD NYCFFXX
.JFKFMLH 181200
FSU/14
020-33333333FRAJFK/T2K40.0
CCD/JFK/18OCT0900/T2K40.0
', received_at => '2025-10-20 00:00+00');
SELECT * FROM cbl.scan_exceptions('2025-10-18 18:00+00', ARRAY[:a1]::bigint[]);
SELECT kind, milestone, opened_at, resolved_at FROM cbl.exception WHERE shipment_id = :a1;

-- IATA ONE Record: the same code as a LogisticsEvent.
SELECT * FROM cbl.ingest_events('iata-onerecord', '{
  "@context": {"@vocab": "https://onerecord.iata.org/ns/cargo#"},
  "@type": "LogisticsEvent",
  "@id": "https://1r.cbl.example/logistics-objects/waybill-02044444444/logistics-events/t1",
  "eventCode": {"@id": "https://onerecord.iata.org/ns/coreCodeLists#StatusCode_TGC"},
  "eventTimeType": {"@id": "https://onerecord.iata.org/ns/cargo#ACTUAL"},
  "eventDate": {"@type": "http://www.w3.org/2001/XMLSchema#dateTime", "@value": "2025-11-06T07:30:00.000Z"},
  "creationDate": {"@type": "http://www.w3.org/2001/XMLSchema#dateTime", "@value": "2025-11-06T07:31:00.000Z"},
  "recordedAtLocation": {"@id": "https://1r.cbl.example/logistics-objects/ORD"},
  "eventFor": {"@id": "https://1r.cbl.example/logistics-objects/waybill-02044444444"}
}', 'lh-1r');
SELECT milestone, classifier, occurred_at, location, reason_code FROM cbl.event WHERE shipment_id = :a2;
SELECT * FROM cbl.scan_exceptions('2025-11-06 12:00+00', ARRAY[:a2]::bigint[]);
SELECT kind, milestone, detail, resolved_at FROM cbl.exception WHERE shipment_id = :a2;

-- X12 315: a US customs hold (PA) is the milestone CUSTOMS_HOLD with its
-- reason; customs release (CT) resolves it.
SELECT * FROM cbl.ingest_events('x12-315', 'ISA*00*          *00*          *ZZ*CBLXOCEAN      *ZZ*CBLFORWARDER   *250401*0900*U*00401*000000201*0*P*>~
GS*QO*CBLXOCEAN*CBLFORWARDER*20250401*0900*201*X*004010~
ST*315*0001~
B4***PA*20250327*0800**CBLU*765432*L*4500*USLAX*UN*2~
N9*BM*CBLXLAX250099~
R4*D*UN*USLAX*LOS ANGELES*US***CA~
SE*5*0001~
GE*1*201~
IEA*1*000000201~');
SELECT milestone, occurred_at, location, reason_code FROM cbl.event WHERE shipment_id = :o1;
SELECT * FROM cbl.scan_exceptions('2025-03-27 18:00+00', ARRAY[:o1]::bigint[]);
SELECT kind, milestone, detail, resolved_at FROM cbl.exception WHERE shipment_id = :o1;
SELECT * FROM cbl.ingest_events('x12-315', 'ISA*00*          *00*          *ZZ*CBLXOCEAN      *ZZ*CBLFORWARDER   *250401*0900*U*00401*000000202*0*P*>~
GS*QO*CBLXOCEAN*CBLFORWARDER*20250401*0900*202*X*004010~
ST*315*0001~
B4***CT*20250328*1100**CBLU*765432*L*4500*USLAX*UN*2~
N9*BM*CBLXLAX250099~
R4*D*UN*USLAX*LOS ANGELES*US***CA~
SE*5*0001~
GE*1*202~
IEA*1*000000202~');
SELECT * FROM cbl.scan_exceptions('2025-03-28 18:00+00', ARRAY[:o1]::bigint[]);
SELECT kind, milestone, resolved_at FROM cbl.exception WHERE shipment_id = :o1;

-- X12 214: a US customs hold at an in-bond location (PR, the milestone),
-- a delay (SD, no milestone: it raises delayed until a later actual
-- milestone), and an en-route status with a delay reason (X6 with AT702 AO:
-- the reason stays on the milestone event).
SELECT * FROM cbl.ingest_events('x12-214', 'ISA*00*          *00*          *02*RSNC           *ZZ*CBLFORWARDER   *250501*0900*U*00401*000000301*0*P*>~
GS*QM*RSNC*CBLFORWARDER*20250501*0900*301*X*004010~
ST*214*0001~
B10*RSN880001*RSN880001*RSNC~
LX*1~
AT7*P1*NS***20250501*0800*ET~
MS1*NEWARK*NJ~
AT7*PR*NS***20250501*1000*ET~
MS1*NEWARK*NJ~
AT7*SD*AO***20250501*1200*ET~
MS1*NEWARK*NJ~
SE*10*0001~
GE*1*301~
IEA*1*000000301~');
-- (SD carries the code map's reason code; the message's AT702 stays in the payload)
SELECT milestone, classifier, occurred_at, reason_code, payload->>'reason' AS at702
  FROM cbl.event WHERE shipment_id = :l1 ORDER BY occurred_at;
SELECT * FROM cbl.scan_exceptions('2025-05-01 18:00+00', ARRAY[:l1]::bigint[]);
SELECT kind, milestone, detail, resolved_at FROM cbl.exception WHERE shipment_id = :l1 ORDER BY kind;
SELECT * FROM cbl.ingest_events('x12-214', 'ISA*00*          *00*          *02*RSNC           *ZZ*CBLFORWARDER   *250502*0900*U*00401*000000302*0*P*>~
GS*QM*RSNC*CBLFORWARDER*20250502*0900*302*X*004010~
ST*214*0001~
B10*RSN880001*RSN880001*RSNC~
LX*1~
AT7*X6*AO***20250502*0700*ET~
MS1*NEWARK*NJ~
SE*6*0001~
GE*1*302~
IEA*1*000000302~');
SELECT milestone, classifier, occurred_at, reason_code FROM cbl.event WHERE shipment_id = :l1 AND milestone = 'OUT_FOR_DELIVERY';
-- a later actual milestone ends the delay; the customs hold stays open
SELECT * FROM cbl.scan_exceptions('2025-05-02 18:00+00', ARRAY[:l1]::bigint[]);
SELECT kind, milestone, resolved_at FROM cbl.exception WHERE shipment_id = :l1 ORDER BY kind;

-- DCSA: a customs hold on the shipment (HOLD of a CUS document) is the
-- milestone CUSTOMS_HOLD, a plain HOLD no milestone (it raises delayed).
SELECT * FROM cbl.ingest_events('dcsa', '{"events": [
 {"eventID": "rsn-hold-1", "eventDateTime": "2025-06-02T09:00:00Z", "eventCreatedDateTime": "2025-06-02T09:05:00Z",
  "eventClassification": {"eventTypeCode": "SHIPMENT", "eventClassifierCode": "ACT", "shipmentEventTypeCode": "HOLD"},
  "shipmentDetails": {"documentReference": {"typeCode": "CUS", "reference": "DE-ATB-2025-0601"},
                      "additionalDocumentReferences": [{"typeCode": "BKG", "reference": "RSNBKG0002"}]}},
 {"eventID": "rsn-hold-2", "eventDateTime": "2025-06-02T10:00:00Z", "eventCreatedDateTime": "2025-06-02T10:05:00Z",
  "eventClassification": {"eventTypeCode": "SHIPMENT", "eventClassifierCode": "ACT", "shipmentEventTypeCode": "HOLD",
                          "delayReasonCode": "STR"},
  "shipmentDetails": {"documentReference": {"typeCode": "BKG", "reference": "RSNBKG0002"}}}]}', 'cblx');
-- (the message's own delay reason of the plain hold stays in the payload)
SELECT event_id, milestone, occurred_at, reason_code, payload->>'delayReasonCode' AS delay_reason
  FROM cbl.event WHERE shipment_id = :o2 ORDER BY occurred_at;
SELECT * FROM cbl.scan_exceptions('2025-06-02 12:00+00', ARRAY[:o2]::bigint[]);
SELECT kind, milestone, detail, resolved_at FROM cbl.exception WHERE shipment_id = :o2 ORDER BY kind;

-- A code that is not in cbl.code_map at all is still rejected.
SELECT * FROM cbl.ingest_events('iata-fsu', 'FSU/14
020-33333333FRAJFK/T2K40.0
XYZ/JFK/18OCT0900/T2K40.0
', received_at => '2025-10-20 00:00+00');
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r1 ORDER BY reject_no;

-- A code of your own may raise an exception; a milestone raises through its
-- own rules only, and the shipped rows stay read-only.
INSERT INTO cbl.code_map (standard, code, reason_code, classifier, raises, description)
VALUES ('ACME', 'STUCK', 'STUCK', 'ACT', 'delayed', 'stuck in the yard');
INSERT INTO cbl.code_map (standard, code, milestone, raises) VALUES ('ACME', 'GONE', 'DELIVERED', 'delayed');
INSERT INTO cbl.code_map (standard, code, reason_code, raises) VALUES ('ACME', 'ODD', 'ODD', 'lost');
UPDATE cbl.code_map SET raises = NULL WHERE builtin AND standard = 'IATA' AND code = 'TGC';
SELECT * FROM cbl.ingest_events('[{"source": "acme", "event_id": "s1", "shipment": "RSN-ORD-1", "standard": "ACME", "code": "STUCK",
   "occurred_at": "2025-10-20T08:30:00Z"}]');
SELECT kind, milestone, detail FROM cbl.detect_exceptions('2025-10-21 00:00+00', ARRAY[:p1]::bigint[]);
-- a row of your own for a shipped code decides what its reason code
-- raises: here nothing, so the customs hold of TGC is no longer found
INSERT INTO cbl.code_map (standard, code, reason_code, classifier, description)
VALUES ('IATA', 'TGC', 'TGC', 'ACT', 'under customs control: routine for us');
SELECT kind, milestone FROM cbl.detect_exceptions('2025-11-06 12:00+00', ARRAY[:a2]::bigint[]);
DELETE FROM cbl.code_map WHERE NOT builtin;

-- Clean up: this test's rows only.
CREATE TEMP TABLE mine AS
  SELECT s.id FROM cbl.shipment s JOIN cbl.party p ON p.id = s.customer_id
   WHERE p.kind = 'customer' AND p.code = 'RSN-CUST';
DELETE FROM cbl.exception WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_conflict WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_reject WHERE reject_no > :r0;
DELETE FROM cbl.event_pending WHERE source IN ('ops', 'iata-fsu', 'lh-1r', 'x12-315', 'x12-214', 'cblx', 'acme');
DELETE FROM cbl.shipment WHERE id IN (SELECT id FROM mine);
DELETE FROM cbl.party WHERE code IN ('RSN-CUST', 'RSN-CARR');
DROP TABLE mine;
