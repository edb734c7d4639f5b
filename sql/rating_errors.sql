-- Rating: every kind of invalid rate card definition, each refused with the
-- JSON path of what is wrong.  cbl.rate_card_problem() runs the same
-- compiler as the trigger on cbl.rate_card (rating.sql shows the trigger
-- refusing an INSERT and an UPDATE) and returns the message, or NULL.
SET search_path = "$user", public, cbl;

-- A valid card to start from; each case below changes one thing in it.
CREATE TEMP TABLE base AS SELECT $$
{"chargeable": {"divisor": 5000},
 "zones": [{"zone": "A", "countries": ["DE", "FR"], "postcodes": ["1"]},
           {"zone": "B", "countries": ["*"]}],
 "remote_areas": [{"countries": ["DE"], "postcodes": ["18565"]}],
 "freight": {"zones": {"A": {"rates": [{"up_to": 1, "price": 5}, {"up_to": 30, "per_kg": 2}],
                             "additional": {"every": 1, "price": 1.5}},
                       "B": {"minimum": 20, "air": {"normal": 4.5, "breaks": [{"from": 45, "per_kg": 3.6}]}}}},
 "surcharges": [{"code": "RAS", "per_kg": 0.4, "minimum": 20, "when": {"remote": true}},
                {"code": "FSC", "percent": 12.5, "of": ["FRT", "RAS"]}],
 "fees": [{"code": "CUS", "per_shipment": 25}],
 "tiers": {"gold": [{"percent": 10, "of": ["freight"]}]}}
$$::jsonb AS b;

SELECT cbl.rate_card_problem(b) IS NULL AS base_is_valid FROM base;

