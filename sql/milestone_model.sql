-- Milestones and frameworks: the shipped vocabulary and frameworks, their
-- constraints and checks, user-defined frameworks, the BI view, privileges
-- and pg_dump registration.  (docs/milestones.md; its examples are run here.)
\set SHOW_CONTEXT never

-- The shipped vocabulary, in id order.
SELECT id, code, phase, is_exception FROM cbl.milestone WHERE builtin ORDER BY id;
-- Every milestone the issue names is there.
SELECT c AS missing FROM unnest(ARRAY['BOOKED', 'PICKED_UP', 'ORIGIN_RECEIVED', 'ORIGIN_DISPATCHED',
  'EXPORT_DECLARED', 'EXPORT_CLEARED', 'LOADED', 'DEPARTED', 'TRANSSHIPPED', 'ARRIVED', 'DISCHARGED',
  'IMPORT_DECLARED', 'CUSTOMS_HOLD', 'IMPORT_CLEARED', 'CARRIER_RELEASED', 'AVAILABLE_FOR_PICKUP',
  'HANDED_TO_LAST_MILE', 'OUT_FOR_DELIVERY', 'DELIVERY_FAILED', 'DELIVERED', 'RETURNED', 'CANCELLED']) AS c
EXCEPT SELECT code FROM cbl.milestone;
-- Shipped ids are 1..n without gaps, every one with a description.
SELECT min(id), max(id), count(*), bool_and(description <> '') AS described
  FROM cbl.milestone WHERE builtin;

-- The shipped frameworks.
SELECT id, code, mode FROM cbl.framework WHERE builtin ORDER BY id;

-- Each shipped framework is well-formed: the checker finds nothing ...
SELECT * FROM cbl.framework_problems();
-- ... and so do these plain queries.  Positions run 1..n:
SELECT framework, min(position), max(position), count(*) FROM cbl.framework_step
 GROUP BY framework HAVING min(position) <> 1 OR max(position) <> count(*);
-- every prerequisite is a step of the same framework at an earlier position:
SELECT s.framework, s.position, p.code AS prerequisite
  FROM cbl.framework_step s CROSS JOIN LATERAL unnest(s.prerequisites) AS p(code)
 WHERE NOT EXISTS (SELECT 1 FROM cbl.framework_step e
                    WHERE e.framework = s.framework AND e.milestone = p.code AND e.position < s.position);
-- terminal steps come last:
SELECT s.framework, s.position, s.milestone FROM cbl.framework_step s
 WHERE NOT s.terminal
   AND EXISTS (SELECT 1 FROM cbl.framework_step t
                WHERE t.framework = s.framework AND t.terminal AND t.position < s.position);
-- DELIVERED, RETURNED and CANCELLED are terminal wherever they are used:
SELECT framework, milestone FROM cbl.framework_step
 WHERE milestone IN ('DELIVERED', 'RETURNED', 'CANCELLED') AND NOT terminal;
-- the exception-like milestones are optional wherever they are used:
SELECT framework, milestone FROM cbl.framework_step
 WHERE milestone IN ('CUSTOMS_HOLD', 'DELIVERY_FAILED', 'RETURNED', 'CANCELLED') AND required;
-- and each framework has exactly one required terminal step: where the normal way ends.
SELECT framework, string_agg(milestone, ', ' ORDER BY position) FILTER (WHERE terminal AND required) AS ends_at,
       string_agg(milestone, ', ' ORDER BY position) FILTER (WHERE terminal AND NOT required) AS or_else,
       count(*) AS steps, count(*) FILTER (WHERE required) AS required
  FROM cbl.framework_step WHERE builtin GROUP BY framework
 ORDER BY (SELECT f.id FROM cbl.framework f WHERE f.code = framework);

-- Every shipped step, as BI sees it.
SELECT framework, position, milestone, phase, required, prerequisites, sla, terminal, sla_hours
  FROM cbl.v_framework
 ORDER BY (SELECT f.id FROM cbl.framework f WHERE f.code = framework), position;

