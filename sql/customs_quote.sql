-- Tariffs, import rules and cbl.duty_quote on the sample data
-- (test/fixtures/customs_sample.sql).  Every figure is worked by hand in the
-- comments.  Rounding: converted values, freight and insurance half-even to
-- the minor unit; duty per line, taxes and fees as the rule says (half-up to
-- the cent in the sample, down to 100 yen in Japan).
SET search_path = public, cbl;
-- Errors show their message, DETAIL and HINT; the PL/pgSQL CONTEXT (line
-- numbers of the function's source) is left out.
\set SHOW_CONTEXT never

-- The sample is test data, loaded quietly; the counts say what came in.
\set ECHO none
\set QUIET on
\i test/fixtures/customs_sample.sql
\set QUIET off
\set ECHO all
SELECT destination, count(*) AS rules FROM cbl.import_rule GROUP BY 1 ORDER BY 1;
SELECT destination, count(*) AS tariff_lines FROM cbl.tariff GROUP BY 1 ORDER BY 1;
SELECT count(*) AS rows_not_marked_sample
  FROM (SELECT source FROM cbl.import_rule UNION ALL SELECT source FROM cbl.tariff) s
 WHERE source NOT LIKE 'SAMPLE (verify)%';

-- Rates for a few figures in other currencies (removed at the end).
SELECT cbl.set_fx_rate('EUR', 'CHF', '2026-01-01', 0.94, 'customs test');

--
-- Look-ups.
--
-- The longest matching prefix: 6109.10.00.12 finds the 6109.10 line; a
-- preference for Bangladesh (EBA) beats the general line of the same
-- length; 6105.10 falls back to the chapter 61 line; nothing before 2025.
SELECT c.code, c.origin, c.on_date, t.hs_prefix, t.origins, t.expression, t.rate
  FROM (VALUES ('6109.10.00.12'::cbl.hs_code, 'VN', DATE '2026-03-02'),
               ('6109.10.00.12', 'BD', '2026-03-02'),
               ('6105.10', 'VN', '2026-03-02'),
               ('6109.10', 'VN', '2024-12-31')) AS c(code, origin, on_date)
  LEFT JOIN LATERAL cbl.tariff_for('EU', c.code, c.origin, c.on_date) AS t ON true;
SELECT hs_prefix, expression, rate FROM cbl.tariff_for('US', '6402.99.80.00', 'VN', '2026-03-02');
-- The rule in force: a rule for the origin beats a rule for all origins;
-- US rules follow the de minimis suspension and the fiscal-year fees.
SELECT c.destination, c.origin, c.on_date, r.origins, r.valid_from, r.valid_until,
       r.duty_de_minimis, r.tax_de_minimis, r.processing_fee_min, r.processing_fee_max
  FROM (VALUES ('CA', 'US', DATE '2026-03-02'), ('CA', 'CN', '2026-03-02'),
               ('US', 'VN', '2025-06-01'), ('US', 'CN', '2025-06-01'), ('US', 'VN', '2025-09-01'),
               ('US', NULL, '2026-03-02'), ('DE', 'CN', '2026-06-30'), ('DE', 'CN', '2026-07-01')) AS c(destination, origin, on_date)
  LEFT JOIN LATERAL cbl.import_rule_for(c.destination, c.origin, c.on_date) AS r ON true;
SELECT count(*) AS none_before FROM cbl.import_rule_for('DE', 'CN', '2021-06-30');

-- The parsed rate is a generated column, always in step with the text.
INSERT INTO cbl.tariff (destination, hs_prefix, valid_from, expression, source)
  VALUES ('EU', '0101.21', '2026-01-01', '5% + EA', 'customs test');
-- Constraints (terse: the failing rows would show sequence values).
\set VERBOSITY terse
INSERT INTO cbl.tariff (destination, hs_prefix, valid_from, valid_until, expression, source)
  VALUES ('EU', '0101.21', '2026-01-01', '2026-01-01', 'Free', 'customs test');
INSERT INTO cbl.tariff (destination, hs_prefix, origins, valid_from, expression, source)
  VALUES ('EU', '0101.21', '{bd}', '2026-01-01', 'Free', 'customs test');
INSERT INTO cbl.tariff (destination, hs_prefix, valid_from, expression, source)
  VALUES ('EU', '6109.10', '2025-01-01', '12 %', 'customs test: a duplicate');
INSERT INTO cbl.import_rule (destination, valid_from, currency, tariff, valuation, flat_duty, flat_duty_limit, flat_duty_digits, source)
  VALUES ('DE', '2030-01-01', 'EUR', 'EU', 'CIF', '3 USD', '150 EUR', 6, 'customs test: fee in another currency');
\set VERBOSITY default

--
-- Valuation: the same goods into Germany (CIF) and the United States (FOB),
-- on 2026-03-02, from Vietnam, DAP: 1000.00 of cotton T-shirts, freight
-- 100.00, insurance 10.00.
--   DE: customs value 1000.00 + 100.00 + 10.00 = 1110.00 EUR; duty 12% of
--       1110.00 = 133.20; VAT 19% of (1110.00 + 133.20 = 1243.20) = 236.208
--       -> 236.21 (half-up); taxes 369.41; landed cost 1000.00 + 100.00 +
--       10.00 + 369.41 = 1479.41 EUR.
--   US: customs value 1000.00 USD (freight and insurance excluded); duty
--       16.5% of 1000.00 = 165.00; no VAT; 1000.00 <= 2500.00 is an
--       informal entry: flat fee 2.69 (FY2026); taxes 167.69; landed cost
--       1000.00 + 100.00 + 10.00 + 167.69 = 1277.69 USD.
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10.00", "value": "1000.00 EUR", "quantities": {"kg": 12}}]',
                             '100.00 EUR', '10.00 EUR', 'air', 'DAP', 'VN', '2026-03-02');
