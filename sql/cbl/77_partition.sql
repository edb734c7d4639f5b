-- Monthly partitions of cbl.event (docs/scaling.md, "Partitioning").
--
-- cbl.event is partitioned by range of shipment_id, and a shipment id
-- carries its month (cbl.shipment_id, cbl.shipment_month): the partition of
-- month M holds the ids from cbl.shipment_id(M, 0) up to, not including,
-- cbl.shipment_id(M + 1 month, 0), that is every revision of every event of
-- the shipments made in M.  The bounds are known in advance, so partitions
-- are made ahead of time by cbl.create_partitions(), daily from pg_cron
-- (cbl.schedule_partition_maintenance).  The default partition
-- cbl.event_default (72_event.sql) takes the rows of a month that has no
-- partition yet, so an insert never fails for want of one.
--
-- The monthly partitions are not members of the extension: pg_dump dumps
-- each (definition, data, its primary key) as an ordinary table, and a restore puts every event back exactly once.  That is
-- also why CREATE EXTENSION makes none: a partition it made would be made
-- again, for other months, by the CREATE EXTENSION of every restore, and
-- clash with the dumped ones.  Run cbl.create_partitions() once after
-- CREATE EXTENSION (or schedule it): until then events go to the default
-- partition, and the first run moves them to their months.

