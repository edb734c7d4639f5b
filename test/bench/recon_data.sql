-- cbl reconciliation benchmark: the data (test/bench/recon.sh).
--
-- One ocean carrier and its invoice of :lines lines (default 100 000),
-- against the payable charges of :ships shipments (default 28 000), from
-- generate_series and integer arithmetic: every run builds the same rows.
--
-- Shipment i has one container, or two when i % 3 = 0 (references
-- CNT<i>A, CNT<i>B), an ocean freight (OFR) and a terminal handling (THC)
-- charge per container and a bill of lading fee (BL); a receivable freight
-- charge the reconciliation must ignore; every 50th shipment's first
-- freight adjusted by -25.00, every 97th B/L fee voided.  The invoice bills
-- each payable charge (with its adjustments), except about 3% (missing):
-- about 5% 10.00 too high, 3% 5.00 too low, 4% 0.01 too high (within the
-- 0.05 tolerance), the rest exactly; half the container lines name their
-- container (matched on it), the others none (matched by amount); plus
-- demurrage nobody expected on every 15th shipment and 400 lines naming
-- unknown shipments, spread through the invoice.  Rows are cut at :lines
-- (the last shipments' charges are then not on the invoice).
--
-- The baseline reads copies of the same rows in plain types
-- (bench_recon.line, bench_recon.charge: numeric amounts), with the same
-- indexes.

\if :{?ships}
\else
\set ships 28000
\endif
\if :{?lines}
\else
\set lines 100000
\endif

CREATE SCHEMA bench_recon;

INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'BENCH-CUST', 'Bench customer'), ('carrier', 'BENCH-LINE', 'Bench ocean line');

INSERT INTO cbl.shipment (reference, framework, customer_id, carrier_id, origin_country, destination_country)
SELECT 'RB' || lpad(i::text, 7, '0'), 'ocean_fcl', cbl.party_id('customer', 'BENCH-CUST'),
       cbl.party_id('carrier', 'BENCH-LINE'), 'DE', 'CN'
  FROM generate_series(1, :ships) i;
INSERT INTO cbl.shipment_reference (shipment_id, kind, value)
SELECT id, 'reference', reference FROM cbl.shipment;
INSERT INTO cbl.reference_lookup (kind, value, shipment_id)
SELECT 'reference', reference, id FROM cbl.shipment;

-- The charges, in shipment order (charge numbers from 1).
CREATE TABLE bench_recon.plan AS
SELECT s.id AS shipment_id, i, c, f.fee, f.ord,
       CASE f.fee WHEN 'OFR' THEN 1500 + (i * 37) % 500 + c * 10
                  WHEN 'THC' THEN 200 + (i * 11) % 30
                  ELSE 45 END::numeric AS amount,
       CASE WHEN f.fee IN ('OFR', 'THC') THEN 'CNT' || i || chr(64 + c) END AS reference
  FROM generate_series(1, :ships) i
  JOIN cbl.shipment s ON s.reference = 'RB' || lpad(i::text, 7, '0')
 CROSS JOIN LATERAL generate_series(1, CASE WHEN i % 3 = 0 THEN 2 ELSE 1 END) c
 CROSS JOIN LATERAL (VALUES ('OFR', 1), ('THC', 2), ('BL', 3)) f(fee, ord)
 WHERE f.fee <> 'BL' OR c = 1;
INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin, reference)
SELECT p.shipment_id, cbl.party_id('carrier', 'BENCH-LINE'), 'payable', p.fee, cbl.amount(p.amount, 'EUR'),
       '2026-03-01 00:00+00'::timestamptz + (p.i % 28) * interval '1 day', 'manual', p.reference
  FROM bench_recon.plan p ORDER BY p.i, p.c, p.ord;
INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin)
SELECT s.id, cbl.party_id('customer', 'BENCH-CUST'), 'receivable', 'OFR', '2400.00 EUR', '2026-03-01 00:00+00', 'manual'
  FROM cbl.shipment s;
INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin, reference, adjusts_charge_no)
SELECT c.shipment_id, c.party_id, 'payable', 'OFR', '-25.00 EUR', c.accrued_at, 'adjustment', c.reference, c.charge_no
  FROM cbl.charge c JOIN bench_recon.plan p ON p.shipment_id = c.shipment_id AND p.reference = c.reference
 WHERE c.fee_code = 'OFR' AND c.direction = 'payable' AND p.fee = 'OFR' AND p.c = 1 AND p.i % 50 = 7;
