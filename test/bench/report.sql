-- cbl benchmarks: the report (test/bench/run.sh runs it last).
-- Best (lowest) time of each side over the timed rounds, and their ratio
-- cbl / baseline: below 1.00 cbl is faster, above 1.00 it is slower.
-- "median ratio" is the ratio of the median times, a check on the noise;
-- "workers" is the number of parallel workers the timed runs launched.

\pset footer off
SELECT p.id AS "#",
       p.name AS benchmark,
       p.rows,
       to_char(c.best, 'FM999990.0') AS "cbl ms",
       to_char(b.best, 'FM999990.0') AS "baseline ms",
       to_char(c.best / b.best, 'FM990.00') AS ratio,
       to_char(c.median / b.median, 'FM990.00') AS "median ratio",
       CASE WHEN c.workers = b.workers THEN c.workers::text
            ELSE c.workers || ' / ' || b.workers END AS workers,
       CASE WHEN r.ok IS NULL THEN '-' WHEN r.ok THEN 'ok' ELSE 'DIFFERENT' END AS "same result"
  FROM bench.pair p
  JOIN LATERAL (SELECT min(ms) AS best,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
                       min(workers) AS workers
                  FROM bench.sample s WHERE s.pair_id = p.id AND s.side = 'cbl') c ON true
  JOIN LATERAL (SELECT min(ms) AS best,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
                       min(workers) AS workers
                  FROM bench.sample s WHERE s.pair_id = p.id AND s.side = 'baseline') b ON true
  LEFT JOIN bench.check_result r ON r.pair_id = p.id
 WHERE EXISTS (SELECT FROM bench.sample s WHERE s.pair_id = p.id)
 ORDER BY p.id;
