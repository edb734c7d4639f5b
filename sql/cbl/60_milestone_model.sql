-- Milestones and frameworks: the canonical vocabulary of checkpoints, and for
-- each kind of shipment the ordered milestones it goes through (docs/milestones.md).
--
-- Both are data a business edits.  cbl ships rows marked builtin; users add
-- their own.  pg_dump keeps the users' rows (filter WHERE NOT builtin) and
-- CREATE EXTENSION brings back the shipped ones.  So that no edit can be lost
-- in a dump, shipped rows are read-only (trigger *_guard_builtin): to change a
-- shipped framework, copy it under a code of your own.  Upgrade scripts that
-- change shipped rows disable those triggers around the change.
--
-- Ids: shipped milestones and frameworks have ids 1..999 (kept stable across
-- versions, new ones take the next free id); users' rows get ids from 1000 up.

CREATE TABLE cbl.milestone (
  code          text PRIMARY KEY
                CONSTRAINT milestone_code_format CHECK (code ~ '^[A-Z][A-Z0-9_]*$'),
  id            smallint NOT NULL GENERATED ALWAYS AS IDENTITY (START WITH 1000 MINVALUE 1000),
  phase         text NOT NULL
                CONSTRAINT milestone_phase_check
                CHECK (phase IN ('origin', 'export', 'main_carriage', 'import', 'destination', 'terminal')),
  description   text NOT NULL CONSTRAINT milestone_description_check CHECK (description <> ''),
  is_exception  boolean NOT NULL DEFAULT false,
  builtin       boolean NOT NULL DEFAULT false,
  CONSTRAINT milestone_id_key UNIQUE (id),
  CONSTRAINT milestone_builtin_ids CHECK (id >= 1 AND builtin = (id < 1000))
);
COMMENT ON TABLE cbl.milestone IS
  'canonical milestones (standard checkpoints of a shipment): cbl ships the common ones, users add their own';
COMMENT ON COLUMN cbl.milestone.code IS 'milestone code, upper case, e.g. EXPORT_CLEARED';
COMMENT ON COLUMN cbl.milestone.id IS
  'stable small id by which compact state refers to the milestone: 1..999 shipped with cbl, 1000 up added by users';
COMMENT ON COLUMN cbl.milestone.phase IS
  'stage of the journey: origin, export, main_carriage, import, destination or terminal';
COMMENT ON COLUMN cbl.milestone.description IS 'what has happened when this milestone is reached';
COMMENT ON COLUMN cbl.milestone.is_exception IS
  'reaching it is itself a problem to report (customs hold, failed delivery, return, cancellation)';
COMMENT ON COLUMN cbl.milestone.builtin IS
  'shipped with cbl: read-only, restored by CREATE EXTENSION, not in pg_dump output';

CREATE TABLE cbl.framework (
  code         text PRIMARY KEY
               CONSTRAINT framework_code_format CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  id           smallint NOT NULL GENERATED ALWAYS AS IDENTITY (START WITH 1000 MINVALUE 1000),
  description  text NOT NULL CONSTRAINT framework_description_check CHECK (description <> ''),
  mode         text NOT NULL
               CONSTRAINT framework_mode_check
               CHECK (mode IN ('express', 'postal', 'air', 'ocean', 'rail', 'road', 'multimodal')),
  builtin      boolean NOT NULL DEFAULT false,
  CONSTRAINT framework_id_key UNIQUE (id),
  CONSTRAINT framework_builtin_ids CHECK (id >= 1 AND builtin = (id < 1000))
);
COMMENT ON TABLE cbl.framework IS
  'kinds of shipment (express parcel, ocean FCL ...), each with its ordered milestones in cbl.framework_step';
COMMENT ON COLUMN cbl.framework.code IS 'framework code, lower case, e.g. express_parcel';
COMMENT ON COLUMN cbl.framework.id IS
  'stable small id: 1..999 shipped with cbl, 1000 up added by users';
COMMENT ON COLUMN cbl.framework.description IS 'what kind of shipment follows this framework';
COMMENT ON COLUMN cbl.framework.mode IS
  'transport mode of the main carriage: express, postal, air, ocean, rail, road, or multimodal (several or any)';
COMMENT ON COLUMN cbl.framework.builtin IS
  'shipped with cbl: read-only, restored by CREATE EXTENSION, not in pg_dump output; copy it to change it';

