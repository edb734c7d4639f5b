-- cbl demo, milestones section: a day of carrier events for fifteen
-- shipments, the exceptions they raise, and the BI views.
-- Appended to test/demo/demo.sql; runs after its data, with cbl installed
-- (and pg_cron, for the last part).  Its shipments, parties and events are
-- in cbl's own tables; everything is qualified, whatever the search_path.

\echo
\echo '=== 10. A day of milestone events: 10 March 2026'
SET timezone = 'UTC';

-- The parties (cbl.party), and a source of events trusted less than the
-- default 100: the shipper's booking portal.
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('customer', 'RHEINLAND',  'Rheinland Maschinenbau GmbH',     'DE'),
  ('customer', 'LAKESHORE',  'Lakeshore Outdoor Supply Inc.',   'US'),
  ('customer', 'BRIGHTWAVE', 'Shenzhen Brightwave Electronics', 'CN'),
  ('customer', 'THAMES',     'Thames Valley Pharma Ltd',        'GB'),
  ('carrier',  'FX',         'FedEx Express',                   'US'),
  ('carrier',  'LH',         'Lufthansa Cargo',                 'DE'),
  ('carrier',  'MAEU',       'Maersk',                          'DK'),
  ('carrier',  'CP',         'China Post',                      'CN')
ON CONFLICT DO NOTHING;
INSERT INTO cbl.source (code, name, priority) VALUES ('portal', 'Shipper booking portal', 50)
ON CONFLICT DO NOTHING;

-- Fifteen shipments of seven frameworks (cbl.create_shipment is idempotent).
SELECT count(cbl.create_shipment(ref, fw, customer, carrier, NULL, orig, dest, refs)) AS shipments
  FROM (VALUES
    ('JOB-2603-001', 'express_parcel',         'RHEINLAND',  'FX',   'DE', 'US', '{"awb": "023-77331041"}'::jsonb),
    ('JOB-2603-002', 'express_parcel',         'THAMES',     'FX',   'GB', 'AE', '{}'),
    ('JOB-2603-003', 'express_parcel',         'LAKESHORE',  'FX',   'CN', 'US', '{}'),
    ('JOB-2603-004', 'express_parcel',         'RHEINLAND',  'FX',   'DE', 'BR', '{}'),
    ('JOB-2603-005', 'air',                    'BRIGHTWAVE', 'LH',   'CN', 'DE', '{"awb": "020-48151773"}'),
    ('JOB-2603-006', 'air',                    'THAMES',     'LH',   'GB', 'AE', '{"awb": "020-51200936"}'),
    ('JOB-2603-007', 'ocean_fcl',              'RHEINLAND',  'MAEU', 'DE', 'US', '{"container": "MSKU9023147"}'),
    ('JOB-2603-008', 'ocean_fcl',              'LAKESHORE',  'MAEU', 'CN', 'US', '{"container": "MAEU7712030"}'),
    ('JOB-2603-009', 'ocean_lcl',              'LAKESHORE',  'MAEU', 'CN', 'US', '{"container": "MSKU0883169"}'),
    ('JOB-2603-010', 'ocean_lcl',              'BRIGHTWAVE', 'MAEU', 'CN', 'US', '{"container": "MSKU0883169"}'),
    ('JOB-2603-011', 'ecommerce_consolidated', 'BRIGHTWAVE', 'LH',   'CN', 'GB', '{}'),
    ('JOB-2603-012', 'ecommerce_consolidated', 'BRIGHTWAVE', 'LH',   'CN', 'DE', '{}'),
    ('JOB-2603-013', 'ecommerce_consolidated', 'BRIGHTWAVE', 'LH',   'CN', 'US', '{}'),
    ('JOB-2603-014', 'postal',                 'BRIGHTWAVE', 'CP',   'CN', 'DE', '{"s10": "RR739200130CN"}'),
    ('JOB-2603-015', 'import_only',            'THAMES',     NULL,   'CN', 'GB', '{}')
  ) AS v (ref, fw, customer, carrier, orig, dest, refs);

