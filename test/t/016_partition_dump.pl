# pg_dump / pg_restore of a database whose events are in several monthly
# partitions of cbl.event (docs/scaling.md, "Partitioning"): the monthly
# partitions are ordinary tables (not members of the extension), dumped with
# their definition, data and primary key; the default partition belongs to the
# extension and its rows are dumped as configuration data.  Every event
# comes back exactly once, in the same partition, with no error, and ingest
# and cbl.create_partitions go on afterwards.  Then DROP EXTENSION takes
# the partitions with it.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CblTap;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql(
	'src', q{
SET timezone = 'UTC';
CREATE EXTENSION cbl;
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'ACME', 'Acme'), ('carrier', 'DHL', 'DHL');
-- shipments of this month, of two months ago and of eight months ahead
-- (explicit ids of their month, as an import of older shipments makes)
CREATE FUNCTION pg_temp.shipment_in(ref text, months integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  sid bigint := cbl.shipment_id((date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => months))::date,
                                nextval('cbl.shipment_id_seq'));
BEGIN
  INSERT INTO cbl.shipment (id, reference, framework, customer_id)
  VALUES (sid, ref, 'express_parcel', cbl.party_id('customer', 'ACME'));
  INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (sid, 'reference', ref);
  INSERT INTO cbl.reference_lookup (kind, value, shipment_id) VALUES ('reference', ref, sid);
  RETURN sid;
