-- Property test at the ingest level: generated event histories (several
-- sources, revisions with later updated_at, duplicates, retractions) are
-- ingested into copies of a shipment in different orders and batchings; every
-- copy must end in the same state and hold the same current events.
-- (Two versions of one event with the same updated_at and different content
-- are a source's error: the first to arrive wins, so the generator avoids them.)
SET search_path = cbl, public;
SET timezone = 'UTC';
SELECT setseed(0.4242);

INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'PROP', 'Property test customer');

-- 40 histories over the express_parcel framework.
CREATE TEMP TABLE history AS
WITH ev AS (
  SELECT h, n,
         (ARRAY['dhl', 'ups', 'ops'])[1 + (random() * 2)::int] AS source,
         (SELECT milestone FROM cbl.framework_step WHERE framework = 'express_parcel'
           ORDER BY "position" OFFSET (random() * 16)::int LIMIT 1) AS milestone,
         (ARRAY['PLN', 'EST', 'ACT'])[1 + (random() * 2)::int] AS classifier,
         '2026-03-01'::timestamptz + (random() * 5000)::int * interval '1 minute' AS occurred_at,
         1 + (random() * 2)::int AS versions,
         random() < 0.1 AS retract
    FROM generate_series(1, 40) h, generate_series(1, 12) n
)
SELECT h, e.source, 'ev' || n AS event_id, e.milestone, e.classifier,
       e.occurred_at + (v - 1) * interval '37 minutes' AS occurred_at,
       -- distinct, increasing issue times per version; the first may be unknown
       CASE WHEN v = 1 AND n % 4 = 0 THEN NULL
            ELSE '2026-02-01'::timestamptz + (n * 10 + v) * interval '1 hour' END AS updated_at,
       false AS retracted, v
  FROM ev e, generate_series(1, e.versions) v
UNION ALL
SELECT h, e.source, 'ev' || n, e.milestone, e.classifier, e.occurred_at,
       '2026-02-01'::timestamptz + (n * 10 + 9) * interval '1 hour', true, 9
  FROM ev e WHERE e.retract;
SELECT count(*) AS reports, count(DISTINCT h) AS histories,
       count(*) FILTER (WHERE retracted) AS retractions, count(*) FILTER (WHERE v > 1) AS later_versions
  FROM history;

