-- Monthly partitions of cbl.event (docs/scaling.md, "Partitioning"): the
-- shipment id encoding, cbl.create_partitions (ahead, idempotent, moving rows
-- out of the default partition), events landing in their shipment's month,
-- ingest across months.  Months are printed relative to the current one
-- (UTC), so the output does not depend on the date.  Everything after the
-- id encoding runs in one transaction that is rolled back: the suite's
-- later tests find cbl.event as the install leaves it.
SET timezone = 'UTC';
\set SHOW_CONTEXT never

-- Shipment ids: (year * 12 + month - 1) << 40 | n.
SELECT cbl.shipment_id('2026-11-15', 7) = (((2026 * 12 + 10)::bigint << 40) | 7) AS encoded,
       cbl.shipment_month(cbl.shipment_id('2026-11-15', 7)) AS month,
       cbl.shipment_id('2026-11-30', 0) = cbl.shipment_id('2026-11-01', 0) AS any_day_of_the_month,
       cbl.shipment_month(cbl.shipment_id('2026-12-01', 0) - 1) AS month_of_the_id_before_december,
       cbl.shipment_id('2027-01-01', 0) - cbl.shipment_id('2026-12-01', 0) = 1099511627776 AS ids_per_month,
       cbl.shipment_month(cbl.shipment_id('2027-01-01', 1)) AS january;
-- docs/scaling.md
SELECT cbl.shipment_month(cbl.shipment_id('2026-11-15', 7));
SELECT cbl.shipment_month(1) IS NULL AS small_id_has_no_month, cbl.shipment_month(-5) IS NULL AS negative_has_none,
       cbl.shipment_month(cbl.shipment_id('0001-01-01', 0)) AS first_month,
       cbl.shipment_month(cbl.shipment_id('99999-12-01', 1099511627775)) AS last_month;
SELECT cbl.shipment_id('2026-11-01', 1099511627776);
SELECT cbl.shipment_id('2026-11-01', -1);
-- New ids: this month's, growing.
SELECT cbl.next_shipment_id() AS a \gset
SELECT cbl.shipment_month(:a) = date_trunc('month', now() AT TIME ZONE 'UTC')::date AS this_month,
       cbl.next_shipment_id() > :a AS growing;
-- An id must carry a month (terse: the failing row shows the time).
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'PART_CUST', 'Partitioned Goods Ltd');
\set VERBOSITY terse
INSERT INTO cbl.shipment (id, reference, framework, customer_id)
VALUES (42, 'PART-BAD', 'express_parcel', cbl.party_id('customer', 'PART_CUST'));
\set VERBOSITY default

-- As installed: the default partition only.
SELECT partition, month, lower_id, upper_id, is_default FROM cbl.event_partitions();

