-- Ready for Citus (docs/scaling.md, "Citus").  Citus is not installed here;
-- this test checks, on the catalog, the rules that let a cbl database be
-- distributed, so that a new table, key, trigger, type or aggregate is
-- checked without editing this test, and it runs the distribution commands
-- of the docs (test/citus/distribute.sql) against stand-ins of the Citus
-- functions.  test/citus/run.sh runs them on a real cluster where Citus is.
--
-- The rules: a table is distributed by one column (its key column), and
-- Citus enforces a primary or unique key only if it contains that column, a
-- foreign key between distributed tables only if both are co-located and the
-- key maps column to column, and no foreign key from a reference table to a
-- distributed one.  So every key of a distributed table holds its key
-- column; a partitioned table's keys are its partitions' (72_event.sql).

-- cbl's tables: the extension's members (and below, every partition of
-- them: the monthly partitions are not members).
CREATE TEMP VIEW cbl_member AS
SELECT c.oid::regclass AS tab
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cbl'
  JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
   AND d.deptype = 'e' AND c.relkind IN ('r', 'p') AND NOT c.relispartition;

-- How each table is laid out.  Derived from its columns: a table with
-- shipment_id is shipment-keyed, else one with party_id is party-keyed, else
-- it is a reference table (a copy on every node).  The exceptions, each with
-- its reason:
CREATE TEMP TABLE citus_exception (tab regclass PRIMARY KEY, layout text NOT NULL, why text NOT NULL);
INSERT INTO citus_exception VALUES
  ('cbl.shipment', 'shipment-keyed', 'the shipment itself: its id is the key'),
  ('cbl.reference_lookup', 'value-keyed',
   'a reference is unique across shipments, which no key of a table distributed by shipment id can say'),
  ('cbl.carrier_invoice_line', 'invoice-keyed',
   'an invoice is read and reconciled whole; its lines name shipments of any shard'),
  ('cbl.invoice_reconciliation', 'invoice-keyed', 'the results of an invoice, with its lines'),
  ('cbl.statement_line', 'party-keyed', 'a statement''s lines, with their statement; they also name a shipment'),
  ('cbl.login_party', 'reference', 'which login sees which party: small, read by row security on every node');

CREATE TEMP VIEW cbl_layout AS
SELECT m.tab, l.layout,
       CASE l.layout WHEN 'shipment-keyed' THEN CASE WHEN m.tab = 'cbl.shipment'::regclass THEN 'id' ELSE 'shipment_id' END
                     WHEN 'party-keyed' THEN 'party_id'
                     WHEN 'invoice-keyed' THEN 'invoice_id'
                     WHEN 'value-keyed' THEN 'value' END AS key_column
  FROM cbl_member m
  LEFT JOIN citus_exception x ON x.tab = m.tab
  CROSS JOIN LATERAL (SELECT coalesce(x.layout,
         CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = m.tab AND a.attname = 'shipment_id' AND NOT a.attisdropped)
              THEN 'shipment-keyed'
              WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = m.tab AND a.attname = 'party_id' AND NOT a.attisdropped)
              THEN 'party-keyed'
              ELSE 'reference' END) AS layout) l;

-- Every exception names a table that exists (a renamed table fails here).
SELECT x.tab FROM citus_exception x WHERE NOT EXISTS (SELECT 1 FROM cbl_member m WHERE m.tab = x.tab);

-- The layout (a new table shows up here: give it its line in
-- test/citus/distribute.sql and docs/scaling.md).
SELECT layout, key_column, string_agg(tab::text, ', ' ORDER BY tab::text) AS tables
  FROM cbl_layout GROUP BY layout, key_column ORDER BY layout, key_column;

