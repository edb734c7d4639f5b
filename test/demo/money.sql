-- cbl demo, money section: April 2026 of a forwarder's express parcels, in
-- money (docs/billing.md).  Two customers with their billing currency and
-- sell card, an agent on commission, two carriers with buy cards (one in
-- euros, one in US dollars), billing triggers on two frameworks; the
-- month's events accrue the charges as they are ingested, a parcel is
-- re-weighed at the hub, both carriers' invoices are imported and
-- reconciled, and the month ends in margin, KPIs and leakage.
--
-- The sell card EXP-DE (test/fixtures/rate_card_exp_de.sql) and the sample
-- tariff (test/fixtures/customs_sample.sql) are loaded by demo.sh before
-- the rating and customs sections.  Everything is qualified.

\echo
\echo '=== 16. Money: a month of express parcels (April 2026), from milestones to margin'
SET timezone = 'UTC';

\echo
\echo 'Customers bill in their currency with their sell card (a tier gets its discounts); carriers'
\echo 'bill in theirs; the agent earns 10% of the margin of the shipments it brought:'
INSERT INTO cbl.party (kind, code, name, country, billing_currency, sell_card, tier) VALUES
  ('customer', 'NORDWIND',  'Nordwind Handels GmbH',      'DE', 'EUR', 'EXP-DE', NULL),
  ('customer', 'HANSEATIC', 'Hanseatic Optics AG',        'DE', 'EUR', 'EXP-DE', 'gold'),
  ('carrier',  'SKYEXP',    'Sky Express',                'DE', 'EUR', NULL, NULL),
  ('carrier',  'ATLX',      'Atlantic Express Inc.',      'US', 'USD', NULL, NULL),
  ('agent',    'BALTIC',    'Baltic Trade Agency OU',     'EE', 'EUR', NULL, NULL);
INSERT INTO cbl.commission_rule (agent_id, basis, percent, valid, note)
VALUES (cbl.party_id('agent', 'BALTIC'), 'margin', 10, '[2026-01-01,)', 'introduced Hanseatic Optics');
SELECT kind, code, name, billing_currency, sell_card, tier
  FROM cbl.party WHERE code IN ('NORDWIND', 'HANSEATIC', 'SKYEXP', 'ATLX', 'BALTIC')
 ORDER BY kind DESC, code;

\echo
\echo 'The carriers'' buy cards: what they charge us (Sky Express in EUR, Atlantic Express in USD):'
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, description, definition)
VALUES
  ('SKY-BUY', 1, 'buy', cbl.party_id('carrier', 'SKYEXP'), 'EUR', '[2026-01-01,)', 'Sky Express contract rates', $$
{"chargeable": {"divisor": 5000, "step": 0.5},
 "zones": [{"zone": "EU", "countries": ["FR", "NL", "BE", "AT"]}, {"zone": "US", "countries": ["US", "CA"]}],
 "freight": {"zones": {"EU": {"rates": [{"up_to": 2, "price": 11.00}, {"up_to": 30, "per_kg": 2.20}]},
                       "US": {"rates": [{"up_to": 70, "per_kg": 5.10}], "minimum": 30}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "percent": 12, "of": ["FRT"]},
                {"code": "SSC", "description": "Security", "per_shipment": 1.50}]}
$$),
  ('ATL-BUY', 1, 'buy', cbl.party_id('carrier', 'ATLX'), 'USD', '[2026-01-01,)', 'Atlantic Express transatlantic rates', $$
{"chargeable": {"divisor": 5000, "step": 0.5},
 "zones": [{"zone": "US", "countries": ["US"]}, {"zone": "CA", "countries": ["CA"]}],
 "freight": {"zones": {"US": {"rates": [{"up_to": 2, "price": 21.00}, {"up_to": 70, "per_kg": 5.40}], "minimum": 25},
                       "CA": {"rates": [{"up_to": 70, "per_kg": 6.20}], "minimum": 30}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "percent": 16, "of": ["FRT"]},
                {"code": "RES", "description": "Residential delivery", "per_shipment": 4.75,
                 "when": {"flags": ["residential"]}}],
 "fees": [{"code": "CUS", "description": "Customs entry", "per_shipment": 12.00}]}
$$);
SELECT code, version, kind, currency, validity, description FROM cbl.rate_card
 WHERE code IN ('EXP-DE', 'SKY-BUY', 'ATL-BUY') ORDER BY kind DESC, code;
