-- cbl load test (test/t/011_load.pl): the data the pgbench clients work on,
-- and the helpers their scripts call.  psql variables:
--   shipments  shipments the ingest clients send events for
--   customers  customers they belong to
--
-- Everything here is integer arithmetic on generate_series: the same every
-- run.  What the clients send is random (pgbench's random() and SQL's
-- random()), and every element they send is logged, in the transaction that
-- sends it, in ld.sent; every result row of cbl.ingest_events in ld.result.
-- The checks afterwards (in the TAP script) compare cbl's tables with those
-- logs and with recomputations.
--
-- Money: customers LD-C001 ... bill in EUR (i % 3 = 0), USD (i % 3 = 1), or
-- without a billing currency (i % 3 = 2: a statement per currency of their
-- charges); the carrier LD-CARRIER bills in USD.  Express parcels from DE to
-- FR or US.  Billing triggers on the shipped framework express_parcel:
-- PICKED_UP bills the customer's sell card and accrues the carrier's buy
-- card, DELIVERED bills the sell card again (a delivery fee, in effect).
-- The sell card has a version per week, so that a re-sent PICKED_UP or
-- DELIVERED whose time moves into another week re-rates the shipment (an
-- adjustment charge).  Every shipment has a rating input, so every fired
-- step accrues (no billing problem).  Cards in EUR: USD statements convert
-- at daily EUR/USD rates.

SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS cbl;
CREATE SCHEMA ld;

CREATE TABLE ld.size AS
SELECT (:shipments)::integer AS shipments, (:customers)::integer AS customers;

SELECT count(cbl.set_fx_rate('EUR', 'USD', d::date, 1.05 + ((extract(doy FROM d)::integer * 37) % 100) / 10000.0))
  FROM generate_series(DATE '2024-12-01', DATE '2025-12-31', interval '1 day') d;

INSERT INTO cbl.party (kind, code, name, country, billing_currency, sell_card)
SELECT 'customer', 'LD-C' || lpad(i::text, 3, '0'), 'Load customer ' || i, 'DE',
       CASE i % 3 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' END, 'LD-SELL'
  FROM generate_series(1, :customers) i;
INSERT INTO cbl.party (kind, code, name, country, billing_currency)
VALUES ('carrier', 'LD-CARRIER', 'Load carrier', 'DE', 'USD');

-- The sell card is a weekly tariff: a version per week from 1 January 2025
-- (the last one open-ended), prices a little different each week.
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, definition)
SELECT 'LD-SELL', k, 'sell', NULL, 'EUR',
       daterange(DATE '2025-01-01' + 7 * (k - 1), CASE WHEN k < 40 THEN DATE '2025-01-01' + 7 * k END),
       jsonb_build_object(
         'chargeable', jsonb_build_object('divisor', 5000, 'step', 0.5),
         'zones', '[{"zone": "EU", "countries": ["FR"]}, {"zone": "US", "countries": ["US"]}]'::jsonb,
         'freight', jsonb_build_object('zones', jsonb_build_object(
           'EU', jsonb_build_object('rates', jsonb_build_array(
                   jsonb_build_object('up_to', 2, 'price', 24.00 + k % 5),
                   jsonb_build_object('up_to', 30, 'per_kg', 4.10 + (k % 7) / 20.0))),
           'US', jsonb_build_object('rates', jsonb_build_array(
                   jsonb_build_object('up_to', 70, 'per_kg', 9.80 + (k % 3) / 10.0)), 'minimum', 55))),
         'surcharges', jsonb_build_array(jsonb_build_object('code', 'FSC', 'description', 'Fuel',
                                                            'percent', 14.5 + (k % 4) / 4.0, 'of', '["FRT"]'::jsonb)))
  FROM generate_series(1, 40) k;
INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, definition) VALUES
('LD-BUY', 1, 'buy', (SELECT id FROM cbl.party WHERE code = 'LD-CARRIER'), 'EUR', '[2025-01-01,)', $$
{"chargeable": {"divisor": 5000, "step": 0.5},
 "zones": [{"zone": "EU", "countries": ["FR"]}, {"zone": "US", "countries": ["US"]}],
 "freight": {"zones": {"EU": {"rates": [{"up_to": 2, "price": 11.00}, {"up_to": 30, "per_kg": 2.20}]},
                       "US": {"rates": [{"up_to": 70, "per_kg": 5.10}], "minimum": 30}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "percent": 12, "of": ["FRT"]},
                {"code": "SSC", "description": "Security", "per_shipment": 1.50}]}
$$);
INSERT INTO cbl.billing_trigger (framework, milestone, action) VALUES
  ('express_parcel', 'PICKED_UP', 'bill_sell_card'),
  ('express_parcel', 'PICKED_UP', 'accrue_buy_card'),
  ('express_parcel', 'DELIVERED', 'bill_sell_card');

