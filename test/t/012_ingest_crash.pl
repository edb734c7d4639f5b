# The server is killed (immediate stop) in the middle of a large ingest
# batch (issue 7).  After the restart nothing of the batch is there: no
# event, state, conflict, reject, pending event, charge or accrual of it,
# and nothing dangles; the stored states are what the stored events give.
# Sending the same batch again ends exactly where an uninterrupted run of it
# ends, in a second database that got the same input once: events (every
# revision), states, conflicts, rejects, pending events, charges and
# accruals, and the exceptions a scan finds afterwards.
#
# Then a run of five batches is killed in the fourth: the three committed
# before the kill are there exactly, the fourth left nothing, and replaying
# all five converges on the uninterrupted run.
#
# The batches are canonical events (docs/milestones.md) of express parcels
# whose pickup bills a sell card and accrues the carrier's buy card
# (docs/billing.md), so that a kill also lands in accrual: first versions,
# exact duplicates (within the batch and of events stored before it),
# later revisions (some ahead of their older version in the batch, some
# moving the pickup across a rate card's version change, hence adjustment
# charges), conflicts, retractions (of a billed pickup: reversals),
# out-of-order times, a second source, customs holds, rejects and events for
# unknown shipments.  The elements are in a pseudo-random order.
#
# The kill must land while the batch is being written, so each crash
# database gets a trigger of the test's own that sleeps inside the ingest
# transaction: on cbl.charge (after accrual has written its charges, the
# last thing ingest does: everything of the batch is written, nothing is
# committed) and on cbl.event (the fourth batch, after its events are
# written).  Before sleeping it puts the row counts its transaction sees in
# application_name, which pg_stat_activity shows: the test waits for that,
# so it knows the batch was mid-flight, and how far, when it stops the
# server.
#
# Size: CBL_STRESS empty ("make test"), a batch of about 20,000 elements;
# CBL_STRESS=1 ("make stress"), about 1,000,000; a number above 1, about
# that many.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $elements =
    !$ENV{CBL_STRESS}     ? 20_000
  : $ENV{CBL_STRESS} > 1 ? int($ENV{CBL_STRESS})    # a size of one's own
  :                        1_000_000;
# The big batch has about 7.2 elements per shipment.
my $shipments = int($elements / 7.2);

my $node = PostgreSQL::Test::Cluster->new('ingest_crash');
$node->init;
$node->append_conf('postgresql.conf', "max_wal_size = 4GB\n");
$node->start;

