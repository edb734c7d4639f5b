-- cbl rating benchmark: the card and the shipments (test/bench/rating.sh).
--
-- One express sell card, BENCH-EXP, held twice: as relational tables that
-- the PL/pgSQL implementation (rating_plpgsql.sql) reads, and as the JSON
-- definition of a cbl.rate_card row built from those same tables.  Then
-- :rows shipments as jsonb documents, from generate_series and integer
-- arithmetic (i * prime modulo m): every run builds the same rows.
--
-- The card: volumetric divisor 5000, half kilograms, per consignment;
-- seven zones by destination country (the last is every other country);
-- remote postcodes in six countries; per zone 20 flat prices (0.5 to
-- 10 kg), per-kg bands to 30, 70 and 300 kg, and a price per additional
-- half kilogram above 300 kg; surcharges: remote area per kg with a
-- minimum, oversize piece, fuel on transport plus remote area, dangerous
-- goods, residential delivery (zone 4); fees: customs declaration and per
-- customs line outside Europe; tiers silver (5% off freight) and gold (10%
-- off freight and 10% off fuel).

\if :{?rows}
\else
\set rows 1000000
\endif

CREATE SCHEMA bench_rating;

CREATE TABLE bench_rating.zone_country (country text PRIMARY KEY, zone text NOT NULL);
INSERT INTO bench_rating.zone_country
SELECT c, z
  FROM (VALUES ('1', ARRAY['DE']),
               ('2', ARRAY['AT', 'BE', 'NL', 'LU', 'FR', 'DK', 'CZ', 'PL', 'CH']),
               ('3', ARRAY['IT', 'ES', 'PT', 'SE', 'FI', 'IE', 'GB', 'NO', 'HU', 'SK', 'SI', 'HR', 'RO',
                           'BG', 'GR']),
               ('4', ARRAY['US', 'CA', 'MX']),
               ('5', ARRAY['CN', 'HK', 'JP', 'KR', 'SG', 'TW', 'TH', 'MY', 'VN']),
               ('6', ARRAY['AU', 'NZ', 'BR', 'AR', 'ZA', 'IN', 'AE', 'SA', 'IL', 'TR'])) AS v(z, cs),
       unnest(v.cs) AS c;
-- zone 7: every other country

CREATE TABLE bench_rating.remote_area (country text, prefix text, PRIMARY KEY (country, prefix));
INSERT INTO bench_rating.remote_area VALUES
  ('DE', '18565'), ('DE', '25938'), ('DE', '25946'), ('DE', '26486'), ('DE', '26548'),
  ('US', '995'), ('US', '996'), ('US', '997'), ('US', '998'), ('US', '999'), ('US', '967'), ('US', '968'),
  ('GB', 'HS'), ('GB', 'ZE'), ('GB', 'KW15'), ('GB', 'KW16'), ('GB', 'KW17'),
  ('NO', '9170'), ('NO', '9171'), ('AU', '0872'), ('AU', '6798'), ('CA', 'X0A'), ('CA', 'X0B');

-- Price rows per zone: flat to 10 kg, per kg to 30, 70, 300; then additional.
CREATE TABLE bench_rating.rate_row (
  zone text, up_to numeric, price numeric, per_kg boolean, PRIMARY KEY (zone, up_to));
CREATE TABLE bench_rating.zone_additional (zone text PRIMARY KEY, every numeric, price numeric);
WITH z(zone, base, inc, band, add) AS (VALUES
  ('1', 8.50, 0.60, 2.10, 1.05), ('2', 14.00, 1.10, 3.95, 1.90), ('3', 18.00, 1.40, 4.60, 2.30),
  ('4', 32.00, 3.20, 9.20, 4.40), ('5', 36.00, 3.60, 10.10, 4.80), ('6', 42.00, 4.10, 11.40, 5.40),
  ('7', 55.00, 5.20, 13.90, 6.70))
INSERT INTO bench_rating.rate_row
SELECT zone, k * 0.5, base + k * inc, false FROM z, generate_series(1, 20) AS k
UNION ALL
SELECT zone, b.up_to, round(band * b.f, 2), true
  FROM z, (VALUES (30, 1.0), (70, 0.9), (300, 0.8)) AS b(up_to, f);
