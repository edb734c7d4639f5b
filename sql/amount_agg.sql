-- sum, avg, min, max over cbl.amount; the state type; parallel plans.
SET search_path = cbl, public;

CREATE TEMP TABLE ledger (id int, party text, amount cbl.amount);
INSERT INTO ledger VALUES
  (1, 'acme', '100.10 USD'), (2, 'acme', '0.20 USD'), (3, 'acme', '-5.05 USD'),
  (4, 'beta', '7 JPY'), (5, 'beta', '8 JPY'), (6, 'gamma', '1.005 KWD');

SELECT party, cbl.sum(amount), cbl.avg(amount), cbl.min(amount), cbl.max(amount), count(*)
  FROM ledger GROUP BY party ORDER BY party;

-- The usual idiom for mixed ledgers: group by currency.
SELECT cbl.currency(amount) AS currency, cbl.sum(amount) AS total
  FROM ledger GROUP BY 1 ORDER BY 1;

-- Empty input gives NULL, as sum() does for numbers.
SELECT cbl.sum(amount) IS NULL AS sum_null, cbl.avg(amount) IS NULL AS avg_null,
       cbl.min(amount) IS NULL AS min_null FROM ledger WHERE false;
-- NULLs are skipped.
SELECT cbl.sum(a), cbl.avg(a) FROM (VALUES ('1 USD'::cbl.amount), (NULL), ('2 USD')) t(a);

-- avg rounds half-even to the micro-unit.
SELECT cbl.avg(a) FROM (VALUES ('0.000001 USD'::cbl.amount), ('0.000002 USD')) t(a);
SELECT cbl.avg(a) FROM (VALUES ('0.000001 USD'::cbl.amount), ('0.000000 USD')) t(a);
SELECT cbl.avg(a) FROM (VALUES ('-0.000003 USD'::cbl.amount), ('0.000000 USD')) t(a);
SELECT cbl.avg(a) FROM (VALUES ('1 USD'::cbl.amount), ('1 USD'), ('2 USD')) t(a);

-- Mixing currencies in an aggregate is an error naming both.
SELECT cbl.sum(amount) FROM ledger;
SELECT cbl.avg(amount) FROM ledger WHERE party <> 'beta';
SELECT cbl.max(amount) FROM ledger;
\set VERBOSITY sqlstate
SELECT cbl.sum(amount) FROM ledger;
\set VERBOSITY default

-- The sum is exact in 128 bits: partial sums may exceed the amount range as
-- long as the total fits, whatever the order.
SELECT cbl.sum(a) FROM (VALUES ('9223372036854.775807 USD'::cbl.amount),
                               ('9223372036854.775807 USD'), ('-9223372036854.775807 USD')) t(a);
SELECT cbl.avg(a) FROM (VALUES ('9223372036854.775807 USD'::cbl.amount),
                               ('9223372036854.775807 USD')) t(a);
-- A total beyond the range is an error.
SELECT cbl.sum(a) FROM (VALUES ('9223372036854.775807 USD'::cbl.amount), ('1 USD')) t(a);

-- The state type round-trips through text (what Citus ships between nodes).
SELECT '(0,0,)'::cbl.amount_accum AS empty, '(3,95250000,USD)'::cbl.amount_accum AS usd,
       '(2,-18446744073709551614,EUR)'::cbl.amount_accum AS at_bound;
SELECT '(2,-18446744073709551615,EUR)'::cbl.amount_accum;
SELECT '(2,-170141183460469231731687303715884105727,EUR)'::cbl.amount_accum;
SELECT cbl.amount_accum_sum(cbl.amount_accum_combine('(2,3000000,USD)', '(1,500000,USD)')) AS combined,
       cbl.amount_accum_avg(cbl.amount_accum_combine('(0,0,)', '(2,3000000,USD)')) AS with_empty,
       cbl.amount_accum_combine('(2,3000000,USD)', '(0,0,)') AS empty_right;
SELECT cbl.amount_accum_combine('(2,3000000,USD)', '(1,1,EUR)');
SELECT 'junk'::cbl.amount_accum;
SELECT '(1,0,)'::cbl.amount_accum;
SELECT '(0,5,)'::cbl.amount_accum;
SELECT '(-1,0,)'::cbl.amount_accum;
SELECT '(1,1,ABC)'::cbl.amount_accum;
SELECT '(1,9223372036854775808,USD)'::cbl.amount_accum;

