-- Customs arithmetic: cbl.duty_rate (every published form, canonical text,
-- binary I/O, errors), the duty of a rate (numbers worked by hand in the
-- comments), explicit rounding, cbl.allocate and Incoterms 2020.
-- sql/customs_quote.sql covers tariffs, import rules and cbl.duty_quote.
-- cbl's operators (=, <>, + on its types) need cbl on the search path.
SET search_path = public, cbl;
\set SHOW_CONTEXT never

--
-- The duty expression forms of the issue, and their canonical text.
--
SELECT input, input::cbl.duty_rate AS canonical
  FROM (VALUES ('Free'), ('12 %'), ('16.5%'), ('100.40 EUR / 100 kg'),
               ('8.30 % + 95.00 EUR / 100 kg'), ('90¢/pr. + 20%'), ('2.4¢/kg + 5%'),
               ('6% but not less than 0.03 EUR per 1 kg'),
               ('9 % MIN 1.10 EUR / 100 kg MAX 4.40 EUR / 100 kg'),
               ('5% but not more than 2.00 EUR/item')) AS t(input);

-- Other spellings: case, symbols, code first, "per", units and their
-- aliases, TARIC's grouped quantities, bounds in either order, a comma.
SELECT input, input::cbl.duty_rate AS canonical
  FROM (VALUES (' FREE '), ('0 %'), ('$1.35/kg + 6%'), ('EUR 3/item'), ('3 €/p/st'),
               ('£2 per litre'), ('37.5¢/doz.'), ('1.20 eur / hl'), ('12 JPY/1 000 p/st'),
               ('0.5 EUR/m²'), ('2 EUR/1000 kg'), ('4 EUR/t'), ('7 % max 3 EUR/pr, minimum 1 EUR/pr'),
               ('8.3000000 %'), ('12%+1 EUR/kg')) AS t(input);

-- The canonical text reads back to the same rate, and = ignores spelling.
SELECT input, (input::cbl.duty_rate)::text::cbl.duty_rate = input::cbl.duty_rate AS round_trip
  FROM (VALUES ('8.30 % + 95.00 EUR / 100 kg'), ('90¢/pr. + 20%'), ('Free'),
               ('6% but not less than 0.03 EUR per 1 kg'), ('12 JPY/1 000 p/st')) AS t(input);
SELECT '12 %'::cbl.duty_rate = '12%' AS same_rate,
       'Free'::cbl.duty_rate = '0%' AS free_is_not_zero_percent,
       '90¢/pr.'::cbl.duty_rate = '0.90 USD/pair' AS cents_are_dollars,
       '5% + 1 EUR/kg'::cbl.duty_rate = '1 EUR/kg + 5%' AS order_of_terms_counts;
SELECT cbl.parse_duty('8.30 % + 95.00 EUR / 100 kg') AS parsed;

-- The parsed structure.
SELECT * FROM cbl.duty_components('9 % MIN 1.10 EUR / 100 kg MAX 4.40 EUR / 100 kg + 1%');
SELECT * FROM cbl.duty_components('90¢/pr. + 20%');
SELECT * FROM cbl.duty_components('37.5¢/doz.');
SELECT count(*) AS free_has_no_terms FROM cbl.duty_components('Free');

-- Hash and btree opclasses: DISTINCT, GROUP BY and indexes work.
SELECT count(DISTINCT r) AS distinct_rates
  FROM unnest('{12 %,12%,12.0 %,Free,0 %,90¢/pr.,0.90 USD/pr}'::cbl.duty_rate[]) AS r;
CREATE TEMP TABLE rates (r cbl.duty_rate);
INSERT INTO rates SELECT unnest('{12 %,Free,90¢/pr. + 20%,16.5%,12%}'::cbl.duty_rate[]);
CREATE INDEX rates_hash ON rates USING hash (r);
CREATE INDEX rates_btree ON rates (r);
SET enable_seqscan = off;
SELECT count(*) AS twelve_percent FROM rates WHERE r = '12%';
RESET enable_seqscan;
SET enable_sort = off;
SELECT r, count(*) FROM rates GROUP BY r ORDER BY r::text;
RESET enable_sort;

