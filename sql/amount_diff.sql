-- Differential test: cbl.amount arithmetic and every rounding mode against
-- PostgreSQL numeric, on many generated values (fixed seed) and edge cases.
-- Each query counts disagreements; every count must be 0.
SET search_path = cbl, public;
SELECT setseed(0.2026);

-- Reference rounding in numeric: round x to d decimals with a mode.
CREATE FUNCTION pg_temp.ref_round(x numeric, d int, mode text) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE mode
    WHEN 'down' THEN trunc(x, d)
    WHEN 'up' THEN CASE WHEN trunc(x, d) = x THEN x
                        ELSE trunc(x, d) + sign(x) * 10 ^ (-d)::numeric END
    WHEN 'half_up' THEN round(x, d)   -- numeric round() rounds ties away from zero
    WHEN 'half_even' THEN
      CASE WHEN abs(x * 10 ^ d::numeric - trunc(x * 10 ^ d::numeric)) = 0.5
           THEN CASE WHEN mod(trunc(x * 10 ^ d::numeric), 2) = 0 THEN trunc(x, d)
                     ELSE trunc(x, d) + sign(x) * 10 ^ (-d)::numeric END
           ELSE round(x, d) END
  END
$$;

-- Values: random magnitudes from 1e-6 to 1e12, plus ties and edges.
CREATE TEMP TABLE v AS
  SELECT trunc(((random() - 0.5) * 2 * 10 ^ (random() * 12))::numeric, 6) AS x
    FROM generate_series(1, 20000);
-- exact ties at every decimal position a rounding can target
INSERT INTO v SELECT s * (k + 0.5) / 10 ^ d::numeric
  FROM generate_series(0, 30) k, generate_series(0, 5) d, (VALUES (1), (-1)) t(s);
INSERT INTO v VALUES (0), (0.000001), (-0.000001), (0.0000005 * 2), (0.000005), (-0.000005), (0.000015), (-0.000015), (9223372036854.775807),
  (-9223372036854.775807), (9223372036854.775), (-9223372036854.775), (0.005), (-0.005),
  (0.015), (-0.015), (0.5), (-0.5), (1.5), (-1.5), (2.5), (-2.5);
SELECT count(*) AS values_tested FROM v;

-- Currencies with 0, 2, 3 and 4 decimals.
CREATE TEMP TABLE c AS SELECT * FROM (VALUES ('JPY', 0), ('USD', 2), ('KWD', 3), ('CLF', 4)) t(code, minor);

-- Rounding to the minor unit in every mode.
SELECT m.mode, count(*) FILTER (WHERE
         cbl.value(cbl.round(cbl.amount(x, code), m.mode)) <> pg_temp.ref_round(x, minor, m.mode)) AS mismatches
  FROM v, c, (VALUES ('half_even'), ('half_up'), ('down'), ('up')) m(mode)
 WHERE abs(x) < 9223372036854   -- rounding up at the very top overflows; tested below
 GROUP BY m.mode ORDER BY m.mode;
-- The default is half-even.
SELECT count(*) FILTER (WHERE cbl.round(cbl.amount(x, 'USD')) <> cbl.round(cbl.amount(x, 'USD'), 'half_even')) AS mismatches
  FROM v WHERE abs(x) < 9223372036854;
-- Rounding to 0..6 decimals.
SELECT count(*) FILTER (WHERE cbl.value(cbl.round(cbl.amount(x, 'USD'), d, m.mode)) <> pg_temp.ref_round(x, d, m.mode)) AS mismatches
  FROM (SELECT x FROM v LIMIT 3000) v, generate_series(0, 6) d,
       (VALUES ('half_even'), ('half_up'), ('down'), ('up')) m(mode)
 WHERE abs(x) < 9223372036854;

-- Addition and subtraction are exact; out of range they fail, never wrap.
CREATE TEMP TABLE pairs AS
  SELECT a.x AS x, b.x AS y FROM (SELECT x, row_number() OVER () r FROM v) a
  JOIN (SELECT x, row_number() OVER (ORDER BY random()) r FROM v) b USING (r);
