# pg_dump / pg_restore round trip of a database using cbl: the dump's CREATE
# EXTENSION restores cbl, the user rows of cbl.fx_rate come back exactly
# once (no duplicate keys with shipped rows), a user table with a column of
# every cbl type is identical afterwards, and the same table survives
# COPY ... (FORMAT binary), which goes through each type's send and recv.
# Milestone data comes back too: a user framework (with its commit-time
# checks), parties, shipments, references, every event revision, conflicts,
# pending events and the shipment states, and ingest goes on afterwards.
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
CREATE EXTENSION cbl;
SELECT cbl.set_fx_rate('EUR', 'USD', '2024-03-01', 1.0822, 'ECB');
SELECT cbl.set_fx_rate('EUR', 'USD', '2024-03-08', 1.0932, 'ECB');
SELECT cbl.set_fx_rate('EUR', 'JPY', '2024-03-08', 160.57);
SELECT cbl.set_fx_rate('USD', 'AED', '2024-01-01', 3.6725, 'CBUAE peg');

CREATE TABLE public.consignment (
  id         int PRIMARY KEY,
  charge     cbl.amount,
  hs         cbl.hs_code,
  awb        cbl.awb,
  container  cbl.container_no,
  postal     cbl.s10,
  note       text
);
INSERT INTO public.consignment VALUES
  (1, '1234.56 USD',   '8517.13', '176-12345675', 'CSQU3054383', 'RR123456785CN', 'all set'),
  (2, '-0.01 EUR',     '0901.11', '020-48151622', 'MSKU9023147', 'RB402155876CN', 'negative'),
  (3, '5400000 JPY',   '85',      '023-77331041', 'MAEU7712030', 'LX900173425CN', 'chapter only'),
  (4, '12.345 KWD',    '8471',    '020-51200936', 'MRKU5521900', 'RR610024586CN', 'heading only'),
  (5, '0.00 GBP',      '3004.90', '023-91502364', 'MSKU7300448', 'RB402156032CN', 'zero'),
  (6, NULL,            NULL,      NULL,           NULL,          NULL,            'all null');