-- Binary I/O: send writes the canonical binary form (version, term counts,
-- terms), recv reads it back and validates it like text input.
SELECT cbl.duty_rate_send('12%') AS twelve_percent, cbl.duty_rate_send('Free') AS free;
SELECT '/tmp/cbl_duty_' || pg_backend_pid() || '.bin' AS binfile \gset
COPY rates TO :'binfile' WITH (FORMAT binary);
CREATE TEMP TABLE rates_back (r cbl.duty_rate);
COPY rates_back FROM :'binfile' WITH (FORMAT binary);
SELECT (SELECT array_agg(r::text ORDER BY r::text) FROM rates)
     = (SELECT array_agg(r::text ORDER BY r::text) FROM rates_back) AS binary_round_trip;
-- A bytea written with COPY BINARY has the same framing: forge bad values.
CREATE TEMP TABLE forged (payload bytea);
INSERT INTO forged VALUES
  ('\x02000000'),                       -- unknown format version
  ('\x01010000'),                       -- a term announced but missing
  ('\x01000100'),                       -- Free with a minimum
  ('\x010100000300000000000000010000'), -- unknown kind of term
  ('\x0101000001000000000000000a00'),   -- trailing byte
  ('\x01010000010000000000b71b00');     -- valid: 12%
CREATE TEMP TABLE forged_rate (r cbl.duty_rate);
DO $$
DECLARE f record;
BEGIN
  FOR f IN SELECT payload FROM forged LOOP
    TRUNCATE forged_rate;
    EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', f.payload, '/tmp/cbl_duty_forged.bin');
    BEGIN
      COPY forged_rate FROM '/tmp/cbl_duty_forged.bin' WITH (FORMAT binary);
      RAISE NOTICE '% accepted as %', f.payload, (SELECT r FROM forged_rate);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE '% rejected: % (%)', f.payload, SQLERRM, SQLSTATE;
    END;
  END LOOP;
END $$;

--
-- Unknown forms are refused, quoting the part that could not be read.
--
SELECT cbl.parse_duty('5% + EA');
SELECT '25% on the value of the bottle'::cbl.duty_rate;
SELECT '5 EUR/100 bananas'::cbl.duty_rate;
SELECT '5 XYZ/kg'::cbl.duty_rate;
SELECT '5 EUR'::cbl.duty_rate;
SELECT '12'::cbl.duty_rate;
SELECT '12% +'::cbl.duty_rate;
SELECT 'Free + 5%'::cbl.duty_rate;
SELECT '12% MIN 1 EUR/kg MIN 2 EUR/kg'::cbl.duty_rate;
SELECT '1% + 2% + 3% + 4% + 5%'::cbl.duty_rate;
SELECT '12.1234567%'::cbl.duty_rate;
SELECT '1 EUR/0 kg'::cbl.duty_rate;
SELECT ''::cbl.duty_rate;
SELECT '12% ∑'::cbl.duty_rate;
SELECT '100001%'::cbl.duty_rate;
\set VERBOSITY sqlstate
SELECT '5% + EA'::cbl.duty_rate;
SELECT '100001%'::cbl.duty_rate;
\set VERBOSITY default
SELECT input, cbl.is_valid_duty(input)
  FROM (VALUES ('Free'), ('8.30 % + 95.00 EUR / 100 kg'), ('90¢/pr. + 20%'), ('5% + EA'),
               ('12'), (''), (NULL)) AS t(input);

--
-- The duty of each form, worked by hand.  cbl.duty_amount is exact to the
-- micro-unit; cbl.duty_compute also explains it.
--
-- Free: nothing.
-- 12% of 1099.00 EUR = 131.88 EUR.
-- 16.5% of 250.00 USD = 41.25 USD.
-- 100.40 EUR per 100 kg, 250 kg: 100.40 * 2.5 = 251.00 EUR.
-- 8.30 % + 95.00 EUR / 100 kg on 1000.00 EUR and 120 kg:
--   83.00 + 95.00 * 1.2 = 83.00 + 114.00 = 197.00 EUR.
-- 90¢/pr. + 20% on 100.00 USD and 10 pairs: 9.00 + 20.00 = 29.00 USD.
-- 2.4¢/kg + 5% on 1000.00 USD and 250.5 kg: 0.024 * 250.5 = 6.012, + 50.00
--   = 56.012 USD (exact; rounded half-up to the cent: 56.01 USD).
SELECT r AS rate, v AS customs_value, q AS quantities, cbl.duty_amount(r::cbl.duty_rate, v::cbl.amount, q::jsonb) AS duty
  FROM (VALUES ('Free', '1000.00 EUR', '{}'),
               ('12 %', '1099.00 EUR', '{}'),
               ('16.5%', '250.00 USD', '{}'),
               ('100.40 EUR / 100 kg', '5000.00 EUR', '{"kg": 250}'),
               ('8.30 % + 95.00 EUR / 100 kg', '1000.00 EUR', '{"kg": 120}'),
               ('90¢/pr. + 20%', '100.00 USD', '{"pr": 10}'),
               ('2.4¢/kg + 5%', '1000.00 USD', '{"kg": 250.5}')) AS t(r, v, q);
