-- cbl.amount arithmetic, comparison, indexes.
SET search_path = cbl, public;

-- Same-currency arithmetic is exact.
SELECT '0.10 USD'::amount + '0.20 USD' AS sum_,
       '0.10 USD'::amount - '0.20 USD' AS diff,
       -'5.5 EUR'::amount AS neg,
       cbl.abs('-5.5 EUR') AS abs_,
       '10.00 USD'::amount * 3 AS times_int,
       3 * '10.00 USD'::amount AS int_times,
       '10.00 USD'::amount * 0.175 AS times_rate,
       '10.00 USD'::amount / 3 AS third,
       '10.00 USD'::amount / '4.00 USD' AS ratio;

-- Multiplication and division round half-even to the micro-unit (1e-6).
SELECT '0.000001 USD'::amount * 0.5 AS half_to_even_zero,
       '0.000003 USD'::amount * 0.5 AS half_to_even_two,
       '-0.000003 USD'::amount * 0.5 AS neg_half_to_even_two,
       '0.000001 USD'::amount * 0.5000001 AS above_half,
       '1.000000 USD'::amount / 3 AS third,
       '2.000000 USD'::amount / 3 AS two_thirds,
       '-2.000000 USD'::amount / 3 AS neg_two_thirds,
       '0.000005 USD'::amount / 2 AS tie_to_even_two,
       '0.000007 USD'::amount / -2 AS tie_to_even_neg_four;

-- Mixing currencies is an error that names both (SQLSTATE LG001).
SELECT '1 USD'::amount + '1 EUR';
SELECT '1 USD'::amount - '1 EUR';
SELECT '1 USD'::amount < '1 EUR';
SELECT '1 USD'::amount / '1 EUR'::amount;
\set VERBOSITY sqlstate
SELECT '1 USD'::amount + '1 EUR';
\set VERBOSITY default

-- Overflow is an error, never a wrap.
SELECT '9223372036854.775807 USD'::amount + '0.000001 USD';
SELECT '-9223372036854.775807 USD'::amount - '0.000001 USD';
SELECT '9223372036854.775807 USD'::amount * 2;
SELECT '9223372036854.775807 USD'::amount * 1.0000001;
SELECT '1 USD'::amount / 0.0000000000001;
SELECT '9223372036854.775807 USD'::amount * 1 = '9223372036854.775807 USD' AS at_max_ok,
       -'9223372036854.775807 USD'::amount AS negated_max,
       cbl.abs('-9223372036854.775807 USD') AS abs_min;
SELECT '1 USD'::amount / 0;
SELECT '1 USD'::amount / '0 USD'::amount;
SELECT '1 USD'::amount * 'NaN'::numeric;
SELECT '1 USD'::amount * 'Infinity'::numeric;

-- Comparisons within one currency.
SELECT '1.5 EUR'::amount < '1.50001 EUR' AS lt, '1.5 EUR'::amount <= '1.50 EUR' AS le,
       '2 EUR'::amount > '-3 EUR' AS gt, '2 EUR'::amount >= '2.000 EUR' AS ge,
       '2 EUR'::amount = '2.000 EUR' AS eq, '2 EUR'::amount <> '2.01 EUR' AS ne,
       cbl.amount_cmp('1 EUR', '2 EUR') AS cmp_lt, cbl.amount_cmp('2 EUR', '2 EUR') AS cmp_eq;

-- Indexes: btree within a currency, hash for any mix.
CREATE TEMP TABLE charge (id int, amount cbl.amount);
INSERT INTO charge SELECT i, cbl.amount(i * 1.25, 'EUR') FROM generate_series(1, 1000) i;
CREATE INDEX charge_amount_btree ON charge (amount);
ANALYZE charge;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM charge WHERE amount = '12.50 EUR';
SELECT id FROM charge WHERE amount = '12.50 EUR';
EXPLAIN (COSTS OFF) SELECT id FROM charge WHERE amount BETWEEN '10 EUR' AND '13 EUR' ORDER BY amount;
SELECT id FROM charge WHERE amount BETWEEN '10 EUR' AND '13 EUR' ORDER BY amount;
SELECT id, amount FROM charge ORDER BY amount DESC LIMIT 3;
RESET enable_seqscan;
-- A mixed-currency row cannot enter a btree index of amounts: no order exists.
INSERT INTO charge VALUES (0, '12.50 USD');
DROP INDEX charge_amount_btree;
INSERT INTO charge VALUES (0, '12.50 USD');
CREATE INDEX charge_amount_hash ON charge USING hash (amount);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM charge WHERE amount = '12.50 USD';
SELECT id FROM charge WHERE amount = '12.50 USD';
RESET enable_seqscan;
-- Hash joins and hash aggregation work across currencies.
SET enable_sort = off;
SELECT cbl.currency(amount), count(DISTINCT amount) FROM charge GROUP BY 1 ORDER BY 1;
RESET enable_sort;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM charge a JOIN charge b ON a.amount = b.amount;
SELECT count(*) FROM charge a JOIN charge b ON a.amount = b.amount;
RESET enable_mergejoin; RESET enable_nestloop;
-- Sorting a mix by currency first never compares across currencies.
SELECT amount FROM charge WHERE id IN (0, 1, 2) ORDER BY cbl.currency(amount), amount;
-- Hash partitioning uses the extended hash function.
CREATE TEMP TABLE charge_part (amount cbl.amount) PARTITION BY HASH (amount);
CREATE TEMP TABLE charge_part_0 PARTITION OF charge_part FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TEMP TABLE charge_part_1 PARTITION OF charge_part FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO charge_part SELECT amount FROM charge;
SELECT (SELECT count(*) FROM charge_part_0) > 0 AND (SELECT count(*) FROM charge_part_1) > 0 AS both_used,
       (SELECT count(*) FROM charge_part) = (SELECT count(*) FROM charge) AS none_lost;
-- ANALYZE (autovacuum's too) works on a column holding several currencies:
-- amounts get no statistics, the table's other columns do.
ANALYZE charge;
SELECT attname, count(*) FROM pg_stats WHERE tablename = 'charge' AND schemaname LIKE 'pg_temp%'
 GROUP BY attname ORDER BY attname;