-- Five deliveries of each history: in order; reversed; shuffled with every
-- report sent twice; shuffled in one batch; shuffled one report per call.
CREATE TEMP TABLE delivery AS
SELECT h, d, report, row_number() OVER (PARTITION BY h, d ORDER BY sort_key) AS seq
  FROM (SELECT h.h, d.d,
               jsonb_strip_nulls(jsonb_build_object(
                 'source', h.source, 'event_id', h.event_id, 'shipment', format('PROP-%s-%s', h.h, d.d),
                 'milestone', h.milestone, 'classifier', h.classifier,
                 'occurred_at', to_char(h.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                 'updated_at', to_char(h.updated_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                 'retracted', CASE WHEN h.retracted THEN true END)) AS report,
               CASE d.d WHEN 1 THEN h.updated_at::text || h.event_id
                        WHEN 2 THEN md5(h.event_id || h.v) -- fixed but unrelated order
                        ELSE random()::text END AS sort_key
          FROM history h, generate_series(1, 5) d(d), generate_series(1, 2) copy
         WHERE copy = 1 OR d.d = 3) t;

SELECT count(cbl.create_shipment(format('PROP-%s-%s', h, d), 'express_parcel', 'PROP'))
  FROM generate_series(1, 40) h, generate_series(1, 6) d;

-- Ingest: deliveries 1-3 in batches of 1 to 7 reports, 4 in one batch, 5 one by one.
SELECT sum((r).accepted) AS accepted, sum((r).duplicate) AS duplicate, sum((r).updated) AS updated,
       sum((r).conflict) AS conflict, sum((r).retracted) AS retracted, sum((r).rejected) AS rejected
  FROM (SELECT cbl.ingest_events(jsonb_agg(report ORDER BY seq)) AS r
          FROM delivery
         GROUP BY h, d, CASE d WHEN 4 THEN 0 WHEN 5 THEN seq ELSE (seq - 1) / (1 + (h % 7)) END
         ORDER BY h, d, min(seq)) t;

-- Delivery 6: delivery 1's reports, batched the same, as text in which
-- every element holds an escape (\u0050, the P of the shipment reference):
-- jansson reads each of them, where the flat scanner read delivery 1's.
SELECT sum((r).accepted) AS accepted, sum((r).rejected) AS rejected
  FROM (SELECT cbl.ingest_events(replace(jsonb_agg(report || jsonb_build_object('shipment', format('PROP-%s-6', h))
                                                   ORDER BY seq)::text, '"PROP-', '"\u0050ROP-')) AS r
          FROM delivery
         WHERE d = 1
         GROUP BY h, (seq - 1) / (1 + (h % 7))
         ORDER BY h, min(seq)) t;
-- Both readings stored the same revisions, content hashes and event keys.
SELECT count(*) AS histories_read_differently FROM (
  SELECT split_part(s.reference, '-', 2) AS h,
         count(DISTINCT (SELECT string_agg(format('%s/%s/%s/%s/%s', e.source, e.event_id, e.revision, e.content_hash, e.event_key),
                                           ';' ORDER BY e.source, e.event_id, e.revision)
                           FROM cbl.event e WHERE e.shipment_id = s.id)) AS variants
    FROM cbl.shipment s
   WHERE s.reference LIKE 'PROP-%-1' OR s.reference LIKE 'PROP-%-6'
   GROUP BY 1) t WHERE variants <> 1;

-- Every delivery of a history ends in the same state ...
SELECT count(*) AS histories_with_differing_states FROM (
  SELECT split_part(s.reference, '-', 2) AS h, count(DISTINCT ss.state::text) AS variants
    FROM cbl.shipment s JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
   WHERE s.reference LIKE 'PROP-%' GROUP BY 1) t WHERE variants <> 1;
-- ... with the same current events ...
SELECT count(*) AS histories_with_differing_events FROM (
  SELECT h, count(DISTINCT events) AS variants FROM (
    SELECT split_part(s.reference, '-', 2) AS h, s.id,
           string_agg(format('%s/%s/%s/%s/%s', e.source, e.event_id, e.occurred_at, e.updated_at, e.retracted),
                      ';' ORDER BY e.source, e.event_id) AS events
      FROM cbl.shipment s
      JOIN (SELECT DISTINCT ON (shipment_id, source, event_id) * FROM cbl.event
             ORDER BY shipment_id, source, event_id, revision DESC) e ON e.shipment_id = s.id
     WHERE s.reference LIKE 'PROP-%' GROUP BY 1, 2) t GROUP BY h) t WHERE variants <> 1;
-- ... and that state is the one the reports say: per event its latest
-- version unless retracted, then the documented winner per slot.
SELECT count(*) AS states_not_as_expected FROM cbl.shipment s
  JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
 WHERE s.reference LIKE 'PROP-%-1'
   AND ss.state OPERATOR(cbl.<>) coalesce((
     SELECT cbl.milestone_agg(cbl.milestone_state(f.id, m.id, x.classifier, x.occurred_at, x.updated_at,
                                                  coalesce(src.priority, 100),
                                                  hashtextextended(x.source || E'\x1f' || x.event_id, 0)))
       FROM (SELECT DISTINCT ON (source, event_id) * FROM history
              WHERE h = split_part(s.reference, '-', 2)::int
              ORDER BY source, event_id, retracted DESC, updated_at DESC NULLS LAST) x
       JOIN cbl.framework f ON f.code = 'express_parcel'
       JOIN cbl.milestone m ON m.code = x.milestone
       LEFT JOIN cbl.source src ON src.code = x.source
      WHERE NOT x.retracted), '0');
-- A stale re-send changes nothing and contradicts nothing: every current
-- version again, issued a random time earlier or with no updated_at, in
-- one batch per shipment, is a duplicate, and no state moves.
CREATE TEMP TABLE state_before AS SELECT shipment_id, state::text AS state FROM cbl.shipment_state;
SELECT sum((r).duplicate) AS duplicate, sum((r).conflict) AS conflict, sum((r).updated) AS updated,
       sum((r).accepted) AS accepted, count(*) AS batches
  FROM (SELECT cbl.ingest_events(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                 'source', e.source, 'event_id', e.event_id, 'shipment', s.reference,
                 'milestone', e.milestone, 'classifier', e.classifier,
                 'occurred_at', to_char(e.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                 'updated_at', CASE WHEN random() < 0.3 THEN NULL
                                    ELSE to_char(e.updated_at - (1 + (random() * 500)::int) * interval '1 minute',
                                                 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END,
                 'retracted', CASE WHEN e.retracted THEN true END)) ORDER BY random())) AS r
          FROM cbl.shipment s
          JOIN (SELECT DISTINCT ON (shipment_id, source, event_id) * FROM cbl.event
                 ORDER BY shipment_id, source, event_id, revision DESC) e ON e.shipment_id = s.id
         WHERE s.reference LIKE 'PROP-%'
         GROUP BY s.id) t;
SELECT count(*) AS states_moved FROM cbl.shipment_state ss JOIN state_before b USING (shipment_id)
 WHERE ss.state::text <> b.state;
DROP TABLE state_before;
-- Every stored event key is the hash of (source, event_id) that
-- cbl.event_sources (v_timeline's actual_source) computes from the key columns.
SELECT count(*) AS events, count(*) FILTER (WHERE e.event_key <> hashtextextended(e.source || E'\x1f' || e.event_id, 0)) AS other_keys
  FROM cbl.event e;
-- Nothing was rejected or left pending.
SELECT (SELECT count(*) FROM cbl.event_reject) AS rejects, (SELECT count(*) FROM cbl.event_pending) AS pending;

-- One batch over 7,000 shipments (more than the lock table would hold with
-- a lock per shipment) goes through in one call.
INSERT INTO cbl.shipment (reference, framework, customer_id)
SELECT 'BIG-' || g, 'express_parcel', (SELECT id FROM cbl.party WHERE code = 'PROP') FROM generate_series(1, 7000) g;
INSERT INTO cbl.shipment_reference (shipment_id, kind, value)
SELECT id, 'reference', reference FROM cbl.shipment WHERE reference LIKE 'BIG-%';
INSERT INTO cbl.reference_lookup (kind, value, shipment_id)
SELECT 'reference', reference, id FROM cbl.shipment WHERE reference LIKE 'BIG-%';
SELECT (r).accepted, (r).rejected, (r).pending FROM (
  SELECT cbl.ingest_events(jsonb_agg(jsonb_build_object(
           'source', 'dhl', 'event_id', 'big-' || g, 'shipment', 'BIG-' || g, 'milestone', 'BOOKED',
           'classifier', 'ACT', 'occurred_at', '2026-03-01T08:00:00Z'))) AS r
    FROM generate_series(1, 7000) g) t;
SELECT count(*) AS big_states FROM cbl.shipment_state ss JOIN cbl.shipment s ON s.id = ss.shipment_id
 WHERE s.reference LIKE 'BIG-%' AND cbl.current_milestone(ss.state) = 'BOOKED';

-- Leave the database as this test found it.
DELETE FROM cbl.event; DELETE FROM cbl.event_conflict; DELETE FROM cbl.event_reject;
DELETE FROM cbl.event_pending; DELETE FROM cbl.shipment_state; DELETE FROM cbl.shipment;
DELETE FROM cbl.party; DELETE FROM cbl.source;
RESET timezone;
