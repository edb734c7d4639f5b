-- Rating: each thing a rate card definition can express, on a small card
-- of its own, with the numbers worked by hand in the comments.
SET search_path = "$user", public, cbl;
SET datestyle = 'ISO, YMD';

-- ---------------------------------------------------------------------------
-- Air freight, IATA: volumetric 6000 cm3 per kg, dimensions to the nearest
-- whole cm, weight up to the next half kg; rate classes M (minimum), N
-- (normal, under 45 kg) and quantity breaks; the higher-weight-break rule.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('AIR-FRA-NRT', 1, 'sell', 'EUR', '[2026-01-01,)', $$
{"chargeable": {"divisor": 6000, "step": 0.5, "dimensions": "nearest"},
 "zones": [{"zone": "NRT", "countries": ["JP"], "origins": ["DE"]}],
 "freight": {"code": "AFR", "description": "Air freight Frankfurt-Tokyo",
   "zones": {"NRT": {"minimum": 75,
                     "air": {"normal": 4.50,
                             "breaks": [{"from": 45, "per_kg": 3.60}, {"from": 100, "per_kg": 3.20},
                                        {"from": 300, "per_kg": 2.95}, {"from": 500, "per_kg": 2.70},
                                        {"from": 1000, "per_kg": 2.40}]}}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "per_kg": 0.85},
                {"code": "SSC", "description": "Security", "per_kg": 0.15, "minimum": 10}],
 "fees": [{"code": "AWB", "description": "Air waybill", "per_shipment": 15}]}
$$);

-- One piece of 40.2 kg measuring 80.4 x 60.6 x 50.5 cm.  Dimensions to the
-- nearest cm: 80 x 61 x 51 = 248880 cm3, / 6000 = 41.48 kg; actual 40.2 kg.
-- Chargeable: 41.48 -> 41.5 kg.  Normal rate 41.5 x 4.50 = 186.75, but the
-- 45 kg break costs 45 x 3.60 = 162.00: charged at 45 kg (higher weight
-- break).  Fuel 41.5 x 0.85 = 35.275, a tie, half-even to 35.28 (7 is odd);
-- security 41.5 x 0.15 = 6.225, below the minimum: 10.00; air waybill
-- 15.00.  Total 162.00 + 35.28 + 10.00 + 15.00 = 222.28.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('AIR-FRA-NRT', '{"origin": "DE", "destination": "JP",
                                 "pieces": [{"weight_kg": 40.2, "length_cm": 80.4, "width_cm": 60.6, "height_cm": 50.5}]}',
                '2026-03-02');
SELECT cbl.rate_total('AIR-FRA-NRT', '{"origin": "DE", "destination": "JP",
                                       "pieces": [{"weight_kg": 40.2, "length_cm": 80.4, "width_cm": 60.6, "height_cm": 50.5}]}',
                      '2026-03-02');
-- The stand-alone helper gives the same 41.5 kg from the rounded dimensions.
SELECT cbl.chargeable_weight(40.2, 80, 61, 51);

-- The freight line across weights (break-even points: N to 45 kg at 36 kg,
-- 45 to 100 kg at 88.9 kg, 100 to 300 kg at 276.6 kg):
--      5 kg:  5 x 4.50 = 22.50, below M: minimum 75.00
--     40 kg: 40 x 4.50 = 180.00; 45 x 3.60 = 162.00 is cheaper: 162.00 at 45 kg
--     80 kg: 80 x 3.60 = 288.00; 100 x 3.20 = 320.00 is not: 288.00
--     95 kg: 95 x 3.60 = 342.00; 100 x 3.20 = 320.00 is cheaper: 320.00 at 100 kg
--    280 kg: 280 x 3.20 = 896.00; 300 x 2.95 = 885.00 is cheaper: 885.00 at 300 kg
--    300 kg: 300 x 2.95 = 885.00 at the 300 kg rate itself
--   1200 kg: 1200 x 2.40 = 2880.00
SELECT w.kg, r.basis, r.quantity, r.unit_price, r.amount
  FROM (VALUES (5), (40), (80), (95), (280), (300), (1200)) AS w(kg),
       cbl.rate('AIR-FRA-NRT', jsonb_build_object('origin', 'DE', 'destination', 'JP', 'weight_kg', w.kg),
                '2026-03-02') AS r
 WHERE r.code = 'AFR'
 ORDER BY w.kg;