END $$;
SELECT cbl.create_shipment('PD-NOW', 'express_parcel', 'ACME', 'DHL');
SELECT pg_temp.shipment_in('PD-OLD', -2);
SELECT pg_temp.shipment_in('PD-LATER', 8);
SELECT cbl.ingest_events('[
  {"source": "dhl", "event_id": "n1", "shipment": "PD-NOW", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "o1", "shipment": "PD-OLD", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-01-01T08:00:00Z"},
  {"source": "dhl", "event_id": "l1", "shipment": "PD-LATER", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"}
]');
-- charges accrued in the month before last (one voided, one adjusting another)
SELECT cbl.billing_period(now() - interval '2 months') AS period \gset
SELECT count(cbl.add_charge(r, NULL, d, f, a::cbl.amount, (:'period'::date + interval '9 days')::timestamptz))
  FROM (VALUES ('PD-NOW', 'receivable', 'FRT', '100 EUR'), ('PD-NOW', 'payable', 'FRT', '60 EUR'),
               ('PD-OLD', 'receivable', 'FRT', '200 EUR'), ('PD-OLD', 'receivable', 'DOC', '20 EUR'),
               ('PD-LATER', 'receivable', 'FRT', '300 EUR'), ('PD-LATER', 'receivable', 'FSC', '30 EUR')) v (r, d, f, a);
SELECT cbl.void_charge(c.shipment_id, c.charge_no, 'not ordered') FROM cbl.charge c WHERE c.fee_code = 'DOC';
SELECT cbl.add_charge('PD-NOW', NULL, 'receivable', 'FRT', '-5 EUR', (:'period'::date + interval '10 days')::timestamptz,
                      origin => 'adjustment', adjusts_charge_no => (SELECT min(charge_no) FROM cbl.charge));
-- partitions from two months ago to three ahead; PD-LATER's events and charges stay in the default
SELECT count(*) FROM cbl.create_partitions();
SELECT cbl.ingest_events('[
  {"source": "dhl", "event_id": "o2", "shipment": "PD-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T08:00:00Z", "updated_at": "2026-01-02T09:00:00Z"},
  {"source": "dhl", "event_id": "o2", "shipment": "PD-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T08:30:00Z", "updated_at": "2026-01-02T10:00:00Z"},
  {"source": "dhl", "event_id": "n2", "shipment": "PD-NOW", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "dhl", "event_id": "l2", "shipment": "PD-LATER", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"}
]');
-- the month settled: its lines go to the default partition (the month had
-- no period when the partitions were made), then to the period's partition
SELECT count(*) FROM cbl.settle(cbl.billing_period(now() - interval '2 months'));
SELECT count(*) FROM cbl.create_partitions();
-- a charge after the moves
SELECT cbl.add_charge('PD-OLD', NULL, 'receivable', 'STO', '7 EUR', now());
});

my $events_sql = q{
SELECT s.reference, e.source, e.event_id, e.revision, e.content_hash, e.tableoid::regclass
  FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id ORDER BY 1, 2, 3, 4;
};
my $layout_sql = q{
SELECT partition, month, lower_id, upper_id, is_default,
       (SELECT count(*) FROM cbl.event e WHERE e.tableoid = p.partition) AS events
  FROM cbl.event_partitions() p ORDER BY is_default, month;
};
my $charges_sql = q{
SELECT s.reference, c.charge_no, c.fee_code, c.direction, c.amount, c.adjusts_charge_no, c.voided_at IS NOT NULL,
       cbl.charge_status(c), c.tableoid::regclass
  FROM cbl.charge c JOIN cbl.shipment s ON s.id = c.shipment_id ORDER BY c.charge_no;
SELECT last_value, is_called FROM cbl.charge_charge_no_seq;
};
my $lines_sql = q{
SELECT l.statement_no, l.line_no, l.kind, l.shipment_id, l.fee_code, l.amount, l.charge_nos, l.period_start,
       l.tableoid::regclass
  FROM cbl.statement_line l ORDER BY 1, 2;
SELECT statement_no, party_code, direction, total, line_count, charge_count FROM cbl.v_statement ORDER BY 1;
};
my $all_layout_sql = q{
SELECT p.parent, p.partition, p.month, p.lower_bound, p.upper_bound, p.is_default,
       (SELECT count(*) FROM pg_index i WHERE i.indrelid = p.partition) AS indexes,
       (SELECT count(*) FROM pg_constraint x WHERE x.conrelid = p.partition AND x.contype IN ('p', 'u', 'f')) AS keys
  FROM cbl.partitions() p ORDER BY p.parent::text, p.partition::text;
SELECT (SELECT count(*) FROM cbl.charge c WHERE c.tableoid = p.partition) + (SELECT count(*) FROM cbl.statement_line l WHERE l.tableoid = p.partition)
  FROM cbl.partitions() p WHERE p.parent <> 'cbl.event'::regclass ORDER BY p.partition::text;
};
my $charges_before = $node->safe_psql('src', $charges_sql);
my $lines_before = $node->safe_psql('src', $lines_sql);
my $all_layout_before = $node->safe_psql('src', $all_layout_sql);
is( $node->safe_psql(
		'src', q{
SELECT count(DISTINCT tableoid) FILTER (WHERE tableoid <> 'cbl.charge_default'::regclass) || '|'
       || count(*) FILTER (WHERE tableoid = 'cbl.charge_default'::regclass) FROM cbl.charge}),
	'2|2',
	'charges in two monthly partitions and in the default before the dump');
is( $node->safe_psql(
		'src', q{
SELECT count(*) || '|' || count(DISTINCT tableoid) || '|' || bool_and(tableoid <> 'cbl.statement_line_default'::regclass)
  FROM cbl.statement_line}),
	'5|1|true',
	'statement lines in their period\'s partition before the dump');
is( $node->safe_psql(
		'src',
		q{SELECT count(*) FROM pg_depend d JOIN cbl.partitions() p ON d.objid = p.partition
		   WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'}),
	'3',
	'of the partitions of the three tables only the defaults belong to the extension');
my $events_before = $node->safe_psql('src', $events_sql);
my $layout_before = $node->safe_psql('src', $layout_sql);
is($node->safe_psql('src', 'SELECT count(*) FROM cbl.event_partitions()'), '7',
	'six monthly partitions and the default before the dump');
is( $node->safe_psql(
		'src',
		q{SELECT count(DISTINCT tableoid) FILTER (WHERE tableoid <> 'cbl.event_default'::regclass),
		         count(*) FILTER (WHERE tableoid = 'cbl.event_default'::regclass) FROM cbl.event}),
	'2|2',
	'events in two monthly partitions and in the default before the dump');
is( $node->safe_psql(
		'src',
		q{SELECT count(*) FROM pg_depend d JOIN cbl.event_partitions() p ON d.objid = p.partition
		   WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'}),
	'1',
	'of the partitions only the default belongs to the extension');

dump_restore($node, 'src', 'dst');

is($node->safe_psql('dst', $events_sql), $events_before,
	'every event revision came back, in the same partition');
is( $node->safe_psql(
		'dst',
		'SELECT count(*) = count(DISTINCT (shipment_id, source, event_id, revision)) FROM cbl.event'),
	't',
	'each exactly once');
is($node->safe_psql('dst', $layout_sql), $layout_before,
	'the same partitions, bounds and rows');
is( $node->safe_psql(
		'dst',
		q{SELECT count(*) FROM cbl.event_partitions() p JOIN pg_index i ON i.indrelid = p.partition AND i.indisprimary}),
	'7',
	'each partition has its primary key');
is($node->safe_psql('dst', $charges_sql), $charges_before,
	'every charge came back, with its number, status and partition, and the numbering where it was');
is($node->safe_psql('dst', $lines_sql), $lines_before,
	'every statement line came back, in its partition, and the statements add up the same');
is($node->safe_psql('dst', $all_layout_sql), $all_layout_before,
	'the partitions of charges and statement lines: the same bounds, keys, indexes and rows');
is( $node->safe_psql(
		'dst', q{SELECT (cbl.add_charge('PD-OLD', NULL, 'receivable', 'STO', '8 EUR', now())).charge_no
		                 = (SELECT max(charge_no) + 1 FROM cbl.charge WHERE fee_code <> 'STO' OR amount::text <> '8.00 EUR')}),
	't',
	'charge numbering goes on after the restore');
is( $node->safe_psql(
		'dst', q{
SELECT count(*) FROM cbl.charge c
 WHERE c.shipment_id = (SELECT id FROM cbl.shipment WHERE reference = 'PD-OLD') AND c.tableoid <> 'cbl.charge_default'::regclass}),
	'4',
	'a new charge after the restore lands in its shipment\'s month');

# Life goes on: ingest finds the stored revisions in their partitions, a new
# event lands in its month, and create_partitions has nothing to make.
is( $node->safe_psql(
		'dst', q{
SELECT (r).duplicate || '/' || (r).accepted FROM (SELECT cbl.ingest_events('[
  {"source": "dhl", "event_id": "o2", "shipment": "PD-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T08:30:00Z", "updated_at": "2026-01-02T10:00:00Z"},
  {"source": "dhl", "event_id": "n1", "shipment": "PD-NOW", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "l1", "shipment": "PD-LATER", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "o3", "shipment": "PD-OLD", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-01-05T08:00:00Z"}
]') AS r) x}),
	'3/1',
	'ingest after the restore: three duplicates found, one new event');
is( $node->safe_psql(
		'dst', q{
SELECT p.month = cbl.shipment_month(s.id) FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id
  JOIN cbl.event_partitions() p ON p.partition = e.tableoid WHERE e.event_id = 'o3'}),
	't',
	'the new event is in its shipment\'s month');
is($node->safe_psql('dst', 'SELECT count(*) FROM cbl.create_partitions()'),
	'0', 'create_partitions has nothing to make after the restore');
is( $node->safe_psql(
		'dst', q{SELECT string_agg(m.partition::text || ' ' || m.moved, ', ' ORDER BY m.partition::text) FROM cbl.create_partitions(8) m
		          WHERE m.month = cbl.shipment_month((SELECT id FROM cbl.shipment WHERE reference = 'PD-LATER'))
		            AND m.partition::text NOT LIKE 'cbl.statement\_line\_%'}),
	$node->safe_psql('dst', q{
SELECT 'cbl.charge_' || to_char(m, 'YYYY_MM') || ' 2, cbl.event_' || to_char(m, 'YYYY_MM') || ' 2'
  FROM cbl.shipment_month((SELECT id FROM cbl.shipment WHERE reference = 'PD-LATER')) m}),
	'create_partitions(8) moves the restored default rows (events and charges) to their month');
is( $node->safe_psql(
		'dst', q{SELECT count(*) FROM cbl.charge_default}),
	'0',
	'... and the default partition of charges is empty');

# DROP EXTENSION takes the partitions (made outside the extension) with it.
$node->safe_psql('dst', 'DROP EXTENSION cbl');
is( $node->safe_psql(
		'dst', q{SELECT count(*) FROM pg_class WHERE relname ~ '^(event|charge|statement_line)_' AND relkind IN ('r', 'p')
		           AND relnamespace::regnamespace::text = 'cbl'}),
	'0',
	'DROP EXTENSION dropped every partition');

$node->stop;
done_testing();
