-- Views for BI over shipments, their milestones and exceptions
-- (docs/exceptions.md).  Standard SQL types only, every column commented.
-- Each view unpacks one shipment's state at a time (LATERAL), so a filter
-- on shipment_id or reference reads only the shipments asked for.
-- No grants yet: roles come later; the owner can read them.

-- The delivery step of a framework, used by the ETA below and by the
-- eta_slip exception: its first required terminal step (DELIVERED,
-- WAREHOUSE_RECEIVED, DEPARTED for export_only), else its first terminal step.
CREATE VIEW cbl.v_shipment_status AS
SELECT s.id AS shipment_id,
       s.reference,
       s.framework,
       cu.code AS customer_code,
       cu.name AS customer_name,
       ca.code AS carrier_code,
       x.current_milestone,
       x.current_milestone_at,
       x.eta,
       x.delivered_at,
       coalesce(x.is_terminal, false) AS is_terminal,
       (SELECT count(*) FROM cbl.exception e
         WHERE e.shipment_id = s.id AND e.resolved_at IS NULL) AS open_exceptions,
       ss.changed_at AS state_changed_at
  FROM cbl.shipment s
  JOIN cbl.party cu ON cu.id = s.customer_id
  LEFT JOIN cbl.party ca ON ca.id = s.carrier_id
  LEFT JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
  LEFT JOIN LATERAL cbl.state_summary(ss.state) x ON true;
COMMENT ON VIEW cbl.v_shipment_status IS
  'for BI: one row per shipment with its parties, where it is (current milestone), when it is expected and was delivered, and its open exceptions; standard SQL types';
COMMENT ON COLUMN cbl.v_shipment_status.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_shipment_status.reference IS 'the shipment''s own reference (waybill or job number)';
COMMENT ON COLUMN cbl.v_shipment_status.framework IS 'framework code: the kind of shipment, e.g. express_parcel';
COMMENT ON COLUMN cbl.v_shipment_status.customer_code IS 'code of the customer (bill-to) party';
COMMENT ON COLUMN cbl.v_shipment_status.customer_name IS 'name of the customer';
COMMENT ON COLUMN cbl.v_shipment_status.carrier_code IS 'code of the carrier party; NULL if none is known';
COMMENT ON COLUMN cbl.v_shipment_status.current_milestone IS
  'the furthest milestone, in framework order, that has actually happened; NULL if none';
COMMENT ON COLUMN cbl.v_shipment_status.current_milestone_at IS 'when the current milestone actually happened';
COMMENT ON COLUMN cbl.v_shipment_status.eta IS
  'expected time of the delivery step (the framework''s first required terminal step, e.g. DELIVERED): its latest estimate, else its plan; NULL if neither is known';
COMMENT ON COLUMN cbl.v_shipment_status.delivered_at IS
  'when the delivery step (e.g. DELIVERED, WAREHOUSE_RECEIVED) actually happened; NULL if not yet';
COMMENT ON COLUMN cbl.v_shipment_status.is_terminal IS
  'true if a terminal milestone (delivered, returned, cancelled ...) has actually happened: nothing more is expected';
COMMENT ON COLUMN cbl.v_shipment_status.open_exceptions IS 'number of open exceptions (see cbl.v_exception)';
COMMENT ON COLUMN cbl.v_shipment_status.state_changed_at IS
  'when the milestone state last changed (an event arrived that changed it); NULL if no event has arrived';

-- Who reported each event of a shipment, for v_timeline.  In C
-- (src/event_sources.c): one query by a generic plan, so that only the
-- shipment's partition of cbl.event is opened (a lateral join in the view
-- would open every partition's index on every call).  It reads the primary
-- key only (an index-only scan once vacuum has marked the pages visible):
-- the event key is the hash of (source, event_id) that ingest computes, and
-- the source is the same in every revision.
CREATE FUNCTION cbl.event_sources(shipment_id bigint, OUT event_keys bigint[], OUT sources text[])
  AS 'MODULE_PATHNAME', 'cbl_event_sources' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.event_sources(bigint) IS
  'the event keys of a shipment''s events and, at the same place, the source of each: who supplied a time the milestone state records by event key';