# ---------------------------------------------------------------------------
# A template database: cbl, billing set up, the shipments with their rating
# inputs, the feed (every batch, as rows of public.feed), and a history
# ingested before the big batch (the even shipments booked and picked up).
$node->safe_psql('postgres', 'CREATE DATABASE tmpl');
$node->safe_psql(
	'tmpl', qq{
SET timezone = 'UTC';
CREATE EXTENSION cbl;
INSERT INTO cbl.party (kind, code, name, billing_currency, sell_card)
SELECT 'customer', 'CRC-' || i, 'Customer ' || i, CASE WHEN i % 2 = 0 THEN 'EUR' ELSE 'USD' END, 'CR-SELL'
  FROM generate_series(1, 4) i;
INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES
  ('carrier', 'CARA', 'Carrier A', 'EUR'), ('carrier', 'CARB', 'Carrier B', 'USD');
INSERT INTO cbl.source (code, priority) VALUES ('ops', 200);
-- the sell card changes on 15 March: a pickup moved across that day is re-rated
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, definition) VALUES
  ('CR-SELL', 1, 'sell', NULL, 'EUR', '[2026-01-01,2026-03-15)',
   '{"zones": [{"zone": "W", "countries": ["*"]}], "freight": {"zones": {"W": {"rates": [{"up_to": 100, "per_kg": 3}]}}},
     "surcharges": [{"code": "FSC", "percent": 10, "of": ["FRT"]}]}'),
  ('CR-SELL', 2, 'sell', NULL, 'EUR', '[2026-03-15,)',
   '{"zones": [{"zone": "W", "countries": ["*"]}], "freight": {"zones": {"W": {"rates": [{"up_to": 100, "per_kg": 3.2}]}}},
     "surcharges": [{"code": "FSC", "percent": 12, "of": ["FRT"]}]}'),
  ('CRA-BUY', 1, 'buy', cbl.party_id('carrier', 'CARA'), 'EUR', '[2026-01-01,)',
   '{"zones": [{"zone": "W", "countries": ["*"]}], "freight": {"zones": {"W": {"rates": [{"up_to": 100, "per_kg": 2}]}}}}'),
  ('CRB-BUY', 1, 'buy', cbl.party_id('carrier', 'CARB'), 'USD', '[2026-01-01,)',
   '{"zones": [{"zone": "W", "countries": ["*"]}], "freight": {"zones": {"W": {"rates": [{"up_to": 100, "per_kg": 2.5}]}}},
     "surcharges": [{"code": "SSC", "per_shipment": 1.5}]}');
INSERT INTO cbl.billing_trigger (framework, milestone, action) VALUES
  ('express_parcel', 'PICKED_UP', 'bill_sell_card'), ('express_parcel', 'PICKED_UP', 'accrue_buy_card');

CREATE TABLE public.ship AS
SELECT s, 'CR-' || lpad(s::text, 7, '0') AS ref,
       CASE WHEN s % 2 = 1 THEN 'cara' ELSE 'carb' END AS src,
       timestamptz '2026-03-01 00:00+00' + ((s::bigint * 7919) % 40000) * interval '1 minute' AS t
  FROM generate_series(1, $shipments) s;
SELECT count(cbl.create_shipment(ref, 'express_parcel', 'CRC-' || (s % 4 + 1),
                                 CASE WHEN s % 2 = 1 THEN 'CARA' ELSE 'CARB' END, NULL, 'DE', 'FR'))
  FROM public.ship;
-- every tenth shipment has no rating input: its pickup is a billing problem.
-- (Inserted as cbl.set_rating_input would insert them: with no event yet
-- there is nothing it would accrue, and one call per shipment is most of
-- the set-up time at a million events.)
INSERT INTO cbl.shipment_rating_input (shipment_id, rating)
SELECT sh.id, jsonb_build_object('weight_kg', 1 + (p.s % 23) * 0.7)
  FROM public.ship p JOIN cbl.shipment sh ON sh.reference = p.ref WHERE p.s % 10 <> 0;

-- ev(): one canonical event as compact JSON text
CREATE FUNCTION public.ev(src text, id text, ref text, ms text, cls text, at timestamptz,
                          upd timestamptz DEFAULT NULL, extra jsonb DEFAULT '{}') RETURNS text
LANGUAGE sql IMMUTABLE AS \$\$
  SELECT (jsonb_strip_nulls(jsonb_build_object(
            'source', src, 'event_id', id, 'shipment', ref, 'milestone', ms, 'classifier', cls,
            'occurred_at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'updated_at', to_char(upd AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) || extra)::text
\$\$;
CREATE TABLE public.feed (part text, batch int, pos int, elem text);
INSERT INTO public.feed
SELECT part, batch, row_number() OVER (PARTITION BY part, batch ORDER BY md5(elem), elem), elem
  FROM (
  -- H: the history, committed before the big batch
  SELECT 'H' part, 0 batch, ev(src, 'e1', ref, 'BOOKED', 'ACT', t) elem FROM ship WHERE s % 2 = 0
  UNION ALL SELECT 'H', 0, ev(src, 'e2', ref, 'PICKED_UP', 'ACT', t + '4 hours', t + '4 hours') FROM ship WHERE s % 2 = 0
  -- B: the big batch.  Booked and picked up (duplicates of H for the even
  -- shipments), some twice in the batch
  UNION ALL SELECT 'B', 0, ev(src, 'e1', ref, 'BOOKED', 'ACT', t) FROM ship
  UNION ALL SELECT 'B', 0, ev(src, 'e1', ref, 'BOOKED', 'ACT', t) FROM ship WHERE s % 3 = 0
  UNION ALL SELECT 'B', 0, ev(src, 'e2', ref, 'PICKED_UP', 'ACT', t + '4 hours', t + '4 hours') FROM ship
  -- a later revision of the pickup (a fifth of them three days earlier:
  -- some cross the card's version change), wherever it falls in the batch
  UNION ALL SELECT 'B', 0, ev(src, 'e2', ref, 'PICKED_UP', 'ACT',
                              t + '3 hours' - CASE WHEN s % 5 = 0 THEN interval '3 days' ELSE interval '0' END,
                              t + '5 hours') FROM ship WHERE s % 4 IN (1, 2)
  -- a changed pickup with no updated_at: a conflict
  UNION ALL SELECT 'B', 0, ev(src, 'e2', ref, 'PICKED_UP', 'ACT', t + '4 hours 30 minutes') FROM ship WHERE s % 6 = 0
  UNION ALL SELECT 'B', 0, ev(src, 'e3', ref, 'EXPORT_CLEARED', 'ACT', t + '14 hours', NULL,
                              jsonb_build_object('location', 'DEFRA', 'payload', jsonb_build_object('pieces', s % 5 + 1))) FROM ship
  -- departed; a ninth of them before their export clearance (out of order)
  UNION ALL SELECT 'B', 0, ev(src, 'e4', ref, 'DEPARTED', 'ACT',
                              t + CASE WHEN s % 9 = 0 THEN interval '12 hours' ELSE interval '18 hours' END, t + '18 hours') FROM ship
  UNION ALL SELECT 'B', 0, ev(src, 'e5p', ref, 'DELIVERED', 'PLN', t + '3 days') FROM ship
  UNION ALL SELECT 'B', 0, ev(src, 'e5e', ref, 'DELIVERED', 'EST',
                              t + '3 days' + CASE WHEN s % 8 = 0 THEN interval '2 days' ELSE interval '0' END) FROM ship
  -- retractions: of the departure, and of the (billed) pickup
  UNION ALL SELECT 'B', 0, ev(src, 'e4', ref, 'DEPARTED', 'ACT', t + '18 hours', t + '20 hours', '{"retracted": true}') FROM ship WHERE s % 13 = 0
  UNION ALL SELECT 'B', 0, ev(src, 'e2', ref, 'PICKED_UP', 'ACT', t + '4 hours', t + '6 hours', '{"retracted": true}') FROM ship WHERE s % 19 = 0
  -- a second source, trusted more, twelve hours off: conflicting sources
  UNION ALL SELECT 'B', 0, ev('ops', 'ops-' || s, ref, 'DEPARTED', 'ACT', t + '30 hours') FROM ship WHERE s % 11 = 0
  UNION ALL SELECT 'B', 0, ev(src, 'e9', ref, 'CUSTOMS_HOLD', 'ACT', t + '20 hours', NULL, '{"reason_code": "DOC"}') FROM ship WHERE s % 17 = 0
  -- a time without offset: a reject; an unknown shipment: pending
  UNION ALL SELECT 'B', 0, format('{"source": "%s", "event_id": "bad-%s", "shipment": "%s", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-01T10:00:00"}', src, s, ref)
              FROM ship WHERE s % 50 = 0
  UNION ALL SELECT 'B', 0, ev(src, 'p1', 'NOPE-' || s, 'BOOKED', 'ACT', t) FROM ship WHERE s % 100 = 0
  -- M: the rest of the journeys in five batches
  UNION ALL SELECT 'M', 1 + s % 5, ev(src, 'e6', ref, 'ARRIVED', 'ACT', t + '42 hours') FROM ship
  UNION ALL SELECT 'M', 1 + (s + 1) % 5, ev(src, 'e7', ref, 'IMPORT_CLEARED', 'ACT', t + '48 hours') FROM ship
  UNION ALL SELECT 'M', 1 + (s + 2) % 5, ev(src, 'e8', ref, 'DELIVERED', 'ACT', t + '60 hours') FROM ship WHERE s % 7 <> 0
  -- a revision of the export clearance in batch 2, and in batch 4 an older
  -- version of it (a conflict across batches)
  UNION ALL SELECT 'M', 2, ev(src, 'e3', ref, 'EXPORT_CLEARED', 'ACT', t + '13 hours', t + '15 hours', '{"location": "DEHAM"}') FROM ship WHERE s % 3 = 1
  UNION ALL SELECT 'M', 4, ev(src, 'e3', ref, 'EXPORT_CLEARED', 'ACT', t + '13 hours 30 minutes', t + '14 hours 30 minutes', '{"location": "DEHAM"}') FROM ship WHERE s % 3 = 1
  UNION ALL SELECT 'M', 3, ev(src, 'e1', ref, 'BOOKED', 'ACT', t) FROM ship WHERE s % 4 = 0
  UNION ALL SELECT 'M', 1, ev(src, 'e4', ref, 'DEPARTED', 'ACT', t + '18 hours', NULL, '{"location": "XXAAA"}') FROM ship WHERE s % 10 = 3
  -- pickups re-dated four days earlier (adjustments), or retracted
  UNION ALL SELECT 'M', 1 + (s + 3) % 5, ev(src, 'e2', ref, 'PICKED_UP', 'ACT', t - interval '4 days', t + '7 hours') FROM ship WHERE s % 5 = 2
  UNION ALL SELECT 'M', 3, ev(src, 'e2', ref, 'PICKED_UP', 'ACT', t + '4 hours', t + '8 hours', '{"retracted": true}') FROM ship WHERE s % 23 = 0
  UNION ALL SELECT 'M', 5, format('{"source": "%s", "event_id": "bad-m-%s", "shipment": "%s", "milestone": "NOT_A_MILESTONE", "classifier": "ACT", "occurred_at": "2026-03-05T10:00:00Z"}', src, s, ref)
              FROM ship WHERE s % 40 = 0
  UNION ALL SELECT 'M', 1, ev(src, 'p2', 'NOPE-M-' || s, 'BOOKED', 'ACT', t) FROM ship WHERE s % 70 = 0
  ) f;

-- feed_ingest(part, batch): that batch, as one JSON text, through cbl.ingest_events
CREATE FUNCTION public.feed_ingest(p text, b int) RETURNS cbl.ingest_result
LANGUAGE sql VOLATILE AS \$\$
  SELECT cbl.ingest_events((SELECT '[' || string_agg(elem, ',' ORDER BY pos) || ']'
                              FROM public.feed WHERE part = p AND batch = b))
\$\$;
SELECT * FROM public.feed_ingest('H', 0);
});
# Statistics, copied with the template: without them the first batch's
# statements are planned for empty tables (and take minutes, not seconds).
$node->safe_psql('tmpl', 'VACUUM ANALYZE');

my %feed = split /[|\n]/, $node->safe_psql('tmpl',
	q{SELECT part || batch, count(*) FROM public.feed GROUP BY 1 ORDER BY 1});
cmp_ok($feed{B0}, '>=', $elements * 0.9,
	"the big batch has $feed{B0} elements for $shipments shipments");
note('the five batches: ' . join(', ', map { $feed{"M$_"} } 1 .. 5) . ' elements');

for my $db ('crash', 'clean')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db TEMPLATE tmpl");
}

# ---------------------------------------------------------------------------
# What is compared.  Surrogate numbers and times of writing are left out:
# cbl.charge.charge_no, cbl.event_conflict.conflict_no,
# cbl.event_reject.reject_no and cbl.exception.exception_no come from
# sequences, which a killed transaction advances for good (sequences are not
# transactional), so a re-run numbers its rows further on; an adjustment
# names the charge it adjusts by that charge's trigger key instead of its
# number.  received_at, changed_at, created_at and updated_at are the
# writing transaction's now().  Shipments are named by reference.  Every
# other column is compared, times of events and states included.
my %content = (
	events => q{
	  SELECT (s.reference, e.source, e.event_id, e.revision, e.milestone, e.classifier, e.occurred_at,
	          e.updated_at, e.location, e.reason_code, e.retracted, e.partial, e.payload, e.shipment_ref,
	          e.content_hash, e.event_key)::text
	    FROM cbl.event e LEFT JOIN cbl.shipment s ON s.id = e.shipment_id},
	states => q{
	  SELECT (s.reference, ss.state)::text
	    FROM cbl.shipment_state ss LEFT JOIN cbl.shipment s ON s.id = ss.shipment_id},
	conflicts => q{
	  SELECT (s.reference, c.source, c.event_id, c.stored_revision, c.incoming, c.reason)::text
	    FROM cbl.event_conflict c LEFT JOIN cbl.shipment s ON s.id = c.shipment_id},
	rejects => q{SELECT (position, reason, element)::text FROM cbl.event_reject},
	pending => q{SELECT (source, event_id, content_hash, shipment_ref, element)::text FROM cbl.event_pending},
	charges => q{
	  SELECT (s.reference, p.code, c.direction, c.fee_code, c.amount, c.accrued_at, c.origin, c.rate_card,
	          c.rate_card_version, c.step, c.reference, c.trigger_key, a.trigger_key, cbl.charge_status(c),
	          c.void_reason, c.note)::text
	    FROM cbl.charge c LEFT JOIN cbl.shipment s ON s.id = c.shipment_id
	    LEFT JOIN cbl.party p ON p.id = c.party_id
	    LEFT JOIN cbl.charge a ON a.shipment_id = c.shipment_id AND a.charge_no = c.adjusts_charge_no},
	accruals => q{
	  SELECT (s.reference, b.milestone, b.action, b.status, b.rated_at, b.input_revision, b.rate_card,
	          b.problem, b.problem_sqlstate)::text
	    FROM cbl.billing_accrual b LEFT JOIN cbl.shipment s ON s.id = b.shipment_id},
	exceptions => q{
	  SELECT (s.reference, x.kind, x.milestone, x.detail, x.opened_at, x.resolved_at)::text
	    FROM cbl.exception x LEFT JOIN cbl.shipment s ON s.id = x.shipment_id});
my @what = qw(events states conflicts rejects pending charges accruals exceptions);

# digest(DB, WHAT): "rows md5" of the content, in the order of its text.
sub digest
{
	my ($db, $what, $query) = @_;
	$query //= $content{$what};
	return $node->safe_psql($db, qq{
	  SET timezone = 'UTC';
	  SELECT count(*) || ' ' || coalesce(md5(string_agg(md5(r), '' ORDER BY r COLLATE "C")), '-')
	    FROM ($query) q(r)});
}
sub digests
{
	my ($db) = @_;
	return { map { $_ => digest($db, $_) } @what };
}

# same(DB1, DB2 or digests, LABEL): every kind of row compared; when a kind
# differs and is small, the rows that differ are shown.
sub same
{
	my ($db, $other, $label, @only) = @_;
	my $mine = digests($db);
	my $theirs = ref $other ? $other : digests($other);
	for my $w (@only ? @only : @what)
	{
		next if is($mine->{$w}, $theirs->{$w}, "$label: $w");
		next if ref $other;
		my ($n) = $mine->{$w} =~ /^(\d+)/;
		next if $n > 5000;
		my %a = map { $_ => 1 } split /\n/, $node->safe_psql($db, "SET timezone = 'UTC'; $content{$w}");
		my %b = map { $_ => 1 } split /\n/, $node->safe_psql($other, "SET timezone = 'UTC'; $content{$w}");
		my @only_a = grep { !$b{$_} } sort keys %a;
		my @only_b = grep { !$a{$_} } sort keys %b;
		diag("only in $db: $_") for @only_a[ 0 .. ($#only_a < 9 ? $#only_a : 9) ];
		diag("only in $other: $_") for @only_b[ 0 .. ($#only_b < 9 ? $#only_b : 9) ];
	}
}

# Nothing dangles: one count per kind of orphan, all zero.
my $orphans_sql = q{
SELECT 'events without shipment ' || (SELECT count(*) FROM cbl.event e
         WHERE NOT EXISTS (SELECT 1 FROM cbl.shipment s WHERE s.id = e.shipment_id))
 || ', states without events ' || (SELECT count(*) FROM cbl.shipment_state ss
         WHERE NOT EXISTS (SELECT 1 FROM cbl.event e WHERE e.shipment_id = ss.shipment_id))
 || ', revision gaps ' || (SELECT count(*) FROM (SELECT 1 FROM cbl.event GROUP BY shipment_id, source, event_id
                                                  HAVING max(revision) <> count(*)) x)
 || ', conflicts without their revision ' || (SELECT count(*) FROM cbl.event_conflict c
         WHERE c.stored_revision IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM cbl.event e WHERE (e.shipment_id, e.source, e.event_id, e.revision)
                                         = (c.shipment_id, c.source, c.event_id, c.stored_revision)))
 || ', dangling adjustments ' || (SELECT count(*) FROM cbl.charge c WHERE c.adjusts_charge_no IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM cbl.charge a WHERE a.shipment_id = c.shipment_id AND a.charge_no = c.adjusts_charge_no))
 || ', charges without accrual ' || (SELECT count(*) FROM cbl.charge c WHERE c.trigger_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM cbl.billing_accrual b WHERE b.shipment_id = c.shipment_id
                           AND c.trigger_key LIKE b.milestone || ':' || b.action || ':%'))
 || ', accruals without charges ' || (SELECT count(*) FROM cbl.billing_accrual b WHERE b.status = 'accrued'
         AND NOT EXISTS (SELECT 1 FROM cbl.charge c WHERE c.shipment_id = b.shipment_id
                           AND c.trigger_key LIKE b.milestone || ':' || b.action || ':%'))
 || ', accruals without events ' || (SELECT count(*) FROM cbl.billing_accrual b
         WHERE NOT EXISTS (SELECT 1 FROM cbl.event e WHERE e.shipment_id = b.shipment_id AND e.milestone = b.milestone))
};
my $no_orphans = 'events without shipment 0, states without events 0, revision gaps 0, '
  . 'conflicts without their revision 0, dangling adjustments 0, charges without accrual 0, '
  . 'accruals without charges 0, accruals without events 0';

# The stored states against a recomputation from the stored events:
# cbl.refresh_state derives every state again and counts those that differ
# (rolled back: it would store them).
sub states_recomputed
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
	  BEGIN;
	  SELECT cbl.refresh_state(array_agg(DISTINCT shipment_id)) FROM cbl.event;
	  ROLLBACK;});
}

