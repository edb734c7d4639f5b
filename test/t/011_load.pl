# Load: 8 pgbench clients ingest overlapping, duplicated, changed and
# out-of-order events (canonical JSON and DCSA) for the same shipments while
# a ninth settles month after month, the charges the events accrue through
# billing triggers and rate cards competing with the settlement.  Afterwards
# every event is stored once, states equal a recomputation from the stored
# events, every charge exists once, is what the final states call for and is
# on at most one statement, statements add up, and no client saw an error
# other than a retried serialization failure or deadlock (docs/testing.md).
#
# The scripts and the data are in test/load/.  Sizes: small in "make test"
# (bounded by transaction counts), large under "make stress"
# (CBL_STRESS=1, bounded by time: pgbench -T).  Nothing asserts on time.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $stress = $ENV{CBL_STRESS} ? 1 : 0;
my %size =
  $stress
  ? (shipments => 3000, customers => 60, width => 8, per => 3,
	ingest => [ '-T', 120 ], settle => [ '-T', 120 ], close_every => 8, pause => 300)
  : (shipments => 240, customers => 12, width => 4, per => 2,
	ingest => [ '-t', 30 ], settle => [ '-t', 40 ], close_every => 5, pause => 100);
note(($stress ? 'stress' : 'small')
	  . " size: $size{shipments} shipments, $size{customers} customers, 8 ingest clients @{$size{ingest}}, "
	  . "1 settling client @{$size{settle}}");