SELECT cbl.customs_round(cbl.duty_amount('2.4¢/kg + 5%', '1000.00 USD', '{"kg": 250.5}'), 'half_up') AS rounded;

-- Minimum: 6% but not less than 0.03 EUR per kg, 50 kg (minimum 1.50 EUR).
--   On 10.00 EUR: 6% = 0.60 < 1.50, so 1.50 EUR.
--   On 100.00 EUR: 6% = 6.00 >= 1.50, so 6.00 EUR.
--   On 25.00 EUR: 6% = 1.50 = the minimum, so 1.50 EUR.
-- Maximum and minimum: 9 % MIN 1.10 EUR / 100 kg MAX 4.40 EUR / 100 kg, 100 kg.
--   On 1000.00 EUR: 9% = 90.00 > 4.40, so 4.40 EUR.
--   On 10.00 EUR: 9% = 0.90 < 1.10, so 1.10 EUR.
--   On 30.00 EUR: 9% = 2.70, between, so 2.70 EUR.
SELECT r AS rate, v AS customs_value, d.duty, d.explanation
  FROM (VALUES ('6% but not less than 0.03 EUR per 1 kg', '10.00 EUR', '{"kg": 50}'),
               ('6% but not less than 0.03 EUR per 1 kg', '100.00 EUR', '{"kg": 50}'),
               ('6% but not less than 0.03 EUR per 1 kg', '25.00 EUR', '{"kg": 50}'),
               ('9 % MIN 1.10 EUR / 100 kg MAX 4.40 EUR / 100 kg', '1000.00 EUR', '{"kg": 100}'),
               ('9 % MIN 1.10 EUR / 100 kg MAX 4.40 EUR / 100 kg', '10.00 EUR', '{"kg": 100}'),
               ('9 % MIN 1.10 EUR / 100 kg MAX 4.40 EUR / 100 kg', '30.00 EUR', '{"kg": 100}')) AS t(r, v, q),
       LATERAL cbl.duty_compute(r::cbl.duty_rate, v::cbl.amount, q::jsonb) AS d;

-- Units measured in another unit: 37.5¢ per dozen on 30 items = 0.375 * 2.5
-- = 0.9375 USD; 1.20 EUR per hl on 250 l = 1.20 * 2.5 = 3.00 EUR; 4 EUR per
-- tonne on 2500 kg = 10.00 EUR.
SELECT cbl.duty_amount('37.5¢/doz.', '100 USD', '{"item": 30}') AS per_dozen,
       cbl.duty_amount('1.20 EUR/hl', '100 EUR', '{"l": 250}') AS per_hectolitre,
       cbl.duty_amount('4 EUR/t', '100 EUR', '{"kg": 2500}') AS per_tonne;
SELECT * FROM cbl.duty_compute('Free', '10 EUR');
SELECT * FROM cbl.duty_compute('12%', '1099 EUR');
SELECT * FROM cbl.duty_compute('8.30 % + 95.00 EUR / 100 kg', '1000 EUR', '{"kg": 120, "item": 4}');

