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
-- partitions from two months ago to three ahead; PD-LATER's stays in the default
SELECT count(*) FROM cbl.create_partitions();
SELECT cbl.ingest_events('[
  {"source": "dhl", "event_id": "o2", "shipment": "PD-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T08:00:00Z", "updated_at": "2026-01-02T09:00:00Z"},
  {"source": "dhl", "event_id": "o2", "shipment": "PD-OLD", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-01-02T08:30:00Z", "updated_at": "2026-01-02T10:00:00Z"},
  {"source": "dhl", "event_id": "n2", "shipment": "PD-NOW", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "dhl", "event_id": "l2", "shipment": "PD-LATER", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"}
]');
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

my $dump = $node->basedir . '/src.dump';
my ($out, $err) = ('', '');
my $ok = IPC::Run::run(
	[ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ],
	'>', \$out, '2>', \$err);
ok($ok, 'pg_dump -Fc') or diag($err);
is($err, '', 'pg_dump printed no warning or error');

$node->safe_psql('postgres', 'CREATE DATABASE dst');
($out, $err) = ('', '');
$ok = IPC::Run::run([ 'pg_restore', '-d', $node->connstr('dst'), $dump ],
	'>', \$out, '2>', \$err);
ok($ok, 'pg_restore exits 0') or diag($err);
is($err, '', 'pg_restore reported no errors');

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
		'dst', q{SELECT m.moved FROM cbl.create_partitions(8) m
		          WHERE m.month = cbl.shipment_month((SELECT id FROM cbl.shipment WHERE reference = 'PD-LATER'))}),
	'2',
	'create_partitions(8) moves the restored default rows to their month');

# DROP EXTENSION takes the partitions (made outside the extension) with it.
$node->safe_psql('dst', 'DROP EXTENSION cbl');
is( $node->safe_psql(
		'dst', q{SELECT count(*) FROM pg_class WHERE relname LIKE 'event\_%' AND relnamespace::regnamespace::text = 'cbl'}),
	'0',
	'DROP EXTENSION dropped every partition');

$node->stop;
done_testing();
