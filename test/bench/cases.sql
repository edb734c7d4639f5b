-- cbl benchmarks: the pairs (test/bench/run.sh loads this after data.sql).
--
-- Each row: a cbl query and a baseline query in core PostgreSQL types over
-- the same rows, plus an optional check that both compute the same thing
-- (run once, untimed; the report flags a pair whose check fails).  Per-row
-- work is wrapped in count(expr): count evaluates its argument on every row
-- and returns one row, and its own cost is the same on both sides.  That
-- shared cost (scan + count) is included in both times, so per-row ratios
-- understate the difference between the expressions themselves; pair 99
-- measures that floor on its own.

SET search_path = public, cbl;

-- Serial plans everywhere except where a pair asks for workers.
\set serial '{"SET max_parallel_workers_per_gather = 0"}'
-- Two workers, whatever the costs say (the leader takes part too).
\set parallel '{"SET max_parallel_workers_per_gather = 2","SET parallel_setup_cost = 0","SET parallel_tuple_cost = 0","SET min_parallel_table_scan_size = 0"}'

INSERT INTO bench.pair (id, name, rows, settings, cbl_sql, base_sql, check_sql) VALUES
-- 1. Aggregates
(1, 'sum, serial', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT cbl.sum(a) FROM bench_money$q$,
 $q$SELECT sum(an) FROM bench_money$q$,
 $q$SELECT cbl.value(cbl.sum(a)) = sum(an) FROM bench_money$q$),
(2, 'sum, 2 workers', (SELECT count(*) FROM bench_money), :'parallel',
 $q$SELECT cbl.sum(a) FROM bench_money$q$,
 $q$SELECT sum(an) FROM bench_money$q$,
 $q$SELECT cbl.value(cbl.sum(a)) = sum(an) FROM bench_money$q$),
(3, 'avg, serial', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT cbl.avg(a) FROM bench_money$q$,
 $q$SELECT round(avg(an), 6) FROM bench_money$q$,
 $q$SELECT abs(cbl.value(cbl.avg(a)) - avg(an)) <= 0.000001 FROM bench_money$q$),
-- 2. Per-row arithmetic
(10, 'a + b', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT count(a + b) FROM bench_money$q$,
 $q$SELECT count(an + bn) FROM bench_money$q$,
 $q$SELECT bool_and(cbl.value(a + b) = an + bn) FROM bench_money$q$),
(11, 'round to cents', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT count(cbl.round(b)) FROM bench_money$q$,
 $q$SELECT count(round(bn, 2)) FROM bench_money$q$,
 -- cbl rounds half-even, round(numeric) half away from zero: ties may differ by a cent
 $q$SELECT bool_and(abs(cbl.value(cbl.round(b)) - round(bn, 2)) <= 0.01) FROM bench_money$q$),
(12, 'a * numeric rate', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT count(a * r) FROM bench_money$q$,
 $q$SELECT count(round(an * r, 6)) FROM bench_money$q$,
 $q$SELECT bool_and(abs(cbl.value(a * r) - round(an * r, 6)) <= 0.000001) FROM bench_money$q$),
(13, 'a < b (compare)', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT count(*) FROM bench_money WHERE a < b$q$,
 $q$SELECT count(*) FROM bench_money WHERE an < bn$q$,
 $q$SELECT count(*) FILTER (WHERE a < b) = count(*) FILTER (WHERE an < bn) FROM bench_money$q$),
-- 3. Text input and output
(20, 'text -> amount', (SELECT count(*) FROM bench_text), :'serial',
 $q$SELECT count(amount_txt::cbl.amount) FROM bench_text$q$,
 $q$SELECT count(numeric_txt::numeric) FROM bench_text$q$,
 $q$SELECT bool_and(cbl.value(amount_txt::cbl.amount) = numeric_txt::numeric) FROM bench_text$q$),
(21, 'amount -> text', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT count(a::text) FROM bench_money$q$,
 $q$SELECT count(an::text) FROM bench_money$q$,
 NULL),
-- 4. HS codes
(30, 'text -> hs_code', (SELECT count(*) FROM bench_text), :'serial',
 $q$SELECT count(hs_txt::cbl.hs_code) FROM bench_text$q$,
 $q$SELECT count(replace(replace(hs_txt, '.', ''), ' ', '')) FROM bench_text$q$,
 $q$SELECT bool_and(cbl.hs_digits(hs_txt::cbl.hs_code) = replace(replace(hs_txt, '.', ''), ' ', '')) FROM bench_text$q$),
-- Memoize off: every goods row probes the index (with it on, repeated codes
-- would hit a cache, the same on both sides, and hide the probe's cost).
(31, 'hs longest-prefix lookup', (SELECT count(*) FROM goods_hs),
 '{"SET max_parallel_workers_per_gather = 0","SET enable_memoize = off"}',
 $q$SELECT count(t.code)
      FROM goods_hs g
      LEFT JOIN LATERAL (SELECT code FROM tariff_hs
                          WHERE code = ANY (cbl.hs_prefixes(g.code))
                          ORDER BY cbl.hs_length(code) DESC LIMIT 1) t ON true$q$,
 $q$SELECT count(t.code)
      FROM goods_txt g
      LEFT JOIN LATERAL (SELECT code FROM tariff_txt
                          WHERE code = ANY (ARRAY[left(g.code, 2), left(g.code, 4), left(g.code, 6),
                                                  left(g.code, 8), g.code])
                          ORDER BY length(code) DESC LIMIT 1) t ON true$q$,
 $q$SELECT (SELECT array_agg(cbl.hs_digits(t.code) ORDER BY g.id)
              FROM goods_hs g
              LEFT JOIN LATERAL (SELECT code FROM tariff_hs
                                  WHERE code = ANY (cbl.hs_prefixes(g.code))
                                  ORDER BY cbl.hs_length(code) DESC LIMIT 1) t ON true)
         = (SELECT array_agg(t.code ORDER BY g.id)
              FROM goods_txt g
              LEFT JOIN LATERAL (SELECT code FROM tariff_txt
                                  WHERE code = ANY (ARRAY[left(g.code, 2), left(g.code, 4), left(g.code, 6),
                                                          left(g.code, 8), g.code])
                                  ORDER BY length(code) DESC LIMIT 1) t ON true)$q$),
-- 5. Air waybill numbers
(40, 'text -> awb', (SELECT count(*) FROM bench_text), :'serial',
 $q$SELECT count(awb_txt::cbl.awb) FROM bench_text$q$,
 $q$SELECT count(*) FILTER (WHERE awb_txt ~ '^[0-9]{3}-?[0-9]{8}$') FROM bench_text$q$,
 $q$SELECT count(*) FILTER (WHERE awb_txt ~ '^[0-9]{3}-?[0-9]{8}$') = count(awb_txt::cbl.awb) FROM bench_text$q$),
(41, 'is_valid_awb(text)', (SELECT count(*) FROM bench_text), :'serial',
 $q$SELECT count(*) FILTER (WHERE cbl.is_valid_awb(awb_txt)) FROM bench_text$q$,
 $q$SELECT count(*) FILTER (WHERE awb_txt ~ '^[0-9]{3}-?[0-9]{8}$') FROM bench_text$q$,
 $q$SELECT count(*) FILTER (WHERE cbl.is_valid_awb(awb_txt)) = count(*) FROM bench_text$q$),
-- Reference: the shared floor of the per-row pairs (scan + count, no expression).
(99, 'floor: scan + count(col)', (SELECT count(*) FROM bench_money), :'serial',
 $q$SELECT count(a) FROM bench_money$q$,
 $q$SELECT count(an) FROM bench_money$q$,
 NULL);
