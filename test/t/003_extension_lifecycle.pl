# CREATE EXTENSION cbl, then DROP EXTENSION cbl, leaves the catalogs exactly
# as they were: no schema, type, function, operator, operator class or
# family, cast, comment or dependency of cbl's is left behind, and cbl can
# be installed again.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my @catalogs = qw(
  pg_namespace pg_class pg_type pg_proc pg_aggregate pg_operator
  pg_opclass pg_opfamily pg_amop pg_amproc pg_cast pg_depend
  pg_description pg_init_privs pg_extension);

sub catalog_counts
{
	my ($node) = @_;
	my $sql = join(",\n",
		map { "(SELECT count(*) FROM pg_catalog.$_)" } @catalogs);
	my @n = split /\|/, $node->safe_psql('postgres', "SELECT $sql");
	my %counts;
	@counts{@catalogs} = @n;
	return %counts;
}

# Objects that name cbl, wherever they were created.
my $named_cbl = q{
SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'cbl')
     + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'cbl' OR t.typname LIKE 'cbl%')
     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'cbl' OR p.proname LIKE 'cbl%' OR p.probin LIKE '%cbl%')
     + (SELECT count(*) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
         WHERE n.nspname = 'cbl')
     + (SELECT count(*) FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace
         WHERE n.nspname = 'cbl' OR c.opcname LIKE '%cbl%')
     + (SELECT count(*) FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace
         WHERE n.nspname = 'cbl' OR f.opfname LIKE '%cbl%')
     + (SELECT count(*) FROM pg_extension WHERE extname = 'cbl')
};

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my %before = catalog_counts($node);
is($node->safe_psql('postgres', $named_cbl), '0', 'nothing of cbl before');

$node->safe_psql('postgres', 'CREATE EXTENSION cbl');
my %installed = catalog_counts($node);
is($installed{pg_namespace}, $before{pg_namespace} + 1,
	'CREATE EXTENSION added schema cbl');
cmp_ok($installed{pg_type}, '>', $before{pg_type}, '... and types');
cmp_ok($installed{pg_proc}, '>', $before{pg_proc}, '... and functions');
cmp_ok($installed{pg_operator}, '>', $before{pg_operator}, '... and operators');

# A user column of a cbl type holds DROP EXTENSION back (no silent loss).
my ($ret, $out, $err) = $node->psql('postgres',
	'CREATE TABLE public.ledger (id int, amount cbl.amount)');
is($ret, 0, 'a user table with a cbl.amount column') or diag($err);
if ($ret == 0)
{
	($ret, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cbl');
	isnt($ret, 0,
		'DROP EXTENSION without CASCADE refuses while a column uses cbl.amount');
	like($err, qr/other objects depend on it/, '... naming the dependency');
	$node->safe_psql('postgres', 'DROP TABLE public.ledger');
}

($ret, $out, $err) = $node->psql('postgres', 'DROP EXTENSION cbl');
is($ret, 0, 'DROP EXTENSION cbl') or diag($err);

my %after = catalog_counts($node);
foreach my $cat (@catalogs)
{
	is($after{$cat}, $before{$cat}, "$cat: as many rows as before CREATE EXTENSION");
}
is($node->safe_psql('postgres', $named_cbl), '0', 'no object names cbl after DROP');

# And it installs again, cleanly.
($ret, $out, $err) = $node->psql('postgres', 'CREATE EXTENSION cbl');
is($ret, 0, 'CREATE EXTENSION cbl again after DROP') or diag($err);
my %again = catalog_counts($node);
is_deeply(\%again, \%installed, 'the second install made the same objects');
$node->safe_psql('postgres', 'DROP EXTENSION cbl');

$node->stop;
done_testing();
