-- Exceptions: problems derived from the shipments' milestone states and
-- events, recorded with an open/resolved lifecycle by a periodic scan
-- (pg_cron), and announced on channel cbl_exception (docs/exceptions.md).
--
-- cbl.detect_exceptions() says what is wrong now; cbl.scan_exceptions()
-- makes cbl.exception agree with it: it opens what is new (and NOTIFYs),
-- resolves what went away, and leaves the rest alone, so running it twice
-- changes nothing the second time.  The thresholds are arguments of both
-- functions, with defaults; the scheduled job uses the defaults.
--
-- Ready for Citus: cbl.exception is shipment-keyed (shipment_id leads its
-- primary key and its unique index), co-located with the events.

CREATE TABLE cbl.exception (
  shipment_id   bigint NOT NULL REFERENCES cbl.shipment (id),
  exception_no  bigint GENERATED ALWAYS AS IDENTITY,
  kind          text NOT NULL
                CONSTRAINT exception_kind_check
                CHECK (kind IN ('missing_prerequisite', 'overdue', 'conflicting_sources',
                                'customs_hold', 'eta_slip', 'delivery_failed', 'delayed')),
  milestone     text NOT NULL REFERENCES cbl.milestone (code),
  detail        text NOT NULL CONSTRAINT exception_detail_check CHECK (detail <> ''),
  opened_at     timestamptz NOT NULL,
  resolved_at   timestamptz CONSTRAINT exception_resolved_at_check CHECK (resolved_at >= opened_at),
  PRIMARY KEY (shipment_id, exception_no)
);
-- At most one open exception of a kind per shipment and milestone.
CREATE UNIQUE INDEX exception_open_key ON cbl.exception (shipment_id, kind, milestone)
  WHERE resolved_at IS NULL;
COMMENT ON INDEX cbl.exception_open_key IS
  'at most one open exception per shipment, kind and milestone; a cause that comes back after being resolved opens a new one';
CREATE INDEX exception_milestone_idx ON cbl.exception (milestone);
COMMENT ON INDEX cbl.exception_milestone_idx IS 'the foreign key to cbl.milestone';
COMMENT ON TABLE cbl.exception IS
  'problems found by cbl.scan_exceptions(): opened when a scan first finds the cause, resolved by the first scan that no longer finds it';
COMMENT ON COLUMN cbl.exception.shipment_id IS 'shipment';
COMMENT ON COLUMN cbl.exception.exception_no IS 'numbers the exceptions';
COMMENT ON COLUMN cbl.exception.kind IS
  'missing_prerequisite, overdue, conflicting_sources, customs_hold, eta_slip, delivery_failed or delayed (docs/exceptions.md)';
COMMENT ON COLUMN cbl.exception.milestone IS
  'the milestone concerned: the step that came before its prerequisites, the overdue step, the milestone the sources disagree on, CUSTOMS_HOLD, the delivery step whose estimate slipped, DELIVERY_FAILED, the delivery step a delay holds up';
