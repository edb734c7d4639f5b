-- The shipped milestones and frameworks (docs/milestones.md has them as tables).
-- Ids are stable: a later version adds milestones and frameworks at the next
-- free id below 1000 and never renumbers.

INSERT INTO cbl.milestone (id, code, phase, is_exception, builtin, description)
OVERRIDING SYSTEM VALUE VALUES
  (1,  'BOOKED',               'origin',        false, true,
   'booking accepted: the shipment is known (booking or label exists), nothing has moved yet'),
  (2,  'PICKED_UP',            'origin',        false, true,
   'collected from the shipper by the carrier, the forwarder or their haulier'),
  (3,  'ORIGIN_RECEIVED',      'origin',        false, true,
   'received at the origin hub, warehouse, CFS, post office or port terminal (freight on hand, gate-in, postal acceptance)'),
  (4,  'ORIGIN_DISPATCHED',    'origin',        false, true,
   'left the origin hub, CFS or office of exchange for the port, airport or border'),
  (5,  'EXPORT_DECLARED',      'export',        false, true,
   'export declaration lodged with the customs of the country of export'),
  (6,  'EXPORT_CLEARED',       'export',        false, true,
   'export customs released the goods for departure'),
  (7,  'LOADED',               'main_carriage', false, true,
   'loaded on board the aircraft, vessel, train or truck of the main carriage'),
  (8,  'DEPARTED',             'main_carriage', false, true,
   'the main-carriage flight, vessel, train or truck left the place of loading'),
  (9,  'TRANSSHIPPED',         'main_carriage', false, true,
   'moved from one main-carriage flight or vessel to another at an intermediate hub or port'),
  (10, 'ARRIVED',              'main_carriage', false, true,
   'the main carriage arrived at the place of discharge in the country of import'),
  (11, 'DISCHARGED',           'main_carriage', false, true,
   'unloaded from the aircraft or vessel at the place of discharge'),
  (12, 'IMPORT_DECLARED',      'import',        false, true,
   'import declaration lodged with the customs of the country of import'),
  (13, 'CUSTOMS_HOLD',         'import',        true,  true,
   'customs stopped the goods for inspection, documents or payment'),
  (14, 'IMPORT_CLEARED',       'import',        false, true,
   'import customs released the goods; duties and taxes are paid or secured'),
  (15, 'CARRIER_RELEASED',     'import',        false, true,
   'the carrier released the goods to the consignee or its agent (charges paid, delivery order issued)'),
  (16, 'AVAILABLE_FOR_PICKUP', 'destination',   false, true,
   'ready for collection at a terminal, CFS, depot, service point or post office'),
  (17, 'HANDED_TO_LAST_MILE',  'destination',   false, true,
   'handed to the carrier that delivers in the country of import (last-mile injection)'),
  (18, 'OUT_FOR_DELIVERY',     'destination',   false, true,
   'on the vehicle for delivery to the consignee'),
  (19, 'DELIVERY_FAILED',      'destination',   true,  true,
   'a delivery attempt failed: nobody there, refused, or a problem with the address'),
  (20, 'DELIVERED',            'terminal',      false, true,
   'delivered to the consignee; there is a proof of delivery'),
  (21, 'RETURNED',             'terminal',      true,  true,
   'returned to the shipper instead of being delivered'),
  (22, 'CANCELLED',            'terminal',      true,  true,
   'cancelled before completion; nothing further will happen'),
  (23, 'WAREHOUSE_RECEIVED',   'destination',   false, true,
   'received, counted and put away at the destination warehouse; the stock can be sold');