-- A specific part in another currency is converted with cbl.convert on the
-- date (EUR/CHF 0.94, a pair no other test uses): 0.03 EUR/kg * 50 kg =
-- 1.50 EUR = 1.50 * 0.94 = 1.41 CHF; 6% of 10.00 CHF = 0.60 CHF < 1.41, so
-- the minimum, 1.41 CHF.
SELECT cbl.set_fx_rate('EUR', 'CHF', '2026-01-01', 0.94, 'customs test');
SELECT * FROM cbl.duty_compute('6% but not less than 0.03 EUR per 1 kg', '10.00 CHF', '{"kg": 50}', '2026-03-02');
-- Without a date it is refused (LG001), and without a rate cbl.convert says so (LG003).
SELECT cbl.duty_amount('6% but not less than 0.03 EUR per 1 kg', '10.00 CHF', '{"kg": 50}');
\set VERBOSITY sqlstate
SELECT cbl.duty_amount('6% but not less than 0.03 EUR per 1 kg', '10.00 CHF', '{"kg": 50}');
SELECT cbl.duty_amount('6% but not less than 0.03 EUR per 1 kg', '10.00 CHF', '{"kg": 50}', '2025-12-31');
\set VERBOSITY default
-- NULL rate or value: NULL; NULL quantities: none.
SELECT cbl.duty_amount(NULL, '10 EUR') IS NULL AS null_rate, cbl.duty_amount('12%', NULL) IS NULL AS null_value,
       cbl.duty_amount('12%', '10 EUR', NULL) AS null_quantities;

-- Errors with the quantities and the value.
SELECT cbl.duty_amount('8.30 % + 95.00 EUR / 100 kg', '1000 EUR', '{"pr": 3}');
SELECT cbl.duty_amount('90¢/pr.', '100 USD', '{"pr": "10"}');
SELECT cbl.duty_amount('90¢/pr.', '100 USD', '{"pr": -1}');
SELECT cbl.duty_amount('90¢/pr.', '100 USD', '{"pr": 1.0000001}');
SELECT cbl.duty_amount('90¢/pr.', '100 USD', '[10]');
SELECT cbl.duty_amount('12%', '-1 EUR');

--
-- Explicit rounding: a mode and an increment, both data.
--
-- 56.012 -> 56.01 (half_up), 56.015 -> 56.02 (half_up) or 56.02 (half_even),
-- 56.025 -> 56.03 (half_up), 56.02 (half_even); down to 100 JPY: 5345.6 -> 5300.
SELECT cbl.customs_round('56.012 USD', 'half_up') AS a, cbl.customs_round('56.015 USD', 'half_up') AS b,
       cbl.customs_round('56.015 USD', 'half_even') AS c, cbl.customs_round('56.025 USD', 'half_up') AS d,
       cbl.customs_round('56.025 USD', 'half_even') AS e, cbl.customs_round('5345.6 JPY', 'down', 100) AS f,
       cbl.customs_round('5300 JPY', 'up', 100) AS g, cbl.customs_round('-2.345 EUR', 'half_up') AS h;
-- Percentages computed exactly and rounded once: 9.1% of 1000.00 CNY = 91.00;
-- 0.3464% of 2500.01 USD = 8.66003464 -> 8.66; 19% of 1243.20 EUR = 236.208
-- -> 236.21 (half_up) or 236.20 (down).
SELECT cbl.customs_percent('1000.00 CNY', 9.1) AS cn_vat,
       cbl.customs_percent('2500.01 USD', 0.3464) AS mpf,
       cbl.customs_percent('1243.20 EUR', 19) AS vat_half_up,
       cbl.customs_percent('1243.20 EUR', 19, 'down') AS vat_down,
       cbl.customs_percent('58756 JPY', 10, 'down', 100) AS jp_tax;
SELECT cbl.customs_round('1 EUR', 'sideways');
SELECT cbl.customs_round('1 EUR', 'down', 0);
SELECT cbl.customs_round('1 EUR', 'down', 0.0000001);
SELECT cbl.customs_round('1 XAU', 'down');
SELECT cbl.customs_percent('1 EUR', 'NaN');

--
-- cbl.allocate: whole minor units, summing exactly to the total.
--
-- 100.00 EUR in thirds: 10000 cents * 1/3 = 3333 each with remainder 1/3
--   each; 1 cent is left and goes to the first position (tie): 33.34, 33.33, 33.33.
-- 10.00 USD by 1:2:3:4: exact, 1.00 2.00 3.00 4.00.
-- 1.00 USD by 1:2:4 (sum 7): 100/7 = 14 r2, 200/7 = 28 r4, 400/7 = 57 r1;
--   1 cent left goes to the largest remainder (the second): 0.14, 0.29, 0.57.
-- 1.00 USD in 7 equal parts: 14 each r2, 2 cents left to positions 1 and 2.
-- 100 JPY (no decimals) in thirds: 34, 33, 33.
-- -0.05 EUR in 4: -0.02, -0.01, -0.01, -0.01.
-- 0.00 EUR over zero weights: zeros.
SELECT cbl.allocate('100.00 EUR', '{1,1,1}') AS thirds,
       cbl.allocate('10.00 USD', '{1,2,3,4}') AS exact,
       cbl.allocate('1.00 USD', '{1,2,4}') AS largest_remainder;