SELECT line, item, hs_code, amount, rate, payer
  FROM cbl.duty_quote('US', '[{"hs_code": "6109.10.00", "value": "1000.00 USD", "quantities": {"kg": 12}}]',
                      '100.00 USD', '10.00 USD', 'air', 'DAP', 'VN', '2026-03-02');

-- Who pays follows the Incoterm: under EXW the buyer pays the carriage,
-- under DDP the seller pays the duty and taxes.
SELECT q.incoterm, q.item, q.payer
  FROM (VALUES ('EXW'::cbl.incoterm), ('CIF'), ('DDP')) AS i(incoterm),
       LATERAL (SELECT i.incoterm, d.item, d.payer
                  FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10.00", "value": "1000.00 EUR"}]',
                                      '100.00 EUR', '10.00 EUR', 'ocean', i.incoterm, 'VN', '2026-03-02') AS d
                 WHERE d.line IS NULL AND d.item IN ('freight', 'insurance', 'total_taxes')) AS q;

--
-- De minimis: thresholds are compared with the intrinsic value of the goods
-- (without freight and insurance), and "up to" includes the threshold.
--   GB, 135.00 GBP of T-shirts + 10.00 freight, 2026-03-02: intrinsic 135.00
--     <= 135: no duty; the seller charges VAT at sale on the CIF value:
--     20% of 145.00 = 29.00; landed 135.00 + 10.00 + 29.00 = 174.00 GBP.
--   GB, 135.01 GBP: duty 12% of 145.01 = 17.4012 -> 17.40; import VAT 20%
--     of (145.01 + 17.40 = 162.41) = 32.482 -> 32.48; landed 135.01 + 10.00
--     + 17.40 + 32.48 = 194.89 GBP.
--   DE, 150.00 EUR + 5.00 freight, 2026-06-30: no duty; without IOSS import
--     VAT 19% of 155.00 = 29.45; landed 184.45 EUR.
--   DE, the same with IOSS: no import VAT, the seller charges 29.45 at sale.
--   DE, 150.01 EUR: duty 12% of 155.01 = 18.6012 -> 18.60; VAT 19% of
--     (155.01 + 18.60 = 173.61) = 32.9859 -> 32.99; landed 150.01 + 5.00 +
--     18.60 + 32.99 = 206.60 EUR, with or without IOSS (above EUR 150).
--   US, 800.00 USD + 20.00 freight, from Vietnam, 2025-06-01: de minimis,
--     no duty, no fee; landed 820.00 USD.
--   US, 800.01 USD: duty 16.5% of 800.01 = 132.00165 -> 132.00; informal
--     entry fee 2.62 (FY2025); landed 800.01 + 20.00 + 134.62 = 954.63 USD.
--   US, 800.00 USD from China on 2025-06-01 (suspended for CN from
--     2025-05-02): duty 132.00, fee 2.62; landed 954.62 USD.
--   US, 800.00 USD from Vietnam on 2025-09-01 (suspended for all from
--     2025-08-29): the same, 954.62 USD.
SELECT s.case_name,
       max(q.amount::text) FILTER (WHERE q.item = 'customs_value') AS customs_value,
       max(q.amount::text) FILTER (WHERE q.item = 'duty') AS duty,
       max(q.amount::text) FILTER (WHERE q.item = 'import_tax') AS import_tax,
       max(q.amount::text) FILTER (WHERE q.item = 'sale_tax') AS sale_tax,
       max(q.amount::text) FILTER (WHERE q.item = 'processing_fee') AS fee,
       max(q.amount::text) FILTER (WHERE q.item = 'landed_cost') AS landed_cost
  FROM (VALUES (1, 'GB 135.00', 'GB', '135.00 GBP', '10.00 GBP', 'CN', DATE '2026-03-02', false),
               (2, 'GB 135.01', 'GB', '135.01 GBP', '10.00 GBP', 'CN', '2026-03-02', false),
               (3, 'DE 150.00', 'DE', '150.00 EUR', '5.00 EUR', 'CN', '2026-06-30', false),
               (4, 'DE 150.00 IOSS', 'DE', '150.00 EUR', '5.00 EUR', 'CN', '2026-06-30', true),
               (5, 'DE 150.01', 'DE', '150.01 EUR', '5.00 EUR', 'CN', '2026-06-30', false),
               (6, 'DE 150.01 IOSS', 'DE', '150.01 EUR', '5.00 EUR', 'CN', '2026-06-30', true),
               (7, 'US 800.00 VN', 'US', '800.00 USD', '20.00 USD', 'VN', '2025-06-01', false),
               (8, 'US 800.01 VN', 'US', '800.01 USD', '20.00 USD', 'VN', '2025-06-01', false),
               (9, 'US 800.00 CN', 'US', '800.00 USD', '20.00 USD', 'CN', '2025-06-01', false),
               (10, 'US 800.00 VN Sep', 'US', '800.00 USD', '20.00 USD', 'VN', '2025-09-01', false))
       AS s(n, case_name, destination, goods, freight, origin, on_date, ioss),
       LATERAL cbl.duty_quote(s.destination, jsonb_build_array(jsonb_build_object('hs_code', '6109.10.00', 'value', s.goods)),
                              s.freight::cbl.amount, NULL, 'post', 'DAP', s.origin, s.on_date,
                              seller_collects_tax => s.ioss) AS q
 WHERE q.line IS NULL
 GROUP BY s.n, s.case_name ORDER BY s.n;