INSERT INTO pairs VALUES (9223372036854.775807, 0.000001), (-9223372036854.775807, -0.000001),
  (9223372036854.775807, -9223372036854.775807), (9223372036854.775807, 9223372036854.775807),
  (4611686018427.387904, 4611686018427.387903), (4611686018427.387904, 4611686018427.387904);
CREATE FUNCTION pg_temp.try_add(x numeric, y numeric) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN RETURN cbl.value(cbl.amount(x, 'EUR') + cbl.amount(y, 'EUR'));
EXCEPTION WHEN numeric_value_out_of_range THEN RETURN NULL; END $$;
CREATE FUNCTION pg_temp.try_sub(x numeric, y numeric) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN RETURN cbl.value(cbl.amount(x, 'EUR') - cbl.amount(y, 'EUR'));
EXCEPTION WHEN numeric_value_out_of_range THEN RETURN NULL; END $$;
SELECT count(*) FILTER (WHERE pg_temp.try_add(x, y) IS DISTINCT FROM
                                CASE WHEN abs(x + y) <= 9223372036854.775807 THEN x + y END) AS add_mismatches,
       count(*) FILTER (WHERE pg_temp.try_sub(x, y) IS DISTINCT FROM
                                CASE WHEN abs(x - y) <= 9223372036854.775807 THEN x - y END) AS sub_mismatches,
       count(*) FILTER (WHERE abs(x + y) > 9223372036854.775807) AS add_overflows_checked
  FROM pairs;

-- Multiplication and division by numeric: exact, then half-even to 1e-6.
CREATE TEMP TABLE factors AS
  SELECT trunc(((random() - 0.5) * 2 * 10 ^ (random() * 4 - 2))::numeric, (random() * 8)::int) AS f
    FROM generate_series(1, 40);
INSERT INTO factors VALUES (0.5), (-0.5), (1.5), (3), (7), (0.175), (1.19),
  -- beyond 18 significant digits: the exact numeric path instead of 128-bit integers
  (1.0000000000000000000001), (123456789.123456789123), (-0.33333333333333333333333);
DELETE FROM factors WHERE f = 0;
CREATE FUNCTION pg_temp.try_mul(x numeric, f numeric) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN RETURN cbl.value(cbl.amount(x, 'USD') * f);
EXCEPTION WHEN numeric_value_out_of_range THEN RETURN NULL; END $$;
CREATE FUNCTION pg_temp.try_div(x numeric, f numeric) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN RETURN cbl.value(cbl.amount(x, 'USD') / f);
EXCEPTION WHEN numeric_value_out_of_range THEN RETURN NULL; END $$;
SELECT count(*) FILTER (WHERE pg_temp.try_mul(x, f) IS DISTINCT FROM
         (SELECT CASE WHEN abs(r) <= 9223372036854.775807 THEN r END
            FROM pg_temp.ref_round(x * f, 6, 'half_even') r)) AS mul_mismatches,
       count(*) FILTER (WHERE pg_temp.try_div(x, f) IS DISTINCT FROM
         (SELECT CASE WHEN abs(r) <= 9223372036854.775807 THEN r END
            -- giving x 60 decimals makes numeric division carry 60 decimals,
            -- far more than a tie at 1e-6 by a divisor of <= 8 decimals needs
            FROM pg_temp.ref_round(round(x, 60) / f, 6, 'half_even') r)) AS div_mismatches
  FROM (SELECT x FROM v LIMIT 2000) v, factors;

-- sum() equals the numeric sum per currency bucket.
SELECT count(*) FILTER (WHERE cbl.value(s) <> n) AS sum_mismatches FROM (
  SELECT cbl.sum(cbl.amount(x / 1000, 'USD')::cbl.amount) s, sum(round(x / 1000, 6)) n
    FROM (SELECT trunc(x / 1000, 3) * 1000 AS x, ntile(50) OVER (ORDER BY random()) b FROM v) t
   GROUP BY b) t;
