# pg_cron is a soft dependency of cbl (docs/testing.md, STYLE §8 item 19):
# cbl installs without it, and cbl.assert_pg_cron() says, with SQLSTATE LG004
# and a hint, when pg_cron is not preloaded or not installed in the database.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# psql with verbose errors, so that stderr carries "ERROR:  LG004: ...".
sub psql_verbose
{
	my ($node, $db, $sql) = @_;
	my ($ret, $out, $err) =
	  $node->psql($db, "\\set VERBOSITY verbose\n$sql", on_error_stop => 1);
	return ($ret, $out, $err);
}

# (i) A server without pg_cron in shared_preload_libraries.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;

my ($ret, $out, $err) = $plain->psql('postgres', 'CREATE EXTENSION cbl');
is($ret, 0, 'CREATE EXTENSION cbl works without pg_cron') or diag($err);

($ret, $out, $err) =
  psql_verbose($plain, 'postgres', 'SELECT cbl.assert_pg_cron()');
isnt($ret, 0, 'cbl.assert_pg_cron() fails without pg_cron preloaded');
like($err, qr/ERROR:\s+LG004:/, '... with SQLSTATE LG004');
like($err, qr/HINT:[^\n]*shared_preload_libraries/,
	'... and a hint naming shared_preload_libraries');

$plain->stop;

# (ii) A server with pg_cron preloaded for database "postgres".
my $cron = PostgreSQL::Test::Cluster->new('cron');
$cron->init;
$cron->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
});
$cron->start;

($ret, $out, $err) = $cron->psql('postgres',
	"CREATE EXTENSION pg_cron;\nCREATE EXTENSION cbl;");
is($ret, 0, 'CREATE EXTENSION pg_cron, then cbl') or diag($err);

($ret, $out, $err) =
  psql_verbose($cron, 'postgres', 'SELECT cbl.assert_pg_cron()');
is($ret, 0, 'cbl.assert_pg_cron() succeeds with pg_cron preloaded and installed')
  or diag($err);

is($cron->safe_psql('postgres', 'SELECT count(*) FROM cron.job'),
	'0', 'installing cbl scheduled no job');

($ret, $out, $err) = $cron->psql('postgres',
	"SELECT cron.schedule('cbl-tap-nightly', '0 3 * * *', 'SELECT 1')");
is($ret, 0, 'cron.schedule() works next to cbl') or diag($err);
is( $cron->safe_psql(
		'postgres',
		"SELECT command || ' @ ' || schedule FROM cron.job WHERE jobname = 'cbl-tap-nightly'"
	),
	'SELECT 1 @ 0 3 * * *',
	'the scheduled job is in cron.job');

# A database where pg_cron is preloaded but not installed: still LG004.
$cron->safe_psql('postgres', 'CREATE DATABASE other');
($ret, $out, $err) = $cron->psql('other', 'CREATE EXTENSION cbl');
is($ret, 0, 'CREATE EXTENSION cbl in a database without pg_cron') or diag($err);
($ret, $out, $err) =
  psql_verbose($cron, 'other', 'SELECT cbl.assert_pg_cron()');
isnt($ret, 0,
	'cbl.assert_pg_cron() fails where pg_cron is not installed in the database');
like($err, qr/ERROR:\s+LG004:/, '... with SQLSTATE LG004');

$cron->stop;

done_testing();
