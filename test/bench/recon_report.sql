-- cbl reconciliation benchmark: the report (test/bench/recon.sh runs it last).
--
-- Best (lowest) executor time of each side over its timed rounds, per
-- invoice line, and the target of issue 5: cbl.reconcile_invoice within
-- 1.5x of the plain SQL baseline.  A target missed is a figure (MISS), not
-- a failure.  The check ran before any timing: both sides must write the
-- same results.

\pset footer off
CREATE TEMP VIEW side AS
SELECT s.side, CASE s.side WHEN 'baseline' THEN 1 ELSE 2 END AS n, count(*) AS rounds,
       min(s.ms) AS best, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms) AS median, max(s.workers) AS workers
  FROM bench_recon.sample s GROUP BY s.side;

SELECT x.side,
       CASE x.side WHEN 'baseline' THEN 'plain SQL over plain types (bench_recon.reconcile_plain)'
                   ELSE 'cbl.reconcile_invoice(invoice, ''0.05 EUR'', 0)' END AS what,
       x.rounds,
       to_char(x.best, 'FM9999990.0') AS "best ms",
       to_char(x.median, 'FM9999990.0') AS "median ms",
       to_char(x.best * 1000 / z.n, 'FM9999990.000') AS "us/line",
       x.workers
  FROM side x CROSS JOIN (SELECT count(*) AS n FROM cbl.carrier_invoice_line) z
 ORDER BY x.n;

SELECT 'cbl / baseline <= 1.5 (within 1.5x of plain SQL)' AS target,
       to_char(c.best / b.best, 'FM99990.00') || 'x' AS measured,
       CASE WHEN c.best <= 1.5 * b.best THEN 'PASS' ELSE 'MISS' END AS result
  FROM side c, side b WHERE c.side = 'cbl' AND b.side = 'baseline';

SELECT cbl_rows, baseline_rows, differ,
       CASE WHEN differ = 0 AND cbl_rows = baseline_rows THEN 'identical' ELSE 'DIFFERENT' END AS "results"
  FROM bench_recon.check_result;

-- What the invoice held (from the check), by outcome.
SELECT outcome, items, to_char(expected, 'FM999999999990.00') AS "expected EUR",
       to_char(invoiced, 'FM999999999990.00') AS "invoiced EUR", to_char(variance, 'FM999999999990.00') AS "variance EUR"
  FROM bench_recon.summary WHERE side = 'cbl'
 ORDER BY array_position(ARRAY['matched', 'over_billed', 'under_billed', 'unexpected', 'missing'], outcome);