-- The zone is for shipments from Germany: from France there is none.
SELECT cbl.rate_total('AIR-FRA-NRT', '{"origin": "FR", "destination": "JP", "weight_kg": 10}', '2026-03-02');

-- ---------------------------------------------------------------------------
-- Express: volumetric weight per piece or per consignment.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('EXP-PER-PIECE', 1, 'sell', 'EUR', '[2026-01-01,)', $$
{"chargeable": {"divisor": 5000, "step": 0.5, "per": "piece"},
 "zones": [{"zone": "ALL", "countries": ["*"]}],
 "freight": {"zones": {"ALL": {"rates": [{"up_to": 1000, "per_kg": 1}]}}}}
$$), ('EXP-PER-CONSIGNMENT', 1, 'sell', 'EUR', '[2026-01-01,)', $$
{"chargeable": {"divisor": 5000, "step": 0.5, "per": "consignment"},
 "zones": [{"zone": "ALL", "countries": ["*"]}],
 "freight": {"zones": {"ALL": {"rates": [{"up_to": 1000, "per_kg": 1}]}}}}
$$);

-- Piece A: 10 kg, 30 x 30 x 30 = 27000 cm3 -> 5.4 kg volumetric.
-- Piece B: 1 kg, 50 x 50 x 40 = 100000 cm3 -> 20 kg volumetric.
-- Pieces C: three of 2.2 kg each, no dimensions.
-- Per piece: A 10, B 20, C 2.5 each x 3 = 7.5: 37.5 kg at 1.00 = 37.50.
-- Per consignment: actual 10 + 1 + 6.6 = 17.6 kg, volumetric 25.4 kg:
-- 25.4 -> 25.5 kg = 25.50.
SELECT c.code AS card, r.quantity AS chargeable_kg, r.amount
  FROM (VALUES ('EXP-PER-PIECE'), ('EXP-PER-CONSIGNMENT')) AS c(code),
       cbl.rate(c.code, '{"destination": "DE",
                          "pieces": [{"weight_kg": 10, "length_cm": 30, "width_cm": 30, "height_cm": 30},
                                     {"weight_kg": 1, "length_cm": 50, "width_cm": 50, "height_cm": 40},
                                     {"weight_kg": 2.2, "count": 3}]}', '2026-03-02') AS r
 ORDER BY 1;

-- A total volume (volume_m3) wins over the pieces' dimensions for a
-- consignment: 11 kg actual, 0.2 m3 = 200000 cm3 / 5000 = 40 kg.
SELECT cbl.rate_total('EXP-PER-CONSIGNMENT', '{"destination": "DE", "volume_m3": 0.2,
                                               "pieces": [{"weight_kg": 10, "length_cm": 30, "width_cm": 30, "height_cm": 30},
                                                          {"weight_kg": 1}]}', '2026-03-02');

-- ---------------------------------------------------------------------------
-- Pounds and inches (US domestic): divisor 139 in3 per lb, each dimension
-- up to the next whole inch, weight up to the next whole pound; additional
-- handling for a piece over 50 lb or with a side over 48 in.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('GND-US', 1, 'sell', 'USD', '[2026-01-01,)', $$
{"chargeable": {"unit": "lb", "dimension_unit": "in", "divisor": 139, "dimensions": "up", "step": 1},
 "zones": [{"zone": "5", "countries": ["US"]}],
 "freight": {"zones": {"5": {"rates": [{"up_to": 1, "price": 9.50}, {"up_to": 150, "per_lb": 1.10}]}}},
 "surcharges": [{"code": "AHS", "description": "Additional handling", "per_piece": 18,
                 "over_lb": 50, "over_in": 48}]}
$$);

-- 10 lb in 12 x 12 x 12.2 in: up to 12 x 12 x 13 = 1872 in3, / 139 =
-- 13.47 lb -> 14 lb (more than 10).  14 x 1.10 = 15.40.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('GND-US', '{"destination": "US",
                            "pieces": [{"weight_lb": 10, "length_in": 12, "width_in": 12, "height_in": 12.2}]}',
                '2026-03-02');