\echo
\echo 'What the carriers had reported before the day (one JSON batch, as an integration sends it):'
SELECT * FROM cbl.ingest_events((
  SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
           'source', src, 'event_id', id, 'shipment', shipment, 'milestone', milestone,
           'classifier', cls, 'occurred_at', at, 'location', loc)) ORDER BY n)
    FROM (VALUES
      -- express: booked, picked up, cleared and flown
      ( 1, 'fedex', 'fx-001-1', 'JOB-2603-001', 'BOOKED',         'ACT', '2026-03-08T09:00:00Z', 'DEFRA'),
      ( 2, 'fedex', 'fx-001-2', 'JOB-2603-001', 'PICKED_UP',      'ACT', '2026-03-08T16:00:00Z', 'DEFRA'),
      ( 3, 'fedex', 'fx-001-3', 'JOB-2603-001', 'EXPORT_CLEARED', 'ACT', '2026-03-09T02:00:00Z', 'DECGN'),
      ( 4, 'fedex', 'fx-001-4', 'JOB-2603-001', 'DEPARTED',       'ACT', '2026-03-09T05:30:00Z', 'DECGN'),
      ( 5, 'fedex', 'fx-001-5', 'JOB-2603-001', 'DELIVERED',      'PLN', '2026-03-11T12:00:00Z', NULL),
      ( 6, 'fedex', 'fx-002-1', 'JOB-2603-002', 'BOOKED',         'ACT', '2026-03-07T10:00:00Z', 'GBLHR'),
      ( 7, 'fedex', 'fx-002-2', 'JOB-2603-002', 'PICKED_UP',      'ACT', '2026-03-07T15:00:00Z', 'GBLHR'),
      ( 8, 'fedex', 'fx-002-3', 'JOB-2603-002', 'EXPORT_CLEARED', 'ACT', '2026-03-08T01:00:00Z', 'GBSTN'),
      ( 9, 'fedex', 'fx-002-4', 'JOB-2603-002', 'DEPARTED',       'ACT', '2026-03-09T04:00:00Z', 'GBSTN'),
      (10, 'fedex', 'fx-003-1', 'JOB-2603-003', 'BOOKED',         'ACT', '2026-03-05T02:00:00Z', 'CNSZX'),
      (11, 'fedex', 'fx-003-2', 'JOB-2603-003', 'PICKED_UP',      'ACT', '2026-03-05T08:00:00Z', 'CNSZX'),
      (12, 'fedex', 'fx-003-3', 'JOB-2603-003', 'EXPORT_CLEARED', 'ACT', '2026-03-05T20:00:00Z', 'CNCAN'),
      (13, 'fedex', 'fx-003-4', 'JOB-2603-003', 'DEPARTED',       'ACT', '2026-03-06T03:00:00Z', 'CNCAN'),
      (14, 'fedex', 'fx-003-5', 'JOB-2603-003', 'ARRIVED',        'ACT', '2026-03-08T22:00:00Z', 'USMEM'),
      (15, 'fedex', 'fx-003-6', 'JOB-2603-003', 'IMPORT_CLEARED', 'ACT', '2026-03-09T14:00:00Z', 'USMEM'),
      (16, 'fedex', 'fx-004-1', 'JOB-2603-004', 'BOOKED',         'ACT', '2026-03-09T08:00:00Z', 'DEMUC'),
      -- air: freight on hand and cleared
      (17, 'lh_cargo', 'lh-005-1', '020-48151773', 'BOOKED',          'ACT', '2026-03-03T09:00:00Z', 'CNPVG'),
      (18, 'lh_cargo', 'lh-005-2', '020-48151773', 'ORIGIN_RECEIVED', 'ACT', '2026-03-05T14:00:00Z', 'CNPVG'),
      (19, 'lh_cargo', 'lh-005-3', '020-48151773', 'EXPORT_CLEARED',  'ACT', '2026-03-06T10:00:00Z', 'CNPVG'),
      (20, 'lh_cargo', 'lh-005-4', '020-48151773', 'DEPARTED',        'PLN', '2026-03-07T01:00:00Z', 'CNPVG'),
      (21, 'lh_cargo', 'lh-005-5', '020-48151773', 'DELIVERED',       'PLN', '2026-03-10T12:00:00Z', NULL),
      (22, 'lh_cargo', 'lh-006-1', '020-51200936', 'BOOKED',          'ACT', '2026-03-06T11:00:00Z', 'GBLHR'),
      (23, 'lh_cargo', 'lh-006-2', '020-51200936', 'ORIGIN_RECEIVED', 'ACT', '2026-03-07T10:00:00Z', 'GBLHR'),
      (24, 'lh_cargo', 'lh-006-3', '020-51200936', 'EXPORT_CLEARED',  'ACT', '2026-03-08T09:00:00Z', 'GBLHR'),
      (25, 'lh_cargo', 'lh-006-4', '020-51200936', 'DEPARTED',        'ACT', '2026-03-08T22:00:00Z', 'GBLHR'),
      (26, 'lh_cargo', 'lh-006-5', '020-51200936', 'ARRIVED',         'ACT', '2026-03-09T06:00:00Z', 'AEDXB'),
      -- ocean: at sea, and one arriving
      (27, 'maersk', 'mk-007-1', 'JOB-2603-007', 'BOOKED',          'ACT', '2026-02-20T10:00:00Z', 'DEHAM'),
      (28, 'maersk', 'mk-007-2', 'MSKU9023147',  'ORIGIN_RECEIVED', 'ACT', '2026-02-25T07:00:00Z', 'DEHAM'),
      (29, 'maersk', 'mk-007-3', 'JOB-2603-007', 'EXPORT_CLEARED',  'ACT', '2026-02-26T12:00:00Z', 'DEHAM'),
      (30, 'maersk', 'mk-007-4', 'MSKU9023147',  'LOADED',          'ACT', '2026-02-27T18:00:00Z', 'DEHAM'),
      (31, 'maersk', 'mk-007-5', 'MSKU9023147',  'DEPARTED',        'ACT', '2026-02-28T06:00:00Z', 'DEHAM'),
      (32, 'maersk', 'mk-007-6', 'JOB-2603-007', 'DELIVERED',       'PLN', '2026-03-22T12:00:00Z', NULL),
      (33, 'maersk', 'mk-008-1', 'JOB-2603-008', 'BOOKED',          'ACT', '2026-01-28T03:00:00Z', 'CNSHA'),
      (34, 'maersk', 'mk-008-2', 'MAEU7712030',  'ORIGIN_RECEIVED', 'ACT', '2026-02-06T09:00:00Z', 'CNSHA'),
      (35, 'maersk', 'mk-008-3', 'JOB-2603-008', 'EXPORT_CLEARED',  'ACT', '2026-02-08T09:00:00Z', 'CNSHA'),
      (36, 'maersk', 'mk-008-4', 'MAEU7712030',  'LOADED',          'ACT', '2026-02-10T20:00:00Z', 'CNSHA'),
      (37, 'maersk', 'mk-008-5', 'MAEU7712030',  'DEPARTED',        'ACT', '2026-02-12T02:00:00Z', 'CNSHA'),
      (38, 'maersk', 'mk-008-6', 'JOB-2603-008', 'DELIVERED',       'PLN', '2026-03-14T12:00:00Z', NULL),
      (39, 'maersk', 'mk-009-1', 'JOB-2603-009', 'BOOKED',          'ACT', '2026-02-25T08:00:00Z', 'CNNGB'),
      (40, 'maersk', 'mk-009-2', 'JOB-2603-009', 'ORIGIN_RECEIVED', 'ACT', '2026-03-04T10:00:00Z', 'CNNGB'),
      (41, 'maersk', 'mk-009-3', 'JOB-2603-009', 'EXPORT_CLEARED',  'ACT', '2026-03-06T15:00:00Z', 'CNNGB'),
      (42, 'maersk', 'mk-010-1', 'JOB-2603-010', 'BOOKED',          'ACT', '2026-02-27T08:00:00Z', 'CNNGB'),
      (43, 'maersk', 'mk-010-2', 'JOB-2603-010', 'ORIGIN_RECEIVED', 'ACT', '2026-03-05T11:00:00Z', 'CNNGB'),
      -- e-commerce: hub, line-haul, last mile; postal; an import-only job
      (44, 'lh_cargo', 'ec-011-1', 'JOB-2603-011', 'BOOKED',            'ACT', '2026-03-08T04:00:00Z', 'CNSZX'),
      (45, 'lh_cargo', 'ec-011-2', 'JOB-2603-011', 'ORIGIN_RECEIVED',   'ACT', '2026-03-09T10:00:00Z', 'CNSZX'),
      (46, 'lh_cargo', 'ec-012-1', 'JOB-2603-012', 'BOOKED',            'ACT', '2026-03-01T04:00:00Z', 'CNSZX'),
      (47, 'lh_cargo', 'ec-012-2', 'JOB-2603-012', 'ORIGIN_RECEIVED',   'ACT', '2026-03-02T09:00:00Z', 'CNSZX'),
      (48, 'lh_cargo', 'ec-012-3', 'JOB-2603-012', 'ORIGIN_DISPATCHED', 'ACT', '2026-03-03T06:00:00Z', 'CNSZX'),
      (49, 'lh_cargo', 'ec-012-4', 'JOB-2603-012', 'EXPORT_CLEARED',    'ACT', '2026-03-03T18:00:00Z', 'CNHKG'),
      (50, 'lh_cargo', 'ec-012-5', 'JOB-2603-012', 'DEPARTED',          'ACT', '2026-03-05T01:00:00Z', 'CNHKG'),
      (51, 'lh_cargo', 'ec-012-6', 'JOB-2603-012', 'ARRIVED',           'ACT', '2026-03-05T09:00:00Z', 'DEFRA'),
      (52, 'lh_cargo', 'ec-012-7', 'JOB-2603-012', 'IMPORT_CLEARED',    'ACT', '2026-03-09T10:00:00Z', 'DEFRA'),
      (53, 'lh_cargo', 'ec-013-1', 'JOB-2603-013', 'BOOKED',            'ACT', '2026-03-03T04:00:00Z', 'CNSZX'),
      (54, 'lh_cargo', 'ec-013-2', 'JOB-2603-013', 'ORIGIN_RECEIVED',   'ACT', '2026-03-05T09:00:00Z', 'CNSZX'),
      (55, 'china_post', 'cp-014-1', 'RR739200130CN', 'ORIGIN_RECEIVED',   'ACT', '2026-03-02T07:00:00Z', 'CNSZX'),
      (56, 'china_post', 'cp-014-2', 'RR739200130CN', 'ORIGIN_DISPATCHED', 'ACT', '2026-03-04T20:00:00Z', 'CNCAN'),
      (57, 'broker_uk', 'bk-015-1', 'JOB-2603-015', 'ARRIVED',           'ACT', '2026-03-09T20:00:00Z', 'GBFXT')
    ) AS v (n, src, id, shipment, milestone, cls, at, loc)));

