-- Money flow as docs/billing.md tells it, statement for statement: billing
-- triggers, rating input, charges accruing with the event that triggers
-- them, a re-weigh, a manual charge and its void, duties, a carrier
-- invoice reconciled, recon_agg, margin, leakage and KPIs.  Every amount
-- is worked by hand in the comment above the query that shows it.
SET search_path = "$user", public, cbl;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';

-- The express sell card of docs/rate-cards.md (EXP-DE).
\set ECHO none
\i test/fixtures/rate_card_exp_de.sql
\set ECHO all

INSERT INTO cbl.party (kind, code, name, country, billing_currency, sell_card)
VALUES ('customer', 'NORDWIND', 'Nordwind Handels GmbH', 'DE', 'EUR', 'EXP-DE');
INSERT INTO cbl.party (kind, code, name, country)
VALUES ('carrier', 'SKYEXP', 'Sky Express', 'DE');

-- The carrier's buy card: what it charges us.
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, definition)
VALUES ('SKY-BUY', 1, 'buy', cbl.party_id('carrier', 'SKYEXP'), 'EUR', '[2026-01-01,)', $$
{"chargeable": {"divisor": 5000, "step": 0.5},
 "zones": [{"zone": "EU", "countries": ["FR", "NL", "BE", "AT"]}, {"zone": "US", "countries": ["US", "CA"]}],
 "freight": {"zones": {"EU": {"rates": [{"up_to": 2, "price": 11.00}, {"up_to": 30, "per_kg": 2.20}]},
                       "US": {"rates": [{"up_to": 70, "per_kg": 5.10}], "minimum": 30}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "percent": 12, "of": ["FRT"]},
                {"code": "SSC", "description": "Security", "per_shipment": 1.50}]}
$$);

-- What express parcels charge, and when.
INSERT INTO cbl.billing_trigger (framework, milestone, action) VALUES
  ('express_parcel', 'PICKED_UP', 'bill_sell_card'),
  ('express_parcel', 'PICKED_UP', 'accrue_buy_card'),
  ('express_parcel', 'IMPORT_CLEARED', 'bill_duties');

SELECT cbl.create_shipment('NW-1001', 'express_parcel', 'NORDWIND', 'SKYEXP',
                           origin => 'DE', destination => 'FR') AS nw1001 \gset
SELECT cbl.set_rating_input('NW-1001', '{"weight_kg": 3.2, "postcode": "75001"}');

-- The pickup is reported: the charges accrue in the same transaction.
-- 3.2 kg is charged as 3.5 kg.  Sell (EXP-DE, zone 2): FRT 3.5 x 4.10 =
-- 14.35, FSC 14.5% of 14.35 = 2.08075 -> 2.08.  Buy (SKY-BUY, zone EU):
-- FRT 3.5 x 2.20 = 7.70, FSC 12% of 7.70 = 0.924 -> 0.92, SSC 1.50.
SELECT accepted FROM cbl.ingest_events('[
  {"source": "skyexp", "event_id": "nw1001-pu", "shipment": "NW-1001", "milestone": "PICKED_UP",
   "classifier": "ACT", "occurred_at": "2026-03-02T09:30:00Z"}]');
SELECT party_code, direction, fee_code, amount, currency, origin, rate_card, trigger_key
  FROM cbl.v_charge WHERE shipment_reference = 'NW-1001' ORDER BY direction DESC, fee_code;

-- The same event again changes nothing.
SELECT duplicate FROM cbl.ingest_events('[
  {"source": "skyexp", "event_id": "nw1001-pu", "shipment": "NW-1001", "milestone": "PICKED_UP",
   "classifier": "ACT", "occurred_at": "2026-03-02T09:30:00Z"}]');
SELECT count(*) AS charges FROM cbl.charge WHERE shipment_id = :nw1001;

-- Re-weighed at the hub: 4.6 kg, charged as 5 kg.  Sell FRT 5 x 4.10 =
-- 20.50 (+6.15), FSC 2.9725 -> 2.97 (+0.89); buy FRT 11.00 (+3.30), FSC
-- 1.32 (+0.40), SSC unchanged: four adjustments.
SELECT cbl.set_rating_input('NW-1001', '{"weight_kg": 4.6, "postcode": "75001"}');
SELECT direction, fee_code, amount, origin, adjusts_charge_no IS NOT NULL AS adjusts, trigger_key
  FROM cbl.v_charge WHERE shipment_reference = 'NW-1001' AND origin = 'adjustment'
 ORDER BY direction DESC, fee_code;

-- A manual charge, and its void.
SELECT c.fee_code, c.amount, cbl.charge_status(c) AS status
  FROM cbl.add_charge('NW-1001', NULL, 'receivable', 'DOC', '5.00 EUR', '2026-03-02 12:00+00',
                      note => 'paper documents') c;