-- The rule behind each figure, at the thresholds.
SELECT line, item, amount, rate, payer, basis
  FROM cbl.duty_quote('GB', '[{"hs_code": "6109.10.00", "value": "135.00 GBP"}]', '10.00 GBP', NULL,
                      'post', 'DAP', 'CN', '2026-03-02')
 WHERE item IN ('duty', 'import_tax', 'sale_tax');
SELECT item, amount, rate, basis
  FROM cbl.duty_quote('US', '[{"hs_code": "6109.10.00", "value": "800.00 USD"}]', '20.00 USD', NULL,
                      'post', 'DAP', 'VN', '2025-06-01')
 WHERE line IS NULL AND item IN ('duty', 'processing_fee');

--
-- US merchandise processing fee, 2026-03-02, laptops (Free), from Vietnam:
--   2500.00 USD: informal entry (up to 2500.00): flat 2.69.
--   2500.01 USD: formal; 0.3464% = 8.66003464 -> 8.66, below the minimum: 33.58.
--   50000.00 USD: 0.3464% = 173.20, between minimum and maximum.
--   200000.00 USD: 0.3464% = 692.80, above the maximum: 651.50.
--   50000.00 USD by ocean: MPF 173.20 and harbor maintenance fee 0.125% of
--     50000.00 = 62.50.  (200000.00 USD by ocean: HMF 250.00, no maximum.)
SELECT s.goods, s.mode,
       max(q.amount::text) FILTER (WHERE q.item = 'duty') AS duty,
       max(q.amount::text) FILTER (WHERE q.item = 'processing_fee') AS processing_fee,
       max(q.rate) FILTER (WHERE q.item = 'processing_fee') AS fee_rate,
       max(q.amount::text) FILTER (WHERE q.item = 'ocean_fee') AS ocean_fee,
       max(q.amount::text) FILTER (WHERE q.item = 'total_taxes') AS total_taxes
  FROM (VALUES (1, '2500.00 USD', 'air'), (2, '2500.01 USD', 'air'), (3, '50000.00 USD', 'air'),
               (4, '200000.00 USD', 'air'), (5, '50000.00 USD', 'ocean')) AS s(n, goods, mode),
       LATERAL cbl.duty_quote('US', jsonb_build_array(jsonb_build_object('hs_code', '8471.30.01', 'value', s.goods)),
                              NULL, NULL, s.mode, 'FOB', 'VN', '2026-03-02') AS q
 WHERE q.line IS NULL
 GROUP BY s.n, s.goods, s.mode ORDER BY s.n;
