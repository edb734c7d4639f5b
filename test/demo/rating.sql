-- cbl demo, rating section: the express sell card of docs/rate-cards.md,
-- then every parcel of the day priced with it, line by line for one.

\echo
\echo '=== 14. Rating: an express sell card (zones, bands, fuel and remote-area surcharges, fees, tiers)'
SET timezone = 'UTC';
-- The card (test/fixtures/rate_card_exp_de.sql) is loaded by demo.sh just before.

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