SELECT cbl.charge_status(c) AS status, c.void_reason
  FROM cbl.charge d, cbl.void_charge(d.shipment_id, d.charge_no, 'waived for a new customer') c
 WHERE d.shipment_id = cbl.find_shipment('NW-1001') AND d.fee_code = 'DOC' AND cbl.charge_status(d) = 'open';

-- A second parcel, to the United States: 2 kg.  Sell (zone 3): FRT 48.00
-- raised to the zone minimum 55.00, FSC 14.5% = 7.975 -> 7.98, CUS 25.00.
-- Buy (zone US): 2 x 5.10 = 10.20, minimum 30.00; FSC 3.60; SSC 1.50.
SELECT cbl.create_shipment('NW-1002', 'express_parcel', 'NORDWIND', 'SKYEXP',
                           origin => 'DE', destination => 'US') AS nw1002 \gset
SELECT cbl.set_rating_input('NW-1002', '{"weight_kg": 2, "postcode": "10001"}');
SELECT accepted FROM cbl.ingest_events('[
  {"source": "skyexp", "event_id": "nw1002-pu", "shipment": "NW-1002", "milestone": "PICKED_UP",
   "classifier": "ACT", "occurred_at": "2026-03-03T10:00:00Z"}]');
SELECT direction, fee_code, amount FROM cbl.v_charge
 WHERE shipment_reference = 'NW-1002' ORDER BY direction DESC, fee_code;

-- Duties and taxes: a parcel from Vietnam cleared into Germany (the quote
-- of docs/customs.md): duty 12% of 1110.00 = 133.20, import VAT 19% of
-- 1110.00 + 133.20 = 236.208 -> 236.21.
\set ECHO none
\i test/fixtures/customs_sample.sql
\set ECHO all
SELECT cbl.create_shipment('NW-1003', 'express_parcel', 'NORDWIND', 'SKYEXP',
                           origin => 'VN', destination => 'DE') AS nw1003 \gset
SELECT cbl.set_rating_input('NW-1003', '{"weight_kg": 12}',
  duty => '{"lines": [{"hs_code": "6109.10.00", "value": "1000.00 EUR", "quantities": {"kg": 12}}],
            "freight": "100.00 EUR", "insurance": "10.00 EUR", "mode": "air", "incoterm": "DAP"}');
SELECT accepted FROM cbl.ingest_events('[
  {"source": "skyexp", "event_id": "nw1003-cc", "shipment": "NW-1003", "milestone": "IMPORT_CLEARED",
   "classifier": "ACT", "occurred_at": "2026-03-05T14:00:00Z"}]');
SELECT direction, fee_code, amount, origin FROM cbl.v_charge
 WHERE shipment_reference = 'NW-1003' ORDER BY fee_code;

-- A pickup reported before anyone said what the parcel weighs: the charges
-- cannot be rated yet.  The problem is kept, and the charges accrue as
-- soon as the rating input is set (5.5 kg to Austria: sell FRT 5.5 x 4.10
-- = 22.55, FSC 3.26975 -> 3.27; buy 12.10, 1.452 -> 1.45, 1.50).
SELECT cbl.create_shipment('NW-1004', 'express_parcel', 'NORDWIND', 'SKYEXP',
                           origin => 'DE', destination => 'AT') AS nw1004 \gset
SELECT accepted FROM cbl.ingest_events('[
  {"source": "skyexp", "event_id": "nw1004-pu", "shipment": "NW-1004", "milestone": "PICKED_UP",
   "classifier": "ACT", "occurred_at": "2026-03-04T08:15:00Z"}]');
SELECT shipment_reference, milestone, action, problem, problem_sqlstate
  FROM cbl.v_billing_problem WHERE shipment_reference LIKE 'NW-%' ORDER BY action;
SELECT cbl.set_rating_input('NW-1004', '{"weight_kg": 5.3}');
SELECT count(*) AS problems FROM cbl.v_billing_problem WHERE shipment_reference LIKE 'NW-%';
SELECT direction, fee_code, amount FROM cbl.v_charge
 WHERE shipment_reference = 'NW-1004' ORDER BY direction DESC, fee_code;

-- The carrier's invoice: FSC of NW-1001 0.08 too high, FSC of NW-1002
-- 0.10 too low, a residential surcharge nobody expected, and the security
-- fee of NW-1002 not invoiced.
SELECT cbl.import_carrier_invoice('{
  "carrier": "SKYEXP", "invoice_no": "SKY-2026-03", "invoice_date": "2026-03-31", "currency": "EUR",
  "lines": [
    {"shipment": "NW-1001", "fee_code": "FRT", "amount": 11.00},
    {"shipment": "NW-1001", "fee_code": "FSC", "amount": 1.40},
    {"shipment": "NW-1001", "fee_code": "SSC", "amount": 1.50},
    {"shipment": "NW-1001", "fee_code": "RES", "amount": 5.50},
    {"shipment": "NW-1002", "fee_code": "FRT", "amount": "30.00"},
    {"shipment": "NW-1002", "fee_code": "FSC", "amount": "3.50 EUR"}]}') > 0 AS imported;