-- Dollar costs count in euro margins at the rate of their accrual date.
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-04-01', 1.0850, 'ECB reference rate') AS eur_usd;
SELECT cbl.set_setting('reporting_currency', 'EUR');

\echo
\echo 'Billing triggers: what a framework step charges when its milestone actually happens.'
\echo 'An express parcel bills its sell card and accrues its carrier''s buy card at pickup; an'
\echo 'import job bills the duties and taxes of its duty quote at clearance:'
INSERT INTO cbl.billing_trigger (framework, milestone, action) VALUES
  ('express_parcel', 'PICKED_UP', 'bill_sell_card'),
  ('express_parcel', 'PICKED_UP', 'accrue_buy_card'),
  ('import_only', 'IMPORT_CLEARED', 'bill_duties');
SELECT framework, milestone, action FROM cbl.billing_trigger ORDER BY framework, milestone, action;

\echo
\echo 'The month''s shipments and what each is rated from (cbl.set_rating_input); nobody has weighed'
\echo 'NW-2604-04 yet, and the import job carries the duty quote''s input:'
SELECT count(cbl.create_shipment(ref, fw, customer, carrier, agent, orig, dest)) AS shipments
  FROM (VALUES
    ('NW-2604-01', 'express_parcel', 'NORDWIND',  'SKYEXP', NULL,     'DE', 'FR'),
    ('NW-2604-02', 'express_parcel', 'NORDWIND',  'ATLX',   NULL,     'DE', 'US'),
    ('NW-2604-03', 'express_parcel', 'NORDWIND',  'SKYEXP', NULL,     'DE', 'NL'),
    ('NW-2604-04', 'express_parcel', 'NORDWIND',  'SKYEXP', NULL,     'DE', 'AT'),
    ('NW-2604-05', 'import_only',    'NORDWIND',  NULL,     NULL,     'VN', 'DE'),
    ('HO-2604-01', 'express_parcel', 'HANSEATIC', 'ATLX',   'BALTIC', 'DE', 'US'),
    ('HO-2604-02', 'express_parcel', 'HANSEATIC', 'SKYEXP', 'BALTIC', 'DE', 'BE'),
    ('HO-2604-03', 'express_parcel', 'HANSEATIC', 'ATLX',   'BALTIC', 'DE', 'CA')
  ) AS v (ref, fw, customer, carrier, agent, orig, dest);
SELECT ref, cbl.set_rating_input(ref, rating, duty) AS charges_written
  FROM (VALUES
    ('NW-2604-01', '{"weight_kg": 3.2, "postcode": "75001"}'::jsonb, NULL::jsonb),
    ('NW-2604-02', '{"weight_kg": 2, "postcode": "10001", "customs_lines": 1}', NULL),
    ('NW-2604-03', '{"pieces": [{"weight_kg": 9, "length_cm": 60, "width_cm": 40, "height_cm": 40}]}', NULL),
    ('NW-2604-05', '{"weight_kg": 12}',
     '{"lines": [{"hs_code": "6109.10.00", "value": "1000.00 EUR", "quantities": {"kg": 12}}],
       "freight": "100.00 EUR", "insurance": "10.00 EUR", "mode": "air", "incoterm": "DAP"}'),
    ('HO-2604-01', '{"weight_kg": 8, "postcode": "94105", "flags": ["residential"], "customs_lines": 3}', NULL),
    ('HO-2604-02', '{"weight_kg": 1.5}', NULL),
    ('HO-2604-03', '{"weight_kg": 25, "customs_lines": 2}', NULL)
  ) AS v (ref, rating, duty)
 ORDER BY ref;

