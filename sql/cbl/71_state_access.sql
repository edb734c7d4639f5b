-- Reading a cbl.milestone_state against its framework (docs/milestones.md).
-- STABLE: they read the framework's steps, which users may edit.

CREATE FUNCTION cbl.milestone_time(state cbl.milestone_state, milestone text,
                                   classifier text DEFAULT 'ACT') RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.at FROM cbl.milestone_entries(state) e
    JOIN cbl.milestone m ON m.id = e.milestone_id
   WHERE m.code = upper(milestone_time.milestone) AND e.classifier = upper(milestone_time.classifier)
$$;
COMMENT ON FUNCTION cbl.milestone_time(cbl.milestone_state, text, text) IS
  'the time a state holds for a milestone and classifier (ACT by default), NULL if none';

-- The framework's steps joined to what the state holds: the core of the
-- accessors below and of cbl.v_timeline.
CREATE FUNCTION cbl.state_steps(state cbl.milestone_state)
RETURNS TABLE ("position" smallint, milestone text, required boolean, terminal boolean,
               sla interval, planned timestamptz, estimated timestamptz, actual timestamptz,
               actual_event_key bigint)
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 15
SET search_path = pg_catalog, pg_temp AS $$
  SELECT fs.position, fs.milestone, fs.required, fs.terminal, fs.sla,
         max(e.at) FILTER (WHERE e.classifier = 'PLN'),
         max(e.at) FILTER (WHERE e.classifier = 'EST'),
         max(e.at) FILTER (WHERE e.classifier = 'ACT'),
         max(e.event_key) FILTER (WHERE e.classifier = 'ACT')
    FROM cbl.framework f
    JOIN cbl.framework_step fs ON fs.framework = f.code
    JOIN cbl.milestone m ON m.code = fs.milestone
    LEFT JOIN cbl.milestone_entries(state) e ON e.milestone_id = m.id
   WHERE f.id = cbl.framework_id(state)
   GROUP BY fs.position, fs.milestone, fs.required, fs.terminal, fs.sla
   ORDER BY fs.position
$$;
COMMENT ON FUNCTION cbl.state_steps(cbl.milestone_state) IS
  'every step of the state''s framework in order, with the planned, estimated and actual times the state holds for it';

CREATE FUNCTION cbl.current_milestone(state cbl.milestone_state) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT s.milestone FROM cbl.state_steps(state) s
   WHERE s.actual IS NOT NULL ORDER BY s.position DESC LIMIT 1
$$;
COMMENT ON FUNCTION cbl.current_milestone(cbl.milestone_state) IS
  'the furthest milestone, in framework order, that has actually happened; NULL if none';

CREATE FUNCTION cbl.missing_milestones(state cbl.milestone_state) RETURNS text[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(s.milestone ORDER BY s.position), '{}')
    FROM cbl.state_steps(state) s
   WHERE s.required AND s.actual IS NULL
     AND s.position < (SELECT max(c.position) FROM cbl.state_steps(state) c WHERE c.actual IS NOT NULL)
$$;
COMMENT ON FUNCTION cbl.missing_milestones(cbl.milestone_state) IS
  'required milestones before the current one that never happened, in framework order';

CREATE FUNCTION cbl.is_terminal(state cbl.milestone_state) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM cbl.state_steps(state) s WHERE s.terminal AND s.actual IS NOT NULL)
$$;
COMMENT ON FUNCTION cbl.is_terminal(cbl.milestone_state) IS
  'a terminal milestone of the framework (delivered, returned, cancelled ...) has actually happened';

CREATE FUNCTION cbl.describe(state cbl.milestone_state) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce((SELECT f.code FROM cbl.framework f WHERE f.id = cbl.framework_id(state)), '(empty)')
         || coalesce(': ' || string_agg(
              m.code || ' ' || e.classifier || ' '
              || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
              ', ' ORDER BY fs.position NULLS LAST, m.code,
                   array_position(ARRAY['PLN', 'EST', 'ACT'], e.classifier)), '')
    FROM cbl.milestone_entries(state) e
    JOIN cbl.milestone m ON m.id = e.milestone_id
    LEFT JOIN cbl.framework_step fs
           ON fs.milestone = m.code
          AND fs.framework = (SELECT f.code FROM cbl.framework f WHERE f.id = cbl.framework_id(state))
$$;
COMMENT ON FUNCTION cbl.describe(cbl.milestone_state) IS
  'the state as readable text: framework, then each milestone, classifier and UTC time in framework order';