-- The same card, a shipment measured in kg and cm: 5 kg in a 30.48 cm
-- (12 in) cube.  Volume 12 x 12 x 12 = 1728 in3, / 139 = 12.43 lb -> 13 lb;
-- 5 kg = 11.02 lb -> 12 lb.  Chargeable 13 lb x 1.10 = 14.30.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('GND-US', '{"destination": "US",
                            "pieces": [{"weight_kg": 5, "length_cm": 30.48, "width_cm": 30.48, "height_cm": 30.48}]}',
                '2026-03-02');
-- Additional handling: a 55 lb piece (over 50 lb) and a 20 lb piece of
-- 49 x 10 x 10 in (a side over 48 in): 2 x 18.00 = 36.00.  Chargeable:
-- actual 75 lb, volume 4900 in3 / 139 = 35.25 lb: 75 lb x 1.10 = 82.50.
-- Total 118.50.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('GND-US', '{"destination": "US",
                            "pieces": [{"weight_lb": 55},
                                       {"weight_lb": 20, "length_in": 49, "width_in": 10, "height_in": 10}]}',
                '2026-03-02');

-- ---------------------------------------------------------------------------
-- LCL, weight/measure: 1 m3 = 1000 kg, at least 1 revenue ton, rounded up
-- to 0.01 RT; per-RT surcharges (one with a minimum); bill of lading and
-- documentation fees; a gold tier with 3% off freight and surcharges.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('LCL-HAM-FXT', 1, 'sell', 'EUR', '[2026-01-01,)', $$
{"chargeable": {"basis": "revenue_ton", "kg_per_m3": 1000, "minimum": 1, "step": 0.01},
 "zones": [{"zone": "UK", "countries": ["GB"]}],
 "freight": {"code": "OFR", "description": "Ocean freight LCL Hamburg-Felixstowe",
             "zones": {"UK": {"per_rt": 48, "minimum": 60}}},
 "surcharges": [{"code": "BAF", "description": "Bunker", "per_rt": 9.50},
                {"code": "CFS", "description": "Container freight station", "per_rt": 12, "minimum": 25}],
 "fees": [{"code": "BL", "description": "Bill of lading", "per_shipment": 45},
          {"code": "DOC", "description": "Documentation", "per_shipment": 20}],
 "tiers": {"gold": [{"percent": 3, "of": ["freight", "surcharges"]}]}}
$$);

-- 1830 kg in 4.25 m3: 1.83 t against 4.25 m3, 4.25 RT.  Freight 4.25 x 48
-- = 204.00; bunker 4.25 x 9.50 = 40.375, a tie, half-even to 40.38; CFS
-- 4.25 x 12 = 51.00; B/L 45.00, documentation 20.00.  Total 360.38.  Gold:
-- 3% of (204.00 + 40.38 + 51.00) = 3% of 295.38 = 8.8614 -> -8.86: 351.52.
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('LCL-HAM-FXT', '{"destination": "GB", "weight_kg": 1830, "volume_m3": 4.25}', '2026-03-02');
SELECT cbl.rate_total('LCL-HAM-FXT', '{"destination": "GB", "weight_kg": 1830, "volume_m3": 4.25, "tier": "gold"}',
                      '2026-03-02');
-- The freight line across shipments:
--   2600 kg, 1.2 m3: 2.6 t is more: 2.6 RT x 48 = 124.80
--   300 kg, 0.4 m3: less than 1 RT: 1 RT x 48 = 48.00, below 60: minimum 60.00
--   1234 kg, 1.2345 m3: 1.2345 RT -> 1.24 RT x 48 = 59.52: minimum 60.00
--   two pieces of 450 kg, 120 x 100 x 80 cm: 1.92 m3 against 0.9 t: 1.92 RT = 92.16
SELECT s.label, r.basis, r.quantity, r.unit_price, r.amount
  FROM (VALUES (1, '2600 kg, 1.2 m3', '{"destination": "GB", "weight_kg": 2600, "volume_m3": 1.2}'::jsonb),
               (2, '300 kg, 0.4 m3', '{"destination": "GB", "weight_kg": 300, "volume_m3": 0.4}'),
               (3, '1234 kg, 1.2345 m3', '{"destination": "GB", "weight_kg": 1234, "volume_m3": 1.2345}'),
               (4, '2 pieces', '{"destination": "GB", "pieces": [{"weight_kg": 450, "length_cm": 120, "width_cm": 100,
                                                                   "height_cm": 80, "count": 2}]}')) AS s(n, label, doc),
       cbl.rate('LCL-HAM-FXT', s.doc, '2026-03-02') AS r
 WHERE r.code = 'OFR'
 ORDER BY s.n;