\echo
\echo 'The day''s feeds: arrivals, clearances, deliveries, a customs hold, a failed delivery ...'
SELECT * FROM cbl.ingest_events((
  SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
           'source', src, 'event_id', id, 'shipment', shipment, 'milestone', milestone,
           'classifier', cls, 'occurred_at', at, 'updated_at', upd, 'location', loc,
           'reason_code', reason)) ORDER BY n)
    FROM (VALUES
      ( 1, 'fedex', 'fx-001-6', 'JOB-2603-001', 'ARRIVED',          'ACT', '2026-03-10T07:10:00Z', NULL, 'USEWR', NULL),
      ( 2, 'fedex', 'fx-001-7', 'JOB-2603-001', 'IMPORT_CLEARED',   'ACT', '2026-03-10T11:20:00Z', NULL, 'USEWR', NULL),
      ( 3, 'fedex', 'fx-001-8', 'JOB-2603-001', 'OUT_FOR_DELIVERY', 'ACT', '2026-03-10T13:00:00Z', NULL, 'USNYC', NULL),
      ( 4, 'fedex', 'fx-001-9', 'JOB-2603-001', 'DELIVERED',        'ACT', '2026-03-10T16:45:00Z', NULL, 'USNYC', NULL),
      ( 5, 'fedex', 'fx-002-5', 'JOB-2603-002', 'ARRIVED',          'ACT', '2026-03-10T05:00:00Z', NULL, 'AEDXB', NULL),
      ( 6, 'fedex', 'fx-002-6', 'JOB-2603-002', 'CUSTOMS_HOLD',     'ACT', '2026-03-10T08:15:00Z', NULL, 'AEDXB', 'INSPECTION'),
      ( 7, 'fedex', 'fx-003-7', 'JOB-2603-003', 'OUT_FOR_DELIVERY', 'ACT', '2026-03-10T08:00:00Z', NULL, 'USCHI', NULL),
      ( 8, 'fedex', 'fx-003-8', 'JOB-2603-003', 'DELIVERY_FAILED',  'ACT', '2026-03-10T15:20:00Z', NULL, 'USCHI', 'NO_ONE_HOME'),
      ( 9, 'portal', 'po-004-1', 'JOB-2603-004', 'PICKED_UP',       'ACT', '2026-03-09T17:00:00Z', NULL, 'DEMUC', NULL),
      (10, 'fedex', 'fx-004-2', 'JOB-2603-004', 'PICKED_UP',        'ACT', '2026-03-10T09:10:00Z', NULL, 'DEMUC', NULL),
      (11, 'fedex', 'fx-004-3', 'JOB-2603-004', 'EXPORT_CLEARED',   'ACT', '2026-03-10T14:00:00Z', NULL, 'DEMUC', NULL),
      (12, 'fedex', 'fx-004-4', 'JOB-2603-004', 'DEPARTED',         'PLN', '2026-03-10T22:00:00Z', NULL, 'DEMUC', NULL),
      (13, 'lh_cargo', 'lh-005-6', '020-48151773', 'DEPARTED',      'EST', '2026-03-11T02:00:00Z', '2026-03-10T09:00:00Z', 'CNPVG', 'OFFLOADED'),
      (14, 'lh_cargo', 'lh-006-6', '020-51200936', 'IMPORT_CLEARED','ACT', '2026-03-10T09:00:00Z', NULL, 'AEDXB', NULL),
      (15, 'lh_cargo', 'lh-006-7', '020-51200936', 'DELIVERED',     'ACT', '2026-03-10T15:00:00Z', NULL, 'AEDXB', NULL),
      (16, 'maersk', 'mk-007-7', 'JOB-2603-007', 'DELIVERED',       'EST', '2026-03-26T12:00:00Z', '2026-03-10T06:00:00Z', NULL, 'PORT_CONGESTION'),
      (17, 'maersk', 'mk-008-7', 'MAEU7712030',  'ARRIVED',         'ACT', '2026-03-10T04:00:00Z', NULL, 'USLAX', NULL),
      (18, 'maersk', 'mk-008-8', 'MAEU7712030',  'DISCHARGED',      'ACT', '2026-03-10T13:00:00Z', NULL, 'USLAX', NULL),
      (19, 'maersk', 'mk-008-9', 'JOB-2603-008', 'IMPORT_DECLARED', 'ACT', '2026-03-10T14:00:00Z', NULL, 'USLAX', NULL),
      -- one event for the shared LCL container reaches both shipments in it
      (20, 'maersk', 'mk-lcl-1', 'MSKU0883169',  'LOADED',          'ACT', '2026-03-10T06:00:00Z', NULL, 'CNNGB', NULL),
      (21, 'maersk', 'mk-lcl-2', 'MSKU0883169',  'DEPARTED',        'ACT', '2026-03-10T16:30:00Z', NULL, 'CNNGB', NULL),
      (22, 'lh_cargo', 'ec-011-3', 'JOB-2603-011', 'ORIGIN_DISPATCHED', 'ACT', '2026-03-10T02:00:00Z', NULL, 'CNSZX', NULL),
      (23, 'lh_cargo', 'ec-011-4', 'JOB-2603-011', 'EXPORT_CLEARED',    'ACT', '2026-03-10T09:00:00Z', NULL, 'CNHKG', NULL),
      (24, 'lh_cargo', 'ec-011-5', 'JOB-2603-011', 'DEPARTED',          'PLN', '2026-03-11T01:00:00Z', NULL, 'CNHKG', NULL),
      (25, 'lh_cargo', 'ec-012-8', 'JOB-2603-012', 'HANDED_TO_LAST_MILE', 'ACT', '2026-03-10T07:00:00Z', NULL, 'DEFRA', NULL),
      (26, 'lh_cargo', 'ec-012-9', 'JOB-2603-012', 'OUT_FOR_DELIVERY',  'ACT', '2026-03-10T09:00:00Z', NULL, 'DEBER', NULL),
      (27, 'lh_cargo', 'ec-012-10', 'JOB-2603-012', 'DELIVERED',        'ACT', '2026-03-10T14:00:00Z', NULL, 'DEBER', NULL),
      (28, 'china_post', 'cp-014-3', 'RR739200130CN', 'ARRIVED',        'ACT', '2026-03-10T06:00:00Z', NULL, 'DEFRA', NULL),
      (29, 'broker_uk', 'bk-015-2', 'JOB-2603-015', 'IMPORT_DECLARED',  'ACT', '2026-03-10T08:00:00Z', NULL, 'GBFXT', NULL),
      (30, 'broker_uk', 'bk-015-3', 'JOB-2603-015', 'IMPORT_CLEARED',   'ACT', '2026-03-10T12:00:00Z', '2026-03-10T12:01:00Z', 'GBFXT', NULL),
      (31, 'broker_uk', 'bk-015-4', 'JOB-2603-015', 'CARRIER_RELEASED', 'ACT', '2026-03-10T13:00:00Z', NULL, 'GBFXT', NULL),
      (32, 'broker_uk', 'bk-015-5', 'JOB-2603-015', 'DELIVERED',        'PLN', '2026-03-12T10:00:00Z', NULL, NULL, NULL)
    ) AS v (n, src, id, shipment, milestone, cls, at, upd, loc, reason)));