-- The rules, as a view of what breaks them: keys of distributed tables
-- (and of each of their partitions) without the key column, leaves without
-- a primary key, and foreign keys Citus cannot enforce.
CREATE TEMP VIEW citus_violation AS
WITH tree AS (
  SELECT l.tab AS member, l.layout, l.key_column, c.oid::regclass AS rel, c.relkind
    FROM cbl_layout l
    CROSS JOIN LATERAL (SELECT l.tab::oid AS relid UNION SELECT t.relid FROM pg_partition_tree(l.tab) t) t
    JOIN pg_class c ON c.oid = t.relid
)
SELECT t.member, t.rel, 'unique key without ' || t.key_column AS problem, i.indexrelid::regclass::text AS what
  FROM tree t JOIN pg_index i ON i.indrelid = t.rel AND i.indisunique
 WHERE t.layout <> 'reference'
   AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = t.rel AND a.attname = t.key_column
                      AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]))
UNION ALL
SELECT t.member, t.rel, 'no primary key', NULL
  FROM tree t
 WHERE t.layout <> 'reference' AND t.relkind = 'r'
   AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.rel AND i.indisprimary)
UNION ALL
SELECT f.member, f.rel, f.problem, f.conname
  FROM (SELECT t.member, t.rel, k.conname::text,
               CASE WHEN r.layout = 'reference' THEN NULL
                    WHEN t.layout = 'reference' THEN 'foreign key from a reference table to a ' || r.layout || ' table'
                    WHEN t.layout <> r.layout THEN 'foreign key between ' || t.layout || ' and ' || r.layout || ' tables'
                    WHEN NOT EXISTS (
                      SELECT 1 FROM unnest(k.conkey, k.confkey) AS p(col, refcol)
                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = p.col
                        JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = p.refcol
                       WHERE a.attname = t.key_column AND b.attname = r.key_column)
                    THEN 'foreign key not mapping ' || t.key_column || ' to ' || r.key_column END AS problem
          FROM tree t
          JOIN pg_constraint k ON k.conrelid = t.rel AND k.contype = 'f' AND k.conparentid = 0
          JOIN cbl_layout r ON r.tab IN (SELECT k.confrelid UNION SELECT a.relid FROM pg_partition_ancestors(k.confrelid) a)) f
 WHERE f.problem IS NOT NULL;

-- Before distributing: only what test/citus/distribute.sql drops first
-- (docs/scaling.md says why).
SELECT member, rel, problem, what FROM citus_violation ORDER BY 1, 2, 3, 4;

-- Triggers.  Citus creates a distributed or reference table with triggers
-- only with citus.enable_unsafe_triggers, and then runs each row trigger on
-- the shards, on the workers.  docs/scaling.md ("Triggers on Citus") says
-- for each trigger below what it guarantees, what it does on Citus and what
-- replaces it: a trigger added to cbl needs its entry there, then here.
CREATE TEMP TABLE citus_trigger_documented (tab regclass, trigger name);
INSERT INTO citus_trigger_documented VALUES
  ('cbl.milestone', 'framework_cache'), ('cbl.milestone', 'milestone_check'),
  ('cbl.milestone', 'milestone_delete_check'), ('cbl.milestone', 'milestone_guard_builtin'),
  ('cbl.milestone', 'milestone_guard_truncate'),
  ('cbl.framework', 'framework_cache'), ('cbl.framework', 'framework_guard_builtin'),
  ('cbl.framework', 'framework_guard_truncate'),
  ('cbl.framework_step', 'framework_cache'), ('cbl.framework_step', 'framework_step_check'),
  ('cbl.framework_step', 'framework_step_guard_builtin'), ('cbl.framework_step', 'framework_step_guard_truncate'),
  ('cbl.shipment', 'shipment_delete_check'), ('cbl.shipment', 'shipment_truncate_check'),
  ('cbl.code_map', 'code_map_guard_builtin'), ('cbl.code_map', 'code_map_guard_truncate'),
  ('cbl.location_zone', 'location_zone_guard_builtin'), ('cbl.location_zone', 'location_zone_guard_truncate'),
  ('cbl.rate_card', 'rate_card_check'), ('cbl.rate_card', 'rate_card_truncate'),
  ('cbl.fee_group', 'fee_group_guard_builtin'), ('cbl.fee_group', 'fee_group_guard_truncate'),
  ('cbl.fee', 'fee_guard_builtin'), ('cbl.fee', 'fee_guard_truncate'),
  ('cbl.charge', 'charge_adjusts_check'), ('cbl.charge', 'charge_guard'), ('cbl.charge', 'charge_guard_truncate'),
  ('cbl.billing_trigger', 'billing_trigger_step_check'),
  ('cbl.carrier_invoice', 'carrier_invoice_results'),
  ('cbl.settlement_mark', 'settlement_mark_guard'), ('cbl.settlement_mark', 'settlement_mark_guard_truncate'),
  ('cbl.period', 'period_guard'),
  ('cbl.statement', 'statement_guard'), ('cbl.statement', 'statement_guard_truncate'),
  ('cbl.statement_line', 'statement_line_guard'), ('cbl.statement_line', 'statement_line_guard_truncate');