SELECT item, amount, basis
  FROM cbl.duty_quote('US', '[{"hs_code": "8471.30.01", "value": "200000.00 USD"}]', NULL, NULL,
                      'ocean', 'FOB', 'VN', '2026-03-02')
 WHERE item IN ('processing_fee', 'ocean_fee');

--
-- China, cross-border e-commerce retail, 2026-03-02, cosmetics:
--   900.00 CNY + 90.00 freight + 10.00 insurance: CIF 1000.00; duty 0%;
--     VAT 13% x 70% = 9.1% of 1000.00 = 91.00; landed 1091.00 CNY.
--   5000.00 CNY + 50.00 freight (order value exactly the limit): CIF
--     5050.00; VAT 9.1% = 459.55; landed 5509.55 CNY.
--   5000.01 CNY: above the limit, general trade, which needs a tariff line.
SELECT s.goods,
       max(q.amount::text) FILTER (WHERE q.item = 'customs_value') AS customs_value,
       max(q.amount::text) FILTER (WHERE q.item = 'duty') AS duty,
       max(q.amount::text) FILTER (WHERE q.item = 'import_tax') AS import_tax,
       max(q.rate) FILTER (WHERE q.item = 'import_tax') AS tax_rate,
       max(q.amount::text) FILTER (WHERE q.item = 'landed_cost') AS landed_cost
  FROM (VALUES (1, '900.00 CNY', '90.00 CNY', '10.00 CNY'), (2, '5000.00 CNY', '50.00 CNY', NULL)) AS s(n, goods, freight, insurance),
       LATERAL cbl.duty_quote('CN', jsonb_build_array(jsonb_build_object('hs_code', '3304.99', 'value', s.goods)),
                              s.freight::cbl.amount, s.insurance::cbl.amount, 'express', 'DAP', 'KR', '2026-03-02') AS q
 WHERE q.line IS NULL
 GROUP BY s.n, s.goods ORDER BY s.n;
SELECT line, item, amount, rate, basis
  FROM cbl.duty_quote('CN', '[{"hs_code": "3304.99", "value": "900.00 CNY"}]', '90.00 CNY', '10.00 CNY',
                      'express', 'DAP', 'KR', '2026-03-02')
 WHERE item IN ('duty', 'import_tax');
SELECT * FROM cbl.duty_quote('CN', '[{"hs_code": "3304.99", "value": "5000.01 CNY"}]', '50.00 CNY', NULL,
                             'express', 'DAP', 'KR', '2026-03-02');
-- With a (made-up, test-only) 5% CN line: duty 5% of 5050.01 = 252.5005 ->
-- 252.50; VAT 13% of (5050.01 + 252.50 = 5302.51) = 689.3263 -> 689.33;
-- landed 5000.01 + 50.00 + 252.50 + 689.33 = 5991.84 CNY.
INSERT INTO cbl.tariff (destination, hs_prefix, valid_from, expression, source)
  VALUES ('CN', '3304', '2026-01-01', '5 %', 'customs test: not a real rate');
SELECT line, item, amount, rate
  FROM cbl.duty_quote('CN', '[{"hs_code": "3304.99", "value": "5000.01 CNY"}]', '50.00 CNY', NULL,
                      'express', 'DAP', 'KR', '2026-03-02')
 WHERE item IN ('customs_value', 'duty', 'import_tax', 'landed_cost');