INSERT INTO cbl.framework (id, code, mode, builtin, description)
OVERRIDING SYSTEM VALUE VALUES
  (1, 'express_parcel',         'express',    true,
   'door-to-door express parcel or document in one integrator''s network (DHL, FedEx, UPS style)'),
  (2, 'postal',                 'postal',     true,
   'postal item (UPU S10 number) from the origin post through the offices of exchange to the destination post'),
  (3, 'ecommerce_consolidated', 'air',        true,
   'e-commerce parcels collected at an origin hub, declared in bulk, flown as consolidated cargo and handed to a last-mile carrier abroad'),
  (4, 'air',                    'air',        true,
   'air freight under a house and master air waybill, from the forwarder''s origin warehouse to the consignee'),
  (5, 'ocean_fcl',              'ocean',      true,
   'full container load: the shipper''s own container from gate-in at the port of loading to delivery at the consignee'),
  (6, 'ocean_lcl',              'ocean',      true,
   'less than container load: cargo consolidated at an origin CFS, shipped in a shared container and devanned at a destination CFS'),
  (7, 'overseas_warehouse',     'ocean',      true,
   'inbound stock replenishment (usually by sea) to a warehouse abroad, ending when the goods are received into stock'),
  (8, 'export_only',            'multimodal', true,
   'the forwarder handles the export side only: booking, pickup, export customs and departure'),
  (9, 'import_only',            'multimodal', true,
   'the forwarder or broker handles the import side only: arrival, import customs and delivery');