CREATE TEMP VIEW cbl_trigger AS
SELECT g.tgrelid::regclass AS tab, g.tgname AS trigger
  FROM pg_trigger g JOIN cbl_member m ON m.tab = g.tgrelid
 WHERE NOT g.tgisinternal AND g.tgparentid = 0;
-- Triggers not documented, and documented triggers that are gone: none.
SELECT 'not in docs/scaling.md' AS problem, t.* FROM cbl_trigger t
 WHERE (t.tab, t.trigger) NOT IN (SELECT tab, trigger FROM citus_trigger_documented)
UNION ALL
SELECT 'documented but gone', d.* FROM citus_trigger_documented d
 WHERE (d.tab, d.trigger) NOT IN (SELECT tab, trigger FROM cbl_trigger)
ORDER BY 1, 2, 3;
SELECT count(*) AS triggers FROM cbl_trigger;

-- Types: Citus hashes a distribution column with its type's default hash
-- operator class, and groups, sorts and joins with the default btree and
-- hash classes.  Every base type (and enum) of cbl has both.
CREATE TEMP VIEW cbl_type AS
SELECT t.oid::regtype AS type, t.typtype
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cbl'
  JOIN pg_type t ON t.oid = d.objid
 WHERE d.classid = 'pg_type'::regclass AND d.deptype = 'e' AND t.typtype IN ('b', 'e');
SELECT ty.type,
       (SELECT o.opcname FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod
         WHERE a.amname = 'btree' AND o.opcdefault
           AND o.opcintype = CASE ty.typtype WHEN 'e' THEN 'anyenum'::regtype ELSE ty.type END) AS btree,
       (SELECT o.opcname FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod
         WHERE a.amname = 'hash' AND o.opcdefault
           AND o.opcintype = CASE ty.typtype WHEN 'e' THEN 'anyenum'::regtype ELSE ty.type END) AS hash
  FROM cbl_type ty ORDER BY ty.type::text;

-- Aggregates: Citus pushes partial aggregation to the workers when an
-- aggregate has a combine function and a state type other than internal,
-- which travels between nodes as text.  Every cbl aggregate qualifies:
CREATE TEMP VIEW cbl_aggregate AS
SELECT p.oid::regprocedure AS agg, a.aggtranstype::regtype AS state, a.aggcombinefn, a.aggtransfn,
       a.aggfinalfn, a.agginitval
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cbl'
  JOIN pg_proc p ON p.oid = d.objid AND p.prokind = 'a'
  JOIN pg_aggregate a ON a.aggfnoid = p.oid
 WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e';
SELECT agg, state, aggcombinefn <> 0 AS has_combine, state <> 'internal'::regtype AS state_not_internal
  FROM cbl_aggregate ORDER BY agg::text;