UPDATE cbl.charge c SET status = 'voided', voided_at = '2026-03-31 00:00+00', void_reason = 'bench'
  FROM cbl.shipment s
 WHERE s.id = c.shipment_id AND c.fee_code = 'BL' AND substr(s.reference, 3)::integer % 97 = 3;

-- The invoice.
INSERT INTO cbl.carrier_invoice (carrier_id, invoice_no, invoice_date, currency, document, content_hash)
VALUES (cbl.party_id('carrier', 'BENCH-LINE'), 'BENCH-2026-03', '2026-03-31', 'EUR', '{}', 'bench');
INSERT INTO cbl.carrier_invoice_line (invoice_id, line_no, shipment_ref, shipment_id, fee_code, amount, reference)
SELECT (SELECT id FROM cbl.carrier_invoice WHERE invoice_no = 'BENCH-2026-03'),
       row_number() OVER (ORDER BY x.k1, x.k2), x.shipment_ref, x.shipment_id, x.fee_code,
       cbl.amount(x.amount, 'EUR'), x.reference
  FROM (SELECT s.reference AS shipment_ref, s.id AS shipment_id, g.fee_code, g.k1, g.k2,
               g.expected + CASE WHEN (g.root * 31) % 100 < 5 THEN 10.00
                                 WHEN (g.root * 31) % 100 < 8 THEN -5.00
                                 WHEN (g.root * 31) % 100 < 12 THEN 0.01
                                 ELSE 0 END AS amount,
               CASE WHEN g.reference IS NOT NULL AND g.root % 2 = 0 THEN g.reference END AS reference
          FROM (SELECT c.shipment_id, coalesce(c.adjusts_charge_no, c.charge_no) AS root,
                       min(c.fee_code) AS fee_code, min(c.reference) AS reference,
                       sum(cbl.value(c.amount)) AS expected,
                       c.shipment_id AS k1, coalesce(c.adjusts_charge_no, c.charge_no) AS k2
                  FROM cbl.charge c
                 WHERE c.direction = 'payable' AND c.status <> 'voided'
                 GROUP BY c.shipment_id, coalesce(c.adjusts_charge_no, c.charge_no)) g
          JOIN cbl.shipment s ON s.id = g.shipment_id
         WHERE (g.root * 7919) % 100 >= 3
        UNION ALL   -- demurrage nobody expected
        SELECT s.reference, s.id, 'DEM', s.id, 1000000000, 150.00, NULL
          FROM cbl.shipment s WHERE substr(s.reference, 3)::integer % 15 = 0
        UNION ALL   -- unknown shipments
        SELECT 'UNKNOWN-' || n, NULL, 'OFR', n * (:ships / 400 + 1), 2000000000, 999.00, NULL
          FROM generate_series(1, 400) n) x
 ORDER BY x.k1, x.k2
 LIMIT :lines;

-- The same rows in plain types, for the baseline.
CREATE TABLE bench_recon.line AS
SELECT invoice_id, line_no, shipment_id, shipment_ref, fee_code, reference, cbl.value(amount) AS amount
  FROM cbl.carrier_invoice_line;
ALTER TABLE bench_recon.line ADD PRIMARY KEY (invoice_id, line_no);
CREATE INDEX ON bench_recon.line (shipment_id) WHERE shipment_id IS NOT NULL;
CREATE TABLE bench_recon.charge AS
SELECT shipment_id, charge_no, party_id, direction, fee_code, reference, cbl.value(amount) AS amount,
       cbl.currency(amount) AS currency, adjusts_charge_no, status, accrued_at
  FROM cbl.charge;
ALTER TABLE bench_recon.charge ADD PRIMARY KEY (shipment_id, charge_no);
CREATE INDEX ON bench_recon.charge (shipment_id, party_id, fee_code);
CREATE TABLE bench_recon.result (
  invoice_id bigint NOT NULL, item_no integer NOT NULL, line_no integer, shipment_id bigint, charge_no bigint,
  fee_code text NOT NULL, reference text, expected numeric, invoiced numeric, variance numeric NOT NULL,
  tolerance numeric, currency text NOT NULL, outcome text NOT NULL, detail text, reconciled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, item_no));
CREATE INDEX ON bench_recon.result (shipment_id, charge_no) WHERE charge_no IS NOT NULL;

VACUUM ANALYZE;
