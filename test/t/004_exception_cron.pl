# The exception scan on pg_cron: cbl.schedule_exception_scan() creates one
# job, calling it again changes that job rather than adding one, and
# cbl.unschedule_exception_scan() removes it.  The job's command runs.
# (Without pg_cron both fail with SQLSTATE LG004: sql/exceptions.sql.)
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CblTap;

my $node = cron_node('cron');
my ($ret, $out, $err);

my $job_sql = q{SELECT count(*) || ' ' || string_agg(schedule || ' | ' || command || ' | ' || database, ',')
  FROM cron.job WHERE jobname = 'cbl_exception_scan'};

($ret, $out, $err) =
  $node->psql('postgres', 'SELECT cbl.schedule_exception_scan()');
is($ret, 0, 'cbl.schedule_exception_scan() with pg_cron') or diag($err);
my $jobid = $out;
like($jobid, qr/^\d+$/, '... returns the job id');
is( $node->safe_psql('postgres', $job_sql),
	'1 */5 * * * * | SELECT * FROM cbl.scan_exceptions() | postgres',
	'one job, every 5 minutes, running the scan in this database');

($ret, $out, $err) = $node->psql('postgres',
	"SELECT cbl.schedule_exception_scan('*/15 * * * *')");
is($ret, 0, 'scheduling again') or diag($err);
is($out, $jobid, '... gives the same job');
is( $node->safe_psql('postgres', $job_sql),
	'1 */15 * * * * | SELECT * FROM cbl.scan_exceptions() | postgres',
	'... still one job, with the new schedule');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'),
	'1', 'no other job was added');

# The job's command works (run here rather than waiting for the minute).
my $command = $node->safe_psql('postgres',
	q{SELECT command FROM cron.job WHERE jobname = 'cbl_exception_scan'});
($ret, $out, $err) = $node->psql('postgres', $command);
is($ret, 0, 'the scheduled command runs') or diag($err);
is($out, '0|0|0', '... and finds nothing in an empty database');

is($node->safe_psql('postgres', 'SELECT cbl.unschedule_exception_scan()'),
	't', 'cbl.unschedule_exception_scan() removes the job');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM cron.job WHERE jobname = 'cbl_exception_scan'}),
	'0', '... it is gone');
is($node->safe_psql('postgres', 'SELECT cbl.unschedule_exception_scan()'),
	'f', 'unscheduling again is a no-op returning false');

# The helpers are not for PUBLIC.
$node->safe_psql('postgres', 'CREATE ROLE clerk LOGIN');
($ret, $out, $err) = $node->psql('postgres',
	"SET ROLE clerk;\nSELECT cbl.schedule_exception_scan();");
isnt($ret, 0, 'a role without a grant cannot schedule the scan');
like($err, qr/permission denied for function schedule_exception_scan/,
	'... permission denied');

$node->stop;

done_testing();
