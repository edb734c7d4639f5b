-- Exceptions: every kind opens and resolves by itself, the scan is
-- idempotent, scoped scans touch only their shipments, and the pg_cron
-- helpers say how to enable pg_cron (this cluster has none).  The NOTIFY
-- on channel cbl_exception is checked in test/specs/exception_scan.spec
-- (psql would print PIDs).  Every scan uses a fixed as_of.
SET search_path = cbl, public;
SET timezone = 'UTC';

INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'GLOBEX', 'Globex Retail GmbH'), ('carrier', 'FEDEX', 'FedEx Express'),
  ('carrier', 'LHCARGO', 'Lufthansa Cargo'), ('carrier', 'ONE', 'Ocean Network Express')
ON CONFLICT DO NOTHING;
SELECT cbl.create_shipment('EXC-PREREQ', 'express_parcel', 'GLOBEX', 'FEDEX') AS s1 \gset
SELECT cbl.create_shipment('EXC-LATE', 'air', 'GLOBEX', 'LHCARGO') AS s2 \gset
SELECT cbl.create_shipment('EXC-CONFLICT', 'express_parcel', 'GLOBEX', 'FEDEX') AS s3 \gset
SELECT cbl.create_shipment('EXC-HOLD', 'express_parcel', 'GLOBEX', 'FEDEX') AS s4 \gset
SELECT cbl.create_shipment('EXC-ETA', 'ocean_fcl', 'GLOBEX', 'ONE') AS s5 \gset
SELECT cbl.create_shipment('EXC-FAIL', 'import_only', 'GLOBEX', 'FEDEX') AS s6 \gset
-- The scans below are scoped to these shipments (other tests' shipments
-- live in the same database).
SELECT ARRAY[:s1, :s2, :s3, :s4, :s5, :s6]::bigint[] AS mine \gset

