-- cbl reconciliation benchmark: the baseline (test/bench/recon.sh).
--
-- The same matching rules as cbl.reconcile_invoice, written as plain SQL
-- over plain types: numeric amounts beside a currency column, references
-- normalised with upper/regexp_replace, the same two pairing passes (each
-- a FULL JOIN of the ranked lines and expected charges), the same outcomes,
-- written to a results table of the same shape with the same indexes (and,
-- like cbl's, no foreign keys).  It
-- is wrapped the same way (a PL/pgSQL function: delete the invoice's old
-- results, insert the new ones, return the summary), so both sides pay for
-- the same plan caching and the same writes.  What it leaves out is what
-- cbl adds: cbl.amount (exact, currency-checked arithmetic), currency
-- conversion of expected charges, the argument checks and the UPDATE of
-- the invoice header.

CREATE FUNCTION bench_recon.reconcile_plain(p_invoice bigint, tolerance_abs numeric, tolerance_pct numeric)
RETURNS TABLE (outcome text, items bigint, expected numeric, invoiced numeric, variance numeric)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_carrier bigint;
  v_currency text;
BEGIN
  SELECT i.carrier_id, i.currency INTO v_carrier, v_currency FROM cbl.carrier_invoice i WHERE i.id = p_invoice;
  DELETE FROM bench_recon.result r WHERE r.invoice_id = p_invoice;

  WITH lines AS (
    SELECT l.line_no, l.shipment_id, l.shipment_ref, l.fee_code, l.reference,
           NULLIF(upper(regexp_replace(l.reference, '[^A-Za-z0-9]', '', 'g')), '') AS nref, l.amount
      FROM bench_recon.line l WHERE l.invoice_id = p_invoice
  ), ships AS (
    SELECT DISTINCT l.shipment_id FROM lines l WHERE l.shipment_id IS NOT NULL
  ), expected AS (
    SELECT g.shipment_id, g.root AS charge_no, g.fee_code, g.reference,
           NULLIF(upper(regexp_replace(g.reference, '[^A-Za-z0-9]', '', 'g')), '') AS nref, g.amount
      FROM (SELECT c.shipment_id, coalesce(c.adjusts_charge_no, c.charge_no) AS root,
                   min(c.fee_code) AS fee_code,
                   coalesce(min(c.reference) FILTER (WHERE c.adjusts_charge_no IS NULL), min(c.reference)) AS reference,
                   sum(CASE WHEN c.currency = v_currency THEN c.amount END) AS amount
              FROM ships s
              JOIN bench_recon.charge c ON c.shipment_id = s.shipment_id
             WHERE c.party_id = v_carrier AND c.direction = 'payable' AND c.status <> 'voided'
             GROUP BY c.shipment_id, coalesce(c.adjusts_charge_no, c.charge_no)) g
     WHERE g.amount <> 0
       AND NOT EXISTS (SELECT 1 FROM bench_recon.result x
                        WHERE x.shipment_id = g.shipment_id AND x.charge_no = g.root AND x.invoice_id <> p_invoice
                          AND x.outcome IN ('matched', 'over_billed', 'under_billed'))
  ), l1 AS (
    SELECT l.*,
           CASE WHEN l.shipment_id IS NOT NULL AND l.nref IS NOT NULL
                THEN row_number() OVER (PARTITION BY l.shipment_id, l.fee_code, l.nref ORDER BY l.amount, l.line_no) END AS k
      FROM lines l
  ), e1 AS (
    SELECT e.*,
           CASE WHEN e.nref IS NOT NULL
                THEN row_number() OVER (PARTITION BY e.shipment_id, e.fee_code, e.nref ORDER BY e.amount, e.charge_no) END AS k
      FROM expected e
  ), j1 AS (
    SELECT l1.line_no, l1.shipment_id AS l_shipment_id, l1.shipment_ref, l1.fee_code AS l_fee_code,
           l1.reference AS l_reference, l1.nref AS l_nref, l1.amount AS l_amount,
           e1.charge_no, e1.shipment_id AS e_shipment_id, e1.fee_code AS e_fee_code,
           e1.reference AS e_reference, e1.nref AS e_nref, e1.amount AS e_amount
      FROM l1 FULL JOIN e1 ON e1.shipment_id = l1.shipment_id AND e1.fee_code = l1.fee_code
                          AND e1.nref = l1.nref AND e1.k = l1.k
  ), l2 AS (
    SELECT j.*,
           CASE WHEN j.l_shipment_id IS NOT NULL
                THEN row_number() OVER (PARTITION BY j.l_shipment_id, j.l_fee_code ORDER BY j.l_amount, j.line_no) END AS k
      FROM j1 j WHERE j.charge_no IS NULL
  ), e2 AS (
    SELECT j.*,
           row_number() OVER (PARTITION BY j.e_shipment_id, j.e_fee_code ORDER BY j.e_amount, j.charge_no) AS k
      FROM j1 j WHERE j.line_no IS NULL
  ), pairs AS (
    SELECT j.line_no, j.l_shipment_id, j.shipment_ref, j.l_fee_code, j.l_reference, j.l_nref, j.l_amount,
           j.charge_no, j.e_shipment_id, j.e_fee_code, j.e_reference, j.e_nref, j.e_amount
      FROM j1 j WHERE j.line_no IS NOT NULL AND j.charge_no IS NOT NULL
    UNION ALL
    SELECT l2.line_no, l2.l_shipment_id, l2.shipment_ref, l2.l_fee_code, l2.l_reference, l2.l_nref, l2.l_amount,
           e2.charge_no, e2.e_shipment_id, e2.e_fee_code, e2.e_reference, e2.e_nref, e2.e_amount
      FROM l2 FULL JOIN e2 ON e2.e_shipment_id = l2.l_shipment_id AND e2.e_fee_code = l2.l_fee_code AND e2.k = l2.k
  ), items AS (
    SELECT p.line_no, coalesce(p.l_shipment_id, p.e_shipment_id) AS shipment_id, p.charge_no,
           coalesce(p.l_fee_code, p.e_fee_code) AS fee_code, coalesce(p.l_reference, p.e_reference) AS reference,
           p.e_amount AS expected, p.l_amount AS invoiced,
           coalesce(p.l_amount, 0) - coalesce(p.e_amount, 0) AS variance,
           CASE WHEN p.line_no IS NOT NULL AND p.charge_no IS NOT NULL
                THEN greatest(coalesce(tolerance_abs, 0), round(abs(p.e_amount) * coalesce(tolerance_pct, 0) / 100, 6)) END AS tolerance,
           p.shipment_ref, p.l_nref AS line_nref, p.e_nref AS charge_nref, p.l_reference AS line_reference,
           p.e_reference AS charge_reference
      FROM pairs p
  )
  INSERT INTO bench_recon.result (invoice_id, item_no, line_no, shipment_id, charge_no, fee_code, reference,
                                  expected, invoiced, variance, tolerance, currency, outcome, detail)
  SELECT p_invoice,
         row_number() OVER (ORDER BY i.line_no NULLS LAST, i.shipment_id, i.charge_no),
         i.line_no, i.shipment_id, i.charge_no, i.fee_code, i.reference, i.expected, i.invoiced, i.variance,
         i.tolerance, v_currency,
         CASE WHEN i.charge_no IS NULL THEN 'unexpected'
              WHEN i.line_no IS NULL THEN 'missing'
              WHEN abs(i.variance) <= i.tolerance THEN 'matched'
              WHEN i.variance > 0 THEN 'over_billed'
              ELSE 'under_billed' END,
         CASE WHEN i.charge_no IS NULL AND i.shipment_id IS NULL
                THEN format('no single shipment has the reference %s', i.shipment_ref)
              WHEN i.charge_no IS NULL
                THEN format('no payable %s charge of the carrier on this shipment is left to match', i.fee_code)
              WHEN i.line_no IS NULL
                THEN 'accrued, not on the invoice'
              WHEN i.line_nref <> i.charge_nref
                THEN format('the invoice names %s, the charge %s', i.line_reference, i.charge_reference)
         END
    FROM items i;

  RETURN QUERY
  SELECT o.outcome, count(r.item_no),
         coalesce(sum(r.expected), 0), coalesce(sum(r.invoiced), 0), coalesce(sum(r.variance), 0)
    FROM unnest(ARRAY['matched', 'over_billed', 'under_billed', 'unexpected', 'missing']) WITH ORDINALITY AS o(outcome, n)
    LEFT JOIN bench_recon.result r ON r.invoice_id = p_invoice AND r.outcome = o.outcome
   GROUP BY o.outcome, o.n
   ORDER BY o.n;
END $$;
