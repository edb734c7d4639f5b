-- Carrier invoices: import (checks, idempotence, shipment references) and
-- reconciliation against the payable charges expected (one-to-one pairing
-- by reference, then by amount; adjustments, voids, other currencies,
-- tolerances, a fee invoiced twice, re-reconciling).  Amounts by hand.
SET search_path = "$user", public, cbl;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.try(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '\(id \d+\)', '(id N)');
END $$;

INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'RC-SHIPPER', 'Shipper'), ('carrier', 'RC-LINE', 'Ocean line'),
  ('carrier', 'RC-TRUCK', 'Trucker'), ('agent', 'RC-LINE', 'Ocean line agency');
-- F1: two 40' containers; F2 shares container MSKU9070323 (LCL); F3 in SGD.
SELECT cbl.create_shipment('RC-F1', 'ocean_fcl', 'RC-SHIPPER', 'RC-LINE', origin => 'DE', destination => 'CN',
                           refs => '{"bl": "HLCUHAM260300001", "container": ["CSQU3054383", "MSKU9070323"]}') AS f1 \gset
SELECT cbl.create_shipment('RC-F2', 'ocean_lcl', 'RC-SHIPPER', 'RC-LINE', origin => 'DE', destination => 'CN',
                           refs => '{"container": "MSKU9070323"}') AS f2 \gset
SELECT cbl.create_shipment('RC-F3', 'ocean_fcl', 'RC-SHIPPER', 'RC-LINE', origin => 'US', destination => 'DE') AS f3 \gset

-- Expected: ocean freight and terminal handling per container, a bill of
-- lading fee, a demurrage charge later adjusted by -50 (expected 250), a
-- voided seal fee, a fully reversed inspection fee, and (not expected) a
-- receivable and another carrier's payable.
SELECT count(*) AS charges FROM (
  SELECT cbl.add_charge('RC-F1', 'RC-LINE', 'payable', 'OFR', '1700.00 EUR', '2026-03-02 00:00+00', 'CSQU3054383', party_kind => 'carrier')
  UNION ALL SELECT cbl.add_charge('RC-F1', 'RC-LINE', 'payable', 'OFR', '1650.00 EUR', '2026-03-02 00:00+00', 'MSKU9070323', party_kind => 'carrier')
  UNION ALL SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'THC', '210.00 EUR', '2026-03-02 00:00+00', 'CSQU3054383')
  UNION ALL SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'THC', '210.00 EUR', '2026-03-02 00:00+00', 'MSKU9070323')
  UNION ALL SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'BL', '45.00 EUR', '2026-03-02 00:00+00')
  UNION ALL SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'DEM', '300.00 EUR', '2026-03-20 00:00+00')
  UNION ALL SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'MISC', '15.00 EUR', '2026-03-02 00:00+00', note => 'seal')
  UNION ALL SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'AHS', '80.00 EUR', '2026-03-02 00:00+00', note => 'inspection')
  UNION ALL SELECT cbl.add_charge('RC-F1', NULL, 'receivable', 'OFR', '4000.00 EUR', '2026-03-02 00:00+00')
  UNION ALL SELECT cbl.add_charge('RC-F1', 'RC-TRUCK', 'payable', 'PUP', '120.00 EUR', '2026-03-01 00:00+00')
  UNION ALL SELECT cbl.add_charge('RC-F2', NULL, 'payable', 'OFR', '95.00 EUR', '2026-03-02 00:00+00')
  UNION ALL SELECT cbl.add_charge('RC-F3', NULL, 'payable', 'OFR', '1400.00 SGD', '2026-03-05 00:00+00')) x;
SELECT count(*) AS adjustments FROM (
  SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'DEM', '-50.00 EUR', '2026-03-20 00:00+00', origin => 'adjustment',
                        adjusts_charge_no => (SELECT charge_no FROM cbl.charge WHERE shipment_id = :f1 AND fee_code = 'DEM'))
  UNION ALL
  SELECT cbl.add_charge('RC-F1', NULL, 'payable', 'AHS', '-80.00 EUR', '2026-03-02 00:00+00', origin => 'adjustment',
                        adjusts_charge_no => (SELECT charge_no FROM cbl.charge WHERE shipment_id = :f1 AND fee_code = 'AHS'))) x;
SELECT cbl.charge_status(v) AS status FROM cbl.void_charge(:f1, (SELECT charge_no FROM cbl.charge WHERE shipment_id = :f1 AND fee_code = 'MISC'), 'not used') v;
-- EUR/SGD on the accrual day of F3's freight: 1 EUR = 1.40 SGD, so
-- 1400.00 SGD is expected as 1000.00 EUR.
SELECT cbl.set_fx_rate('EUR', 'SGD', '2026-03-01', 1.40, 'reconcile test');

