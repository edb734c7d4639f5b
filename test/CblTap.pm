# Helpers shared by the TAP scripts in test/t (run-tests.sh puts test/ on
# the include path).
package CblTap;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
use Test::More;

our @EXPORT = qw(dump_restore);

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

1;
