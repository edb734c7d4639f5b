-- Reading a cbl.milestone_state against its framework (docs/milestones.md).
-- In C (src/state_access.c), with the frameworks' steps and the milestones
-- cached per backend: a SQL function here cost about 0.5 ms a call
-- (PostgreSQL plans a SQL function with a SET clause again at every call),
-- which made a list of 100 000 shipments with their current milestone take
-- a minute.  STABLE: they read the framework's steps, which users may edit;
-- the triggers below tell every backend's cache when they change.

CREATE FUNCTION cbl.framework_cache_trigger() RETURNS trigger
  AS 'MODULE_PATHNAME', 'cbl_framework_cache_trigger' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cbl.framework_cache_trigger() IS
  'statement trigger of cbl.framework, cbl.framework_step and cbl.milestone: invalidates every backend''s cache of frameworks used by the state accessors';
REVOKE ALL ON FUNCTION cbl.framework_cache_trigger() FROM PUBLIC;

CREATE TRIGGER framework_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cbl.framework
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.framework_cache_trigger();
CREATE TRIGGER framework_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cbl.framework_step
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.framework_cache_trigger();
CREATE TRIGGER framework_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cbl.milestone
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.framework_cache_trigger();
COMMENT ON TRIGGER framework_cache ON cbl.framework IS
  'tells every backend that its cache of frameworks (state accessors) is stale';
COMMENT ON TRIGGER framework_cache ON cbl.framework_step IS
  'tells every backend that its cache of frameworks (state accessors) is stale';
COMMENT ON TRIGGER framework_cache ON cbl.milestone IS
  'tells every backend that its cache of frameworks and milestones (state accessors) is stale';

CREATE FUNCTION cbl.milestone_time(state cbl.milestone_state, milestone text,
                                   classifier text DEFAULT 'ACT') RETURNS timestamptz
  AS 'MODULE_PATHNAME', 'cbl_milestone_time' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.milestone_time(cbl.milestone_state, text, text) IS
  'the time a state holds for a milestone and classifier (ACT by default), NULL if none';

-- The framework's steps joined to what the state holds: the core of the
-- accessors below and of cbl.v_timeline.
CREATE FUNCTION cbl.state_steps(state cbl.milestone_state)
RETURNS TABLE ("position" smallint, milestone text, required boolean, terminal boolean,
               sla interval, planned timestamptz, estimated timestamptz, actual timestamptz,
               actual_event_key bigint)
  AS 'MODULE_PATHNAME', 'cbl_state_steps' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 15;
COMMENT ON FUNCTION cbl.state_steps(cbl.milestone_state) IS
  'every step of the state''s framework in order, with the planned, estimated and actual times the state holds for it';

-- What cbl.v_shipment_status shows of a state, from one pass over the steps
-- (aggregating cbl.state_steps for it was a third of a status look-up).
CREATE FUNCTION cbl.state_summary(state cbl.milestone_state,
                                  OUT current_milestone text, OUT current_milestone_at timestamptz,
                                  OUT eta timestamptz, OUT delivered_at timestamptz, OUT is_terminal boolean)
  AS 'MODULE_PATHNAME', 'cbl_state_summary' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.state_summary(cbl.milestone_state) IS
  'the current milestone and when it happened; the delivery step''s (the first terminal step, required ones first) latest estimate or plan and actual time; whether a terminal milestone happened';

CREATE FUNCTION cbl.current_milestone(state cbl.milestone_state) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_current_milestone' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.current_milestone(cbl.milestone_state) IS
  'the furthest milestone, in framework order, that has actually happened; NULL if none';

CREATE FUNCTION cbl.missing_milestones(state cbl.milestone_state) RETURNS text[]
  AS 'MODULE_PATHNAME', 'cbl_missing_milestones' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.missing_milestones(cbl.milestone_state) IS
  'required milestones before the current one that never happened, in framework order';

CREATE FUNCTION cbl.is_terminal(state cbl.milestone_state) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_is_terminal' LANGUAGE C STABLE STRICT PARALLEL SAFE;
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