-- Milestone constraints (terse: the failing rows would show ids the sequence handed out).
\set VERBOSITY terse
INSERT INTO cbl.milestone (code, phase, description) VALUES ('lower_case', 'origin', 'x');
INSERT INTO cbl.milestone (code, phase, description) VALUES ('9LIVES', 'origin', 'x');
INSERT INTO cbl.milestone (code, phase, description) VALUES ('HAS SPACE', 'origin', 'x');
INSERT INTO cbl.milestone (code, phase, description) VALUES ('IN_TRANSIT', 'transit', 'x');
INSERT INTO cbl.milestone (code, phase, description) VALUES ('IN_TRANSIT', 'main_carriage', '');
INSERT INTO cbl.milestone (code, phase, description) VALUES ('BOOKED', 'origin', 'a second BOOKED');
INSERT INTO cbl.milestone (id, code, phase, description) VALUES (50, 'MY_OWN', 'origin', 'x');
INSERT INTO cbl.milestone (id, code, phase, description) OVERRIDING SYSTEM VALUE
VALUES (50, 'MY_OWN', 'origin', 'x');
\set VERBOSITY default
INSERT INTO cbl.milestone (code, phase, description, builtin) VALUES ('MY_OWN', 'origin', 'x', true);
-- A user's milestone gets an id from 1000 up.
INSERT INTO cbl.milestone (code, phase, description)
VALUES ('QUALITY_CHECKED', 'destination', 'goods inspected at the destination warehouse')
RETURNING code, id >= 1000 AS user_id, builtin;

-- Framework constraints.
\set VERBOSITY terse
INSERT INTO cbl.framework (code, description, mode) VALUES ('Express', 'x', 'express');
INSERT INTO cbl.framework (code, description, mode) VALUES ('sea_freight', 'x', 'sea');
INSERT INTO cbl.framework (code, description, mode) VALUES ('air', 'a second air', 'air');
INSERT INTO cbl.framework (code, description, mode) VALUES ('empty', '', 'air');
INSERT INTO cbl.framework (id, code, description, mode) VALUES (10, 'mine', 'x', 'air');
\set VERBOSITY default

-- docs/milestones.md: defining a framework of your own.
INSERT INTO cbl.milestone (code, phase, description)
VALUES ('BORDER_CROSSED', 'main_carriage', 'the train crossed a transit border (gauge change at Dostyk or Malaszewicze)');
INSERT INTO cbl.framework (code, description, mode)
VALUES ('cn_eu_rail', 'China-Europe block train, terminal to door', 'rail');
INSERT INTO cbl.framework_step (framework, position, milestone, required, prerequisites, sla, terminal) VALUES
  ('cn_eu_rail', 1, 'BOOKED',          true,  '{}',                NULL,      false),
  ('cn_eu_rail', 2, 'ORIGIN_RECEIVED', true,  '{BOOKED}',          '7 days',  false),
  ('cn_eu_rail', 3, 'EXPORT_CLEARED',  true,  '{ORIGIN_RECEIVED}', '2 days',  false),
  ('cn_eu_rail', 4, 'DEPARTED',        true,  '{EXPORT_CLEARED}',  '3 days',  false),
  ('cn_eu_rail', 5, 'BORDER_CROSSED',  false, '{DEPARTED}',        '8 days',  false),
  ('cn_eu_rail', 6, 'ARRIVED',         true,  '{DEPARTED}',        '18 days', false),
  ('cn_eu_rail', 7, 'IMPORT_CLEARED',  true,  '{ARRIVED}',         '2 days',  false),
  ('cn_eu_rail', 8, 'DELIVERED',       true,  '{IMPORT_CLEARED}',  '3 days',  true),
  ('cn_eu_rail', 9, 'CANCELLED',       false, '{}',                NULL,      true);
SELECT position, milestone, phase, required, prerequisites, sla, terminal
  FROM cbl.v_framework WHERE framework = 'cn_eu_rail' ORDER BY position;
SELECT code, id >= 1000 AS user_id, builtin FROM cbl.framework WHERE code = 'cn_eu_rail';
SELECT code, id >= 1000 AS user_id, builtin FROM cbl.milestone WHERE code = 'BORDER_CROSSED';

-- docs/milestones.md: a prerequisite that is not an earlier step.
INSERT INTO cbl.framework (code, description, mode)
VALUES ('broken_example', 'prerequisites in the wrong order', 'road');
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{DELIVERED}', false),
  ('broken_example', 2, 'DELIVERED', '{PICKED_UP}', true);
\set VERBOSITY sqlstate
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{DELIVERED}', false),
  ('broken_example', 2, 'DELIVERED', '{PICKED_UP}', true);