-- Parallel aggregation: force a parallel plan and check that partial
-- aggregates are combined to exactly the serial answer.
CREATE TABLE big_ledger (id int, amount cbl.amount);
INSERT INTO big_ledger
  SELECT i, cbl.amount(((i * 7919) % 100003 - 50000) / 100.0 + (i % 7) / 1000000.0, 'EUR')
    FROM generate_series(1, 200000) i;
ANALYZE big_ledger;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT cbl.sum(amount), cbl.avg(amount), cbl.min(amount), cbl.max(amount) FROM big_ledger;
SELECT cbl.sum(amount) AS p_sum, cbl.avg(amount) AS p_avg, cbl.min(amount) AS p_min,
       cbl.max(amount) AS p_max FROM big_ledger \gset
RESET max_parallel_workers_per_gather; RESET parallel_setup_cost;
RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_result AS
  SELECT cbl.sum(amount) s, cbl.avg(amount) a, cbl.min(amount) mi, cbl.max(amount) ma FROM big_ledger;
RESET max_parallel_workers_per_gather;
SELECT s = :'p_sum' AND a = :'p_avg' AND mi = :'p_min' AND ma = :'p_max' AS parallel_equals_serial,
       s AS total, a AS mean, mi AS smallest, ma AS largest
  FROM serial_result;
-- ... and both equal the same sum done in numeric.
SELECT cbl.value(s) = (SELECT sum(cbl.value(amount)) FROM big_ledger) AS equals_numeric_sum
  FROM serial_result;

-- Order independence: any order of the same rows gives the same sum.
SELECT count(DISTINCT total) AS distinct_totals FROM (
  SELECT (SELECT cbl.sum(amount ORDER BY (id * k) % 1009) FROM big_ledger WHERE id <= 5000) AS total
    FROM generate_series(1, 5) k) t;
DROP TABLE big_ledger;

-- The state type has default btree and hash operator classes: states are
-- equal when count, sum and currency are; ordered by currency, count, sum;
-- equal states hash alike, so GROUP BY and DISTINCT work either way.
SELECT '(2,300,EUR)'::cbl.amount_accum = '(2,300,EUR)'::cbl.amount_accum AS same,
       '(2,300,EUR)'::cbl.amount_accum = '(2,300,USD)'::cbl.amount_accum AS other_currency,
       '(2,300,EUR)'::cbl.amount_accum <> '(3,300,EUR)'::cbl.amount_accum AS other_count,
       '(2,300,EUR)'::cbl.amount_accum < '(2,301,EUR)'::cbl.amount_accum AS smaller_sum,
       '(9,-5,EUR)'::cbl.amount_accum < '(1,0,USD)'::cbl.amount_accum AS currency_first,
       '(0,0,)'::cbl.amount_accum < '(1,1,AED)'::cbl.amount_accum AS empty_first;
SELECT cbl.amount_accum_hash('(2,300,EUR)') = cbl.amount_accum_hash('(2,300,EUR)') AS hash_equal,
       cbl.amount_accum_hash('(2,300,EUR)') <> cbl.amount_accum_hash('(2,300,USD)') AS hash_differs,
       cbl.amount_accum_hash_extended('(2,300,EUR)', 7) = cbl.amount_accum_hash_extended('(2,300,EUR)', 7) AS hash_ext_equal,
       cbl.amount_accum_hash_extended('(2,300,EUR)', 7) <> cbl.amount_accum_hash_extended('(2,300,EUR)', 8) AS seed_matters;
CREATE TEMP TABLE accum_states AS
  SELECT s::cbl.amount_accum AS s
    FROM unnest('{"(1,100,EUR)","(2,300,EUR)","(1,100,EUR)","(2,300,USD)","(0,0,)","(2,300,EUR)"}'::text[]) s;
SET enable_hashagg = off;
SELECT s, count(*) FROM accum_states GROUP BY s ORDER BY s;
SET enable_hashagg = on;
SET enable_sort = off;
SELECT s::text, count(*) FROM accum_states GROUP BY s ORDER BY 1;
RESET enable_sort;
RESET enable_hashagg;
SELECT max(s::text) AS largest_text, (SELECT s FROM accum_states ORDER BY s DESC LIMIT 1) AS largest FROM accum_states;
DROP TABLE accum_states;
