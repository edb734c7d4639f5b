# The server is killed (immediate stop) in the middle of a monthly
# settlement run.  After the restart the run log still shows the run as
# running with the parties it committed; the next run marks it interrupted,
# settles the parties left and closes the month; and the statements, their
# lines and the settled charges are exactly those of an uninterrupted run
# on identical data (docs/settlement.md).
#
# The run is made slow with a trigger of the test's own on cbl.statement
# that sleeps 0.2 s in each party's transaction, so that the kill lands
# while parties are still to do.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('settle_crash');
$node->init;
$node->start;

# The same month in two databases: "crash" is interrupted, "clean" is not.
# 40 customers (billing in EUR or USD, every fifth without a billing
# currency), a carrier, an agent with a commission rule; 80 shipments of
# March 2025 with charges in both currencies, receivable and payable.
my $data = q{
CREATE EXTENSION cbl;
SELECT cbl.set_fx_rate('EUR', 'USD', '2025-03-01', 1.08);
SELECT cbl.set_fx_rate('EUR', 'USD', '2025-03-15', 1.09);
INSERT INTO cbl.party (kind, code, name, billing_currency)
SELECT 'customer', 'CRA-' || lpad(i::text, 3, '0'), 'Customer ' || i,
       CASE WHEN i % 5 = 0 THEN NULL WHEN i % 2 = 0 THEN 'EUR' ELSE 'USD' END
  FROM generate_series(1, 40) i;
INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES
  ('carrier', 'CRA-CARRIER', 'Carrier', 'USD'), ('agent', 'CRA-AGENT', 'Agent', 'EUR');
INSERT INTO cbl.commission_rule (agent_id, basis, percent, valid)
SELECT id, 'margin', 7.5, '[2025-01-01,)' FROM cbl.party WHERE code = 'CRA-AGENT';
SELECT count(cbl.create_shipment('CRA-S' || lpad(s::text, 3, '0'), 'express_parcel',
                                 'CRA-' || lpad(((s - 1) % 40 + 1)::text, 3, '0'), 'CRA-CARRIER',
                                 CASE WHEN s % 3 = 0 THEN 'CRA-AGENT' END))
  FROM generate_series(1, 80) s;
SELECT count(*) FROM generate_series(1, 80) s
 CROSS JOIN (VALUES ('receivable', 'FRT', 'USD', 40.00), ('receivable', 'FSC', 'USD', 4.125),
                    ('receivable', 'THC', 'EUR', 12.50), ('payable', 'FRT', 'USD', 25.005)) f (dir, fee, ccy, base)
 CROSS JOIN LATERAL cbl.add_charge('CRA-S' || lpad(s::text, 3, '0'), NULL, f.dir, f.fee,
                                   cbl.amount(f.base + s * 0.37, f.ccy),
                                   timestamptz '2025-03-01 00:00+00' + s * interval '8 hours 13 minutes') c;
};
for my $db ('crash', 'clean')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, $data);
}
my $parties = $node->safe_psql('crash',
	q{SELECT count(*) FROM cbl.party WHERE code LIKE 'CRA-%'});
is($parties, '42', '42 parties with charges or commission rules in each database');

# The uninterrupted run.
my ($ret, $out, $err) =
  $node->psql('clean', q{CALL cbl.run_monthly_settlement('2025-03-01')});
is($ret, 0, 'the uninterrupted run succeeds') or diag($err);
my $clean_statements =
  $node->safe_psql('clean', q{SELECT count(*) FROM cbl.statement});
is( $node->safe_psql('clean',
		q{SELECT status || ' ' || parties_done || ' ' || statements FROM cbl.settlement_run}),
	"done 42 $clean_statements",
	"... and settles the 42 parties in $clean_statements statements");

# The run to be killed, slowed down party by party.
$node->safe_psql(
	'crash', q{
CREATE FUNCTION public.slow_statement() RETURNS trigger LANGUAGE plpgsql AS
  'BEGIN PERFORM pg_sleep(0.2); RETURN NULL; END';
CREATE TRIGGER slow_statement AFTER INSERT ON cbl.statement
  FOR EACH STATEMENT EXECUTE FUNCTION public.slow_statement();
});
my ($run_out, $run_err) = ('', '');
my $run = IPC::Run::start(
	[
		'psql', '-XAtq', '-d', $node->connstr('crash'),
		'-c', q{CALL cbl.run_monthly_settlement('2025-03-01')}
	],
	'>', \$run_out, '2>', \$run_err);