# The test's slow trigger: on TABLE, the statement that wrote rows puts the
# counts its transaction sees in application_name and sleeps, when the
# table is cbl.charge or the session has set crash_test.hold.
sub add_hold
{
	my ($db, $table) = @_;
	$node->safe_psql($db, qq{
CREATE OR REPLACE FUNCTION public.crash_hold() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  IF TG_TABLE_NAME = 'charge' OR current_setting('crash_test.hold', true) = 'on' THEN
    PERFORM pg_catalog.set_config('application_name',
      pg_catalog.concat_ws(':', 'crash-test', TG_TABLE_NAME, (SELECT count(*) FROM cbl.event),
                           (SELECT count(*) FROM cbl.shipment_state), (SELECT count(*) FROM cbl.charge),
                           (SELECT count(*) FROM cbl.billing_accrual)), false);
    PERFORM pg_catalog.pg_sleep(3600);   -- the server is stopped meanwhile
  END IF;
  RETURN NULL;
END \$\$;
CREATE TRIGGER crash_hold AFTER INSERT ON cbl.$table FOR EACH STATEMENT EXECUTE FUNCTION public.crash_hold();});
}

# Start psql in the background with these commands (each its own
# transaction), wait until the hold is reached, and stop the server
# (immediate: no checkpoint, the sessions are killed); start it again.
# Returns the counts the dying transaction saw, or dies if psql ended
# without reaching the hold.
sub kill_mid_flight
{
	my ($db, @commands) = @_;
	my ($out, $err) = ('', '');
	my $run = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), map { ('-c', $_) } @commands ],
		'>', \$out, '2>', \$err);
	my $held = '';
	while (1)
	{
		$held = $node->safe_psql('postgres', q{
		  SELECT application_name FROM pg_stat_activity
		   WHERE application_name LIKE 'crash-test:%' AND wait_event = 'PgSleep'});
		last if $held ne '';
		$run->pump_nb;
		die "the run ended without reaching the hold: $err$out" unless $run->pumpable;
		usleep(200_000);
	}
	$node->stop('immediate');
	$run->finish;
	like($err, qr/terminat|connection|server closed/i, "$db: the killed session lost its connection");
	$node->start;
	my (undef, $table, @counts) = split /:/, $held;
	return ($table, @counts);
}

