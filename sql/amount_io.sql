-- cbl.amount text and binary I/O, constructor and accessors.
SET search_path = cbl, public;

-- Canonical text: at least the currency's minor-unit decimals, more if needed.
SELECT v::cbl.amount AS amount
  FROM (VALUES ('1234.56 USD'), ('1234.5 USD'), ('1234 USD'), ('-0.01 EUR'),
               ('100.5 JPY'), ('100 JPY'), ('1.2345 KWD'), ('0.000001 USD'),
               ('+7 GBP'), ('  42.10   CHF  '), ('USD 12.5'), ('12.50 usd'),
               ('-0 USD'), ('.5 USD'), ('5. USD'), ('1.2000000000 EUR'),
               ('1 CLF'), ('3 XAU'), ('9223372036854.775807 USD'),
               ('-9223372036854.775807 USD')) AS t(v);

-- Equal values compare and hash equal whatever their written scale.
SELECT '1.50 EUR'::cbl.amount = '1.5 EUR'::cbl.amount AS same,
       cbl.amount_hash('1.50 EUR') = cbl.amount_hash('1.5 EUR') AS same_hash,
       '1 USD'::cbl.amount = '1 EUR'::cbl.amount AS usd_is_eur,
       '1 USD'::cbl.amount <> '1 EUR'::cbl.amount AS usd_is_not_eur;

-- Bad input: SQLSTATE 22P02 (22003 for range) with a DETAIL.
\set VERBOSITY default
SELECT ''::cbl.amount;
SELECT '12.34'::cbl.amount;
SELECT 'USD'::cbl.amount;
SELECT '12.34 US'::cbl.amount;
SELECT '12.34 USDX'::cbl.amount;
SELECT '12.34 ABC'::cbl.amount;
SELECT '12.34 HRK'::cbl.amount;
SELECT '1.0000001 USD'::cbl.amount;
SELECT '1e3 USD'::cbl.amount;
SELECT '1,000.00 USD'::cbl.amount;
SELECT '12.34USD'::cbl.amount;
SELECT '12.34 USD x'::cbl.amount;
SELECT '- USD'::cbl.amount;
SELECT '9223372036854.775808 USD'::cbl.amount;
SELECT '99999999999999 USD'::cbl.amount;
\set VERBOSITY sqlstate
SELECT '12.34'::cbl.amount;
SELECT '99999999999999 USD'::cbl.amount;
\set VERBOSITY default

-- Constructor and accessors.
SELECT cbl.amount(1234.56, 'USD') AS a, cbl.amount(-0.5, 'JPY') AS b,
       cbl.amount(1.10000000, 'EUR') AS c, cbl.amount(0, 'KWD') AS d;
SELECT cbl.currency('12.5 EUR'), cbl.value('12.5 EUR'), cbl.value('100.5 JPY'),
       cbl.value('-0.000001 USD'), cbl.value('7 XAU');
SELECT pg_typeof(cbl.value('1 USD'));
SELECT cbl.amount(1.0000001, 'USD');
SELECT cbl.amount(1, 'usd');
SELECT cbl.amount(1, 'ABC');
SELECT cbl.amount('NaN', 'USD');
SELECT cbl.amount(10000000000000, 'USD');
\set VERBOSITY sqlstate
SELECT cbl.amount(1, 'ABC');
\set VERBOSITY default

-- Text round trip: every value reads back as itself (fixed seed).
SELECT setseed(0.42);
SELECT count(*) AS values_checked,
       count(*) FILTER (WHERE a::text::cbl.amount <> a
                           OR cbl.amount(cbl.value(a), cbl.currency(a)) <> a) AS failures
  FROM (SELECT cbl.amount(trunc(((random() - 0.5) * 2 * 10 ^ (random() * 12))::numeric, 6), c) AS a
          FROM generate_series(1, 2000),
               (VALUES ('USD'), ('JPY'), ('KWD'), ('CLF'), ('XAU')) AS t(c)) s;

-- Binary round trip (send/recv) through COPY BINARY.
CREATE TEMP TABLE amounts_bin (a cbl.amount);
INSERT INTO amounts_bin VALUES ('1234.56 USD'), ('-0.000001 EUR'), ('100 JPY'),
  ('9223372036854.775807 USD'), ('-9223372036854.775807 KWD');
COPY amounts_bin TO '/tmp/cbl_amounts.bin' WITH (FORMAT binary);
CREATE TEMP TABLE amounts_back (a cbl.amount);
COPY amounts_back FROM '/tmp/cbl_amounts.bin' WITH (FORMAT binary);
SELECT a FROM amounts_back;
SELECT (SELECT array_agg(a::text ORDER BY a::text) FROM amounts_bin)
     = (SELECT array_agg(a::text ORDER BY a::text) FROM amounts_back) AS binary_round_trip;

-- The binary form: int64 micro-units, then the packed currency (int16).
SELECT cbl.amount_send('1.00 USD') AS usd_payload;

-- recv validates like input.  A bytea column written with COPY BINARY has
-- the same field framing, so its bytes can stand in for a forged amount.
CREATE TEMP TABLE forged (payload bytea);
INSERT INTO forged VALUES
  ('\x00000000000f42400000'),   -- currency 0
  ('\x00000000000f4240ffff'),   -- currency beyond the code space
  ('\x800000000000000036a8'),   -- below the smallest amount (USD)
  ('\x00000000000f424036'),     -- truncated
  ('\x00000000000f424036a8');   -- valid: 1.00 USD
CREATE TEMP TABLE forged_amount (a cbl.amount);
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT payload FROM forged LOOP
    TRUNCATE forged_amount;
    EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', r.payload, '/tmp/cbl_forged.bin');
    BEGIN
      COPY forged_amount FROM '/tmp/cbl_forged.bin' WITH (FORMAT binary);
      RAISE NOTICE '% accepted as %', r.payload, (SELECT a FROM forged_amount);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE '% rejected: % (%)', r.payload, SQLERRM, SQLSTATE;
    END;
  END LOOP;
END $$;
