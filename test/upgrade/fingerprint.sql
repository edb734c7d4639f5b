-- The catalog of an installed cbl, one line per fact, for comparing a fresh
-- install with an upgraded one (test/t/015_upgrade.pl, docs/upgrading.md).
-- Names, never OIDs: the two databases number their objects differently.
WITH ext AS (
  SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'cbl'
), member AS (
  SELECT d.classid, d.objid
    FROM pg_catalog.pg_depend d, ext
   WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rel AS (
  SELECT c.oid, c.relname, c.relkind FROM pg_catalog.pg_class c JOIN member m
      ON m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid
), fn AS (
  SELECT p.oid FROM pg_catalog.pg_proc p JOIN member m
      ON m.classid = 'pg_catalog.pg_proc'::regclass AND m.objid = p.oid
), facts AS (
  -- every member object, and its comment
  SELECT 'member ' || pg_catalog.pg_describe_object(m.classid, m.objid, 0)
         || coalesce(' -- ' || pg_catalog.obj_description(m.objid, c.relname::name), '') AS fact
    FROM member m JOIN pg_catalog.pg_class c ON c.oid = m.classid
  UNION ALL
  -- columns: type, default, nullability, generation, comment
  SELECT format('column %s.%s %s%s%s%s%s', r.relname, a.attname,
                pg_catalog.format_type(a.atttypid, a.atttypmod),
                CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                coalesce(' default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), ''),
                CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END,
                coalesce(' -- ' || pg_catalog.col_description(r.oid, a.attnum), ''))
    FROM rel r
    JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
  UNION ALL
  -- constraints, indexes, triggers, policies, row security, options, ACLs
  SELECT format('constraint %s.%s %s', r.relname, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
    FROM rel r JOIN pg_catalog.pg_constraint co ON co.conrelid = r.oid
  UNION ALL
  SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid) || coalesce(' -- ' || pg_catalog.obj_description(i.indexrelid, 'pg_class'), '')
    FROM rel r JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
  UNION ALL
  SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid)
    FROM rel r JOIN pg_catalog.pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
  UNION ALL
  SELECT format('policy %s.%s %s %s using (%s) check (%s)', r.relname, p.polname, p.polcmd, p.polroles::regrole[]::text,
                pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
    FROM rel r JOIN pg_catalog.pg_policy p ON p.polrelid = r.oid
  UNION ALL
  SELECT format('relation %s kind %s rls %s force %s options %s acl %s', r.relname, r.relkind, c.relrowsecurity,
                c.relforcerowsecurity, c.reloptions::text, c.relacl::text)
    FROM rel r JOIN pg_catalog.pg_class c ON c.oid = r.oid
  UNION ALL
  SELECT 'view ' || r.relname || ' ' || pg_catalog.pg_get_viewdef(r.oid)
    FROM rel r WHERE r.relkind IN ('v', 'm')
  UNION ALL
  -- functions: the whole definition (body, volatility, settings), and ACL
  SELECT 'function ' || CASE WHEN p.prokind = 'a' THEN 'aggregate ' || p.oid::regprocedure::text
                             ELSE pg_catalog.pg_get_functiondef(p.oid) END
         || ' acl ' || coalesce(p.proacl::text, 'default')
    FROM fn JOIN pg_catalog.pg_proc p ON p.oid = fn.oid
  UNION ALL
  SELECT format('aggregate %s sfunc %s stype %s final %s combine %s serial %s deserial %s init %s',
                a.aggfnoid::regprocedure, a.aggtransfn, a.aggtranstype::regtype, a.aggfinalfn,
                a.aggcombinefn, a.aggserialfn, a.aggdeserialfn, a.agginitval)
    FROM fn JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = fn.oid
  UNION ALL
  -- types: I/O functions, layout
  SELECT format('type %s len %s align %s storage %s in %s out %s recv %s send %s analyze %s',
                t.oid::regtype, t.typlen, t.typalign, t.typstorage, t.typinput, t.typoutput,
                t.typreceive, t.typsend, t.typanalyze)
    FROM member m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::regclass AND t.oid = m.objid
  UNION ALL
  -- operator classes: their members
  SELECT format('opclass %s %s default %s: %s', am.amname, oc.opcname, oc.opcdefault,
                (SELECT string_agg(x, ', ' ORDER BY x) FROM (
                   SELECT 'op ' || ao.amopstrategy || ' ' || ao.amopopr::regoperator::text AS x
                     FROM pg_catalog.pg_amop ao WHERE ao.amopfamily = oc.opcfamily
                   UNION ALL
                   SELECT 'fn ' || ap.amprocnum || ' ' || ap.amproc::regprocedure::text
                     FROM pg_catalog.pg_amproc ap WHERE ap.amprocfamily = oc.opcfamily) y))
    FROM member m JOIN pg_catalog.pg_opclass oc ON m.classid = 'pg_catalog.pg_opclass'::regclass AND oc.oid = m.objid
    JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
  UNION ALL
  -- which tables pg_dump dumps the user rows of
  SELECT 'config ' || cfg::regclass::text || ' ' || coalesce(cond, '')
    FROM pg_catalog.pg_extension e, ext,
         unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
   WHERE e.oid = ext.oid
)
SELECT fact FROM facts ORDER BY fact COLLATE "C";
