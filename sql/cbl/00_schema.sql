-- cbl install script, assembled by the Makefile from sql/cbl/*.sql in name
-- order: one file per concern.  Do not edit sql/cbl--<version>.sql itself.

\echo Use "CREATE EXTENSION cbl" to load this file. \quit

CREATE SCHEMA cbl;
COMMENT ON SCHEMA cbl IS
  'cbl: milestones, rating, customs, reconciliation and settlement for cross-border logistics';

-- Users see the schema; each object grants what it needs.
GRANT USAGE ON SCHEMA cbl TO PUBLIC;

-- A partition shows its parent's column comments (a partition made by
-- CREATE TABLE ... PARTITION OF has none of its own): the default partitions
-- at install, the monthly ones in cbl.create_partitions().
CREATE FUNCTION cbl.copy_column_comments(parent regclass, part regclass) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
               FROM pg_attribute a
              WHERE a.attrelid = parent AND a.attnum > 0 AND NOT a.attisdropped LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', part, col.attname, col.description);
  END LOOP;
END $$;
COMMENT ON FUNCTION cbl.copy_column_comments(regclass, regclass) IS
  'give a partition the column comments of its parent table (for the default partitions and cbl.create_partitions())';
REVOKE ALL ON FUNCTION cbl.copy_column_comments(regclass, regclass) FROM PUBLIC;