CREATE TABLE cbl.framework_step (
  framework      text NOT NULL REFERENCES cbl.framework (code) ON DELETE CASCADE,
  position       smallint NOT NULL CONSTRAINT framework_step_position_check CHECK (position >= 1),
  milestone      text NOT NULL REFERENCES cbl.milestone (code),
  required       boolean NOT NULL DEFAULT true,
  prerequisites  text[] NOT NULL DEFAULT '{}'
                 CONSTRAINT framework_step_prerequisites_check
                 CHECK (cardinality(prerequisites) = 0
                        OR (array_ndims(prerequisites) = 1 AND array_position(prerequisites, NULL) IS NULL)),
  sla            interval CONSTRAINT framework_step_sla_check CHECK (sla > interval '0'),
  terminal       boolean NOT NULL DEFAULT false,
  builtin        boolean NOT NULL DEFAULT false,
  PRIMARY KEY (framework, position),
  CONSTRAINT framework_step_milestone_key UNIQUE (framework, milestone)
);
CREATE INDEX framework_step_milestone_idx ON cbl.framework_step (milestone);
COMMENT ON TABLE cbl.framework_step IS
  'the milestones of a framework in order, with which are required, their prerequisites, SLA and which end the shipment; checked at commit by cbl.framework_problems()';
COMMENT ON COLUMN cbl.framework_step.framework IS 'framework code';
COMMENT ON COLUMN cbl.framework_step.position IS 'place in the framework: 1, 2, 3 ... without gaps';
COMMENT ON COLUMN cbl.framework_step.milestone IS 'milestone code; each milestone at most once per framework';
COMMENT ON COLUMN cbl.framework_step.required IS
  'true: must happen on the normal way through; false: may be skipped (exceptions, alternatives, events not every source reports)';
COMMENT ON COLUMN cbl.framework_step.prerequisites IS
  'milestone codes that must have happened before this one: steps of the same framework at earlier positions';
COMMENT ON COLUMN cbl.framework_step.sla IS
  'longest time this step may take after the previous required step (the nearest earlier position with required = true); NULL: no limit';
COMMENT ON COLUMN cbl.framework_step.terminal IS
  'reaching this milestone ends the shipment (delivered, returned, cancelled ...); terminal steps come last';
COMMENT ON COLUMN cbl.framework_step.builtin IS
  'step of a framework shipped with cbl: read-only, not in pg_dump output';

GRANT SELECT ON cbl.milestone, cbl.framework, cbl.framework_step TO PUBLIC;

-- What is wrong with a framework: one row per problem, none when it is
-- well-formed.  The constraint triggers below run it at commit.
CREATE FUNCTION cbl.framework_problems(framework text DEFAULT NULL)
RETURNS TABLE (framework text, "position" smallint, milestone text, problem text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  WITH f AS (
    SELECT f.code FROM cbl.framework f
     WHERE $1 IS NULL OR f.code = $1
  ), s AS (
    SELECT s.framework, s.position, s.milestone, s.required, s.prerequisites, s.sla, s.terminal,
           m.phase,
           max(s.position) OVER w AS last_position,
           count(*) OVER w AS steps
      FROM cbl.framework_step s
      JOIN f ON f.code = s.framework
      JOIN cbl.milestone m ON m.code = s.milestone
    WINDOW w AS (PARTITION BY s.framework)
  ), problems AS (
    -- no steps at all
    SELECT f.code, NULL::smallint, NULL::text, 'the framework has no steps'
      FROM f WHERE NOT EXISTS (SELECT 1 FROM cbl.framework_step s WHERE s.framework = f.code)
    UNION ALL
    -- positions 1..n without gaps
    SELECT g.framework, g.p::smallint, NULL,
           format('position %s is missing: positions run 1, 2, 3 ... without gaps', g.p)
      FROM (SELECT DISTINCT s.framework, p FROM s, generate_series(1, s.last_position) AS p
             WHERE s.steps < s.last_position) g
     WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.framework = g.framework AND s.position = g.p)
    UNION ALL
    -- each prerequisite is a step of the same framework at an earlier position
    SELECT s.framework, s.position, s.milestone,
           CASE
             WHEN p.position IS NULL AND NOT EXISTS (SELECT 1 FROM cbl.milestone m WHERE m.code = r.code)
               THEN format('prerequisite %s is not a milestone', r.code)
             WHEN p.position IS NULL
               THEN format('prerequisite %s is not a step of framework %s', r.code, s.framework)
             WHEN p.position = s.position
               THEN format('%s cannot be its own prerequisite', r.code)
             ELSE format('prerequisite %s comes at position %s, not before position %s', r.code, p.position, s.position)
           END
      FROM s
     CROSS JOIN LATERAL unnest(s.prerequisites) AS r(code)
      LEFT JOIN s p ON p.framework = s.framework AND p.milestone = r.code
     WHERE p.position IS NULL OR p.position >= s.position
    UNION ALL
    SELECT s.framework, s.position, s.milestone, format('prerequisite %s is listed more than once', r.code)
      FROM s CROSS JOIN LATERAL unnest(s.prerequisites) AS r(code)
     GROUP BY s.framework, s.position, s.milestone, r.code HAVING count(*) > 1
    UNION ALL
    -- a required step cannot depend on a step that may be skipped
    SELECT s.framework, s.position, s.milestone,
           format('required step %s has prerequisite %s, which is optional', s.milestone, p.milestone)
      FROM s CROSS JOIN LATERAL unnest(s.prerequisites) AS r(code)
      JOIN s p ON p.framework = s.framework AND p.milestone = r.code
     WHERE s.required AND NOT p.required AND p.position < s.position
    UNION ALL
    -- an SLA counts from the previous required step, so there must be one
    SELECT s.framework, s.position, s.milestone,
           'the step has an SLA but no earlier required step to count it from'
      FROM s
     WHERE s.sla IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM s e WHERE e.framework = s.framework AND e.position < s.position AND e.required)
    UNION ALL
    -- milestones of phase terminal end the shipment wherever they are used
    SELECT s.framework, s.position, s.milestone,
           format('milestone %s is of phase terminal, so its step must be terminal', s.milestone)
      FROM s WHERE s.phase = 'terminal' AND NOT s.terminal
    UNION ALL
    -- terminal steps come last
    SELECT s.framework, s.position, s.milestone,
           format('the step comes after terminal step %s (position %s): terminal steps come last', t.milestone, t.position)
      FROM s
     CROSS JOIN LATERAL (SELECT t.milestone, t.position FROM s t
                          WHERE t.framework = s.framework AND t.terminal AND t.position < s.position
                          ORDER BY t.position LIMIT 1) t
     WHERE NOT s.terminal
    UNION ALL
    SELECT f.code, NULL, NULL, 'the framework has no terminal step'
      FROM f
     WHERE EXISTS (SELECT 1 FROM cbl.framework_step s WHERE s.framework = f.code)
       AND NOT EXISTS (SELECT 1 FROM cbl.framework_step s WHERE s.framework = f.code AND s.terminal)
  )
  SELECT * FROM problems AS p(framework, position, milestone, problem)
   ORDER BY 1, 2 NULLS FIRST, 4
