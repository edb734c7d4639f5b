-- cbl rating benchmark: the report (test/bench/rating.sh runs it last).
--
-- Best (lowest) executor time of each side over its timed rounds, per
-- million shipments, and the two ratios the issue sets targets for: the
-- PL/pgSQL implementation / cbl (at least 20x) and cbl / the bare scan (at
-- most 4x).  A target missed is a figure (MISS), not a failure.  The check
-- ran before any timing: cbl and PL/pgSQL must give identical totals.

\pset footer off
CREATE TEMP VIEW side AS
SELECT s.side,
       CASE s.side WHEN 'bare' THEN 1 WHEN 'cbl' THEN 2 ELSE 3 END AS n,
       count(*) AS rounds,
       min(s.ms) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms) AS median,
       max(s.workers) AS workers
  FROM bench_rating.sample s GROUP BY s.side;

SELECT x.side,
       CASE x.side WHEN 'bare' THEN 'bare scan: count(w * 1.15) over the same rows'
                   WHEN 'cbl' THEN 'cbl.rate_total(''BENCH-EXP'', s, date)'
                   ELSE 'bench_rating.rate_plpgsql(s, date), the same card in PL/pgSQL' END AS what,
       x.rounds,
       to_char(x.best, 'FM9999990.0') AS "best ms",
       to_char(x.median, 'FM9999990.0') AS "median ms",
       to_char(x.best * 1000 / z.n, 'FM9999990.000') AS "us/shipment",
       x.workers
  FROM side x CROSS JOIN (SELECT count(*) AS n FROM bench_rating.shipment) z
 ORDER BY x.n;

SELECT 'PL/pgSQL / cbl >= 20 (cbl at least 20x faster)' AS target,
       to_char(p.best / c.best, 'FM99990.0') || 'x' AS measured,
       CASE WHEN p.best >= 20 * c.best THEN 'PASS' ELSE 'MISS' END AS result
  FROM side p, side c WHERE p.side = 'plpgsql' AND c.side = 'cbl'
UNION ALL
SELECT 'cbl / bare scan <= 4 (within 4x of the scan)',
       to_char(c.best / b.best, 'FM99990.00') || 'x',
       CASE WHEN c.best <= 4 * b.best THEN 'PASS' ELSE 'MISS' END
  FROM side c, side b WHERE c.side = 'cbl' AND b.side = 'bare';

SELECT shipments, differ,
       to_char(cbl_total, 'FM999999999990.00') AS "cbl total EUR",
       to_char(plpgsql_total, 'FM999999999990.00') AS "PL/pgSQL total EUR",
       CASE WHEN differ = 0 AND cbl_total = plpgsql_total THEN 'identical' ELSE 'DIFFERENT' END AS "totals"
  FROM bench_rating.check_result;

-- What the shipments were charged, by line (from the rating check).
SELECT code, lines, to_char(amount, 'FM999999999990.00') AS "amount EUR"
  FROM bench_rating.line_mix ORDER BY n;