-- ... and its partial states survive the trip: for real inputs split in two
-- halves, each half's state printed and read back is the same state, and
-- combining the two read-back states (in either order) and finishing gives
-- what the aggregate gives over all the rows.  Each aggregate needs its
-- sample rows here (columns half, then its arguments); one without fails.
CREATE TEMP TABLE agg_sample (agg regprocedure PRIMARY KEY, sample text NOT NULL);
INSERT INTO agg_sample VALUES
  ('cbl.sum(cbl.amount)', $$SELECT g % 2, format('%s.%s EUR', g * 37 - 400, g % 100)::cbl.amount FROM generate_series(1, 500) g$$),
  ('cbl.avg(cbl.amount)', $$SELECT g % 2, format('%s JPY', g * 13)::cbl.amount FROM generate_series(1, 301) g$$),
  ('cbl.min(cbl.amount)', $$SELECT g % 2, format('%s.%s USD', (g * 7919) % 1000 - 500, g % 10)::cbl.amount FROM generate_series(1, 200) g$$),
  ('cbl.max(cbl.amount)', $$SELECT g % 2, format('%s.%s USD', (g * 7919) % 1000 - 500, g % 10)::cbl.amount FROM generate_series(1, 200) g$$),
  ('cbl.milestone_agg(cbl.milestone_state)',
   $$SELECT g % 2, cbl.milestone_state(3, (g % 5 + 1)::smallint, CASE WHEN g % 3 = 0 THEN 'EST' ELSE 'ACT' END,
                                        timestamptz '2026-03-01 00:00+00' + g * interval '1 hour',
                                        timestamptz '2026-03-01 00:00+00' + g * interval '1 hour', g % 4 * 50, g)
       FROM generate_series(1, 60) g$$),
  ('cbl.recon_agg(cbl.amount,cbl.amount,numeric)',
   $$SELECT g % 2,
            CASE WHEN g % 7 = 0 THEN NULL ELSE format('%s.00 EUR', g * 10)::cbl.amount END,
            CASE WHEN g % 5 = 0 THEN NULL ELSE format('%s.%s EUR', g * 10 + g % 3 - 1, g % 3)::cbl.amount END,
            0.50
       FROM generate_series(1, 120) g$$);

CREATE FUNCTION pg_temp.agg_round_trip(a regprocedure, OUT rows bigint, OUT round_trip boolean, OUT combined boolean)
LANGUAGE plpgsql AS $$
DECLARE
  ag record;
  args text;
  argtypes text;
  q text;
  p1 text;
  p2 text;
  whole text;
  c12 text;
  c21 text;