-- The month's carrier events: each parcel booked, picked up, cleared, flown
-- and delivered (the same steps, hours after booking; HO-2604-02 three
-- days late, HO-2604-03 still in the air at the end of the month), and the
-- import job as the customs broker reports it, held for inspection.
CREATE TEMP TABLE april_event AS
SELECT p.source, lower(p.ref || '-' || s.milestone) AS event_id, p.ref, s.milestone,
       p.booked + s.hours * interval '1 hour'
         + CASE WHEN s.milestone = 'DELIVERED' THEN p.delivery_delay ELSE interval '0' END AS at,
       NULL AS reason
  FROM (VALUES
    ('skyexp', 'NW-2604-01', timestamptz '2026-04-01 08:00+00', 8, interval '0'),
    ('atlx',   'NW-2604-02', '2026-04-02 09:00+00', 8, '0'),
    ('atlx',   'HO-2604-01', '2026-04-06 11:00+00', 8, '0'),
    ('skyexp', 'NW-2604-03', '2026-04-08 10:00+00', 8, '0'),
    ('skyexp', 'NW-2604-04', '2026-04-14 07:30+00', 8, '0'),
    ('skyexp', 'HO-2604-02', '2026-04-15 13:00+00', 8, '3 days'),
    ('atlx',   'HO-2604-03', '2026-04-29 09:00+00', 4, '0')
  ) AS p (source, ref, booked, steps, delivery_delay)
  JOIN (VALUES (1, 'BOOKED', 0), (2, 'PICKED_UP', 5), (3, 'EXPORT_CLEARED', 14), (4, 'DEPARTED', 18),
               (5, 'ARRIVED', 30), (6, 'IMPORT_CLEARED', 36), (7, 'OUT_FOR_DELIVERY', 44),
               (8, 'DELIVERED', 50)) AS s (n, milestone, hours)
    ON s.n <= p.steps
UNION ALL
SELECT 'broker', lower('NW-2604-05-' || milestone), 'NW-2604-05', milestone, at::timestamptz, reason
  FROM (VALUES
    ('ARRIVED',         '2026-04-20 06:00+00', NULL),
    ('IMPORT_DECLARED', '2026-04-20 09:00+00', NULL),
    ('CUSTOMS_HOLD',    '2026-04-20 15:00+00', 'INSPECTION'),
    ('IMPORT_CLEARED',  '2026-04-22 11:00+00', NULL),
    ('DELIVERED',       '2026-04-23 14:00+00', NULL)
  ) AS b (milestone, at, reason);

\echo
\echo 'The carriers'' events of 1 to 20 April, as one batch.  The charges accrue in the same'
\echo 'transaction as the events that trigger them:'
SELECT * FROM cbl.ingest_events((
  SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
           'source', source, 'event_id', event_id, 'shipment', ref, 'milestone', milestone,
           'classifier', 'ACT', 'occurred_at', at, 'reason_code', reason)) ORDER BY at, ref)
    FROM april_event WHERE at < '2026-04-21 00:00+00'));

\echo
\echo 'Every charge of one parcel (cbl.v_charge): 3.2 kg to Paris is charged as 3.5 kg, sold on'
\echo 'EXP-DE (zone 2) and bought on SKY-BUY, each line with the card, version and trigger key:'
SELECT party_code, direction, fee_code, fee_group, amount, currency, accrual_date, origin,
       rate_card || ' v' || rate_card_version AS card, trigger_key
  FROM cbl.v_charge WHERE shipment_reference = 'NW-2604-01' ORDER BY direction DESC, fee_code;
\echo 'A gold customer''s parcel to a residence in San Francisco, bought in dollars:'
SELECT party_code, direction, fee_code, amount, currency, origin, trigger_key
  FROM cbl.v_charge WHERE shipment_reference = 'HO-2604-01' ORDER BY direction DESC, fee_code;

\echo
\echo 'NW-2604-04 was picked up before anyone weighed it: the event went in, the billing steps wait'
\echo '(cbl.v_billing_problem) ...'
SELECT shipment_reference, milestone, action, milestone_at, problem, problem_sqlstate
  FROM cbl.v_billing_problem WHERE shipment_reference LIKE '%-2604-%' ORDER BY shipment_reference, action;
\echo '... until its weight is set: the charges accrue then, dated at the pickup.'
SELECT cbl.set_rating_input('NW-2604-04', '{"weight_kg": 5.3}') AS charges_written;
SELECT count(*) AS problems_left FROM cbl.v_billing_problem WHERE shipment_reference LIKE '%-2604-%';
SELECT party_code, direction, fee_code, amount, currency, accrued_at
  FROM cbl.v_charge WHERE shipment_reference = 'NW-2604-04' ORDER BY direction DESC, fee_code;

