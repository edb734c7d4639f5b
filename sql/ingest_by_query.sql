-- Ingest with its look-ups through SQL queries, the path it takes for Citus
-- tables, whose rows only a query reaches (docs/scaling.md, "Citus"):
-- cbl.ingest_probe_by_query forces it here.  The whole event_ingest test
-- runs again, and its output must be what it is through the indexes.
SET cbl.ingest_probe_by_query = on;
\i sql/event_ingest.sql
SHOW cbl.ingest_probe_by_query;
RESET cbl.ingest_probe_by_query;