-- The helper, for comparison (exact: no step).
SELECT cbl.revenue_tons(1234, 1.2345);

-- ---------------------------------------------------------------------------
-- FCL: a price per container type; terminal handling per container, a
-- reefer surcharge on reefers only; bunker as a percentage of the ocean
-- freight; B/L, customs declaration and per-customs-line fees.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('FCL-HAM-SHA', 1, 'sell', 'USD', '[2026-01-01,)', $$
{"chargeable": {"basis": "container"},
 "zones": [{"zone": "CN", "countries": ["CN"], "origins": ["DE"]}],
 "freight": {"code": "OFR", "description": "Ocean freight Hamburg-Shanghai",
             "zones": {"CN": {"containers": {"20GP": 950, "40GP": 1700, "40HC": 1750, "45HC": 2100,
                                             "20RF": 2600, "40RF": 3900}}}},
 "surcharges": [{"code": "THC", "description": "Terminal handling", "per_container": 210},
                {"code": "RFS", "description": "Reefer", "per_container": 150, "types": ["20RF", "40RF"]},
                {"code": "BAF", "description": "Bunker", "percent": 22, "of": ["OFR"]}],
 "fees": [{"code": "BL", "description": "Bill of lading", "per_shipment": 45},
          {"code": "CUS", "description": "Customs declaration", "per_shipment": 35},
          {"code": "CUL", "description": "Customs line", "per_customs_line": 3}]}
$$);

-- Two 40HC and one 20RF, 12 customs lines:
--   OFR 20RF 1 x 2600.00 = 2600.00, 40HC 2 x 1750.00 = 3500.00
--   THC 3 containers x 210 = 630.00; RFS the one reefer: 150.00
--   BAF 22% of (2600.00 + 3500.00) = 1342.00
--   B/L 45.00, customs 35.00, 12 lines x 3.00 = 36.00
--   total 8338.00
SELECT code, basis, quantity, unit_price, amount
  FROM cbl.rate('FCL-HAM-SHA', '{"origin": "DE", "destination": "CN", "containers": {"40HC": 2, "20RF": 1},
                                 "customs_lines": 12}', '2026-03-02');
SELECT cbl.rate_total('FCL-HAM-SHA', '{"origin": "DE", "destination": "CN", "containers": {"40HC": 2, "20RF": 1},
                                       "customs_lines": 12}', '2026-03-02');
-- A type the card does not price, and a shipment without containers.
SELECT cbl.rate_total('FCL-HAM-SHA', '{"origin": "DE", "destination": "CN", "containers": {"20TK": 1}}', '2026-03-02');
SELECT cbl.rate_total('FCL-HAM-SHA', '{"origin": "DE", "destination": "CN", "weight_kg": 8000}', '2026-03-02');

