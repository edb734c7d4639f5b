-- First test: the extension installs cleanly into an empty database.
CREATE EXTENSION cbl;
SELECT extname, extversion, extrelocatable, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'cbl';
-- Every later test sees cbl's objects unqualified only if it says so.
SHOW search_path;