ok( $node->poll_query_until(
		'crash',
		q{SELECT parties_done >= 10 FROM cbl.settlement_run WHERE status = 'running'}),
	'the run is under way: 10 parties committed');
$node->stop('immediate');
$run->finish;
isnt($run_err, '', 'the killed run\'s session lost its connection');
$node->start;

# After the restart: the log shows the run as it was when the server died.
my $log = $node->safe_psql('crash',
	q{SELECT status || ' ' || parties_total || ' ' || parties_done || ' ' || statements
	    FROM cbl.settlement_run ORDER BY run_id});
like($log, qr/^running 42 \d+ \d+$/,
	'after the restart the run log shows the run still running') or diag($log);
my ($done_before, $statements_before) = $log =~ /^running 42 (\d+) (\d+)$/;
cmp_ok($done_before, '>=', 10, "... with the $done_before parties it committed");
cmp_ok($done_before, '<', 42, '... and not all of them');
is( $node->safe_psql('crash',
		q{SELECT count(*) = (SELECT statements FROM cbl.settlement_run) FROM cbl.statement}),
	't',
	'the statements in the table are exactly those the log counts (the party in progress was lost whole)');
is($node->safe_psql('crash', q{SELECT status FROM cbl.period}),
	'open', 'the month is still open');

# A re-run finishes the rest.
$node->safe_psql('crash', 'DROP TRIGGER slow_statement ON cbl.statement');
($ret, $out, $err) =
  $node->psql('crash', q{CALL cbl.run_monthly_settlement('2025-03-01')});
is($ret, 0, 'a re-run succeeds') or diag($err);
is( $node->safe_psql('crash',
		q{SELECT string_agg(status || ' ' || parties_done || ' ' || statements, ', ' ORDER BY run_id)
		    FROM cbl.settlement_run}),
	"interrupted $done_before $statements_before, done "
	  . (42 - $done_before) . ' ' . ($clean_statements - $statements_before),
	'the killed run is marked interrupted; the re-run settled the parties left');
like(
	$node->safe_psql('crash',
		q{SELECT error FROM cbl.settlement_run WHERE status = 'interrupted'}),
	qr/session ended/,
	'... and the log says why');
is($node->safe_psql('crash', q{SELECT status FROM cbl.period}),
	'closed', 'the month is closed');

# The same statements as the uninterrupted run, to the last line and charge.
my %queries = (
	'statements' => q{
	  SELECT s.statement_no, p.code, s.direction, s.currency, s.total, s.line_count, s.charge_count
	    FROM cbl.statement s JOIN cbl.party p ON p.id = s.party_id ORDER BY s.statement_no},
	'lines' => q{
	  SELECT l.statement_no, l.line_no, l.kind, l.accrual_period, sh.reference, l.fee_code, l.direction,
	         l.charge_count, l.charge_amount, l.fx_rate_num, l.fx_rate_den, l.fx_rate_date, l.fx_via, l.amount
	    FROM cbl.statement_line l JOIN cbl.shipment sh ON sh.id = l.shipment_id
	   ORDER BY l.statement_no, l.line_no},
	'charges' => q{
	  SELECT sh.reference, p.code, c.direction, c.fee_code, c.amount, c.origin, cbl.charge_status(c), x.statement_no,
	         x.line_no, c.trigger_key
	    FROM cbl.charge c JOIN cbl.shipment sh ON sh.id = c.shipment_id JOIN cbl.party p ON p.id = c.party_id
	    LEFT JOIN cbl.v_charge_line x ON x.shipment_id = c.shipment_id AND x.charge_no = c.charge_no
	   ORDER BY sh.reference, c.charge_no},
	'numbers' => q{
	  SELECT year, count(*), max(seq), (SELECT last_seq FROM cbl.statement_counter c WHERE c.year = s.year)
	    FROM cbl.statement s GROUP BY year});
for my $what (sort keys %queries)
{
	my $crash = $node->safe_psql('crash', $queries{$what});
	my $clean = $node->safe_psql('clean', $queries{$what});
	isnt($crash, '', "there are $what");
	is($crash, $clean, "$what after the crash and re-run = $what of the uninterrupted run");
}
is( $node->safe_psql('crash',
		q{SELECT count(*) FROM cbl.charge c WHERE cbl.charge_status(c) <> 'settled'}),
	'0', 'every charge is settled');

$node->stop;
done_testing();