-- ---------------------------------------------------------------------------
-- Zones from destination and origin countries and postcode prefixes.  The
-- most specific entry wins: the longest destination postcode prefix, then
-- the longest origin postcode prefix, then an entry naming origins, then
-- the earlier entry.  Postcodes compare in upper case, without spaces or
-- hyphens.  Each zone has its own flat price, to tell them apart.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('ZONES', 1, 'sell', 'EUR', '[2026-01-01,)', $$
{"zones": [
   {"zone": "GB-LONDON", "countries": ["GB"], "postcodes": ["EC", "WC", "SW1A"]},
   {"zone": "GB-HIGHLANDS", "countries": ["GB"], "postcodes": ["IV", "HS", "ZE"]},
   {"zone": "GB-SW", "countries": ["GB"], "postcodes": ["SW"]},
   {"zone": "GB", "countries": ["GB"]},
   {"zone": "US-FROM-CN", "countries": ["US"], "origins": ["CN", "HK"]},
   {"zone": "US-WEST-FROM-SHENZHEN", "countries": ["US"], "postcodes": ["9"],
    "origins": ["CN"], "origin_postcodes": ["518"]},
   {"zone": "US", "countries": ["US"]},
   {"zone": "EU", "countries": ["DE", "FR", "IT", "ES"]}],
 "freight": {"zones": {
   "GB-LONDON": {"rates": [{"up_to": 100, "price": 10}]},
   "GB-HIGHLANDS": {"rates": [{"up_to": 100, "price": 30}]},
   "GB-SW": {"rates": [{"up_to": 100, "price": 12}]},
   "GB": {"rates": [{"up_to": 100, "price": 15}]},
   "US-FROM-CN": {"rates": [{"up_to": 100, "price": 40}]},
   "US-WEST-FROM-SHENZHEN": {"rates": [{"up_to": 100, "price": 35}]},
   "US": {"rates": [{"up_to": 100, "price": 50}]},
   "EU": {"rates": [{"up_to": 100, "price": 20}]}}}}
$$);

--   GB SW1A 1AA        London (SW1A beats SW)                 10.00
--   GB sw19 5af        south-west (SW; SW1A does not match)    12.00
--   GB IV2 3XX         Highlands                              30.00
--   GB M1 1AE          GB                                     15.00
--   GB, no postcode    GB                                     15.00
--   US 94107 from CN 518057   west coast from Shenzhen        35.00
--   US 94107 from CN 200000   from China                      40.00
--   US 10001 from CN          from China                      40.00
--   US 10001 from DE          US                              50.00
--   US 10001, no origin       US                              50.00
--   FR                        EU                              20.00
SELECT s.label, cbl.rate_total('ZONES', s.doc, '2026-03-02') AS freight
  FROM (VALUES
    (1, 'GB SW1A 1AA', '{"destination": "GB", "postcode": "SW1A 1AA", "weight_kg": 1}'::jsonb),
    (2, 'GB sw19 5af', '{"destination": "GB", "postcode": "sw19 5af", "weight_kg": 1}'),
    (3, 'GB IV2 3XX', '{"destination": "GB", "postcode": "IV2 3XX", "weight_kg": 1}'),
    (4, 'GB M1 1AE', '{"destination": "GB", "postcode": "M1 1AE", "weight_kg": 1}'),
    (5, 'GB', '{"destination": "GB", "weight_kg": 1}'),
    (6, 'US 94107 from CN 518057', '{"destination": "US", "postcode": "94107", "origin": "CN",
                                     "origin_postcode": "518057", "weight_kg": 1}'),
    (7, 'US 94107 from CN 200000', '{"destination": "US", "postcode": "94107", "origin": "CN",
                                     "origin_postcode": "200000", "weight_kg": 1}'),
    (8, 'US 10001 from CN', '{"destination": "US", "postcode": "10001", "origin": "CN", "weight_kg": 1}'),
    (9, 'US 10001 from DE', '{"destination": "US", "postcode": "10001", "origin": "DE", "weight_kg": 1}'),
    (10, 'US 10001', '{"destination": "US", "postcode": "10001", "weight_kg": 1}'),
    (11, 'FR', '{"destination": "FR", "weight_kg": 1}')) AS s(n, label, doc)
 ORDER BY s.n;
-- Japan is in no zone.
SELECT cbl.rate_total('ZONES', '{"destination": "JP", "postcode": "100-0001", "origin": "CN", "weight_kg": 1}',
                      '2026-03-02');

-- ---------------------------------------------------------------------------
-- Rounding: every line to the currency's minor unit with the card's mode,
-- half-even unless the card says otherwise; the total is the sum of the
-- rounded lines.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
SELECT 'ROUND-' || m.name, 1, 'sell', m.currency, '[2026-01-01,)',
       jsonb_build_object('rounding', m.mode) || $${
         "zones": [{"zone": "ALL", "countries": ["*"]}],
         "freight": {"zones": {"ALL": {"rates": [{"up_to": 100, "per_kg": 2.45}]}}},
         "surcharges": [{"code": "FSC", "percent": 12.5, "of": ["FRT"]}]}$$::jsonb
  FROM (VALUES ('HALF-EVEN', 'half_even', 'EUR'), ('HALF-UP', 'half_up', 'EUR'),
               ('DOWN', 'down', 'EUR'), ('UP', 'up', 'EUR')) AS m(name, mode, currency);
