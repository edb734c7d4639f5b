# pg_dump / pg_restore of a database that uses every part of cbl (issue 7):
# the whole demo (types, milestones and exceptions, customs, rating, carrier
# formats, a month of money with invoices reconciled and settled), plus rows
# of the user's own in every kind of configuration table (a milestone and a
# framework, code map rows, a fee group and fee, a second version of a rate
# card, a tariff line, FX rates, a commission rule, a source priority, a
# partner login), a pending event, a step that cannot be billed, and a
# settlement run.  The dump is restored into a fresh database of the same
# cluster: pg_restore must exit 0 and print nothing at all (no duplicate
# key, no missing object); then
#   - every view of schema cbl (read from pg_views, so a new view is covered
#     without touching this test) returns the same rows, and has rows;
#   - every table cbl registers with pg_extension_config_dump (read from
#     pg_extension.extconfig) has the same content, and every table of
#     schema cbl the same number of rows;
#   - every sequence of schema cbl is where it was (an unregistered sequence
#     would restart at 1 and hand out numbers that are taken);
#   - life goes on: a new event moves a shipment on, a new reject and a new
#     conflict get fresh numbers, a new charge and a new shipment too.
use strict;
use warnings;

use Cwd qw(abs_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CblTap;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('dump_all');
$node->init;
# The demo checks that pg_cron is there (demo.sql, section 9) and schedules
# and unschedules the exception scan (milestones.sql).
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_cron'\ncron.database_name = 'src'\n");
$node->start;

# run_file DB FILE [PSQL VARIABLE...]: a psql script, stopping at the first
# error, as "make demo" runs it (through stdin).
sub run_file
{
	my ($db, $file, @vars) = @_;
	my ($ret, $out, $err) = $node->psql(
		$db, slurp_file($file),
		on_error_stop => 1,
		extra_params => [ map { ('-v', $_) } @vars ]);
	is($ret, 0, "$file runs") or diag($err);
}

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION pg_cron; CREATE EXTENSION cbl');

# The demo, in the order of test/demo/demo.sh.
my $formats = abs_path('test/fixtures/formats');
run_file('src', 'test/demo/demo.sql');
run_file('src', 'test/demo/milestones.sql');
run_file('src', 'test/fixtures/customs_sample.sql');
run_file('src', 'test/demo/customs.sql');
run_file('src', 'test/fixtures/rate_card_exp_de.sql');
run_file('src', 'test/demo/rating.sql');
run_file('src', 'test/demo/formats.sql', "dir=$formats");
run_file('src', 'test/demo/money.sql');

# What the demo leaves out: a user row in every table users edit.
my ($ret, $out, $err) = $node->psql(
	'src', q{
SET timezone = 'UTC';
-- a milestone and a framework of the user's (docs/milestones.md)
INSERT INTO cbl.milestone (code, phase, description)
VALUES ('BORDER_CROSSED', 'main_carriage', 'the train crossed a transit border');
INSERT INTO cbl.framework (code, description, mode) VALUES ('cn_eu_rail', 'China-Europe block train', 'rail');
INSERT INTO cbl.framework_step (framework, position, milestone, required, prerequisites, sla, terminal) VALUES
  ('cn_eu_rail', 1, 'BOOKED',          true,  '{}',                NULL,      false),
  ('cn_eu_rail', 2, 'ORIGIN_RECEIVED', true,  '{BOOKED}',          '7 days',  false),
  ('cn_eu_rail', 3, 'EXPORT_CLEARED',  true,  '{ORIGIN_RECEIVED}', '2 days',  false),
  ('cn_eu_rail', 4, 'DEPARTED',        true,  '{EXPORT_CLEARED}',  '3 days',  false),
  ('cn_eu_rail', 5, 'BORDER_CROSSED',  false, '{DEPARTED}',        '8 days',  false),
  ('cn_eu_rail', 6, 'ARRIVED',         true,  '{DEPARTED}',        '18 days', false),
  ('cn_eu_rail', 7, 'IMPORT_CLEARED',  true,  '{ARRIVED}',         '2 days',  false),
  ('cn_eu_rail', 8, 'DELIVERED',       true,  '{IMPORT_CLEARED}',  '3 days',  true),
  ('cn_eu_rail', 9, 'CANCELLED',       false, '{}',                NULL,      true);
-- code map rows of the user's: an override of a shipped code and a code list of its own
INSERT INTO cbl.code_map (standard, code, qualifier, milestone, classifier, description)
VALUES ('IATA', 'TGC', '', 'CUSTOMS_HOLD', 'ACT', 'our airline reports holds as TGC'),
       ('RAILCO', 'BRD', '', 'BORDER_CROSSED', 'ACT', 'the rail operator''s border code'),
       ('RAILCO', 'ARR', '', 'ARRIVED', 'ACT', 'the rail operator''s arrival code');
INSERT INTO cbl.location_zone (code, kind, timezone, description)
VALUES ('DUISPORT', 'place', 'Europe/Berlin', 'Duisburg rail terminal');
-- a fee group and fee, a second version of a buy card, a tariff line, FX, commission
INSERT INTO cbl.fee_group (code, description) VALUES ('rail', 'rail freight');
INSERT INTO cbl.fee (code, fee_group, description) VALUES ('RLF', 'rail', 'rail freight');
UPDATE cbl.rate_card SET validity = '[2026-01-01,2026-06-01)' WHERE code = 'SKY-BUY' AND version = 1;
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, description, definition)
SELECT code, NULL, kind, owner_id, currency, '[2026-06-01,)', 'Sky Express rates from June',
       jsonb_set(definition, '{surcharges,0,percent}', '14')
  FROM cbl.rate_card WHERE code = 'SKY-BUY' AND version = 1;
INSERT INTO cbl.tariff (destination, hs_prefix, origins, valid_from, expression, description, source)
VALUES ('DE', '8609', '{CN}', '2026-01-01', '0%', 'containers (user row)', 'user');
SELECT cbl.set_fx_rate('EUR', 'CNY', '2026-04-01', 7.8123, 'user');
SELECT cbl.set_fx_rate('USD', 'CNY', '2026-04-01', 7.2001);
INSERT INTO cbl.commission_rule (agent_id, basis, percent, fee_group, valid)
VALUES (cbl.party_id('agent', 'BALTIC'), 'revenue', 1.5, 'freight', '[2026-05-01,2026-12-31)');
SELECT cbl.set_setting('billing_time_zone', 'Europe/Berlin');
INSERT INTO cbl.source (code, name, priority) VALUES ('railco', 'Rail operator', 150);
-- a shipment on the user framework, its events through the user's code map,
-- one of them revised, one pending on a shipment that does not exist yet
INSERT INTO cbl.party (kind, code, name, country) VALUES ('carrier', 'RAILCO', 'Rail operator', 'CN');
SELECT cbl.create_shipment('RAIL-0001', 'cn_eu_rail', 'RHEINLAND', 'RAILCO', NULL, 'CN', 'DE');
SELECT * FROM cbl.ingest_events('[
  {"source": "railco", "event_id": "r1", "shipment": "RAIL-0001", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-05-02T08:00:00+08:00"},
  {"source": "railco", "event_id": "r2", "shipment": "RAIL-0001", "standard": "RAILCO", "code": "BRD", "occurred_at": "2026-05-12T08:00:00Z", "location": "KZDOS", "updated_at": "2026-05-12T09:00:00Z"},
  {"source": "railco", "event_id": "r2", "shipment": "RAIL-0001", "standard": "RAILCO", "code": "BRD", "occurred_at": "2026-05-12T07:00:00Z", "location": "KZDOS", "updated_at": "2026-05-12T10:00:00Z"},
  {"source": "railco", "event_id": "r9", "shipment": "RAIL-0002", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-05-03T08:00:00Z"}]');
-- a step that cannot be billed: an express parcel picked up with no rating input
SELECT cbl.create_shipment('NW-2605-01', 'express_parcel', 'NORDWIND', 'SKYEXP', NULL, 'DE', 'FR');
SELECT * FROM cbl.ingest_events('[
  {"source": "skyexp", "event_id": "nw-2605-01-pu", "shipment": "NW-2605-01", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-05-04T08:00:00Z"}]');
-- cbl's roles and a partner login mapped to its party
SELECT count(*) FROM cbl.setup_roles();
CREATE ROLE dump_all_portal LOGIN;
GRANT cbl_partner TO dump_all_portal;
SELECT cbl.map_login('dump_all_portal', 'customer', 'NORDWIND');
-- a settlement run: May 2026 settled by the procedure, with its log
SELECT count(*) FROM cbl.add_charge('RAIL-0001', NULL, 'receivable', 'RLF', '1800.00 EUR', '2026-05-12 08:00+00');
CALL cbl.run_monthly_settlement('2026-05-01');
},
	on_error_stop => 1);
is($ret, 0, 'rows of the user\'s own in every configuration table') or diag($err);

# pg_cron's own tables cannot be restored into a database other than its
# cron.database_name; it is not what this test is about, and cbl does not
# need it (it calls it dynamically): it goes before the dump.
$node->safe_psql('src', 'DROP EXTENSION pg_cron');

# ---------------------------------------------------------------------------
# What is compared, read from the catalogs.
my @views = split /\n/, $node->safe_psql('src',
	q{SELECT viewname FROM pg_views WHERE schemaname = 'cbl' ORDER BY 1});
my @config = split /\n/, $node->safe_psql('src', q{
	SELECT c.relname FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig) r(oid)
	  JOIN pg_class c ON c.oid = r.oid
	 WHERE e.extname = 'cbl' AND c.relkind = 'r' ORDER BY 1});
my @tables = split /\n/, $node->safe_psql('src',
	q{SELECT tablename FROM pg_tables WHERE schemaname = 'cbl' ORDER BY 1});
cmp_ok(scalar(@views), '>=', 13, scalar(@views) . ' views in schema cbl');
cmp_ok(scalar(@config), '>=', 30, scalar(@config) . ' tables registered for pg_dump');

# A relation's rows as text, in the order of that text: the comparison does
# not depend on the order a view happens to return its rows in.
sub rows_of
{
	my ($db, $rel) = @_;
	return $node->safe_psql($db,
		"SELECT t::text FROM cbl.$rel t ORDER BY t::text COLLATE \"C\"");
}
my $counts_sql = join("\nUNION ALL ", map { "SELECT '$_', count(*) FROM cbl.$_" } @tables)
  . "\nORDER BY 1";
my $sequences_sql =
  q{SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'cbl' ORDER BY 1};

my (%view_before, %config_before);
$view_before{$_} = rows_of('src', $_) for @views;
$config_before{$_} = rows_of('src', $_) for @config;
my $counts_before = $node->safe_psql('src', $counts_sql);
my $sequences_before = $node->safe_psql('src', $sequences_sql);
for my $v (@views)
{
	isnt($view_before{$v}, '', "view cbl.$v has rows before the dump");
}

# ---------------------------------------------------------------------------
dump_restore($node, 'src', 'dst');

# ---------------------------------------------------------------------------
# Every view.  Some read now() (cbl.v_timeline's "late": now() > due_at), and
# two databases cannot be read in one transaction, so now() differs between
# the reads.  Each view is therefore read in src again after dst: when src
# gave the same rows before the dump and after the read of dst, nothing
# time-dependent changed in between (a row that depends on now() turns over
# at one instant: between the two reads of src, so around the read of dst),
# and dst must then give those rows.  If src itself changed, the test says
# so rather than blame the restore.
for my $v (@views)
{
	my $after = rows_of('dst', $v);
	my $src_again = rows_of('src', $v);
	if ($src_again ne $view_before{$v})
	{
		is($after, $src_again, "view cbl.$v: same rows after restore (it changed with the clock meanwhile)");
		next;
	}
	is($after, $view_before{$v}, "view cbl.$v returns the same rows after restore");
}

# Every table cbl registers: the same rows, columns and all (timestamps and
# numbers are data here, restored as they were; the shipped rows come back
# from CREATE EXTENSION and have no time columns).
for my $t (@config)
{
	is(rows_of('dst', $t), $config_before{$t}, "table cbl.$t has the same rows after restore");
}
is($node->safe_psql('dst', $counts_sql), $counts_before,
	'every table of schema cbl has the same number of rows');
is($node->safe_psql('dst', $sequences_sql), $sequences_before,
	'every sequence of schema cbl is where it was');
is($node->safe_psql('dst', 'SELECT count(*) FROM cbl.framework_problems()'), '0',
	'the restored frameworks are well-formed');

# ---------------------------------------------------------------------------
# Life goes on after the restore.  (An error is a failed assertion with
# the server's message, not the end of the script.)
sub dst_value
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('dst', $sql);
	return $ret == 0 ? $out : "error: $err";
}
my $state_sql = q{SELECT cbl.current_milestone(ss.state) FROM cbl.shipment_state ss
                   JOIN cbl.shipment s ON s.id = ss.shipment_id WHERE s.reference = 'RAIL-0001'};
my $before = $node->safe_psql('dst', $state_sql);
is( $node->safe_psql('dst', q{SELECT accepted FROM cbl.ingest_events('[
  {"source": "railco", "event_id": "r3", "shipment": "RAIL-0001", "standard": "RAILCO", "code": "ARR", "occurred_at": "2026-05-20T06:00:00Z"}]')}),
	'1', 'a new event is accepted after the restore');
is($node->safe_psql('dst', $state_sql), 'ARRIVED',
	"... and moves the shipment on (from $before to ARRIVED) through the restored user code map");
is(dst_value(q{SELECT rejected FROM cbl.ingest_events('[{"source": "railco"}]')}),
	'1', 'a new reject is recorded after the restore (a fresh reject number)');
is( dst_value(q{
  SELECT (cbl.ingest_events(jsonb_build_array(
            jsonb_set(c.incoming, '{occurred_at}', '"2001-01-01T00:00:00Z"')))).conflict
    FROM cbl.event_conflict c ORDER BY c.conflict_no LIMIT 1}),
	'1', 'a new conflict on an event that had one is recorded (a fresh conflict number)');
is( dst_value(q{
  SELECT count(*) FROM cbl.add_charge('RAIL-0001', NULL, 'receivable', 'RLF', '900.00 EUR', '2026-06-20 06:00+00')}),
	'1', 'a new charge after the restore');
my $max_id = $node->safe_psql('dst', 'SELECT max(id) FROM cbl.shipment');
cmp_ok(dst_value(q{SELECT cbl.create_shipment('RAIL-0002', 'cn_eu_rail', 'RHEINLAND', 'RAILCO')}),
	'>', $max_id, 'a new shipment gets a fresh id ...');
is( $node->safe_psql('dst', q{SELECT count(*) FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id WHERE s.reference = 'RAIL-0002'}),
	'1', '... and its pending event attaches');
is( $node->safe_psql('dst', q{
  SELECT string_agg(format('%s %s', t, n), ', ') FROM (
    SELECT 'reject' t, count(*) - count(DISTINCT reject_no) n FROM cbl.event_reject
    UNION ALL SELECT 'conflict', count(*) - count(DISTINCT (shipment_id, source, event_id, conflict_no)) FROM cbl.event_conflict
    UNION ALL SELECT 'charge', count(*) - count(DISTINCT charge_no) FROM cbl.charge) x}),
	'reject 0, conflict 0, charge 0', 'no number was handed out twice');

$node->stop;
done_testing();
