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
