# ALTER EXTENSION cbl UPDATE from every released version gives the same
# catalog as a fresh install of the current one (docs/upgrading.md).
#
# Each released version's full install script is kept, frozen, as
# test/upgrade/cbl--VERSION.sql and installed with the rest, so it can still
# be created.  For each: one database gets CREATE EXTENSION cbl VERSION
# 'VERSION', some data, and ALTER EXTENSION cbl UPDATE; another gets a fresh
# CREATE EXTENSION cbl.  The two must then have
#   - the same catalog, fact by fact (test/upgrade/fingerprint.sql: every
#     member, column, default, constraint, index, trigger, policy, view,
#     function body and setting, aggregate, type, operator class, ACL,
#     comment and pg_dump configuration table);
#   - the same shipped rows in every table of cbl's (the rows of users,
#     which pg_dump dumps from a configuration table, are left out);
# the data of the old version is still there and cbl still works on it.
use strict;
use warnings;

use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = dirname(__FILE__) . '/../..';
my $current;
{
	open my $fh, '<', "$root/cbl.control" or die "cbl.control: $!";
	while (<$fh>) { $current = $1 if /^default_version\s*=\s*'([^']+)'/; }
	close $fh;
}
die "no default_version in cbl.control" unless defined $current;

my @released = sort map { m{cbl--([0-9][^-]*)\.sql$} ? $1 : () }
  glob("$root/test/upgrade/cbl--*.sql");
@released = grep { $_ ne $current } @released;
if (!@released)
{
	plan skip_all => "no released version before $current (test/upgrade/cbl--VERSION.sql)";
}

my $fingerprint_sql = slurp_file("$root/test/upgrade/fingerprint.sql");

# The shipped rows of every cbl table, as text in a stable order.
my $shipped_rows_sql = q{
DO $$
DECLARE
  t record;
BEGIN
  CREATE TEMP TABLE shipped_rows (tbl text, row_text text);
  FOR t IN
    SELECT c.oid::regclass AS rel,
           (SELECT u.cond FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
             WHERE e.extname = 'cbl' AND u.cfg = c.oid) AS cond
      FROM pg_class c
      JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cbl'
     WHERE c.relkind = 'r'              -- a partitioned table's rows are its partitions'
  LOOP
    CONTINUE WHEN t.cond = '';          -- user data only
    EXECUTE format('INSERT INTO shipped_rows SELECT %L, x::text FROM ONLY %s x %s',
                   t.rel::text, t.rel,
                   CASE WHEN t.cond IS NULL THEN '' ELSE 'WHERE NOT (' || regexp_replace(t.cond, '^\s*WHERE\s+', '', 'i') || ')' END);
  END LOOP;
END $$;
SELECT tbl || ': ' || row_text FROM shipped_rows ORDER BY (tbl || ': ' || row_text) COLLATE "C";
};

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION cbl');
my $fresh_catalog = $node->safe_psql('fresh', $fingerprint_sql);
my $fresh_rows = $node->safe_psql('fresh', $shipped_rows_sql);
cmp_ok(length($fresh_catalog), '>', 10000, "the fingerprint of a fresh $current install is not empty");
is($node->safe_psql('fresh', q{SELECT extversion FROM pg_extension WHERE extname = 'cbl'}),
	$current, "a fresh install is $current");