--
-- EU flat duty of EUR 3 per item (tariff subheading) from 2026-07-01, DE,
-- from China, by post: T-shirts 20.00 and 15.00 (both 6109.10), headphones
-- 40.00 (8518.30), a sweater 30.00 (6110.20); freight 5.00; 105.00 in all.
--   Three subheadings: duty 3 x 3.00 = 9.00, on lines 1, 3 and 4.
--   Freight 500 cents by value 20:15:40:30 (of 105): 95 r25, 71 r45, 190 r50,
--     142 r90 = 498; the 2 cents left go to the largest remainders (lines 4
--     and 3): 0.95, 0.71, 1.91, 1.43.  Customs values 20.95, 15.71, 41.91,
--     31.43 = 110.00.
--   VAT 19% of (110.00 + 9.00) = 22.61, allocated by value: 430 r70, 323 r0,
--     861 r35, 646 r0 = 2260, 1 cent to line 1: 4.31, 3.23, 8.61, 6.46.
--   Landed per line: 20.00+0.95+3.00+4.31 = 28.26; 15.00+0.71+0.00+3.23 =
--     18.94; 40.00+1.91+3.00+8.61 = 53.52; 30.00+1.43+3.00+6.46 = 40.89;
--     total 141.61 = 105.00 + 5.00 + 9.00 + 22.61.
SELECT * FROM cbl.duty_quote('DE',
  '[{"hs_code": "6109.10.00", "value": "20.00 EUR"}, {"hs_code": "6109.10.00", "value": "15.00 EUR"},
    {"hs_code": "8518.30.95", "value": "40.00 EUR"}, {"hs_code": "6110.20.10", "value": "30.00 EUR"}]',
  '5.00 EUR', NULL, 'post', 'DAP', 'CN', '2026-07-15');
-- The day before (2026-06-30) the same parcel pays no duty (de minimis) and
-- VAT 19% of 110.00 = 20.90; landed 105.00 + 5.00 + 20.90 = 130.90.
SELECT item, amount, rate
  FROM cbl.duty_quote('DE',
    '[{"hs_code": "6109.10.00", "value": "20.00 EUR"}, {"hs_code": "6109.10.00", "value": "15.00 EUR"},
      {"hs_code": "8518.30.95", "value": "40.00 EUR"}, {"hs_code": "6110.20.10", "value": "30.00 EUR"}]',
    '5.00 EUR', NULL, 'post', 'DAP', 'CN', '2026-06-30')
 WHERE line IS NULL AND item IN ('duty', 'import_tax', 'landed_cost');

--
-- Allocation of freight and landed cost to lines, DE, 2026-03-02: T-shirts
-- 100.00 (1 kg, 10 items), batteries 200.00 (2 kg, 1 item), a laptop 700.00
-- (1 kg, 1 item); freight 100.00.
--   By weight 1:2:1: freight 25.00, 50.00, 25.00; customs values 125.00,
--     250.00, 725.00; duty 12% of 125.00 = 15.00, 2.7% of 250.00 = 6.75, 0%
--     = 0.00, total 21.75; VAT 19% of (1100.00 + 21.75 = 1121.75) =
--     213.1325 -> 213.13, allocated 5328 r1, 10656 r2, 5328 r1 + 1 cent to
--     line 2: 53.28, 106.57, 53.28.  Landed 193.28, 363.32, 778.28; total
--     1334.88 = 1000.00 + 100.00 + 21.75 + 213.13.
--   By quantity 10:1:1: freight 10000 cents: 8333 r4, 833 r4, 833 r4, 1 cent
--     to line 1 (tie): 83.34, 8.33, 8.33; duty 12% of 183.34 = 22.0008 ->
--     22.00, 2.7% of 208.33 = 5.62491 -> 5.62; VAT 19% of 1127.62 = 214.2478
--     -> 214.25; landed 1000.00 + 100.00 + 27.62 + 214.25 = 1341.87.
--   By value 100:200:700: freight 10.00, 20.00, 70.00; duty 12% of 110.00 =
--     13.20, 2.7% of 220.00 = 5.94; VAT 19% of (1100.00 + 19.14) = 212.6366
--     -> 212.64; landed 1000.00 + 100.00 + 19.14 + 212.64 = 1331.78.
SELECT line, item, amount, basis
  FROM cbl.duty_quote('DE',
    '[{"hs_code": "6109.10.00", "value": "100.00 EUR", "quantities": {"kg": 1, "item": 10}},
      {"hs_code": "8507.60.00", "value": "200.00 EUR", "quantities": {"kg": 2, "item": 1}},
      {"hs_code": "8471.30.00", "value": "700.00 EUR", "quantities": {"kg": 1, "item": 1}}]',
    '100.00 EUR', NULL, 'air', 'DAP', 'CN', '2026-03-02', allocate_by => 'weight')
 WHERE item IN ('customs_value', 'landed_cost');