SELECT cbl.allocate('1.00 USD', '{1,1,1,1,1,1,1}') AS sevenths,
       cbl.allocate('100 JPY', '{1,1,1}') AS yen,
       cbl.allocate('-0.05 EUR', '{1,1,1,1}') AS negative,
       cbl.allocate('0 EUR', '{0,0}') AS nothing,
       cbl.allocate('10.00 USD', '{0.5,0.25,0.25}') AS fractions,
       cbl.allocate('0.03 KWD', '{1,2}') AS three_decimals;
-- The parts always sum exactly to the total (2000 generated cases).
SELECT count(*) AS cases,
       count(*) FILTER (WHERE (SELECT cbl.sum(p) FROM unnest(cbl.allocate(t, w)) AS p) <> t) AS not_summing,
       count(*) FILTER (WHERE cardinality(cbl.allocate(t, w)) <> cardinality(w)) AS wrong_length
  FROM (SELECT cbl.amount(((i * 7919) % 1000003) / 100.0 - 2000, 'EUR') AS t,
               ARRAY(SELECT ((i * j * 37) % 11)::numeric / (1 + j % 3)
                       FROM generate_series(1, 1 + i % 9) AS j) || ARRAY[1::numeric] AS w
          FROM generate_series(1, 2000) AS i) AS s;
SELECT cbl.allocate('10.005 USD', '{1,1}');
SELECT cbl.allocate('10 USD', '{}');
SELECT cbl.allocate('10 USD', '{1,NULL}');
SELECT cbl.allocate('10 USD', '{1,-1}');
SELECT cbl.allocate('10 USD', '{0,0}');
SELECT cbl.allocate('10 XAU', '{1,1}');
SELECT cbl.allocate('10 USD', '{{1},{1}}');

--
-- Incoterms 2020: who pays what.
--
SELECT incoterm, transport_modes, export_clearance, main_carriage, insurance, insurance_required, import_duties
  FROM cbl.incoterm_rule ORDER BY incoterm;
SELECT i AS incoterm, cbl.incoterm_payer(i, 'main_carriage') AS main_carriage,
       cbl.incoterm_payer(i, 'insurance') AS insurance,
       cbl.incoterm_payer(i, 'export_clearance') AS export_clearance,
       cbl.incoterm_payer(i, 'import_duties') AS import_duties
  FROM unnest(enum_range(NULL::cbl.incoterm)) AS i;
SELECT cbl.incoterm_payer('DDP', 'lunch');
SELECT 'XYZ'::cbl.incoterm;

--
-- The examples of docs/customs.md that need no sample data, word for word.
--
SELECT cbl.parse_duty('8.30 % + 95.00 EUR / 100 kg') AS rate;
SELECT '90¢/pr. + 20%'::cbl.duty_rate AS rate;
SELECT '6% but not less than 0.03 EUR per 1 kg'::cbl.duty_rate AS rate;
SELECT * FROM cbl.duty_components('9 % MIN 1.10 EUR / 100 kg MAX 4.40 EUR / 100 kg');
SELECT * FROM cbl.duty_compute('8.30 % + 95.00 EUR / 100 kg', '1000.00 EUR', '{"kg": 120}');
SELECT cbl.duty_amount('2.4¢/kg + 5%', '1000.00 USD', '{"kg": 250.5}');
SELECT cbl.customs_round(cbl.duty_amount('2.4¢/kg + 5%', '1000.00 USD', '{"kg": 250.5}'), 'half_up');
SELECT cbl.customs_round('5345.6 JPY', 'down', 100);
SELECT cbl.customs_percent('2500.01 USD', 0.3464);
SELECT cbl.allocate('100.00 EUR', '{1,1,1}');
SELECT cbl.allocate('1.00 USD', '{1,2,4}');
SELECT cbl.incoterm_payer('DDP', 'import_duties');

DELETE FROM cbl.fx_rate WHERE source = 'customs test';
DROP TABLE rates, rates_back, forged, forged_rate;
\set SHOW_CONTEXT errors
RESET search_path;