SELECT * FROM cbl.reconcile_invoice(cbl.carrier_invoice_id('SKYEXP', 'SKY-2026-03'), tolerance_abs => '0.05 EUR');
SELECT line_no, shipment_reference, fee_code, expected, invoiced, variance, outcome
  FROM cbl.v_reconciliation WHERE invoice_no = 'SKY-2026-03' ORDER BY item_no;

-- The same summary from the aggregate, over the pairs.
SELECT (cbl.recon_agg(expected, invoiced, 0.05)).*
  FROM cbl.invoice_reconciliation WHERE invoice_id = cbl.carrier_invoice_id('SKYEXP', 'SKY-2026-03');

-- Margin in euros (the reporting currency), and leakage: the security
-- fee was never billed on.  NW-1001: revenue 20.50 + 2.97 = 23.47, cost
-- 11.00 + 1.32 + 1.50 = 13.82, margin 9.65 (41.12%).  NW-1002: 87.98 -
-- 35.10 = 52.88.  NW-1003: 369.41 of duty and tax, no cost.  NW-1004:
-- 25.82 - 15.05 = 10.77.
SELECT cbl.set_setting('reporting_currency', 'EUR');
SELECT shipment_reference, month, lane, revenue, cost, margin, margin_pct
  FROM cbl.v_margin WHERE customer_code = 'NORDWIND' ORDER BY shipment_reference;
SELECT shipment_reference, party_code, fee_group, fee_code, cost
  FROM cbl.v_leakage WHERE customer_code = 'NORDWIND' ORDER BY shipment_reference;
-- KPIs: the money in March, when it accrued; the shipments in the month
-- their ids carry (made today: not March), so their total.
SELECT month, shipments, delivered, revenue, cost, margin
  FROM cbl.v_kpi_monthly WHERE customer_code = 'NORDWIND' AND month = '2026-03-01';
SELECT sum(shipments) AS shipments, sum(delivered) AS delivered
  FROM cbl.v_kpi_monthly WHERE customer_code = 'NORDWIND';

-- Customs assessed NW-1003's duty as quoted and its import VAT at 237.90
-- (the carrier paid them and passes them on): the customer was billed 1.69
-- of VAT too little.
SELECT count(*) AS assessed FROM (
  SELECT cbl.add_charge('NW-1003', 'SKYEXP', 'payable', 'DUTY', '133.20 EUR', '2026-03-06 09:00+00', reference => 'ATC-26-DE-001')
  UNION ALL
  SELECT cbl.add_charge('NW-1003', 'SKYEXP', 'payable', 'VAT', '237.90 EUR', '2026-03-06 09:00+00', reference => 'ATC-26-DE-001')) a;
SELECT shipment_reference, fee_code, currency, estimated, assessed, difference, status
  FROM cbl.v_duty_variance WHERE customer_code = 'NORDWIND' ORDER BY shipment_reference, fee_code;

-- Clean up (voided charges are kept by a trigger: lift it for this).
SELECT cbl.set_setting('reporting_currency', NULL);
ALTER TABLE cbl.charge DISABLE TRIGGER charge_guard;
DELETE FROM cbl.carrier_invoice WHERE invoice_no = 'SKY-2026-03';
DELETE FROM cbl.charge WHERE shipment_id IN (:nw1001, :nw1002, :nw1003, :nw1004);
ALTER TABLE cbl.charge ENABLE TRIGGER charge_guard;
DELETE FROM cbl.billing_accrual WHERE shipment_id IN (:nw1001, :nw1002, :nw1003, :nw1004);
DELETE FROM cbl.shipment_rating_input WHERE shipment_id IN (:nw1001, :nw1002, :nw1003, :nw1004);
DELETE FROM cbl.billing_trigger WHERE framework = 'express_parcel';
DELETE FROM cbl.event WHERE shipment_id IN (:nw1001, :nw1002, :nw1003, :nw1004);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (:nw1001, :nw1002, :nw1003, :nw1004);
DELETE FROM cbl.shipment WHERE id IN (:nw1001, :nw1002, :nw1003, :nw1004);
DELETE FROM cbl.rate_card WHERE code IN ('EXP-DE', 'SKY-BUY');
DELETE FROM cbl.party WHERE code IN ('NORDWIND', 'SKYEXP');
DELETE FROM cbl.tariff WHERE source LIKE 'SAMPLE%';
DELETE FROM cbl.import_rule WHERE source LIKE 'SAMPLE%';
