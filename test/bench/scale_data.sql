-- cbl scale benchmark: the fixed data and the generator
-- (test/bench/scale.sh runs it once, before the first size; not timed).
-- psql variables:
--   month_size  shipments per month: the first size (BENCH_SCALE_SIZES)
--   batch       elements per ingest batch (BENCH_SCALE_BATCH, 10 000)
--   samples     shipments looked up at each size (BENCH_SCALE_SAMPLES, 200)
--
-- Everything is integer arithmetic on generate_series: the same every run.
-- Nothing here is stored per event: each batch of the stream is computed
-- when it is needed (bench_scale.batch), so the generator needs no disk and
-- its time (kept apart, in bench_scale.ingest_batch.gen_ms) is not counted.
--
-- Shipments.  Shipment g (1, 2, ...) has reference S000000001 ... and a
-- tracking number T0000000001 ...; it belongs to month (g - 1) / month_size
-- from January 2024 (each month holds month_size shipments, so every size is
-- a whole number of months and each step adds whole months) and is booked
-- at i * 20 days / month_size into its month (i = (g - 1) % month_size), so
-- its events all fall in that month.  70 % (g % 10 < 7) are express_parcel
-- with carrier SCALE-DHL, 30 % postal with carrier SCALE-POST; one of 500
-- customers (70 % billing in EUR, 30 % in USD); one of five lanes; a weight
-- of 0.5 to 25 kg in cbl.shipment_rating_input.  They are inserted set-based
-- into the tables cbl.create_shipment and cbl.set_rating_input write.
--
-- Events.  10 per shipment: the milestones below, the delivery also as an
-- estimate (EST) early on; the carrier names the shipment by its tracking
-- number, the customs broker (source scale-broker) by its reference.  5 %
-- of the elements are sent twice (element (i * 10 + j) % 20 = 7), the copy
-- three hours later: about 10.5 elements per shipment.
--
-- Arrival order.  An element arrives in slot i + lag, where lag is its
-- offset from the booking in units of the booking interval (20 days /
-- month_size): the order of a live feed, in which a batch holds events of
-- nearly as many different shipments as elements, mostly one event each.  Batch
-- b of a month holds the elements of slots b * S .. (b + 1) * S - 1, with
-- S = batch / 10.5 slots.
--
-- Billing.  Two triggers per framework (cbl.billing_trigger, docs/billing.md):
-- at PICKED_UP (express) or ORIGIN_RECEIVED (postal), bill_sell_card (the
-- general sell card SCALE-SELL: FRT and FSC) and accrue_buy_card (the
-- carrier's buy card: FRT, FSC, SSC).  So cbl.ingest_events accrues 5
-- charges per shipment in the ingest transaction.  All cards are in EUR, so
-- cbl.charge stays in one currency and autovacuum can analyze it (see
-- docs/performance.md, Settlement); USD customers' statements convert at the
-- daily EUR/USD rates loaded here.

SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE SCHEMA bench_scale;
CREATE EXTENSION IF NOT EXISTS pg_prewarm;

CREATE TABLE bench_scale.config AS
SELECT (:month_size)::bigint AS month_size, (:batch)::integer AS batch_size,
       greatest(1, round((:batch)::numeric / 10.5))::bigint AS slots_per_batch,
       (:samples)::integer AS samples, DATE '2024-01-01' AS first_month, :'billing'::text AS billing;

-- The steps of each framework: j (0 .. 9), milestone, classifier, source,
-- offset from the booking in minutes, and whether the event names the
-- shipment by its reference (broker) or its tracking number (carrier).
CREATE TABLE bench_scale.step (
  framework text NOT NULL, j integer NOT NULL, milestone text NOT NULL, classifier text NOT NULL,
  source text NOT NULL, offset_min integer NOT NULL, at_origin boolean NOT NULL,
  PRIMARY KEY (framework, j)
);
INSERT INTO bench_scale.step VALUES
  ('express_parcel', 0, 'BOOKED',           'ACT', 'scale-dhl',    0,    true),
  ('express_parcel', 1, 'PICKED_UP',        'ACT', 'scale-dhl',    240,  true),
  ('express_parcel', 2, 'ORIGIN_RECEIVED',  'ACT', 'scale-dhl',    480,  true),
  ('express_parcel', 3, 'EXPORT_CLEARED',   'ACT', 'scale-broker', 900,  true),
  ('express_parcel', 4, 'DEPARTED',         'ACT', 'scale-dhl',    1440, true),
  ('express_parcel', 5, 'DELIVERED',        'EST', 'scale-dhl',    1500, false),
  ('express_parcel', 6, 'ARRIVED',          'ACT', 'scale-dhl',    2880, false),
  ('express_parcel', 7, 'IMPORT_CLEARED',   'ACT', 'scale-broker', 3600, false),
  ('express_parcel', 8, 'OUT_FOR_DELIVERY', 'ACT', 'scale-dhl',    4800, false),
  ('express_parcel', 9, 'DELIVERED',        'ACT', 'scale-dhl',    5400, false),
  ('postal', 0, 'BOOKED',            'ACT', 'scale-post',   0,    true),
  ('postal', 1, 'ORIGIN_RECEIVED',   'ACT', 'scale-post',   360,  true),
  ('postal', 2, 'EXPORT_CLEARED',    'ACT', 'scale-broker', 1440, true),
  ('postal', 3, 'ORIGIN_DISPATCHED', 'ACT', 'scale-post',   2160, true),
  ('postal', 4, 'DELIVERED',         'EST', 'scale-post',   2200, false),
  ('postal', 5, 'ARRIVED',           'ACT', 'scale-post',   5760, false),
  ('postal', 6, 'IMPORT_DECLARED',   'ACT', 'scale-broker', 6000, false),
  ('postal', 7, 'IMPORT_CLEARED',    'ACT', 'scale-broker', 7200, false),
  ('postal', 8, 'OUT_FOR_DELIVERY',  'ACT', 'scale-post',   8640, false),
  ('postal', 9, 'DELIVERED',         'ACT', 'scale-post',   9360, false);
-- The estimate of the delivery is sent at its offset but names the time the
-- delivery is expected (the ACT offset, plus a day).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM bench_scale.step s
              WHERE NOT EXISTS (SELECT 1 FROM cbl.framework_step fs
                                 WHERE fs.framework = s.framework AND fs.milestone = s.milestone)) THEN
    RAISE EXCEPTION 'a milestone of test/bench/scale_data.sql is not a step of its framework';
  END IF;
