-- cbl demo: one month of a freight forwarder's cross-border business.
-- Run by test/demo/demo.sh ("make demo") after CREATE EXTENSION cbl, in a
-- database where pg_cron is installed.  Everything it makes is in schema demo.
\pset footer off
\pset null '-'
-- cbl's types, functions, operators (+, *, @>) and aggregates (sum, min, max)
-- live in schema cbl: with cbl on the search_path they read plainly.
SET search_path = demo, public, cbl;

\echo
\echo '=== 1. The forwarder''s clients, carriers and shipments (schema demo)'
CREATE SCHEMA demo;

CREATE TABLE demo.customer (id int PRIMARY KEY, name text NOT NULL,
  country text NOT NULL REFERENCES cbl.country (code),
  currency text NOT NULL REFERENCES cbl.currency (code));   -- billed in
INSERT INTO demo.customer VALUES
  (1, 'Rheinland Maschinenbau GmbH',        'DE', 'EUR'),
  (2, 'Lakeshore Outdoor Supply Inc.',      'US', 'USD'),
  (3, 'Shenzhen Brightwave Electronics',    'CN', 'CNY'),
  (4, 'Thames Valley Pharma Ltd',           'GB', 'GBP'),
  (5, 'Gulf Horizon Trading LLC',           'AE', 'AED'),
  (6, 'Serra Verde Alimentos S.A.',         'BR', 'BRL');

CREATE TABLE demo.carrier (code text PRIMARY KEY, name text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('air', 'ocean', 'express', 'post')),
  awb_prefix text);                                 -- IATA airline prefix
INSERT INTO demo.carrier VALUES
  ('LH',   'Lufthansa Cargo', 'air',     '020'),
  ('MAEU', 'Maersk',          'ocean',   NULL),
  ('FX',   'FedEx Express',   'express', '023'),
  ('CP',   'China Post',      'post',    NULL);

-- One reference per shipment, each in its own cbl type: an air waybill
-- (check digit = serial mod 7), an ISO 6346 container number, or a UPU S10
-- postal item.  The types validate on input, so bad data never gets in.
CREATE TABLE demo.shipment (id int PRIMARY KEY,
  customer_id int NOT NULL REFERENCES demo.customer,
  carrier text NOT NULL REFERENCES demo.carrier,
  origin text NOT NULL REFERENCES cbl.country (code),
  destination text NOT NULL REFERENCES cbl.country (code), shipped_on date NOT NULL,
  awb cbl.awb, container cbl.container_no, postal_item cbl.s10,
  CHECK (num_nonnulls(awb, container, postal_item) = 1));
INSERT INTO demo.shipment VALUES
  ( 1, 1, 'MAEU', 'DE', 'US', '2024-03-01', NULL, 'MSKU9023147', NULL),
  ( 2, 1, 'MAEU', 'DE', 'CN', '2024-03-04', NULL, 'MSKU4155201', NULL),
  ( 3, 1, 'LH',   'DE', 'BR', '2024-03-05', '020-48151622', NULL, NULL),
  ( 4, 2, 'MAEU', 'CN', 'US', '2024-03-02', NULL, 'MAEU7712030', NULL),
  ( 5, 2, 'MAEU', 'CN', 'US', '2024-03-09', NULL, 'MSKU0883169', NULL),
  ( 6, 2, 'FX',   'CN', 'US', '2024-03-11', '023-77331041', NULL, NULL),
  ( 7, 3, 'LH',   'CN', 'DE', '2024-03-06', '020-48151773', NULL, NULL),
  ( 8, 3, 'LH',   'CN', 'GB', '2024-03-13', '020-51201010', NULL, NULL),
  ( 9, 3, 'CP',   'CN', 'DE', '2024-03-07', NULL, NULL, 'RB402155876CN'),
  (10, 3, 'CP',   'CN', 'GB', '2024-03-07', NULL, NULL, 'RB402156032CN'),
  (11, 3, 'CP',   'CN', 'US', '2024-03-12', NULL, NULL, 'LX900173425CN'),
  (12, 3, 'CP',   'CN', 'AE', '2024-03-14', NULL, NULL, 'RR610024586CN'),
  (13, 4, 'LH',   'GB', 'AE', '2024-03-04', '020-51200936', NULL, NULL),
  (14, 4, 'FX',   'GB', 'BR', '2024-03-08', '023-77331564', NULL, NULL),
  (15, 4, 'FX',   'GB', 'US', '2024-03-15', '023-80122906', NULL, NULL),
  (16, 5, 'MAEU', 'CN', 'AE', '2024-03-03', NULL, 'MRKU5521900', NULL),
  (17, 5, 'LH',   'DE', 'AE', '2024-03-12', '020-66044171', NULL, NULL),
  (18, 6, 'MAEU', 'BR', 'DE', '2024-03-01', NULL, 'MSKU7300448', NULL),
  (19, 6, 'MAEU', 'BR', 'AE', '2024-03-10', NULL, 'MAEU2288172', NULL),
  (20, 6, 'FX',   'BR', 'US', '2024-03-14', '023-91502364', NULL, NULL);

