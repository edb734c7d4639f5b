-- Rating: rate cards (table, versions, the check trigger, the cache) and
-- cbl.rate / cbl.rate_total with an express sell card, a buy card, and
-- the errors.  Every amount below is worked by hand in the comment above
-- it.  rating_features.sql covers each definition feature on its own, and
-- rating_errors.sql every kind of invalid definition.
SET search_path = "$user", public, cbl;
SET datestyle = 'ISO, YMD';

INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('carrier', 'RATE-EXPRESS', 'Express carrier', 'DE'),
  ('customer', 'RATE-ACME', 'Acme Retail', 'DE');

-- The express sell card of docs/rate-cards.md (shared with the demo).
\i test/fixtures/rate_card_exp_de.sql

-- A buy card: what the carrier charges the forwarder.  A buy card names
-- its owner (the carrier); one without is refused.
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, definition)
VALUES ('EXP-DE-COST', 1, 'buy', cbl.party_id('carrier', 'RATE-EXPRESS'), 'EUR', '[2020-01-01,)', $$
{"chargeable": {"divisor": 5000},
 "zones": [{"zone": "DE", "countries": ["DE"]}],
 "freight": {"zones": {"DE": {"rates": [{"up_to": 70, "per_kg": 1.50}]}}}}
$$);
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT 'NO-OWNER', 1, 'buy', 'EUR', '[2026-01-01,)', definition
  FROM cbl.rate_card WHERE code = 'EXP-DE-COST';

SELECT code, version, kind, currency, validity, description
  FROM cbl.rate_card ORDER BY code, version;

-- 12.3 kg in a 50 x 40 x 30 cm box to Berlin: volumetric 60000 / 5000 =
-- 12.0 kg, actual 12.3 kg is more, rounded up to the next half kilogram:
-- 12.5 kg.  Zone 1, band to 30 kg at 2.45/kg: 12.5 x 2.45 = 30.625, a tie,
-- half-even to 30.62.  Fuel 14.5% of 30.62 = 4.4399 -> 4.44.
-- Not remote, no flags, no customs in zone 1.  Total 35.06.
SELECT code, description, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "DE", "postcode": "10115",
                            "pieces": [{"weight_kg": 12.3, "length_cm": 50, "width_cm": 40, "height_cm": 30}]}',
                '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "postcode": "10115",
                                  "pieces": [{"weight_kg": 12.3, "length_cm": 50, "width_cm": 40, "height_cm": 30}]}',
                      '2026-03-02');

-- The same box to the island of Hiddensee (18565, a remote postcode):
-- remote area 12.5 x 0.45 = 5.625, below the minimum: 22.00.  Fuel is on
-- transport plus remote area: 14.5% of (30.62 + 22.00) = 14.5% of 52.62
-- = 7.6299 -> 7.63.  Total 30.62 + 22.00 + 7.63 = 60.25.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "DE", "postcode": "18565",
                            "pieces": [{"weight_kg": 12.3, "length_cm": 50, "width_cm": 40, "height_cm": 30}]}',
                '2026-03-02');

-- Everything at once: two pieces to Anchorage (99501: US, remote), flagged
-- residential and dangerous goods, 4 customs lines, gold customer, in the
-- peak season (2026-12-01).
--   piece A 75 kg, 80 x 60 x 50 = 240000 cm3 -> 48 kg volumetric
--   piece B 3 kg, 130 x 20 x 20 = 52000 cm3 -> 10.4 kg volumetric
--   consignment: actual 78 kg, volumetric 58.4 kg: chargeable 78 kg
--   FRT zone 3, band to 300 kg at 9.10: 78 x 9.10        = 709.80
--   RAS 78 x 0.45 = 35.10, above the minimum 22          =  35.10
--   OWP A is over 70 kg, B has a side over 120 cm: 2 x 60 = 120.00
--   PSS 78 x 0.30 = 23.40, below the maximum 150         =  23.40
--   FSC 14.5% of (709.80 + 35.10) = 108.0105             = 108.01
--   DGR                                                  =  95.00
--   RES residential, and the zone is 3                   =   5.50
--   CUS zone 3                                           =  25.00
--   CUL 4 lines x 2.00                                   =   8.00
--   gold: 10% of freight 709.80 = 70.98                  = -70.98
--   gold: fuel discount 10% of 108.01 = 10.801           = -10.80
--   total                                                = 1048.03
SELECT code, description, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "US", "postcode": "99501",
                            "pieces": [{"weight_kg": 75, "length_cm": 80, "width_cm": 60, "height_cm": 50},
                                       {"weight_kg": 3, "length_cm": 130, "width_cm": 20, "height_cm": 20}],
                            "flags": ["residential", "dangerous_goods"],
                            "customs_lines": 4, "tier": "gold"}',
                '2026-12-01');
