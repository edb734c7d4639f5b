-- Last test: DROP EXTENSION leaves nothing behind, and it reinstalls cleanly.
-- User objects that use cbl types stop the drop unless CASCADE is given.
CREATE TABLE user_owned (a cbl.amount);
DROP EXTENSION cbl;
DROP TABLE user_owned;

-- Catalog counts without cbl, with it, and after dropping it again.
\set counts 'SELECT format(''type=%s proc=%s operator=%s opclass=%s opfamily=%s cast=%s namespace=%s class=%s aggregate=%s'', (SELECT count(*) FROM pg_type), (SELECT count(*) FROM pg_proc), (SELECT count(*) FROM pg_operator), (SELECT count(*) FROM pg_opclass), (SELECT count(*) FROM pg_opfamily), (SELECT count(*) FROM pg_cast), (SELECT count(*) FROM pg_namespace), (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_aggregate))'
DROP EXTENSION cbl;
:counts AS without_cbl \gset
CREATE EXTENSION cbl;
:counts AS with_cbl \gset
SELECT :'with_cbl' <> :'without_cbl' AS cbl_adds_objects;
DROP EXTENSION cbl;
:counts AS after_drop \gset
SELECT :'after_drop' = :'without_cbl' AS nothing_left_behind;
SELECT count(*) AS cbl_schemas FROM pg_namespace WHERE nspname = 'cbl';
SELECT count(*) AS orphan_dependencies FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.oid = d.refobjid);