-- A second source that reports departures and arrivals too, trusted more.
INSERT INTO cbl.source (code, name, priority) VALUES ('ld-hub', 'Load test hub scanner', 150);

SELECT count(cbl.create_shipment('LD-S' || lpad(s::text, 5, '0'), 'express_parcel',
                                 'LD-C' || lpad(((s - 1) % :customers + 1)::text, 3, '0'), 'LD-CARRIER',
                                 NULL, 'DE', CASE WHEN s % 2 = 0 THEN 'FR' ELSE 'US' END,
                                 jsonb_build_object('tracking', 'LDT' || lpad(s::text, 8, '0'))))
  FROM generate_series(1, :shipments) s;
SELECT count(cbl.set_rating_input('LD-S' || lpad(s::text, 5, '0'),
                                  jsonb_build_object('weight_kg', 0.5 + (s * 7) % 40 / 2.0)))
  FROM generate_series(1, :shipments) s;

-- The reports a shipment gets: the 7 required steps of express_parcel from
-- source ld-carrier, departure and arrival again from ld-hub.  Shipment s is
-- booked at a time spread over January to August 2025; a step happens
-- `hours` after booking.  Variant v (0, 1, 2) of a report is the same event
-- (source, event_id) issued v hours later with its time moved by 31 v
-- hours: a changed re-send, an update when it comes after a lower variant,
-- a conflict when it comes after a higher one.
CREATE TABLE ld.step (j integer PRIMARY KEY, source text NOT NULL, milestone text NOT NULL, hours integer NOT NULL);
INSERT INTO ld.step VALUES
  (1, 'ld-carrier', 'BOOKED', 0), (2, 'ld-carrier', 'PICKED_UP', 6), (3, 'ld-carrier', 'EXPORT_CLEARED', 18),
  (4, 'ld-carrier', 'DEPARTED', 30), (5, 'ld-carrier', 'ARRIVED', 48), (6, 'ld-carrier', 'IMPORT_CLEARED', 60),
  (7, 'ld-carrier', 'DELIVERED', 80), (8, 'ld-hub', 'DEPARTED', 31), (9, 'ld-hub', 'ARRIVED', 47);

CREATE FUNCTION ld.booked(s integer) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
$$ SELECT timestamptz '2025-01-01 00:00+00' + ((s::bigint * 7919) % (240 * 24 * 60)) * interval '1 minute' $$;

