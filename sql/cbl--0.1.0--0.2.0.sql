-- cbl 0.1.0 -> 0.2.0 (docs/upgrading.md).  Every change made to sql/cbl/
-- since 0.1.0 is made here too, in the same order; test/t/015_upgrade.pl
-- checks that an updated 0.1.0 has exactly the catalog of a fresh 0.2.0.
\echo Use "ALTER EXTENSION cbl UPDATE TO '0.2.0'" to load this file. \quit
