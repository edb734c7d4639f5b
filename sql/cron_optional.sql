-- pg_cron is optional: cbl installs without it, and the functions that need
-- it say how to enable it.  (test/t/001_pg_cron.pl covers the enabled case.)
SELECT count(*) AS pg_cron_installed FROM pg_extension WHERE extname = 'pg_cron';
\set VERBOSITY sqlstate
SELECT cbl.assert_pg_cron();
\set VERBOSITY default
-- The message, detail and hint (the database name masked, so the output does
-- not depend on which database the suite runs in).
DO $$
DECLARE
  msg text; detail text; hint text; state text;
BEGIN
  PERFORM cbl.assert_pg_cron();
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                          hint = PG_EXCEPTION_HINT, state = RETURNED_SQLSTATE;
  RAISE NOTICE 'SQLSTATE %: %', state, msg;
  RAISE NOTICE 'DETAIL: %', detail;
  RAISE NOTICE 'HINT: %', replace(replace(hint, quote_literal(current_database()), '''<db>'''),
                                  current_database(), '<db>');
END $$;
