-- The baseline of the look-up benchmark (test/bench/lookup.sh): the status
-- look-up as it was until 23 November 2026, in schema bench_lookup.
--
--   find_shipments, find_shipment   PL/pgSQL: the value's canonical form
--                                   for each of cbl.reference_kinds(), then
--                                   the look-up rows through the index
--   v_shipment_status               cbl.v_shipment_status with the state
--                                   summarised by aggregating
--                                   cbl.state_steps in SQL
--   event_sources, v_timeline       cbl.v_timeline with the sources of the
--                                   events read by PL/pgSQL
--
-- cbl now has the finders, the summary (cbl.state_summary) and the sources in C; the
-- benchmark checks that both give the same answers before it times them.

SET client_min_messages = warning;
CREATE SCHEMA bench_lookup;

CREATE FUNCTION bench_lookup.find_shipments(value text)
RETURNS TABLE (shipment_id bigint, kind text, stored_value text)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT l.shipment_id, l.kind, l.value
    FROM cbl.reference_lookup l
   WHERE l.value = ANY (ARRAY(SELECT DISTINCT cbl.canonical_reference(k.kind, find_shipments.value)
                                FROM cbl.reference_kinds() k))
     AND l.value = cbl.canonical_reference(l.kind, find_shipments.value)
   ORDER BY l.shipment_id, l.kind;
END $$;

CREATE FUNCTION bench_lookup.find_shipment(value text, kind text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  ids bigint[];
BEGIN
  IF kind IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cbl.reference_kinds() k WHERE k.kind = find_shipment.kind) THEN
    RAISE EXCEPTION 'unknown kind of reference "%"', kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT array_agg(DISTINCT f.shipment_id ORDER BY f.shipment_id)
    INTO ids
    FROM bench_lookup.find_shipments(value) f
   WHERE find_shipment.kind IS NULL OR f.kind = find_shipment.kind;
  IF cardinality(ids) > 1 THEN
    RAISE EXCEPTION 'reference "%" matches % shipments', value, cardinality(ids)
      USING ERRCODE = 'cardinality_violation';
  END IF;
  RETURN ids[1];
END $$;

CREATE VIEW bench_lookup.v_shipment_status AS
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
  LEFT JOIN LATERAL (
    SELECT (array_agg(st.milestone ORDER BY st.position DESC) FILTER (WHERE st.actual IS NOT NULL))[1] AS current_milestone,
           (array_agg(st.actual ORDER BY st.position DESC) FILTER (WHERE st.actual IS NOT NULL))[1] AS current_milestone_at,
           (array_agg(coalesce(st.estimated, st.planned) ORDER BY st.required DESC, st.position)
              FILTER (WHERE st.terminal))[1] AS eta,
           (array_agg(st.actual ORDER BY st.required DESC, st.position) FILTER (WHERE st.terminal))[1] AS delivered_at,
           bool_or(st.terminal AND st.actual IS NOT NULL) AS is_terminal
      FROM cbl.state_steps(ss.state) st
  ) x ON true;
ALTER VIEW bench_lookup.v_shipment_status SET (security_invoker = true);

CREATE FUNCTION bench_lookup.event_sources(shipment_id bigint, OUT event_keys bigint[], OUT sources text[])
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  SELECT array_agg(hashtextextended(e.source || E'\x1f' || e.event_id, 0) ORDER BY e.source, e.event_id),
         array_agg(e.source ORDER BY e.source, e.event_id)
    INTO event_keys, sources
    FROM (SELECT DISTINCT e.source, e.event_id
            FROM cbl.event e
           WHERE e.shipment_id = event_sources.shipment_id) e;
END $$;

CREATE VIEW bench_lookup.v_timeline AS
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
  CROSS JOIN LATERAL bench_lookup.event_sources(s.id) ev
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
ALTER VIEW bench_lookup.v_timeline SET (security_invoker = true);