\set VERBOSITY default
-- It has no steps, which the checker reports (but does not refuse: steps come after the framework).
SELECT * FROM cbl.framework_problems('broken_example');

-- Every rule of a well-formed framework, one violation at a time.
-- A prerequisite that is not a milestone, or not a step of this framework:
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{}', false),
  ('broken_example', 2, 'DELIVERED', '{PICKED_UP,TELEPORTED}', true);
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{}', false),
  ('broken_example', 2, 'DELIVERED', '{ARRIVED}', true);
-- its own prerequisite, or the same one twice:
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{}', false),
  ('broken_example', 2, 'DELIVERED', '{DELIVERED}', true);
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{}', false),
  ('broken_example', 2, 'DELIVERED', '{PICKED_UP,PICKED_UP}', true);
-- a required step depending on an optional one:
INSERT INTO cbl.framework_step (framework, position, milestone, required, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', false, '{}', false),
  ('broken_example', 2, 'DELIVERED', true, '{PICKED_UP}', true);
-- a gap in the positions, or not starting at 1:
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{}', false),
  ('broken_example', 3, 'DELIVERED', '{PICKED_UP}', true);
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, terminal) VALUES
  ('broken_example', 2, 'PICKED_UP', '{}', false),
  ('broken_example', 3, 'DELIVERED', '{PICKED_UP}', true);
-- an SLA with no earlier required step to count from:
INSERT INTO cbl.framework_step (framework, position, milestone, sla, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '1 day', false),
  ('broken_example', 2, 'DELIVERED', '1 day', true);