\echo
\echo 'The hub re-weighs NW-2604-01: 4.6 kg, charged as 5 kg.  The charges already written are never'
\echo 'edited; the differences accrue as adjustments, dated like the charges they adjust:'
SELECT cbl.set_rating_input('NW-2604-01', '{"weight_kg": 4.6, "postcode": "75001"}') AS charges_written;
SELECT party_code, direction, fee_code, amount, accrual_date, origin, adjusts_charge_no, trigger_key
  FROM cbl.v_charge WHERE shipment_reference = 'NW-2604-01' AND origin = 'adjustment'
 ORDER BY direction DESC, fee_code;
\echo 'The same weight again writes nothing:'
SELECT cbl.set_rating_input('NW-2604-01', '{"weight_kg": 4.6, "postcode": "75001"}') AS charges_written;

\echo
\echo 'The exception scan of 20 April, 18:00 (pg_cron would run it every few minutes): the import'
\echo 'job is held by customs.'
SELECT * FROM cbl.scan_exceptions(as_of => '2026-04-20 18:00+00',
                                  shipment_ids => ARRAY(SELECT id FROM cbl.shipment WHERE reference LIKE '%-2604-%'));

\echo
\echo 'The events of 21 to 30 April.  Customs clear the import job on the 22nd, which bills its'
\echo 'duty and import VAT (the duty quote of section 13); Hanseatic''s parcel to Canada is picked'
\echo 'up on the 29th and leaves on the 30th:'
SELECT * FROM cbl.ingest_events((
  SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
           'source', source, 'event_id', event_id, 'shipment', ref, 'milestone', milestone,
           'classifier', 'ACT', 'occurred_at', at, 'reason_code', reason)) ORDER BY at, ref)
    FROM april_event WHERE at >= '2026-04-21 00:00+00'));
SELECT party_code, direction, fee_code, amount, currency, accrual_date, origin, trigger_key
  FROM cbl.v_charge WHERE shipment_reference = 'NW-2604-05' ORDER BY fee_code;
\echo 'Charges by hand: the import job''s customs brokerage fee, and a documents fee waived again:'
SELECT c.shipment_id IS NOT NULL AS added, c.fee_code, c.amount, c.origin, cbl.charge_status(c) AS status
  FROM cbl.add_charge('NW-2604-05', NULL, 'receivable', 'CUS', '35.00 EUR', '2026-04-22 11:00+00',
                      note => 'customs brokerage, 1 declaration') c;
SELECT c.fee_code, c.amount, cbl.charge_status(c) AS status, c.void_reason
  FROM cbl.add_charge('NW-2604-05', NULL, 'receivable', 'DOC', '5.00 EUR', '2026-04-22 11:00+00',
                      note => 'paper documents') d,
       cbl.void_charge(d.shipment_id, d.charge_no, 'waived: the documents came electronically') c;
\echo 'The scan at the end of the month finds the hold resolved:'
SELECT * FROM cbl.scan_exceptions(as_of => '2026-04-30 18:00+00',
                                  shipment_ids => ARRAY(SELECT id FROM cbl.shipment WHERE reference LIKE '%-2604-%'));
SELECT reference, kind, milestone, opened_at, resolved_at, status
  FROM cbl.v_exception WHERE reference LIKE '%-2604-%' ORDER BY reference, kind;

\echo
\echo 'The month''s charges per shipment (voided ones left out), in the currency they accrued in:'
SELECT shipment_reference, party_code, direction, currency, count(*) AS charges, sum(amount) AS total
  FROM cbl.v_charge
 WHERE shipment_reference LIKE '%-2604-%' AND status <> 'voided'
 GROUP BY shipment_reference, party_code, direction, currency
 ORDER BY shipment_reference, direction DESC;

