# The example client docs/examples/dcsa_listen.py (Debian's /usr/bin/python3
# with python3-psycopg2) against a live server: it LISTENs on cbl_milestone,
# posts two DCSA 3.0 messages with cbl.ingest_events('dcsa', ...), and prints
# the ingest counts and the notifications each commit sends.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $python = '/usr/bin/python3';
my $client = 'docs/examples/dcsa_listen.py';
ok(-x $python && system($python, '-c', 'import psycopg2') == 0,
	'python3 and python3-psycopg2 are installed (make deps)');
ok(-f $client, "$client is there");

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION cbl;
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'ACME', 'Acme'), ('carrier', 'CBLX', 'CBL Example Line');
SELECT cbl.create_shipment('FCL-7001', 'ocean_fcl', 'ACME', 'CBLX', NULL, 'CN', 'DE',
  '{"booking": "BKG7001234", "container": "CBLU1234560"}');
});

my ($out, $err) = ('', '');
my $ok = IPC::Run::run(
	[
		$python, $client, '--source', 'cblx', '--wait', '0.5',
		'test/fixtures/formats/dcsa_cbl_30_journey.json',
		'test/fixtures/formats/dcsa_cbl_30_update.json'
	],
	'>', \$out, '2>', \$err,
	init => sub {
		$ENV{PGHOST} = $node->host;
		$ENV{PGPORT} = $node->port;
		$ENV{PGDATABASE} = 'postgres';
		delete $ENV{CBL_DSN};
	});
ok($ok, 'the client ran') or diag($err);
note($out);
my @lines = split /\n/, $out;
is(scalar(@lines), 4, 'two ingest lines and two notifications');
like($lines[0], qr/"file": "dcsa_cbl_30_journey.json".*"accepted": 8/,
	'the journey: 8 events accepted');
like($lines[1],
	qr/"channel": "cbl_milestone".*"milestone": "ARRIVED".*"reference": "FCL-7001"/,
	'its commit announces the shipment at ARRIVED');
like($lines[2], qr/"accepted": 3.*"retracted": 1.*"updated": 1/,
	'the update: 3 accepted, 1 updated, 1 retracted');
like($lines[3], qr/"milestone": "CUSTOMS_HOLD".*"reference": "FCL-7001"/,
	'its commit announces the customs hold');
is($node->safe_psql('postgres', q{SELECT count(*) FROM cbl.event WHERE source = 'cblx'}),
	'13', 'every revision is stored');

$node->stop;
done_testing();
