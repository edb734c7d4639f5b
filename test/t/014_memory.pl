# Memory stays bounded per row (issue 7; docs/testing.md, "Memory").
#
# One backend ingests one batch of N canonical events in a single call, and
# runs the long aggregates (cbl.sum over cbl.amount, cbl.recon_agg) over M
# rows; then the same at 4N and 4M, each in a fresh session.  The backend's
# peak memory is its VmHWM (peak resident set, from /proc/self/status, read
# by the backend itself through pg_read_file).
#
# What is compared is the call's own memory: the peak during the call less
# the peak of the same session just before it.  Before an ingest the session
# has read the batch whole once (md5 of it), so the batch text itself, which
# the call must hold as its argument, is in the baseline; what remains is
# ingest's working memory.  Of what the call holds, only this grows with the
# batch by design, what ingest keeps per element on purpose: 16 bytes
# of place per element for a batch of more than one chunk (50 000
# elements), so that each partition can be read again from the text
# (src/event_ingest.c), and 8 bytes per shipment whose state changed, plus
# PostgreSQL's own queue of NOTIFY cbl_milestone (one per changed shipment,
# held until commit).
#
# The bound: from N to 4N the working memory may grow by at most 64 bytes
# per added event (the 16-byte place and the per-shipment lists and
# notifications at 20 events per shipment come to well under that) plus
# 16 MB of slack for the allocator (glibc's arenas and trimming, pages of
# shared memory touched: shared_buffers is 1 MB here, as in PostgreSQL's own
# TAP clusters, so that shared memory barely shows in the resident set).
# The batch text grows by about 137 bytes per event and one chunk holds
# about 1.8 kB per element while it is processed, so a call that kept every
# parsed event, or a copy of each element's text, fails the bound by far.
# Measured (docs/testing.md): about 200 bytes per added event at the small
# sizes, where the 16 MB of slack is what counts (the allocator's share
# shifts between one chunk and several partitions), and 40 bytes at the
# full sizes.  A machine busy with other work changes nothing of it: the
# figures are memory, not time.  The aggregates keep a fixed-size state:
# their working memory may grow by at most 4 MB from M to 4M rows.
#
# Sizes: 25 000 vs 100 000 events, 250 000 vs 1 000 000 aggregated rows in
# "make test"; with CBL_STRESS=1 ("make stress") 250 000 vs 1 000 000 events
# and 2 500 000 vs 10 000 000 rows.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $stress = $ENV{CBL_STRESS} ? 1 : 0;
my @events = $stress ? (250_000, 1_000_000) : (25_000, 100_000);
my @rows   = $stress ? (2_500_000, 10_000_000) : (250_000, 1_000_000);
my $per_shipment = 20;
my $event_slack_bytes = 64;
my $slack_kb = 16 * 1024;
my $agg_slack_kb = 4 * 1024;

note("sizes: events @events, aggregated rows @rows" . ($stress ? ' (CBL_STRESS)' : ''));

my $node = PostgreSQL::Test::Cluster->new('memory');
$node->init;
# No autovacuum: an ANALYZE landing between the two sizes could change the
# plans of ingest's statements, and with them its memory.  No parallel
# workers: their memory is not the backend's.
$node->append_conf('postgresql.conf', qq{
shared_buffers = 1MB
jit = off
max_parallel_workers_per_gather = 0
autovacuum = off
});
$node->start;

# The backend's memory figures, read by the backend itself.
my $setup = q{
CREATE EXTENSION cbl;
CREATE FUNCTION public.mem_kb(field text) RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/self/status'), field || ':\s+(\d+) kB'))[1]::bigint
$$;
CREATE TABLE public.mem_batch (body text);
ALTER TABLE public.mem_batch ALTER body SET STORAGE EXTERNAL;
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'MEM', 'Memory test customer');
};

