# pg_dump / pg_restore of a database that bills: the parties' billing
# columns, fee codes and groups of the user's own, commission rules, billing
# triggers (on a shipped framework), rating inputs, what each step accrued
# from, charges of every origin and status (an adjustment stored before the
# charge it adjusts, as happens once that charge is updated), carrier
# invoices with their lines and reconciliation, all come back exactly; and
# billing goes on after the restore: a re-sent event accrues nothing, a new
# one accrues, charge numbers do not collide, a settled charge stays final.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CblTap;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('billing');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql(
	'src', q{
CREATE EXTENSION cbl;
SET timezone = 'UTC';
INSERT INTO cbl.party (kind, code, name, billing_currency, sell_card, tier) VALUES
  ('customer', 'ACME', 'Acme', 'EUR', 'ACME-SELL', 'gold'), ('carrier', 'SKY', 'Sky Express', NULL, NULL, NULL),
  ('agent', 'NORTH', 'North Agency', NULL, NULL, NULL);
INSERT INTO cbl.fee_group (code, description) VALUES ('packing', 'packing');
INSERT INTO cbl.fee (code, fee_group, description) VALUES ('PAL', 'packing', 'pallets');
INSERT INTO cbl.commission_rule (agent_id, basis, percent, fee_group, valid)
VALUES (cbl.party_id('agent', 'NORTH'), 'margin', 10, NULL, '[2026-01-01,)');
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, definition) VALUES
  ('ACME-SELL', 1, 'sell', NULL, 'EUR', '[2026-01-01,)',
   '{"zones": [{"zone": "W", "countries": ["*"]}], "freight": {"zones": {"W": {"rates": [{"up_to": 100, "per_kg": 3}]}}},
     "surcharges": [{"code": "FSC", "percent": 10, "of": ["FRT"]}], "tiers": {"gold": [{"percent": 5, "of": ["freight"]}]}}'),
  ('SKY-BUY', 1, 'buy', cbl.party_id('carrier', 'SKY'), 'EUR', '[2026-01-01,)',
   '{"zones": [{"zone": "W", "countries": ["*"]}], "freight": {"zones": {"W": {"rates": [{"up_to": 100, "per_kg": 2}]}}}}');
INSERT INTO cbl.billing_trigger (framework, milestone, action) VALUES
  ('express_parcel', 'PICKED_UP', 'bill_sell_card'), ('express_parcel', 'PICKED_UP', 'accrue_buy_card');
SELECT cbl.create_shipment('B-1', 'express_parcel', 'ACME', 'SKY', 'NORTH', 'DE', 'FR');
SELECT cbl.create_shipment('B-2', 'express_parcel', 'ACME', 'SKY', NULL, 'DE', 'AT');
SELECT cbl.set_rating_input('B-1', '{"weight_kg": 10}');
SELECT cbl.ingest_events('[
  {"source": "sky", "event_id": "1", "shipment": "B-1", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "sky", "event_id": "2", "shipment": "B-2", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T09:00:00Z"}]');
-- a re-weigh: adjustments; then the originals are noted (their rows move
-- behind the adjustments in the table) and settled (by hand: a settlement
-- mark per party, up to the last original); the fuel surcharge is voided
-- (the settled one reversed, the open adjustment voided)
SELECT cbl.set_rating_input('B-1', '{"weight_kg": 12}');
UPDATE cbl.charge SET note = 'rated' WHERE origin = 'rated' AND adjusts_charge_no IS NULL;
INSERT INTO cbl.period (period_start, time_zone) VALUES ('2026-03-01', 'UTC');
INSERT INTO cbl.settlement_mark (party_id, period_start, charges_through, settled_before)
SELECT c.party_id, '2026-03-01', max(c.charge_no), '2026-04-01 00:00+00'
  FROM cbl.charge c WHERE c.origin = 'rated' AND c.adjusts_charge_no IS NULL GROUP BY c.party_id;
SELECT cbl.void_charge(c.shipment_id, c.charge_no, 'credit') FROM cbl.charge c
 WHERE c.trigger_key IN ('PICKED_UP:bill_sell_card:FSC', 'PICKED_UP:bill_sell_card:FSC:2');
SELECT cbl.add_charge('B-1', NULL, 'receivable', 'PAL', '12.00 EUR', '2026-03-03 00:00+00', note => 'two pallets');
SELECT cbl.reconcile_invoice(cbl.import_carrier_invoice('{"carrier": "SKY", "invoice_no": "S-1", "invoice_date": "2026-03-31",
  "currency": "EUR", "lines": [{"shipment": "B-1", "fee_code": "FRT", "amount": 24.00}, {"shipment": "B-1", "fee_code": "PUP", "amount": 5}]}'),
  '0.01 EUR');
});