$$;
COMMENT ON FUNCTION cbl.framework_problems(text) IS
  'what is wrong with a framework (all frameworks when NULL): gaps in positions, prerequisites that are not earlier steps, misplaced terminal steps ...; no rows when well-formed';

-- Deferred check: a transaction may insert, renumber or delete steps in any
-- order; at commit every framework it touched must be well-formed.
CREATE FUNCTION cbl.framework_check_trigger() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  frameworks text[];
  fw text;
  problems text;
BEGIN
  IF TG_TABLE_NAME = 'milestone' THEN
    SELECT array_agg(DISTINCT s.framework) INTO frameworks
      FROM cbl.framework_step s WHERE s.milestone = NEW.code;
  ELSIF TG_OP = 'INSERT' THEN
    frameworks := ARRAY[NEW.framework];
  ELSIF TG_OP = 'DELETE' THEN
    frameworks := ARRAY[OLD.framework];
  ELSE
    frameworks := ARRAY[OLD.framework, NEW.framework];
  END IF;
  FOREACH fw IN ARRAY coalesce(frameworks, '{}') LOOP
    SELECT string_agg(coalesce('position ' || p.position || ' (' || p.milestone || '): ', '') || p.problem, E'\n'
                      ORDER BY p.position NULLS FIRST, p.problem)
      INTO problems
      FROM cbl.framework_problems(fw) p;
    IF problems IS NOT NULL THEN
      RAISE EXCEPTION 'framework "%" is not well-formed', fw
        USING ERRCODE = 'check_violation',
              DETAIL = problems,
              HINT = 'Fix the steps in cbl.framework_step in the same transaction; cbl.framework_problems() lists what is wrong.';
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION cbl.framework_check_trigger() IS
  'constraint trigger: at commit, every framework whose steps (or their milestones) changed must have no cbl.framework_problems()';
-- A trigger fires whoever writes the table; nobody needs to call it.
REVOKE ALL ON FUNCTION cbl.framework_check_trigger() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER framework_step_check
  AFTER INSERT OR UPDATE OR DELETE ON cbl.framework_step
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION cbl.framework_check_trigger();
COMMENT ON TRIGGER framework_step_check ON cbl.framework_step IS
  'at commit, the frameworks whose steps changed must be well-formed (cbl.framework_problems)';
CREATE CONSTRAINT TRIGGER milestone_check
  AFTER UPDATE OF phase ON cbl.milestone
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION cbl.framework_check_trigger();
COMMENT ON TRIGGER milestone_check ON cbl.milestone IS
  'at commit, the frameworks using a milestone whose phase changed must be well-formed (cbl.framework_problems)';

