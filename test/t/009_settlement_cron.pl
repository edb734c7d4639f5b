# The monthly settlement on pg_cron: cbl.schedule_monthly_settlement()
# creates one job (calling it again changes that job, never adds one); the
# job actually runs (pg_cron 1.4 has minute resolution: the test schedules
# it every minute and polls until it has run), and its run appears both in
# pg_cron's log (cron.job_run_details) and in cbl's (cbl.settlement_run),
# with the same process id; cbl.unschedule_monthly_settlement() removes it.
# (Without pg_cron both fail with SQLSTATE LG004: sql/settlement_cron.sql.)
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CblTap;

my $node = cron_node('settle_cron');
my ($ret, $out, $err);

# Something to settle: a charge in the month before this one (the job
# settles the previous month in the billing time zone, UTC here).
$node->safe_psql(
	'postgres', q{
INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES ('customer', 'CRON-C', 'Cron customer', 'EUR');
SELECT cbl.create_shipment('CRON-S1', 'express_parcel', 'CRON-C');
SELECT cbl.add_charge('CRON-S1', NULL, 'receivable', 'FRT', '99.50 EUR',
                      date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '10 days');
});

my $job_sql = q{SELECT count(*) || ' ' || string_agg(schedule || ' | ' || command || ' | ' || database, ',')
  FROM cron.job WHERE jobname = 'cbl_monthly_settlement'};

($ret, $out, $err) =
  $node->psql('postgres', 'SELECT cbl.schedule_monthly_settlement()');
is($ret, 0, 'cbl.schedule_monthly_settlement() with pg_cron') or diag($err);
my $jobid = $out;
like($jobid, qr/^\d+$/, '... returns the job id');
is( $node->safe_psql('postgres', $job_sql),
	'1 0 2 1 * * | CALL cbl.run_monthly_settlement() | postgres',
	'one job, at 02:00 on the 1st of each month, calling the run in this database');

($ret, $out, $err) = $node->psql('postgres',
	"SELECT cbl.schedule_monthly_settlement('* * * * *')");
is($ret, 0, 'scheduling again, every minute') or diag($err);
is($out, $jobid, '... gives the same job');
is( $node->safe_psql('postgres', $job_sql),
	'1 * * * * * | CALL cbl.run_monthly_settlement() | postgres',
	'... still one job, with the new schedule');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'),
	'1', 'no other job was added');

# Wait for pg_cron to run it (at the next minute).
ok( $node->poll_query_until(
		'postgres',
		qq{SELECT EXISTS (SELECT 1 FROM cron.job_run_details
		                   WHERE jobid = $jobid AND status IN ('succeeded', 'failed'))}),
	'pg_cron ran the job');
is( $node->safe_psql(
		'postgres',
		qq{SELECT status || ' ' || return_message FROM cron.job_run_details
		    WHERE jobid = $jobid ORDER BY runid LIMIT 1}),
	'succeeded CALL',
	'... and it succeeded');

# The same run in cbl's log: the session pg_cron ran the job in.
my $run = $node->safe_psql(
	'postgres', qq{
SELECT r.status, r.period_start = (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date,
       r.parties_done, r.statements, r.totals, r.started_by = d.username, r.application_name
  FROM cron.job_run_details d
  JOIN cbl.settlement_run r ON r.backend_pid = d.job_pid AND r.started_at BETWEEN d.start_time - interval '1 minute' AND coalesce(d.end_time, 'infinity')
 WHERE d.jobid = $jobid
 ORDER BY d.runid LIMIT 1});
like($run, qr/^done\|t\|1\|1\|\{"receivable": \{"EUR": 99.50\}\}\|t\|/,
	'the run is in cbl.settlement_run with pg_cron\'s process id: it settled last month')
  or diag($run);
note("cbl.settlement_run of the job: $run");
is( $node->safe_psql(
		'postgres', q{SELECT cbl.charge_status(s) || ' ' || st.total
		  FROM cbl.charge s
		  JOIN cbl.v_charge_line x ON x.shipment_id = s.shipment_id AND x.charge_no = s.charge_no
		  JOIN cbl.statement st ON st.party_id = x.party_id AND st.statement_no = x.statement_no}),
	'settled 99.50 EUR',
	'the charge is settled on a statement');

# docs/settlement.md's check of the job's runs, word for word.
my $doc_check = q{SELECT d.runid, d.status AS cron_status, d.return_message, d.start_time, r.run_id, r.period_start, r.status, r.statements, r.error FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid LEFT JOIN cbl.settlement_run r ON r.backend_pid = d.job_pid AND r.started_at BETWEEN d.start_time - interval '1 minute' AND coalesce(d.end_time, 'infinity') WHERE j.jobname = 'cbl_monthly_settlement' ORDER BY d.runid DESC LIMIT 5;};
like($node->safe_psql('postgres', $doc_check),
	qr/^\d+\|succeeded\|CALL\|[^|]+\|\d+\|[-\d]+\|done\|1\|$/m,
	'the check in docs/settlement.md shows the run in both logs');

# Unscheduling.
is($node->safe_psql('postgres', 'SELECT cbl.unschedule_monthly_settlement()'),
	't', 'cbl.unschedule_monthly_settlement() removes the job');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM cron.job WHERE jobname = 'cbl_monthly_settlement'}),
	'0', '... it is gone');
is($node->safe_psql('postgres', 'SELECT cbl.unschedule_monthly_settlement()'),
	'f', 'unscheduling again is a no-op returning false');

# Not for PUBLIC.
$node->safe_psql('postgres', 'CREATE ROLE clerk LOGIN');
($ret, $out, $err) = $node->psql('postgres',
	"SET ROLE clerk;\nSELECT cbl.schedule_monthly_settlement();");
isnt($ret, 0, 'a role without a grant cannot schedule the settlement');
like($err, qr/permission denied for function schedule_monthly_settlement/,
	'... permission denied');

$node->stop;

done_testing();
