-- pg_cron is optional: cbl installs without it, and the functions that need
-- it say how to enable it.  (test/t/001_pg_cron.pl covers the enabled case.)
SELECT count(*) AS pg_cron_installed FROM pg_extension WHERE extname = 'pg_cron';
SELECT cbl.assert_pg_cron();
\set VERBOSITY sqlstate
SELECT cbl.assert_pg_cron();
\set VERBOSITY default