SELECT c.name AS customer, co.alpha3 AS country, cur.name AS billed_in,
       count(s.id) AS shipments
  FROM demo.customer c
  JOIN cbl.country co ON co.code = c.country
  JOIN cbl.currency cur ON cur.code = c.currency
  LEFT JOIN demo.shipment s ON s.customer_id = c.id
 GROUP BY c.id, co.alpha3, cur.name ORDER BY c.id;

SELECT s.id, ca.name AS carrier, s.origin || ' > ' || s.destination AS lane,
       s.shipped_on,
       coalesce(s.awb::text, s.container::text, s.postal_item::text) AS reference
  FROM demo.shipment s JOIN demo.carrier ca ON ca.code = s.carrier
 ORDER BY s.id;

\echo
\echo '=== 2. Identifiers are validated: check digits, formats'
SELECT kind, ref,
       CASE kind WHEN 'awb'       THEN cbl.is_valid_awb(ref)
                 WHEN 'container' THEN cbl.is_valid_container_no(ref)
                 WHEN 's10'       THEN cbl.is_valid_s10(ref) END AS valid
  FROM (VALUES ('awb', '020-48151622'), ('awb', '020-48151623'),
               ('container', 'CSQU3054383'), ('container', 'CSQU3054384'),
               ('s10', 'RR123456785CN'), ('s10', 'RR123456784CN')) v (kind, ref);

-- The types say why a value is refused; catch the error to show it.
DO $$
DECLARE msg text; detail text;
BEGIN
  INSERT INTO demo.shipment (id, customer_id, carrier, origin, destination, shipped_on, awb)
  VALUES (99, 1, 'LH', 'DE', 'US', '2024-03-20', '020-48151623');
  RAISE NOTICE 'unexpected: the bad air waybill was accepted';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  RAISE NOTICE 'AWB 020-48151623 rejected (SQLSTATE %): % %', SQLSTATE, msg,
    coalesce('(' || detail || ')', '');
END $$;

\echo
\echo '=== 3. Goods lines: HS codes and declared values'
CREATE TABLE demo.goods_line (shipment_id int NOT NULL REFERENCES demo.shipment,
  line_no int NOT NULL, description text NOT NULL,
  hs cbl.hs_code NOT NULL, declared cbl.amount NOT NULL,
  PRIMARY KEY (shipment_id, line_no));