-- a milestone of phase terminal that does not end the shipment:
INSERT INTO cbl.framework_step (framework, position, milestone, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', false),
  ('broken_example', 2, 'DELIVERED', false);
-- a step after a terminal step:
INSERT INTO cbl.framework_step (framework, position, milestone, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', false),
  ('broken_example', 2, 'CANCELLED', true),
  ('broken_example', 3, 'ARRIVED', false),
  ('broken_example', 4, 'DELIVERED', true);
-- no terminal step at all:
INSERT INTO cbl.framework_step (framework, position, milestone, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', false),
  ('broken_example', 2, 'ARRIVED', false);
-- Before the commit, cbl.framework_problems() shows what the commit would refuse.
BEGIN;
INSERT INTO cbl.framework_step (framework, position, milestone, required, prerequisites, sla, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', false, '{}', '1 day', false),
  ('broken_example', 2, 'DELIVERED', false, '{}', NULL, false),
  ('broken_example', 3, 'ARRIVED', true, '{PICKED_UP,NOWHERE,ARRIVED}', NULL, false),
  ('broken_example', 5, 'IMPORT_CLEARED', true, '{DEPARTED}', NULL, false);
SELECT * FROM cbl.framework_problems('broken_example');
ROLLBACK;
-- A well-formed version of it commits.
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites, sla, terminal) VALUES
  ('broken_example', 1, 'PICKED_UP', '{}', NULL, false),
  ('broken_example', 2, 'DELIVERED', '{PICKED_UP}', '2 days', true),
  ('broken_example', 3, 'RETURNED', '{PICKED_UP}', NULL, true);
SELECT * FROM cbl.framework_problems('broken_example');

-- Row constraints of a step, checked at once.
INSERT INTO cbl.framework_step (framework, position, milestone) VALUES ('broken_example', 0, 'ARRIVED');
INSERT INTO cbl.framework_step (framework, position, milestone, sla) VALUES ('broken_example', 4, 'ARRIVED', '0 seconds');
INSERT INTO cbl.framework_step (framework, position, milestone, sla) VALUES ('broken_example', 4, 'ARRIVED', '-1 day');
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites) VALUES ('broken_example', 4, 'ARRIVED', '{PICKED_UP,NULL}');
INSERT INTO cbl.framework_step (framework, position, milestone, prerequisites) VALUES ('broken_example', 4, 'ARRIVED', '{{PICKED_UP},{DELIVERED}}');
INSERT INTO cbl.framework_step (framework, position, milestone) VALUES ('broken_example', 4, 'PICKED_UP');
INSERT INTO cbl.framework_step (framework, position, milestone) VALUES ('broken_example', 3, 'ARRIVED');
INSERT INTO cbl.framework_step (framework, position, milestone) VALUES ('broken_example', 4, 'TELEPORTED');
INSERT INTO cbl.framework_step (framework, position, milestone) VALUES ('no_such_framework', 1, 'ARRIVED');
INSERT INTO cbl.framework_step (framework, position, milestone, builtin) VALUES ('broken_example', 4, 'ARRIVED', true);

-- Changing a user's milestone so that a framework using it breaks is refused at commit.
UPDATE cbl.milestone SET phase = 'terminal' WHERE code = 'BORDER_CROSSED';
-- A milestone or framework in use cannot be renamed or deleted.
UPDATE cbl.milestone SET code = 'BORDER_PASSED' WHERE code = 'BORDER_CROSSED';
DELETE FROM cbl.milestone WHERE code = 'BORDER_CROSSED';
-- A user's milestone that nothing uses can be changed and deleted.
UPDATE cbl.milestone SET description = 'goods inspected on arrival at the warehouse' WHERE code = 'QUALITY_CHECKED';
DELETE FROM cbl.milestone WHERE code = 'QUALITY_CHECKED';
-- Deleting a user's framework deletes its steps.
DELETE FROM cbl.framework WHERE code = 'broken_example';
SELECT count(*) AS steps_left FROM cbl.framework_step WHERE framework = 'broken_example';

-- docs/milestones.md: inserting a step in the middle.
BEGIN;
UPDATE cbl.framework_step SET position = position + 100
 WHERE framework = 'cn_eu_rail' AND position >= 7;
UPDATE cbl.framework_step SET position = position - 99
 WHERE framework = 'cn_eu_rail' AND position >= 100;
INSERT INTO cbl.framework_step (framework, position, milestone, required, prerequisites, sla)
VALUES ('cn_eu_rail', 7, 'IMPORT_DECLARED', false, '{ARRIVED}', '1 day');
COMMIT;
SELECT position, milestone, required, prerequisites, sla, terminal
  FROM cbl.framework_step WHERE framework = 'cn_eu_rail' ORDER BY position;

-- Shipped rows are read-only, whoever asks.
UPDATE cbl.milestone SET description = 'booked!' WHERE code = 'BOOKED';
DELETE FROM cbl.milestone WHERE code = 'WAREHOUSE_RECEIVED';
UPDATE cbl.framework SET description = 'faster' WHERE code = 'express_parcel';
DELETE FROM cbl.framework WHERE code = 'export_only';
UPDATE cbl.framework_step SET sla = '3 days' WHERE framework = 'express_parcel' AND milestone = 'DELIVERED';
DELETE FROM cbl.framework_step WHERE framework = 'postal' AND milestone = 'CANCELLED';
INSERT INTO cbl.framework_step (framework, position, milestone, required, terminal)
VALUES ('import_only', 12, 'RETURNED', false, true);
UPDATE cbl.framework_step SET framework = 'air' WHERE framework = 'cn_eu_rail' AND position = 1;
UPDATE cbl.framework SET builtin = true WHERE code = 'cn_eu_rail';
TRUNCATE cbl.framework_step;
-- (quiet: the notices would list every table that refers to these)
SET client_min_messages = warning;
TRUNCATE cbl.framework CASCADE;
TRUNCATE cbl.milestone CASCADE;
RESET client_min_messages;
\set VERBOSITY sqlstate
UPDATE cbl.milestone SET description = 'booked!' WHERE code = 'BOOKED';
\set VERBOSITY default
SELECT count(*) AS shipped_milestones FROM cbl.milestone WHERE builtin;
SELECT count(*) AS shipped_steps FROM cbl.framework_step WHERE builtin;

-- docs/milestones.md: changing a shipped framework means copying it.
INSERT INTO cbl.framework (code, description, mode)
VALUES ('express_next_day', 'express parcel, delivered the day after import clearance', 'express');
INSERT INTO cbl.framework_step (framework, position, milestone, required, prerequisites, sla, terminal)
SELECT 'express_next_day', position, milestone, required, prerequisites, sla, terminal
  FROM cbl.framework_step WHERE framework = 'express_parcel';
UPDATE cbl.framework_step SET sla = '1 day'
 WHERE framework = 'express_next_day' AND milestone = 'DELIVERED';
SELECT framework, milestone, sla, builtin FROM cbl.framework_step
 WHERE milestone = 'DELIVERED' AND framework IN ('express_parcel', 'express_next_day') ORDER BY framework;

-- docs/milestones.md
SELECT * FROM cbl.framework_problems();
SELECT framework, count(*) AS steps, count(*) FILTER (WHERE required) AS required,
       sum(sla_hours) FILTER (WHERE required) AS planned_hours
  FROM cbl.v_framework WHERE framework IN ('express_parcel', 'ocean_fcl')
 GROUP BY framework ORDER BY framework;

-- The view has standard SQL types only.
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a WHERE a.attrelid = 'cbl.v_framework'::regclass AND a.attnum > 0 ORDER BY a.attnum;

-- Everything here is commented: tables, views, their columns, functions, triggers.
SELECT c.relname, a.attname
  FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.oid IN ('cbl.milestone'::regclass, 'cbl.framework'::regclass, 'cbl.framework_step'::regclass,
                 'cbl.v_framework'::regclass)
   AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL);
SELECT p.oid::regprocedure AS uncommented FROM pg_proc p
 WHERE p.oid IN ('cbl.framework_problems(text)'::regprocedure, 'cbl.framework_check_trigger()'::regprocedure,
                 'cbl.guard_builtin()'::regprocedure)
   AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT t.tgname, obj_description(t.oid, 'pg_trigger') IS NOT NULL AS commented
  FROM pg_trigger t
 WHERE t.tgrelid IN ('cbl.milestone'::regclass, 'cbl.framework'::regclass, 'cbl.framework_step'::regclass)
   AND NOT t.tgisinternal
 ORDER BY t.tgrelid::regclass::text, t.tgname;

-- Reference data: readable by everyone; the checker is a reader.
SELECT c AS relation, has_table_privilege('public', c, 'SELECT') AS public_reads,
       has_table_privilege('public', c, 'INSERT') AS public_writes
  FROM unnest(ARRAY['cbl.milestone', 'cbl.framework', 'cbl.framework_step', 'cbl.v_framework']) AS c;
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_executes
  FROM pg_proc p WHERE p.oid = 'cbl.framework_problems(text)'::regprocedure;

-- The trigger functions are not callable by PUBLIC, yet fire for every writer:
-- a role allowed to edit frameworks gets the same checks and guards.
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public_executes
  FROM pg_proc p
 WHERE p.oid IN ('cbl.framework_check_trigger()'::regprocedure, 'cbl.guard_builtin()'::regprocedure)
 ORDER BY p.oid::regprocedure::text;
CREATE ROLE regress_cbl_planner;
GRANT INSERT, UPDATE, DELETE ON cbl.milestone, cbl.framework, cbl.framework_step TO regress_cbl_planner;
SET ROLE regress_cbl_planner;
INSERT INTO cbl.framework (code, description, mode) VALUES ('planner_test', 'a planner''s framework', 'road');
INSERT INTO cbl.framework_step (framework, position, milestone, terminal) VALUES
  ('planner_test', 1, 'PICKED_UP', false),
  ('planner_test', 2, 'DELIVERED', false);
INSERT INTO cbl.framework_step (framework, position, milestone, terminal) VALUES
  ('planner_test', 1, 'PICKED_UP', false),
  ('planner_test', 2, 'DELIVERED', true);
DELETE FROM cbl.framework WHERE code = 'postal';
DELETE FROM cbl.framework WHERE code = 'planner_test';
RESET ROLE;
DROP OWNED BY regress_cbl_planner;
DROP ROLE regress_cbl_planner;

-- pg_dump keeps what users add (WHERE NOT builtin) and the sequences of their ids.
SELECT c.relname, e.extcondition
  FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS e(oid, extcondition)
  JOIN pg_class c ON c.oid = e.oid
 WHERE x.extname = 'cbl'
   AND c.relname IN ('milestone', 'framework', 'framework_step', 'milestone_id_seq', 'framework_id_seq')
 ORDER BY c.relname;
-- What a dump of them holds now: the user's rows only.
SELECT code FROM cbl.milestone WHERE NOT builtin ORDER BY code;
SELECT code, mode FROM cbl.framework WHERE NOT builtin ORDER BY code;
SELECT framework, count(*) FROM cbl.framework_step WHERE NOT builtin GROUP BY framework ORDER BY framework;
