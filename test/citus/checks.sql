-- What test/citus/run.sh compares between a Citus cluster and a single node
-- holding the same demo database: ingest, settlement and the views.  The
-- output must be the same on both.
\pset footer off
\echo '== ingest: new events move JOB-2603-002 and JOB-2603-004 on; an unknown shipment waits'
SELECT accepted, rejected FROM cbl.ingest_events('[
  {"source": "fedex", "event_id": "citus-1", "shipment": "JOB-2603-002", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-10T06:00:00Z", "location": "USMEM"},
  {"source": "fedex", "event_id": "citus-2", "shipment": "JOB-2603-004", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-09T16:00:00Z", "location": "DEMUC"},
  {"source": "fedex", "event_id": "citus-3", "shipment": "NO-SUCH-JOB", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-09T16:00:00Z"}]');
SELECT s.reference, cbl.current_milestone(ss.state)
  FROM cbl.shipment_state ss JOIN cbl.shipment s ON s.id = ss.shipment_id
 ORDER BY s.reference;
\echo '== ingest again: nothing new'
SELECT accepted, rejected FROM cbl.ingest_events('[
  {"source": "fedex", "event_id": "citus-1", "shipment": "JOB-2603-002", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-10T06:00:00Z", "location": "USMEM"}]');
SELECT count(*) AS events, count(DISTINCT shipment_id) AS shipments FROM cbl.event;
SELECT count(*) AS pending FROM cbl.event_pending;

\echo '== settlement of May 2026: two new charges'
SELECT charge_no FROM cbl.add_charge('NW-2604-05', NULL, 'receivable', 'DOC', '7.50 EUR', '2026-05-03 10:00+00');
SELECT charge_no FROM cbl.add_charge('JOB-2603-001', NULL, 'receivable', 'DOC', '12.25 EUR', '2026-05-04 10:00+00');
SELECT p.code, s.direction, s.currency, s.total::text
  FROM cbl.settle('2026-05-01') s JOIN cbl.party p ON p.id = s.party_id
 ORDER BY p.code, s.direction, s.currency;
SELECT count(*) AS statements, count(DISTINCT party_id) AS parties FROM cbl.statement;
SELECT kind, count(*), sum(amount) AS amount FROM cbl.v_statement_line GROUP BY kind ORDER BY kind;

\echo '== aggregates pushed down: sums of charges by currency'
SELECT cbl.currency(amount) AS currency, cbl.sum(amount)::text, cbl.min(amount)::text, cbl.max(amount)::text, count(*)
  FROM cbl.charge GROUP BY 1 ORDER BY 1;

\echo '== every view: its row count'
SELECT c.relname AS view,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM cbl.%I', c.relname), false, true, '')))[1]::text AS rows
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'cbl' AND c.relkind = 'v'
 ORDER BY 1;