-- a user framework: a copy of express_parcel without the optional steps
INSERT INTO cbl.framework (code, description, mode) VALUES ('lean_express', 'express, required steps only', 'express');
INSERT INTO cbl.framework_step (framework, position, milestone, required, sla, terminal)
SELECT 'lean_express', row_number() OVER (ORDER BY position), milestone, true, sla, terminal
  FROM cbl.framework_step WHERE framework = 'express_parcel' AND required;
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'ACME', 'Acme'), ('carrier', 'DHL', 'DHL');
INSERT INTO cbl.source (code, priority) VALUES ('ops', 200);
SELECT cbl.create_shipment('DR-1', 'lean_express', 'ACME', 'DHL', refs => '{"awb": "176-12345675"}');
SELECT cbl.create_shipment('DR-2', 'express_parcel', 'ACME', 'DHL');
SELECT cbl.ingest_events('[
  {"source": "dhl", "event_id": "1", "shipment": "DR-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "2", "shipment": "17612345675", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-01T10:00:00Z", "updated_at": "2026-03-01T10:01:00Z"},
  {"source": "dhl", "event_id": "2", "shipment": "17612345675", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-01T09:50:00Z", "updated_at": "2026-03-01T11:00:00Z"},
  {"source": "dhl", "event_id": "2", "shipment": "DR-1", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-01T09:00:00Z"},
  {"source": "ops", "event_id": "x", "shipment": "DR-2", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "dhl", "event_id": "9", "shipment": "DR-3", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-03T08:00:00Z"}
]');
});

my $fx_sql =
  'SELECT base, quote, valid_on, rate, source FROM cbl.fx_rate ORDER BY 1, 2, 3, 4, 5';
my $table_sql = 'SELECT * FROM public.consignment ORDER BY id';
my $fx_before = $node->safe_psql('src', $fx_sql);
my $table_before = $node->safe_psql('src', $table_sql);
like($fx_before, qr/EUR\|USD\|2024-03-01\|1\.0822\|ECB/,
	'fx rates set before the dump');
is(scalar(() = $table_before =~ /\n/g) + 1, 6, 'six user rows before the dump');

my $milestone_sql = q{
SELECT f.code, count(fs.*) FROM cbl.framework f LEFT JOIN cbl.framework_step fs ON fs.framework = f.code
 WHERE NOT f.builtin GROUP BY 1 ORDER BY 1;
SELECT kind, code, name FROM cbl.party ORDER BY 1, 2;
SELECT s.reference, s.framework, r.kind, r.value FROM cbl.shipment s
  JOIN cbl.shipment_reference r ON r.shipment_id = s.id ORDER BY 1, 3, 4;
SELECT s.reference, e.source, e.event_id, e.revision, e.occurred_at, e.updated_at, e.content_hash
  FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id ORDER BY 1, 2, 3, 4;
SELECT s.reference, ss.state::text FROM cbl.shipment_state ss JOIN cbl.shipment s ON s.id = ss.shipment_id ORDER BY 1;
SELECT source, event_id, reason FROM cbl.event_conflict ORDER BY 1, 2;
SELECT source, event_id, shipment_ref FROM cbl.event_pending ORDER BY 1, 2;
SELECT code, priority FROM cbl.source ORDER BY 1;
};
my $milestones_before = $node->safe_psql('src', $milestone_sql);
like($milestones_before, qr/lean_express\|7/, 'a user framework exists before the dump');
like($milestones_before, qr/DR-1\|dhl\|2\|2\|/, 'a second revision of an event exists before the dump');
like($milestones_before, qr/dhl\|9\|DR-3/, 'a pending event exists before the dump');

dump_restore($node, 'src', 'dst');

is($node->safe_psql('dst', "SELECT extversion FROM pg_extension WHERE extname = 'cbl'"),
	$node->safe_psql('src', "SELECT extversion FROM pg_extension WHERE extname = 'cbl'"),
	'the dump re-created the extension');
is($node->safe_psql('dst', $fx_sql), $fx_before,
	'cbl.fx_rate came back exactly');
is($node->safe_psql('dst', $table_sql), $table_before,
	'the user table is identical after restore');
is($node->safe_psql('dst', $milestone_sql), $milestones_before,
	'frameworks, parties, shipments, references, events, states, conflicts and pending events came back exactly');
is($node->safe_psql('dst', 'SELECT count(*) FROM cbl.framework_problems()'), '0',
	'the restored frameworks are well-formed');

# Life goes on after a restore: new ids do not collide, and a pending event
# attaches when its shipment is created.
$node->safe_psql('dst', q{SELECT cbl.create_shipment('DR-3', 'express_parcel', 'ACME', 'DHL')});
is($node->safe_psql('dst', q{
  SELECT cbl.current_milestone(ss.state) FROM cbl.shipment_state ss
    JOIN cbl.shipment s ON s.id = ss.shipment_id WHERE s.reference = 'DR-3'}),
	'BOOKED', 'after restore, a new shipment gets a fresh id and its pending event attaches');
is($node->safe_psql('dst', q{SELECT (cbl.ingest_events('[{"source": "dhl", "event_id": "1", "shipment": "DR-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"}]')).duplicate}),
	'1', 'after restore, a re-sent event is still a duplicate');

# Binary COPY: out through send, back in through recv.
my $bin = $node->basedir . '/consignment.bin';
$node->safe_psql(
	'dst', qq{
COPY public.consignment TO '$bin' (FORMAT binary);
CREATE TABLE public.consignment_copy (LIKE public.consignment);
COPY public.consignment_copy FROM '$bin' (FORMAT binary);
});
is($node->safe_psql('dst', 'SELECT * FROM public.consignment_copy ORDER BY id'),
	$table_before, 'the user table round-trips through COPY (FORMAT binary)');

$node->stop;
done_testing();