-- 12.5 kg x 2.45 = 30.625:
--   half_even 30.62 (2 is even), fuel 12.5% of 30.62 = 3.8275 -> 3.83: 34.45
--   half_up   30.63,             fuel 12.5% of 30.63 = 3.82875 -> 3.83: 34.46
--   down      30.62,             fuel 3.8275 -> 3.82: 34.44
--   up        30.63,             fuel 3.82875 -> 3.83: 34.46
SELECT c.code AS card, r.code, r.amount
  FROM (VALUES ('ROUND-HALF-EVEN'), ('ROUND-HALF-UP'), ('ROUND-DOWN'), ('ROUND-UP')) AS c(code),
       cbl.rate(c.code, '{"destination": "DE", "weight_kg": 12.5}', '2026-03-02') AS r
 ORDER BY 1, 2 DESC;
SELECT c.code AS card, cbl.rate_total(c.code, '{"destination": "DE", "weight_kg": 12.5}', '2026-03-02') AS total
  FROM (VALUES ('ROUND-HALF-EVEN'), ('ROUND-HALF-UP'), ('ROUND-DOWN'), ('ROUND-UP')) AS c(code)
 ORDER BY 1;

-- Other minor units: yen has none, the Kuwaiti dinar three.
--   JPY: 12.5 x 245 = 3062.5 -> 3062 (half-even); fuel 12.5% of 3062 =
--        382.75 -> 383; total 3445 JPY
--   KWD: 12.5 x 0.745 = 9.3125 -> 9.312 (half-even, 2 is even); fuel 12.5%
--        of 9.312 = 1.164; total 10.476 KWD
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('ROUND-JPY', 1, 'sell', 'JPY', '[2026-01-01,)', $$
{"zones": [{"zone": "ALL", "countries": ["*"]}],
 "freight": {"zones": {"ALL": {"rates": [{"up_to": 100, "per_kg": 245}]}}},
 "surcharges": [{"code": "FSC", "percent": 12.5, "of": ["FRT"]}]}
$$), ('ROUND-KWD', 1, 'sell', 'KWD', '[2026-01-01,)', $$
{"zones": [{"zone": "ALL", "countries": ["*"]}],
 "freight": {"zones": {"ALL": {"rates": [{"up_to": 100, "per_kg": 0.745}]}}},
 "surcharges": [{"code": "FSC", "percent": 12.5, "of": ["FRT"]}]}
$$);
SELECT c.code AS card, r.code, r.amount
  FROM (VALUES ('ROUND-JPY'), ('ROUND-KWD')) AS c(code),
       cbl.rate(c.code, '{"destination": "DE", "weight_kg": 12.5}', '2026-03-02') AS r
 ORDER BY 1, 2 DESC;
SELECT cbl.rate_total('ROUND-JPY', '{"destination": "DE", "weight_kg": 12.5}', '2026-03-02') AS jpy,
       cbl.rate_total('ROUND-KWD', '{"destination": "DE", "weight_kg": 12.5}', '2026-03-02') AS kwd;

-- The total is the sum of the rounded lines, not the rounded sum: three
-- lines of 0.125 each round (half-even) to 0.12, so the total is 0.36,
-- where rounding 0.375 would give 0.38.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('ROUND-SUM', 1, 'sell', 'EUR', '[2026-01-01,)', $$
{"zones": [{"zone": "ALL", "countries": ["*"]}],
 "freight": {"zones": {"ALL": {"rates": [{"up_to": 100, "price": 0.125}]}}},
 "surcharges": [{"code": "S1", "per_shipment": 0.125}, {"code": "S2", "per_shipment": 0.125}]}
$$);
SELECT code, amount FROM cbl.rate('ROUND-SUM', '{"destination": "DE", "weight_kg": 1}', '2026-03-02');
SELECT cbl.rate_total('ROUND-SUM', '{"destination": "DE", "weight_kg": 1}', '2026-03-02');

