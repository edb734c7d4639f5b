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
-- The same months are made for charges and statement lines (their rows
-- are checked below).
-- (A partition is named after its table and month.)
SELECT regexp_replace(c.partition::text, '_\d{4}_\d\d$', '') AS tbl, pg_temp.offset_of(c.month) AS month,
       c.partition::text ~ ('_' || to_char(c.month, 'YYYY_MM') || '$') AS named_by_month,
       CASE WHEN c.partition::text NOT LIKE 'cbl.event\_%' THEN c.moved = 0
            WHEN pg_temp.offset_of(c.month) = 0 THEN c.moved >= 1
            ELSE c.moved = (pg_temp.offset_of(c.month) = -2)::integer * 2 END AS moved_right
  FROM cbl.create_partitions() c
 ORDER BY 1, c.month;
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
SELECT split_part(c.partition::text, '_20', 1) AS tbl, pg_temp.offset_of(c.month) AS month, c.moved
  FROM cbl.create_partitions(8) c ORDER BY 1, c.month;
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
SELECT c.partition::text LIKE 'cbl.event\_%' AS of_event, pg_temp.offset_of(c.month) AS month, c.moved
  FROM cbl.create_partitions(8) c ORDER BY 1, 2;
ROLLBACK;

-- Charges and statement lines (docs/scaling.md, "Partitioning"): a
-- shipment's charges are in the partition of the shipment's month, a
-- statement's lines in the partition of its period; create_partitions moves
-- them out of the default partitions (settled charges and final lines
-- too), once; charge numbers go on in order; the unique accrual key holds
-- across the move; and settlement writes the same statements with the rows
-- in the default partitions as in monthly ones.
BEGIN;
CREATE FUNCTION pg_temp.shipment_in(ref text, month date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  sid bigint := cbl.shipment_id(month, nextval('cbl.shipment_id_seq'));
BEGIN
  INSERT INTO cbl.shipment (id, reference, framework, customer_id, carrier_id)
  VALUES (sid, ref, 'express_parcel', cbl.party_id('customer', 'PART_CUST'), cbl.party_id('carrier', 'PART_CARR'));
  INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (sid, 'reference', ref);
  INSERT INTO cbl.reference_lookup (kind, value, shipment_id) VALUES ('reference', ref, sid);
  RETURN sid;
END $$;
CREATE FUNCTION pg_temp.offset_of(m date) RETURNS integer LANGUAGE sql AS $$
  SELECT ((extract(year FROM m) * 12 + extract(month FROM m))
          - (extract(year FROM now() AT TIME ZONE 'UTC') * 12 + extract(month FROM now() AT TIME ZONE 'UTC')))::integer
$$;
-- partitions read by a query
CREATE FUNCTION pg_temp.leaves_read(query text, leaf text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  line text;
  n bigint := 0;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line ~ (' on ' || leaf || '_') THEN
      n := n + 1;
    END IF;
  END LOOP;
  RETURN n;
END $$;
-- the SQLSTATE a statement fails with (errors name partitions, which are named by month)
CREATE FUNCTION pg_temp.sqlstate_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
-- the statements of a period and their lines, as text (everything but when they were written)
CREATE FUNCTION pg_temp.statements_of(period date) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format('%s %s %s %s %s %s %s', s.statement_no, s.party_id, s.direction, s.currency, s.total,
                           s.line_count, s.charge_count), '; ' ORDER BY s.statement_no)
         || ' / ' ||
         (SELECT string_agg(format('%s %s %s %s %s %s %s %s %s', l.statement_no, l.line_no, l.kind, l.accrual_period,
                                   l.shipment_id, l.fee_code, l.amount, l.charge_nos, l.period_start),
                            '; ' ORDER BY l.statement_no, l.line_no)
            FROM cbl.statement_line l WHERE l.period_start = period)
    FROM cbl.statement s WHERE s.period_start = period
$$;
INSERT INTO cbl.party (kind, code, name) VALUES ('carrier', 'PART_CARR', 'Partitioned Haulage');
-- the period to settle: the month before last in the billing time zone (over)
SELECT cbl.billing_period(now() - interval '2 months') AS period \gset
SELECT cbl.create_shipment('PCH-NOW', 'express_parcel', 'PART_CUST', 'PART_CARR') AS c_now \gset
SELECT pg_temp.shipment_in('PCH-OLD', (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '2 months')::date) AS c_old \gset
SELECT pg_temp.shipment_in('PCH-LATER', (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '8 months')::date) AS c_later \gset
-- charges accrued in the period, before any monthly partition: all in the default
SELECT count(cbl.add_charge(r, NULL, d, 'FRT', a::cbl.amount, (:'period'::date + interval '9 days')::timestamptz))
  FROM (VALUES ('PCH-NOW', 'receivable', '100 EUR'), ('PCH-NOW', 'payable', '60 EUR'),
               ('PCH-OLD', 'receivable', '200 EUR'), ('PCH-OLD', 'payable', '120 EUR'),
               ('PCH-LATER', 'receivable', '300 EUR'), ('PCH-LATER', 'payable', '180 EUR')) v (r, d, a);
-- an automatic accrual's key on the later shipment (one charge per key)
INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin, step, trigger_key)
VALUES (:c_later, cbl.party_id('customer', 'PART_CUST'), 'receivable', 'FSC', '30 EUR', :'period'::date + interval '9 days',
        'rated', 'PICKED_UP', 'PICKED_UP:accrue_sell_card:FSC');
