-- House rules, checked on the installed catalog rather than by reading SQL:
-- every user-facing object of cbl carries a COMMENT, and every function's
-- volatility and parallel safety are what its kind calls for.

CREATE TEMP VIEW cbl_member AS
  SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS object
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
   WHERE e.extname = 'cbl' AND d.deptype = 'e';

-- Objects without a comment (types' array types and operator families,
-- which PostgreSQL creates implicitly, are not user-facing).
SELECT object AS missing_comment
  FROM cbl_member m
 WHERE m.classid IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass,
                     'pg_operator'::regclass, 'pg_opclass'::regclass, 'pg_namespace'::regclass)
   AND obj_description(m.objid, m.classid::regclass::text) IS NULL
   AND NOT (m.classid = 'pg_class'::regclass
            AND (SELECT relkind FROM pg_class WHERE oid = m.objid) IN ('S', 'i'))
 ORDER BY 1;

-- Columns of cbl's tables and views without a comment.
SELECT c.oid::regclass::text AS relation, a.attname AS column_without_comment
  FROM cbl_member m
  JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind IN ('r', 'v', 'p')
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1, 2;

-- Functions that read or write tables are not IMMUTABLE, and every
-- function that writes (VOLATILE) is PARALLEL UNSAFE; everything else is
-- PARALLEL SAFE.  List the exceptions to that rule (expected: none).
SELECT p.oid::regprocedure::text AS function, p.provolatile AS volatility, p.proparallel AS parallel
  FROM cbl_member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE (p.provolatile = 'v' AND p.proparallel <> 'u')
    OR (p.provolatile <> 'v' AND p.proparallel <> 's')
 ORDER BY 1;

-- The volatile (writing) functions, for review: each must be deliberate.
SELECT p.oid::regprocedure::text AS volatile_function
  FROM cbl_member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE p.provolatile = 'v'
 ORDER BY 1;

-- Nothing that writes is callable by PUBLIC.
SELECT p.oid::regprocedure::text AS public_writer
  FROM cbl_member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE p.provolatile = 'v' AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY 1;

-- No SECURITY DEFINER function leaves its search_path open, or pins it
-- without pg_temp last (an unnamed pg_temp is searched first for tables).
SELECT p.oid::regprocedure AS definer_without_pinned_search_path,
       (SELECT c FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') AS config
  FROM cbl_member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                    WHERE c ~ '^search_path=' AND c ~ '(^search_path=|, *)"?pg_temp"?$');

-- SECURITY DEFINER functions, for review (sql/security_definer.sql tests
-- each against hostile objects); none is callable by PUBLIC.
SELECT p.oid::regprocedure::text AS definer, has_function_privilege('public', p.oid, 'EXECUTE') AS public_executes
  FROM cbl_member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE p.prosecdef
 ORDER BY 1;

-- Functions whose body is a string (SQL or PL/pgSQL) resolve names when
-- they run: each pins its search path.  Listed: those that do not (an
-- unpinned SQL function can be inlined; its names then resolve in the
-- caller's query, which is what a caller gets anyway).
SELECT p.oid::regprocedure::text AS unpinned_function
  FROM cbl_member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  JOIN pg_language l ON l.oid = p.prolang
 WHERE l.lanname IN ('sql', 'plpgsql') AND p.prosqlbody IS NULL
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
 ORDER BY 1;

-- Dynamic SQL only through format() with %I and %L: bodies that EXECUTE a
-- string built by concatenation, or by format() with %s, are listed for
-- review (expected: those whose %s are regclass or regprocedure values,
-- which PostgreSQL prints quoted and schema-qualified).
SELECT p.oid::regprocedure::text AS dynamic_sql_to_review
  FROM cbl_member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE p.prosrc ~* 'EXECUTE\s' AND (p.prosrc ~* 'EXECUTE\s[^;]*\|\|' OR p.prosrc ~* 'EXECUTE\s+format\([^;]*%s')
 ORDER BY 1;

-- What PUBLIC may read: reference data only (currencies, countries,
-- settings and exchange rates, milestones and frameworks, Incoterms,
-- tariffs and import rules).  Nothing that holds partners' data or prices,
-- and nothing PUBLIC may write.
SELECT c.oid::regclass::text AS public_reads,
       has_table_privilege('public', c.oid, 'INSERT') OR has_table_privilege('public', c.oid, 'UPDATE')
         OR has_table_privilege('public', c.oid, 'DELETE') OR has_table_privilege('public', c.oid, 'TRUNCATE') AS public_writes
  FROM cbl_member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
 WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
   AND has_any_column_privilege('public', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')
 ORDER BY 1;
SELECT c.oid::regclass::text AS sequence_public_uses
  FROM cbl_member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
 WHERE CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('public', c.oid, 'USAGE, SELECT, UPDATE') END;

-- Every view runs with its caller's privileges and row-level security.
SELECT c.oid::regclass::text AS view_not_security_invoker
  FROM cbl_member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
 WHERE c.relkind = 'v' AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
 ORDER BY 1;

-- Every cbl type has a default btree and a default hash operator class
-- (hash joins, hash partitioning, Citus distribution), except the
-- aggregate state type.
SELECT t.oid::regtype::text AS type,
       EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod
                WHERE o.opcintype = t.oid AND o.opcdefault AND a.amname = 'btree') AS btree,
       EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod
                WHERE o.opcintype = t.oid AND o.opcdefault AND a.amname = 'hash') AS hash
  FROM cbl_member m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
 WHERE t.typtype = 'b' AND t.typcategory <> 'A'
 ORDER BY 1;

-- Every aggregate combines partial states and is PARALLEL SAFE.
SELECT a.aggfnoid::regprocedure::text AS aggregate, a.aggcombinefn <> 0 AS has_combine,
       p.proparallel = 's' AS parallel_safe
  FROM cbl_member m JOIN pg_aggregate a ON m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid
  JOIN pg_proc p ON p.oid = a.aggfnoid
 ORDER BY 1;