INSERT INTO demo.goods_line VALUES
  ( 1, 1, 'Industrial mixing machine', '8479.89', '184500.00 EUR'),
  ( 2, 1, 'Gear units',                '8483.40', '64300.00 EUR'),
  ( 3, 1, 'Ball bearings',             '8482.10', '8900.00 EUR'),
  ( 4, 1, 'Tents of synthetic fibres', '6306.22', '48200.00 USD'),
  ( 4, 2, 'Fishing rods',              '9507.10', '15600.00 USD'),
  ( 5, 1, 'Exercise equipment',        '9506.91', '37250.00 USD'),
  ( 6, 1, 'Tent samples',              '6306.22', '420.00 USD'),
  ( 7, 1, 'Smartphones',               '8517.13', '1256000.00 CNY'),
  ( 7, 2, 'USB-C chargers',            '8504.40', '86400.00 CNY'),
  ( 8, 1, 'Laptops',                   '8471.30', '932000.00 CNY'),
  ( 8, 2, 'Processors',                '8542.31', '210000.00 CNY'),
  ( 9, 1, 'Smartphone',                '8517.13', '1899.00 CNY'),
  (10, 1, 'Headphones',                '8518.30', '459.00 CNY'),
  (11, 1, 'Power bank',                '8504.40', '239.00 CNY'),
  (12, 1, 'Wi-Fi router',              '8517.62', '689.00 CNY'),
  (13, 1, 'Medicaments, dosed',        '3004.90', '146800.00 GBP'),
  (14, 1, 'Immunological products',    '3002.15', '3250.00 GBP'),
  (15, 1, 'Medicaments, dosed',        '3004.90', '12900.00 GBP'),
  (16, 1, 'Smartphones',               '8517.13', '412000.00 USD'),
  (16, 2, 'Digital cameras',           '8525.89', '5400000 JPY'),
  (17, 1, 'Packaging machine',         '8422.40', '76400.00 EUR'),
  (18, 1, 'Coffee, not roasted',       '0901.11', '1450000.00 BRL'),
  (19, 1, 'Cane sugar, raw',           '1701.14', '920000.00 BRL'),
  (20, 1, 'Roasted coffee samples',    '0901.21', '850.00 BRL');

CREATE TABLE demo.hs_chapter (chapter cbl.hs_code NOT NULL, title text NOT NULL);
INSERT INTO demo.hs_chapter VALUES
  ('09', 'Coffee, tea, mate and spices'),     ('17', 'Sugars and sugar confectionery'),
  ('30', 'Pharmaceutical products'),          ('63', 'Other made up textile articles'),
  ('84', 'Machinery and mechanical appliances'),
  ('85', 'Electrical machinery and equipment'),
  ('95', 'Toys, games and sports requisites');

-- cbl.hs_chapter() cuts a code to its chapter; @> tests containment.
SELECT cbl.hs_chapter(g.hs) AS chapter, c.title, count(*) AS lines,
       string_agg(DISTINCT cbl.hs_heading(g.hs)::text, ' ') AS headings
  FROM demo.goods_line g JOIN demo.hs_chapter c ON c.chapter @> g.hs
 GROUP BY 1, 2 ORDER BY 1;

\echo
\echo '=== 4. Charges in several currencies'
CREATE TABLE demo.charge (shipment_id int NOT NULL REFERENCES demo.shipment,
  kind text NOT NULL, amount cbl.amount NOT NULL);
INSERT INTO demo.charge VALUES
  ( 1, 'freight', '2850.00 USD'), ( 1, 'THC', '245.00 EUR'), ( 1, 'clearance', '180.00 USD'),
  ( 2, 'freight', '1975.00 USD'), ( 2, 'THC', '245.00 EUR'), ( 2, 'handling', '1850.00 CNY'),
  ( 3, 'freight', '4120.00 EUR'), ( 3, 'duty', '2403.00 BRL'),
  ( 4, 'freight', '3400.00 USD'), ( 4, 'THC', '395.00 USD'), ( 4, 'duty', '7230.00 USD'),
  ( 5, 'freight', '3150.00 USD'), ( 5, 'THC', '395.00 USD'),
  ( 6, 'freight', '186.40 USD'),
  ( 7, 'freight', '38600.00 CNY'), ( 7, 'screening', '420.00 CNY'), ( 7, 'handling', '310.00 EUR'),
  ( 8, 'freight', '27150.00 CNY'), ( 8, 'handling', '265.00 GBP'),
  ( 9, 'postage', '68.00 CNY'), (10, 'postage', '61.50 CNY'), (11, 'postage', '74.00 CNY'),
  (12, 'postage', '82.00 CNY'),
  (13, 'freight', '3890.00 GBP'), (13, 'handling', '640.00 GBP'), (13, 'clearance', '1250.00 AED'),
  (14, 'freight', '412.90 GBP'), (14, 'duty', '1180.00 BRL'),
  (15, 'freight', '298.00 GBP'),
  (16, 'freight', '2650.00 USD'), (16, 'THC', '1420.00 AED'), (16, 'duty', '22500.00 AED'),
  (17, 'freight', '5230.00 EUR'), (17, 'clearance', '950.00 AED'),
  (18, 'freight', '2200.00 USD'), (18, 'handling', '3100.00 BRL'), (18, 'THC', '245.00 EUR'),
  (19, 'freight', '1850.00 USD'), (19, 'handling', '2900.00 BRL'), (19, 'THC', '1380.00 AED'),
  (20, 'freight', '1240.00 BRL');