END $$;

-- The arrival lanes of the stream: one per step and one per step's copies.
-- lag in slots (booking intervals); the copies three hours later.
CREATE TABLE bench_scale.lane AS
SELECT s.framework, s.j, d.dup,
       (s.offset_min * 60 + CASE WHEN d.dup THEN 10800 ELSE 0 END)::bigint * c.month_size / 1728000 AS lag
  FROM bench_scale.step s CROSS JOIN (VALUES (false), (true)) d(dup) CROSS JOIN bench_scale.config c;

CREATE TABLE bench_scale.route (n integer PRIMARY KEY, origin text, origin_loc text,
                                destination text, destination_loc text);
INSERT INTO bench_scale.route VALUES
  (0, 'CN', 'CNSZX', 'DE', 'DEFRA'), (1, 'CN', 'CNSHA', 'US', 'USLAX'),
  (2, 'HK', 'HKHKG', 'GB', 'GBLHR'), (3, 'VN', 'VNSGN', 'NL', 'NLAMS'),
  (4, 'CN', 'CNCAN', 'FR', 'FRCDG');

-- Parties, cards, triggers, rates.
INSERT INTO cbl.party (kind, code, name, billing_currency)
SELECT 'customer', 'SCALE-C' || lpad(c::text, 3, '0'), 'Scale customer ' || c,
       CASE WHEN c % 10 < 7 THEN 'EUR' ELSE 'USD' END
  FROM generate_series(1, 500) c;
INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES
  ('carrier', 'SCALE-DHL', 'Scale express carrier', 'EUR'),
  ('carrier', 'SCALE-POST', 'Scale postal operator', 'EUR');
CREATE TABLE bench_scale.customer AS
SELECT row_number() OVER (ORDER BY id)::integer - 1 AS n, id FROM cbl.party WHERE code LIKE 'SCALE-C%';
ALTER TABLE bench_scale.customer ADD PRIMARY KEY (n);

INSERT INTO cbl.rate_card (code, version, kind, owner_id, currency, validity, definition)
SELECT c.code, 1, c.kind, cbl.party_id('carrier', c.owner), 'EUR', '[2020-01-01,)', c.def::jsonb
  FROM (VALUES
    ('SCALE-SELL', 'sell', NULL, $${"chargeable": {"divisor": 5000, "step": 0.5},
 "zones": [{"zone": "EU", "countries": ["DE", "GB", "NL", "FR"]}, {"zone": "US", "countries": ["US"]}],
 "freight": {"zones": {"EU": {"rates": [{"up_to": 2, "price": 18.00}, {"up_to": 30, "per_kg": 4.10}]},
                       "US": {"rates": [{"up_to": 70, "per_kg": 7.90}], "minimum": 45}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "percent": 14.5, "of": ["FRT"]}]}$$),
    ('SCALE-DHL-BUY', 'buy', 'SCALE-DHL', $${"chargeable": {"divisor": 5000, "step": 0.5},
 "zones": [{"zone": "EU", "countries": ["DE", "GB", "NL", "FR"]}, {"zone": "US", "countries": ["US"]}],
 "freight": {"zones": {"EU": {"rates": [{"up_to": 2, "price": 11.00}, {"up_to": 30, "per_kg": 2.20}]},
                       "US": {"rates": [{"up_to": 70, "per_kg": 5.10}], "minimum": 30}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "percent": 12, "of": ["FRT"]},
                {"code": "SSC", "description": "Security", "per_shipment": 1.50}]}$$),
    ('SCALE-POST-BUY', 'buy', 'SCALE-POST', $${"chargeable": {"divisor": 6000, "step": 0.5},
 "zones": [{"zone": "EU", "countries": ["DE", "GB", "NL", "FR"]}, {"zone": "US", "countries": ["US"]}],
 "freight": {"zones": {"EU": {"rates": [{"up_to": 30, "per_kg": 1.60}], "minimum": 6},
                       "US": {"rates": [{"up_to": 30, "per_kg": 3.20}], "minimum": 12}}},
 "surcharges": [{"code": "FSC", "description": "Fuel", "percent": 8, "of": ["FRT"]},
                {"code": "SSC", "description": "Security", "per_shipment": 0.40}]}$$)
  ) c(code, kind, owner, def);

-- BENCH_SCALE_BILLING=bulk: no triggers; bench_scale.bulk_charges writes
-- the same five charges per shipment set-based after each month's ingest.
INSERT INTO cbl.billing_trigger (framework, milestone, action, card)
SELECT * FROM (VALUES
  ('express_parcel', 'PICKED_UP', 'bill_sell_card', 'SCALE-SELL'),
  ('express_parcel', 'PICKED_UP', 'accrue_buy_card', NULL),
  ('postal', 'ORIGIN_RECEIVED', 'bill_sell_card', 'SCALE-SELL'),
  ('postal', 'ORIGIN_RECEIVED', 'accrue_buy_card', NULL)) t
 WHERE :'billing' = 'triggers';

INSERT INTO cbl.fx_rate (base, quote, valid_on, rate, source)
SELECT 'EUR', 'USD', d::date, 1.05 + ((extract(doy FROM d)::integer * 37) % 100) / 10000.0, 'bench'
  FROM generate_series(DATE '2023-12-01', DATE '2026-11-01', interval '1 day') d;