COMMENT ON COLUMN cbl.exception.detail IS 'what was found when the exception opened, in words, times in UTC';
COMMENT ON COLUMN cbl.exception.opened_at IS 'the as_of time of the scan that opened it';
COMMENT ON COLUMN cbl.exception.resolved_at IS 'the as_of time of the scan that found the cause gone; NULL while open';
SELECT pg_catalog.pg_extension_config_dump('cbl.exception', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.exception_exception_no_seq', '');

-- What is wrong now, one row per (shipment, kind, milestone).  Set-based:
-- every shipment's state is unpacked once, and every event read once.
CREATE FUNCTION cbl.detect_exceptions(as_of timestamptz DEFAULT now(),
                                      shipment_ids bigint[] DEFAULT NULL,
                                      conflict_threshold interval DEFAULT '6 hours',
                                      eta_slip_threshold interval DEFAULT '24 hours',
                                      prerequisite_grace interval DEFAULT '1 hour')
RETURNS TABLE (shipment_id bigint, kind text, milestone text, detail text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
  IF as_of IS NULL OR conflict_threshold IS NULL OR eta_slip_threshold IS NULL OR prerequisite_grace IS NULL THEN
    RAISE EXCEPTION 'as_of and the thresholds of an exception scan must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Leave an argument out to get its default.';
  END IF;
  IF conflict_threshold < interval '0' OR eta_slip_threshold < interval '0' OR prerequisite_grace < interval '0' THEN
    RAISE EXCEPTION 'the thresholds of an exception scan must not be negative'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = concat_ws(', ',  -- the negative ones, in hours
                       CASE WHEN conflict_threshold < interval '0' THEN 'conflict_threshold is ' || trim_scale(round(extract(epoch FROM conflict_threshold) / 3600, 2)) || ' hours' END,
                       CASE WHEN eta_slip_threshold < interval '0' THEN 'eta_slip_threshold is ' || trim_scale(round(extract(epoch FROM eta_slip_threshold) / 3600, 2)) || ' hours' END,
                       CASE WHEN prerequisite_grace < interval '0' THEN 'prerequisite_grace is ' || trim_scale(round(extract(epoch FROM prerequisite_grace) / 3600, 2)) || ' hours' END) || '.';
  END IF;

  -- Every rule reads one row per report with, through window functions
  -- over its shipment, what the rule compares it with: no join between the
  -- large intermediate sets (the planner cannot estimate their sizes).
  RETURN QUERY
  WITH ent AS (          -- every report every state holds
    SELECT ss.shipment_id, cbl.framework_id(ss.state) AS framework_id,
           e.milestone_id, e.classifier, e.at, e.event_key
      FROM cbl.shipment_state ss
     CROSS JOIN LATERAL cbl.milestone_entries(ss.state) e
     WHERE shipment_ids IS NULL OR ss.shipment_id = ANY (shipment_ids)
  ), step AS (           -- every framework step, with the next required step after it
    SELECT f.id AS framework_id, f.code AS framework, m.id AS milestone_id, m.code AS milestone,
           fs.position, fs.required, fs.terminal,
           fs.prerequisites,
           CASE WHEN fs.required THEN lead(fs.milestone) OVER r END AS next_required,
           CASE WHEN fs.required THEN lead(fs.sla) OVER r END AS next_required_sla,
           -- the delivery step: the first required terminal step, else the first terminal step
           fs.terminal AND fs.position = first_value(fs.position) OVER d AS delivery
      FROM cbl.framework f
      JOIN cbl.framework_step fs ON fs.framework = f.code
      JOIN cbl.milestone m ON m.code = fs.milestone
    WINDOW r AS (PARTITION BY f.id, fs.required ORDER BY fs.position),
           d AS (PARTITION BY f.id, fs.terminal ORDER BY fs.required DESC, fs.position
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
  ), rep AS (            -- each report, its step, and what its shipment's state says
    SELECT e.shipment_id, m.code AS milestone, e.classifier, e.at, e.event_key,
           st.position, st.required, st.prerequisites, st.next_required, st.next_required_sla,
           st.delivery,
           max(e.at) FILTER (WHERE e.classifier = 'ACT' AND st.terminal) OVER w AS ended_at,
           max(e.at) FILTER (WHERE e.classifier = 'ACT' AND m.code IN ('IMPORT_CLEARED', 'EXPORT_CLEARED')) OVER w AS cleared_at,
           max(st.position) FILTER (WHERE e.classifier = 'ACT' AND st.required) OVER w AS last_required,
           max(e.at) FILTER (WHERE e.classifier = 'ACT') OVER w AS last_actual,
           max(e.at) FILTER (WHERE e.classifier = 'PLN' AND st.delivery) OVER w AS delivery_planned,
           jsonb_object_agg(m.code, extract(epoch FROM e.at)) FILTER (WHERE e.classifier = 'ACT') OVER w AS actuals
      FROM ent e
      JOIN cbl.milestone m ON m.id = e.milestone_id
      LEFT JOIN step st ON st.framework_id = e.framework_id AND st.milestone_id = e.milestone_id
    WINDOW w AS (PARTITION BY e.shipment_id)
  ), cur AS (            -- the current revision of every event
    SELECT DISTINCT ON (e.shipment_id, e.source, e.event_id)
           e.shipment_id, e.source, e.milestone, e.classifier, e.occurred_at, e.retracted,
           e.reason_code
      FROM cbl.event e
     WHERE shipment_ids IS NULL OR e.shipment_id = ANY (shipment_ids)
     ORDER BY e.shipment_id, e.source, e.event_id, e.revision DESC
  ), reported AS (       -- the live actual times each source reports for each milestone, and
                         -- whether another source reports one more than conflict_threshold apart
    SELECT h.*,
           bool_or(h.last_at - h.others_first_at > conflict_threshold)
             OVER (PARTITION BY h.shipment_id, h.milestone) AS disputed
      FROM (SELECT g.*,
                   min(g.first_at) OVER (PARTITION BY g.shipment_id, g.milestone
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                         EXCLUDE CURRENT ROW) AS others_first_at
              FROM (SELECT c.shipment_id, c.milestone, c.source,
                           min(c.occurred_at) AS first_at, max(c.occurred_at) AS last_at
                      FROM cur c
                     WHERE c.classifier = 'ACT' AND NOT c.retracted AND c.milestone IS NOT NULL
                     GROUP BY 1, 2, 3) g) h
  ), reasons AS (        -- what an event's reason code raises (cbl.code_map.raises): the
                         -- rows of codes that are not milestones, a row of your own first,
                         -- then one that raises something
    SELECT DISTINCT ON (cm.reason_code) cm.reason_code, cm.raises
      FROM cbl.code_map cm
     WHERE cm.milestone IS NULL
     ORDER BY cm.reason_code, cm.builtin, cm.raises NULLS LAST
  ), shp AS (            -- what each shipment's state says, once per shipment
    SELECT DISTINCT ON (p.shipment_id) p.shipment_id, p.ended_at, p.cleared_at, p.last_actual
      FROM rep p
     ORDER BY p.shipment_id
  ), cause AS (          -- customs holds, failed deliveries and delays: the milestones
                         -- CUSTOMS_HOLD and DELIVERY_FAILED, and the live actual events
                         -- that are no milestone and whose reason code raises one
    SELECT a.shipment_id,
           CASE a.milestone WHEN 'CUSTOMS_HOLD' THEN 'customs_hold' ELSE 'delivery_failed' END AS kind,
           a.milestone, a.at, ev.reason_code
      FROM rep a
      LEFT JOIN LATERAL (SELECT e.reason_code FROM cbl.event e
                          WHERE e.shipment_id = a.shipment_id AND e.event_key = a.event_key
                          ORDER BY e.revision DESC LIMIT 1) ev ON true
     WHERE a.milestone IN ('CUSTOMS_HOLD', 'DELIVERY_FAILED') AND a.classifier = 'ACT'
    UNION ALL
    SELECT c.shipment_id, r.raises,
           CASE r.raises WHEN 'customs_hold' THEN 'CUSTOMS_HOLD'
                         WHEN 'delivery_failed' THEN 'DELIVERY_FAILED'
                         -- a delay holds up the delivery step of the shipment's framework
                         ELSE coalesce((SELECT st.milestone FROM cbl.shipment s
                                          JOIN step st ON st.framework = s.framework AND st.delivery
                                         WHERE s.id = c.shipment_id), 'DELIVERED') END,
           c.occurred_at, c.reason_code
      FROM cur c
      JOIN reasons r ON r.reason_code = c.reason_code
     WHERE c.milestone IS NULL AND c.classifier = 'ACT' AND NOT c.retracted AND r.raises IS NOT NULL
  ), latest AS (         -- the latest cause of each kind, with what the state says since
    SELECT DISTINCT ON (k.shipment_id, k.kind) k.*, p.ended_at, p.cleared_at, p.last_actual
      FROM cause k
      LEFT JOIN shp p ON p.shipment_id = k.shipment_id
     ORDER BY k.shipment_id, k.kind, k.at DESC, k.reason_code IS NULL, k.reason_code
  ), found AS (
    -- 1. a step happened before its prerequisites: one of them happened
    --    later, or has still not been reported prerequisite_grace after it
    SELECT s.shipment_id, 'missing_prerequisite' AS kind, s.milestone,
           format('%s at %s came before its prerequisites: %s', s.milestone,
                  to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
                  string_agg(r.milestone || CASE WHEN s.actuals ? r.milestone
                                                 THEN ' (at ' || to_char(to_timestamp((s.actuals ->> r.milestone)::numeric) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"') || ')'
                                                 ELSE ' (not reported)' END,
                             ', ' ORDER BY r.n)) AS detail
      FROM rep s
     CROSS JOIN LATERAL unnest(s.prerequisites) WITH ORDINALITY AS r(milestone, n)
     WHERE s.classifier = 'ACT'
       AND CASE WHEN s.actuals ? r.milestone THEN (s.actuals ->> r.milestone)::numeric > extract(epoch FROM s.at)
                ELSE s.at <= as_of - prerequisite_grace END
     GROUP BY s.shipment_id, s.milestone, s.at
    UNION ALL
    -- 2. the next required step after the last one reached has not
    --    happened, and its SLA, counted from that one's actual time, ran
    --    out before as_of
    SELECT l.shipment_id, 'overdue', l.next_required,
           format('%s was due by %s, %s hours after %s at %s', l.next_required,
                  to_char((l.at + l.next_required_sla) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
                  trim_scale(round(extract(epoch FROM l.next_required_sla) / 3600, 1)), l.milestone,
                  to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'))
      FROM rep l
     WHERE l.classifier = 'ACT' AND l.position = l.last_required
       AND l.ended_at IS NULL
       AND l.at + l.next_required_sla < as_of
    UNION ALL
    -- 3. two sources report actual times for the same milestone more than
    --    conflict_threshold apart (the state keeps only the winner)
    SELECT g.shipment_id, 'conflicting_sources', g.milestone,
           format('%s reported more than %s hours apart by different sources: %s', g.milestone,
                  trim_scale(round(extract(epoch FROM conflict_threshold) / 3600, 1)),
                  string_agg(g.source || ' ' || to_char(g.first_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"')
                             || CASE WHEN g.last_at > g.first_at
                                     THEN ' to ' || to_char(g.last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"') ELSE '' END,
                             ', ' ORDER BY g.first_at, g.source))
      FROM reported g
     WHERE g.disputed
     GROUP BY g.shipment_id, g.milestone
    UNION ALL
    -- 4. customs hold (the milestone, or an event whose reason code
    --    raises it) with no clearance (import or export) and no end of the
    --    shipment at or after the latest one
    SELECT a.shipment_id, 'customs_hold', a.milestone,
           format('held by customs since %s%s; no clearance reported since',
                  to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
                  ' (reason ' || a.reason_code || ')')
      FROM latest a
     WHERE a.kind = 'customs_hold'
       AND coalesce(a.cleared_at < a.at, true)
       AND coalesce(a.ended_at < a.at, true)
    UNION ALL
    -- 5. the delivery step is estimated more than eta_slip_threshold after
    --    its plan, and the shipment has not ended
    SELECT d.shipment_id, 'eta_slip', d.milestone,
           format('%s is estimated at %s, %s hours after the plan (%s)', d.milestone,
                  to_char(d.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
                  trim_scale(round(extract(epoch FROM d.at - d.delivery_planned) / 3600, 1)),
                  to_char(d.delivery_planned AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'))
      FROM rep d
     WHERE d.delivery AND d.classifier = 'EST'
       AND d.ended_at IS NULL
       AND d.at - d.delivery_planned > eta_slip_threshold
    UNION ALL
    -- 6. a delivery attempt failed (the milestone, or an event whose
    --    reason code raises it) and the shipment has not ended since
    SELECT a.shipment_id, 'delivery_failed', a.milestone,
           format('delivery failed at %s%s; not delivered since',
                  to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
                  ' (reason ' || a.reason_code || ')')
      FROM latest a
     WHERE a.kind = 'delivery_failed'
       AND coalesce(a.ended_at < a.at, true)
    UNION ALL
    -- 7. a source reported a delay (an event whose reason code raises it)
    --    and no milestone has happened after it, nor has the shipment ended
    SELECT a.shipment_id, 'delayed', a.milestone,
           format('delayed since %s%s; no milestone reported since',
                  to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
                  ' (reason ' || a.reason_code || ')')
      FROM latest a
     WHERE a.kind = 'delayed'
       AND coalesce(a.last_actual <= a.at, true)
       AND coalesce(a.ended_at < a.at, true)
  )
  SELECT found.shipment_id, found.kind, found.milestone, found.detail
    FROM found
   ORDER BY 1, 2, 3;
END $$;
COMMENT ON FUNCTION cbl.detect_exceptions(timestamptz, bigint[], interval, interval, interval) IS
  'what is wrong with the shipments as of a time, one row per shipment, kind and milestone: missing prerequisites, overdue steps, conflicting sources, customs holds, slipped ETAs, failed deliveries, delays (holds, failed deliveries and delays also from events that are no milestone and whose reason code raises them, cbl.code_map.raises); writes nothing (cbl.scan_exceptions records it)';

-- Make cbl.exception agree with cbl.detect_exceptions(): open the new,
-- resolve the gone, NOTIFY cbl_exception for each opened one.
CREATE FUNCTION cbl.scan_exceptions(as_of timestamptz DEFAULT now(),
                                    shipment_ids bigint[] DEFAULT NULL,
                                    conflict_threshold interval DEFAULT '6 hours',
                                    eta_slip_threshold interval DEFAULT '24 hours',
                                    prerequisite_grace interval DEFAULT '1 hour',
                                    OUT opened bigint, OUT resolved bigint, OUT still_open bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- the checks of cbl.detect_exceptions, here for a short error context
  IF as_of IS NULL OR conflict_threshold IS NULL OR eta_slip_threshold IS NULL OR prerequisite_grace IS NULL THEN
    RAISE EXCEPTION 'as_of and the thresholds of an exception scan must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Leave an argument out to get its default.';
  END IF;
  IF conflict_threshold < interval '0' OR eta_slip_threshold < interval '0' OR prerequisite_grace < interval '0' THEN
    RAISE EXCEPTION 'the thresholds of an exception scan must not be negative'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = concat_ws(', ',  -- the negative ones, in hours
                       CASE WHEN conflict_threshold < interval '0' THEN 'conflict_threshold is ' || trim_scale(round(extract(epoch FROM conflict_threshold) / 3600, 2)) || ' hours' END,
                       CASE WHEN eta_slip_threshold < interval '0' THEN 'eta_slip_threshold is ' || trim_scale(round(extract(epoch FROM eta_slip_threshold) / 3600, 2)) || ' hours' END,
                       CASE WHEN prerequisite_grace < interval '0' THEN 'prerequisite_grace is ' || trim_scale(round(extract(epoch FROM prerequisite_grace) / 3600, 2)) || ' hours' END) || '.';
  END IF;
  -- One scan at a time: a second waits, then sees what the first recorded.
  PERFORM pg_advisory_xact_lock(1667394661, 1);   -- 'cble', 1

  WITH found AS (
    SELECT d.shipment_id, d.kind, d.milestone, d.detail
      FROM cbl.detect_exceptions(scan_exceptions.as_of, scan_exceptions.shipment_ids,
                                 scan_exceptions.conflict_threshold,
                                 scan_exceptions.eta_slip_threshold, scan_exceptions.prerequisite_grace) d
  ), known AS (
    SELECT f.*, EXISTS (SELECT 1 FROM cbl.exception x
                         WHERE x.shipment_id = f.shipment_id AND x.kind = f.kind
                           AND x.milestone = f.milestone AND x.resolved_at IS NULL) AS is_open
      FROM found f
  ), gone AS (
    UPDATE cbl.exception x
       SET resolved_at = greatest(scan_exceptions.as_of, x.opened_at)
     WHERE x.resolved_at IS NULL
       AND (scan_exceptions.shipment_ids IS NULL OR x.shipment_id = ANY (scan_exceptions.shipment_ids))
       AND NOT EXISTS (SELECT 1 FROM found f
                        WHERE f.shipment_id = x.shipment_id AND f.kind = x.kind AND f.milestone = x.milestone)
    RETURNING 1
  ), new AS (
    INSERT INTO cbl.exception AS x (shipment_id, kind, milestone, detail, opened_at)
    SELECT k.shipment_id, k.kind, k.milestone, k.detail, scan_exceptions.as_of
      FROM known k WHERE NOT k.is_open
     ORDER BY k.shipment_id, k.kind, k.milestone
    ON CONFLICT (shipment_id, kind, milestone) WHERE resolved_at IS NULL DO NOTHING
    RETURNING x.shipment_id, x.kind, x.milestone
  ), announced AS (
    SELECT pg_notify('cbl_exception',
                     json_build_object('shipment_id', n.shipment_id, 'reference', s.reference,
                                       'kind', n.kind, 'milestone', n.milestone)::text)
      FROM new n JOIN cbl.shipment s ON s.id = n.shipment_id
     ORDER BY n.shipment_id, n.kind, n.milestone
  )
  SELECT (SELECT count(*) FROM announced),
         (SELECT count(*) FROM gone),
         (SELECT count(*) FROM known k WHERE k.is_open)
    INTO opened, resolved, still_open;
END $$;
COMMENT ON FUNCTION cbl.scan_exceptions(timestamptz, bigint[], interval, interval, interval) IS
  'record in cbl.exception what cbl.detect_exceptions() finds as of a time: open the new ones (NOTIFY cbl_exception with shipment_id, reference, kind, milestone), resolve those whose cause is gone; returns how many opened, resolved and stayed open; idempotent; run it from pg_cron (cbl.schedule_exception_scan)';
REVOKE ALL ON FUNCTION cbl.scan_exceptions(timestamptz, bigint[], interval, interval, interval) FROM PUBLIC;

-- The pg_cron job that runs the scan.  The cron calls are dynamic SQL, so
-- that the functions exist (and say how to enable pg_cron) without it.
CREATE FUNCTION cbl.schedule_exception_scan(schedule text DEFAULT '*/5 * * * *') RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_schedule('cbl_exception_scan', 'exception scan', schedule,
                         '''*/5 * * * *'' (every 5 minutes)', 'SELECT * FROM cbl.scan_exceptions()');
COMMENT ON FUNCTION cbl.schedule_exception_scan(text) IS
  'schedule cbl.scan_exceptions() with pg_cron as job cbl_exception_scan (every 5 minutes by default); calling it again changes the schedule of the same job; returns the job id; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.schedule_exception_scan(text) FROM PUBLIC;

CREATE FUNCTION cbl.unschedule_exception_scan() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_exception_scan');
COMMENT ON FUNCTION cbl.unschedule_exception_scan() IS
  'remove the pg_cron job cbl_exception_scan; true if there was one, false if not; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.unschedule_exception_scan() FROM PUBLIC;
