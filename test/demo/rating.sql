-- cbl demo, rating section: the express sell card of docs/rate-cards.md,
-- then every parcel of the day priced with it, line by line for one.

\echo
\echo '=== 14. Rating: an express sell card (zones, bands, fuel and remote-area surcharges, fees, tiers)'
SET timezone = 'UTC';
INSERT INTO cbl.rate_card (code, version, kind, currency, validity, description, definition)
VALUES ('EXP-DE', 1, 'sell', 'EUR', '[2026-01-01,2027-01-01)', 'Express export from Germany', $$
{
  "chargeable": {"divisor": 5000, "step": 0.5},
  "zones": [
    {"zone": "1", "countries": ["DE"]},
    {"zone": "2", "countries": ["FR", "NL", "BE", "AT"]},
    {"zone": "3", "countries": ["US", "CA"]},
    {"zone": "4", "countries": ["*"]}
  ],
  "remote_areas": [
    {"countries": ["DE"], "postcodes": ["18565", "25938"]},
    {"countries": ["US"], "postcodes": ["995", "996"]}
  ],
  "freight": {
    "code": "FRT", "description": "Express transport",
    "zones": {
      "1": {"rates": [{"up_to": 0.5, "price": 9.90}, {"up_to": 2, "price": 13.90},
                      {"up_to": 5, "price": 19.50}, {"up_to": 10, "price": 27.00},
                      {"up_to": 30, "per_kg": 2.45}, {"up_to": 70, "per_kg": 2.10}],
            "additional": {"every": 0.5, "price": 1.20}},
      "2": {"rates": [{"up_to": 2, "price": 24.00}, {"up_to": 30, "per_kg": 4.10}]},
      "3": {"rates": [{"up_to": 2, "price": 48.00}, {"up_to": 70, "per_kg": 9.80},
                      {"up_to": 300, "per_kg": 9.10}], "minimum": 55},
      "4": {"rates": [{"up_to": 2, "price": 65.00}, {"up_to": 1000, "per_kg": 11.90}]}
    }
  },
  "surcharges": [
    {"code": "RAS", "description": "Remote area", "per_kg": 0.45, "minimum": 22,
     "when": {"remote": true}},
    {"code": "OWP", "description": "Overweight or oversize piece", "per_piece": 60,
     "over_kg": 70, "over_cm": 120},
    {"code": "PSS", "description": "Peak season", "per_kg": 0.30, "maximum": 150,
     "when": {"from": "2026-11-15", "to": "2026-12-31"}},
    {"code": "FSC", "description": "Fuel", "percent": 14.5, "of": ["FRT", "RAS"]},
    {"code": "DGR", "description": "Dangerous goods", "per_shipment": 95,
     "when": {"flags": ["dangerous_goods"]}},
    {"code": "RES", "description": "Residential delivery", "per_shipment": 5.50,
     "when": {"flags": ["residential"], "zones": ["3"]}}
  ],
  "fees": [
    {"code": "CUS", "description": "Customs declaration", "per_shipment": 25,
     "when": {"zones": ["3", "4"]}},
    {"code": "CUL", "description": "Customs line", "per_customs_line": 2.00,
     "when": {"zones": ["3", "4"]}}
  ],
  "tiers": {
    "silver": [{"percent": 5, "of": ["freight"]}],
    "gold": [{"percent": 10, "of": ["freight"]},
             {"code": "DFSC", "description": "Fuel discount", "percent": 10, "of": ["FSC"]}]
  }
}
$$);

\echo 'Every line of one parcel: two pieces to Anchorage (remote), residential, dangerous goods, gold customer:'
SELECT code, description, basis, quantity, unit_price, amount
  FROM cbl.rate('EXP-DE', '{"destination": "US", "postcode": "99501",
                            "pieces": [{"weight_kg": 75, "length_cm": 80, "width_cm": 60, "height_cm": 50},
                                       {"weight_kg": 3, "length_cm": 130, "width_cm": 20, "height_cm": 20}],
                            "flags": ["residential", "dangerous_goods"],
                            "customs_lines": 4, "tier": "gold"}',
                '2026-12-01');

\echo 'The day''s express parcels from Germany, priced (revenue per parcel, exact to the cent):'
SELECT p.parcel, p.doc->>'destination' AS dest, p.doc->>'tier' AS tier,
       cbl.rate_total('EXP-DE', p.doc, '2026-03-10') AS price
  FROM (VALUES
    ('P-01', '{"destination": "DE", "weight_kg": 1.2}'::jsonb),
    ('P-02', '{"destination": "FR", "pieces": [{"weight_kg": 4, "length_cm": 40, "width_cm": 30, "height_cm": 30}]}'),
    ('P-03', '{"destination": "US", "postcode": "10001", "weight_kg": 12.3, "customs_lines": 2, "tier": "silver"}'),
    ('P-04', '{"destination": "CA", "weight_kg": 31, "flags": ["residential"], "customs_lines": 1, "tier": "gold"}'),
    ('P-05', '{"destination": "JP", "weight_kg": 2.5, "customs_lines": 3}'),
    ('P-06', '{"destination": "NL", "weight_kg": 0.4, "flags": ["dangerous_goods"]}')) AS p(parcel, doc)
 ORDER BY p.parcel;