\echo
\echo 'The carriers'' invoices for April.  Sky Express bills NW-2604-03''s fuel 0.30 too high,'
\echo 'forgets the security fee of HO-2604-02, and bills a pickup for a parcel cbl never heard of;'
\echo 'Atlantic Express bills a freight 0.40 USD under, and an additional handling nobody expected:'
SELECT cbl.import_carrier_invoice('{
  "carrier": "SKYEXP", "invoice_no": "SKY-2026-04", "invoice_date": "2026-04-30", "currency": "EUR",
  "lines": [
    {"shipment": "NW-2604-01", "fee_code": "FRT", "amount": 11.00},
    {"shipment": "NW-2604-01", "fee_code": "FSC", "amount": 1.32},
    {"shipment": "NW-2604-01", "fee_code": "SSC", "amount": 1.50},
    {"shipment": "NW-2604-03", "fee_code": "FRT", "amount": 42.90},
    {"shipment": "NW-2604-03", "fee_code": "FSC", "amount": 5.45},
    {"shipment": "NW-2604-03", "fee_code": "SSC", "amount": 1.50},
    {"shipment": "NW-2604-04", "fee_code": "FRT", "amount": 12.10},
    {"shipment": "NW-2604-04", "fee_code": "FSC", "amount": 1.45},
    {"shipment": "NW-2604-04", "fee_code": "SSC", "amount": 1.50},
    {"shipment": "HO-2604-02", "fee_code": "FRT", "amount": 11.00},
    {"shipment": "HO-2604-02", "fee_code": "FSC", "amount": 1.32},
    {"shipment": "NW-2699-99", "fee_code": "PUP", "amount": "8.00 EUR", "description": "pickup, Hamburg"}]}') > 0 AS sky_imported;
SELECT cbl.import_carrier_invoice('{
  "carrier": "ATLX", "invoice_no": "ATL-26-0412", "invoice_date": "2026-04-30", "currency": "USD",
  "lines": [
    {"shipment": "NW-2604-02", "fee_code": "FRT", "amount": 25.00},
    {"shipment": "NW-2604-02", "fee_code": "FSC", "amount": 4.00},
    {"shipment": "NW-2604-02", "fee_code": "CUS", "amount": 12.00},
    {"shipment": "HO-2604-01", "fee_code": "FRT", "amount": 42.80},
    {"shipment": "HO-2604-01", "fee_code": "FSC", "amount": 6.91},
    {"shipment": "HO-2604-01", "fee_code": "RES", "amount": 4.75},
    {"shipment": "HO-2604-01", "fee_code": "CUS", "amount": 12.00},
    {"shipment": "HO-2604-01", "fee_code": "AHS", "amount": 15.00, "description": "additional handling"},
    {"shipment": "HO-2604-03", "fee_code": "FRT", "amount": 155.00},
    {"shipment": "HO-2604-03", "fee_code": "FSC", "amount": 24.80},
    {"shipment": "HO-2604-03", "fee_code": "CUS", "amount": 12.00}]}') > 0 AS atlx_imported;

\echo 'Reconciled against the payable charges cbl expected (tolerance: 5 cents, or 1% for Atlantic):'
SELECT 'SKY-2026-04' AS invoice, r.*
  FROM cbl.reconcile_invoice(cbl.carrier_invoice_id('SKYEXP', 'SKY-2026-04'), tolerance_abs => '0.05 EUR') r
UNION ALL
SELECT 'ATL-26-0412', r.*
  FROM cbl.reconcile_invoice(cbl.carrier_invoice_id('ATLX', 'ATL-26-0412'), tolerance_pct => 1) r;
\echo 'Line by line (cbl.v_reconciliation), all but the exact matches:'
SELECT invoice_no, line_no, shipment_reference, invoice_shipment_ref AS invoiced_ref, fee_code,
       expected, invoiced, variance, currency, outcome
  FROM cbl.v_reconciliation
 WHERE invoice_no IN ('SKY-2026-04', 'ATL-26-0412') AND (outcome <> 'matched' OR variance <> 0)
 ORDER BY invoice_no DESC, item_no;
\echo 'The same pairs summarised by the aggregate cbl.recon_agg, one row per invoice (expanded).  Its'
\echo 'tolerance is a flat 0.05, so Atlantic''s freight 0.40 under (within 1%) counts as under-billed:'
\x on
SELECT i.invoice_no, (cbl.recon_agg(r.expected, r.invoiced, 0.05)).*
  FROM cbl.invoice_reconciliation r JOIN cbl.carrier_invoice i ON i.id = r.invoice_id
 WHERE i.invoice_no IN ('SKY-2026-04', 'ATL-26-0412')
 GROUP BY i.invoice_no ORDER BY i.invoice_no DESC;