SELECT max(charge_no) AS last_no_before FROM cbl.charge \gset
SELECT s.reference, count(*) AS charges, bool_and(c.tableoid = 'cbl.charge_default'::regclass) AS in_default
  FROM cbl.charge c JOIN cbl.shipment s ON s.id = c.shipment_id
 WHERE s.reference LIKE 'PCH-%' GROUP BY s.reference ORDER BY s.reference;

-- Settled with everything in the default partitions: the statements, kept
-- in a psql variable, then undone.
SAVEPOINT plain;
SELECT count(*) AS statements_plain FROM cbl.settle(:'period');
SELECT pg_temp.statements_of(:'period') AS plain_statements \gset
SELECT count(*) AS lines_in_default FROM cbl.statement_line_default WHERE period_start = :'period';
ROLLBACK TO SAVEPOINT plain;

-- Monthly partitions: the charges move to their shipments' months (the
-- later one stays in the default), with their numbers.
SELECT regexp_replace(c.partition::text, '_\d{4}_\d\d$', '') AS tbl, count(*) AS made, sum(c.moved) AS moved
  FROM cbl.create_partitions() c GROUP BY 1 ORDER BY 1;
SELECT s.reference, c.charge_no <= :last_no_before AS kept_number, pg_temp.offset_of(p.month) AS partition_month, p.is_default,
       c.tableoid::regclass::text = 'cbl.charge_' || to_char(p.month, 'YYYY_MM') AS named_by_month
  FROM cbl.charge c JOIN cbl.shipment s ON s.id = c.shipment_id JOIN cbl.partitions() p ON p.partition = c.tableoid
 WHERE s.reference LIKE 'PCH-%' ORDER BY s.reference, c.charge_no;
-- each monthly partition has the default's keys and indexes
SELECT p.parent AS tbl,
       bool_and((SELECT count(*) FROM pg_index i WHERE i.indrelid = p.partition)
                = (SELECT count(*) FROM pg_index i WHERE i.indrelid = (p.parent::text || '_default')::regclass)) AS same_indexes,
       bool_and((SELECT count(*) FROM pg_constraint x WHERE x.conrelid = p.partition AND x.contype IN ('p', 'u', 'f'))
                = (SELECT count(*) FROM pg_constraint x WHERE x.conrelid = (p.parent::text || '_default')::regclass
                                                          AND x.contype IN ('p', 'u', 'f'))) AS same_keys,
       bool_and(obj_description(p.partition, 'pg_class') IS NOT NULL) AS commented
  FROM cbl.partitions() p WHERE NOT p.is_default GROUP BY p.parent ORDER BY p.parent::text;