CREATE VIEW cbl.v_timeline AS
SELECT s.id AS shipment_id,
       s.reference,
       st.position::integer AS position,
       st.milestone,
       m.phase,
       st.required,
       st.planned,
       st.estimated,
       st.actual,
       ev.sources[array_position(ev.event_keys, st.actual_event_key)] AS actual_source,
       st.due_at,
       CASE WHEN st.actual IS NOT NULL THEN coalesce(st.actual > st.due_at, false)
            ELSE NOT st.ended AND (st.required OR st.planned IS NOT NULL) AND coalesce(now() > st.due_at, false)
       END AS late
  FROM cbl.shipment s
  JOIN cbl.framework f ON f.code = s.framework
  LEFT JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
  -- who reported each event: the shipment's events read once, not once per step
  CROSS JOIN LATERAL cbl.event_sources(s.id) ev
  -- a shipment without events gets its framework's steps from an empty state of the framework
  CROSS JOIN LATERAL (
    SELECT t.*,
           coalesce(t.planned, t.prev_required_actual + t.sla) AS due_at
      FROM (SELECT st.*,
                   (array_agg(st.actual) FILTER (WHERE st.required)
                      OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
                     [count(*) FILTER (WHERE st.required)
                        OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)] AS prev_required_actual,
                   coalesce(bool_or(st.terminal AND st.actual IS NOT NULL) OVER (), false) AS ended
              FROM cbl.state_steps(CASE WHEN cbl.framework_id(ss.state) IS NOT NULL THEN ss.state
                                        ELSE f.id::text::cbl.milestone_state END) st) t
  ) st
  JOIN cbl.milestone m ON m.code = st.milestone;
COMMENT ON VIEW cbl.v_timeline IS
  'for BI: one row per shipment and step of its framework, with the planned, estimated and actual times, who reported the actual, when it was due and whether it is late; standard SQL types; order by shipment_id, position';
COMMENT ON COLUMN cbl.v_timeline.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_timeline.reference IS 'the shipment''s own reference (waybill or job number)';
COMMENT ON COLUMN cbl.v_timeline.position IS 'place of the step in the shipment''s framework, from 1';
COMMENT ON COLUMN cbl.v_timeline.milestone IS 'milestone code, e.g. EXPORT_CLEARED';
COMMENT ON COLUMN cbl.v_timeline.phase IS
  'stage of the journey: origin, export, main_carriage, import, destination or terminal';
COMMENT ON COLUMN cbl.v_timeline.required IS 'true if the step must happen on the normal way through';
COMMENT ON COLUMN cbl.v_timeline.planned IS 'planned time (the winning PLN report); NULL if none';
COMMENT ON COLUMN cbl.v_timeline.estimated IS 'estimated time (the winning EST report); NULL if none';
COMMENT ON COLUMN cbl.v_timeline.actual IS 'when it actually happened (the winning ACT report); NULL if not yet';
COMMENT ON COLUMN cbl.v_timeline.actual_source IS 'the source whose report gave the actual time; NULL if none';
COMMENT ON COLUMN cbl.v_timeline.due_at IS
  'when the step is due: its planned time, else the previous required step''s actual time plus the step''s SLA; NULL if neither is known';
COMMENT ON COLUMN cbl.v_timeline.late IS
  'true if it happened after it was due, or, not having happened, it is past due now while the shipment has not ended (required or planned steps only)';

CREATE VIEW cbl.v_exception AS
SELECT x.exception_no,
       x.shipment_id,
       s.reference,
       x.kind,
       x.milestone,
       x.detail,
       x.opened_at,
       x.resolved_at,
       CASE WHEN x.resolved_at IS NULL THEN 'open' ELSE 'resolved' END AS status
  FROM cbl.exception x
  JOIN cbl.shipment s ON s.id = x.shipment_id;
COMMENT ON VIEW cbl.v_exception IS
  'for BI: every exception cbl.scan_exceptions() recorded, open and resolved, with the shipment''s reference; standard SQL types';
COMMENT ON COLUMN cbl.v_exception.exception_no IS 'number of the exception';
COMMENT ON COLUMN cbl.v_exception.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_exception.reference IS 'the shipment''s own reference (waybill or job number)';
COMMENT ON COLUMN cbl.v_exception.kind IS
  'missing_prerequisite, overdue, conflicting_sources, customs_hold, eta_slip, delivery_failed or delayed';
COMMENT ON COLUMN cbl.v_exception.milestone IS 'the milestone concerned';
COMMENT ON COLUMN cbl.v_exception.detail IS 'what was found when the exception opened, times in UTC';
COMMENT ON COLUMN cbl.v_exception.opened_at IS 'as-of time of the scan that opened it';
COMMENT ON COLUMN cbl.v_exception.resolved_at IS 'as-of time of the scan that found the cause gone; NULL while open';
COMMENT ON COLUMN cbl.v_exception.status IS 'open or resolved';
