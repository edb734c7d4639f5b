-- cbl 0.1.0 -> 0.2.0 (docs/upgrading.md).  Every change made to sql/cbl/
-- since 0.1.0 is made here too, in the same order; test/t/015_upgrade.pl
-- checks that an updated 0.1.0 has exactly the catalog of a fresh 0.2.0.
\echo Use "ALTER EXTENSION cbl UPDATE TO '0.2.0'" to load this file. \quit

-- Conflicts and rejects sent again are recorded once (72_event.sql).  Rows
-- recorded by 0.1.0 keep a NULL hash, so they never collide.
ALTER TABLE cbl.event_conflict ADD COLUMN content_hash text;
CREATE UNIQUE INDEX event_conflict_once ON cbl.event_conflict
  (shipment_id, source, event_id, (coalesce(stored_revision, 0)), content_hash);
COMMENT ON INDEX cbl.event_conflict_once IS
  'one row per conflicting version and stored revision it clashes with: a conflict sent again is not recorded again';
COMMENT ON COLUMN cbl.event_conflict.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_conflict.content_hash IS
  'content hash of the incoming version (as cbl.event.content_hash): the same version sent again is recorded once; NULL for conflicts recorded before cbl 0.2.0';
ALTER TABLE cbl.event_reject ADD COLUMN element_hash text;
CREATE UNIQUE INDEX event_reject_once ON cbl.event_reject (element_hash, reason);
COMMENT ON INDEX cbl.event_reject_once IS
  'one row per rejected element and reason: an element sent again and rejected again is not recorded again';
COMMENT ON COLUMN cbl.event_reject.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_reject.element_hash IS
  'md5 of element: the same element rejected again for the same reason is recorded once; NULL for rejects recorded before cbl 0.2.0';

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

CREATE OR REPLACE FUNCTION cbl.schedule_exception_scan(schedule text DEFAULT '*/5 * * * *') RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_schedule('cbl_exception_scan', 'exception scan', schedule,
                         '''*/5 * * * *'' (every 5 minutes)', 'SELECT * FROM cbl.scan_exceptions()');

CREATE OR REPLACE FUNCTION cbl.unschedule_exception_scan() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_exception_scan');

CREATE OR REPLACE FUNCTION cbl.schedule_partition_maintenance(schedule text DEFAULT '0 3 * * *', months_ahead integer DEFAULT 3)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM cbl.assert_pg_cron();
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be from 0 to 120, not %', coalesce(months_ahead::text, 'null')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give how many months after the current one to make partitions for, 3 by default.';
  END IF;
  RETURN cbl.cron_schedule('cbl_partition_maintenance', 'partition maintenance', schedule,
                           '''0 3 * * *'' (daily at 03:00)',
                           format('SELECT count(*) FROM cbl.create_partitions(%s)', months_ahead));
END $$;

CREATE OR REPLACE FUNCTION cbl.unschedule_partition_maintenance() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_partition_maintenance');

CREATE OR REPLACE FUNCTION cbl.schedule_monthly_settlement(schedule text DEFAULT '0 2 1 * *') RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_schedule('cbl_monthly_settlement', 'monthly settlement', schedule,
                         '''0 2 1 * *'' (02:00 on the 1st of each month)', 'CALL cbl.run_monthly_settlement()');

CREATE OR REPLACE FUNCTION cbl.unschedule_monthly_settlement() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_monthly_settlement');