-- Per basis: the lines' customs values and landed costs sum exactly to the totals.
SELECT b.allocate_by,
       cbl.sum(q.amount) FILTER (WHERE q.line IS NOT NULL AND q.item = 'landed_cost') AS lines_landed,
       cbl.sum(q.amount) FILTER (WHERE q.line IS NULL AND q.item = 'landed_cost') AS total_landed,
       cbl.sum(q.amount) FILTER (WHERE q.line IS NOT NULL AND q.item = 'customs_value') AS lines_customs_value,
       cbl.sum(q.amount) FILTER (WHERE q.line IS NULL AND q.item = 'customs_value') AS total_customs_value,
       cbl.sum(q.amount) FILTER (WHERE q.line IS NULL AND q.item = 'duty') AS duty,
       cbl.sum(q.amount) FILTER (WHERE q.line IS NULL AND q.item = 'import_tax') AS vat
  FROM (VALUES (1, 'weight'), (2, 'quantity'), (3, 'value')) AS b(n, allocate_by),
       LATERAL cbl.duty_quote('DE',
         '[{"hs_code": "6109.10.00", "value": "100.00 EUR", "quantities": {"kg": 1, "item": 10}},
           {"hs_code": "8507.60.00", "value": "200.00 EUR", "quantities": {"kg": 2, "item": 1}},
           {"hs_code": "8471.30.00", "value": "700.00 EUR", "quantities": {"kg": 1, "item": 1}}]',
         '100.00 EUR', NULL, 'air', 'DAP', 'CN', '2026-03-02', allocate_by => b.allocate_by) AS q
 GROUP BY b.n, b.allocate_by ORDER BY b.n;
-- A larger consignment, 200 lines of 1.00 to 200.00 EUR, freight 33.33,
-- insurance 3.33: everything still sums exactly.
WITH q AS (
  SELECT * FROM cbl.duty_quote('DE',
    (SELECT jsonb_agg(jsonb_build_object('hs_code', '6109.10.00', 'value', i || '.00 EUR') ORDER BY i)
       FROM generate_series(1, 200) AS i),
    '33.33 EUR', '3.33 EUR', 'ocean', 'CIF', 'VN', '2026-03-02'))
SELECT count(*) FILTER (WHERE line IS NOT NULL) / 3 AS lines,
       cbl.sum(amount) FILTER (WHERE line IS NOT NULL AND item = 'customs_value')
         = cbl.sum(amount) FILTER (WHERE line IS NULL AND item = 'customs_value') AS customs_values_sum,
       cbl.sum(amount) FILTER (WHERE line IS NOT NULL AND item = 'duty')
         = cbl.sum(amount) FILTER (WHERE line IS NULL AND item = 'duty') AS duties_sum,
       cbl.sum(amount) FILTER (WHERE line IS NOT NULL AND item = 'landed_cost')
         = cbl.sum(amount) FILTER (WHERE line IS NULL AND item = 'landed_cost') AS landed_costs_sum,
       cbl.sum(amount) FILTER (WHERE line IS NULL AND item = 'customs_value') AS customs_value
  FROM q;

--
-- Values in another currency are converted with cbl.convert on the date
-- (EUR/CHF 0.94) and rounded half-even to the cent.
--   940.00 CHF = 1000.00 EUR, freight 94.00 CHF = 100.00 EUR: customs
--   value 1100.00; duty 12% = 132.00; VAT 19% of 1232.00 = 234.08; landed
--   1000.00 + 100.00 + 132.00 + 234.08 = 1466.08 EUR.
SELECT item, amount FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10.00", "value": "940.00 CHF"}]',
                                        '94.00 CHF', NULL, 'air', 'DAP', 'VN', '2026-03-02')
 WHERE line IS NULL;
-- The de minimis in EUR against goods priced in CHF: 141.00 CHF = 150.00
-- EUR (at the threshold: no duty); 141.01 CHF = 150.01063... -> 150.01 EUR
-- (above: duty 12% of 150.01 = 18.0012 -> 18.00).
SELECT s.goods, q.amount AS duty, q.basis
  FROM (VALUES ('141.00 CHF'), ('141.01 CHF')) AS s(goods),
       LATERAL cbl.duty_quote('DE', jsonb_build_array(jsonb_build_object('hs_code', '6109.10.00', 'value', s.goods)),
                              NULL, NULL, 'post', 'DAP', 'VN', '2026-03-02') AS q
 WHERE q.line IS NULL AND q.item = 'duty';