SELECT cbl.rate_total('EXP-DE', '{"destination": "US", "postcode": "99501",
                                  "pieces": [{"weight_kg": 75, "length_cm": 80, "width_cm": 60, "height_cm": 50},
                                             {"weight_kg": 3, "length_cm": 130, "width_cm": 20, "height_cm": 20}],
                                  "flags": ["residential", "dangerous_goods"],
                                  "customs_lines": 4, "tier": "gold"}',
                      '2026-12-01');

-- 600 kg to Shanghai on 2026-12-20: zone 4 ("*"), 600 x 11.90 = 7140.00.
-- Given by its total weight, the shipment is one piece, of 600 kg: over
-- 70 kg, OWP 60.00.  Peak 600 x 0.30 = 180, capped at the maximum 150.00.
-- Fuel 14.5% of 7140.00 = 1035.30.  Customs declaration 25.00; no customs
-- lines, so no CUL line.  Total 8410.30.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "CN", "weight_kg": 600}', '2026-12-20');
SELECT cbl.rate_total('EXP-DE', '{"destination": "CN", "weight_kg": 600}', '2026-12-20');

-- 75.2 kg (no pieces: one piece of the total weight) within Germany:
-- 75.5 kg is above the last row (70 kg): 70 x 2.10 = 147.00, plus
-- (75.5 - 70) / 0.5 = 11 steps of 1.20 = 13.20: 160.20.  The piece is
-- over 70 kg: OWP 60.00.  Fuel 14.5% of 160.20 = 23.229 -> 23.23.
-- Total 243.43.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "DE", "weight_kg": 75.2}', '2026-03-02');

-- A flat price: 0.4 kg -> 0.5 kg, 9.90.  Fuel 14.5% of 9.90 = 1.4355 ->
-- 1.44.  Silver: 5% of 9.90 = 0.495, a tie, half-even to 0.50 (9 is odd).
-- Total 9.90 + 1.44 - 0.50 = 10.84.  A tier the card does not know gives
-- no discount: 11.34.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "DE", "weight_kg": 0.4, "tier": "silver"}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 0.4, "tier": "platinum"}', '2026-03-02');

-- A zone minimum: 0.8 kg to New York is 48.00 flat, below zone 3's
-- minimum: 55.00.  Fuel 14.5% of 55.00 = 7.975, a tie, half-even to 7.98
-- (7 is odd).  Customs declaration 25.00.  Total 87.98.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "US", "postcode": "10001", "weight_kg": 0.8}', '2026-03-02');

-- Sell and buy side by side, the margin: 35.06 - 12.5 x 1.50 (18.75) = 16.31.
SELECT cbl.rate_total('EXP-DE', s, '2026-03-02') AS revenue,
       cbl.rate_total('EXP-DE-COST', s, '2026-03-02') AS cost,
       cbl.rate_total('EXP-DE', s, '2026-03-02') - cbl.rate_total('EXP-DE-COST', s, '2026-03-02') AS margin
  FROM (VALUES ('{"destination": "DE", "pieces": [{"weight_kg": 12.3, "length_cm": 50, "width_cm": 40, "height_cm": 30}]}'::jsonb)) AS t(s);

-- on_date defaults to today; the buy card is valid from 2020 on.
SELECT cbl.rate_total('EXP-DE-COST', '{"destination": "DE", "weight_kg": 2}');

-- Versions: a second version from 2027 with fuel at 16% (version NULL:
-- numbered one above the highest).  The same box in 2027: 30.62 + 16% of
-- 30.62 = 4.8992 -> 4.90 = 35.52.  cbl.rate_card_version says which
-- version a date uses.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT code, NULL, kind, currency, '[2027-01-01,)', jsonb_set(definition, '{surcharges,3,percent}', '16')
  FROM cbl.rate_card WHERE code = 'EXP-DE' AND version = 1
RETURNING code, version, validity;
SELECT cbl.rate_card_version('EXP-DE', '2026-12-31') AS in_2026,
       cbl.rate_card_version('EXP-DE', '2027-01-01') AS in_2027,
       cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 12.3}', '2027-02-01') AS total_2027;

-- Versions of a code never overlap, on insert or on update.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT code, 3, kind, currency, '[2026-06-01,2026-07-01)', definition
  FROM cbl.rate_card WHERE code = 'EXP-DE' AND version = 1;