-- A fuel surcharge of 18.5 % on air and express freight: amount * numeric,
-- rounded to the currency's minor unit (half-even) before it is billed.
INSERT INTO demo.charge
SELECT ch.shipment_id, 'fuel surcharge', cbl.round(ch.amount * 0.185)
  FROM demo.charge ch JOIN demo.shipment s ON s.id = ch.shipment_id
  JOIN demo.carrier ca ON ca.code = s.carrier
 WHERE ch.kind = 'freight' AND ca.mode IN ('air', 'express');

SELECT cbl.currency(amount) AS currency, count(*) AS charges,
       sum(amount) AS total, min(amount) AS smallest, max(amount) AS largest
  FROM demo.charge GROUP BY 1 ORDER BY 1;

\echo
\echo '=== 5. Rounding to minor units (JPY has 0 decimals, USD 2, KWD 3)'
SELECT label, a AS exact, cbl.round(a) AS half_even, cbl.round(a, 'half_up') AS half_up,
       cbl.round(a, 'down') AS down, cbl.round(a, 'up') AS up
  FROM (VALUES ('2.5% of 1.00 EUR',  '1.00 EUR'::cbl.amount * 0.025),
               ('3.5% of 1.00 EUR',  '1.00 EUR'::cbl.amount * 0.035),
               ('refund: -2.5% of 1.00 USD', -('1.00 USD'::cbl.amount * 0.025)),
               ('10% of 125 JPY',    '125 JPY'::cbl.amount * 0.1),
               ('1/3 of 100.00 USD', '100.00 USD'::cbl.amount / 3),
               ('1/8 of 0.010 KWD',  '0.010 KWD'::cbl.amount / 8)) v (label, a);

\echo
\echo '=== 6. FX rates and conversion into EUR'
-- ECB-style reference rates (EUR base) on two dates, and the dirham's peg
-- to the US dollar: AED converts to EUR through the pivot currency (USD).
DO $$
BEGIN
  PERFORM cbl.set_fx_rate('EUR', quote, valid_on::date, rate, 'ECB reference rate')
     FROM (VALUES ('USD', '2024-03-01', 1.0822), ('GBP', '2024-03-01', 0.85540),
                  ('CNY', '2024-03-01', 7.7889), ('BRL', '2024-03-01', 5.3790),
                  ('JPY', '2024-03-01', 162.33),
                  ('USD', '2024-03-08', 1.0932), ('GBP', '2024-03-08', 0.85138),
                  ('CNY', '2024-03-08', 7.8650), ('BRL', '2024-03-08', 5.4203),
                  ('JPY', '2024-03-08', 160.57)) v (quote, valid_on, rate);
  PERFORM cbl.set_fx_rate('USD', 'AED', '2024-01-01', 3.6725, 'CBUAE peg');
END $$;

SELECT base, quote, valid_on, rate, source FROM cbl.fx_rate ORDER BY base, quote, valid_on;

-- The latest rate on or before the date: direct, inverse, or via USD.
SELECT a AS amount, d AS on_date, cbl.convert(a, 'EUR', d) AS in_eur,
       cbl.round(cbl.convert(a, 'EUR', d)) AS rounded
  FROM (VALUES ('1000.00 USD'::cbl.amount, '2024-03-05'::date),
               ('1000.00 USD', '2024-03-11'), ('1000.00 GBP', '2024-03-11'),
               ('1000.00 AED', '2024-03-11'), ('100000 JPY', '2024-03-11')) v (a, d);