SELECT n, cbl.rate_card_problem(d) AS problem
  FROM base, LATERAL (VALUES
    -- the whole definition
    (1, '[]'::jsonb),
    (2, '"a card"'),
    (3, b || '{"surchages": []}'),
    (4, b - 'zones'),
    (5, b - 'freight'),
    (6, b || '{"rounding": "bankers"}'),
    (7, b || '{"description": 12}'),
    -- chargeable
    (10, b || '{"chargeable": {"basis": "volume"}}'),
    (11, b || '{"chargeable": {"unit": "g"}}'),
    (12, b || '{"chargeable": {"divisor": 0}}'),
    (13, b || '{"chargeable": {"divisor": 1.25e7}}'),
    (14, b || '{"chargeable": {"step": 0}}'),
    (15, b || '{"chargeable": {"per": "pallet"}}'),
    (16, b || '{"chargeable": {"dimensions": "round"}}'),
    (17, b || '{"chargeable": {"divisor": "5000"}}'),
    (18, b || '{"chargeable": {"basis": "revenue_ton", "divisor": 5000}}'),
    (19, b || '{"chargeable": {"basis": "container", "step": 1}}'),
    (20, b || '{"chargeable": []}'),
    -- zones
    (30, b || '{"zones": []}'),
    (31, b || '{"zones": {"A": ["DE"]}}'),
    (32, jsonb_set(b, '{zones,0}', '{"countries": ["DE"]}')),
    (33, jsonb_set(b, '{zones,0,zone}', '""')),
    (34, jsonb_set(b, '{zones,0,zone}', '7')),
    (35, jsonb_set(b, '{zones,0,countries,1}', '"XX"')),
    (36, jsonb_set(b, '{zones,0,countries,1}', '"fr"')),
    (37, jsonb_set(b, '{zones,0,countries}', '[]')),
    (38, jsonb_set(b, '{zones,0,countries,1}', '"*"')),
    (39, jsonb_set(b, '{zones,0,countries,1}', '276')),
    (40, jsonb_set(b, '{zones,0,postcodes,0}', '10')),
    (41, jsonb_set(b, '{zones,0,postcodes,0}', '"75@"')),
    (42, jsonb_set(b, '{zones,0,postcodes,0}', '"--"')),
    (43, jsonb_set(b, '{zones,0,postcodes,0}', '"ABCDEFGHIJK"')),
    (44, jsonb_set(b, '{zones,0,origins}', '["*"]')),
    (45, jsonb_set(b, '{zones,0,origins}', '["CN", "ZZ"]')),
    (46, jsonb_set(b, '{zones,0,region}', '"EU"')),
    (47, jsonb_set(b, '{remote_areas,0,zone}', '"A"')),
    (48, jsonb_set(b, '{remote_areas,0,countries}', '["*"]')),
    -- freight
    (50, jsonb_set(b, '{freight,zones,C}', '{"rates": [{"up_to": 1, "price": 5}]}')),
    (51, b #- '{freight,zones,B}'),
    (52, jsonb_set(b, '{freight,zones,A,air}', '{"normal": 4}')),
    (53, b #- '{freight,zones,A,rates}'),
    (54, jsonb_set(b, '{freight,zones,A,rates,1,up_to}', '1')),
    (55, jsonb_set(b, '{freight,zones,A,rates,1,price}', '60')),
    (56, b #- '{freight,zones,A,rates,1,per_kg}'),
    (57, jsonb_set(b, '{freight,zones,A,rates,1}', '{"up_to": 30, "per_lb": 1}')),
    (58, jsonb_set(b, '{freight,zones,A,rates,0,up_to}', '0')),
    (59, jsonb_set(b, '{freight,zones,A,rates,0,price}', '-5')),
    (60, jsonb_set(b, '{freight,zones,A,rates,0,price}', '5.0000001')),
    (61, jsonb_set(b, '{freight,zones,A,rates,0,price}', '"5.00"')),
    (62, jsonb_set(b, '{freight,zones,A,rates,0,price}', '2000000000')),
    (63, jsonb_set(b, '{freight,zones,A,rates}', '[]')),
    (64, jsonb_set(b, '{freight,zones,A,additional}', '{"price": 1.5}')),
    (65, jsonb_set(b, '{freight,zones,B,additional}', '{"every": 1, "price": 1.5}')),
    (66, b #- '{freight,zones,B,air,normal}'),
    (67, jsonb_set(b, '{freight,zones,B,air,breaks}', '[{"from": 100, "per_kg": 3}, {"from": 45, "per_kg": 3.6}]')),
    (68, jsonb_set(b, '{freight,zones,B,air,breaks,0}', '{"from": 45}')),
    (69, jsonb_set(b, '{freight,zones,B,containers}', '{"40HC": 1}')),
    (70, jsonb_set(b, '{freight,code}', '"frt"')),
    (71, jsonb_set(b, '{freight,zones}', '[]')),
    -- surcharges and fees
    (80, jsonb_set(b, '{surcharges,0}', '{"per_kg": 0.4}')),
    (81, jsonb_set(b, '{surcharges,0,code}', '"Remote"')),
    (82, jsonb_set(b, '{fees,0,code}', '"RAS"')),
    (83, jsonb_set(b, '{fees,0,code}', '"FRT"')),
    (84, jsonb_set(b, '{surcharges,0}', '{"code": "RAS", "minimum": 20}')),
    (85, jsonb_set(b, '{surcharges,0,per_shipment}', '5')),
    (86, jsonb_set(b, '{surcharges,1,of,1}', '"CUS"')),
    (87, jsonb_set(b, '{surcharges,1,of,1}', '"XYZ"')),
    (88, jsonb_set(b, '{surcharges,1,of}', '[]')),
    (89, jsonb_set(b, '{surcharges,0,of}', '["FRT"]')),
    (90, jsonb_set(b, '{surcharges,1,percent}', '1001')),
    (91, jsonb_set(b, '{surcharges,0}', '{"code": "RAS", "per_lb": 0.4}')),
    (92, jsonb_set(b, '{surcharges,0}', '{"code": "RAS", "per_rt": 10}')),
    (93, jsonb_set(b, '{surcharges,0}', '{"code": "OWP", "per_shipment": 60, "over_kg": 70}')),
    (94, jsonb_set(b, '{surcharges,0}', '{"code": "OWP", "per_piece": 60, "over_lb": 70}')),
    (95, jsonb_set(b, '{surcharges,0}', '{"code": "THC", "per_shipment": 60, "types": ["20GP"]}')),
    (96, jsonb_set(b, '{surcharges,0}', '{"code": "THC", "per_container": 60, "types": ["20XL"]}')),
    (97, jsonb_set(b, '{surcharges,0,maximum}', '10')),
    (98, jsonb_set(b, '{surcharges,0,when,season}', '"peak"')),
    (99, jsonb_set(b, '{surcharges,0,when}', '{"flags": ["Dangerous Goods"]}')),
    (100, jsonb_set(b - 'remote_areas', '{surcharges,0,when}', '{"remote": true}')),
    (101, jsonb_set(b, '{surcharges,0,when}', '{"remote": "yes"}')),
    (102, jsonb_set(b, '{surcharges,0,when}', '{"zones": ["C"]}')),
    (103, jsonb_set(b, '{surcharges,0,when}', '{"from": "2026-02-30"}')),
    (104, jsonb_set(b, '{surcharges,0,when}', '{"from": "2026-12-31", "to": "2026-11-15"}')),
    (105, jsonb_set(b, '{surcharges,0,when}', '{"from": "15.11.2026"}')),
    (106, jsonb_set(b, '{surcharges,0,description}', '""')),
    (107, b || '{"fees": {"CUS": 25}}'),
    -- tiers
    (110, b || '{"tiers": []}'),
    (111, jsonb_set(b, '{tiers,gold}', '[]')),
    (112, jsonb_set(b, '{tiers,gold,0,percent}', '0')),
    (113, jsonb_set(b, '{tiers,gold,0,percent}', '100.5')),
    (114, jsonb_set(b, '{tiers,gold,0,of}', '["everything"]')),
    (115, b #- '{tiers,gold,0,of}'),
    (116, jsonb_set(b, '{tiers,gold,0,code}', '"disc"')),
    (117, jsonb_set(b, '{tiers,gold,0,amount}', '5'))
  ) AS t(n, d)
 ORDER BY n;

-- Basis-specific parts: revenue-ton and container cards.
SELECT n, cbl.rate_card_problem(d) AS problem
  FROM (VALUES
    (1, '{"chargeable": {"basis": "revenue_ton"}, "zones": [{"zone": "UK", "countries": ["GB"]}],
          "freight": {"zones": {"UK": {"rates": [{"up_to": 1, "price": 5}]}}}}'::jsonb),
    (2, '{"chargeable": {"basis": "revenue_ton", "kg_per_m3": 0}, "zones": [{"zone": "UK", "countries": ["GB"]}],
          "freight": {"zones": {"UK": {"per_rt": 48}}}}'),
    (3, '{"chargeable": {"basis": "revenue_ton"}, "zones": [{"zone": "UK", "countries": ["GB"]}],
          "freight": {"zones": {"UK": {"per_rt": 48}}}, "surcharges": [{"code": "X", "per_kg": 1}]}'),
    (4, '{"chargeable": {"basis": "container"}, "zones": [{"zone": "CN", "countries": ["CN"]}],
          "freight": {"zones": {"CN": {"containers": {"40HC": 1750, "53HC": 2000}}}}}'),
    (5, '{"chargeable": {"basis": "container"}, "zones": [{"zone": "CN", "countries": ["CN"]}],
          "freight": {"zones": {"CN": {"containers": {}}}}}'),
    (6, '{"chargeable": {"basis": "container"}, "zones": [{"zone": "CN", "countries": ["CN"]}],
          "freight": {"zones": {"CN": {"containers": {"40HC": 1750}, "minimum": 1000}}}}'),
    (7, '{"chargeable": {"basis": "container"}, "zones": [{"zone": "CN", "countries": ["CN"]}],
          "freight": {"zones": {"CN": {"per_rt": 10}}}}'),
    (8, '{"chargeable": {"unit": "lb"}, "zones": [{"zone": "US", "countries": ["US"]}],
          "freight": {"zones": {"US": {"rates": [{"up_to": 10, "per_kg": 1}]}}}}'),
    (9, '{"chargeable": {"unit": "lb"}, "zones": [{"zone": "US", "countries": ["US"]}],
          "freight": {"zones": {"US": {"rates": [{"up_to": 10, "per_lb": 1}]}}},
          "surcharges": [{"code": "AHS", "per_piece": 18, "over_cm": 120}]}')
  ) AS t(n, d)
 ORDER BY n;

-- A definition stored while the check was off (a superuser can disable the
-- trigger) is refused when rated, never used.
ALTER TABLE cbl.rate_card DISABLE TRIGGER rate_card_check;
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, definition)
VALUES ('UNCHECKED', 1, 'sell', 'EUR', '[2026-01-01,)', '{"zones": []}');
ALTER TABLE cbl.rate_card ENABLE TRIGGER rate_card_check;
SELECT cbl.rate_total('UNCHECKED', '{"destination": "DE", "weight_kg": 1}', '2026-03-02');
DELETE FROM cbl.rate_card WHERE code = 'UNCHECKED';
DROP TABLE base;