-- No rate for the currency: cbl.convert's error (LG003).
\set VERBOSITY sqlstate
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10.00", "value": "500.00 SEK"}]',
                             NULL, NULL, 'air', 'DAP', 'VN', '2026-03-02');
\set VERBOSITY default

--
-- A compound specific duty: US footwear "90¢/pr. + 20%", 10 pairs for
-- 100.00 USD: 9.00 + 20.00 = 29.00; informal fee 2.69; landed 131.69 USD.
SELECT line, item, amount, rate, basis
  FROM cbl.duty_quote('US', '[{"hs_code": "6402.99.80", "value": "100.00 USD", "quantities": {"pr": 10}}]',
                      NULL, NULL, 'express', 'DAP', 'VN', '2026-03-02')
 WHERE item IN ('duty', 'processing_fee', 'landed_cost');
SELECT * FROM cbl.duty_quote('US', '[{"hs_code": "6402.99.80", "value": "100.00 USD"}]',
                             NULL, NULL, 'express', 'DAP', 'VN', '2026-03-02');

--
-- National rounding: Japan rounds duty and consumption tax down to 100 yen.
-- With a (made-up, test-only) 10% JP line, 50000 JPY + 3456 freight:
-- CIF 53456; duty 10% = 5345.6 -> 5300; tax 10% of (53456 + 5300 = 58756)
-- = 5875.6 -> 5800; landed 50000 + 3456 + 5300 + 5800 = 64556 JPY.
-- 10000 JPY is within the de minimis for both: no duty, no tax.
INSERT INTO cbl.tariff (destination, hs_prefix, valid_from, expression, source)
  VALUES ('JP', '6109', '2026-01-01', '10 %', 'customs test: not a real rate');
SELECT s.goods,
       max(q.amount::text) FILTER (WHERE q.item = 'customs_value') AS customs_value,
       max(q.amount::text) FILTER (WHERE q.item = 'duty') AS duty,
       max(q.amount::text) FILTER (WHERE q.item = 'import_tax') AS consumption_tax,
       max(q.amount::text) FILTER (WHERE q.item = 'landed_cost') AS landed_cost
  FROM (VALUES (1, '50000 JPY'), (2, '10000 JPY')) AS s(n, goods),
       LATERAL cbl.duty_quote('JP', jsonb_build_array(jsonb_build_object('hs_code', '6109.10', 'value', s.goods)),
                              '3456 JPY', NULL, 'air', 'DAP', 'CN', '2026-03-02') AS q
 WHERE q.line IS NULL
 GROUP BY s.n, s.goods ORDER BY s.n;

--
-- Australia: FOB customs value, GST on value + duty + transport.  With a
-- (made-up, test-only) 5% AU line, 2026-03-02, freight 40.00, insurance 5.00:
--   1000.01 AUD: duty 5% = 50.0005 -> 50.00; GST 10% of (1000.01 + 50.00 +
--     40.00 + 5.00 = 1095.01) = 109.501 -> 109.50; landed 1000.01 + 45.00 +
--     50.00 + 109.50 = 1204.51.
--   1000.00 AUD: no duty; the seller charges GST at sale, 10% of (1000.00 +
--     45.00) = 104.50; landed 1149.50.
-- Canada: CUSMA goods from the US, 100.00 CAD + 15.00 freight: no duty (up
--   to CAD 150), GST 5% of 100.00 = 5.00 (over CAD 40); landed 120.00.
--   From China, 20.00 CAD: no duty, no tax; landed 35.00.
INSERT INTO cbl.tariff (destination, hs_prefix, valid_from, expression, source)
  VALUES ('AU', '6109', '2026-01-01', '5 %', 'customs test: not a real rate');
