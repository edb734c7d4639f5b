-- cbl scale benchmark: the report (test/bench/scale.sh runs it last).
--
-- Per step: rows of the increment, seconds, microseconds per row, and that
-- figure's ratio to the first size.  Targets (issue 8): the cost per row of
-- ingest, settle and kpi stays within 1.5x from the first size to the last;
-- a single shipment's status lookup stays under 1 ms at every size
-- (executor time from EXPLAIN ANALYZE, median and max over the samples).

\pset footer off
SET timezone = 'UTC';

CREATE TEMP VIEW t AS
SELECT t.step, z.size, t.what, sum(t.rows) AS rows, sum(t.seconds) AS seconds,
       sum(t.seconds) * 1e6 / nullif(sum(t.rows), 0) AS us,
       bool_or(t.detail = 'timeout') AS timeout
  FROM bench_scale.timing t JOIN bench_scale.step_size z USING (step)
 GROUP BY t.step, z.size, t.what;

\echo 'Time per row at each size (rows: of the increment; kpi: the newest month''s shipments)'
SELECT t.what AS step,
       CASE t.what WHEN 'shipments' THEN '(generator) new shipments, set-based'
                   WHEN 'ingest' THEN CASE (SELECT billing FROM bench_scale.config)
                                        WHEN 'bulk' THEN 'cbl.ingest_events, no billing triggers, per element'
                                        ELSE 'cbl.ingest_events with billing triggers, per element' END
                   WHEN 'charges' THEN '(BENCH_SCALE_BILLING=bulk) the charges, set-based'
                   WHEN 'settle' THEN 'cbl.settle of each new month, per charge'
                   WHEN 'kpi_fx' THEN 'v_charge converted to USD, 20 shipments of the newest month, per charge'
                   ELSE 'v_kpi_monthly for the newest month, per shipment of the month' END AS what,
       to_char(t.size, 'FM999G999G999') AS size,
       to_char(t.rows, 'FM999G999G999') AS rows,
       CASE WHEN t.timeout THEN '> ' ELSE '' END || to_char(t.seconds, 'FM999990.00') AS seconds,
       CASE WHEN t.timeout THEN '> ' ELSE '' END || to_char(t.us, 'FM99999990.0') AS "µs/row",
       CASE WHEN t.timeout THEN '> ' ELSE '' END || to_char(t.us / f.us, 'FM99990.00') AS "ratio to first"
  FROM t JOIN t f ON f.what = t.what AND f.step = 1
 ORDER BY CASE t.what WHEN 'shipments' THEN 1 WHEN 'ingest' THEN 2 WHEN 'charges' THEN 3 WHEN 'settle' THEN 4 WHEN 'kpi' THEN 5 ELSE 6 END, t.step;

\pset tuples_only on
SELECT 'Note: "> " marks a query cancelled at BENCH_SCALE_QUERY_LIMIT: it took longer than that.'
 WHERE EXISTS (SELECT 1 FROM bench_scale.timing WHERE detail = 'timeout');
\pset tuples_only off

\echo 'Status of one shipment: executor ms from EXPLAIN (ANALYZE, BUFFERS), over the samples'
\echo '(cold: right after settlement; cached: after bench_scale.prewarm() read the hot set into shared buffers, or the page cache if it does not fit)'
SELECT l.query, l.cache, to_char(z.size, 'FM999G999G999') AS size, count(*) AS samples,
       to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY l.ms), 'FM990.000') AS "median ms",
       to_char(percentile_cont(0.95) WITHIN GROUP (ORDER BY l.ms), 'FM990.000') AS "p95 ms",
       to_char(max(l.ms), 'FM990.000') AS "max ms",
       to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY l.planning_ms), 'FM990.000') AS "median planning ms",
       to_char(avg(l.hit + l.read), 'FM99990.0') AS "buffers",
       to_char(avg(l.read), 'FM99990.0') AS "read",
       (SELECT string_agg(DISTINCT x, ', ') FROM bench_scale.lookup l2, unnest(l2.indexes) x
         WHERE l2.step = l.step AND l2.query = l.query AND l2.cache = l.cache) AS "indexes in the plans"
  FROM bench_scale.lookup l JOIN bench_scale.step_size z USING (step)
 GROUP BY l.query, l.cache, l.step, z.size
 ORDER BY l.query, l.cache DESC, l.step;

