-- The monthly settlement on pg_cron, in a cluster without pg_cron (the
-- regression cluster does not preload it): the helpers exist and say how to
-- enable it.  (test/t/009_settlement_cron.pl runs a job through pg_cron.)
SELECT count(*) AS pg_cron_installed FROM pg_extension WHERE extname = 'pg_cron';
\set VERBOSITY sqlstate
SELECT cbl.schedule_monthly_settlement();
SELECT cbl.schedule_monthly_settlement('0 2 1 * *');
SELECT cbl.unschedule_monthly_settlement();
-- docs/settlement.md's check of the job's runs needs pg_cron's log: here
-- it does not exist (test/t/009_settlement_cron.pl runs it with pg_cron).
SELECT d.runid, d.status AS cron_status, d.return_message, d.start_time, r.run_id, r.period_start, r.status, r.statements, r.error FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid LEFT JOIN cbl.settlement_run r ON r.backend_pid = d.job_pid AND r.started_at BETWEEN d.start_time - interval '1 minute' AND coalesce(d.end_time, 'infinity') WHERE j.jobname = 'cbl_monthly_settlement' ORDER BY d.runid DESC LIMIT 5;
\set VERBOSITY default
-- The message, detail and hint (the database name masked).
DO $$
DECLARE
  msg text; detail text; hint text; state text;
BEGIN
  PERFORM cbl.schedule_monthly_settlement();
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                          hint = PG_EXCEPTION_HINT, state = RETURNED_SQLSTATE;
  RAISE NOTICE 'SQLSTATE %: %', state, msg;
  RAISE NOTICE 'DETAIL: %', detail;
  RAISE NOTICE 'HINT: %', replace(replace(hint, quote_literal(current_database()), '''<db>'''),
                                  current_database(), '<db>');
END $$;

-- The run commits party by party, so it cannot run inside a transaction
-- block; it fails there before doing anything.
\set VERBOSITY sqlstate
BEGIN;
CALL cbl.run_monthly_settlement('2025-01-01');
ROLLBACK;
\set VERBOSITY default
SELECT count(*) AS runs FROM cbl.settlement_run;

-- Neither the run nor the scheduling is for PUBLIC.
SELECT has_function_privilege('public', 'cbl.schedule_monthly_settlement(text)', 'EXECUTE') AS public_schedules,
       has_function_privilege('public', 'cbl.unschedule_monthly_settlement()', 'EXECUTE') AS public_unschedules;