SELECT s.case_name,
       max(q.amount::text) FILTER (WHERE q.item = 'customs_value') AS customs_value,
       max(q.amount::text) FILTER (WHERE q.item = 'duty') AS duty,
       max(q.amount::text) FILTER (WHERE q.item = 'import_tax') AS import_tax,
       max(q.amount::text) FILTER (WHERE q.item = 'sale_tax') AS sale_tax,
       max(q.amount::text) FILTER (WHERE q.item = 'landed_cost') AS landed_cost
  FROM (VALUES (1, 'AU 1000.01', 'AU', '1000.01 AUD', '40.00 AUD', '5.00 AUD', 'CN'),
               (2, 'AU 1000.00', 'AU', '1000.00 AUD', '40.00 AUD', '5.00 AUD', 'CN'),
               (3, 'CA 100.00 from US', 'CA', '100.00 CAD', '15.00 CAD', NULL, 'US'),
               (4, 'CA 20.00 from CN', 'CA', '20.00 CAD', '15.00 CAD', NULL, 'CN'))
       AS s(n, case_name, destination, goods, freight, insurance, origin),
       LATERAL cbl.duty_quote(s.destination, jsonb_build_array(jsonb_build_object('hs_code', '6109.10', 'value', s.goods)),
                              s.freight::cbl.amount, s.insurance::cbl.amount, 'air', 'DAP', s.origin, '2026-03-02') AS q
 WHERE q.line IS NULL
 GROUP BY s.n, s.case_name ORDER BY s.n;

--
-- Errors.
--
SELECT * FROM cbl.duty_quote('ZZ', '[{"hs_code": "6109.10", "value": "10 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "0101.21", "value": "1000 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
\set VERBOSITY sqlstate
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "0101.21", "value": "1000 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
\set VERBOSITY default
SELECT * FROM cbl.duty_quote('DE', '{"hs_code": "6109.10"}', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "10 EUR"}, {"value": "10 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "61091", "value": "10 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": 10}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "10 EUR", "quantities": [1]}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "ten euros"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "-10 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "10 EUR"}]', '-1 EUR', NULL, 'air', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "10 EUR"}]', NULL, NULL, 'camel', 'DAP', 'CN', '2026-03-02');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "10 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', '2026-03-02', allocate_by => 'colour');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "10 EUR"}]', '5 EUR', NULL, 'air', 'DAP', 'CN', '2026-03-02', allocate_by => 'weight');
SELECT * FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10", "value": "10 EUR"}]', NULL, NULL, 'air', 'DAP', 'CN', NULL);

--
-- Data, privileges and dumps: tariffs and rules are readable by everyone,
-- editable only by their owner, and kept by pg_dump (with their sequences).
SELECT has_table_privilege('public', 'cbl.tariff', 'SELECT') AS public_reads_tariff,
       has_table_privilege('public', 'cbl.tariff', 'INSERT') AS public_writes_tariff,
       has_table_privilege('public', 'cbl.import_rule', 'SELECT') AS public_reads_rules,
       has_table_privilege('public', 'cbl.incoterm_rule', 'SELECT') AS public_reads_incoterms,
       has_function_privilege('public', 'cbl.duty_quote(text, jsonb, cbl.amount, cbl.amount, text, cbl.incoterm, text, date, boolean, text)', 'EXECUTE') AS public_quotes;
SELECT c.relname, e.extcondition
  FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS e(oid, extcondition)
  JOIN pg_class c ON c.oid = e.oid
 WHERE x.extname = 'cbl' AND c.relname IN ('tariff', 'tariff_id_seq', 'import_rule', 'import_rule_id_seq', 'incoterm_rule')
 ORDER BY c.relname;

--
-- The examples of docs/customs.md that use the sample data, word for word.
--
SELECT hs_prefix, origins, expression, rate
  FROM cbl.tariff_for('EU', '6109.10.00.12', 'BD', '2026-03-02');
SELECT line, item, hs_code, amount, rate, payer
  FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10.00", "value": "1000.00 EUR", "quantities": {"kg": 12}}]',
                      '100.00 EUR', '10.00 EUR', 'air', 'DAP', 'VN', '2026-03-02');
SELECT item, amount, rate, basis
  FROM cbl.duty_quote('CN', '[{"hs_code": "3304.99", "value": "900.00 CNY"}]', '90.00 CNY', '10.00 CNY',
                      'express', 'DAP', 'KR', '2026-03-02')
 WHERE line IS NULL AND item IN ('duty', 'import_tax');

-- Clean up: later tests start without customs data.
DELETE FROM cbl.tariff WHERE source LIKE 'SAMPLE%' OR source LIKE 'customs test%';
DELETE FROM cbl.import_rule WHERE source LIKE 'SAMPLE%' OR source LIKE 'customs test%';
DELETE FROM cbl.fx_rate WHERE source = 'customs test';
SELECT (SELECT count(*) FROM cbl.tariff) AS tariff_lines, (SELECT count(*) FROM cbl.import_rule) AS rules;
\set SHOW_CONTEXT errors
RESET search_path;
