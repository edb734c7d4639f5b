-- cbl benchmarks: the data (test/bench/run.sh loads it after harness.sql).
--
-- Everything comes from generate_series and integer arithmetic (i * prime
-- modulo m), so every run builds the same rows; nothing is random.  psql
-- variables: rows (default 1000000), goods (100000), tariff (5000).
-- Each cbl column has a twin in a core type holding the same value, and each
-- pair in cases.sql reads one table, so both sides scan the same rows.

\if :{?rows}
\else
\set rows 1000000
\endif
\if :{?goods}
\else
\set goods 100000
\endif
\if :{?tariff}
\else
\set tariff 5000
\endif

-- Money.  a: cents in [-10000.00, 10000.00]; b: four decimals in
-- [-1000.0000, 1000.0000], so rounding it to cents has work to do; r: a rate
-- with six decimals in [0.5, 1.5], so a * r needs rounding to the micro-unit.
CREATE TABLE bench_money AS
SELECT i AS id,
       cbl.amount(va, 'USD') AS a, va AS an,
       cbl.amount(vb, 'USD') AS b, vb AS bn,
       r
  FROM generate_series(1, :rows) AS i,
       LATERAL (SELECT ((i::bigint * 7919) % 2000001 - 1000000) * 0.01 AS va,
                       ((i::bigint * 15485863) % 20000001 - 10000000) * 0.0001 AS vb,
                       0.5 + ((i::bigint * 104729) % 1000001) * 0.000001 AS r) AS v;

-- Text to parse.  amount_txt cycles through four currencies ('1234.56 USD',
-- '-0.07 EUR' …), numeric_txt is the same number alone; hs_txt is an HS code
-- in one of four written forms (6109.10, 610910, 6109.10.00.12, 6109 10 00);
-- awb_txt an air waybill number with a correct check digit, two in three
-- with the hyphen ('176-12345675', '17612345675').
CREATE TABLE bench_text AS
SELECT i AS id,
       num || ' ' || (ARRAY['USD', 'EUR', 'GBP', 'CNY'])[1 + i % 4] AS amount_txt,
       num AS numeric_txt,
       CASE i % 4
            WHEN 0 THEN substr(d, 1, 4) || '.' || substr(d, 5, 2)
            WHEN 1 THEN substr(d, 1, 6)
            WHEN 2 THEN substr(d, 1, 4) || '.' || substr(d, 5, 2) || '.' || substr(d, 7, 2) || '.' || substr(d, 9, 2)
            ELSE substr(d, 1, 2) || substr(d, 3, 2) || ' ' || substr(d, 5, 2) || ' ' || substr(d, 7, 2)
       END AS hs_txt,
       lpad((i::bigint * 37 % 1000)::text, 3, '0')
         || CASE WHEN i % 3 = 0 THEN '' ELSE '-' END
         || lpad(serial::text, 7, '0') || (serial % 7)::text AS awb_txt
  FROM generate_series(1, :rows) AS i,
       LATERAL (SELECT (((i::bigint * 7919) % 2000001 - 1000000) * 0.01)::text AS num,
                       -- a chapter 01..97 other than 77, then eight more digits
                       lpad((k + 1 + (k >= 76)::int)::text, 2, '0')
                         || lpad((i::bigint * 7919 % 100000000)::text, 8, '0') AS d,
                       (i::bigint * 104729 + 1234567) % 10000000 AS serial
                  FROM (SELECT (i::bigint * 31) % 96 AS k) AS kk) AS v;

-- Longest-prefix look-up: a tariff of :tariff codes at mixed levels (every
-- chapter, then headings, subheadings and 8-digit lines) and :goods declared
-- 8- or 10-digit codes, most of which fall under some tariff row.  The _hs
-- tables hold cbl.hs_code, the _txt twins the same codes as digit strings
-- (text, collation C, as the cluster's default); both have a btree primary key.
CREATE TABLE tariff_hs (code cbl.hs_code PRIMARY KEY, duty_rate numeric NOT NULL);
INSERT INTO tariff_hs
SELECT code::cbl.hs_code, length(code) * 1.5
  FROM (SELECT code, min(ord) AS ord
          FROM (SELECT lpad((k + 1 + (k >= 76)::int)::text, 2, '0') AS code, -1 AS ord
                  FROM generate_series(0, 95) AS k
                UNION ALL
                SELECT ch || hd || CASE j % 3 WHEN 0 THEN '' WHEN 1 THEN sh ELSE sh || ln END, j
                  FROM generate_series(1, 4 * :tariff) AS j,
                       LATERAL (SELECT j * 2654435761 % 4294967296 AS x) AS h,
                       LATERAL (SELECT lpad((x % 96 + 1 + (x % 96 >= 76)::int)::text, 2, '0') AS ch,
                                       lpad((1 + x / 96 % 30)::text, 2, '0') AS hd,
                                       lpad((x / 2880 % 5 * 10)::text, 2, '0') AS sh,
                                       lpad((x / 14400 % 3 * 10)::text, 2, '0') AS ln) AS d) AS c
         GROUP BY code) AS u
 ORDER BY ord
 LIMIT :tariff;

-- The goods draw their digits the same way (another multiplier), so they
-- meet the tariff at every level.
CREATE TABLE goods_hs AS
SELECT i AS id,
       (ch || hd || sh || ln || CASE WHEN i % 2 = 0 THEN lpad((x / 43200 % 100)::text, 2, '0') ELSE '' END)::cbl.hs_code AS code
  FROM generate_series(1, :goods) AS i,
       LATERAL (SELECT i * 2246822519 % 4294967296 AS x) AS h,
       LATERAL (SELECT lpad((x % 96 + 1 + (x % 96 >= 76)::int)::text, 2, '0') AS ch,
                       lpad((1 + x / 96 % 30)::text, 2, '0') AS hd,
                       lpad((x / 2880 % 5 * 10)::text, 2, '0') AS sh,
                       lpad((x / 14400 % 3 * 10)::text, 2, '0') AS ln) AS d;

CREATE TABLE tariff_txt (code text PRIMARY KEY, duty_rate numeric NOT NULL);
INSERT INTO tariff_txt SELECT cbl.hs_digits(code), duty_rate FROM tariff_hs;
CREATE TABLE goods_txt AS SELECT id, cbl.hs_digits(code) AS code FROM goods_hs;

-- Set hint bits and the visibility map, and gather statistics, so that no
-- timed query writes to a page or plans on guesses.
VACUUM (FREEZE, ANALYZE) bench_money, bench_text, tariff_hs, goods_hs, tariff_txt, goods_txt;
