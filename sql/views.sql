-- The BI views: cbl.v_shipment_status, cbl.v_timeline, cbl.v_exception.
-- Standard SQL types only, every column commented, nothing granted yet.
-- "late" of a step without an actual compares its due time with now():
-- the times here are either long past (2026) or far ahead (2099), so the
-- output does not depend on when the test runs.
SET search_path = cbl, public;
SET timezone = 'UTC';

INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'INITECH', 'Initech Components Ltd'), ('carrier', 'FEDEX', 'FedEx Express'),
  ('carrier', 'LHCARGO', 'Lufthansa Cargo')
ON CONFLICT DO NOTHING;
INSERT INTO cbl.source (code, name, priority) VALUES ('vw_desk', 'Operations desk (views test)', 200);
SELECT cbl.create_shipment('VW-EXPRESS', 'express_parcel', 'INITECH', 'FEDEX') AS s1 \gset
SELECT cbl.create_shipment('VW-EXPORT', 'export_only', 'INITECH') AS s2 \gset
SELECT cbl.create_shipment('VW-NEW', 'ocean_lcl', 'INITECH') AS s3 \gset
SELECT cbl.create_shipment('VW-AIR', 'air', 'INITECH', 'LHCARGO') AS s4 \gset
SELECT ARRAY[:s1, :s2, :s3, :s4]::bigint[] AS mine \gset

