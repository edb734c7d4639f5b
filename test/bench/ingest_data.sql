-- cbl ingest benchmark: shipments, the event stream and its batch files
-- (test/bench/ingest.sh runs it once; not timed).  psql variables:
--   events   elements in the whole stream (BENCH_EVENTS, 1 000 000)
--   batch    elements per batch file (BENCH_BATCH, 10 000)
--   outdir   folder the server writes the batch files into
--
-- Everything is integer arithmetic on generate_series: the same every run.
--
-- Shipments.  events * 0.95 / 7 shipments (135 714 for a million) of
-- framework express_parcel, each with its own reference EXP000000001 ... and a
-- tracking number JD000000001 ...  They are inserted set-based into the three
-- tables cbl.create_shipment writes (cbl.shipment, then its 'reference' row in
-- cbl.shipment_reference and cbl.reference_lookup; the tracking number as
-- cbl.add_shipment_reference would add it: the same two tables, kind
-- 'tracking'), which is what create_shipment(ref, 'express_parcel', 'BENCHCO',
-- 'DHL', origin => .., destination => .., refs => '{"tracking": ".."}') does.
--
-- Events.  Each shipment goes through the 7 required steps of express_parcel
-- (framework_step rows with required = true, in position order): BOOKED,
-- PICKED_UP, EXPORT_CLEARED, DEPARTED, ARRIVED, IMPORT_CLEARED, DELIVERED,
-- all ACT, 0 h, 6 h, 18 h, 30 h, 48 h, 60 h and 80 h after booking, with a
-- UN/LOCODE (origin for the first four, destination after).  The carrier
-- (source "dhl") names the shipment by its tracking number; the customs
-- broker (source "broker", the two clearance steps) by its reference.  A new
-- shipment is booked every 201 600 / batch seconds (20 s for batches of
-- 10 000), so the 80 hours of one shipment spread its 7 events over about 10
-- consecutive batches, as in a live feed: a batch holds events of about
-- 10 000 different shipments, mostly one event each.
--
-- Arrival order: the stream is sorted by arrival time.  An event arrives
-- when it occurs, except
--   * out of order (2 % of the shipments, number % 50 = 25): all 7 events
--     arrive after the delivery, in reverse (DELIVERED first, BOOKED 24 h
--     later), so their batches see the late milestones before the early ones;
--   * duplicates: events * 0.05 (rounded so that the total is exactly
--     `events`) elements are copies of an earlier element, evenly spread over
--     the stream, arriving 3 to 9 hours (1.5 to 4.5 batches) after the
--     original, byte for byte the same.
-- Element k of the stream (from 0) goes into batch k / batch + 1.

SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE SCHEMA bench_ingest;

CREATE TABLE bench_ingest.size AS
SELECT t.events, t.batch_size, t.shipments, 7 * t.shipments AS distinct_events,
       t.events - 7 * t.shipments AS duplicates,
       (t.events + t.batch_size - 1) / t.batch_size AS batches,
       (SELECT count(*) FROM generate_series(1, t.shipments) s WHERE s % 50 = 25) AS out_of_order_shipments
  FROM (SELECT (:events)::bigint AS events, (:batch)::bigint AS batch_size,
               (:events)::bigint * 95 / 700 AS shipments) t;

-- The 7 steps, checked against the framework: they must be its required
-- steps in its order, or the benchmark would not end in DELIVERED.
CREATE TABLE bench_ingest.step (j integer PRIMARY KEY, milestone text NOT NULL, source text NOT NULL,
                                offset_min integer NOT NULL, at_origin boolean NOT NULL);
INSERT INTO bench_ingest.step VALUES
  (1, 'BOOKED', 'dhl', 0, true), (2, 'PICKED_UP', 'dhl', 360, true),
  (3, 'EXPORT_CLEARED', 'broker', 1080, true), (4, 'DEPARTED', 'dhl', 1800, true),
  (5, 'ARRIVED', 'dhl', 2880, false), (6, 'IMPORT_CLEARED', 'broker', 3600, false),
  (7, 'DELIVERED', 'dhl', 4800, false);
