-- Carrier formats: UPU EMSEVT postal events, sent as canonical events with
-- standard UPU and the event code (cbl.ingest_events('cbl', ...) is the
-- same as cbl.ingest_events(text)), and the shipped code maps as
-- docs/formats.md lists them.
SET TimeZone = 'UTC';
SELECT coalesce(max(reject_no), 0) AS r0 FROM cbl.event_reject \gset
INSERT INTO cbl.party (kind, code, name, country) VALUES ('customer', 'FMT-UPU', 'Acme Trading GmbH', 'DE');
SELECT cbl.create_shipment('PST-0001', 'postal', 'FMT-UPU', NULL, NULL, 'CN', 'DE', '{"s10": "RR123456785CN"}') AS s1 \gset

-- An item posted in China, held by German customs, delivered at the second
-- attempt.  EME (held by customs) raises a customs hold with its code.
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
  {"source": "dpag", "event_id": "g", "shipment": "RR123456785CN", "standard": "UPU", "code": "EMI", "occurred_at": "2025-06-13T10:05:00+02:00"},
  {"source": "dpag", "event_id": "h", "shipment": "RR123456785CN", "standard": "UPU", "code": "EDD", "occurred_at": "2025-06-09T15:00:00+02:00"},
  {"source": "dpag", "event_id": "i", "shipment": "RR123456785CN", "standard": "UPU", "code": "EMQ", "occurred_at": "2025-06-09T15:00:00+02:00"}
]');
SELECT source, event_id, milestone, classifier, occurred_at, reason_code
  FROM cbl.event WHERE shipment_id = :s1 ORDER BY occurred_at;
SELECT position, reason FROM cbl.event_reject WHERE reject_no > :r0 ORDER BY reject_no;
SELECT cbl.current_milestone(state), cbl.is_terminal(state), cbl.missing_milestones(state)
  FROM cbl.shipment_state WHERE shipment_id = :s1;
-- canonical events name their own source
SELECT * FROM cbl.ingest_events('cbl', '[]', 'dpag');
SELECT * FROM cbl.ingest_events('cbl', '{"events": []}');

-- How many codes each shipped map has, and how many of them are milestones.
SELECT standard, count(*) AS codes, count(DISTINCT code) AS distinct_codes,
       count(milestone) AS to_milestones, count(*) FILTER (WHERE milestone = 'CUSTOMS_HOLD') AS customs_holds
  FROM cbl.code_map WHERE builtin GROUP BY standard ORDER BY standard;
-- Every mapped milestone exists and every row says what the code means.
SELECT count(*) AS rows_without_description FROM cbl.code_map WHERE builtin AND description IS NULL;
-- The maps as docs/formats.md lists them.
SELECT format('| %s | `%s` | %s | %s | %s | %s | %s |', standard, code, CASE WHEN qualifier = '' THEN '' ELSE '`' || qualifier || '`' END,
              coalesce('`' || milestone || '`', '—'), coalesce(classifier, ''), coalesce(reason_code, ''), description) AS row
  FROM cbl.code_map WHERE builtin ORDER BY standard, code, qualifier \g (format=unaligned tuples_only=on)
-- The places cbl.location_zone ships, by kind.
SELECT kind, count(*) FROM cbl.location_zone WHERE builtin GROUP BY kind ORDER BY kind;
SELECT count(*) AS unknown_zones FROM cbl.location_zone z
 WHERE NOT EXISTS (SELECT 1 FROM pg_timezone_names n WHERE n.name = z.timezone);

-- Clean up: this test's rows only (earlier tests may leave theirs).
CREATE TEMP TABLE mine AS
  SELECT s.id FROM cbl.shipment s JOIN cbl.party p ON p.id = s.customer_id
   WHERE p.kind = 'customer' AND p.code = 'FMT-UPU';
DELETE FROM cbl.event WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_conflict WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (SELECT id FROM mine);
DELETE FROM cbl.event_reject WHERE reject_no > :r0;
DELETE FROM cbl.event_pending WHERE source IN ('cnpost', 'dpag');
DELETE FROM cbl.shipment WHERE id IN (SELECT id FROM mine);
DELETE FROM cbl.party WHERE code IN ('FMT-UPU', 'FMT-CBLX', 'FMT-LH', 'FMT-EK');
DROP TABLE mine;