my $node = PostgreSQL::Test::Cluster->new('load');
$node->init;
# The SQLSTATE of every logged error, to tell retried serialization failures
# (40001) and deadlocks (40P01) from anything else.
$node->append_conf('postgresql.conf', q{
log_line_prefix = '%m [%p] %e '
max_connections = 40
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE ld');
$node->safe_psql('ld', slurp_file('test/load/setup.sql'),
	extra_params => [ '-v', 'ON_ERROR_STOP=1', '-v', "shipments=$size{shipments}", '-v',
		"customers=$size{customers}" ]);
my $log_offset = -s $node->logfile;

# Both pgbench runs at once: 8 ingest clients, 1 settling client.
# --max-tries retries serialization failures and deadlocks (and only those);
# any other error aborts its client and makes pgbench exit non-zero.
my @common = ('pgbench', '-n', '--max-tries=100', '--failures-detailed', '--verbose-errors');
my ($ing_out, $ing_err, $set_out, $set_err) = ('', '', '', '');
my $ingest = IPC::Run::start(
	[
		@common, '-c', 8, '-j', 2, @{ $size{ingest} },
		'-f', 'test/load/ingest.sql',
		'-D', "shipments=$size{shipments}", '-D', "width=$size{width}", '-D', "per=$size{per}",
		$node->connstr('ld')
	],
	'>', \$ing_out, '2>', \$ing_err);
my $settle = IPC::Run::start(
	[
		@common, '-c', 1, @{ $size{settle} },
		'-f', 'test/load/settle.sql',
		'-D', "shipments=$size{shipments}", '-D', "customers=$size{customers}",
		'-D', "close_every=$size{close_every}",
		'-D', "pause=$size{pause}",
		$node->connstr('ld')
	],
	'>', \$set_out, '2>', \$set_err);
$ingest->finish;
my $ingest_rc = $? >> 8;
$settle->finish;
my $settle_rc = $? >> 8;

# pgbench's output next to the node's logs (tmp_check/log/).
for my $run ([ 'ingest', $ing_out, $ing_err ], [ 'settle', $set_out, $set_err ])
{
	open(my $fh, '>', "$PostgreSQL::Test::Utils::log_path/011_load_pgbench_$run->[0].log")
	  or die "cannot write the pgbench log: $!";
	print $fh $run->[1], "\n--- stderr\n", $run->[2];
	close($fh);
}

# What pgbench says: processed, failed, retried.
sub pgbench_report
{
	my ($who, $rc, $out, $err) = @_;
	my ($processed) = $out =~ /number of transactions actually processed: (\d+)/;
	my ($failed)    = $out =~ /number of failed transactions: (\d+)/;
	my ($retried)   = $out =~ /number of transactions retried: (\d+)/;
	my ($retries)   = $out =~ /total number of retries: (\d+)/;
	my ($ser)       = $out =~ /number of serialization failures: (\d+)/;
	my ($dead)      = $out =~ /number of deadlock failures: (\d+)/;
	is($rc, 0, "$who: pgbench exits 0 (no client aborted on an error)")
	  or diag("stdout:\n$out\nstderr:\n" . join("\n", grep { !/NOTICE/ } split /\n/, $err));
	ok(defined $processed && $processed > 0, "$who: pgbench processed transactions")
	  or diag($out);
	is($failed, 0, "$who: no failed transaction (serialization failures and deadlocks were retried)");
	note("$who: "
		  . ($processed // '?')
		  . " transactions, "
		  . ($retried // '?')
		  . " retried ($ser serialization failures, $dead deadlocks unresolved; "
		  . ($retries // '?')
		  . " retries in all)");
	my ($per_client) = $out =~ /number of transactions per client: (\d+)/;
	my ($clients)    = $out =~ /number of clients: (\d+)/;
	if (defined $per_client)
	{
		is($processed, $per_client * $clients, "$who: every client did its $per_client transactions");
	}
	return ($processed // 0, $retries // 0);
}
my ($ing_tx, $ing_retries) = pgbench_report('ingest', $ingest_rc, $ing_out, $ing_err);
my ($set_tx, $set_retries) = pgbench_report('settle', $settle_rc, $set_out, $set_err);

# The server log of the run: errors only with SQLSTATE 40001 or 40P01
# (serialization failure, deadlock), which pgbench retried.
my $log = slurp_file($node->logfile, $log_offset);
my @errors = grep { /\b(?:ERROR|FATAL|PANIC):/ } split /\n/, $log;
my @other = grep { !/ (?:40001|40P01) (?:ERROR|FATAL|PANIC):/ } @errors;
is(scalar(@other), 0, 'the server logged no error but serialization failures and deadlocks')
  or diag(join("\n", @other[ 0 .. ($#other < 20 ? $#other : 19) ]));
note(scalar(@errors) . ' serialization failures or deadlocks in the server log');

my $q = sub { $node->safe_psql('ld', shift) };

# --- Events -----------------------------------------------------------------
my $sent = $q->(q{SELECT count(*), count(DISTINCT (source, event_id)) FROM ld.sent});
my ($elements, $identities) = split /\|/, $sent;
note("sent $elements elements, $identities distinct events, in $ing_tx transactions");
is( $q->(q{SELECT sum(accepted + duplicate + updated + conflict + retracted + rejected + pending) = sum(elements)
	           AND sum(elements) = (SELECT count(*) FROM ld.sent) FROM ld.result}),
	't', 'every element sent has one outcome');
is($q->(q{SELECT sum(rejected) + sum(pending) + sum(retracted) FROM ld.result}),
	'0', 'none rejected, pending or retracted');
is( $q->(q{SELECT count(*) FROM (SELECT DISTINCT source, event_id FROM cbl.event) e
	         FULL JOIN (SELECT DISTINCT source, event_id FROM ld.sent) s USING (source, event_id)
	        WHERE e.source IS NULL OR s.source IS NULL}),
	'0', 'the events stored are exactly the events sent');
is( $q->(q{SELECT (SELECT sum(accepted) FROM ld.result) = count(DISTINCT (source, event_id))
	              AND (SELECT sum(accepted + updated) FROM ld.result) = count(*)
	         FROM cbl.event}),
	't', 'one revision stored per accepted or updated element, one event per accepted element');
is( $q->(q{SELECT count(*) FROM (SELECT source, event_id, count(*) AS n, max(revision) AS m,
	                                    count(DISTINCT content_hash) AS h, count(DISTINCT shipment_id) AS s
	                               FROM cbl.event GROUP BY source, event_id) x
	        WHERE n <> m OR h <> n OR s <> 1}),
	'0', 'each event has revisions 1..n of distinct contents on one shipment (nothing stored twice)');
is( $q->(q{SELECT count(*) FROM cbl.event a JOIN cbl.event b USING (shipment_id, source, event_id)
	        WHERE b.revision = a.revision + 1 AND NOT b.updated_at > a.updated_at}),
	'0', 'each revision was issued later than the one before');
is( $q->(q{SELECT count(*)
	         FROM (SELECT DISTINCT ON (source, event_id) source, event_id, updated_at
	                 FROM cbl.event ORDER BY source, event_id, revision DESC) cur
	         JOIN (SELECT source, event_id, max(updated_at) AS latest FROM ld.sent GROUP BY 1, 2) s
	           USING (source, event_id)
	        WHERE cur.updated_at <> s.latest}),
	'0', 'the current revision of every event is the latest version sent');
is( $q->(q{SELECT count(*) FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id
	        WHERE e.event_id NOT LIKE s.reference || '-%'}),
	'0', 'every event is on the shipment it names');

# The stored states against a recomputation from the stored events (the
# query of cbl.derive_states).
is( $q->(q{
	WITH derived AS (
	  SELECT s.id AS shipment_id, st.state
	    FROM cbl.shipment s
	    JOIN cbl.framework f ON f.code = s.framework
	    CROSS JOIN LATERAL (
	      SELECT cbl.milestone_agg(cbl.milestone_state(f.id, m.id, c.classifier, c.occurred_at,
	                                                   c.updated_at, coalesce(src.priority, 100), c.event_key))
	               FILTER (WHERE NOT c.retracted AND NOT c.partial) AS state
	        FROM (SELECT DISTINCT ON (e.source, e.event_id) e.*
	                FROM cbl.event e WHERE e.shipment_id = s.id
	               ORDER BY e.source, e.event_id, e.revision DESC) c
	        JOIN cbl.milestone m ON m.code = c.milestone
	        LEFT JOIN cbl.source src ON src.code = c.source) st
	   WHERE s.reference LIKE 'LD-S%' AND EXISTS (SELECT 1 FROM cbl.event e WHERE e.shipment_id = s.id))
	SELECT count(*) FILTER (WHERE ss.state IS NULL OR ss.state::text <> d.state::text) || ' of ' || count(*)
	  FROM derived d LEFT JOIN cbl.shipment_state ss USING (shipment_id)}),
	$q->(q{SELECT '0 of ' || count(DISTINCT shipment_id) FROM cbl.event}),
	'every stored state equals the state recomputed from the stored events');
is( $q->(q{SELECT count(*) FROM cbl.shipment_state ss
	        WHERE NOT EXISTS (SELECT 1 FROM cbl.event e WHERE e.shipment_id = ss.shipment_id)}),
	'0', 'no state without events');

# Exceptions: the settling client scanned for them during the load; a last
# scan leaves open exactly what detection finds on the final states.
$q->(q{SELECT cbl.scan_exceptions(timestamptz '2026-01-01 00:00+00')});
my $exceptions = $q->(q{SELECT count(*) FROM cbl.exception WHERE resolved_at IS NULL});
ok($exceptions > 0, "the load raised exceptions ($exceptions open)");
is( $q->(q{SELECT count(*) FROM (SELECT shipment_id, kind, milestone FROM cbl.exception WHERE resolved_at IS NULL) o
	         FULL JOIN cbl.detect_exceptions(timestamptz '2026-01-01 00:00+00') d USING (shipment_id, kind, milestone)
	        WHERE o.kind IS NULL OR d.kind IS NULL}),
	'0', 'the open exceptions are exactly those detected on the final states');

# --- Charges ----------------------------------------------------------------
my $charges = $q->(q{SELECT count(*) FROM cbl.charge});
ok($charges > 0, "the events accrued charges ($charges)");
is( $q->(q{SELECT count(*) - count(DISTINCT (shipment_id, trigger_key)) FROM cbl.charge}),
	'0', 'every charge exists once (one per shipment and trigger key)');
is($q->(q{SELECT count(*) FROM cbl.v_billing_problem}), '0', 'no billing problem');
# Accruing again from the final states, forced, writes nothing: the charges
# are exactly what the states call for (none lost, none twice).
is($q->(q{SELECT cbl.accrue_charges(array_agg(id), force => true) FROM cbl.shipment}),
	'0', 'the charges are exactly what the final states call for (a forced re-accrual writes nothing)');
is( $q->(q{SELECT count(*) FROM cbl.shipment s
	         JOIN cbl.shipment_state st ON st.shipment_id = s.id
	        WHERE cbl.milestone_time(st.state, 'PICKED_UP') IS NOT NULL
	          AND NOT EXISTS (SELECT 1 FROM cbl.charge c WHERE c.shipment_id = s.id
	                             AND c.trigger_key = 'PICKED_UP:accrue_buy_card:FRT')}),
	'0', 'every shipment picked up has its carrier freight charge');

# Statements: every settled charge is behind exactly one line, each line is
# exactly its charges, each statement exactly its lines.
my $invariants = q{
SELECT (SELECT count(*) FROM cbl.charge c
         WHERE (cbl.charge_status(c) = 'settled')
               <> EXISTS (SELECT 1 FROM cbl.v_charge_line k
                           WHERE k.shipment_id = c.shipment_id AND k.charge_no = c.charge_no))
     + (SELECT count(*) FROM (SELECT shipment_id, charge_no FROM cbl.v_charge_line
                               GROUP BY 1, 2 HAVING count(*) > 1) twice)
     + (SELECT count(*) FROM cbl.statement_line l
         LEFT JOIN LATERAL (SELECT count(*)::integer AS n, cbl.sum(x.amount)::text AS total
                              FROM unnest(l.charge_nos) k(charge_no)
                              JOIN cbl.charge x ON x.shipment_id = l.shipment_id AND x.charge_no = k.charge_no
                                                AND x.party_id = l.party_id) g ON true
        WHERE g.n <> l.charge_count OR g.total IS DISTINCT FROM l.charge_amount::text)
     + (SELECT count(*) FROM cbl.statement s
         LEFT JOIN (SELECT party_id, statement_no, cbl.sum(amount)::text AS total, count(*)::integer AS lines,
                           sum(charge_count)::integer AS charges
                      FROM cbl.statement_line GROUP BY 1, 2) t USING (party_id, statement_no)
        WHERE t.total IS DISTINCT FROM s.total::text OR t.lines <> s.line_count OR t.charges <> s.charge_count)
     + (SELECT count(*) FROM (SELECT year, count(*) AS n, max(seq) AS m FROM cbl.statement GROUP BY year) y
         LEFT JOIN cbl.statement_counter c USING (year) WHERE y.n <> y.m OR c.last_seq IS DISTINCT FROM y.m)
};
is($q->($invariants), '0',
	'after the load: settled charges = their lines, lines = their statements, numbers gapless');
my $during = $q->(q{
	SELECT (SELECT count(*) FROM cbl.period WHERE status = 'closed') || ' months closed, '
	    || (SELECT count(*) FROM cbl.statement) || ' statements, '
	    || (SELECT count(*) FROM cbl.statement_line WHERE kind = 'adjustment') || ' adjustment lines (late charges), '
	    || (SELECT count(*) FROM cbl.charge c WHERE cbl.charge_status(c) = 'settled') || ' charges settled, '
	    || (SELECT count(*) FROM cbl.charge c WHERE cbl.charge_status(c) = 'open') || ' open, '
	    || (SELECT count(*) FROM cbl.charge WHERE origin = 'adjustment') || ' re-rate adjustments'});
note("during the load: $during");
is( $q->(q{SELECT string_agg(DISTINCT status, ',') FROM cbl.settlement_run}),
	'done', 'every monthly run during the load ended done');

# Settle what is left, month by month (the months of 2025 still open, then,
# while charges are open, the months after the last closed one: charges
# that came after December was closed), then every charge is settled once.
my $left = 0;
for (my $i = 0; $i < 24; $i++)
{
	my $m = $q->(q{
		SELECT coalesce(ld.open_month(NULL),
		                CASE WHEN EXISTS (SELECT 1 FROM cbl.charge c WHERE cbl.charge_status(c) = 'open')
		                     THEN (SELECT max(period_start) FROM cbl.period) + interval '1 month' END)::date});
	last if !defined $m || $m eq '';
	my ($ret, $out, $err) = $node->psql('ld', "CALL cbl.run_monthly_settlement('$m')");
	is($ret, 0, "the monthly run of $m after the load succeeds") or diag($err);
	$left++;
}
is($q->(q{SELECT count(*) FROM cbl.charge c WHERE cbl.charge_status(c) <> 'settled'}),
	'0', 'after settling every month: every charge is settled');
is($q->($invariants), '0', '... each on exactly one line of one statement, and everything adds up');
is( $q->(q{SELECT count(*) FROM (SELECT party_id, period_start, direction, currency FROM cbl.statement
	                               GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) x}),
	'0', 'one statement per party, month, direction and currency');
# In each currency, the statements of a party add up to the charges
# converted line by line: the sum of the lines' unrounded charge amounts is
# the sum of all its charges.
is( $q->(q{SELECT count(*) FROM (SELECT party_id, cbl.currency(amount) AS ccy, cbl.sum(amount)::text AS t
	                               FROM cbl.charge GROUP BY 1, 2) c
	         FULL JOIN (SELECT party_id, cbl.currency(charge_amount) AS ccy, cbl.sum(charge_amount)::text AS t
	                      FROM cbl.statement_line GROUP BY 1, 2) l USING (party_id, ccy)
	        WHERE c.t IS DISTINCT FROM l.t}),
	'0', 'per party and currency, the statement lines hold exactly the charges');

$node->stop;
done_testing();