BEGIN;
-- Shipments of this month, of two months ago and of eight months ahead
-- (explicit ids, as an import of older shipments would make).
CREATE FUNCTION pg_temp.shipment_in(ref text, month date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  sid bigint := cbl.shipment_id(month, nextval('cbl.shipment_id_seq'));
BEGIN
  INSERT INTO cbl.shipment (id, reference, framework, customer_id)
  VALUES (sid, ref, 'express_parcel', cbl.party_id('customer', 'PART_CUST'));
  INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (sid, 'reference', ref);
  INSERT INTO cbl.reference_lookup (kind, value, shipment_id) VALUES ('reference', ref, sid);
  RETURN sid;
END $$;
-- months as offsets from the current one
CREATE FUNCTION pg_temp.offset_of(m date) RETURNS integer LANGUAGE sql AS $$
  SELECT ((extract(year FROM m) * 12 + extract(month FROM m))
          - (extract(year FROM now() AT TIME ZONE 'UTC') * 12 + extract(month FROM now() AT TIME ZONE 'UTC')))::integer
$$;
SELECT cbl.create_shipment('PART-NOW', 'express_parcel', 'PART_CUST') AS s_now \gset
SELECT pg_temp.shipment_in('PART-OLD', (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '2 months')::date) AS s_old \gset
SELECT pg_temp.shipment_in('PART-LATER', (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '8 months')::date) AS s_later \gset
SELECT pg_temp.offset_of(cbl.shipment_month(:s_now)) AS now_month, pg_temp.offset_of(cbl.shipment_month(:s_old)) AS old_month,
       pg_temp.offset_of(cbl.shipment_month(:s_later)) AS later_month;

-- Before any monthly partition, events go to the default partition.
SELECT * FROM cbl.ingest_events('[
  {"source": "part", "event_id": "n1", "shipment": "PART-NOW", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "part", "event_id": "o1", "shipment": "PART-OLD", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-01-01T08:00:00Z"},
  {"source": "part", "event_id": "o2", "shipment": "PART-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T08:00:00Z"},
  {"source": "part", "event_id": "l1", "shipment": "PART-LATER", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"}
]');
SELECT e.shipment_ref, e.event_id, e.tableoid::regclass AS partition
  FROM cbl.event e WHERE e.source = 'part' ORDER BY e.event_id;

-- create_partitions: from the oldest shipment's month (two months ago) to
-- three months ahead; the rows of those months move out of the default.
-- (This month's partition also takes the events earlier tests left.)
SELECT pg_temp.offset_of(c.month) AS month, c.partition::text = 'cbl.event_' || to_char(c.month, 'YYYY_MM') AS named_by_month,
       CASE WHEN pg_temp.offset_of(c.month) = 0 THEN c.moved >= 1 ELSE c.moved = (pg_temp.offset_of(c.month) = -2)::integer * 2 END AS moved_right
  FROM cbl.create_partitions() c ORDER BY c.month;
SELECT pg_temp.offset_of(p.month) AS month, p.upper_id - p.lower_id = 1099511627776 AS one_month_of_ids,
       p.lower_id = cbl.shipment_id(p.month, 0) AS from_its_first_id, is_default,
       obj_description(p.partition, 'pg_class') IS NOT NULL AS commented,
       col_description(p.partition, 1) = col_description('cbl.event'::regclass, 1) AS columns_commented
  FROM cbl.event_partitions() p ORDER BY p.is_default, p.month;
-- Each event is in its shipment's month; the later one waits in the default.
SELECT e.shipment_ref, e.event_id, pg_temp.offset_of(p.month) AS partition_month, p.is_default
  FROM cbl.event e JOIN cbl.event_partitions() p ON p.partition = e.tableoid
 WHERE e.source = 'part' ORDER BY e.event_id;
SELECT count(*) AS rows_of_months_left_in_default FROM cbl.event_default e
 WHERE cbl.shipment_month(e.shipment_id) BETWEEN (SELECT min(month) FROM cbl.event_partitions())
                                             AND (SELECT max(month) FROM cbl.event_partitions());
-- Idempotent: nothing more to make.
SELECT count(*) AS made_again FROM cbl.create_partitions();
-- Further ahead: the months up to eight ahead, and the waiting event moves.
SELECT pg_temp.offset_of(c.month) AS month, c.moved FROM cbl.create_partitions(8) c ORDER BY c.month;
SELECT e.event_id, pg_temp.offset_of(p.month) AS partition_month, p.is_default
  FROM cbl.event e JOIN cbl.event_partitions() p ON p.partition = e.tableoid
 WHERE e.source = 'part' AND e.event_id = 'l1';
SELECT count(*) AS default_rows FROM cbl.event_default;

-- Ingest on the partitions: the same batch again is all duplicates (the
-- stored revisions are found in each month's partition), a later revision
-- lands beside the first, and one batch writes to several months.
SELECT * FROM cbl.ingest_events('[
  {"source": "part", "event_id": "n1", "shipment": "PART-NOW", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "part", "event_id": "o1", "shipment": "PART-OLD", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-01-01T08:00:00Z"},
  {"source": "part", "event_id": "o2", "shipment": "PART-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T08:00:00Z"},
  {"source": "part", "event_id": "l1", "shipment": "PART-LATER", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"}
]');
SELECT * FROM cbl.ingest_events('[
  {"source": "part", "event_id": "o2", "shipment": "PART-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T09:00:00Z", "updated_at": "2026-01-02T10:00:00Z"},
  {"source": "part", "event_id": "o3", "shipment": "PART-OLD", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-01-05T08:00:00Z"},
  {"source": "part", "event_id": "n2", "shipment": "PART-NOW", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "part", "event_id": "l2", "shipment": "PART-LATER", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "part", "event_id": "n1", "shipment": "PART-NOW", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T07:00:00Z"}
]');
SELECT e.shipment_ref, e.event_id, e.revision, pg_temp.offset_of(p.month) AS partition_month
  FROM cbl.event e JOIN cbl.event_partitions() p ON p.partition = e.tableoid
 WHERE e.source = 'part' ORDER BY e.event_id, e.revision;
SELECT s.reference, cbl.current_milestone(st.state), cbl.milestone_time(st.state, 'PICKED_UP') AS picked_up
  FROM cbl.shipment s JOIN cbl.shipment_state st ON st.shipment_id = s.id
 WHERE s.reference LIKE 'PART-%' ORDER BY s.reference;
-- The state derived again from the partitions is the same.
SELECT cbl.refresh_state(ARRAY[:s_now, :s_old, :s_later]::bigint[]) AS changed;
-- The views read through the partitioned table.
SELECT reference, current_milestone FROM cbl.v_shipment_status WHERE reference LIKE 'PART-%' ORDER BY reference;
SELECT reference, count(*) AS timeline_rows FROM cbl.v_timeline WHERE reference LIKE 'PART-%' GROUP BY reference ORDER BY reference;
-- A query by shipment reads one partition.
CREATE FUNCTION pg_temp.partitions_read(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  line text;
  n bigint := 0;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line ~ ' on event_' THEN
      n := n + 1;
    END IF;
  END LOOP;
  RETURN n;
END $$;
SELECT pg_temp.partitions_read(format('SELECT * FROM cbl.event WHERE shipment_id = %s', :s_old)) AS partitions_read,
       pg_temp.partitions_read('SELECT * FROM cbl.event') AS all_partitions;

-- Retiring a month: detach its partition (the events of its shipments go
-- with it) and drop it.
SELECT p.partition AS old_partition FROM cbl.event_partitions() p WHERE p.month = cbl.shipment_month(:s_old) \gset
ALTER TABLE cbl.event DETACH PARTITION :old_partition;
DROP TABLE :old_partition;
SELECT count(*) AS old_events_left FROM cbl.event WHERE shipment_id = :s_old;
SELECT count(*) AS other_events FROM cbl.event WHERE source = 'part';
-- create_partitions makes it again (a shipment of that month remains).
SELECT pg_temp.offset_of(c.month) AS month, c.moved FROM cbl.create_partitions(8) c;
ROLLBACK;

-- Arguments.
SELECT * FROM cbl.create_partitions(-1);
SELECT * FROM cbl.create_partitions(NULL);

-- The pg_cron job needs pg_cron (not installed here: SQLSTATE LG004).
\set VERBOSITY sqlstate
SELECT cbl.schedule_partition_maintenance();
SELECT cbl.unschedule_partition_maintenance();
\set VERBOSITY default

-- The rolled-back transaction left the install's layout.
SELECT partition, is_default FROM cbl.event_partitions();
DELETE FROM cbl.party WHERE code = 'PART_CUST';