\echo
\echo 'Late in the day: a feed sent twice, a changed event without a new updated_at (a conflict, kept apart),'
\echo 'and the broker retracting a clearance it sent for the wrong shipment:'
SELECT * FROM cbl.ingest_events((
  SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
           'source', src, 'event_id', id, 'shipment', shipment, 'milestone', milestone,
           'classifier', cls, 'occurred_at', at, 'updated_at', upd, 'location', loc,
           'retracted', retracted)) ORDER BY n)
    FROM (VALUES
      (1, 'fedex',     'fx-001-6', 'JOB-2603-001', 'ARRIVED',          'ACT', '2026-03-10T07:10:00Z', NULL, 'USEWR', NULL),
      (2, 'fedex',     'fx-001-7', 'JOB-2603-001', 'IMPORT_CLEARED',   'ACT', '2026-03-10T11:20:00Z', NULL, 'USEWR', NULL),
      (3, 'fedex',     'fx-001-8', 'JOB-2603-001', 'OUT_FOR_DELIVERY', 'ACT', '2026-03-10T13:00:00Z', NULL, 'USNYC', NULL),
      (4, 'fedex',     'fx-001-9', 'JOB-2603-001', 'DELIVERED',        'ACT', '2026-03-10T16:45:00Z', NULL, 'USNYC', NULL),
      (5, 'lh_cargo',  'lh-006-7', '020-51200936', 'DELIVERED',        'ACT', '2026-03-10T15:00:00Z', NULL, 'AEDXB', NULL),
      (6, 'maersk',    'mk-008-8', 'MAEU7712030',  'DISCHARGED',       'ACT', '2026-03-10T13:30:00Z', NULL, 'USLAX', NULL),
      (7, 'broker_uk', 'bk-015-3', 'JOB-2603-015', 'IMPORT_CLEARED',   'ACT', '2026-03-10T12:00:00Z', '2026-03-10T17:30:00Z', 'GBFXT', true)
    ) AS v (n, src, id, shipment, milestone, cls, at, upd, loc, retracted)));