-- A charge is written to its shipment's partition, numbered after the others.
-- (accrued now: not in the period settled below)
SELECT (cbl.add_charge('PCH-OLD', NULL, 'receivable', 'DOC', '15 EUR', now())).charge_no > :last_no_before AS numbered_after;
SELECT pg_temp.offset_of(p.month) AS partition_month
  FROM cbl.charge c JOIN cbl.partitions() p ON p.partition = c.tableoid
 WHERE c.shipment_id = :c_old AND c.fee_code = 'DOC';
-- A partition written directly has no identity (charge_no is null):
-- charges are written through cbl.charge.
SELECT p.partition AS old_charges FROM cbl.partitions() p WHERE p.parent = 'cbl.charge'::regclass AND p.month = cbl.shipment_month(:c_old) \gset
SELECT pg_temp.sqlstate_of(format($$INSERT INTO %s (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin)
                                    VALUES (%s, %s, 'receivable', 'DOC', '1 EUR', now(), 'manual')$$,
                                  :'old_charges', :c_old, cbl.party_id('customer', 'PART_CUST'))) AS direct_insert;
-- A partition holding only open charges may be truncated, as they may be
-- deleted (undone at once).
SAVEPOINT open_only;
SELECT pg_temp.sqlstate_of(format('TRUNCATE %s', :'old_charges')) AS truncate_open_charges;
SELECT count(*) AS charges_left FROM cbl.charge WHERE shipment_id = :c_old;
ROLLBACK TO SAVEPOINT open_only;
-- A shipment-keyed query reads one leaf.
SELECT pg_temp.leaves_read(format('SELECT * FROM cbl.charge WHERE shipment_id = %s', :c_old), 'charge') AS leaves_read,
       pg_temp.leaves_read('SELECT * FROM cbl.charge', 'charge') > 1 AS all_leaves;

-- Settled on the partitions: the same statements.  The period has no
-- statement-line partition yet (it was not settled when they were made):
-- its lines are in the default partition.
SELECT count(*) AS statements FROM cbl.settle(:'period') WHERE cbl.value(total) <> 0;
SELECT pg_temp.statements_of(:'period') = :'plain_statements' AS same_statements;
SELECT count(*) AS lines, bool_and(l.tableoid = 'cbl.statement_line_default'::regclass) AS in_default
  FROM cbl.statement_line l WHERE l.period_start = :'period';
-- create_partitions makes the statement lines' partitions from the period
-- on and moves the lines (final, yet moved); nothing the second time.
SELECT count(*) FILTER (WHERE c.month = :'period') AS made_for_the_period,
       sum(c.moved) FILTER (WHERE c.month = :'period') AS moved_to_it,
       sum(c.moved) FILTER (WHERE c.month <> :'period') AS moved_elsewhere
  FROM cbl.create_partitions() c WHERE c.partition::text LIKE 'cbl.statement\_line\_%';
SELECT count(*) AS made_again FROM cbl.create_partitions();
SELECT count(*) AS lines, bool_and(l.tableoid::regclass::text = 'cbl.statement_line_' || to_char(:'period'::date, 'YYYY_MM')) AS in_period_partition
  FROM cbl.statement_line l WHERE l.period_start = :'period';
SELECT pg_temp.statements_of(:'period') = :'plain_statements' AS same_statements_after_the_move;
SELECT pg_temp.leaves_read(format('SELECT * FROM cbl.statement_line WHERE period_start = %L', :'period'), 'statement_line') AS leaves_read;
SELECT count(*) AS statements, sum(adjustment_lines) AS adjustment_lines FROM cbl.v_statement WHERE period_start = :'period';
SELECT count(*) AS view_lines FROM cbl.v_statement_line WHERE period_start = :'period';
SELECT count(*) AS settled_charges FROM cbl.v_charge_line WHERE period_start = :'period';

-- The later shipment's charges, settled in the default partition, move to
-- their month with their status; the guards hold again afterwards.
SELECT pg_temp.offset_of(c.month) AS month, c.moved
  FROM cbl.create_partitions(8) c WHERE c.partition::text LIKE 'cbl.charge\_%' AND c.moved > 0;