\echo 'The hot set the cached pass read first (bench_scale.prewarm)'
SELECT to_char(z.size, 'FM999G999G999') AS size, w.relations,
       pg_size_pretty(w.bytes) AS bytes, round(w.bytes::numeric / z.size) AS "bytes/shipment",
       to_char(w.seconds, 'FM99990.0') AS seconds, w.mode
  FROM bench_scale.prewarm w JOIN bench_scale.step_size z USING (step)
 ORDER BY w.step;

\echo 'Targets'
WITH r AS (
  SELECT t.what, f.us AS first_us, t.us AS last_us, f.size AS first_size, t.size AS last_size, t.timeout OR f.timeout AS timeout
    FROM t JOIN t f ON f.what = t.what AND f.step = 1
   WHERE t.step = (SELECT max(step) FROM bench_scale.step_size) AND t.what <> 'shipments'
)
SELECT 'µs/row of ' || r.what || ' at ' || to_char(r.last_size, 'FM999G999G999') || ' within 1.5x of '
         || to_char(r.first_size, 'FM999G999G999') AS target,
       to_char(r.last_us / r.first_us, 'FM99990.00') || 'x' || CASE WHEN r.timeout THEN ' (a query timed out)' ELSE '' END AS measured,
       CASE WHEN r.timeout THEN 'MISS?' WHEN r.last_us <= 1.5 * r.first_us THEN 'PASS' ELSE 'MISS' END AS result
  FROM r
UNION ALL
SELECT m.query || ', ' || m.cache || ': every median and max < 1 ms',
       'worst median ' || to_char(max(m.median), 'FM990.000') || ' ms, worst max ' || to_char(max(m.mx), 'FM990.000') || ' ms',
       CASE WHEN max(m.mx) < 1 THEN 'PASS' WHEN max(m.median) < 1 THEN 'MISS (max)' ELSE 'MISS' END
  FROM (SELECT query, cache, step, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median, max(ms) AS mx
          FROM bench_scale.lookup GROUP BY query, cache, step) m
 GROUP BY m.query, m.cache
 ORDER BY 1;

-- Index scans per phase, summed over all steps: differences between the
-- snapshots taken after each phase (start, shipments, ingest, settle,
-- lookups, kpi).
\echo 'Indexes of cbl (size at the last size) and their scans in each phase, all steps together'
WITH s AS (
  SELECT step, phase, relname, indexrelname, idx_scan, size_bytes,
         idx_scan - lag(idx_scan) OVER (PARTITION BY step, relname, indexrelname
                                         ORDER BY array_position(ARRAY['start', 'shipments', 'ingest', 'settle', 'lookups', 'kpi'], phase)) AS scans
    FROM bench_scale.index_use
), big AS (
  SELECT relname FROM bench_scale.table_size
   WHERE step = (SELECT max(step) FROM bench_scale.step_size) AND rows >= (SELECT min(size) FROM bench_scale.step_size)
)
SELECT s.relname AS "table", s.indexrelname AS index,
       pg_size_pretty(max(s.size_bytes) FILTER (WHERE s.step = (SELECT max(step) FROM bench_scale.step_size))) AS size,
       coalesce(sum(s.scans) FILTER (WHERE s.phase = 'shipments'), 0) AS "shipments (generator)",
       coalesce(sum(s.scans) FILTER (WHERE s.phase = 'ingest'), 0) AS ingest,
       coalesce(sum(s.scans) FILTER (WHERE s.phase = 'settle'), 0) AS settle,
       coalesce(sum(s.scans) FILTER (WHERE s.phase = 'lookups'), 0) AS lookups,
       coalesce(sum(s.scans) FILTER (WHERE s.phase = 'kpi'), 0) AS kpi
  FROM s WHERE s.relname IN (SELECT relname FROM big)
 GROUP BY s.relname, s.indexrelname
 ORDER BY s.relname, s.indexrelname;