UPDATE cbl.rate_card SET validity = '[2026-01-01,2027-02-01)' WHERE code = 'EXP-DE' AND version = 1;
-- Adjacent ranges are fine, and another code may overlap freely.
UPDATE cbl.rate_card SET validity = '[2026-01-01,2027-01-01)', description = 'Express export from Germany, 2026'
 WHERE code = 'EXP-DE' AND version = 1;

-- The cache of compiled cards follows every change, also a rolled-back one:
-- with fuel at 15%, the first box costs 30.62 + 4.593 (4.59) = 35.21.
BEGIN;
UPDATE cbl.rate_card SET definition = jsonb_set(definition, '{surcharges,3,percent}', '15')
 WHERE code = 'EXP-DE' AND version = 1;
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 12.3}', '2026-03-02');
ROLLBACK;
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 12.3}', '2026-03-02');
BEGIN;
DELETE FROM cbl.rate_card WHERE code = 'EXP-DE-COST';
SELECT cbl.rate_total('EXP-DE-COST', '{"destination": "DE", "weight_kg": 2}', '2026-03-02');
ROLLBACK;
BEGIN;
TRUNCATE cbl.rate_card CASCADE;
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 12.3}', '2026-03-02');
ROLLBACK;
SELECT cbl.rate_total('EXP-DE-COST', '{"destination": "DE", "weight_kg": 2}', '2026-03-02');

-- The errors a caller can catch: no card (LG010), no zone (LG011), no price
-- (LG012), each with a DETAIL and a HINT.
SELECT cbl.rate_total('NO-SUCH-CARD', '{"destination": "DE", "weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1}', '2025-12-31');
SELECT cbl.rate_total('EXP-DE-COST', '{"destination": "FR", "weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "FR", "weight_kg": 45}', '2026-03-02');
\set VERBOSITY sqlstate
SELECT cbl.rate_total('NO-SUCH-CARD', '{"destination": "DE", "weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_card_version('EXP-DE', '2025-12-31');
SELECT cbl.rate_total('EXP-DE-COST', '{"destination": "FR", "weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "FR", "weight_kg": 45}', '2026-03-02');
\set VERBOSITY default

-- Shipment documents that cannot be rated say where they are wrong.
SELECT cbl.rate_total('EXP-DE', '[1, 2]', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "XX", "weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "de", "weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE"}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": "12"}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1.0000001}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": -1}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1, "weight_lb": 2}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": [{"length_cm": 10}]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": [{"weight_kg": 1, "length_cm": 10}]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": [{"weight_kg": 1}, {"weight_lb": 1}]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": [{"weight_kg": 1, "length_cm": 1, "width_in": 1, "height_cm": 1}]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": [{"weight_kg": 1, "count": 0}]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": [{"weight_kg": 1, "count": 1.5}]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": {"weight_kg": 1}}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "pieces": [7]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1, "containers": {"40XX": 1}}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1, "containers": {"40HC": "two"}}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1, "flags": "residential"}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1, "flags": ["residential", 3]}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1, "customs_lines": -2}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 1, "postcode": 10115}', '2026-03-02');
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 20000000}', '2026-03-02');
-- Unknown keys and JSON nulls are ignored: a shipment record may carry more.
SELECT cbl.rate_total('EXP-DE', '{"destination": "DE", "weight_kg": 12.3, "reference": "SO-1001",
                                  "tier": null, "postcode": null, "flags": null}', '2026-03-02');
-- NULL in, NULL (or no lines) out.
SELECT cbl.rate_total('EXP-DE', NULL, '2026-03-02') IS NULL AS null_total,
       (SELECT count(*) FROM cbl.rate('EXP-DE', NULL, '2026-03-02')) AS no_lines;

-- A definition is compiled when it is written; a bad one is refused with
-- the JSON path of what is wrong (rating_errors.sql has every kind).
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('BAD', 1, 'sell', 'EUR', '[2026-01-01,)',
        '{"zones": [{"zone": "A", "countries": ["DE"]}, {"zone": "B", "countries": ["FR"]},
                    {"zone": "C", "countries": ["XX"]}],
          "freight": {"zones": {"A": {"rates": [{"up_to": 1, "price": 5}]}}}}');
UPDATE cbl.rate_card SET definition = jsonb_set(definition, '{freight,zones,1,rates,0,price}', '"12.50"')
 WHERE code = 'EXP-DE' AND version = 1;
-- A card's currency needs a minor unit: every line is rounded to one.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT 'GOLD', 1, 'sell', 'XAU', '[2026-01-01,)', definition
  FROM cbl.rate_card WHERE code = 'EXP-DE-COST';