-- Import: the document is checked, line by line.
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('[]')$$) AS not_an_object;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_date": "2026-03-31", "currency": "EUR", "lines": []}')$$) AS no_number;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUR", "lines": {}}')$$) AS lines_not_array;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-NOBODY", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUR", "lines": []}')$$) AS unknown_carrier;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-SHIPPER", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUR", "lines": []}')$$) AS not_a_carrier;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUX", "lines": []}')$$) AS unknown_currency;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "X", "invoice_date": "31.03.2026", "currency": "EUR", "lines": []}')$$) AS bad_date;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUR",
  "lines": [{"shipment": "RC-F1", "fee_code": "OFR", "amount": 1}, {"shipment": "RC-F1", "amount": 1}]}')$$) AS no_fee_code;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUR",
  "lines": [{"shipment": "RC-F1", "fee_code": "OFR", "amount": 1.1234567}]}')$$) AS too_precise;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUR",
  "lines": [{"shipment": "RC-F1", "fee_code": "OFR", "amount": "12 USD"}]}')$$) AS other_currency;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "X", "invoice_date": "2026-03-31", "currency": "EUR",
  "lines": [{"shipment": "RC-F1", "fee_code": "OFR", "amount": 12, "reference": 7}]}')$$) AS reference_not_text;
SELECT count(*) AS nothing_imported FROM cbl.carrier_invoice WHERE invoice_no = 'X';

-- The line's container and the charge's compare without spaces, case or
-- hyphens.  Lines: container freight in the opposite order of the charges
-- (1650 billed as 1660: within the 1% tolerance of 16.50), handling
-- without container numbers (paired by amount: 210 with 210, 230 with the
-- other 210, over-billed by 20 > 2.10), the B/L fee under another
-- reference (paired), demurrage 250 as expected after its adjustment,
-- storage nobody expected, a line naming F2 by its shared container (it
-- names two shipments: unexpected), one naming nothing known, and F3's
-- 1400.00 SGD freight invoiced as 1000.00 EUR (matched).  The trucker's
-- pickup, the voided seal, the reversed inspection and the receivable are
-- not expected; F2's freight is not expected either, as no line names F2
-- alone: nothing is missing.
SELECT cbl.import_carrier_invoice($${
  "carrier": "RC-LINE", "invoice_no": "HL-0001", "invoice_date": "2026-03-31", "currency": "EUR",
  "lines": [
    {"shipment": "HLCUHAM260300001", "fee_code": "OFR", "amount": 1660.00, "reference": "msku 907032-3"},
    {"shipment": "RC-F1", "fee_code": "OFR", "amount": 1700.00, "reference": "CSQU3054383"},
    {"shipment": "RC-F1", "fee_code": "THC", "amount": 210.00},
    {"shipment": "RC-F1", "fee_code": "THC", "amount": 230.00},
    {"shipment": "RC-F1", "fee_code": "BL", "amount": 45.00, "reference": "HLCUHAM260300001"},
    {"shipment": "RC-F1", "fee_code": "DEM", "amount": 250.00},
    {"shipment": "RC-F1", "fee_code": "STO", "amount": 60.00, "description": "storage"},
    {"shipment": "MSKU9070323", "fee_code": "OFR", "amount": 95.00},
    {"shipment": "RC-F4", "fee_code": "OFR", "amount": 500.00},
    {"shipment": " RC-F3 ", "fee_code": "ofr", "amount": "1000.00 EUR"}]}$$) AS hl1 \gset
SELECT line_no, shipment_ref, s.reference AS shipment, fee_code, amount, l.reference, description
  FROM cbl.carrier_invoice_line l LEFT JOIN cbl.shipment s ON s.id = l.shipment_id
 WHERE invoice_id = :hl1 ORDER BY line_no;

-- Importing the same document again returns the same invoice; another
-- document under the same number is refused; another carrier may use it.
SELECT cbl.import_carrier_invoice(document) = :hl1 AS same_invoice FROM cbl.carrier_invoice WHERE id = :hl1;
SELECT pg_temp.try($$SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "HL-0001", "invoice_date": "2026-03-31", "currency": "EUR", "lines": []}')$$) AS other_content;
SELECT cbl.import_carrier_invoice('{"carrier": "RC-TRUCK", "invoice_no": "HL-0001", "invoice_date": "2026-03-31", "currency": "EUR",
  "lines": [{"shipment": "RC-F1", "fee_code": "PUP", "amount": 120}]}') <> :hl1 AS other_carrier_other_invoice;
