-- cbl install script, assembled by the Makefile from sql/cbl/*.sql in name
-- order: one file per concern.  Do not edit sql/cbl--<version>.sql itself.

\echo Use "CREATE EXTENSION cbl" to load this file. \quit

CREATE SCHEMA cbl;
COMMENT ON SCHEMA cbl IS
  'cbl: milestones, rating, customs, reconciliation and settlement for cross-border logistics';

-- Users see the schema; each object grants what it needs.
GRANT USAGE ON SCHEMA cbl TO PUBLIC;