-- What was sent (committed transactions only: logged in the same one).
CREATE UNLOGGED TABLE ld.sent (
  n          bigserial PRIMARY KEY,
  client     integer NOT NULL,
  format     text NOT NULL,
  source     text NOT NULL,
  event_id   text NOT NULL,
  shipment   integer NOT NULL,
  step       integer NOT NULL,
  variant    integer NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNLOGGED TABLE ld.result (
  n         bigserial PRIMARY KEY,
  client    integer NOT NULL,
  format    text NOT NULL,
  elements  integer NOT NULL,
  accepted  bigint, duplicate bigint, updated bigint, conflict bigint, retracted bigint, rejected bigint,
  pending   bigint
);

-- One ingest transaction of client `client`: `width` consecutive shipments
-- from `first` (wrapping around), `per` random reports of each (step and
-- variant: v0 70 %, v1 20 %, v2 10 %), one in five transactions with an
-- element sent twice, in random order (so times come out of order).  The
-- carrier's reports (steps 1-7) go as canonical JSON text through
-- cbl.ingest_events(text), naming the shipment by its reference or its
-- tracking number; the hub's (steps 8, 9) as a DCSA 3.0 message through
-- cbl.ingest_events('dcsa', message, 'ld-hub').  An event is only ever sent
-- in one format, so a re-send is a duplicate, an update or a conflict,
-- never a different encoding of the same thing.  (Two ingest calls in one
-- transaction may deadlock with another client's: docs/errors.md,
-- "Concurrent clients".  pgbench retries that, and the load test allows it.)
CREATE FUNCTION ld.ingest(client integer, first integer, width integer, per integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  total integer := (SELECT shipments FROM ld.size);
  r cbl.ingest_result;
  batch text;
  k integer;
BEGIN
  IF to_regclass('pg_temp.ld_pick') IS NULL THEN
    CREATE TEMP TABLE ld_pick (shipment integer, step integer, variant integer, o float8) ON COMMIT DELETE ROWS;
  END IF;
  INSERT INTO ld_pick
  SELECT x.s, 1 + floor(random() * 9)::integer,
         CASE WHEN y.u < 0.7 THEN 0 WHEN y.u < 0.9 THEN 1 ELSE 2 END, random()
    FROM (SELECT (first - 1 + i) % total + 1 AS s FROM generate_series(0, width - 1) i) x
   CROSS JOIN LATERAL (SELECT g, random() + x.s * 0 AS u FROM generate_series(1, per) g) y;
  IF random() < 0.2 THEN   -- a deliberate duplicate inside the batch
    INSERT INTO ld_pick SELECT shipment, step, variant, random() FROM ld_pick LIMIT 1;
  END IF;

  SELECT '[' || string_agg(json_build_object(
           'source', st.source, 'event_id', 'LD-S' || lpad(p.shipment::text, 5, '0') || '-' || st.j,
           'shipment', CASE WHEN p.shipment % 3 = 0 THEN 'LDT' || lpad(p.shipment::text, 8, '0')
                            ELSE 'LD-S' || lpad(p.shipment::text, 5, '0') END,
           'milestone', st.milestone, 'classifier', 'ACT',
           'occurred_at', to_char((ld.booked(p.shipment) + (st.hours + 31 * p.variant) * interval '1 hour')
                                    AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'updated_at', to_char((ld.booked(p.shipment) + (st.hours + 1 + p.variant) * interval '1 hour')
                                   AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text, ', ' ORDER BY p.o) || ']',
         count(*)
    INTO batch, k
    FROM ld_pick p JOIN ld.step st ON st.j = p.step
   WHERE st.source = 'ld-carrier';
  IF k > 0 THEN
    r := cbl.ingest_events(batch);
    INSERT INTO ld.result (client, format, elements, accepted, duplicate, updated, conflict, retracted, rejected, pending)
    VALUES (client, 'cbl', k, r.accepted, r.duplicate, r.updated, r.conflict, r.retracted, r.rejected, r.pending);
  END IF;

  SELECT json_build_object('events', json_agg(json_build_object(
           'eventID', 'LD-S' || lpad(p.shipment::text, 5, '0') || '-' || st.j,
           'eventDateTime', to_char((ld.booked(p.shipment) + (st.hours + 31 * p.variant) * interval '1 hour')
                                      AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'eventUpdatedDateTime', to_char((ld.booked(p.shipment) + (st.hours + 1 + p.variant) * interval '1 hour')
                                             AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'eventClassification', json_build_object(
             'eventTypeCode', 'TRANSPORT', 'eventClassifierCode', 'ACT',
             'transportEventTypeCode', CASE st.milestone WHEN 'DEPARTED' THEN 'DEPA' ELSE 'ARRI' END),
           'shipmentDetails', json_build_object(
             'documentReference', json_build_object('typeCode', 'BKG',
                                                    'reference', 'LD-S' || lpad(p.shipment::text, 5, '0'))))
           ORDER BY p.o))::text,
         count(*)
    INTO batch, k
    FROM ld_pick p JOIN ld.step st ON st.j = p.step
   WHERE st.source = 'ld-hub';
  IF k > 0 THEN
    r := cbl.ingest_events('dcsa', batch, 'ld-hub');
    INSERT INTO ld.result (client, format, elements, accepted, duplicate, updated, conflict, retracted, rejected, pending)
    VALUES (client, 'dcsa', k, r.accepted, r.duplicate, r.updated, r.conflict, r.retracted, r.rejected, r.pending);
  END IF;

  INSERT INTO ld.sent (client, format, source, event_id, shipment, step, variant, updated_at)
  SELECT client, CASE st.source WHEN 'ld-hub' THEN 'dcsa' ELSE 'cbl' END, st.source,
         'LD-S' || lpad(p.shipment::text, 5, '0') || '-' || st.j, p.shipment, st.j, p.variant,
         ld.booked(p.shipment) + (st.hours + 1 + p.variant) * interval '1 hour'
    FROM ld_pick p JOIN ld.step st ON st.j = p.step;
END $$;

-- The settling client: the earliest month of 2025 not closed yet (December
-- once all are: settling a closed month again returns its statements, and
-- its monthly run has nothing to do), and the id of customer i (the carrier
-- for 0).
CREATE FUNCTION ld.open_month(all_closed date DEFAULT '2025-12-01') RETURNS date LANGUAGE sql STABLE AS $$
  SELECT coalesce(min(m)::date, all_closed)
    FROM generate_series(DATE '2025-01-01', DATE '2025-12-01', interval '1 month') m
   WHERE NOT EXISTS (SELECT 1 FROM cbl.period p WHERE p.period_start = m AND p.status = 'closed')
$$;
CREATE FUNCTION ld.party(i integer) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT id FROM cbl.party
   WHERE code = CASE WHEN i = 0 THEN 'LD-CARRIER' ELSE 'LD-C' || lpad(i::text, 3, '0') END
$$;
-- The ids of shipments first .. first + n - 1 (wrapping around).
CREATE FUNCTION ld.shipment_ids(first integer, n integer) RETURNS bigint[] LANGUAGE sql STABLE AS $$
  SELECT array_agg(s.id)
    FROM generate_series(0, n - 1) i
    JOIN cbl.shipment s ON s.reference = 'LD-S' || lpad(((first - 1 + i) % (SELECT shipments FROM ld.size) + 1)::text, 5, '0')
$$;
