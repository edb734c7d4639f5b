-- Monthly partitions of cbl.event, cbl.charge and cbl.statement_line
-- (docs/scaling.md, "Partitioning").
--
-- cbl.event and cbl.charge are partitioned by range of shipment_id, and a
-- shipment id carries its month (cbl.shipment_id, cbl.shipment_month): the
-- partition of month M holds the ids from cbl.shipment_id(M, 0) up to, not
-- including, cbl.shipment_id(M + 1 month, 0), that is every revision of
-- every event, and every charge, of the shipments made in M.
-- cbl.statement_line is partitioned by range of period_start, the month of
-- its statement's period.  The bounds are known in advance, so partitions
-- are made ahead of time by cbl.create_partitions(), daily from pg_cron
-- (cbl.schedule_partition_maintenance).  The default partitions
-- (cbl.event_default, 72_event.sql; cbl.charge_default, 84_charge.sql;
-- cbl.statement_line_default, 88_settlement.sql) take the rows of a month
-- that has no partition yet, so an insert never fails for want of one.
--
-- The monthly partitions are not members of the extension: pg_dump dumps
-- each (definition, data, its keys and indexes) as an ordinary table, and a
-- restore puts every row back exactly once.  That is also why CREATE
-- EXTENSION makes none: a partition it made would be made again, for other
-- months, by the CREATE EXTENSION of every restore, and clash with the
-- dumped ones.  Run cbl.create_partitions() once after CREATE EXTENSION (or
-- schedule it): until then rows go to the default partitions, and the first
-- run moves them to their months.

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

-- The partitions of every partitioned table of cbl (cbl.event, cbl.charge,
-- cbl.statement_line), with the month each holds and its bounds as text
-- (shipment ids for events and charges, dates for statement lines).
CREATE FUNCTION cbl.partitions()
RETURNS TABLE (parent regclass, partition regclass, month date, lower_bound text, upper_bound text,
               is_default boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT t.oid::regclass, c.oid::regclass,
         CASE WHEN b.bound[1] ~ '^-?\d+$' THEN cbl.shipment_month(b.bound[1]::bigint)
              WHEN b.bound[1] ~ '^\d{4,}-\d\d-\d\d$' THEN date_trunc('month', b.bound[1]::date)::date END,
         b.bound[1], b.bound[2], b.expr = 'DEFAULT'
    FROM pg_class t
    JOIN pg_inherits i ON i.inhparent = t.oid
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) e
    CROSS JOIN LATERAL (SELECT e.expr,
                               regexp_match(e.expr, '^FOR VALUES FROM \(''?([^'')]*)''?\) TO \(''?([^'')]*)''?\)$') AS bound) b
   WHERE t.relnamespace = 'cbl'::regnamespace AND t.relkind = 'p'
   ORDER BY t.relname, b.expr = 'DEFAULT', 3, c.relname
$$;
COMMENT ON FUNCTION cbl.partitions() IS
  'the partitions of cbl''s partitioned tables (cbl.event, cbl.charge, cbl.statement_line): each with its table, the month it holds (of the shipments, or of the statements'' period), its bounds as text (shipment ids or dates; from lower_bound up to, not including, upper_bound) and whether it is the default partition (the rows of months without a partition)';