\echo 'Revenue per customer, every charge converted at its shipment date:'
SELECT cu.name AS customer, count(DISTINCT s.id) AS shipments, count(*) AS charges,
       cbl.round(sum(cbl.convert(ch.amount, 'EUR', s.shipped_on))) AS revenue_eur
  FROM demo.customer cu
  JOIN demo.shipment s ON s.customer_id = cu.id
  JOIN demo.charge ch ON ch.shipment_id = s.id
 GROUP BY cu.id ORDER BY revenue_eur DESC;

\echo
\echo '=== 7. Mixing currencies is refused (SQLSTATE LG001)'
DO $$
BEGIN
  BEGIN
    RAISE NOTICE 'unexpected: %', '100.00 USD'::cbl.amount + '100.00 EUR'::cbl.amount;
  EXCEPTION WHEN SQLSTATE 'LG001' THEN
    RAISE NOTICE '100.00 USD + 100.00 EUR refused: %', SQLERRM;
  END;
  BEGIN
    RAISE NOTICE 'unexpected: %', (SELECT sum(amount) FROM demo.charge);
  EXCEPTION WHEN SQLSTATE 'LG001' THEN
    RAISE NOTICE 'sum() over all charges refused: %', SQLERRM;
  END;
END $$;

\echo
\echo '=== 8. Events (a plain table for now; milestone state machines come later)'
CREATE TABLE demo.event (shipment_id int NOT NULL REFERENCES demo.shipment,
  at timestamptz NOT NULL, code text NOT NULL, location text NOT NULL);
INSERT INTO demo.event VALUES
  (1, '2024-02-26 09:10+01', 'booked',    'Hamburg'),
  (1, '2024-03-01 22:40+01', 'departed',  'Hamburg'),
  (1, '2024-03-14 06:15-05', 'arrived',   'Newark'),
  (7, '2024-03-06 01:20+08', 'departed',  'Shanghai PVG'),
  (7, '2024-03-07 10:05+01', 'delivered', 'Frankfurt'),
  (9, '2024-03-07 16:00+08', 'accepted',  'Shenzhen'),
  (9, '2024-03-12 08:30+01', 'delivered', 'Berlin'),
  (13, '2024-03-05 01:35+04', 'arrived',  'Dubai DXB');
SELECT DISTINCT ON (e.shipment_id) e.shipment_id AS shipment,
       coalesce(s.awb::text, s.container::text, s.postal_item::text) AS reference,
       e.code AS last_event, e.location, e.at AT TIME ZONE 'UTC' AS at_utc
  FROM demo.event e JOIN demo.shipment s ON s.id = e.shipment_id
 ORDER BY e.shipment_id, e.at DESC;

\echo
\echo '=== 9. pg_cron is ready for scheduled jobs'
DO $$
BEGIN
  PERFORM cbl.assert_pg_cron();   -- raises LG004, with a hint, if it is not
  RAISE NOTICE 'pg_cron is preloaded and installed in %', current_database();
END $$;

\echo
\echo '=== Summary'
SELECT (SELECT count(*) FROM demo.customer) AS customers,
       (SELECT count(*) FROM demo.shipment) AS shipments,
       (SELECT count(*) FROM demo.goods_line) AS goods_lines,
       (SELECT count(DISTINCT cbl.hs_chapter(hs)) FROM demo.goods_line) AS hs_chapters,
       (SELECT count(*) FROM demo.charge) AS charges,
       (SELECT count(DISTINCT cbl.currency(amount)) FROM demo.charge) AS currencies,
       (SELECT count(*) FROM cbl.fx_rate) AS fx_rates,
       (SELECT cbl.round(sum(cbl.convert(ch.amount, 'EUR', s.shipped_on)))
          FROM demo.charge ch JOIN demo.shipment s ON s.id = ch.shipment_id) AS revenue;
