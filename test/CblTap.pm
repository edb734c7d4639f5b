# Helpers shared by the TAP scripts in test/t (run-tests.sh puts test/ on
# the include path).
package CblTap;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use Test::More;

our @EXPORT = qw(dump_restore cron_node);

# pg_dump -Fc of database $from, restored by pg_restore into a new database
# $to of the same node: both must exit 0 and print nothing (no warning, no
# duplicate key, no error).  Four assertions.
sub dump_restore
{
	my ($node, $from, $to) = @_;
	my $dump = $node->basedir . "/$from.dump";
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr($from) ],
		'>', \$out, '2>', \$err);
	ok($ok, "pg_dump -Fc of $from exits 0") or diag($err);
	is($err, '', 'pg_dump printed no warning or error');

	$node->safe_psql('postgres', qq{CREATE DATABASE "$to"});
	($out, $err) = ('', '');
	$ok = IPC::Run::run([ 'pg_restore', '-d', $node->connstr($to), $dump ],
		'>', \$out, '2>', \$err);
	ok($ok, "pg_restore into $to exits 0") or diag($err);
	is($err, '', 'pg_restore printed nothing: no duplicate key, no error');
	return;
}

# A started node with pg_cron preloaded for database postgres, pg_cron and
# cbl created there (one assertion).  pg_cron connects to run a job through
# the node's Unix socket directory: the test cluster listens on no TCP
# address.
sub cron_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	my $socket_dir = $node->host;
	$node->append_conf(
		'postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.host = '$socket_dir'
});
	$node->start;
	my ($ret, $out, $err) = $node->psql('postgres', "CREATE EXTENSION pg_cron;\nCREATE EXTENSION cbl;");
	is($ret, 0, 'CREATE EXTENSION pg_cron, then cbl') or diag($err);
	return $node;
}

1;