-- Steps: position, milestone, required, prerequisites, SLA (after the previous
-- required step), terminal.
INSERT INTO cbl.framework_step (framework, position, milestone, required, prerequisites, sla, terminal, builtin)
SELECT f, p, m, r, pre, sla, t, true FROM (VALUES
  -- express_parcel: pickup within a day of booking, export and import customs
  -- within a day each, 1-2 days in the air, delivery within 2 days of clearance.
  ('express_parcel', 1,  'BOOKED',               true,  '{}'::text[],            NULL::interval, false),
  ('express_parcel', 2,  'PICKED_UP',            true,  '{BOOKED}',              '1 day',        false),
  ('express_parcel', 3,  'ORIGIN_RECEIVED',      false, '{PICKED_UP}',           '12 hours',     false),
  ('express_parcel', 4,  'EXPORT_DECLARED',      false, '{PICKED_UP}',           '12 hours',     false),
  ('express_parcel', 5,  'EXPORT_CLEARED',       true,  '{PICKED_UP}',           '1 day',        false),
  ('express_parcel', 6,  'DEPARTED',             true,  '{EXPORT_CLEARED}',      '1 day',        false),
  ('express_parcel', 7,  'TRANSSHIPPED',         false, '{DEPARTED}',            '1 day',        false),
  ('express_parcel', 8,  'ARRIVED',              true,  '{DEPARTED}',            '2 days',       false),
  ('express_parcel', 9,  'IMPORT_DECLARED',      false, '{}',                    NULL,           false),
  ('express_parcel', 10, 'CUSTOMS_HOLD',         false, '{ARRIVED}',             NULL,           false),
  ('express_parcel', 11, 'IMPORT_CLEARED',       true,  '{ARRIVED}',             '1 day',        false),
  ('express_parcel', 12, 'OUT_FOR_DELIVERY',     false, '{IMPORT_CLEARED}',      '1 day',        false),
  ('express_parcel', 13, 'DELIVERY_FAILED',      false, '{IMPORT_CLEARED}',      NULL,           false),
  ('express_parcel', 14, 'AVAILABLE_FOR_PICKUP', false, '{IMPORT_CLEARED}',      NULL,           false),
  ('express_parcel', 15, 'DELIVERED',            true,  '{IMPORT_CLEARED}',      '2 days',       true),
  ('express_parcel', 16, 'RETURNED',             false, '{PICKED_UP}',           NULL,           true),
  ('express_parcel', 17, 'CANCELLED',            false, '{}',                    NULL,           true),

  -- postal: UPU events EMA (accepted) .. EMC (left the outward office of
  -- exchange) .. EMD (at the inward office of exchange) .. EMI (delivered).
  ('postal', 1,  'BOOKED',               false, '{}',                   NULL,      false),
  ('postal', 2,  'ORIGIN_RECEIVED',      true,  '{}',                   NULL,      false),
  ('postal', 3,  'EXPORT_DECLARED',      false, '{ORIGIN_RECEIVED}',    '2 days',  false),
  ('postal', 4,  'EXPORT_CLEARED',       false, '{ORIGIN_RECEIVED}',    '3 days',  false),
  ('postal', 5,  'ORIGIN_DISPATCHED',    true,  '{ORIGIN_RECEIVED}',    '5 days',  false),
  ('postal', 6,  'ARRIVED',              true,  '{ORIGIN_DISPATCHED}',  '10 days', false),
  ('postal', 7,  'IMPORT_DECLARED',      false, '{ARRIVED}',            '2 days',  false),
  ('postal', 8,  'CUSTOMS_HOLD',         false, '{ARRIVED}',            NULL,      false),
  ('postal', 9,  'IMPORT_CLEARED',       true,  '{ARRIVED}',            '5 days',  false),
  ('postal', 10, 'OUT_FOR_DELIVERY',     false, '{IMPORT_CLEARED}',     '5 days',  false),
  ('postal', 11, 'DELIVERY_FAILED',      false, '{IMPORT_CLEARED}',     NULL,      false),
  ('postal', 12, 'AVAILABLE_FOR_PICKUP', false, '{IMPORT_CLEARED}',     NULL,      false),
  ('postal', 13, 'DELIVERED',            true,  '{IMPORT_CLEARED}',     '7 days',  true),
  ('postal', 14, 'RETURNED',             false, '{ORIGIN_RECEIVED}',    NULL,      true),
  ('postal', 15, 'CANCELLED',            false, '{}',                   NULL,      true),

  -- ecommerce_consolidated: hub inbound within 3 days of the order, bulk
  -- export declaration, consolidated air line-haul, bulk import clearance,
  -- injection into the last-mile network, delivery within 5 days of it.
  ('ecommerce_consolidated', 1,  'BOOKED',               true,  '{}',                      NULL,     false),
  ('ecommerce_consolidated', 2,  'PICKED_UP',            false, '{BOOKED}',                '2 days', false),
  ('ecommerce_consolidated', 3,  'ORIGIN_RECEIVED',      true,  '{BOOKED}',                '3 days', false),
  ('ecommerce_consolidated', 4,  'ORIGIN_DISPATCHED',    true,  '{ORIGIN_RECEIVED}',       '2 days', false),
  ('ecommerce_consolidated', 5,  'EXPORT_DECLARED',      false, '{ORIGIN_RECEIVED}',       '1 day',  false),
  ('ecommerce_consolidated', 6,  'EXPORT_CLEARED',       true,  '{ORIGIN_RECEIVED}',       '2 days', false),
  ('ecommerce_consolidated', 7,  'LOADED',               false, '{EXPORT_CLEARED}',        '2 days', false),
  ('ecommerce_consolidated', 8,  'DEPARTED',             true,  '{EXPORT_CLEARED}',        '3 days', false),
  ('ecommerce_consolidated', 9,  'TRANSSHIPPED',         false, '{DEPARTED}',              NULL,     false),
  ('ecommerce_consolidated', 10, 'ARRIVED',              true,  '{DEPARTED}',              '3 days', false),
  ('ecommerce_consolidated', 11, 'IMPORT_DECLARED',      false, '{}',                      NULL,     false),
  ('ecommerce_consolidated', 12, 'CUSTOMS_HOLD',         false, '{ARRIVED}',               NULL,     false),
  ('ecommerce_consolidated', 13, 'IMPORT_CLEARED',       true,  '{ARRIVED}',               '2 days', false),
  ('ecommerce_consolidated', 14, 'HANDED_TO_LAST_MILE',  true,  '{IMPORT_CLEARED}',        '2 days', false),
  ('ecommerce_consolidated', 15, 'OUT_FOR_DELIVERY',     false, '{HANDED_TO_LAST_MILE}',   '3 days', false),
  ('ecommerce_consolidated', 16, 'DELIVERY_FAILED',      false, '{HANDED_TO_LAST_MILE}',   NULL,     false),
  ('ecommerce_consolidated', 17, 'AVAILABLE_FOR_PICKUP', false, '{HANDED_TO_LAST_MILE}',   NULL,     false),
  ('ecommerce_consolidated', 18, 'DELIVERED',            true,  '{HANDED_TO_LAST_MILE}',   '5 days', true),
  ('ecommerce_consolidated', 19, 'RETURNED',             false, '{ORIGIN_RECEIVED}',       NULL,     true),
  ('ecommerce_consolidated', 20, 'CANCELLED',            false, '{}',                      NULL,     true),

  -- air: freight on hand within 3 days of booking, export cleared within 2,
  -- flown within 3 (the consolidation waits for its flight), arrived within
  -- 3 including a transfer, cleared within 2, delivered within 2.
  ('air', 1,  'BOOKED',               true,  '{}',                    NULL,       false),
  ('air', 2,  'PICKED_UP',            false, '{BOOKED}',              '2 days',   false),
  ('air', 3,  'ORIGIN_RECEIVED',      true,  '{BOOKED}',              '3 days',   false),
  ('air', 4,  'ORIGIN_DISPATCHED',    false, '{ORIGIN_RECEIVED}',     '1 day',    false),
  ('air', 5,  'EXPORT_DECLARED',      false, '{ORIGIN_RECEIVED}',     '1 day',    false),
  ('air', 6,  'EXPORT_CLEARED',       true,  '{ORIGIN_RECEIVED}',     '2 days',   false),
  ('air', 7,  'LOADED',               false, '{EXPORT_CLEARED}',      '2 days',   false),
  ('air', 8,  'DEPARTED',             true,  '{EXPORT_CLEARED}',      '3 days',   false),
  ('air', 9,  'TRANSSHIPPED',         false, '{DEPARTED}',            '2 days',   false),
  ('air', 10, 'ARRIVED',              true,  '{DEPARTED}',            '3 days',   false),
  ('air', 11, 'DISCHARGED',           false, '{ARRIVED}',             '12 hours', false),
  ('air', 12, 'IMPORT_DECLARED',      false, '{}',                    NULL,       false),
  ('air', 13, 'CUSTOMS_HOLD',         false, '{ARRIVED}',             NULL,       false),
  ('air', 14, 'IMPORT_CLEARED',       true,  '{ARRIVED}',             '2 days',   false),
  ('air', 15, 'CARRIER_RELEASED',     false, '{ARRIVED}',             '1 day',    false),
  ('air', 16, 'AVAILABLE_FOR_PICKUP', false, '{IMPORT_CLEARED}',      NULL,       false),
  ('air', 17, 'OUT_FOR_DELIVERY',     false, '{IMPORT_CLEARED}',      '1 day',    false),
  ('air', 18, 'DELIVERY_FAILED',      false, '{IMPORT_CLEARED}',      NULL,       false),
  ('air', 19, 'DELIVERED',            true,  '{IMPORT_CLEARED}',      '2 days',   true),
  ('air', 20, 'RETURNED',             false, '{ORIGIN_RECEIVED}',     NULL,       true),
  ('air', 21, 'CANCELLED',            false, '{}',                    NULL,       true),

  -- ocean_fcl: gate-in within 2 weeks of booking, on board within 3 days of
  -- export clearance, sailing within 2 days of loading, 5 weeks at sea
  -- (Asia-Europe with a transshipment), discharge within 2 days of arrival.
  ('ocean_fcl', 1,  'BOOKED',               true,  '{}',                                 NULL,      false),
  ('ocean_fcl', 2,  'PICKED_UP',            false, '{BOOKED}',                           '7 days',  false),
  ('ocean_fcl', 3,  'ORIGIN_RECEIVED',      true,  '{BOOKED}',                           '14 days', false),
  ('ocean_fcl', 4,  'EXPORT_DECLARED',      false, '{}',                                 '2 days',  false),
  ('ocean_fcl', 5,  'EXPORT_CLEARED',       true,  '{}',                                 '3 days',  false),
  ('ocean_fcl', 6,  'LOADED',               true,  '{ORIGIN_RECEIVED,EXPORT_CLEARED}',   '3 days',  false),
  ('ocean_fcl', 7,  'DEPARTED',             true,  '{LOADED}',                           '2 days',  false),
  ('ocean_fcl', 8,  'TRANSSHIPPED',         false, '{DEPARTED}',                         '21 days', false),
  ('ocean_fcl', 9,  'ARRIVED',              true,  '{DEPARTED}',                         '35 days', false),
  ('ocean_fcl', 10, 'DISCHARGED',           true,  '{ARRIVED}',                          '2 days',  false),
  ('ocean_fcl', 11, 'IMPORT_DECLARED',      false, '{}',                                 NULL,      false),
  ('ocean_fcl', 12, 'CUSTOMS_HOLD',         false, '{ARRIVED}',                          NULL,      false),
  ('ocean_fcl', 13, 'IMPORT_CLEARED',       true,  '{ARRIVED}',                          '3 days',  false),
  ('ocean_fcl', 14, 'CARRIER_RELEASED',     true,  '{}',                                 '2 days',  false),
  ('ocean_fcl', 15, 'AVAILABLE_FOR_PICKUP', false, '{DISCHARGED}',                       NULL,      false),
  ('ocean_fcl', 16, 'OUT_FOR_DELIVERY',     false, '{IMPORT_CLEARED,CARRIER_RELEASED}',  '3 days',  false),
  ('ocean_fcl', 17, 'DELIVERY_FAILED',      false, '{IMPORT_CLEARED,CARRIER_RELEASED}',  NULL,      false),
  ('ocean_fcl', 18, 'DELIVERED',            true,  '{IMPORT_CLEARED,CARRIER_RELEASED}',  '5 days',  true),
  ('ocean_fcl', 19, 'RETURNED',             false, '{LOADED}',                           NULL,      true),
  ('ocean_fcl', 20, 'CANCELLED',            false, '{}',                                 NULL,      true),

  -- ocean_lcl: at the origin CFS within 10 days of booking (CFS cut-off),
  -- on board within 5 days of export clearance (the weekly consolidation
  -- box), 5 weeks at sea, devanning and clearance at the destination CFS.
  ('ocean_lcl', 1,  'BOOKED',               true,  '{}',                                 NULL,      false),
  ('ocean_lcl', 2,  'PICKED_UP',            false, '{BOOKED}',                           '5 days',  false),
  ('ocean_lcl', 3,  'ORIGIN_RECEIVED',      true,  '{BOOKED}',                           '10 days', false),
  ('ocean_lcl', 4,  'EXPORT_DECLARED',      false, '{ORIGIN_RECEIVED}',                  '2 days',  false),
  ('ocean_lcl', 5,  'EXPORT_CLEARED',       true,  '{ORIGIN_RECEIVED}',                  '3 days',  false),
  ('ocean_lcl', 6,  'ORIGIN_DISPATCHED',    false, '{EXPORT_CLEARED}',                   '3 days',  false),
  ('ocean_lcl', 7,  'LOADED',               true,  '{EXPORT_CLEARED}',                   '5 days',  false),
  ('ocean_lcl', 8,  'DEPARTED',             true,  '{LOADED}',                           '2 days',  false),
  ('ocean_lcl', 9,  'TRANSSHIPPED',         false, '{DEPARTED}',                         '21 days', false),
  ('ocean_lcl', 10, 'ARRIVED',              true,  '{DEPARTED}',                         '35 days', false),
  ('ocean_lcl', 11, 'DISCHARGED',           true,  '{ARRIVED}',                          '2 days',  false),
  ('ocean_lcl', 12, 'IMPORT_DECLARED',      false, '{}',                                 NULL,      false),
  ('ocean_lcl', 13, 'CUSTOMS_HOLD',         false, '{ARRIVED}',                          NULL,      false),
  ('ocean_lcl', 14, 'IMPORT_CLEARED',       true,  '{ARRIVED}',                          '5 days',  false),
  ('ocean_lcl', 15, 'CARRIER_RELEASED',     true,  '{}',                                 '2 days',  false),
  ('ocean_lcl', 16, 'AVAILABLE_FOR_PICKUP', false, '{DISCHARGED}',                       NULL,      false),
  ('ocean_lcl', 17, 'OUT_FOR_DELIVERY',     false, '{IMPORT_CLEARED,CARRIER_RELEASED}',  '3 days',  false),
  ('ocean_lcl', 18, 'DELIVERY_FAILED',      false, '{IMPORT_CLEARED,CARRIER_RELEASED}',  NULL,      false),
  ('ocean_lcl', 19, 'DELIVERED',            true,  '{IMPORT_CLEARED,CARRIER_RELEASED}',  '5 days',  true),
  ('ocean_lcl', 20, 'RETURNED',             false, '{LOADED}',                           NULL,      true),
  ('ocean_lcl', 21, 'CANCELLED',            false, '{}',                                 NULL,      true),

  -- overseas_warehouse: first leg by sea into a warehouse abroad; ends when
  -- the warehouse has received and put away the goods (receiving
  -- appointments make that take up to a week after clearance).
  ('overseas_warehouse', 1,  'BOOKED',             true,  '{}',                 NULL,      false),
  ('overseas_warehouse', 2,  'PICKED_UP',          false, '{BOOKED}',           '3 days',  false),
  ('overseas_warehouse', 3,  'ORIGIN_RECEIVED',    true,  '{BOOKED}',           '7 days',  false),
  ('overseas_warehouse', 4,  'EXPORT_DECLARED',    false, '{ORIGIN_RECEIVED}',  '2 days',  false),
  ('overseas_warehouse', 5,  'EXPORT_CLEARED',     true,  '{ORIGIN_RECEIVED}',  '3 days',  false),
  ('overseas_warehouse', 6,  'LOADED',             false, '{EXPORT_CLEARED}',   '5 days',  false),
  ('overseas_warehouse', 7,  'DEPARTED',           true,  '{EXPORT_CLEARED}',   '7 days',  false),
  ('overseas_warehouse', 8,  'TRANSSHIPPED',       false, '{DEPARTED}',         '21 days', false),
  ('overseas_warehouse', 9,  'ARRIVED',            true,  '{DEPARTED}',         '35 days', false),
  ('overseas_warehouse', 10, 'DISCHARGED',         false, '{ARRIVED}',          '2 days',  false),
  ('overseas_warehouse', 11, 'IMPORT_DECLARED',    false, '{}',                 NULL,      false),
  ('overseas_warehouse', 12, 'CUSTOMS_HOLD',       false, '{ARRIVED}',          NULL,      false),
  ('overseas_warehouse', 13, 'IMPORT_CLEARED',     true,  '{ARRIVED}',          '3 days',  false),
  ('overseas_warehouse', 14, 'CARRIER_RELEASED',   false, '{}',                 '2 days',  false),
  ('overseas_warehouse', 15, 'OUT_FOR_DELIVERY',   false, '{IMPORT_CLEARED}',   '3 days',  false),
  ('overseas_warehouse', 16, 'WAREHOUSE_RECEIVED', true,  '{IMPORT_CLEARED}',   '7 days',  true),
  ('overseas_warehouse', 17, 'CANCELLED',          false, '{}',                 NULL,      true),

  -- export_only: the forwarder books, picks up, declares and clears for
  -- export; its job ends when the goods depart.
  ('export_only', 1, 'BOOKED',           true,  '{}',                 NULL,     false),
  ('export_only', 2, 'PICKED_UP',        true,  '{BOOKED}',           '2 days', false),
  ('export_only', 3, 'ORIGIN_RECEIVED',  false, '{PICKED_UP}',        '1 day',  false),
  ('export_only', 4, 'EXPORT_DECLARED',  true,  '{}',                 '1 day',  false),
  ('export_only', 5, 'EXPORT_CLEARED',   true,  '{EXPORT_DECLARED}',  '2 days', false),
  ('export_only', 6, 'LOADED',           false, '{EXPORT_CLEARED}',   '3 days', false),
  ('export_only', 7, 'DEPARTED',         true,  '{EXPORT_CLEARED}',   '3 days', true),
  ('export_only', 8, 'CANCELLED',        false, '{}',                 NULL,     true),

  -- import_only: the broker's job starts when the goods arrive.
  ('import_only', 1,  'ARRIVED',              true,  '{}',                  NULL,     false),
  ('import_only', 2,  'DISCHARGED',           false, '{ARRIVED}',           '2 days', false),
  ('import_only', 3,  'IMPORT_DECLARED',      true,  '{}',                  '1 day',  false),
  ('import_only', 4,  'CUSTOMS_HOLD',         false, '{IMPORT_DECLARED}',   NULL,     false),
  ('import_only', 5,  'IMPORT_CLEARED',       true,  '{IMPORT_DECLARED}',   '2 days', false),
  ('import_only', 6,  'CARRIER_RELEASED',     false, '{}',                  '2 days', false),
  ('import_only', 7,  'AVAILABLE_FOR_PICKUP', false, '{IMPORT_CLEARED}',    NULL,     false),
  ('import_only', 8,  'OUT_FOR_DELIVERY',     false, '{IMPORT_CLEARED}',    '1 day',  false),
  ('import_only', 9,  'DELIVERY_FAILED',      false, '{IMPORT_CLEARED}',    NULL,     false),
  ('import_only', 10, 'DELIVERED',            true,  '{IMPORT_CLEARED}',    '3 days', true),
  ('import_only', 11, 'CANCELLED',            false, '{}',                  NULL,     true)
) AS v(f, p, m, r, pre, sla, t);