\echo 'The big tables at each size (rows: the planner''s estimate, reltuples)'
SELECT to_char(z.size, 'FM999G999G999') AS size, ts.relname AS "table",
       to_char(ts.rows, 'FM999G999G999') AS rows,
       pg_size_pretty(ts.heap_bytes) AS heap, pg_size_pretty(ts.index_bytes) AS indexes,
       to_char((ts.heap_bytes + coalesce(ts.index_bytes, 0))::numeric / z.size, 'FM999990') AS "bytes per shipment"
  FROM bench_scale.table_size ts JOIN bench_scale.step_size z USING (step)
 WHERE ts.relname = '(database)' OR ts.heap_bytes + ts.index_bytes > 8 * 1024 * 1024
    OR ts.rows >= (SELECT min(size) FROM bench_scale.step_size)
 ORDER BY ts.relname, z.size;

\echo 'Machine load (1, 5, 15 min) at the start and end of each step'
SELECT step, to_char(size, 'FM999G999G999') AS size, load_before, load_after,
       to_char(ended_at - started_at, 'HH24:MI:SS') AS "wall time"
  FROM bench_scale.step_size ORDER BY step;

-- Sanity: the figures only count if the work was done.
WITH x AS (
  SELECT sum((result).accepted) AS accepted, sum((result).duplicate) AS duplicate,
         sum((result).rejected) AS rejected, sum((result).pending) AS pending,
         sum((result).conflict) AS conflict, sum(elements) AS elements,
         sum(gen_ms) / 1000 AS gen_s, sum(extract(epoch FROM t1 - t0)) AS ingest_s
    FROM bench_scale.ingest_batch
), z AS (SELECT max(size) AS shipments FROM bench_scale.step_size),
checks(n, name, expected, got) AS (
  SELECT 1, 'accepted + duplicate = elements sent', x.elements::text, (x.accepted + x.duplicate)::text FROM x
  UNION ALL
  SELECT 2, 'rejected / pending / conflict', '0 / 0 / 0', x.rejected || ' / ' || x.pending || ' / ' || x.conflict FROM x
  UNION ALL
  SELECT 3, 'events stored (10 per shipment)', (10 * z.shipments)::text, (SELECT count(*) FROM cbl.event)::text FROM z
  UNION ALL
  SELECT 4, 'shipments delivered (state at a terminal step)', z.shipments::text,
         (SELECT count(*) FROM cbl.shipment_state ss WHERE cbl.is_terminal(ss.state))::text FROM z
  UNION ALL
  SELECT 5, 'charges (5 per shipment), all settled', (5 * z.shipments) || ' / ' || (5 * z.shipments),
         (SELECT count(*) || ' / ' || count(*) FILTER (WHERE status = 'settled') FROM cbl.v_charge) FROM z
  UNION ALL
  SELECT 6, 'billing problems', '0', (SELECT count(*) FROM cbl.billing_accrual WHERE status = 'problem')::text FROM z
)
SELECT name AS "sanity check", expected, coalesce(got, 'none') AS got,
       CASE WHEN got = expected THEN 'ok' ELSE 'WRONG' END AS " "
  FROM checks ORDER BY n;

SELECT to_char(sum(gen_ms) / 1000, 'FM99990.0') AS "generator s (batches, not counted)",
       to_char(sum(extract(epoch FROM t1 - t0)), 'FM99990.0') AS "ingest s",
       to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t1 - t0) * 1000), 'FM99990') AS "median ms/batch",
       min(elements) || ' - ' || max(elements) AS "elements per batch",
       count(*) AS batches
  FROM bench_scale.ingest_batch;