SELECT * FROM cbl.ingest_events('[
  {"source": "fedex", "event_id": "v1", "shipment": "VW-EXPRESS", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-04-01T08:00:00Z"},
  {"source": "fedex", "event_id": "v2", "shipment": "VW-EXPRESS", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-04-01T17:00:00Z"},
  {"source": "vw_desk", "event_id": "v3", "shipment": "VW-EXPRESS", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-04-01T16:40:00Z"},
  {"source": "fedex", "event_id": "v4", "shipment": "VW-EXPRESS", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-04-03T09:00:00Z"},
  {"source": "fedex", "event_id": "v5", "shipment": "VW-EXPRESS", "milestone": "DELIVERED", "classifier": "PLN", "occurred_at": "2026-04-04T12:00:00Z"},
  {"source": "fedex", "event_id": "v6", "shipment": "VW-EXPRESS", "milestone": "DELIVERED", "classifier": "EST", "occurred_at": "2026-04-07T12:00:00Z"},

  {"source": "fedex", "event_id": "w1", "shipment": "VW-EXPORT", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-04-01T09:00:00Z"},
  {"source": "fedex", "event_id": "w2", "shipment": "VW-EXPORT", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-04-01T14:00:00Z"},
  {"source": "fedex", "event_id": "w3", "shipment": "VW-EXPORT", "milestone": "EXPORT_DECLARED", "classifier": "ACT", "occurred_at": "2026-04-01T18:00:00Z"},
  {"source": "fedex", "event_id": "w4", "shipment": "VW-EXPORT", "milestone": "EXPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-04-02T10:00:00Z"},
  {"source": "fedex", "event_id": "w5", "shipment": "VW-EXPORT", "milestone": "DEPARTED", "classifier": "PLN", "occurred_at": "2026-04-03T06:00:00Z"},
  {"source": "fedex", "event_id": "w6", "shipment": "VW-EXPORT", "milestone": "DEPARTED", "classifier": "ACT", "occurred_at": "2026-04-03T07:15:00Z"},

  {"source": "lh_cargo", "event_id": "a1", "shipment": "VW-AIR", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-04-01T10:00:00Z"},
  {"source": "lh_cargo", "event_id": "a2", "shipment": "VW-AIR", "milestone": "ORIGIN_RECEIVED", "classifier": "PLN", "occurred_at": "2099-01-04T10:00:00Z"},
  {"source": "lh_cargo", "event_id": "a3", "shipment": "VW-AIR", "milestone": "DELIVERED", "classifier": "PLN", "occurred_at": "2099-01-12T10:00:00Z"}
]');
SELECT * FROM cbl.scan_exceptions(as_of => '2026-04-05 00:00+00', shipment_ids => :'mine');

-- One row per shipment.  ETA is the delivery step's estimate, else its
-- plan; for export_only the delivery step is DEPARTED.
SELECT reference, framework, customer_code, customer_name, carrier_code, current_milestone,
       current_milestone_at, eta, delivered_at, is_terminal, open_exceptions,
       state_changed_at IS NOT NULL AS has_state
  FROM cbl.v_shipment_status WHERE shipment_id = ANY (:'mine') ORDER BY reference;
-- Shipments under way, soonest expected first.
SELECT reference, current_milestone, current_milestone_at, eta, open_exceptions
  FROM cbl.v_shipment_status
 WHERE customer_code = 'INITECH' AND NOT is_terminal
 ORDER BY eta NULLS LAST, reference;

-- One row per framework step.  The desk (priority 200) supplies the pickup
-- time; export clearance came after its SLA (1 day after pickup); the
-- departure is past due and has not happened.
SELECT position, milestone, phase, required, planned, estimated, actual, actual_source, due_at, late
  FROM cbl.v_timeline WHERE reference = 'VW-EXPRESS' ORDER BY position;
SELECT position, milestone, planned, estimated, actual, actual_source, due_at, late
  FROM cbl.v_timeline
 WHERE reference = 'VW-EXPRESS' AND (actual IS NOT NULL OR late)
 ORDER BY position;
-- A departure after its plan is late, even within the SLA.
SELECT position, milestone, planned, actual, actual_source, due_at, late
  FROM cbl.v_timeline WHERE reference = 'VW-EXPORT' AND actual IS NOT NULL ORDER BY position;
-- A plan far ahead overrides the SLA: not late.  A step whose previous
-- required step has not happened has no due time yet.
SELECT position, milestone, required, planned, actual, due_at, late
  FROM cbl.v_timeline WHERE reference = 'VW-AIR' AND position <= 6 ORDER BY position;
-- A shipment without events still has its steps, with nothing known.
SELECT count(*) AS steps, count(planned) + count(estimated) + count(actual) + count(due_at) AS times_known,
       count(*) FILTER (WHERE late) AS late
  FROM cbl.v_timeline WHERE reference = 'VW-NEW';

-- Which steps are late right now, for shipments still under way.
SELECT t.reference, t.milestone, t.due_at, t.actual
  FROM cbl.v_timeline t
  JOIN cbl.v_shipment_status s USING (shipment_id)
 WHERE t.late AND NOT s.is_terminal AND s.customer_code = 'INITECH'
 ORDER BY t.reference, t.position;

-- The exceptions, open and resolved.  (An overdue exception counts from
-- the SLA, whatever the plan says: VW-AIR's pickup plan is far ahead, but
-- freight on hand was due 3 days after booking.)
SELECT reference, kind, milestone, detail, opened_at, resolved_at, status
  FROM cbl.v_exception WHERE shipment_id = ANY (:'mine') ORDER BY reference, kind, milestone;
SELECT s.customer_code, e.kind, count(*) AS open_exceptions
  FROM cbl.v_exception e
  JOIN cbl.v_shipment_status s USING (shipment_id)
 WHERE e.status = 'open' AND s.customer_code = 'INITECH'
 GROUP BY s.customer_code, e.kind
 ORDER BY s.customer_code, e.kind;
SELECT * FROM cbl.upsert_event('fedex', 'v7', 'VW-EXPRESS', 'DEPARTED', 'ACT', '2026-04-05 03:00+00');
SELECT * FROM cbl.scan_exceptions(as_of => '2026-04-05 06:00+00', shipment_ids => :'mine');
SELECT reference, kind, milestone, opened_at, resolved_at, status
  FROM cbl.v_exception WHERE shipment_id = ANY (:'mine') ORDER BY reference, kind, milestone;
SELECT reference, open_exceptions FROM cbl.v_shipment_status WHERE shipment_id = ANY (:'mine') ORDER BY reference;

-- cbl.state_summary (what v_shipment_status shows of a state, in C) gives
-- what aggregating cbl.state_steps gives, the view's definition before it:
-- 400 random states of every built-in framework, each of a random subset of its
-- steps (and one milestone outside it) with random classifiers and times.
SELECT setseed(0.42);
CREATE TEMP TABLE summary_case AS
SELECT f.code AS framework, n AS sample,
       (SELECT cbl.milestone_agg(cbl.milestone_state(f.id, m.id, (ARRAY['PLN', 'EST', 'ACT'])[1 + floor(random() * 3)::int],
                                 timestamptz '2026-01-01' + random() * interval '30 days', NULL, 100, 1))
          FROM cbl.milestone m
         WHERE random() < 0.45 + 0 * n
           AND (m.code IN (SELECT fs.milestone FROM cbl.framework_step fs WHERE fs.framework = f.code)
                OR m.code = 'CUSTOMS_HOLD')) AS state
  FROM cbl.framework f CROSS JOIN generate_series(1, 400) n
 WHERE f.code IN ('express_parcel', 'postal', 'ecommerce_consolidated', 'air', 'ocean_fcl', 'ocean_lcl',
                  'overseas_warehouse', 'export_only', 'import_only');
SELECT count(*) AS states,
       count(*) FILTER (WHERE s.current_milestone IS NOT NULL) AS with_current,
       count(*) FILTER (WHERE s.eta IS NOT NULL) AS with_eta,
       count(*) FILTER (WHERE s.delivered_at IS NOT NULL) AS delivered,
       count(*) FILTER (WHERE s.is_terminal AND s.delivered_at IS NULL) AS ended_otherwise,
       count(*) FILTER (WHERE (s.current_milestone, s.current_milestone_at, s.eta, s.delivered_at, s.is_terminal)
                              IS DISTINCT FROM
                              (a.current_milestone, a.current_milestone_at, a.eta, a.delivered_at, coalesce(a.is_terminal, false)))
         AS differ
  FROM summary_case c
  CROSS JOIN LATERAL cbl.state_summary(c.state) s
  CROSS JOIN LATERAL (
    SELECT (array_agg(st.milestone ORDER BY st.position DESC) FILTER (WHERE st.actual IS NOT NULL))[1] AS current_milestone,
           (array_agg(st.actual ORDER BY st.position DESC) FILTER (WHERE st.actual IS NOT NULL))[1] AS current_milestone_at,
           (array_agg(coalesce(st.estimated, st.planned) ORDER BY st.required DESC, st.position)
              FILTER (WHERE st.terminal))[1] AS eta,
           (array_agg(st.actual ORDER BY st.required DESC, st.position) FILTER (WHERE st.terminal))[1] AS delivered_at,
           bool_or(st.terminal AND st.actual IS NOT NULL) AS is_terminal
      FROM cbl.state_steps(c.state) st) a;
-- The empty state and a state of no framework summarise to nothing.
SELECT * FROM cbl.state_summary('0'::cbl.milestone_state);
SELECT * FROM cbl.state_summary('999'::cbl.milestone_state);
DROP TABLE summary_case;

-- cbl.event_sources (C) gives what its SQL definition gave, for every
-- shipment here (with events of several sources, revisions, none).
SELECT count(*) AS shipments, count(c.event_keys) AS with_events,
       count(*) FILTER (WHERE (c.event_keys, c.sources) IS DISTINCT FROM (q.event_keys, q.sources)) AS differ
  FROM cbl.shipment s
  CROSS JOIN LATERAL cbl.event_sources(s.id) c
  CROSS JOIN LATERAL (
    SELECT array_agg(hashtextextended(e.source || E'\x1f' || e.event_id, 0) ORDER BY e.source, e.event_id) AS event_keys,
           array_agg(e.source ORDER BY e.source, e.event_id) AS sources
      FROM (SELECT DISTINCT e.source, e.event_id FROM cbl.event e WHERE e.shipment_id = s.id) e) q
 WHERE s.id = ANY (:'mine');

-- Columns and their types: standard SQL types only, never a cbl type.
SELECT table_name, ordinal_position, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'cbl' AND table_name IN ('v_shipment_status', 'v_timeline', 'v_exception')
 ORDER BY table_name, ordinal_position;
SELECT c.table_name, c.column_name, c.udt_schema, c.udt_name
  FROM information_schema.columns c
  JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = c.table_name
 WHERE c.table_schema = 'cbl' AND c.udt_schema <> 'pg_catalog';

-- Every view and column has a comment.
SELECT c.relname, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented,
       count(a.attnum) AS columns, count(col_description(c.oid, a.attnum)) AS columns_commented
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.oid IN ('cbl.v_shipment_status'::regclass, 'cbl.v_timeline'::regclass, 'cbl.v_exception'::regclass)
 GROUP BY c.oid, c.relname ORDER BY c.relname;

-- Nobody else can read them yet (roles come later); the owner can.
SELECT v AS view, has_table_privilege('public', v, 'SELECT') AS public_select,
       has_table_privilege(v, 'SELECT') AS owner_select
  FROM unnest(ARRAY['cbl.v_shipment_status', 'cbl.v_timeline', 'cbl.v_exception']) v ORDER BY v;
RESET timezone;