-- The table's own checks.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT 'bad code!', 1, 'sell', 'EUR', '[2026-01-01,)', definition FROM cbl.rate_card WHERE code = 'EXP-DE-COST';
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT 'X', 1, 'rent', 'EUR', '[2026-01-01,)', definition FROM cbl.rate_card WHERE code = 'EXP-DE-COST';
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT 'X', 1, 'sell', 'EUR', 'empty', definition FROM cbl.rate_card WHERE code = 'EXP-DE-COST';
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT 'X', 0, 'sell', 'EUR', '[2026-01-01,)', definition FROM cbl.rate_card WHERE code = 'EXP-DE-COST';

-- Stand-alone helpers.  IATA: 40.2 kg in 80 x 61 x 51 cm = 248880 cm3 /
-- 6000 = 41.48 kg -> 41.5 kg.  Express (5000, whole kg): 60000 / 5000 =
-- 12 kg beats 10.2 kg.  Without step: exact to the micro-unit.
SELECT cbl.chargeable_weight(40.2, 80, 61, 51) AS iata,
       cbl.chargeable_weight(10.2, 50, 40, 30, 5000, 1) AS express_whole_kg,
       cbl.chargeable_weight(1, 10, 10, 10, 6000, 0.000001) AS exact;
-- LCL weight/measure: 1 m3 = 1000 kg, at least 1 revenue ton.
SELECT cbl.revenue_tons(1830, 4.25) AS by_volume,
       cbl.revenue_tons(2600, 1.2) AS by_weight,
       cbl.revenue_tons(300, 0.4) AS minimum;
SELECT cbl.chargeable_weight(1.0000001, 10, 10, 10);
SELECT cbl.chargeable_weight(1, 10, 10, 10, 0);
SELECT cbl.chargeable_weight(-1, 10, 10, 10);
SELECT cbl.chargeable_weight('NaN', 10, 10, 10);
SELECT cbl.revenue_tons(-1, 1);

-- rate_total is the sum of rate's lines, and rates the same in parallel
-- workers (each builds its own cache) as in the leader.
CREATE TABLE rating_sample AS
SELECT i, jsonb_build_object(
         'destination', (ARRAY['DE', 'GB', 'US', 'CN', 'JP'])[1 + i % 5],
         'postcode', (ARRAY['10115', '18565', '99501', '10001'])[1 + i % 4],
         'pieces', jsonb_build_array(
            jsonb_build_object('weight_kg', round(0.1 + (i * 37 % 290) / 10.0, 1),
                               'length_cm', 10 + i % 50, 'width_cm', 10 + i % 30, 'height_cm', 5 + i % 40,
                               'count', 1 + i % 2)),
         'flags', CASE WHEN i % 7 = 0 THEN '["dangerous_goods", "residential"]'::jsonb ELSE '[]' END,
         'customs_lines', i % 6,
         'tier', (ARRAY['gold', 'silver', NULL])[1 + i % 3]) AS s
  FROM generate_series(1, 3000) i;
ANALYZE rating_sample;
SELECT count(*) AS shipments,
       count(*) FILTER (WHERE cbl.rate_total('EXP-DE', s, '2026-12-01')
                              = (SELECT cbl.sum(amount) FROM cbl.rate('EXP-DE', s, '2026-12-01'))) AS equal
  FROM rating_sample;
SELECT cbl.sum(cbl.rate_total('EXP-DE', s, '2026-12-01')) AS serial_total FROM rating_sample \gset
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT cbl.sum(cbl.rate_total('EXP-DE', s, '2026-12-01')) FROM rating_sample;
SELECT cbl.sum(cbl.rate_total('EXP-DE', s, '2026-12-01')) = :'serial_total'::cbl.amount AS same_in_parallel
  FROM rating_sample;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
DROP TABLE rating_sample;

-- Many pieces and flags (beyond the evaluator's on-stack room): 40 pieces
-- of 1 kg, counted twice each = 80 kg to Germany: 70 x 2.10 = 147.00 + 20
-- steps of 1.20 = 171.00; fuel 14.5% = 24.795 -> 24.80 (half-even: 9 is
-- odd); dangerous goods 95.00.  Total 290.80.
SELECT cbl.rate_total('EXP-DE',
         jsonb_build_object('destination', 'DE',
                            'pieces', (SELECT jsonb_agg(jsonb_build_object('weight_kg', 1, 'count', 2))
                                         FROM generate_series(1, 40)),
                            'flags', (SELECT jsonb_agg('flag_' || i) FROM generate_series(1, 30) i)
                                     || '["dangerous_goods"]'::jsonb),
         '2026-03-02');

-- Clean up.
DELETE FROM cbl.rate_card WHERE code IN ('EXP-DE', 'EXP-DE-COST');
DELETE FROM cbl.party WHERE code IN ('RATE-EXPRESS', 'RATE-ACME');