INSERT INTO bench_rating.zone_additional
SELECT zone, 0.5, add
  FROM (VALUES ('1', 1.05), ('2', 1.90), ('3', 2.30), ('4', 4.40), ('5', 4.80), ('6', 5.40),
               ('7', 6.70)) AS a(zone, add);

-- The surcharges, fees and tiers, one row.
CREATE TABLE bench_rating.param AS
SELECT 5000::numeric AS divisor, 0.5::numeric AS step,
       0.45::numeric AS ras_per_kg, 22::numeric AS ras_minimum,
       60::numeric AS owp_per_piece, 70::numeric AS owp_over_kg, 120::numeric AS owp_over_cm,
       14.5::numeric AS fsc_percent, 95::numeric AS dgr, 5.50::numeric AS res,
       25::numeric AS cus, 2.00::numeric AS cul,
       5::numeric AS silver_percent, 10::numeric AS gold_percent, 10::numeric AS gold_fsc_percent;

-- The same card as a cbl definition, built from the tables above.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, description, definition)
SELECT 'BENCH-EXP', 1, 'sell', 'EUR', '[2026-01-01,2027-01-01)', 'rating benchmark express card',
       jsonb_build_object(
         'chargeable', jsonb_build_object('divisor', p.divisor, 'step', p.step),
         'zones', (SELECT jsonb_agg(jsonb_build_object('zone', zone, 'countries', cs) ORDER BY zone)
                     FROM (SELECT zone, jsonb_agg(country ORDER BY country) AS cs
                             FROM bench_rating.zone_country GROUP BY zone) g)
                  || jsonb_build_array(jsonb_build_object('zone', '7', 'countries', jsonb_build_array('*'))),
         'remote_areas', (SELECT jsonb_agg(jsonb_build_object('countries', jsonb_build_array(country),
                                                              'postcodes', ps) ORDER BY country)
                            FROM (SELECT country, jsonb_agg(prefix ORDER BY prefix) AS ps
                                    FROM bench_rating.remote_area GROUP BY country) g),
         'freight', jsonb_build_object(
           'code', 'FRT', 'description', 'Express transport',
           'zones', (SELECT jsonb_object_agg(r.zone, jsonb_build_object('rates', r.rows,
                                                                        'additional', jsonb_build_object('every', a.every, 'price', a.price)))
                       FROM (SELECT zone, jsonb_agg(CASE WHEN per_kg
                                                         THEN jsonb_build_object('up_to', up_to, 'per_kg', price)
                                                         ELSE jsonb_build_object('up_to', up_to, 'price', price) END
                                                    ORDER BY up_to) AS rows
                               FROM bench_rating.rate_row GROUP BY zone) r
                       JOIN bench_rating.zone_additional a USING (zone))),
         'surcharges', jsonb_build_array(
           jsonb_build_object('code', 'RAS', 'description', 'Remote area', 'per_kg', p.ras_per_kg,
                              'minimum', p.ras_minimum, 'when', jsonb_build_object('remote', true)),
           jsonb_build_object('code', 'OWP', 'description', 'Oversize piece', 'per_piece', p.owp_per_piece,
                              'over_kg', p.owp_over_kg, 'over_cm', p.owp_over_cm),
           jsonb_build_object('code', 'FSC', 'description', 'Fuel', 'percent', p.fsc_percent,
                              'of', jsonb_build_array('FRT', 'RAS')),
           jsonb_build_object('code', 'DGR', 'description', 'Dangerous goods', 'per_shipment', p.dgr,
                              'when', jsonb_build_object('flags', jsonb_build_array('dangerous_goods'))),
           jsonb_build_object('code', 'RES', 'description', 'Residential', 'per_shipment', p.res,
                              'when', jsonb_build_object('flags', jsonb_build_array('residential'),
                                                         'zones', jsonb_build_array('4')))),
         'fees', jsonb_build_array(
           jsonb_build_object('code', 'CUS', 'description', 'Customs declaration', 'per_shipment', p.cus,
                              'when', jsonb_build_object('zones', jsonb_build_array('4', '5', '6', '7'))),
           jsonb_build_object('code', 'CUL', 'description', 'Customs line', 'per_customs_line', p.cul,
                              'when', jsonb_build_object('zones', jsonb_build_array('4', '5', '6', '7')))),
         'tiers', jsonb_build_object(
           'silver', jsonb_build_array(jsonb_build_object('percent', p.silver_percent,
                                                          'of', jsonb_build_array('freight'))),
           'gold', jsonb_build_array(jsonb_build_object('percent', p.gold_percent,
                                                        'of', jsonb_build_array('freight')),
                                     jsonb_build_object('code', 'DFSC', 'percent', p.gold_fsc_percent,
                                                        'of', jsonb_build_array('FSC')))))
  FROM bench_rating.param p;

