# Partition maintenance on pg_cron: cbl.schedule_partition_maintenance()
# creates one job, calling it again changes that job rather than adding
# one, and cbl.unschedule_partition_maintenance() removes it.  The job's
# command runs: it makes the monthly partitions of cbl.event, then nothing.
# (Without pg_cron both fail with SQLSTATE LG004: sql/partition.sql.)
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CblTap;

my $node = cron_node('cron');
my ($ret, $out, $err);

my $job_sql = q{SELECT count(*) || ' ' || string_agg(schedule || ' | ' || command || ' | ' || database, ',')
  FROM cron.job WHERE jobname = 'cbl_partition_maintenance'};

($ret, $out, $err) =
  $node->psql('postgres', 'SELECT cbl.schedule_partition_maintenance()');
is($ret, 0, 'cbl.schedule_partition_maintenance() with pg_cron') or diag($err);
my $jobid = $out;
like($jobid, qr/^\d+$/, '... returns the job id');
is( $node->safe_psql('postgres', $job_sql),
	'1 0 3 * * * | SELECT count(*) FROM cbl.create_partitions(3) | postgres',
	'one job, daily at 03:00, making partitions three months ahead in this database');

($ret, $out, $err) = $node->psql('postgres',
	"SELECT cbl.schedule_partition_maintenance('30 2 * * *', 6)");
is($ret, 0, 'scheduling again') or diag($err);
is($out, $jobid, '... gives the same job');
is( $node->safe_psql('postgres', $job_sql),
	'1 30 2 * * * | SELECT count(*) FROM cbl.create_partitions(6) | postgres',
	'... still one job, with the new schedule and months');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'),
	'1', 'no other job was added');

# The job's command works (run here rather than waiting for the night).
my $command = $node->safe_psql('postgres',
	q{SELECT command FROM cron.job WHERE jobname = 'cbl_partition_maintenance'});
($ret, $out, $err) = $node->psql('postgres', $command);
is($ret, 0, 'the scheduled command runs') or diag($err);
is($out, '21', '... and makes this month\'s partition and six ahead, of events, charges and statement lines');
is($node->safe_psql('postgres', $command), '0', '... then nothing more');

is($node->safe_psql('postgres', 'SELECT cbl.unschedule_partition_maintenance()'),
	't', 'cbl.unschedule_partition_maintenance() removes the job');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM cron.job WHERE jobname = 'cbl_partition_maintenance'}),
	'0', '... it is gone');
is($node->safe_psql('postgres', 'SELECT cbl.unschedule_partition_maintenance()'),
	'f', 'unscheduling again is a no-op returning false');

# The functions are not for PUBLIC.
$node->safe_psql('postgres', 'CREATE ROLE clerk LOGIN');
($ret, $out, $err) = $node->psql('postgres',
	"SET ROLE clerk;\nSELECT cbl.schedule_partition_maintenance();");
isnt($ret, 0, 'a role without a grant cannot schedule the maintenance');
like($err, qr/permission denied for function schedule_partition_maintenance/,
	'... permission denied');
($ret, $out, $err) = $node->psql('postgres',
	"SET ROLE clerk;\nSELECT count(*) FROM cbl.create_partitions();");
isnt($ret, 0, 'nor make partitions');

$node->stop;

done_testing();