DO $$
BEGIN
  IF (SELECT array_agg(milestone ORDER BY position) FROM cbl.framework_step
       WHERE framework = 'express_parcel' AND required)
     IS DISTINCT FROM (SELECT array_agg(milestone ORDER BY j) FROM bench_ingest.step) THEN
    RAISE EXCEPTION 'the required steps of express_parcel are not those of test/bench/ingest_data.sql';
  END IF;
END $$;

-- Parties and shipments (see above: what cbl.create_shipment writes).
INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'BENCHCO', 'Benchmark Trading Co.'), ('carrier', 'DHL', 'DHL Express');

CREATE TABLE bench_ingest.lane (n integer PRIMARY KEY, origin text, origin_loc text,
                                destination text, destination_loc text);
INSERT INTO bench_ingest.lane VALUES
  (0, 'CN', 'CNSZX', 'DE', 'DEFRA'), (1, 'CN', 'CNSHA', 'US', 'USLAX'),
  (2, 'HK', 'HKHKG', 'GB', 'GBLHR'), (3, 'VN', 'VNSGN', 'NL', 'NLAMS'),
  (4, 'CN', 'CNCAN', 'FR', 'FRCDG');

WITH s AS (
  INSERT INTO cbl.shipment (reference, framework, customer_id, carrier_id, origin_country, destination_country)
  SELECT 'EXP' || lpad(g.n::text, 9, '0'), 'express_parcel',
         cbl.party_id('customer', 'BENCHCO'), cbl.party_id('carrier', 'DHL'),
         l.origin, l.destination
    FROM generate_series(1, (SELECT shipments FROM bench_ingest.size)) g(n)
    JOIN bench_ingest.lane l ON l.n = g.n % 5
   ORDER BY g.n
  RETURNING id, reference
), r AS (
  INSERT INTO cbl.shipment_reference (shipment_id, kind, value)
  SELECT s.id, k.kind, CASE k.kind WHEN 'reference' THEN s.reference
                                   ELSE 'JD' || substr(s.reference, 4) END
    FROM s CROSS JOIN (VALUES ('reference'), ('tracking')) k(kind)
  RETURNING shipment_id, kind, value
)
INSERT INTO cbl.reference_lookup (kind, value, shipment_id)
SELECT kind, value, shipment_id FROM r;