SELECT c.fee_code, c.direction, cbl.charge_status(c) AS status, pg_temp.offset_of(p.month) AS partition_month
  FROM cbl.charge c JOIN cbl.partitions() p ON p.partition = c.tableoid
 WHERE c.shipment_id = :c_later ORDER BY c.charge_no;
SELECT count(*) AS charges_left_in_default FROM cbl.charge_default WHERE shipment_id = :c_later;
SELECT pg_temp.sqlstate_of(format('DELETE FROM cbl.charge WHERE shipment_id = %s AND fee_code = %L', :c_later, 'FRT')) AS delete_settled_charge,
       pg_temp.sqlstate_of(format('DELETE FROM cbl.statement_line WHERE period_start = %L', :'period')) AS delete_lines,
       pg_temp.sqlstate_of(format('TRUNCATE cbl.%I', 'statement_line_' || to_char(:'period'::date, 'YYYY_MM'))) AS truncate_line_partition,
       pg_temp.sqlstate_of('TRUNCATE cbl.statement_line_default') AS truncate_line_default,
       (SELECT count(*) FROM pg_trigger g
         WHERE g.tgrelid IN ('cbl.charge_default'::regclass, 'cbl.statement_line_default'::regclass)
           AND g.tgenabled = 'D') AS guards_disabled;
-- Nor may charges be truncated while one is settled: the table, or the
-- partition that holds the later shipment's settled charges.
SELECT c.tableoid::regclass AS later_charges FROM cbl.charge c WHERE c.shipment_id = :c_later LIMIT 1 \gset
SELECT pg_temp.sqlstate_of('TRUNCATE cbl.charge') AS truncate_charges,
       pg_temp.sqlstate_of(format('TRUNCATE %s', :'later_charges')) AS truncate_charge_partition;
-- A partition's TRUNCATE fires none of its parent's triggers: each
-- statement-line and charge partition has the guard of its own, with its
-- comment.
SELECT regexp_replace(g.tgname, '_[0-9]{4}_[0-9]{2}_', '_YYYY_MM_') AS tgname, obj_description(g.oid, 'pg_trigger') AS comment
  FROM pg_trigger g
 WHERE g.tgrelid IN (format('cbl.%I', 'statement_line_' || to_char(:'period'::date, 'YYYY_MM'))::regclass,
                     :'old_charges'::regclass)
   AND g.tgparentid = 0 AND NOT g.tgisinternal
 ORDER BY 1;
-- The accrual key is still one charge per shipment: in its new partition.
SELECT pg_temp.sqlstate_of(format($$INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at,
                                                             origin, step, trigger_key)
                                    VALUES (%s, %s, 'receivable', 'FSC', '30 EUR', now(), 'rated', 'PICKED_UP',
                                            'PICKED_UP:accrue_sell_card:FSC')$$,
                                  :c_later, cbl.party_id('customer', 'PART_CUST'))) AS same_key_again;
SELECT count(*) AS charges_under_the_key FROM cbl.charge
 WHERE shipment_id = :c_later AND trigger_key = 'PICKED_UP:accrue_sell_card:FSC';
ROLLBACK;

-- Arguments.
SELECT * FROM cbl.create_partitions(-1);
SELECT * FROM cbl.create_partitions(NULL);

-- The pg_cron job needs pg_cron (not installed here: SQLSTATE LG004).
\set VERBOSITY sqlstate
SELECT cbl.schedule_partition_maintenance();
SELECT cbl.unschedule_partition_maintenance();
\set VERBOSITY default

-- The rolled-back transactions left the install's layout.
SELECT partition, is_default FROM cbl.event_partitions();
SELECT parent, partition, month, lower_bound, upper_bound, is_default FROM cbl.partitions();
DELETE FROM cbl.party WHERE code = 'PART_CUST';
SELECT count(*) AS carriers_left FROM cbl.party WHERE code = 'PART_CARR';