my $sql = q{
SELECT kind, code, billing_currency, sell_card, tier FROM cbl.party ORDER BY 1, 2;
SELECT code, fee_group, builtin FROM cbl.fee WHERE NOT builtin ORDER BY 1;
SELECT code FROM cbl.fee_group WHERE NOT builtin ORDER BY 1;
SELECT agent_id, rule_no, basis, percent, fee_group, valid FROM cbl.commission_rule ORDER BY 1, 2;
SELECT framework, milestone, action, card FROM cbl.billing_trigger ORDER BY 1, 2, 3;
SELECT shipment_id, rating, duty, revision FROM cbl.shipment_rating_input ORDER BY 1;
SELECT shipment_id, milestone, action, status, rated_at, input_revision, rate_card, problem FROM cbl.billing_accrual ORDER BY 1, 2, 3;
SELECT shipment_id, charge_no, party_id, direction, fee_code, amount, accrued_at, origin, rate_card, rate_card_version,
       step, reference, trigger_key, adjusts_charge_no, cbl.charge_status(c), voided_at, void_reason, note, created_at
  FROM cbl.charge c ORDER BY 1, 2;
SELECT party_id, period_start, charges_through, settled_before FROM cbl.settlement_mark ORDER BY 1, 2;
SELECT id, carrier_id, invoice_no, invoice_date, currency, document, content_hash, reconciled_at, tolerance_abs FROM cbl.carrier_invoice ORDER BY 1;
SELECT * FROM cbl.carrier_invoice_line ORDER BY 1, 2;
SELECT invoice_id, item_no, line_no, shipment_id, charge_no, fee_code, expected, invoiced, variance, outcome FROM cbl.invoice_reconciliation ORDER BY 1, 2;
};
my $before = $node->safe_psql('src', $sql);
like($before, qr/PICKED_UP:bill_sell_card:FRT:2/, 'an adjustment accrued before the dump');
like($before, qr/\|settled\|/, 'settled charges before the dump');
like($before, qr/\|voided\|/, 'a voided charge before the dump');
ok( $node->safe_psql('src', q{
  SELECT (SELECT ctid FROM cbl.charge WHERE trigger_key = 'PICKED_UP:bill_sell_card:FRT:2')
       < (SELECT ctid FROM cbl.charge WHERE trigger_key = 'PICKED_UP:bill_sell_card:FRT')}) eq 't',
	'an adjustment is stored before the charge it adjusts');

dump_restore($node, 'src', 'dst');
is($node->safe_psql('dst', $sql), $before,
	'parties, fees, commission rules, billing triggers, rating inputs, accruals, charges, invoices and reconciliations came back exactly');

# Billing goes on.
my $charges = $node->safe_psql('dst', q{SELECT count(*) FROM cbl.charge});
is( $node->safe_psql('dst', q{SELECT (cbl.ingest_events('[{"source": "sky", "event_id": "1", "shipment": "B-1", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"}]')).duplicate})
	  . ' ' . $node->safe_psql('dst', q{SELECT count(*) FROM cbl.charge}),
	"1 $charges", 'a re-sent event accrues nothing after the restore');
# B-2, 1 kg: sell 3.00, gold discount -0.15, fuel 0.30; buy 2.00
is( $node->safe_psql('dst', q{SELECT cbl.set_rating_input('B-2', '{"weight_kg": 1}')}),
	'4', 'a step waiting for its rating input accrues after the restore');
is( $node->safe_psql('dst', q{SELECT count(*) = count(DISTINCT charge_no) FROM cbl.charge}),
	't', 'charge numbers do not collide after the restore');
my ($ret, $stdout, $stderr) = $node->psql('dst',
	q{UPDATE cbl.charge c SET amount = '1 EUR' WHERE cbl.charge_status(c) = 'settled'});
like($stderr, qr/is settled and cannot be changed/, 'a settled charge is still final after the restore');

$node->stop;
done_testing();