\x off

\echo
\echo 'Margin per shipment in euros, the reporting currency (cbl.v_margin; dollar costs at the'
\echo 'EUR/USD rate of their accrual date, exact to the micro-unit, rounded here to cents):'
SELECT shipment_reference, customer_code, lane, revenue, round(cost, 2) AS cost, round(margin, 2) AS margin,
       margin_pct, unconverted_charges
  FROM cbl.v_margin WHERE month = '2026-04-01' AND customer_code IN ('NORDWIND', 'HANSEATIC')
 ORDER BY shipment_reference;
\echo 'Rolled up by customer and lane:'
SELECT customer_code, lane, count(*) AS shipments, sum(revenue) AS revenue, round(sum(cost), 2) AS cost,
       round(sum(margin), 2) AS margin, round(100 * sum(margin) / NULLIF(sum(revenue), 0), 2) AS margin_pct
  FROM cbl.v_margin WHERE month = '2026-04-01' AND customer_code IN ('NORDWIND', 'HANSEATIC')
 GROUP BY customer_code, lane ORDER BY customer_code, lane;

\echo
\echo 'KPIs per month and customer (cbl.v_kpi_monthly): the money in April, when it accrued; the'
\echo 'shipments in the month they were made in (their ids carry it: made today, so this month):'
SELECT month, customer_code, shipments, delivered, on_time_pct, avg_clearance_hours,
       exceptions_per_100, reporting_currency AS cur, revenue, round(cost, 2) AS cost,
       round(margin, 2) AS margin
  FROM cbl.v_kpi_monthly WHERE customer_code IN ('NORDWIND', 'HANSEATIC')
 ORDER BY month, customer_code;

\echo
\echo 'Leakage (cbl.v_leakage): costs whose fee group was never billed on to the customer:'
SELECT shipment_reference, customer_code, party_code, fee_group, fee_code, cost, currency, reporting_cost
  FROM cbl.v_leakage WHERE customer_code IN ('NORDWIND', 'HANSEATIC') ORDER BY shipment_reference, fee_code;

-- ---------------------------------------------------------------------------
-- Month end: April 2026 is settled.  Every party's open charges become a
-- statement per party, direction and currency (ATLX's USD costs stay in USD,
-- its billing currency); the agent's commission comes from its rule.
-- ---------------------------------------------------------------------------
\echo
\echo '== Month end: settle April 2026'
SELECT statement_no, currency, total FROM cbl.settle('2026-04-01') ORDER BY statement_no;
SELECT statement_no, party_code, direction, currency, total, line_count, charge_count
  FROM cbl.v_statement WHERE period_start = '2026-04-01' ORDER BY statement_no;
\echo '-- the lines of NORDWIND''s statement, each linked to the charges behind it'
SELECT l.line_no, l.kind, l.shipment_reference, l.fee_code, l.charge_amount, l.charge_currency, l.amount
  FROM cbl.v_statement_line l JOIN cbl.v_statement s USING (statement_no)
 WHERE s.party_code = 'NORDWIND' AND s.period_start = '2026-04-01' ORDER BY l.line_no;
\echo '-- settling the month again creates nothing: the same statements come back'
SELECT count(*) AS statements_before FROM cbl.statement \gset
SELECT count(*) AS returned FROM cbl.settle('2026-04-01');
SELECT count(*) - :statements_before AS new_statements FROM cbl.statement;
SELECT count(*) FILTER (WHERE status = 'open') AS open_april_charges,
       count(*) FILTER (WHERE status = 'settled') AS settled_april_charges,
       count(*) FILTER (WHERE status = 'settled' AND NOT EXISTS (SELECT 1 FROM cbl.v_charge_line x
                                                               WHERE x.shipment_id = c.shipment_id
                                                                 AND x.charge_no = c.charge_no)) AS settled_on_no_line
  FROM cbl.v_charge c WHERE accrued_at >= '2026-04-01 00:00+00' AND accrued_at < '2026-05-01 00:00+00';

RESET timezone;