-- ---------------------------------------------------------------------------
-- Conditions: a surcharge only on dates (a peak season), with flags, for
-- zones, or (not) in a remote area; percentages of earlier lines.
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('CONDITIONS', 1, 'sell', 'EUR', '[2026-01-01,)', $$
{"zones": [{"zone": "A", "countries": ["DE"]}, {"zone": "B", "countries": ["AT"]}],
 "remote_areas": [{"countries": ["DE"], "postcodes": ["18565"]}],
 "freight": {"zones": {"A": {"rates": [{"up_to": 100, "price": 100}]},
                       "B": {"rates": [{"up_to": 100, "price": 200}]}}},
 "surcharges": [
   {"code": "PEAK", "per_shipment": 10, "when": {"from": "2026-11-15", "to": "2026-12-31"}},
   {"code": "FROM", "per_shipment": 1, "when": {"from": "2026-12-24"}},
   {"code": "UNTIL", "per_shipment": 2, "when": {"to": "2026-01-31"}},
   {"code": "DG-LITHIUM", "per_shipment": 50, "when": {"flags": ["dangerous_goods", "lithium"]}},
   {"code": "REMOTE", "per_shipment": 20, "when": {"remote": true}},
   {"code": "NOT-REMOTE", "per_shipment": 3, "when": {"remote": false, "zones": ["A"]}},
   {"code": "ZONE-B", "per_shipment": 7, "when": {"zones": ["B"]}},
   {"code": "PCT", "percent": 50, "of": ["REMOTE", "ZONE-B"]}]}
$$);
-- Which surcharges apply (freight 100 in zone A, 200 in zone B):
--   DE 2026-03-02, plain:                 NOT-REMOTE 3                      = 103
--   DE 2026-11-15, first peak day:        PEAK 10, NOT-REMOTE 3             = 113
--   DE 2026-12-31, last peak day:         PEAK 10, FROM 1, NOT-REMOTE 3     = 114
--   DE 2027-01-01, after the peak:        FROM 1, NOT-REMOTE 3              = 104
--   DE 2026-01-31, both flags:            UNTIL 2, DG-LITHIUM 50, NOT-REMOTE 3 = 155
--   DE 2026-03-02, one flag only:         NOT-REMOTE 3                      = 103
--   DE 18565 2026-03-02:                  REMOTE 20, PCT 50% of 20 = 10     = 130
--   AT 2026-03-02:                        ZONE-B 7, PCT 50% of 7 = 3.50     = 210.50
SELECT s.label, (SELECT string_agg(r.code || ' ' || r.amount, ', ')
                   FROM cbl.rate('CONDITIONS', s.doc, s.day) r) AS lines,
       cbl.rate_total('CONDITIONS', s.doc, s.day) AS total
  FROM (VALUES
    (1, 'plain', '{"destination": "DE", "weight_kg": 1}'::jsonb, date '2026-03-02'),
    (2, 'first peak day', '{"destination": "DE", "weight_kg": 1}', '2026-11-15'),
    (3, 'last peak day', '{"destination": "DE", "weight_kg": 1}', '2026-12-31'),
    (4, 'after the peak', '{"destination": "DE", "weight_kg": 1}', '2027-01-01'),
    (5, 'both flags', '{"destination": "DE", "weight_kg": 1, "flags": ["lithium", "dangerous_goods"]}', '2026-01-31'),
    (6, 'one flag', '{"destination": "DE", "weight_kg": 1, "flags": ["dangerous_goods"]}', '2026-03-02'),
    (7, 'remote', '{"destination": "DE", "postcode": "18565", "weight_kg": 1}', '2026-03-02'),
    (8, 'zone B', '{"destination": "AT", "weight_kg": 1}', '2026-03-02')) AS s(n, label, doc, day)
 ORDER BY s.n;

-- Clean up.
DELETE FROM cbl.rate_card
 WHERE code IN ('AIR-FRA-NRT', 'EXP-PER-PIECE', 'EXP-PER-CONSIGNMENT', 'GND-US', 'LCL-HAM-FXT',
                'FCL-HAM-SHA', 'ZONES', 'ROUND-HALF-EVEN', 'ROUND-HALF-UP', 'ROUND-DOWN', 'ROUND-UP',
                'ROUND-JPY', 'ROUND-KWD', 'ROUND-SUM', 'CONDITIONS');