BEGIN
  SELECT x.*, s.sample INTO ag FROM cbl_aggregate x JOIN agg_sample s ON s.agg = x.agg WHERE x.agg = a;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'aggregate % has no sample rows in agg_sample', a;
  END IF;
  SELECT string_agg('c' || i, ', ' ORDER BY i), string_agg(format_type(t, NULL), ', ' ORDER BY i)
    INTO args, argtypes
    FROM unnest((SELECT proargtypes::oid[] FROM pg_proc WHERE oid = a)) WITH ORDINALITY u(t, i);
  -- The aggregate without its final function: its partial state.
  EXECUTE format('CREATE AGGREGATE pg_temp.partial_state(%s) (SFUNC = %s, STYPE = %s%s)',
                 argtypes, ag.aggtransfn::regproc, ag.state,
                 CASE WHEN ag.agginitval IS NOT NULL THEN format(', INITCOND = %L', ag.agginitval) ELSE '' END);
  q := format('SELECT count(*), pg_temp.partial_state(%1$s) FILTER (WHERE half = 0)::text,
                      pg_temp.partial_state(%1$s) FILTER (WHERE half = 1)::text, (%2$s(%1$s))::text
                 FROM (%3$s) s(half, %1$s)', args, a::regproc, ag.sample);
  EXECUTE q INTO rows, p1, p2, whole;
  EXECUTE format('SELECT %1$L::%2$s::text = %1$L AND %3$L::%2$s::text = %3$L
                     AND %1$L::%2$s OPERATOR(cbl.=) %1$L::%2$s::text::%2$s', p1, ag.state, p2)
    INTO round_trip;
  q := format('SELECT (%s)::text', CASE WHEN ag.aggfinalfn <> 0 THEN ag.aggfinalfn::regproc || '(%s)' ELSE '%s' END);
  EXECUTE format(q, format('%s(%L::%s, %L::%s)', ag.aggcombinefn::regproc, p1, ag.state, p2, ag.state)) INTO c12;
  EXECUTE format(q, format('%s(%L::%s, %L::%s)', ag.aggcombinefn::regproc, p2, ag.state, p1, ag.state)) INTO c21;
  combined := c12 IS NOT DISTINCT FROM whole AND c21 IS NOT DISTINCT FROM whole AND p1 <> p2;
  EXECUTE format('DROP AGGREGATE pg_temp.partial_state(%s)', argtypes);
END $$;

SELECT x.agg, r.rows, r.round_trip, r.combined
  FROM cbl_aggregate x CROSS JOIN LATERAL pg_temp.agg_round_trip(x.agg) r ORDER BY x.agg::text;

-- The distribution commands of docs/scaling.md, run against stand-ins that
-- record each call, in a transaction that is rolled back.
CREATE SCHEMA citus_stub;
CREATE TABLE citus_stub.call (n serial, tab regclass, kind text, col text, colocate_with text);
CREATE FUNCTION citus_stub.create_reference_table(table_name regclass) RETURNS void
LANGUAGE sql AS $$ INSERT INTO citus_stub.call (tab, kind) VALUES (table_name, 'reference') $$;
CREATE FUNCTION citus_stub.create_distributed_table(table_name regclass, distribution_column text,
    distribution_type text DEFAULT 'hash', colocate_with text DEFAULT 'default', shard_count integer DEFAULT NULL)
RETURNS void
LANGUAGE sql AS $$
  INSERT INTO citus_stub.call (tab, kind, col, colocate_with)
  VALUES (table_name, distribution_type, distribution_column, colocate_with)
$$;
BEGIN;
SET LOCAL search_path = citus_stub, public;
\i test/citus/distribute.sql
RESET search_path;
-- Each table once, in the layout above, by its key column, co-located with
-- the first table of its layout (which starts a group of its own); a
-- reference table after the tables it references.
SELECT l.tab, l.layout, count(c.n) AS calls, string_agg(c.kind || coalesce(' ' || c.col, ''), ', ') AS got
  FROM cbl_layout l LEFT JOIN citus_stub.call c ON c.tab = l.tab
 GROUP BY l.tab, l.layout
HAVING count(c.n) <> 1
    OR bool_or(c.kind <> CASE l.layout WHEN 'reference' THEN 'reference' ELSE 'hash' END)
    OR bool_or(c.col IS DISTINCT FROM l.key_column)
 ORDER BY 1;
SELECT c.tab, c.colocate_with, first.tab AS should_be
  FROM citus_stub.call c JOIN cbl_layout l ON l.tab = c.tab
  JOIN LATERAL (SELECT f.tab FROM citus_stub.call f JOIN cbl_layout fl ON fl.tab = f.tab
                 WHERE fl.layout = l.layout ORDER BY f.n LIMIT 1) first ON true
 WHERE c.kind = 'hash'
   AND c.colocate_with IS DISTINCT FROM CASE WHEN first.tab = c.tab THEN 'none' ELSE first.tab::text END
 ORDER BY 1;
SELECT c.tab, k.conname, k.confrelid::regclass AS references_later
  FROM citus_stub.call c JOIN pg_constraint k ON k.conrelid = c.tab AND k.contype = 'f'
  JOIN citus_stub.call r ON r.tab = k.confrelid AND r.kind = 'reference'
 WHERE r.n > c.n ORDER BY 1, 2;
-- After it, nothing breaks the rules, and the triggers are those docs/scaling.md keeps.
SELECT member, rel, problem, what FROM citus_violation ORDER BY 1, 2, 3, 4;
SELECT d.tab, d.trigger FROM citus_trigger_documented d
 WHERE (d.tab, d.trigger) NOT IN (SELECT tab, trigger FROM cbl_trigger) ORDER BY 1, 2;
SHOW citus.enable_unsafe_triggers;
ROLLBACK;

-- The rollback gave everything back.
SELECT count(*) AS violations FROM citus_violation;
SELECT count(*) AS triggers FROM cbl_trigger;
DROP SCHEMA citus_stub CASCADE;
DROP FUNCTION pg_temp.agg_round_trip(regprocedure);
DROP VIEW citus_violation, cbl_trigger, cbl_type, cbl_aggregate, cbl_layout, cbl_member;
DROP TABLE citus_exception, citus_trigger_documented, agg_sample;