SELECT (SELECT count(*) FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id
         WHERE s.reference LIKE 'JOB-2603-%') AS event_revisions_stored,
       (SELECT count(*) FROM cbl.event_conflict c JOIN cbl.shipment s ON s.id = c.shipment_id
         WHERE s.reference LIKE 'JOB-2603-%') AS conflicts_kept_apart;

\echo
\echo '=== 11. Exceptions as of 18:00 (cbl.scan_exceptions; pg_cron would run it every few minutes)'
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-10 18:00+00');
\echo 'The same scan again changes nothing:'
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-10 18:00+00');

SELECT reference, kind, milestone, detail
  FROM cbl.v_exception
 WHERE status = 'open' AND reference LIKE 'JOB-2603-%'
 ORDER BY reference, kind;

\echo
\echo 'At 18:30 FedEx corrects its pickup scan to the time the portal gave (a new revision of the'
\echo 'same event), customs release the held parcel, and the next scan resolves those two:'
SELECT (cbl.upsert_event('fedex', 'fx-004-2', 'JOB-2603-004', 'PICKED_UP', 'ACT', '2026-03-09 17:05+00',
                         updated_at => '2026-03-10 18:25+00', location => 'DEMUC')).updated
     + (cbl.upsert_event('fedex', 'fx-002-7', 'JOB-2603-002', 'IMPORT_CLEARED', 'ACT', '2026-03-10 18:20+00',
                         location => 'AEDXB')).accepted
       AS events_applied;