-- The partitions of cbl.event and the shipment ids and month each holds.
CREATE FUNCTION cbl.event_partitions()
RETURNS TABLE (partition regclass, month date, lower_id bigint, upper_id bigint, is_default boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.oid::regclass, cbl.shipment_month(b.lo), b.lo, b.hi, p.partbound IS NULL
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (SELECT CASE WHEN c.relpartbound IS NOT NULL
                                     AND NOT (pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT')
                                    THEN regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                                      '^FOR VALUES FROM \(''?(-?\d+|MINVALUE)''?\) TO \(''?(-?\d+|MAXVALUE)''?\)$') END
                               AS partbound) p
    CROSS JOIN LATERAL (SELECT CASE WHEN p.partbound[1] ~ '^-?\d+$' THEN p.partbound[1]::bigint END AS lo,
                               CASE WHEN p.partbound[2] ~ '^-?\d+$' THEN p.partbound[2]::bigint END AS hi) b
   WHERE i.inhparent = 'cbl.event'::regclass
   ORDER BY p.partbound IS NULL, b.lo
$$;
COMMENT ON FUNCTION cbl.event_partitions() IS
  'the partitions of cbl.event: each with the month of shipments it holds, its shipment ids (from lower_id up to, not including, upper_id) and whether it is the default partition (the rows of months without a partition)';

-- Make the missing monthly partitions of cbl.event, from the month of the
-- oldest shipment (or the current month, if that is earlier or there is no
-- shipment) to months_ahead months after the current one (UTC).  Rows of
-- those months waiting in the default partition move into their new
-- partition in the same transaction.  Idempotent: nothing to make, nothing
-- locked.
--
-- Locks, only when there is a partition to make: SHARE ROW EXCLUSIVE on
-- cbl.event (and so on every partition) first, which waits for the ingests
-- under way and holds off new ones and every other writer of events until
-- commit (readers go on); then CREATE TABLE ... PARTITION OF takes ACCESS
-- EXCLUSIVE on the default partition, which it scans to check that no row
-- of the new month is left there.  Run it when few events come, which
-- pg_cron does at 03:00 by default; with the partitions made ahead the
-- default partition is empty and the run is quick.
CREATE FUNCTION cbl.create_partitions(months_ahead integer DEFAULT 3)
RETURNS TABLE (partition regclass, month date, moved bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  current_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  first_month date;
  m date;
  lo bigint;
  hi bigint;
  part text;
  locked boolean := false;
  owner text;
  col record;
BEGIN
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be from 0 to 120, not %', coalesce(months_ahead::text, 'null')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give how many months after the current one to make partitions for, 3 by default.';
  END IF;
  SELECT cbl.shipment_month(min(s.id)) INTO first_month FROM cbl.shipment s;
  first_month := least(coalesce(first_month, current_month), current_month);
  FOR m IN SELECT g::date FROM generate_series(first_month, current_month + make_interval(months => months_ahead),
                                               interval '1 month') g LOOP
    lo := cbl.shipment_id(m, 0);
    hi := cbl.shipment_id((m + interval '1 month')::date, 0);
    CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.event_partitions() p
                           WHERE NOT p.is_default AND p.lower_id < hi AND p.upper_id > lo);
    IF NOT locked THEN
      -- writers of events wait, or are waited for; then look again, since a
      -- concurrent run may have made it while we waited
      LOCK TABLE cbl.event IN SHARE ROW EXCLUSIVE MODE;
      locked := true;
      CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.event_partitions() p
                             WHERE NOT p.is_default AND p.lower_id < hi AND p.upper_id > lo);
    END IF;
    part := 'event_' || to_char(m, 'YYYY_MM');
    create_partitions.partition := NULL;
    create_partitions.month := m;
    -- rows of the month in the default partition move out first: the new
    -- partition cannot be made while the default holds rows of its range
    CREATE TEMPORARY TABLE cbl_partition_moving (LIKE cbl.event);
    WITH taken AS (
      DELETE FROM cbl.event_default e WHERE e.shipment_id >= lo AND e.shipment_id < hi RETURNING e.*
    )
    INSERT INTO pg_temp.cbl_partition_moving SELECT * FROM taken;
    GET DIAGNOSTICS moved = ROW_COUNT;
    EXECUTE format('CREATE TABLE cbl.%I PARTITION OF cbl.event FOR VALUES FROM (%s) TO (%s)', part, lo, hi);
    -- each partition has the primary key (72_event.sql says why not the parent)
    EXECUTE format('ALTER TABLE cbl.%I ADD CONSTRAINT %I PRIMARY KEY (shipment_id, source, event_id, revision)',
                   part, part || '_pkey');
    EXECUTE format('COMMENT ON TABLE cbl.%I IS %L', part,
                   format('events of the shipments made in %s (UTC): a monthly partition of cbl.event, made by cbl.create_partitions()',
                          to_char(m, 'YYYY-MM')));
    FOR col IN SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
                 FROM pg_attribute a
                WHERE a.attrelid = 'cbl.event'::regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
      EXECUTE format('COMMENT ON COLUMN cbl.%I.%I IS %L', part, col.attname, col.description);
    END LOOP;
    SELECT c.relowner::regrole::text INTO owner FROM pg_class c WHERE c.oid = 'cbl.event'::regclass;
    IF owner <> current_user::text THEN
      EXECUTE format('ALTER TABLE cbl.%I OWNER TO %s', part, owner);
    END IF;
    INSERT INTO cbl.event SELECT * FROM pg_temp.cbl_partition_moving;
    DROP TABLE pg_temp.cbl_partition_moving;
    create_partitions.partition := format('cbl.%I', part)::regclass;
    RETURN NEXT;
  END LOOP;
END $$;
COMMENT ON FUNCTION cbl.create_partitions(integer) IS
  'make the missing monthly partitions of cbl.event, from the oldest shipment''s month to months_ahead (3) months ahead, moving the rows of those months out of the default partition; returns the partitions made and the rows moved into each; idempotent; run daily (cbl.schedule_partition_maintenance)';
REVOKE ALL ON FUNCTION cbl.create_partitions(integer) FROM PUBLIC;

CREATE FUNCTION cbl.schedule_partition_maintenance(schedule text DEFAULT '0 3 * * *', months_ahead integer DEFAULT 3)
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
COMMENT ON FUNCTION cbl.schedule_partition_maintenance(text, integer) IS
  'schedule cbl.create_partitions(months_ahead) with pg_cron as job cbl_partition_maintenance (daily at 03:00 by default); calling it again changes the same job; returns the job id; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.schedule_partition_maintenance(text, integer) FROM PUBLIC;

CREATE FUNCTION cbl.unschedule_partition_maintenance() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_partition_maintenance');
COMMENT ON FUNCTION cbl.unschedule_partition_maintenance() IS
  'remove the pg_cron job cbl_partition_maintenance; true if there was one, false if not; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.unschedule_partition_maintenance() FROM PUBLIC;
