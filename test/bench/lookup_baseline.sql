-- The baseline of the look-up benchmark (test/bench/lookup.sh): the status
-- look-up as it was until 23 November 2026, in schema bench_lookup.
--
--   find_shipments, find_shipment   PL/pgSQL: the value's canonical form
--                                   for each of cbl.reference_kinds(), then
--                                   the look-up rows through the index
--   v_shipment_status               cbl.v_shipment_status with the state
--                                   summarised by aggregating
--                                   cbl.state_steps in SQL
--
-- cbl now has the finders and the summary (cbl.state_summary) in C; the
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