SELECT * FROM cbl.scan_exceptions(as_of => '2026-03-10 18:30+00');
SELECT reference, kind, milestone, opened_at, resolved_at, status
  FROM cbl.v_exception
 WHERE reference LIKE 'JOB-2603-%'
 ORDER BY status, reference, kind;

\echo
\echo '=== 12. The BI views (standard SQL types only)'
\echo 'cbl.v_shipment_status: one row per shipment'
SELECT reference, framework, customer_code AS customer, carrier_code AS carrier,
       current_milestone, to_char(current_milestone_at, 'MM-DD HH24:MI') AS at,
       to_char(eta, 'MM-DD HH24:MI') AS eta, to_char(delivered_at, 'MM-DD HH24:MI') AS delivered,
       is_terminal AS done, open_exceptions AS open_exc
  FROM cbl.v_shipment_status
 WHERE reference LIKE 'JOB-2603-%'
 ORDER BY reference;

\echo 'cbl.v_timeline of the delayed air shipment (late: after its plan or SLA, or past it and not done)'
SELECT position AS pos, milestone, required AS req, to_char(planned, 'MM-DD HH24:MI') AS planned,
       to_char(estimated, 'MM-DD HH24:MI') AS estimated, to_char(actual, 'MM-DD HH24:MI') AS actual,
       actual_source AS source, to_char(due_at, 'MM-DD HH24:MI') AS due, late
  FROM cbl.v_timeline
 WHERE reference = 'JOB-2603-005' AND (required OR actual IS NOT NULL OR planned IS NOT NULL)
 ORDER BY position;

\echo 'Open exceptions per customer and kind:'
SELECT s.customer_name AS customer, e.kind, count(*) AS open
  FROM cbl.v_exception e JOIN cbl.v_shipment_status s USING (shipment_id)
 WHERE e.status = 'open' AND e.reference LIKE 'JOB-2603-%'
 GROUP BY 1, 2 ORDER BY 1, 2;

\echo
\echo 'The scan as a pg_cron job (cbl.schedule_exception_scan), shown and removed again so that'
\echo 'the demo data stay as of 10 March:'
SELECT cbl.schedule_exception_scan() IS NOT NULL AS scheduled;
SELECT jobname, schedule, command FROM cron.job WHERE jobname = 'cbl_exception_scan';
SELECT cbl.unschedule_exception_scan() AS unscheduled;
RESET timezone;