SELECT cbl.carrier_invoice_id('RC-LINE', 'HL-0001') = :hl1 AS found_by_number;
SELECT pg_temp.try($$SELECT cbl.carrier_invoice_id('RC-LINE', 'HL-9999')$$) AS unknown_number;

-- Reconcile with 1.00 EUR or 1%, whichever is more.
SELECT * FROM cbl.reconcile_invoice(:hl1, '1.00 EUR', 1);
SELECT item_no, line_no, s.reference AS shipment, fee_code, r.reference, expected, invoiced, variance, tolerance, outcome, detail
  FROM cbl.invoice_reconciliation r LEFT JOIN cbl.shipment s ON s.id = r.shipment_id
 WHERE invoice_id = :hl1 ORDER BY item_no;
-- The pairs are one to one.
SELECT count(*) = count(DISTINCT line_no) AND count(*) = count(DISTINCT (shipment_id, charge_no)) AS one_to_one
  FROM cbl.invoice_reconciliation WHERE invoice_id = :hl1 AND line_no IS NOT NULL AND charge_no IS NOT NULL;
-- Re-reconciling replaces the results: without tolerance, the freight at
-- 1660 is over-billed by 10.00 and the handling at 230 by 20.00.  The
-- aggregate over the recorded pairs, with tolerance 0, agrees.
SELECT outcome, items, variance FROM cbl.reconcile_invoice(:hl1);
SELECT count(*) AS rows_for_invoice FROM cbl.invoice_reconciliation WHERE invoice_id = :hl1;
SELECT tolerance_abs, tolerance_pct, reconciled_at IS NOT NULL AS reconciled FROM cbl.carrier_invoice WHERE id = :hl1;
SELECT (cbl.recon_agg(expected, invoiced, 0)).* FROM cbl.invoice_reconciliation WHERE invoice_id = :hl1;

-- A second invoice billing F1's freight again: the charges matched on the
-- first invoice are not expected again, so the lines are unexpected; the
-- charges the first invoice left missing are expected here.
SELECT cbl.import_carrier_invoice('{"carrier": "RC-LINE", "invoice_no": "HL-0002", "invoice_date": "2026-04-30", "currency": "EUR",
  "lines": [{"shipment": "RC-F1", "fee_code": "OFR", "amount": 1700.00, "reference": "CSQU3054383"},
            {"shipment": "RC-F2", "fee_code": "OFR", "amount": 95.00}]}') AS hl2 \gset
SELECT outcome, items FROM cbl.reconcile_invoice(:hl2) WHERE items > 0;
SELECT line_no, outcome, detail FROM cbl.invoice_reconciliation WHERE invoice_id = :hl2 ORDER BY item_no;

-- Errors.
SELECT pg_temp.try($$SELECT cbl.reconcile_invoice(-1)$$) AS unknown_invoice;
SELECT pg_temp.try(format('SELECT cbl.reconcile_invoice(%s, %L)', :hl1, '1 USD')) AS tolerance_in_usd;
SELECT pg_temp.try(format('SELECT cbl.reconcile_invoice(%s, %L)', :hl1, '-1 EUR')) AS negative_tolerance;
SELECT pg_temp.try(format('SELECT cbl.reconcile_invoice(%s, NULL, %s)', :hl1, -5)) AS negative_percent;
SELECT has_function_privilege('public', 'cbl.reconcile_invoice(bigint, cbl.amount, numeric)', 'EXECUTE') AS public_reconciles,
       has_function_privilege('public', 'cbl.import_carrier_invoice(jsonb)', 'EXECUTE') AS public_imports;

-- Deleting an invoice deletes its lines and results.
DELETE FROM cbl.carrier_invoice i USING cbl.party p WHERE p.id = i.carrier_id AND p.code LIKE 'RC-%';
SELECT (SELECT count(*) FROM cbl.carrier_invoice_line WHERE invoice_id IN (:hl1, :hl2)) AS lines_left,
       (SELECT count(*) FROM cbl.invoice_reconciliation WHERE invoice_id IN (:hl1, :hl2)) AS results_left;

-- Clean up.
ALTER TABLE cbl.charge DISABLE TRIGGER charge_guard;
DELETE FROM cbl.charge WHERE shipment_id IN (:f1, :f2, :f3);
ALTER TABLE cbl.charge ENABLE TRIGGER charge_guard;
DELETE FROM cbl.shipment WHERE id IN (:f1, :f2, :f3);
DELETE FROM cbl.party WHERE code LIKE 'RC-%';
DELETE FROM cbl.fx_rate WHERE source = 'reconcile test';