sub counts
{
	my ($db) = @_;
	return split /\|/, $node->safe_psql($db, q{
	  SELECT (SELECT count(*) FROM cbl.event), (SELECT count(*) FROM cbl.shipment_state),
	         (SELECT count(*) FROM cbl.charge), (SELECT count(*) FROM cbl.billing_accrual)});
}

my $result_sql = q{SELECT r::text FROM public.feed_ingest('%s', %d) r};
my $scan1 = q{SELECT count(*) FROM cbl.scan_exceptions('2026-04-15 00:00+00')};
my $scan2 = q{SELECT count(*) FROM cbl.scan_exceptions('2026-05-01 00:00+00')};

# ---------------------------------------------------------------------------
# 1. The big batch, uninterrupted.
my $clean_result = $node->safe_psql('clean', sprintf($result_sql, 'B', 0));
like($clean_result, qr/^\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)$/,
	"the uninterrupted batch: $clean_result (accepted, duplicate, updated, conflict, retracted, rejected, pending)");
my @n = $clean_result =~ /(\d+)/g;
ok(!grep({ $_ == 0 } @n), '... every outcome occurs');
$node->safe_psql('clean', $scan1);

# 2. The same batch killed in accrual.
my $before = digests('crash');
my @counts_before = counts('crash');
add_hold('crash', 'charge');
my ($table, @held) = kill_mid_flight('crash', sprintf($result_sql, 'B', 0));
is($table, 'charge', 'the kill landed in accrual, after the batch\'s charges were written');
# (accrual records what each step was rated from after writing its charges)
ok( $held[0] > $counts_before[0] && $held[1] > $counts_before[1] && $held[2] > $counts_before[2],
	"... in a transaction that had written events ($counts_before[0] -> $held[0]), states "
	  . "($counts_before[1] -> $held[1]) and charges ($counts_before[2] -> $held[2])");