# A batch of $n events: $per_shipment per shipment, the framework's
# milestones in turn, one minute apart; built in the server, stored once.
sub make_batch
{
	my ($db, $n) = @_;
	my $shipments = int(($n + $per_shipment - 1) / $per_shipment);
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, $setup);
	$node->safe_psql($db, qq{
SELECT count(cbl.create_shipment('MEM-' || s, 'express_parcel', 'MEM')) FROM generate_series(1, $shipments) s;
INSERT INTO public.mem_batch (body)
SELECT '[' || string_agg(format(
         '{"source":"mem","event_id":"E%s","shipment":"MEM-%s","milestone":"%s","classifier":"ACT","occurred_at":"%s"}',
         i, (i - 1) / $per_shipment + 1, m.steps[1 + (i - 1) % $per_shipment % cardinality(m.steps)],
         to_char(timestamptz '2026-03-01 00:00+00' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       ',' ORDER BY i) || ']'
  FROM generate_series(1, $n) i,
       (SELECT array_agg(milestone ORDER BY position) AS steps FROM cbl.framework_step
         WHERE framework = 'express_parcel') m;
});
	return $node->safe_psql($db, 'SELECT octet_length(body) FROM public.mem_batch');
}

# Run $before, read VmHWM, run $call, read VmHWM and VmRSS, all in one new
# session; returns (peak before, peak after, resident after, the call's output).
sub measure
{
	my ($db, $before, $call) = @_;
	my $out = $node->safe_psql($db, qq{
$before;
SELECT 'hwm0 ' || public.mem_kb('VmHWM');
$call;
SELECT 'hwm1 ' || public.mem_kb('VmHWM');
SELECT 'rss1 ' || public.mem_kb('VmRSS');
});
	my ($hwm0) = $out =~ /^hwm0 (\d+)$/m;
	my ($hwm1) = $out =~ /^hwm1 (\d+)$/m;
	my ($rss1) = $out =~ /^rss1 (\d+)$/m;
	my ($result) = $out =~ /^result (.*)$/m;
	die "no memory figures in: $out" unless defined $hwm0 && defined $hwm1 && defined $rss1;
	return ($hwm0, $hwm1, $rss1, $result);
}

# ---- one batch ingest of N, then of 4N events ------------------------------
my (%work, %peak);
for my $i (0, 1)
{
	my $n = $events[$i];
	my $db = "ingest_$n";
	my $bytes = make_batch($db, $n);
	my ($hwm0, $hwm1, $rss1, $result) = measure($db,
		'SELECT md5(body) IS NOT NULL FROM public.mem_batch',
		q{SELECT 'result ' || r.accepted || ' ' || r.rejected || ' ' || r.pending
		    FROM public.mem_batch b, cbl.ingest_events(b.body) r});
	is($result, "$n 0 0", "ingest: one call ingests the $n events of the batch");
	$work{$n} = $hwm1 - $hwm0;
	$peak{$n} = $hwm1;
	note(sprintf('ingest of %d events (batch %.1f MB): peak %d kB, before the call %d kB, '
		  . 'working memory %d kB, resident after %d kB',
		$n, $bytes / 1048576, $hwm1, $hwm0, $hwm1 - $hwm0, $rss1));
	is($node->safe_psql($db, 'SELECT count(*) FROM cbl.event'), $n, "ingest: $n events stored");
}
{
	my ($n, $n4) = @events;
	my $limit = $slack_kb + int($event_slack_bytes * ($n4 - $n) / 1024);
	my $growth = $work{$n4} - $work{$n};
	cmp_ok($growth, '<=', $limit,
		"ingest: working memory grows by $growth kB from $n to $n4 events (bound $limit kB: "
		  . "$event_slack_bytes bytes per added event + 16 MB)");
	note(sprintf('ingest: %.1f bytes of working memory per added event', $growth * 1024 / ($n4 - $n)));
}

# ---- the same batch through the carrier-format entry point (format cbl) ----
# cbl.ingest_events('cbl', message) must read canonical JSON the way
# cbl.ingest_events(text) does; the events are all there already, so the
# call finds duplicates: the reading is what is measured.
{
	my %fwork;
	for my $n (@events)
	{
		my ($hwm0, $hwm1, undef, $result) = measure("ingest_$n",
			'SELECT md5(body) IS NOT NULL FROM public.mem_batch',
			q{SELECT 'result ' || r.duplicate FROM public.mem_batch b, cbl.ingest_events('cbl', b.body) r});
		is($result, $n, "format cbl: the $n events of the batch again, all duplicates");
		$fwork{$n} = $hwm1 - $hwm0;
		note("format cbl, $n events: peak $hwm1 kB, working memory $fwork{$n} kB");
	}
	my ($n, $n4) = @events;
	my $limit = $slack_kb + int($event_slack_bytes * ($n4 - $n) / 1024);
	my $growth = $fwork{$n4} - $fwork{$n};
	cmp_ok($growth, '<=', $limit,
		"format cbl: working memory grows by $growth kB from $n to $n4 events (bound $limit kB)");
}

# ---- long aggregates over M and 4M rows ------------------------------------
for my $agg (
	[ 'cbl.sum', q{SELECT 'result ' || cbl.sum(cbl.amount(i * 0.01, 'EUR'))::text FROM generate_series(1, %d) i} ],
	[ 'cbl.recon_agg',
		q{SELECT 'result ' || (cbl.recon_agg(cbl.amount(i * 0.01, 'EUR'), cbl.amount(i * 0.01 + (i % 3) * 0.01, 'EUR'), 0.01)).matched
		    FROM generate_series(1, %d) i} ])
{
	my ($name, $sql) = @$agg;
	my %awork;
	for my $m (@rows)
	{
		my ($hwm0, $hwm1, undef, $result) =
		  measure("ingest_$events[0]", 'SELECT 1', sprintf($sql, $m));
		ok(defined $result && $result ne '', "$name over $m rows gives a result");
		$awork{$m} = $hwm1 - $hwm0;
		note("$name over $m rows: peak $hwm1 kB, working memory $awork{$m} kB");
	}
	my ($m, $m4) = @rows;
	my $growth = $awork{$m4} - $awork{$m};
	cmp_ok($growth, '<=', $agg_slack_kb,
		"$name: working memory grows by $growth kB from $m to $m4 rows (bound $agg_slack_kb kB)");
}

note(sprintf('peaks: ingest %s', join(', ', map { "$_ events $peak{$_} kB" } @events)));
$node->stop;
done_testing();