SELECT * FROM cbl.ingest_events('[
  {"source": "fedex", "event_id": "p1", "shipment": "EXC-PREREQ", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "fedex", "event_id": "p2", "shipment": "EXC-PREREQ", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-01T15:00:00Z"},
  {"source": "fedex", "event_id": "p3", "shipment": "EXC-PREREQ", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-02T14:00:00Z", "updated_at": "2026-03-02T14:05:00Z"},
  {"source": "fedex", "event_id": "p4", "shipment": "EXC-PREREQ", "milestone": "DEPARTED", "classifier": "ACT", "occurred_at": "2026-03-02T10:00:00Z"},
  {"source": "fedex", "event_id": "p5", "shipment": "EXC-PREREQ", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-03T08:00:00Z"},
  {"source": "fedex", "event_id": "p6", "shipment": "EXC-PREREQ", "milestone": "IMPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-03T20:00:00Z"},
  {"source": "fedex", "event_id": "p7", "shipment": "EXC-PREREQ", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-04T10:00:00Z"},

  {"source": "lh_cargo", "event_id": "l1", "shipment": "EXC-LATE", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T09:00:00Z"},
  {"source": "lh_cargo", "event_id": "l2", "shipment": "EXC-LATE", "milestone": "ORIGIN_RECEIVED", "classifier": "ACT", "occurred_at": "2026-03-02T09:00:00Z"},
  {"source": "lh_cargo", "event_id": "l3", "shipment": "EXC-LATE", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-02T18:00:00Z"},

  {"source": "fedex", "event_id": "c1", "shipment": "EXC-CONFLICT", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-05T08:00:00Z"},
  {"source": "fedex", "event_id": "c2", "shipment": "EXC-CONFLICT", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-05T14:00:00Z"},
  {"source": "desk", "event_id": "c3", "shipment": "EXC-CONFLICT", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-05T22:30:00Z"},
  {"source": "fedex", "event_id": "c4", "shipment": "EXC-CONFLICT", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-06T08:00:00Z"},
  {"source": "fedex", "event_id": "c5", "shipment": "EXC-CONFLICT", "milestone": "DEPARTED", "classifier": "ACT", "occurred_at": "2026-03-06T20:00:00Z"},

  {"source": "fedex", "event_id": "h1", "shipment": "EXC-HOLD", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "fedex", "event_id": "h2", "shipment": "EXC-HOLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-01T16:00:00Z"},
  {"source": "fedex", "event_id": "h3", "shipment": "EXC-HOLD", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-02T09:00:00Z"},
  {"source": "fedex", "event_id": "h4", "shipment": "EXC-HOLD", "milestone": "DEPARTED", "classifier": "ACT", "occurred_at": "2026-03-02T23:00:00Z"},
  {"source": "fedex", "event_id": "h5", "shipment": "EXC-HOLD", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-04T06:00:00Z"},
  {"source": "fedex", "event_id": "h6", "shipment": "EXC-HOLD", "milestone": "CUSTOMS_HOLD", "classifier": "ACT", "occurred_at": "2026-03-04T09:00:00Z", "reason_code": "DOC"},

  {"source": "one", "event_id": "o1", "shipment": "EXC-ETA", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-02-01T10:00:00Z"},
  {"source": "one", "event_id": "o2", "shipment": "EXC-ETA", "milestone": "ORIGIN_RECEIVED", "classifier": "ACT", "occurred_at": "2026-02-05T10:00:00Z"},
  {"source": "one", "event_id": "o3", "shipment": "EXC-ETA", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-02-06T10:00:00Z"},
  {"source": "one", "event_id": "o4", "shipment": "EXC-ETA", "milestone": "LOADED", "classifier": "ACT", "occurred_at": "2026-02-07T10:00:00Z"},
  {"source": "one", "event_id": "o5", "shipment": "EXC-ETA", "milestone": "DEPARTED", "classifier": "ACT", "occurred_at": "2026-02-08T10:00:00Z"},
  {"source": "one", "event_id": "o6", "shipment": "EXC-ETA", "milestone": "DELIVERED", "classifier": "PLN", "occurred_at": "2026-03-20T12:00:00Z"},
  {"source": "one", "event_id": "o7", "shipment": "EXC-ETA", "milestone": "DELIVERED", "classifier": "EST", "occurred_at": "2026-03-23T12:00:00Z", "updated_at": "2026-03-05T00:00:00Z"},

  {"source": "fedex", "event_id": "f1", "shipment": "EXC-FAIL", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-03T06:00:00Z"},
  {"source": "fedex", "event_id": "f2", "shipment": "EXC-FAIL", "milestone": "IMPORT_DECLARED", "classifier": "ACT", "occurred_at": "2026-03-03T10:00:00Z"},
  {"source": "fedex", "event_id": "f3", "shipment": "EXC-FAIL", "milestone": "IMPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-04T08:00:00Z"},
  {"source": "fedex", "event_id": "f4", "shipment": "EXC-FAIL", "milestone": "OUT_FOR_DELIVERY", "classifier": "ACT", "occurred_at": "2026-03-05T08:00:00Z"},
  {"source": "fedex", "event_id": "f5", "shipment": "EXC-FAIL", "milestone": "DELIVERY_FAILED", "classifier": "ACT", "occurred_at": "2026-03-05T15:00:00Z", "reason_code": "NOBODY_HOME"}
]');

-- What is wrong as of 6 March, noon (cbl.detect_exceptions writes nothing).
SELECT kind, milestone, detail
  FROM cbl.detect_exceptions('2026-03-06 12:00+00', ARRAY[cbl.find_shipment('EXC-HOLD')]);
SELECT s.reference, d.kind, d.milestone, d.detail
  FROM cbl.detect_exceptions('2026-03-06 12:00+00', :'mine') d
  JOIN cbl.shipment s ON s.id = d.shipment_id
 ORDER BY s.reference, d.kind, d.milestone;
SELECT count(*) AS exceptions_recorded FROM cbl.exception WHERE shipment_id = ANY (:'mine');

-- The scan records them: all new.
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-06 12:00+00', shipment_ids => :'mine');
SELECT reference, kind, milestone, opened_at, resolved_at, status
  FROM cbl.v_exception WHERE shipment_id = ANY (:'mine') ORDER BY reference, kind, milestone;

-- Idempotent: the same scan again opens and resolves nothing.
SELECT md5(string_agg(x::text, ',' ORDER BY x.exception_no)) AS table_before
  FROM cbl.exception x WHERE shipment_id = ANY (:'mine') \gset
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-06 12:00+00', shipment_ids => :'mine');
SELECT md5(string_agg(x::text, ',' ORDER BY x.exception_no)) = :'table_before' AS table_unchanged
  FROM cbl.exception x WHERE shipment_id = ANY (:'mine');

-- At most one open exception per shipment, kind and milestone.
\set VERBOSITY terse
INSERT INTO cbl.exception (shipment_id, kind, milestone, detail, opened_at)
VALUES (:s4, 'customs_hold', 'CUSTOMS_HOLD', 'a second one', '2026-03-06 12:00+00');
\set VERBOSITY default

-- The causes go away:
--   EXC-PREREQ: the export clearance is corrected to before the departure
--   EXC-LATE:   the flight departs
--   EXC-CONFLICT: the desk retracts its pickup time
--   EXC-HOLD:   customs release the parcel (which also ends the overdue clearance)
--   EXC-FAIL:   the second attempt delivers
SELECT * FROM cbl.ingest_events('[
  {"source": "fedex", "event_id": "p3", "shipment": "EXC-PREREQ", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z", "updated_at": "2026-03-06T15:00:00Z"},
  {"source": "lh_cargo", "event_id": "l4", "shipment": "EXC-LATE", "milestone": "DEPARTED", "classifier": "ACT", "occurred_at": "2026-03-06T20:00:00Z"},
  {"source": "desk", "event_id": "c3", "shipment": "EXC-CONFLICT", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-05T22:30:00Z", "updated_at": "2026-03-06T16:00:00Z", "retracted": true},
  {"source": "fedex", "event_id": "h7", "shipment": "EXC-HOLD", "milestone": "IMPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-07T09:00:00Z"},
  {"source": "fedex", "event_id": "f6", "shipment": "EXC-FAIL", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-06T11:00:00Z"}
]');
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-07 12:00+00', shipment_ids => :'mine');
SELECT reference, kind, milestone, opened_at, resolved_at, status
  FROM cbl.v_exception WHERE shipment_id = ANY (:'mine') ORDER BY reference, kind, milestone;

-- The ETA comes back within a day of the plan: resolved.  Then it slips
-- again: a new exception opens (the resolved one stays as history).
SELECT * FROM cbl.upsert_event('one', 'o7', 'EXC-ETA', 'DELIVERED', 'EST', '2026-03-21 06:00+00',
                               updated_at => '2026-03-08 09:00+00');
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-08 12:00+00', shipment_ids => :'mine');
SELECT * FROM cbl.upsert_event('one', 'o7', 'EXC-ETA', 'DELIVERED', 'EST', '2026-03-25 12:00+00',
                               updated_at => '2026-03-08 17:00+00');
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-08 18:00+00', shipment_ids => :'mine');
SELECT reference, kind, detail, opened_at, resolved_at, status
  FROM cbl.v_exception WHERE reference = 'EXC-ETA' ORDER BY opened_at;

-- A scan scoped to other shipments leaves these alone.
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-08 18:00+00', shipment_ids => ARRAY[:s1]);
SELECT count(*) AS still_open_eta_slip FROM cbl.exception WHERE shipment_id = :s5 AND resolved_at IS NULL;

-- Grace for a missing prerequisite: an event may arrive before the one
-- that preceded it, so a prerequisite that is not reported yet counts only
-- prerequisite_grace (1 hour by default) after the step.
SELECT cbl.create_shipment('EXC-GRACE', 'express_parcel', 'GLOBEX', 'FEDEX') AS s7 \gset
SELECT * FROM cbl.upsert_event('fedex', 'g1', 'EXC-GRACE', 'PICKED_UP', 'ACT', '2026-03-06 11:30+00');
SELECT kind, milestone, detail FROM cbl.detect_exceptions('2026-03-06 12:00+00', ARRAY[:s7]);
SELECT kind, milestone, detail FROM cbl.detect_exceptions('2026-03-06 12:30+00', ARRAY[:s7]);
SELECT kind, milestone, detail
  FROM cbl.detect_exceptions('2026-03-06 12:00+00', ARRAY[:s7], prerequisite_grace => '0');

-- Thresholds are arguments: 10 hours apart is no conflict with a 12-hour threshold.
SELECT * FROM cbl.upsert_event('desk', 'g2', 'EXC-GRACE', 'PICKED_UP', 'ACT', '2026-03-06 21:30+00');
SELECT kind, milestone, detail FROM cbl.detect_exceptions('2026-03-06 12:30+00', ARRAY[:s7])
 WHERE kind = 'conflicting_sources';
SELECT count(*) AS conflicts FROM cbl.detect_exceptions('2026-03-06 12:30+00', ARRAY[:s7], conflict_threshold => '12 hours')
 WHERE kind = 'conflicting_sources';

-- Bad arguments.
SELECT * FROM cbl.scan_exceptions(as_of => NULL);
SELECT * FROM cbl.detect_exceptions(now(), eta_slip_threshold => '-1 hour');

-- Scheduling needs pg_cron, which this cluster does not have: LG004.
\set VERBOSITY sqlstate
SELECT cbl.schedule_exception_scan();
SELECT cbl.schedule_exception_scan('*/10 * * * *');
SELECT cbl.unschedule_exception_scan();
\set VERBOSITY default

-- The examples of docs/exceptions.md that depend on the clock and on every
-- shipment in the database: they run, their output is not compared.
LISTEN cbl_exception;
UNLISTEN cbl_exception;
BEGIN;
\o /dev/null
SELECT * FROM cbl.scan_exceptions();
SELECT * FROM cbl.scan_exceptions(conflict_threshold => '12 hours', eta_slip_threshold => '48 hours');
SELECT shipment_id, kind, milestone, detail FROM cbl.detect_exceptions();
\o
ROLLBACK;

-- cbl.exception is user data: pg_dump keeps it (and its numbering).
SELECT c.relname AS dumped_by_pg_dump, c.relkind
  FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig) AS x(oid)
  JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'cbl' AND c.relname LIKE 'exception%'
 ORDER BY 1;

-- Nothing here is for PUBLIC.
SELECT has_table_privilege('public', 'cbl.exception', 'SELECT') AS public_reads_exceptions,
       has_function_privilege('public', 'cbl.scan_exceptions(timestamptz, bigint[], interval, interval, interval)', 'EXECUTE') AS public_scans;
RESET timezone;