-- Reporting in EUR, the charges' currency: v_kpi_monthly then converts
-- nothing.  Converting to another currency costs, per charge, the lateral
-- look-up in cbl.fx_rate_span of v_charge over every rate of the pair (with
-- cbl.get_setting() evaluated per rate row): minutes for ten thousand
-- charges with three years of daily rates (docs/performance.md, Scale).
-- scale.sh measures that path apart, on 100 shipments' charges (kpi_fx).
DO $$ BEGIN PERFORM cbl.set_setting('reporting_currency', 'EUR'); END $$;

-- add_shipments(g0, g1): shipments g0 + 1 .. g1, as cbl.create_shipment(ref,
-- framework, customer, carrier, origin, destination, refs => tracking) and
-- cbl.set_rating_input(ref, weight) write them, set-based; each with an id
-- of its month (cbl.shipment_id(month, n), as a shipment made in that month
-- gets), which cbl.v_kpi_monthly counts it in.
CREATE FUNCTION bench_scale.add_shipments(g0 bigint, g1 bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  WITH s AS (
    INSERT INTO cbl.shipment (id, reference, framework, customer_id, carrier_id, origin_country, destination_country)
    SELECT cbl.shipment_id((c.first_month + make_interval(months => ((g - 1) / c.month_size)::integer))::date,
                           nextval('cbl.shipment_id_seq')),
           'S' || lpad(g::text, 9, '0'),
           CASE WHEN g % 10 < 7 THEN 'express_parcel' ELSE 'postal' END,
           cu.id,
           CASE WHEN g % 10 < 7 THEN cbl.party_id('carrier', 'SCALE-DHL') ELSE cbl.party_id('carrier', 'SCALE-POST') END,
           r.origin, r.destination
      FROM bench_scale.config c
     CROSS JOIN generate_series(g0 + 1, g1) g
      JOIN bench_scale.route r ON r.n = g % 5
      JOIN bench_scale.customer cu ON cu.n = (g * 7) % 500
     ORDER BY g
    RETURNING id, reference
  ), ri AS (
    INSERT INTO cbl.shipment_rating_input (shipment_id, rating)
    SELECT s.id, jsonb_build_object('weight_kg', 0.5 + (substr(s.reference, 2)::bigint % 50) / 2.0) FROM s
  ), r AS (
    INSERT INTO cbl.shipment_reference (shipment_id, kind, value)
    SELECT s.id, k.kind, CASE k.kind WHEN 'reference' THEN s.reference ELSE 'T0' || substr(s.reference, 2) END
      FROM s CROSS JOIN (VALUES ('reference'), ('tracking')) k(kind)
    RETURNING shipment_id, kind, value
  )
  INSERT INTO cbl.reference_lookup (kind, value, shipment_id)
  SELECT kind, value, shipment_id FROM r;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n / 2;
END
$$;

-- bulk_charges(m, i0, i1) (BENCH_SCALE_BILLING=bulk): the five charges of
-- month m's shipments i0 .. i1 - 1 as the billing triggers would write them
-- (receivable FRT and FSC to the customer, payable FRT, FSC and SSC to the
-- carrier, accrued at the pickup, origin rated, with card and trigger key),
-- in one INSERT ... SELECT; the amounts follow the weight by a formula
-- instead of the rate card.
CREATE FUNCTION bench_scale.bulk_charges(m integer, i0 bigint, i1 bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin,
                          rate_card, rate_card_version, step, trigger_key)
  SELECT s.id, CASE WHEN f.dir = 'receivable' THEN s.customer_id ELSE s.carrier_id END,
         f.dir, f.fee, cbl.amount(round(f.base + f.per_kg * (0.5 + (g % 50) / 2.0), 2), 'EUR'),
         c.first_month + make_interval(months => m)
           + make_interval(secs => (g - 1 - m * c.month_size) * 1728000 / c.month_size
                                   + st.offset_min * 60 + (g * 13 + st.j) % 1800),
         'rated',
         CASE WHEN f.dir = 'receivable' THEN 'SCALE-SELL'
              WHEN s.framework = 'express_parcel' THEN 'SCALE-DHL-BUY' ELSE 'SCALE-POST-BUY' END, 1,
         st.milestone,
         st.milestone || ':' || CASE WHEN f.dir = 'receivable' THEN 'bill_sell_card' ELSE 'accrue_buy_card' END || ':' || f.fee
    FROM bench_scale.config c
    CROSS JOIN generate_series(m * c.month_size + i0 + 1, m * c.month_size + i1) g
    JOIN cbl.reference_lookup l ON l.kind = 'reference' AND l.value = 'S' || lpad(g::text, 9, '0')
    JOIN cbl.shipment s ON s.id = l.shipment_id
    JOIN bench_scale.step st ON st.framework = s.framework AND st.j = 1
    CROSS JOIN (VALUES (1, 'receivable', 'FRT', 10.00, 4.10), (2, 'receivable', 'FSC', 1.45, 0.59),
                       (3, 'payable', 'FRT', 6.00, 2.20), (4, 'payable', 'FSC', 0.72, 0.26),
                       (5, 'payable', 'SSC', 1.50, 0)) f(n, dir, fee, base, per_kg)
   ORDER BY g, f.n;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- The elements of batch b of month m (0 = January 2024) whose shipments
-- are i0 .. i1 - 1 of the month, as a JSON array, and their count.
CREATE FUNCTION bench_scale.batch(m integer, i0 bigint, i1 bigint, b bigint,
                                  OUT doc text, OUT elements integer)
LANGUAGE sql STABLE AS $$
  WITH c AS (SELECT * FROM bench_scale.config),
  e AS (
    SELECT l.framework, l.j, l.dup, i, m * c.month_size + i + 1 AS g,
           c.first_month + make_interval(months => m) AS month_start, c.month_size
      FROM c CROSS JOIN bench_scale.lane l
      CROSS JOIN LATERAL generate_series(greatest(i0, b * c.slots_per_batch - l.lag),
                                         least(i1 - 1, (b + 1) * c.slots_per_batch - 1 - l.lag)) i
     WHERE (CASE WHEN (m * c.month_size + i + 1) % 10 < 7 THEN 'express_parcel' ELSE 'postal' END) = l.framework
       AND (NOT l.dup OR (i * 10 + l.j) % 20 = 7)
  )
  SELECT '[' || string_agg(format('{"source":"%s","event_id":"E%s-%s","shipment":"%s","milestone":"%s","classifier":"%s","occurred_at":"%s","location":"%s"}',
                                  st.source, e.g, e.j,
                                  CASE WHEN st.source = 'scale-broker' THEN 'S' || lpad(e.g::text, 9, '0')
                                       ELSE 'T' || lpad(e.g::text, 10, '0') END,
                                  st.milestone, st.classifier,
                                  to_char(e.month_start
                                            + make_interval(secs => e.i * 1728000 / e.month_size
                                                                    + (st.offset_min + CASE WHEN st.classifier = 'EST' THEN 1440 + 5400 - st.offset_min ELSE 0 END) * 60
                                                                    + (e.g * 13 + e.j) % 1800),
                                          'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                  CASE WHEN st.at_origin THEN r.origin_loc ELSE r.destination_loc END),
                           ',' ORDER BY e.i, e.j, e.dup) || ']',
         count(*)::integer
    FROM e
    JOIN bench_scale.step st ON st.framework = e.framework AND st.j = e.j
    JOIN bench_scale.route r ON r.n = e.g % 5
$$;

-- What each size step did and how long it took.
CREATE TABLE bench_scale.step_size (
  step integer PRIMARY KEY, size bigint NOT NULL, g0 bigint NOT NULL,
  load_before text, load_after text, started_at timestamptz, ended_at timestamptz
);
CREATE TABLE bench_scale.ingest_batch (
  step integer NOT NULL, month integer NOT NULL, batch bigint NOT NULL,
  elements integer NOT NULL, gen_ms float8 NOT NULL, t0 timestamptz NOT NULL, t1 timestamptz NOT NULL,
  result cbl.ingest_result,
  PRIMARY KEY (month, batch)
);
CREATE TABLE bench_scale.timing (
  step integer NOT NULL, what text NOT NULL, detail text NOT NULL DEFAULT '',
  rows bigint NOT NULL, seconds float8 NOT NULL,
  PRIMARY KEY (step, what, detail)
);
-- cache: 'cold' (measured right after settlement, each form on its own
-- shipments) or 'cached' (after bench_scale.prewarm, other shipments again)
CREATE TABLE bench_scale.lookup (
  step integer NOT NULL, cache text NOT NULL, query text NOT NULL, k integer NOT NULL, g bigint NOT NULL,
  ms float8 NOT NULL, planning_ms float8, hit bigint, read bigint, indexes text[],
  PRIMARY KEY (step, cache, query, k)
);
CREATE TABLE bench_scale.prewarm (
  step integer PRIMARY KEY, relations integer NOT NULL, bytes bigint NOT NULL, seconds float8 NOT NULL,
  mode text NOT NULL
);
CREATE TABLE bench_scale.plan (
  step integer NOT NULL, query text NOT NULL, plan text NOT NULL, PRIMARY KEY (step, query)
);
CREATE TABLE bench_scale.index_use (
  step integer NOT NULL, phase text NOT NULL, relname text NOT NULL, indexrelname text NOT NULL,
  idx_scan bigint NOT NULL, size_bytes bigint NOT NULL,
  PRIMARY KEY (step, phase, relname, indexrelname)
);
CREATE TABLE bench_scale.table_size (
  step integer NOT NULL, relname text NOT NULL, rows bigint, heap_bytes bigint, index_bytes bigint,
  PRIMARY KEY (step, relname)
);

-- ingest(step, m, i0, i1): every batch of month m's shipments i0 .. i1 - 1
-- through cbl.ingest_events, one transaction per batch.  The batch is
-- generated first; only the ingest call and its commit are timed.
CREATE PROCEDURE bench_scale.ingest(step integer, m integer, i0 bigint, i1 bigint)
LANGUAGE plpgsql AS $$
DECLARE
  c bench_scale.config;
  b bigint;
  g0 timestamptz;
  t0 timestamptz;
  d text;
  n integer;
  r cbl.ingest_result;
BEGIN
  SELECT * INTO c FROM bench_scale.config;
  FOR b IN i0 / c.slots_per_batch .. (i1 - 1 + (SELECT max(lag) FROM bench_scale.lane)) / c.slots_per_batch LOOP
    g0 := clock_timestamp();
    SELECT x.doc, x.elements INTO d, n FROM bench_scale.batch(m, i0, i1, b) x;
    CONTINUE WHEN n = 0;
    t0 := clock_timestamp();
    r := cbl.ingest_events(d);
    COMMIT;
    INSERT INTO bench_scale.ingest_batch VALUES
      (step, m, b, n, extract(epoch FROM t0 - g0) * 1000, t0, clock_timestamp(), r);
    COMMIT;
  END LOOP;
END
$$;

-- prewarm(): reads the status look-ups' hot set into memory with
-- pg_prewarm, as a machine whose RAM holds it would have it: into shared
-- buffers ('buffer') if it fits in nine tenths of them
-- (BENCH_SCALE_SHARED_BUFFERS), else into the page cache ('read': through
-- the kernel, a look-up then copies its blocks from there).  The hot set is
-- what the four plans read: cbl.shipment, its state and exceptions with
-- their indexes and the state's TOAST, the reference look-up's value index
-- (its scans are index-only), and every event partition's primary key
-- (cbl.event_sources reads only that).  Returns the relations, the bytes
-- of one pass and the mode.
CREATE FUNCTION bench_scale.prewarm(OUT relations integer, OUT bytes bigint, OUT mode text)
LANGUAGE plpgsql AS $$
DECLARE
  rels oid[];
  rel oid;
  blocks bigint := 0;
BEGIN
  rels := ARRAY(
    WITH t AS (
      SELECT c.oid, c.reltoastrelid, coalesce(p.relname, c.relname) AS root
        FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
       WHERE c.relnamespace = 'cbl'::regnamespace AND c.relkind = 'r'
    )
    SELECT t.oid FROM t WHERE t.root IN ('shipment', 'shipment_state', 'exception')
    UNION ALL
    SELECT t.reltoastrelid FROM t WHERE t.root IN ('shipment', 'shipment_state', 'exception') AND t.reltoastrelid <> 0
    UNION ALL
    SELECT x.indexrelid FROM t JOIN pg_index x ON x.indrelid = t.oid
     WHERE t.root IN ('shipment', 'shipment_state', 'exception') OR (t.root = 'event' AND x.indisprimary)
        OR x.indexrelid = 'cbl.reference_lookup_value_idx'::regclass);
  SELECT CASE WHEN sum(pg_relation_size(x)) <= 0.9 * pg_size_bytes(current_setting('shared_buffers'))
              THEN 'buffer' ELSE 'read' END
    INTO mode FROM unnest(rels) x;
  FOREACH rel IN ARRAY rels LOOP
    blocks := blocks + pg_prewarm(rel, mode);
  END LOOP;
  -- Into shared buffers twice: a page loaded early in the first pass may be
  -- evicted by the clock sweep while the rest comes in (the buffers are full
  -- of the month's charges); the second pass loads it again and raises every
  -- hot page's usage count, as a look-up a moment before would.
  IF mode = 'buffer' THEN
    FOREACH rel IN ARRAY rels LOOP
      PERFORM pg_prewarm(rel, mode);
    END LOOP;
  END IF;
  relations := cardinality(rels);
  bytes := blocks * current_setting('block_size')::bigint;
END
$$;

-- lookups(step, size): EXPLAIN (ANALYZE, BUFFERS) of the four forms of a
-- status look-up for `samples` shipments drawn from 1 .. size (a fixed
-- permutation, so every size samples the whole table, old shipments and
-- new), one warm-up on another shipment first, in two passes.  'cold':
-- right after settlement has streamed the charges through the caches, the
-- database as it is.  'cached': after prewarm().  Every form and pass
-- draws its own shipments, so that no form finds in the buffers the pages
-- an earlier one read for the same shipment (before, all four forms looked
-- up the same shipments in turn, and the later forms found the shipment
-- and its state read by the first).  Keeps each execution time, the
-- buffers and the indexes in the plan; the text plan of the first cold
-- sample.
CREATE PROCEDURE bench_scale.lookups(step integer, size bigint)
LANGUAGE plpgsql AS $$
DECLARE
  q record;
  k integer;
  g bigint;
  sql text;
  p jsonb;
  line record;
  t text;
  cache text;
  t0 timestamptz;
  w record;
BEGIN
  FOREACH cache IN ARRAY ARRAY['cold', 'cached'] LOOP
    IF cache = 'cached' THEN
      t0 := clock_timestamp();
      w := bench_scale.prewarm();
      INSERT INTO bench_scale.prewarm VALUES (step, w.relations, w.bytes, extract(epoch FROM clock_timestamp() - t0), w.mode);
    END IF;
    FOR q IN SELECT * FROM (VALUES
        (1, '1 status by reference', 'SELECT * FROM cbl.v_shipment_status WHERE reference = %L', 'S'),
        (2, '2 status by tracking no, cbl.find_shipment', 'SELECT * FROM cbl.v_shipment_status WHERE shipment_id = cbl.find_shipment(%L)', 'T'),
        (3, '3 status by tracking no, reference_lookup', 'SELECT * FROM cbl.v_shipment_status WHERE shipment_id = (SELECT l.shipment_id FROM cbl.reference_lookup l WHERE l.kind = ''tracking'' AND l.value = %L)', 'T'),
        (4, '4 timeline by tracking no, reference_lookup', 'SELECT * FROM cbl.v_timeline WHERE shipment_id = (SELECT l.shipment_id FROM cbl.reference_lookup l WHERE l.kind = ''tracking'' AND l.value = %L)', 'T')
      ) v(n, name, fmt, kind) ORDER BY n
    LOOP
      FOR k IN 0 .. (SELECT samples FROM bench_scale.config) LOOP
        -- k = 0 is the warm-up; each (step, pass, form) its own shipments
        g := ((k::bigint + 10007 * (q.n + CASE cache WHEN 'cold' THEN 0 ELSE 4 END) + step * 1000003) * 2654435761) % size + 1;
        sql := format(q.fmt, CASE q.kind WHEN 'S' THEN 'S' || lpad(g::text, 9, '0') ELSE 'T' || lpad(g::text, 10, '0') END);
        EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || sql INTO p;
        CONTINUE WHEN k = 0;
        INSERT INTO bench_scale.lookup VALUES
          (step, cache, q.name, k, g, (p -> 0 ->> 'Execution Time')::float8, (p -> 0 ->> 'Planning Time')::float8,
           (p -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint, (p -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint,
           ARRAY(SELECT DISTINCT x #>> '{}' FROM jsonb_path_query(p, 'strict $.**."Index Name"') x ORDER BY 1));
        IF k = 1 AND cache = 'cold' THEN
          sql := 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ' || sql;
          t := '';
          FOR line IN EXECUTE sql LOOP
            t := t || line."QUERY PLAN" || E'\n';
          END LOOP;
          INSERT INTO bench_scale.plan VALUES (step, q.name, sql || E'\n' || t);
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;
END
$$;

-- measure(step, what, detail, rows, sql, setup, teardown): EXPLAIN (ANALYZE,
-- BUFFERS) of sql, once, after setup and before teardown (both may be
-- NULL); keeps the plan and its execution time.  The caller sets
-- statement_timeout (BENCH_SCALE_QUERY_LIMIT): a query cancelled by it is
-- recorded with the limit as its time and detail 'timeout', and its
-- setup is rolled back with it.
CREATE FUNCTION bench_scale.measure(step integer, what text, detail text, nrows bigint, sql text,
                                    setup text DEFAULT NULL, teardown text DEFAULT NULL) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
  line record;
  t text := '';
  ms float8;
BEGIN
  BEGIN
    IF setup IS NOT NULL THEN EXECUTE setup; END IF;
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ' || sql LOOP
      t := t || line."QUERY PLAN" || E'\n';
      IF line."QUERY PLAN" LIKE 'Execution Time: %' THEN
        ms := substring(line."QUERY PLAN" FROM 'Execution Time: ([0-9.]+) ms')::float8;
      END IF;
    END LOOP;
    IF teardown IS NOT NULL THEN EXECUTE teardown; END IF;
  EXCEPTION WHEN query_canceled THEN
    ms := extract(epoch FROM current_setting('statement_timeout')::interval) * 1000;
    INSERT INTO bench_scale.timing VALUES (step, what, 'timeout', nrows, ms / 1000);
    INSERT INTO bench_scale.plan VALUES (step, what, sql || E'\n(cancelled at statement_timeout)');
    RETURN ms;
  END;
  INSERT INTO bench_scale.timing VALUES (step, what, detail, nrows, ms / 1000);
  INSERT INTO bench_scale.plan VALUES (step, what, sql || E'\n' || t);
  RETURN ms;
END
$$;

-- snapshot(step, phase): index scans so far (the report takes differences
-- between phases) and sizes.  Run from a fresh session after the phase's
-- session has ended, so its statistics are flushed.
CREATE PROCEDURE bench_scale.snapshot(step integer, phase text)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_stat_clear_snapshot();
  INSERT INTO bench_scale.index_use
  SELECT step, phase, i.relname, i.indexrelname, i.idx_scan, pg_relation_size(i.indexrelid)
    FROM pg_stat_user_indexes i WHERE i.schemaname = 'cbl';
END
$$;

ANALYZE;