-- From here on, shipped rows are read-only (see the top of 60_milestone_model.sql).
CREATE TRIGGER milestone_guard_builtin
  BEFORE INSERT OR UPDATE OR DELETE ON cbl.milestone
  FOR EACH ROW EXECUTE FUNCTION cbl.guard_builtin();
COMMENT ON TRIGGER milestone_guard_builtin ON cbl.milestone IS 'shipped milestones are read-only';
CREATE TRIGGER milestone_guard_truncate
  BEFORE TRUNCATE ON cbl.milestone
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.guard_builtin();
COMMENT ON TRIGGER milestone_guard_truncate ON cbl.milestone IS 'cbl.milestone holds shipped rows: no TRUNCATE';
CREATE TRIGGER framework_guard_builtin
  BEFORE INSERT OR UPDATE OR DELETE ON cbl.framework
  FOR EACH ROW EXECUTE FUNCTION cbl.guard_builtin();
COMMENT ON TRIGGER framework_guard_builtin ON cbl.framework IS 'shipped frameworks are read-only';
CREATE TRIGGER framework_guard_truncate
  BEFORE TRUNCATE ON cbl.framework
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.guard_builtin();
COMMENT ON TRIGGER framework_guard_truncate ON cbl.framework IS 'cbl.framework holds shipped rows: no TRUNCATE';
CREATE TRIGGER framework_step_guard_builtin
  BEFORE INSERT OR UPDATE OR DELETE ON cbl.framework_step
  FOR EACH ROW EXECUTE FUNCTION cbl.guard_builtin();
COMMENT ON TRIGGER framework_step_guard_builtin ON cbl.framework_step IS
  'the steps of shipped frameworks are read-only, and no step can be added to them';
CREATE TRIGGER framework_step_guard_truncate
  BEFORE TRUNCATE ON cbl.framework_step
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.guard_builtin();
COMMENT ON TRIGGER framework_step_guard_truncate ON cbl.framework_step IS 'cbl.framework_step holds shipped rows: no TRUNCATE';