-- Shipped rows are read-only.  The guard triggers are created after the
-- shipped rows are inserted (61_milestone_frameworks.sql).
CREATE FUNCTION cbl.guard_builtin() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  what text := CASE TG_TABLE_NAME WHEN 'milestone' THEN 'milestone' ELSE 'framework' END;
  code text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'cannot truncate cbl.%: it holds rows shipped with cbl', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Delete your own rows with DELETE ... WHERE NOT builtin.';
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF OLD.builtin THEN
      IF TG_TABLE_NAME = 'framework_step' THEN
        code := OLD.framework;
      ELSE
        code := OLD.code;
      END IF;
    END IF;
  END IF;
  IF code IS NULL AND TG_OP IN ('INSERT', 'UPDATE') THEN
    IF NEW.builtin THEN
      RAISE EXCEPTION 'cannot mark a row of cbl.% as builtin', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Only rows shipped with cbl are builtin; pg_dump leaves them out.';
    END IF;
    IF TG_TABLE_NAME = 'framework_step' THEN
      IF EXISTS (SELECT 1 FROM cbl.framework f WHERE f.code = NEW.framework AND f.builtin) THEN
        code := NEW.framework;
      END IF;
    END IF;
  END IF;
  IF code IS NOT NULL THEN
    RAISE EXCEPTION '% "%" is shipped with cbl and cannot be changed', what, code
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Shipped rows are restored by CREATE EXTENSION and left out of pg_dump, so a change to them would be lost.',
            HINT = CASE what
                     WHEN 'framework' THEN 'Copy the framework under a code of your own and change the copy (docs/milestones.md).'
                     ELSE 'Add a milestone of your own instead.'
                   END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION cbl.guard_builtin() IS
  'trigger: refuses changes to rows shipped with cbl (builtin) in cbl.milestone, cbl.framework and cbl.framework_step, and TRUNCATE of those tables';
REVOKE ALL ON FUNCTION cbl.guard_builtin() FROM PUBLIC;

-- The view for BI: one row per framework step, standard types only.
CREATE VIEW cbl.v_framework AS
SELECT s.framework,
       s.position::integer AS position,
       s.milestone,
       m.phase,
       s.required,
       NULLIF(array_to_string(s.prerequisites, ', '), '') AS prerequisites,
       s.sla::text AS sla,   -- text: JDBC maps interval to Types.OTHER
       s.terminal,
       round(extract(epoch FROM s.sla) / 3600, 2) AS sla_hours,
       m.id::integer AS milestone_id,
       m.description AS milestone_description,
       m.is_exception,
       f.mode,
       f.description AS framework_description
  FROM cbl.framework_step s
  JOIN cbl.framework f ON f.code = s.framework
  JOIN cbl.milestone m ON m.code = s.milestone;
COMMENT ON VIEW cbl.v_framework IS
  'for BI: every framework step with its milestone, in standard SQL types; order by framework, position';
COMMENT ON COLUMN cbl.v_framework.framework IS 'framework code, e.g. express_parcel';
COMMENT ON COLUMN cbl.v_framework.position IS 'place of the step in the framework, from 1';
COMMENT ON COLUMN cbl.v_framework.milestone IS 'milestone code, e.g. EXPORT_CLEARED';
COMMENT ON COLUMN cbl.v_framework.phase IS
  'stage of the journey: origin, export, main_carriage, import, destination or terminal';
COMMENT ON COLUMN cbl.v_framework.required IS 'true if the step must happen on the normal way through';
COMMENT ON COLUMN cbl.v_framework.prerequisites IS
  'milestones that must have happened before this one, comma-separated; NULL if none';
COMMENT ON COLUMN cbl.v_framework.sla IS
  'longest time the step may take after the previous required step, as text (e.g. 1 day, 12:00:00); NULL if no limit; sla_hours has it as a number';
COMMENT ON COLUMN cbl.v_framework.terminal IS 'true if reaching this milestone ends the shipment';
COMMENT ON COLUMN cbl.v_framework.sla_hours IS 'the SLA in hours (a month counts 30 days); NULL if no limit';
COMMENT ON COLUMN cbl.v_framework.milestone_id IS 'stable small id of the milestone';
COMMENT ON COLUMN cbl.v_framework.milestone_description IS 'what has happened when the milestone is reached';
COMMENT ON COLUMN cbl.v_framework.is_exception IS 'true if reaching the milestone is itself a problem to report';
COMMENT ON COLUMN cbl.v_framework.mode IS 'transport mode of the framework''s main carriage';
COMMENT ON COLUMN cbl.v_framework.framework_description IS 'what kind of shipment follows the framework';
GRANT SELECT ON cbl.v_framework TO PUBLIC;

-- pg_dump keeps what users add; shipped rows come back with CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('cbl.milestone', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('cbl.framework', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('cbl.framework_step', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('cbl.milestone_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.framework_id_seq', '');
