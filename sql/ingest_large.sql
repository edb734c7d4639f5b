-- A batch larger than one chunk of ingest (50 000 elements) is read in
-- partitions by event identity: it must give what the same elements give in
-- small batches, and several versions of one event in it still apply in
-- updated_at order, wherever they stand in the batch.
SET search_path = cbl, public;
SET timezone = 'UTC';

INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'BULK', 'Bulk test customer');
SELECT count(cbl.create_shipment(format('BULK-%s-%s', copy, s), 'express_parcel', 'BULK',
                                 refs => jsonb_build_object('tracking', format('TRK-%s-%s', copy, s))))
  FROM generate_series(1, 2) copy, generate_series(1, 3000) s;

-- 60 000 elements per copy: 20 events of 3000 shipments, named by reference
-- or tracking number; every 50th sent twice; event e7 of shipment 1 comes
-- first in a later version and last in an earlier one; one invalid element
-- and one for an unknown shipment.
CREATE TEMP TABLE element AS
SELECT copy, pos, e FROM (
  SELECT copy, row_number() OVER (PARTITION BY copy ORDER BY k) AS pos, e
    FROM (SELECT c.copy, s * 100 + n AS k,
                 jsonb_build_object('source', CASE WHEN n % 2 = 0 THEN 'dhl' ELSE 'broker' END,
                   'event_id', format('E%s-%s', s, n),
                   'shipment', CASE WHEN n % 3 = 0 THEN format('TRK-%s-%s', c.copy, s) ELSE format('BULK-%s-%s', c.copy, s) END,
                   'milestone', (SELECT fs.milestone FROM cbl.framework_step fs
                                  WHERE fs.framework = 'express_parcel' ORDER BY fs.position OFFSET n % 7 LIMIT 1),
                   'classifier', (ARRAY['PLN', 'EST', 'ACT'])[1 + n % 3],
                   'occurred_at', to_char('2026-03-01'::timestamptz + (s * 20 + n) * interval '1 minute',
                                          'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'updated_at', '2026-02-01T00:00:00Z') AS e
            FROM generate_series(1, 2) c(copy), generate_series(1, 3000) s, generate_series(1, 20) n
           WHERE NOT (s = 1 AND n = 7)
          UNION ALL           -- every 50th element again, at the end
          SELECT c.copy, 400000 + s * 100 + n,
                 jsonb_build_object('source', CASE WHEN n % 2 = 0 THEN 'dhl' ELSE 'broker' END,
                   'event_id', format('E%s-%s', s, n), 'shipment', format('BULK-%s-%s', c.copy, s),
                   'milestone', (SELECT fs.milestone FROM cbl.framework_step fs
                                  WHERE fs.framework = 'express_parcel' ORDER BY fs.position OFFSET n % 7 LIMIT 1),
                   'classifier', (ARRAY['PLN', 'EST', 'ACT'])[1 + n % 3],
                   'occurred_at', to_char('2026-03-01'::timestamptz + (s * 20 + n) * interval '1 minute',
                                          'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'updated_at', '2026-02-01T00:00:00Z')
            FROM generate_series(1, 2) c(copy), generate_series(1, 3000) s, generate_series(1, 20) n
           WHERE (s * 20 + n) % 50 = 0 AND n % 3 <> 0 AND NOT (s = 1 AND n = 7)
          UNION ALL           -- e7 of shipment 1: the later version first, the earlier last
          SELECT c.copy, v.k, jsonb_build_object('source', 'broker', 'event_id', 'E1-7',
                   'shipment', format('BULK-%s-1', c.copy), 'milestone', 'ARRIVED', 'classifier', 'ACT',
                   'occurred_at', v.at, 'updated_at', v.upd)
            FROM generate_series(1, 2) c(copy),
                 (VALUES (0, '2026-03-05T12:00:00Z', '2026-03-05T13:00:00Z'),
                         (900000, '2026-03-05T10:00:00Z', '2026-03-05T11:00:00Z')) v(k, at, upd)
          UNION ALL
          SELECT c.copy, 500000, '{"source": "dhl", "event_id": "bad"}'::jsonb FROM generate_series(1, 2) c(copy)
          UNION ALL
          SELECT c.copy, 500001, jsonb_build_object('source', 'dhl', 'event_id', 'later', 'shipment', 'BULK-NOT-YET',
                   'milestone', 'BOOKED', 'classifier', 'ACT', 'occurred_at', '2026-03-01T00:00:00Z')
            FROM generate_series(1, 2) c(copy)) t) u;
SELECT copy, count(*) AS elements FROM element GROUP BY copy ORDER BY copy;

-- Copy 1 in one call; copy 2 in calls of 5000 elements, in the same order.
SELECT * FROM cbl.ingest_events((SELECT jsonb_agg(e ORDER BY pos) FROM element WHERE copy = 1));
SELECT sum(r.accepted) AS accepted, sum(r.duplicate) AS duplicate, sum(r.updated) AS updated,
       sum(r.conflict) AS conflict, sum(r.retracted) AS retracted, sum(r.rejected) AS rejected,
       sum(r.pending) AS pending
  FROM (SELECT (pos - 1) / 5000 AS part, jsonb_agg(e ORDER BY pos) AS batch
          FROM element WHERE copy = 2 GROUP BY 1 ORDER BY 1 OFFSET 0) b
  CROSS JOIN LATERAL cbl.ingest_events(b.batch) r;

-- e7 of shipment 1: in one call both versions apply in updated_at order;
-- in small calls the earlier version, coming last, is a conflict.
SELECT split_part(s.reference, '-', 2) AS copy, e.revision, e.occurred_at
  FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id
 WHERE e.event_id = 'E1-7' ORDER BY 1, 2;

-- Both copies hold the same current events and the same states.
SELECT count(*) AS shipments_differing FROM (
  SELECT split_part(s.reference, '-', 3) AS s,
         count(DISTINCT ss.state::text) AS states,
         count(DISTINCT (SELECT string_agg(format('%s/%s/%s/%s', c.source, c.event_id, c.milestone, c.occurred_at), ',' ORDER BY c.source, c.event_id)
                           FROM (SELECT DISTINCT ON (source, event_id) * FROM cbl.event
                                  WHERE shipment_id = s.id ORDER BY source, event_id, revision DESC) c)) AS histories
    FROM cbl.shipment s JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
   WHERE s.reference LIKE 'BULK-%'
   GROUP BY 1) t
 WHERE states <> 1 OR histories <> 1;

-- Every stored state equals a recomputation from its events.
SELECT count(*) AS states_differing_from_events FROM cbl.shipment_state ss
 WHERE ss.state OPERATOR(cbl.<>) (
   SELECT cbl.milestone_agg(cbl.milestone_state(f.id, m.id, e.classifier, e.occurred_at, e.updated_at,
                                                coalesce(src.priority, 100), e.event_key))
            FILTER (WHERE NOT e.retracted AND NOT e.partial)
     FROM (SELECT DISTINCT ON (source, event_id) * FROM cbl.event
            WHERE shipment_id = ss.shipment_id ORDER BY source, event_id, revision DESC) e
     JOIN cbl.shipment s ON s.id = e.shipment_id JOIN cbl.framework f ON f.code = s.framework
     JOIN cbl.milestone m ON m.code = e.milestone LEFT JOIN cbl.source src ON src.code = e.source);
-- Both copies hold the same bad element: rejected twice, recorded once.
SELECT position, reason FROM cbl.event_reject ORDER BY reject_no;
SELECT count(*) AS pending FROM cbl.event_pending;

-- Leave the database as this test found it.
DELETE FROM cbl.event; DELETE FROM cbl.event_conflict; DELETE FROM cbl.event_reject;
DELETE FROM cbl.event_pending; DELETE FROM cbl.shipment_state; DELETE FROM cbl.shipment;
DELETE FROM cbl.party;
RESET timezone;