-- The shipments.  Destinations over 58 countries (a third to Germany, most
-- of the rest to Europe, some to countries in no named zone); 3% with a
-- remote postcode where the country has remote areas; one to three pieces,
-- mostly light (the weight is skewed towards parcels), 10% without
-- dimensions, sometimes two of a kind; 4% dangerous goods, 12% residential;
-- 0 to 8 customs lines; 55% without tier, 30% silver, 15% gold.
-- w: the total actual weight, a numeric column for the bare-scan baseline.
CREATE TABLE bench_rating.shipment AS
SELECT i AS id, doc AS s, w
  FROM generate_series(1, :rows) AS i,
  LATERAL (SELECT (ARRAY['DE', 'DE', 'DE', 'DE', 'DE', 'DE', 'DE', 'DE', 'DE', 'DE', 'DE', 'DE',
                         'AT', 'BE', 'NL', 'LU', 'FR', 'FR', 'FR', 'DK', 'CZ', 'PL', 'PL', 'CH',
                         'IT', 'ES', 'PT', 'SE', 'FI', 'IE', 'GB', 'GB', 'NO', 'HU', 'SK', 'SI', 'HR',
                         'RO', 'BG', 'GR', 'US', 'US', 'US', 'CA', 'MX', 'CN', 'HK', 'JP', 'KR', 'SG',
                         'AU', 'BR', 'IN', 'AE', 'TR', 'EG', 'NG', 'CL'])[1 + (i::bigint * 7919 % 58)] AS dest,
                  1 + (i::bigint * 31 % 3) AS npieces) AS d,
  LATERAL (SELECT CASE WHEN i % 33 = 0
                            AND EXISTS (SELECT FROM bench_rating.remote_area r WHERE r.country = d.dest)
                       THEN (SELECT r.prefix FROM bench_rating.remote_area r WHERE r.country = d.dest
                              ORDER BY r.prefix OFFSET (i / 33) % (SELECT count(*) FROM bench_rating.remote_area r2
                                                                  WHERE r2.country = d.dest) LIMIT 1)
                            || lpad((i % 97)::text, 2, '0')
                       ELSE lpad((i::bigint * 104729 % 100000)::text, 5, '0') END AS postcode) AS pc,
  LATERAL (SELECT jsonb_agg(CASE WHEN (i + k) % 10 = 0
                                 THEN jsonb_build_object('weight_kg', pw)
                                 ELSE jsonb_build_object('weight_kg', pw, 'length_cm', 10 + (h % 121),
                                                         'width_cm', 10 + (h / 7 % 71), 'height_cm', 5 + (h / 13 % 56))
                            END
                            || CASE WHEN (i + k) % 17 = 0 THEN '{"count": 2}'::jsonb ELSE '{}' END) AS pieces,
                  sum(pw * CASE WHEN (i + k) % 17 = 0 THEN 2 ELSE 1 END) AS w
             FROM generate_series(1, d.npieces) AS k,
                  LATERAL (SELECT (i::bigint * 15485863 + k * 104723) % 1000003 AS h) AS hh,
                  LATERAL (SELECT round(0.1 + (h % 1000) * (h % 1000) * 79.9 / 1000000, 1) AS pw) AS ww) AS p,
  LATERAL (SELECT jsonb_build_object('destination', d.dest, 'postcode', pc.postcode, 'pieces', p.pieces,
                                     'customs_lines', i % 9)
                  || CASE WHEN i % 25 = 0 THEN '{"flags": ["dangerous_goods"]}'::jsonb
                          WHEN i % 25 IN (3, 7, 11) THEN '{"flags": ["residential"]}'::jsonb
                          ELSE '{}' END
                  || CASE WHEN i % 20 < 6 THEN '{"tier": "silver"}'::jsonb
                          WHEN i % 20 < 9 THEN '{"tier": "gold"}'::jsonb
                          ELSE '{}' END AS doc) AS j;
ALTER TABLE bench_rating.shipment ADD PRIMARY KEY (id);
VACUUM ANALYZE bench_rating.shipment;