same('crash', $before, 'after the restart, nothing of the batch');
is($node->safe_psql('crash', $orphans_sql), $no_orphans, 'nothing dangles');
is(states_recomputed('crash'), '0', 'the stored states are those the stored events give');

# 3. The same batch again: where the uninterrupted run ended.
$node->safe_psql('crash', 'DROP TRIGGER crash_hold ON cbl.charge');
is($node->safe_psql('crash', sprintf($result_sql, 'B', 0)), $clean_result,
	'the batch sent again: the same outcome as the uninterrupted run');
$node->safe_psql('crash', $scan1);
same('crash', 'clean', 'after the crash and the re-run = the uninterrupted run');
is($node->safe_psql($_, $orphans_sql), $no_orphans, "$_: nothing dangles") for ('crash', 'clean');
is(states_recomputed('crash'), '0', 'the stored states are those the stored events give');

# ---------------------------------------------------------------------------
# 4. Five batches, uninterrupted; the content after the third kept.
$node->safe_psql($_, 'ANALYZE') for ('crash', 'clean');
my ($after3, @clean_results);
for my $b (1 .. 5)
{
	push @clean_results, $node->safe_psql('clean', sprintf($result_sql, 'M', $b));
	$after3 = digests('clean') if $b == 3;
}
note("the five batches, uninterrupted: @clean_results");
$node->safe_psql('clean', $scan2);