# compare(label, got, expected): equal, or the lines that differ.
sub compare
{
	my ($label, $got, $want) = @_;
	return pass($label) if $got eq $want;
	my %w = map { $_ => 1 } split /\n/, $want;
	my %g = map { $_ => 1 } split /\n/, $got;
	my @missing = grep { !$g{$_} } split /\n/, $want;
	my @extra = grep { !$w{$_} } split /\n/, $got;
	fail($label);
	diag("only in the fresh install:\n  " . join("\n  ", @missing[0 .. ($#missing < 30 ? $#missing : 29)]))
	  if @missing;
	diag("only after the update:\n  " . join("\n  ", @extra[0 .. ($#extra < 30 ? $#extra : 29)]))
	  if @extra;
}

foreach my $old (@released)
{
	my $db = "from_" . ($old =~ s/\W/_/gr);
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION cbl VERSION '$old'");

	# Some data of the old version: a party, a shipment with events, a
	# user framework row and an FX rate.
	$node->safe_psql(
		$db, q{
INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES ('customer', 'UP-C', 'Upgrade customer', 'EUR');
SELECT cbl.create_shipment('UP-1', 'express_parcel', 'UP-C');
SELECT count(*) FROM cbl.ingest_events('[
  {"source": "dhl", "event_id": "1", "shipment": "UP-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "2", "shipment": "UP-1", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-01T09:00:00Z"}
]');
INSERT INTO cbl.fx_rate (base, quote, valid_on, rate, source) VALUES ('EUR', 'USD', '2026-03-01', 1.0822, 'ECB');
-- charges (one adjusting another, one voided) and a settled month with its statement lines
INSERT INTO cbl.party (kind, code, name) VALUES ('carrier', 'UP-K', 'Upgrade carrier');
UPDATE cbl.shipment SET carrier_id = cbl.party_id('carrier', 'UP-K') WHERE reference = 'UP-1';
SELECT cbl.add_charge('UP-1', NULL, 'receivable', 'FRT', '100.00 EUR', '2026-03-02T10:00:00Z');
SELECT cbl.add_charge('UP-1', NULL, 'payable', 'FRT', '61.50 EUR', '2026-03-02T10:00:00Z');
SELECT cbl.add_charge('UP-1', NULL, 'receivable', 'FSC', '12.00 USD', '2026-03-03T10:00:00Z');
SELECT cbl.add_charge('UP-1', NULL, 'receivable', 'DOC', '5.00 EUR', '2026-03-03T10:00:00Z');
SELECT cbl.void_charge(c.shipment_id, c.charge_no, 'entered twice')
  FROM cbl.charge c WHERE c.fee_code = 'DOC';
SELECT count(*) FROM cbl.settle('2026-03-01');
SELECT cbl.add_charge('UP-1', NULL, 'receivable', 'FRT', '-10.00 EUR', '2026-03-02T10:00:00Z', origin => 'adjustment',
                      adjusts_charge_no => (SELECT min(charge_no) FROM cbl.charge));
});
	my $data_sql = q{
SELECT s.reference, cbl.current_milestone(ss.state), (SELECT count(*) FROM cbl.event e WHERE e.shipment_id = s.id)
  FROM cbl.shipment s JOIN cbl.shipment_state ss ON ss.shipment_id = s.id ORDER BY 1;
SELECT base, quote, valid_on, rate FROM cbl.fx_rate WHERE source = 'ECB' ORDER BY 1, 2, 3;
SELECT c.charge_no, c.party_id, c.direction, c.fee_code, c.amount, c.accrued_at, c.origin, c.adjusts_charge_no,
       c.void_reason, c.created_at, cbl.charge_status(c)
  FROM cbl.charge c ORDER BY c.charge_no;
SELECT l.statement_no, l.line_no, l.kind, l.accrual_period, l.shipment_id, l.fee_code, l.amount, l.charge_nos
  FROM cbl.statement_line l ORDER BY 1, 2;
SELECT statement_no, party_code, direction, currency, total, line_count, charge_count FROM cbl.v_statement ORDER BY 1;
SELECT shipment_id, charge_no, statement_no, line_no FROM cbl.v_charge_line ORDER BY 1, 2;
};
	my $data_before = $node->safe_psql($db, $data_sql);
	like($data_before, qr/^UP-1\|PICKED_UP\|2$/m, "$old: data before the update");
	like($data_before, qr/^5\|.*\|adjustment\|1\|/m, "$old: ... with charges");
	like($data_before, qr/^2026-000001\|1\|charge\|/m, "$old: ... and statement lines");

	my ($ret, $out, $err) = $node->psql($db, 'ALTER EXTENSION cbl UPDATE');
	is($ret, 0, "$old: ALTER EXTENSION cbl UPDATE") or diag($err);
	is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'cbl'}),
		$current, "$old: ... now $current");

	compare("$old: the catalog after the update equals a fresh $current install",
		$node->safe_psql($db, $fingerprint_sql), $fresh_catalog);
	compare("$old: ... and so do the shipped rows",
		$node->safe_psql($db, $shipped_rows_sql), $fresh_rows);
	is($node->safe_psql($db, $data_sql), $data_before, "$old: the data of $old is unchanged");

	# cbl works on it: another event moves the shipment on.
	$node->safe_psql(
		$db, q{
SELECT count(*) FROM cbl.ingest_events('[
  {"source": "dhl", "event_id": "3", "shipment": "UP-1", "milestone": "DEPARTED", "classifier": "ACT", "occurred_at": "2026-03-01T12:00:00Z"}
]');
});
	like($node->safe_psql($db, $data_sql), qr/^UP-1\|DEPARTED\|3$/m,
		"$old: ingest goes on after the update");

	# The charges and lines are in the default partitions; create_partitions
	# moves them to their months, the numbering goes on after the old
	# charges, and the next month settles.
	is($node->safe_psql($db, q{
SELECT (SELECT count(*) FROM cbl.charge_default) || ' ' || (SELECT count(*) FROM cbl.statement_line_default)}),
		'5 3', "$old: the charges and statement lines are in the default partitions");
	$node->safe_psql($db, 'SELECT count(*) FROM cbl.create_partitions()');
	is($node->safe_psql($db, q{
SELECT (SELECT count(*) FROM cbl.charge_default) || ' ' || (SELECT count(*) FROM cbl.statement_line_default)
       || ' ' || (SELECT count(*) FROM cbl.charge) || ' ' || (SELECT count(*) FROM cbl.statement_line)}),
		'0 0 5 3', "$old: create_partitions moves them to monthly partitions");
	is($node->safe_psql($db, $data_sql), $data_before =~ s/^UP-1\|PICKED_UP\|2$/UP-1|DEPARTED|3/mr,
		"$old: ... unchanged");
	is($node->safe_psql($db, q{
SELECT (cbl.add_charge('UP-1', NULL, 'receivable', 'STO', '7.00 EUR', '2026-04-02T10:00:00Z')).charge_no}),
		'6', "$old: charge numbers go on after the old ones");
	like($node->safe_psql($db, q{
SELECT string_agg(statement_no || ' ' || total, ', ' ORDER BY statement_no) FROM cbl.settle('2026-04-01')}),
		qr/^2026-000003 -3\.00 EUR$/, "$old: the next month settles (with the late adjustment)");
}

$node->stop;
done_testing();
