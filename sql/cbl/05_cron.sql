-- pg_cron is optional: cbl installs and runs without it; only functions that
-- schedule jobs need it, and they call cbl.assert_pg_cron() first.

CREATE FUNCTION cbl.assert_pg_cron() RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  preload text;
  cron_db text := current_setting('cron.database_name', true);
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
    RETURN;
  END IF;
  BEGIN
    preload := current_setting('shared_preload_libraries');
  EXCEPTION WHEN insufficient_privilege THEN
    preload := NULL;
  END;
  IF preload IS NOT NULL AND preload !~ '(^|[\s,])"?pg_cron"?($|[\s,])' THEN
    RAISE EXCEPTION 'pg_cron is not available'
      USING ERRCODE = 'LG004',
            DETAIL = 'pg_cron is not in shared_preload_libraries.',
            HINT = format('Add pg_cron to shared_preload_libraries and set cron.database_name = %L in postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_cron in database %I.',
                          current_database(), current_database());
  END IF;
  RAISE EXCEPTION 'pg_cron is not available'
    USING ERRCODE = 'LG004',
          DETAIL = 'The pg_cron extension is not created in this database.',
          HINT = CASE WHEN cron_db IS NOT NULL AND cron_db <> current_database()
                      THEN format('pg_cron runs jobs only in database %I (cron.database_name); set cron.database_name = %L and restart, or use cbl from %I.',
                                  cron_db, current_database(), cron_db)
                      ELSE format('Run CREATE EXTENSION pg_cron in database %I.', current_database()) END;
END $$;
COMMENT ON FUNCTION cbl.assert_pg_cron() IS
  'raise SQLSTATE LG004, with a hint on how to enable it, unless pg_cron is installed in this database';

-- The pg_cron jobs cbl schedules (the exception scan, partition maintenance,
-- the monthly settlement) are made and removed by these two.  The cron calls
-- are dynamic SQL, so that cbl installs and runs without pg_cron.
CREATE FUNCTION cbl.cron_schedule(job_name text, what text, schedule text, example text, command text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  job bigint;
BEGIN
  PERFORM cbl.assert_pg_cron();
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'the schedule of the % must not be null', what
      USING ERRCODE = 'null_value_not_allowed',
            HINT = format('Give a cron schedule such as %s, or none for that default.', example);
  END IF;
  -- pg_cron's cron.schedule(job_name, ...) updates the job of that name if there is one
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job USING job_name, schedule, command;
  RETURN job;
END $$;
COMMENT ON FUNCTION cbl.cron_schedule(text, text, text, text, text) IS
  'for the schedule_* functions: make or change the pg_cron job job_name to run command on schedule (what and example word the error for a null schedule); returns the job id; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.cron_schedule(text, text, text, text, text) FROM PUBLIC;

CREATE FUNCTION cbl.cron_unschedule(job_name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  scheduled boolean;
BEGIN
  PERFORM cbl.assert_pg_cron();
  EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1 AND username = current_user)'
     INTO scheduled
    USING job_name;
  IF NOT scheduled THEN
    RETURN false;
  END IF;
  EXECUTE 'SELECT cron.unschedule($1)' INTO scheduled USING job_name;
  RETURN scheduled;
END $$;
COMMENT ON FUNCTION cbl.cron_unschedule(text) IS
  'for the unschedule_* functions: remove the current user''s pg_cron job job_name; true if there was one, false if not; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.cron_unschedule(text) FROM PUBLIC;