# 5. The same five batches, killed in the fourth, after its events were
# written.
@counts_before = counts('crash');
add_hold('crash', 'event');
($table, @held) = kill_mid_flight('crash', (map { sprintf($result_sql, 'M', $_) } 1 .. 3),
	q{SET crash_test.hold = 'on'}, (map { sprintf($result_sql, 'M', $_) } 4 .. 5));
is($table, 'event', 'the kill landed in the fourth batch, after its events were written');
cmp_ok($held[0], '>', $counts_before[0], "... with events of four batches written ($counts_before[0] -> $held[0])");
same('crash', $after3, 'after the restart, the three batches committed before the kill, and nothing of the fourth');
is($node->safe_psql('crash', $orphans_sql), $no_orphans, 'nothing dangles');
is(states_recomputed('crash'), '0', 'the stored states are those the stored events give');

# 6. All five replayed.  A reject sent again is not recorded again, so the
# rejects equal the uninterrupted run's.  A conflict sent again is recorded
# once per stored revision it clashes with, and a replayed conflict can meet
# a later revision than it first did, so conflicts are compared as sets with
# the stored revision left out.
$node->safe_psql('crash', 'DROP TRIGGER crash_hold ON cbl.event');
$node->safe_psql('crash', sprintf($result_sql, 'M', $_)) for 1 .. 5;
$node->safe_psql('crash', $scan2);
same('crash', 'clean', 'after the crash and replaying all five = the uninterrupted run',
	grep { $_ ne 'conflicts' } @what);
my $conflict_set = q{SELECT DISTINCT (s.reference, c.source, c.event_id, c.incoming, c.reason)::text
                       FROM cbl.event_conflict c JOIN cbl.shipment s ON s.id = c.shipment_id};
is(digest('crash', 'conflicts', $conflict_set), digest('clean', 'conflicts', $conflict_set),
	'after replaying all five: the same distinct conflicts');
is($node->safe_psql($_, $orphans_sql), $no_orphans, "$_: nothing dangles") for ('crash', 'clean');
is(states_recomputed('crash'), '0', 'the stored states are those the stored events give');

$node->stop;
done_testing();