-- Make the missing monthly partitions of cbl.event, cbl.charge and
-- cbl.statement_line, in that order.  Events and charges: from the month of
-- the oldest shipment (or the current month, if that is earlier or there is
-- no shipment); statement lines: from the oldest settlement period (or the
-- current month); each to months_ahead months after the current one (UTC).
-- Rows of those months waiting in a default partition move into their new
-- partition in the same transaction.  Idempotent: nothing to make, nothing
-- locked.
--
-- Each new partition gets the constraints (primary key, unique, foreign
-- keys), indexes and TRUNCATE triggers of its table's default partition,
-- under names with the partition's in place of the default's, and their
-- comments; the comments of the table's columns; and the owner of the
-- table.
--
-- Locks, only when a table has a partition to make: SHARE ROW EXCLUSIVE on
-- that table (and so on every partition of it), on every such table before
-- any partition is made, which waits for the writers under way (ingests,
-- accruals, settlements) and holds off new ones until commit; then CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE
-- on the table and on its default partition (which it scans to check that
-- no row of the new month is left there), so from then on until commit
-- readers of the table wait too.  The tables are locked in the order
-- ingest and settlement write them (events, charges, statement lines).  Run
-- it when little is written, which pg_cron does at 03:00 by default; with
-- the partitions made ahead the default partitions are empty and the run is
-- quick.
--
-- Moving charges and statement lines out of a default partition deletes
-- them there, which their guards (cbl.charge_guard, cbl.settlement_guard)
-- refuse for settled charges and for lines: the guards of the default
-- partition are disabled for the move and enabled again in the same
-- transaction.  Charges keep their numbers (OVERRIDING SYSTEM VALUE).
CREATE FUNCTION cbl.create_partitions(months_ahead integer DEFAULT 3)
RETURNS TABLE (partition regclass, month date, moved bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  current_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  first_month date;
  t record;
  m date;
  lo text;
  hi text;
  part text;
  def_rel regclass;
  locked boolean;
  owner text;
  con record;
  idx record;
  trg record;
  tt record;
  guards text[];
  what text;
  pass integer;
  locked_rels text[] := '{}';
BEGIN
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be from 0 to 120, not %', coalesce(months_ahead::text, 'null')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give how many months after the current one to make partitions for, 3 by default.';
  END IF;
  -- Two passes over the tables: the first locks those with a partition to
  -- make, in order, before anything is made (so that no table is held
  -- ACCESS EXCLUSIVE while the next one's writers are waited for); the
  -- second makes the partitions.
  FOR pass IN 1 .. 2 LOOP
  FOR t IN SELECT x.rel, x.name, x.key FROM (VALUES (1, 'cbl.event', 'event', 'shipment_id'),
                                                    (2, 'cbl.charge', 'charge', 'shipment_id'),
                                                    (3, 'cbl.statement_line', 'statement_line', 'period_start'))
                                         AS x (ord, rel, name, key)
            WHERE to_regclass(x.rel) IS NOT NULL
            ORDER BY x.ord LOOP
    IF t.key = 'shipment_id' THEN
      SELECT cbl.shipment_month(min(s.id)) INTO first_month FROM cbl.shipment s;
    ELSE
      EXECUTE 'SELECT min(p.period_start) FROM cbl.period p' INTO first_month;
    END IF;
    first_month := least(coalesce(first_month, current_month), current_month);
    def_rel := format('cbl.%I', t.name || '_default')::regclass;
    locked := t.rel = ANY (locked_rels);
    FOR m IN SELECT g::date FROM generate_series(first_month, current_month + make_interval(months => months_ahead),
                                                 interval '1 month') g LOOP
      IF t.key = 'shipment_id' THEN
        lo := cbl.shipment_id(m, 0)::text;
        hi := cbl.shipment_id((m + interval '1 month')::date, 0)::text;
        what := format('e.shipment_id >= %s AND e.shipment_id < %s', lo, hi);
      ELSE
        lo := m::text;
        hi := (m + interval '1 month')::date::text;
        what := format('e.period_start >= %L AND e.period_start < %L', lo, hi);
      END IF;
      CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.partitions() p
                             WHERE p.parent = t.rel::regclass AND NOT p.is_default
                               AND CASE WHEN t.key = 'shipment_id'
                                        THEN p.lower_bound::bigint < hi::bigint AND p.upper_bound::bigint > lo::bigint
                                        ELSE p.lower_bound::date < hi::date AND p.upper_bound::date > lo::date END);
      IF pass = 1 THEN
        -- writers of the table wait, or are waited for
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.rel);
        locked_rels := locked_rels || t.rel;
        EXIT;
      END IF;
      IF NOT locked THEN
        -- writers of the table wait, or are waited for; then look again,
        -- since a concurrent run may have made it while we waited
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.rel);
        locked := true;
        CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.partitions() p
                               WHERE p.parent = t.rel::regclass AND NOT p.is_default
                                 AND CASE WHEN t.key = 'shipment_id'
                                          THEN p.lower_bound::bigint < hi::bigint AND p.upper_bound::bigint > lo::bigint
                                          ELSE p.lower_bound::date < hi::date AND p.upper_bound::date > lo::date END);
      END IF;
      part := t.name || '_' || to_char(m, 'YYYY_MM');
      create_partitions.partition := NULL;
      create_partitions.month := m;
      -- rows of the month in the default partition move out first: the new
      -- partition cannot be made while the default holds rows of its range.
      -- The default's guards against deletes are off for the move.
      SELECT array_agg(g.tgname ORDER BY g.tgname) INTO guards
        FROM pg_trigger g
       WHERE g.tgrelid = def_rel AND NOT g.tgisinternal AND g.tgenabled <> 'D'
         AND g.tgtype::integer & 8 <> 0;   -- fires on DELETE
      FOR trg IN SELECT u.name FROM unnest(guards) u (name) LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', def_rel, trg.name);
      END LOOP;
      EXECUTE format('CREATE TEMPORARY TABLE cbl_partition_moving (LIKE %s)', t.rel);
      EXECUTE format('WITH taken AS (DELETE FROM %s e WHERE %s RETURNING e.*) '
                     'INSERT INTO pg_temp.cbl_partition_moving SELECT * FROM taken', def_rel, what);
      GET DIAGNOSTICS moved = ROW_COUNT;
      FOR trg IN SELECT u.name FROM unnest(guards) u (name) LOOP
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', def_rel, trg.name);
      END LOOP;
      EXECUTE format('CREATE TABLE cbl.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part, t.rel, lo, hi);
      -- the keys and indexes of the default partition (72_event.sql,
      -- 84_charge.sql say why they are not the parent's), named after the
      -- partition: the primary key first
      FOR con IN SELECT c.conname, pg_get_constraintdef(c.oid) AS def, obj_description(c.oid, 'pg_constraint') AS description
                   FROM pg_constraint c
                  WHERE c.conrelid = def_rel AND c.contype IN ('p', 'u', 'f', 'x')
                  ORDER BY c.contype <> 'p', c.contype = 'f', c.conname LOOP
        EXECUTE format('ALTER TABLE cbl.%I ADD CONSTRAINT %I %s', part,
                       part || substr(con.conname, length(t.name || '_default') + 1), con.def);
        IF con.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON CONSTRAINT %I ON cbl.%I IS %L',
                         part || substr(con.conname, length(t.name || '_default') + 1), part, con.description);
        END IF;
      END LOOP;
      FOR idx IN SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, i.indisunique,
                        obj_description(i.indexrelid, 'pg_class') AS description
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                  WHERE i.indrelid = def_rel
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid AND x.conrelid = def_rel)
                  ORDER BY c.relname LOOP
        EXECUTE format('CREATE %sINDEX %I ON cbl.%I %s', CASE WHEN idx.indisunique THEN 'UNIQUE ' ELSE '' END,
                       part || substr(idx.relname, length(t.name || '_default') + 1), part,
                       substr(idx.def, strpos(idx.def, ' USING ') + 1));
        IF idx.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON INDEX cbl.%I IS %L',
                         part || substr(idx.relname, length(t.name || '_default') + 1), idx.description);
        END IF;
      END LOOP;
      -- the default partition's TRUNCATE triggers: a partition's TRUNCATE
      -- fires none of its parent's (88_settlement.sql)
      FOR tt IN SELECT g.tgname, g.tgtype::integer & 2 <> 0 AS before, g.tgfoid::regprocedure AS fn,
                       obj_description(g.oid, 'pg_trigger') AS description
                  FROM pg_trigger g
                 WHERE g.tgrelid = def_rel AND NOT g.tgisinternal AND g.tgnargs = 0
                   AND g.tgtype::integer & 32 <> 0   -- fires on TRUNCATE
                 ORDER BY g.tgname LOOP
        EXECUTE format('CREATE TRIGGER %I %s TRUNCATE ON cbl.%I FOR EACH STATEMENT EXECUTE FUNCTION %s',
                       part || substr(tt.tgname, length(t.name || '_default') + 1),
                       CASE WHEN tt.before THEN 'BEFORE' ELSE 'AFTER' END, part, tt.fn);
        IF tt.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON TRIGGER %I ON cbl.%I IS %L',
                         part || substr(tt.tgname, length(t.name || '_default') + 1), part, tt.description);
        END IF;
      END LOOP;
      EXECUTE format('COMMENT ON TABLE cbl.%I IS %L', part,
                     format('%s of %s %s (UTC): a monthly partition of %s, made by cbl.create_partitions()',
                            CASE t.name WHEN 'event' THEN 'events' WHEN 'charge' THEN 'charges' ELSE 'statement lines' END,
                            CASE t.key WHEN 'shipment_id' THEN 'the shipments made in' ELSE 'the statements of the period' END,
                            to_char(m, 'YYYY-MM'), t.rel));
      PERFORM cbl.copy_column_comments(t.rel::regclass, format('cbl.%I', part)::regclass);
      SELECT c.relowner::regrole::text INTO owner FROM pg_class c WHERE c.oid = t.rel::regclass;
      IF owner <> current_user::text THEN
        EXECUTE format('ALTER TABLE cbl.%I OWNER TO %s', part, owner);
      END IF;
      -- back through the parent, into the new partition (charges keep their numbers)
      EXECUTE format('INSERT INTO %s %s SELECT * FROM pg_temp.cbl_partition_moving', t.rel,
                     CASE WHEN t.name = 'charge' THEN 'OVERRIDING SYSTEM VALUE' ELSE '' END);
      DROP TABLE pg_temp.cbl_partition_moving;
      create_partitions.partition := format('cbl.%I', part)::regclass;
      RETURN NEXT;
    END LOOP;
  END LOOP;
  END LOOP;
END $$;
COMMENT ON FUNCTION cbl.create_partitions(integer) IS
  'make the missing monthly partitions of cbl.event and cbl.charge (from the oldest shipment''s month) and of cbl.statement_line (from the oldest settlement period), to months_ahead (3) months ahead, each with the keys, indexes and TRUNCATE guards of its table''s default partition, moving the rows of those months out of the default partitions; returns the partitions made (events, then charges, then statement lines, by month) and the rows moved into each; idempotent; run daily (cbl.schedule_partition_maintenance)';
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