-- The stream: one row per element, in arrival order.
CREATE TABLE bench_ingest.stream AS
WITH d AS (            -- the distinct events
  SELECT s, st.j, (s - 1) * 7 + (st.j - 1) AS q, st.milestone, st.source,
         timestamptz '2026-01-05 00:00+00'
           + make_interval(secs => s * 201600 / z.batch_size + st.offset_min * 60) AS occurred_at,
         CASE WHEN st.at_origin THEN l.origin_loc ELSE l.destination_loc END AS location,
         CASE WHEN st.source = 'broker' THEN 'EXP' ELSE 'JD' END || lpad(s::text, 9, '0') AS shipment_ref
    FROM bench_ingest.size z
    CROSS JOIN generate_series(1, z.shipments) s
    CROSS JOIN bench_ingest.step st
    JOIN bench_ingest.lane l ON l.n = s % 5
), a AS (              -- when each arrives
  SELECT d.*,
         CASE WHEN d.s % 50 = 25
              THEN timestamptz '2026-01-05 00:00+00'
                     + make_interval(secs => d.s * 201600 / z.batch_size + 4800 * 60 + (7 - d.j) * 4 * 3600)
              ELSE d.occurred_at END AS arrival
    FROM d CROSS JOIN bench_ingest.size z
), e AS (              -- plus the duplicates: q is copied when the count of copies steps up at q
  SELECT a.*, false AS dup FROM a
  UNION ALL
  SELECT a.s, a.j, a.q, a.milestone, a.source, a.occurred_at, a.location, a.shipment_ref,
         a.arrival + make_interval(hours => 3 + (a.q % 7)::integer), true
    FROM a CROSS JOIN bench_ingest.size z
   WHERE (a.q + 1) * z.duplicates / z.distinct_events > a.q * z.duplicates / z.distinct_events
)
SELECT (row_number() OVER (ORDER BY e.arrival, e.s, e.j, e.dup) - 1) AS k,
       e.s, e.j, e.dup, e.source,
       'E' || e.s || '-' || e.j AS event_id,
       e.shipment_ref, e.milestone, 'ACT'::text AS classifier,
       to_char(e.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS occurred_at,
       e.location
  FROM e;
ALTER TABLE bench_ingest.stream ADD COLUMN batch integer;
UPDATE bench_ingest.stream SET batch = k / (SELECT batch_size FROM bench_ingest.size) + 1;
CREATE INDEX ON bench_ingest.stream (batch, k);
ANALYZE bench_ingest.stream;

-- The batch files: batch_NNN.json (a JSON array, one element a line),
-- batch_NNN.csv (the same elements, one CSV row each: shipment reference,
-- source, event_id, milestone, classifier, occurred_at, location) and
-- nodup_NNN.csv (the CSV rows without the duplicates).
SELECT format($q$COPY (SELECT line FROM (
                  SELECT -1 AS k, '[' AS line
                  UNION ALL
                  SELECT k, format('{"source":"%%s","event_id":"%%s","shipment":"%%s","milestone":"%%s","classifier":"%%s","occurred_at":"%%s","location":"%%s"}%%s',
                                   source, event_id, shipment_ref, milestone, classifier, occurred_at, location,
                                   CASE WHEN k = max(k) OVER () THEN '' ELSE ',' END)
                    FROM bench_ingest.stream WHERE batch = %1$s
                  UNION ALL
                  SELECT 9223372036854775807, ']') l ORDER BY k) TO %2$L$q$,
              b, :'outdir' || format('/batch_%s.json', lpad(b::text, greatest(3, length(b::text)), '0')))
  FROM generate_series(1, (SELECT batches FROM bench_ingest.size)) b
\gexec
SELECT format($q$COPY (SELECT shipment_ref, source, event_id, milestone, classifier, occurred_at, location
                   FROM bench_ingest.stream WHERE batch = %1$s %3$s ORDER BY k) TO %2$L (FORMAT csv)$q$,
              b, :'outdir' || format('/%s_%s.csv', f.name, lpad(b::text, greatest(3, length(b::text)), '0')), f.cond)
  FROM generate_series(1, (SELECT batches FROM bench_ingest.size)) b
  CROSS JOIN (VALUES ('batch', ''), ('nodup', 'AND NOT dup')) f(name, cond)
\gexec

-- What each batch holds, for the report.
CREATE TABLE bench_ingest.batch AS
SELECT batch, count(*) AS elements, count(*) FILTER (WHERE NOT dup) AS distinct_events,
       count(DISTINCT s) AS shipments
  FROM bench_ingest.stream GROUP BY batch;

-- The baseline tables: the same rows, keyed by (source, event_id).
CREATE TABLE bench_ingest.event_copy (
  shipment_ref text NOT NULL, source text NOT NULL, event_id text NOT NULL,
  milestone text NOT NULL, classifier text NOT NULL, occurred_at timestamptz NOT NULL,
  location text,
  PRIMARY KEY (source, event_id)
);
CREATE TABLE bench_ingest.event_copy_nodup (LIKE bench_ingest.event_copy INCLUDING ALL);

-- One row per timed batch of each pass.
CREATE TABLE bench_ingest.timing (
  pass       text NOT NULL,
  batch      integer NOT NULL,
  t0         timestamptz NOT NULL,
  t1         timestamptz NOT NULL,
  result     cbl.ingest_result,
  PRIMARY KEY (pass, batch)
);

-- CPU seconds of each pass's server process (user + system, from
-- /proc/<pid>/stat): a figure the other jobs of a busy machine disturb less
-- than wall time.
CREATE TABLE bench_ingest.cpu (
  pass       text PRIMARY KEY,
  seconds    numeric NOT NULL
);

ANALYZE;
