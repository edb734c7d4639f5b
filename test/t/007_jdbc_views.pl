# The BI views through JDBC, as BI tools read them: test/jdbc/BiViews.java
# (run as a single-file program by the JDK, with Debian's
# libpostgresql-jdbc-java) lists the views of schema cbl through
# DatabaseMetaData, selects every row of each, and reports any column whose
# type maps to java.sql.Types.OTHER.  Every view of the schema is covered,
# those added later included; the data below gives most of them rows.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $jar = $ENV{CBL_JDBC_JAR} // '/usr/share/java/postgresql.jar';
my $java = `sh -c 'command -v java'`;
chomp $java;
if (!$java || !-f $jar)
{
	plan skip_all => "needs java and $jar (Debian: default-jdk-headless libpostgresql-jdbc-java; make deps)";
}

my $node = PostgreSQL::Test::Cluster->new('jdbc');
$node->init;
# JDBC speaks TCP only.
$node->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE bi');
$node->safe_psql(
	'bi', q{
CREATE EXTENSION cbl;
SET timezone = 'UTC';
INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES
  ('customer', 'ACME', 'Acme', 'EUR'), ('carrier', 'SKY', 'Sky Express', NULL);
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-03-01', 1.10);
SELECT cbl.create_shipment('BI-1', 'express_parcel', 'ACME', 'SKY', origin => 'DE', destination => 'FR');
SELECT cbl.ingest_events('[
  {"source": "sky", "event_id": "1", "shipment": "BI-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "sky", "event_id": "2", "shipment": "BI-1", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-03T08:00:00Z"},
  {"source": "sky", "event_id": "3", "shipment": "BI-1", "milestone": "IMPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-03T12:00:00Z"},
  {"source": "sky", "event_id": "4", "shipment": "BI-1", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-04T08:00:00Z"}]');
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-05 00:00+00');
SELECT cbl.add_charge('BI-1', NULL, 'receivable', 'FRT', '20.00 EUR', '2026-03-02 09:00+00');
SELECT cbl.add_charge('BI-1', NULL, 'payable', 'FRT', '11.00 USD', '2026-03-02 09:00+00');
SELECT cbl.add_charge('BI-1', NULL, 'payable', 'SSC', '1.50 EUR', '2026-03-02 09:00+00');
SELECT cbl.reconcile_invoice(cbl.import_carrier_invoice('{"carrier": "SKY", "invoice_no": "1", "invoice_date": "2026-03-31",
  "currency": "USD", "lines": [{"shipment": "BI-1", "fee_code": "FRT", "amount": 11.00}]}'));
});

my $views = $node->safe_psql('bi',
	q{SELECT string_agg(viewname, ' ' ORDER BY viewname) FROM pg_views WHERE schemaname = 'cbl'});
my @views = split ' ', $views;
ok(@views >= 10, 'schema cbl has views: ' . scalar(@views));

my $url = sprintf('jdbc:postgresql://127.0.0.1:%d/bi?user=%s', $node->port,
	$ENV{PGUSER} // scalar(getpwuid($<)));
my ($stdout, $stderr);
my $ok = IPC::Run::run([ $java, '-cp', $jar, 'test/jdbc/BiViews.java', $url ],
	'>', \$stdout, '2>', \$stderr);
note($stderr) if $stderr;
ok($ok, 'BiViews.java ran and found no column of type OTHER') or diag($stdout);

my %seen;
for my $line (split /\n/, $stdout)
{
	if ($line =~ /^VIEW cbl\.(\S+) columns=(\d+) rows=(\d+) other=(.*)$/)
	{
		$seen{$1} = 1;
		is($4, '', "cbl.$1 ($2 columns, $3 rows): no column maps to Types.OTHER");
	}
	elsif ($line =~ /^ERROR (.*)$/)
	{
		fail("query failed: $1");
	}
	elsif ($line =~ /^DRIVER (.*)$/)
	{
		note("JDBC driver: $1");
	}
}
is( join(' ', grep { !$seen{$_} } @views),
	'', 'every view of schema cbl was read through JDBC');
my $rows = $node->safe_psql('bi',
	q{SELECT (SELECT count(*) FROM cbl.v_charge) || ' ' || (SELECT count(*) FROM cbl.v_reconciliation) || ' '
	        || (SELECT count(*) FROM cbl.v_margin) || ' ' || (SELECT count(*) FROM cbl.v_kpi_monthly)});
# v_kpi_monthly: two rows, March's charges and this month's shipment (made
# today: the month its id carries)
is($rows, '3 2 1 2', 'the money views had rows to read');

$node->stop;
done_testing();
