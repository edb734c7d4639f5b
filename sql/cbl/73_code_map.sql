-- Code maps: how the codes of a standard (IATA, DCSA, UPU, X12, a carrier's
-- own list) become canonical milestones.  Ingest picks, for an event given
-- as standard + code, the most specific row: the exact qualifier, then the
-- qualifier cut at its last '.' (so 'LADEN.EXPORT' falls back to 'LADEN'),
-- then ''; among those the exact version before ''; a user's row before a
-- shipped one.  docs/formats.md lists the shipped maps.
--
-- A row whose milestone is NULL says the code is not a milestone (a hold, a
-- delay, a document step, a sensor reading): an event with it is recorded
-- with no milestone and the row's reason_code (the state ignores it), and
-- raises says which exception such an event opens (cbl.detect_exceptions),
-- or NULL for a code that is only information.

CREATE TABLE cbl.code_map (
  standard     text NOT NULL CONSTRAINT code_map_standard_check CHECK (standard <> ''),
  version      text NOT NULL DEFAULT '',
  code         text NOT NULL CONSTRAINT code_map_code_check CHECK (code <> ''),
  qualifier    text NOT NULL DEFAULT '',
  milestone    text REFERENCES cbl.milestone (code),
  classifier   text CONSTRAINT code_map_classifier_check CHECK (classifier IN ('PLN', 'EST', 'ACT')),
  reason_code  text,
  description  text,
  builtin      boolean NOT NULL DEFAULT false,
  raises       text CONSTRAINT code_map_raises_check CHECK (raises IN ('customs_hold', 'delivery_failed', 'delayed')),
  PRIMARY KEY (standard, version, code, qualifier, builtin),
  CONSTRAINT code_map_target_check CHECK (milestone IS NOT NULL OR reason_code IS NOT NULL),
  -- a milestone raises through its own rules (CUSTOMS_HOLD, DELIVERY_FAILED)
  CONSTRAINT code_map_raises_reason_check CHECK (raises IS NULL OR milestone IS NULL)
);
COMMENT ON TABLE cbl.code_map IS
  'maps codes of a standard (IATA, DCSA, UPU, X12, a carrier''s own) to canonical milestones, for events given as standard + code; users add rows, and a user''s row with the key of a shipped one overrides it (pg_dump keeps the users'' rows)';
COMMENT ON COLUMN cbl.code_map.standard IS 'name of the standard or carrier code list, e.g. IATA, DCSA, UPU, X12-315, X12-315-DTM, X12-214';
COMMENT ON COLUMN cbl.code_map.version IS 'version of the standard the row is for, or '''' for every version';
COMMENT ON COLUMN cbl.code_map.code IS 'the code as the source sends it, e.g. DEP';
COMMENT ON COLUMN cbl.code_map.qualifier IS 'what the code alone does not say (DCSA: EMPTY/LADEN and .EXPORT/.IMPORT/.TRANSSHIPMENT, or the document type; X12 315 and its DTMs: the port function; IATA: ORIGIN, DESTINATION or TRANSIT, or the discrepancy), or '''' for any';
COMMENT ON COLUMN cbl.code_map.milestone IS 'canonical milestone code, or NULL when the code is not a milestone (then reason_code says what it is)';
COMMENT ON COLUMN cbl.code_map.classifier IS 'PLN, EST or ACT for events that do not give one, or NULL';
COMMENT ON COLUMN cbl.code_map.reason_code IS 'reason code put on the event when it gives none (holds, failed deliveries); for a code that is not a milestone, what it is';
COMMENT ON COLUMN cbl.code_map.description IS 'what the code means in its standard';
COMMENT ON COLUMN cbl.code_map.raises IS 'for a code that is not a milestone: the exception an event with its reason code raises (customs_hold, delivery_failed or delayed, docs/exceptions.md), or NULL for information only (documents, warehouse steps)';
COMMENT ON COLUMN cbl.code_map.builtin IS 'shipped with cbl (not in pg_dump output, read-only); a row of your own with the same key takes precedence';
SELECT pg_catalog.pg_extension_config_dump('cbl.code_map', 'WHERE NOT builtin');

-- The shipped maps.  IATA: Cargo-IMP/Cargo-XML status codes (FSU, XFSU, ONE
-- Record), qualified by the place against the air waybill (ORIGIN,
-- DESTINATION, TRANSIT) or, for DIS, the discrepancy.  UPU: EMSEVT event
-- codes.  DCSA: Track & Trace 2.2 and 3.0 transport, equipment, shipment,
-- IoT and reefer event type codes.  X12-315: element 157 on B4, qualified by
-- the R4 port function (L loading, D discharge, E delivery, R receipt, I or
-- T interim/transshipment).  X12-315-DTM: the dates of a 315's ports, code
-- DTM01 (element 374: 139 estimated, 140 actual, 369/370 departure, 371/372
-- arrival, estimated/actual) qualified by the R4 port function; a date at a
-- port of another function is information.  X12-214: element 1650 on AT7.
INSERT INTO cbl.code_map (standard, version, code, qualifier, milestone, classifier, reason_code, description, builtin)
SELECT v.standard, v.version, v.code, v.qualifier, v.milestone, v.classifier, v.reason_code, v.description, true
  FROM (VALUES
  ('IATA', '', 'BKD', '', 'BOOKED', 'ACT', NULL, 'booked on a flight between two airports on a date'),
  ('IATA', '', 'FOH', '', 'ORIGIN_RECEIVED', 'ACT', NULL, 'freight on hand: received, pending the ready-for-carriage check'),
  ('IATA', '', 'RCS', '', 'ORIGIN_RECEIVED', 'ACT', NULL, 'received from the shipper or its agent, ready for carriage'),
  ('IATA', '', 'DPU', '', 'PICKED_UP', 'ACT', NULL, 'picked up at the shippers door'),
  ('IATA', '', 'DOC', '', NULL, 'ACT', 'DOC', 'documents received by the handling party'),
  ('IATA', '', 'FIW', '', NULL, 'ACT', 'FIW', 'freight into warehouse control'),
  ('IATA', '', 'FOW', '', NULL, 'ACT', 'FOW', 'freight out of warehouse control'),
  ('IATA', '', 'PRE', '', NULL, 'ACT', 'PRE', 'prepared for loading on a flight'),
  ('IATA', '', 'MAN', '', 'LOADED', 'ACT', NULL, 'manifested on a flight'),
  ('IATA', '', 'MAN', 'TRANSIT', 'TRANSSHIPPED', 'ACT', NULL, 'manifested on the onward flight at a transit airport'),
  ('IATA', '', 'DEP', '', 'DEPARTED', 'ACT', NULL, 'departed on a flight'),
  ('IATA', '', 'DEP', 'TRANSIT', 'TRANSSHIPPED', 'ACT', NULL, 'departed on the onward flight from a transit airport'),
  ('IATA', '', 'ARR', '', 'ARRIVED', 'ACT', NULL, 'arrived on a flight'),
  ('IATA', '', 'ARR', 'TRANSIT', 'TRANSSHIPPED', 'ACT', NULL, 'arrived on a flight at a transit airport'),
  ('IATA', '', 'RCF', '', 'DISCHARGED', 'ACT', NULL, 'received from a flight at the destination'),
  ('IATA', '', 'RCF', 'TRANSIT', 'TRANSSHIPPED', 'ACT', NULL, 'received from a flight at a transit airport'),
  ('IATA', '', 'AWR', '', NULL, 'ACT', 'AWR', 'arrival documents received from a flight'),
  ('IATA', '', 'TRM', '', 'TRANSSHIPPED', 'ACT', NULL, 'manifested or to be transferred to another carrier'),
  ('IATA', '', 'TFD', '', 'TRANSSHIPPED', 'ACT', NULL, 'transferred to another carrier'),
  ('IATA', '', 'TFD', 'DESTINATION', 'HANDED_TO_LAST_MILE', 'ACT', NULL, 'transferred to another carrier at the destination'),
  ('IATA', '', 'RCT', '', 'TRANSSHIPPED', 'ACT', NULL, 'received from another carrier'),
  ('IATA', '', 'RCT', 'ORIGIN', 'ORIGIN_RECEIVED', 'ACT', NULL, 'received from another carrier at the origin'),
  ('IATA', '', 'CRC', '', 'IMPORT_DECLARED', 'ACT', NULL, 'reported to customs'),
  ('IATA', '', 'CRC', 'ORIGIN', 'EXPORT_DECLARED', 'ACT', NULL, 'reported to customs at the origin'),
  ('IATA', '', 'CCD', '', 'IMPORT_CLEARED', 'ACT', NULL, 'cleared by customs'),
  ('IATA', '', 'CCD', 'ORIGIN', 'EXPORT_CLEARED', 'ACT', NULL, 'cleared by customs at the origin'),
  ('IATA', '', 'TGC', '', NULL, 'ACT', 'TGC', 'transferred to customs or government control'),
  ('IATA', '', 'NFD', '', 'AVAILABLE_FOR_PICKUP', 'ACT', NULL, 'consignee or its agent notified of the arrival'),
  ('IATA', '', 'AWD', '', 'CARRIER_RELEASED', 'ACT', NULL, 'arrival documents delivered to the consignee or its agent'),
  ('IATA', '', 'DLV', '', 'DELIVERED', 'ACT', NULL, 'delivered to the consignee or its agent'),
  ('IATA', '', 'DDL', '', 'DELIVERED', 'ACT', NULL, 'delivered to the consignees door'),
  ('IATA', '', 'DIS', '', NULL, 'ACT', 'DIS', 'discrepancy in the handling of the consignment or its documents'),
  ('IATA', '', 'DIS', 'DFLD', NULL, 'ACT', 'DFLD', 'discrepancy: definitely loaded'),
  ('IATA', '', 'DIS', 'FDAV', NULL, 'ACT', 'FDAV', 'discrepancy: found mail document'),
  ('IATA', '', 'DIS', 'FDAW', NULL, 'ACT', 'FDAW', 'discrepancy: found air waybill'),
  ('IATA', '', 'DIS', 'FDCA', NULL, 'ACT', 'FDCA', 'discrepancy: found cargo'),
  ('IATA', '', 'DIS', 'FDMB', NULL, 'ACT', 'FDMB', 'discrepancy: found mailbag'),
  ('IATA', '', 'DIS', 'MSAV', NULL, 'ACT', 'MSAV', 'discrepancy: missing mail document'),
  ('IATA', '', 'DIS', 'MSAW', NULL, 'ACT', 'MSAW', 'discrepancy: missing air waybill'),
  ('IATA', '', 'DIS', 'MSCA', NULL, 'ACT', 'MSCA', 'discrepancy: missing cargo'),
  ('IATA', '', 'DIS', 'MSMB', NULL, 'ACT', 'MSMB', 'discrepancy: missing mailbag'),
  ('IATA', '', 'DIS', 'OFLD', NULL, 'ACT', 'OFLD', 'discrepancy: offloaded'),
  ('IATA', '', 'DIS', 'OVCD', NULL, 'ACT', 'OVCD', 'discrepancy: overcarried'),
  ('IATA', '', 'DIS', 'SSPD', NULL, 'ACT', 'SSPD', 'discrepancy: shortshipped'),
  ('UPU', '', 'EMA', '', 'ORIGIN_RECEIVED', 'ACT', NULL, 'posting or collection'),
  ('UPU', '', 'EMB', '', NULL, 'ACT', 'EMB', 'arrival at the outward office of exchange'),
  ('UPU', '', 'EMC', '', 'ORIGIN_DISPATCHED', 'ACT', NULL, 'departure from the outward office of exchange'),
  ('UPU', '', 'EMD', '', 'ARRIVED', 'ACT', NULL, 'arrival at the inward office of exchange'),
  ('UPU', '', 'EME', '', 'CUSTOMS_HOLD', 'ACT', 'EME', 'held by customs'),
  ('UPU', '', 'EMF', '', 'IMPORT_CLEARED', 'ACT', NULL, 'departure from the inward office of exchange (after customs)'),
  ('UPU', '', 'EMG', '', NULL, 'ACT', 'EMG', 'arrival at the delivery office'),
  ('UPU', '', 'EMH', '', 'DELIVERY_FAILED', 'ACT', 'EMH', 'unsuccessful delivery attempt'),
  ('UPU', '', 'EMI', '', 'DELIVERED', 'ACT', NULL, 'final delivery'),
  ('UPU', '', 'EMJ', '', 'TRANSSHIPPED', 'ACT', NULL, 'arrival at a transit office of exchange'),
  ('UPU', '', 'EMK', '', 'TRANSSHIPPED', 'ACT', NULL, 'departure from a transit office of exchange'),
  ('UPU', '', 'EXA', '', 'EXPORT_DECLARED', 'ACT', NULL, 'presented to export customs'),
  ('UPU', '', 'EXB', '', 'CUSTOMS_HOLD', 'ACT', 'EXB', 'held by export customs'),
  ('UPU', '', 'EXC', '', 'EXPORT_CLEARED', 'ACT', NULL, 'returned from export customs'),
  ('UPU', '', 'EXD', '', NULL, 'ACT', 'EXD', 'held at the outward office of exchange'),
  ('UPU', '', 'EXX', '', 'CANCELLED', 'ACT', NULL, 'export cancelled'),
  ('UPU', '', 'EDA', '', NULL, 'ACT', 'EDA', 'held at the inward office of exchange'),
  ('UPU', '', 'EDB', '', 'IMPORT_DECLARED', 'ACT', NULL, 'presented to import customs'),
  ('UPU', '', 'EDC', '', 'IMPORT_CLEARED', 'ACT', NULL, 'returned from import customs'),
  ('UPU', '', 'EDD', '', NULL, 'ACT', 'EDD', 'into a sorting centre'),
  ('UPU', '', 'EDE', '', NULL, 'ACT', 'EDE', 'out of a sorting centre'),
  ('UPU', '', 'EDF', '', NULL, 'ACT', 'EDF', 'on hold at the delivery office'),
  ('UPU', '', 'EDG', '', 'OUT_FOR_DELIVERY', 'ACT', NULL, 'out for delivery'),
  ('UPU', '', 'EDH', '', 'AVAILABLE_FOR_PICKUP', 'ACT', NULL, 'at a collection point for pick-up'),
  ('DCSA', '', 'ARRI', '', 'ARRIVED', NULL, NULL, 'transport event: the vessel (or barge, rail, truck) arrived at a port or terminal'),
  ('DCSA', '', 'DEPA', '', 'DEPARTED', NULL, NULL, 'transport event: the vessel (or barge, rail, truck) departed from a port or terminal'),
  ('DCSA', '', 'LOAD', '', 'LOADED', NULL, NULL, 'equipment loaded on board'),
  ('DCSA', '', 'LOAD', 'EMPTY', NULL, NULL, 'LOAD', 'empty equipment loaded (repositioning)'),
  ('DCSA', '', 'LOAD', 'LADEN.TRANSSHIPMENT', 'TRANSSHIPPED', NULL, NULL, 'laden equipment loaded at a transshipment port'),
  ('DCSA', '', 'LOAD', 'TRANSSHIPMENT', 'TRANSSHIPPED', NULL, NULL, 'equipment loaded at a transshipment port'),
  ('DCSA', '', 'DISC', '', 'DISCHARGED', NULL, NULL, 'equipment discharged from the vessel'),
  ('DCSA', '', 'DISC', 'EMPTY', NULL, NULL, 'DISC', 'empty equipment discharged (repositioning)'),
  ('DCSA', '', 'DISC', 'LADEN.TRANSSHIPMENT', 'TRANSSHIPPED', NULL, NULL, 'laden equipment discharged at a transshipment port'),
  ('DCSA', '', 'DISC', 'TRANSSHIPMENT', 'TRANSSHIPPED', NULL, NULL, 'equipment discharged at a transshipment port'),
  ('DCSA', '', 'GTIN', '', 'ORIGIN_RECEIVED', NULL, NULL, 'laden equipment gated in at the terminal of loading'),
  ('DCSA', '', 'GTIN', 'EMPTY', NULL, NULL, 'GTIN', 'empty equipment gated in (returned)'),
  ('DCSA', '', 'GTIN', 'LADEN.IMPORT', NULL, NULL, 'GTIN', 'laden equipment gated in on the import side'),
  ('DCSA', '', 'GTIN', 'LADEN.TRANSSHIPMENT', NULL, NULL, 'GTIN', 'laden equipment gated in at a transshipment place'),
  ('DCSA', '', 'GTIN', 'IMPORT', NULL, NULL, 'GTIN', 'equipment gated in on the import side'),
  ('DCSA', '', 'GTIN', 'TRANSSHIPMENT', NULL, NULL, 'GTIN', 'equipment gated in at a transshipment place'),
  ('DCSA', '', 'GTOT', '', 'OUT_FOR_DELIVERY', NULL, NULL, 'laden equipment gated out of the terminal of discharge for delivery'),
  ('DCSA', '', 'GTOT', 'EMPTY', NULL, NULL, 'GTOT', 'empty equipment gated out (released to the shipper)'),
  ('DCSA', '', 'GTOT', 'LADEN.EXPORT', NULL, NULL, 'GTOT', 'laden equipment gated out on the export side'),
  ('DCSA', '', 'GTOT', 'LADEN.TRANSSHIPMENT', NULL, NULL, 'GTOT', 'laden equipment gated out at a transshipment place'),
  ('DCSA', '', 'GTOT', 'EXPORT', NULL, NULL, 'GTOT', 'equipment gated out on the export side'),
  ('DCSA', '', 'GTOT', 'TRANSSHIPMENT', NULL, NULL, 'GTOT', 'equipment gated out at a transshipment place'),
  ('DCSA', '', 'STUF', '', NULL, NULL, 'STUF', 'cargo stuffed into the equipment'),
  ('DCSA', '', 'STRP', '', NULL, NULL, 'STRP', 'cargo stripped from the equipment'),
  ('DCSA', '', 'PICK', '', 'PICKED_UP', NULL, NULL, 'laden equipment collected at the shippers location'),
  ('DCSA', '', 'PICK', 'EMPTY', NULL, NULL, 'PICK', 'empty equipment collected at a customer location'),
  ('DCSA', '', 'PICK', 'LADEN.IMPORT', NULL, NULL, 'PICK', 'laden equipment collected on the import side'),
  ('DCSA', '', 'DROP', '', 'DELIVERED', NULL, NULL, 'laden equipment dropped at the consignees location'),
  ('DCSA', '', 'DROP', 'EMPTY', NULL, NULL, 'DROP', 'empty equipment dropped at a customer location'),
  ('DCSA', '', 'DROP', 'LADEN.EXPORT', NULL, NULL, 'DROP', 'laden equipment dropped on the export side'),
  ('DCSA', '', 'INSP', '', NULL, NULL, 'INSP', 'seal inspected'),
  ('DCSA', '', 'RSEA', '', NULL, NULL, 'RSEA', 'resealed after inspection'),
  ('DCSA', '', 'RMVD', '', NULL, NULL, 'RMVD', 'seal removed for inspection'),
  ('DCSA', '', 'AVPU', '', 'AVAILABLE_FOR_PICKUP', NULL, NULL, 'laden equipment available for pick-up'),
  ('DCSA', '', 'AVPU', 'EMPTY', NULL, NULL, 'AVPU', 'empty equipment available for pick-up'),
  ('DCSA', '', 'AVDO', '', NULL, NULL, 'AVDO', 'available for drop-off'),
  ('DCSA', '', 'CUSS', '', 'CUSTOMS_HOLD', NULL, 'CUSS', 'selected by customs for scanning'),
  ('DCSA', '', 'CUSI', '', 'CUSTOMS_HOLD', NULL, 'CUSI', 'selected by customs for inspection'),
  ('DCSA', '', 'CUSR', '', 'IMPORT_CLEARED', NULL, NULL, 'released by customs (2.2 does not say which side: import assumed)'),
  ('DCSA', '', 'CUSR', 'LADEN.EXPORT', 'EXPORT_CLEARED', NULL, NULL, 'released by export customs'),
  ('DCSA', '', 'CUSR', 'EXPORT', 'EXPORT_CLEARED', NULL, NULL, 'released by export customs'),
  ('DCSA', '', 'WAYP', '', NULL, NULL, 'WAYP', 'waypoint crossed'),
  ('DCSA', '', 'RECE', '', NULL, NULL, 'RECE', 'document received'),
  ('DCSA', '', 'DRFT', '', NULL, NULL, 'DRFT', 'document drafted'),
  ('DCSA', '', 'PENA', '', NULL, NULL, 'PENA', 'pending approval'),
  ('DCSA', '', 'PENU', '', NULL, NULL, 'PENU', 'pending update'),
  ('DCSA', '', 'PENC', '', NULL, NULL, 'PENC', 'pending confirmation'),
  ('DCSA', '', 'REJE', '', NULL, NULL, 'REJE', 'document rejected'),
  ('DCSA', '', 'APPR', '', NULL, NULL, 'APPR', 'document approved'),
  ('DCSA', '', 'ISSU', '', NULL, NULL, 'ISSU', 'document issued'),
  ('DCSA', '', 'SURR', '', NULL, NULL, 'SURR', 'document surrendered'),
  ('DCSA', '', 'SUBM', '', NULL, NULL, 'SUBM', 'document submitted'),
  ('DCSA', '', 'VOID', '', NULL, NULL, 'VOID', 'document voided'),
  ('DCSA', '', 'CONF', '', NULL, NULL, 'CONF', 'document confirmed'),
  ('DCSA', '', 'REQS', '', NULL, NULL, 'REQS', 'requested'),
  ('DCSA', '', 'CMPL', '', NULL, NULL, 'CMPL', 'completed'),
  ('DCSA', '', 'HOLD', '', NULL, NULL, 'HOLD', 'on hold'),
  ('DCSA', '', 'RELS', '', NULL, NULL, 'RELS', 'released'),
  ('DCSA', '', 'CANC', '', NULL, NULL, 'CANC', 'cancelled'),
  ('DCSA', '', 'CONF', 'BKG', 'BOOKED', NULL, NULL, 'booking confirmed'),
  ('DCSA', '', 'CANC', 'BKG', 'CANCELLED', NULL, NULL, 'booking cancelled'),
  ('DCSA', '', 'CANC', 'CBR', 'CANCELLED', NULL, NULL, 'booking request cancelled'),
  ('DCSA', '', 'VOID', 'BKG', 'CANCELLED', NULL, NULL, 'booking voided'),
  ('DCSA', '', 'ISSU', 'DEO', 'CARRIER_RELEASED', NULL, NULL, 'delivery order issued'),
  ('DCSA', '', 'RELS', 'DEO', 'CARRIER_RELEASED', NULL, NULL, 'delivery order released'),
  ('DCSA', '', 'RELS', 'CRO', 'CARRIER_RELEASED', NULL, NULL, 'container release order released'),
  ('DCSA', '', 'RELS', 'TRD', 'CARRIER_RELEASED', NULL, NULL, 'cargo released against the transport document'),
  ('DCSA', '', 'RELS', 'CUC', 'IMPORT_CLEARED', NULL, NULL, 'released by customs'),
  ('DCSA', '', 'RELS', 'CUS', 'IMPORT_CLEARED', NULL, NULL, 'released by customs'),
  ('DCSA', '', 'HOLD', 'CUC', 'CUSTOMS_HOLD', NULL, 'HOLD', 'held by customs'),
  ('DCSA', '', 'HOLD', 'CUS', 'CUSTOMS_HOLD', NULL, 'HOLD', 'held by customs'),
  ('DCSA', '', 'DETC', '', NULL, NULL, 'DETC', 'IoT: detected'),
  ('DCSA', '', 'ADJU', '', NULL, NULL, 'ADJU', 'reefer: settings adjusted'),
  ('DCSA', '', 'MEAS', '', NULL, NULL, 'MEAS', 'reefer: measured'),
  ('X12-315', '', 'A', '', NULL, 'ACT', 'A', 'arrived at the location'),
  ('X12-315', '', 'AA', '', 'PICKED_UP', 'PLN', NULL, 'pick-up appointment'),
  ('X12-315', '', 'AD', '', 'DELIVERED', 'PLN', NULL, 'delivery appointment'),
  ('X12-315', '', 'AE', '', 'LOADED', 'ACT', NULL, 'loaded on vessel'),
  ('X12-315', '', 'AE', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'loaded on vessel at an interim port'),
  ('X12-315', '', 'AE', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'loaded on vessel at a transshipment port'),
  ('X12-315', '', 'AG', '', 'DELIVERED', 'EST', NULL, 'estimated delivery'),
  ('X12-315', '', 'AH', '', 'DELIVERY_FAILED', 'ACT', 'AH', 'attempted delivery'),
  ('X12-315', '', 'AL', '', NULL, 'ACT', 'AL', 'loaded on rail'),
  ('X12-315', '', 'AM', '', NULL, 'ACT', 'AM', 'loaded on truck'),
  ('X12-315', '', 'AN', '', NULL, 'ACT', 'AN', 'delivered to air carrier'),
  ('X12-315', '', 'AO', '', NULL, 'ACT', 'AO', 'loaded on barge'),
  ('X12-315', '', 'AP', '', 'LOADED', 'ACT', NULL, 'loaded on feeder vessel'),
  ('X12-315', '', 'AR', '', NULL, 'ACT', 'AR', 'rail arrival at destination intermodal ramp'),
  ('X12-315', '', 'AV', '', 'AVAILABLE_FOR_PICKUP', 'ACT', NULL, 'available for delivery'),
  ('X12-315', '', 'AW', '', NULL, 'ACT', 'AW', 'awaiting export'),
  ('X12-315', '', 'BE', '', 'PICKED_UP', 'EST', NULL, 'estimated pick-up'),
  ('X12-315', '', 'BD', '', 'DELIVERED', 'EST', NULL, 'recommitted delivery date'),
  ('X12-315', '', 'BF', '', 'BOOKED', 'ACT', NULL, 'booking confirmed'),
  ('X12-315', '', 'BR', '', 'CARRIER_RELEASED', 'ACT', NULL, 'bill of lading released'),
  ('X12-315', '', 'C', '', 'DEPARTED', 'EST', NULL, 'estimated to depart'),
  ('X12-315', '', 'CA', '', 'CANCELLED', 'ACT', NULL, 'load cancelled'),
  ('X12-315', '', 'CO', '', 'ORIGIN_RECEIVED', 'ACT', NULL, 'cargo received at origin (carrier-defined)'),
  ('X12-315', '', 'CR', '', 'CARRIER_RELEASED', 'ACT', NULL, 'carrier release'),
  ('X12-315', '', 'CT', '', 'IMPORT_CLEARED', 'ACT', NULL, 'customs released'),
  ('X12-315', '', 'CT', 'L', 'EXPORT_CLEARED', 'ACT', NULL, 'customs released at the port of loading'),
  ('X12-315', '', 'CT', 'R', 'EXPORT_CLEARED', 'ACT', NULL, 'customs released at the place of receipt'),
  ('X12-315', '', 'CU', '', 'IMPORT_CLEARED', 'ACT', NULL, 'carrier and customs release'),
  ('X12-315', '', 'D', '', 'DELIVERED', 'ACT', NULL, 'delivered'),
  ('X12-315', '', 'E', '', 'ARRIVED', 'EST', NULL, 'estimated to arrive'),
  ('X12-315', '', 'EE', '', NULL, 'ACT', 'EE', 'empty equipment dispatched to pick up cargo'),
  ('X12-315', '', 'FT', '', NULL, 'ACT', 'FT', 'free time expired'),
  ('X12-315', '', 'I', '', 'ORIGIN_RECEIVED', 'ACT', NULL, 'in-gate'),
  ('X12-315', '', 'I', 'D', NULL, 'ACT', 'I', 'in-gate at the port of discharge'),
  ('X12-315', '', 'I', 'E', NULL, 'ACT', 'I', 'in-gate at the place of delivery'),
  ('X12-315', '', 'IB', '', NULL, 'ACT', 'IB', 'in-bond movement authorized'),
  ('X12-315', '', 'J', '', 'HANDED_TO_LAST_MILE', 'ACT', NULL, 'delivered to connecting line'),
  ('X12-315', '', 'K', '', 'IMPORT_DECLARED', 'ACT', NULL, 'at customs'),
  ('X12-315', '', 'NF', '', NULL, 'ACT', 'NF', 'free time to expire'),
  ('X12-315', '', 'OA', '', 'OUT_FOR_DELIVERY', 'ACT', NULL, 'out-gate'),
  ('X12-315', '', 'OA', 'L', NULL, 'ACT', 'OA', 'out-gate at the port of loading'),
  ('X12-315', '', 'OA', 'R', NULL, 'ACT', 'OA', 'out-gate at the place of receipt'),
  ('X12-315', '', 'P', '', NULL, 'ACT', 'P', 'departure from location'),
  ('X12-315', '', 'RD', '', NULL, 'ACT', 'RD', 'empty container returned'),
  ('X12-315', '', 'RL', '', NULL, 'ACT', 'RL', 'rail departure from origin intermodal ramp'),
  ('X12-315', '', 'UR', '', NULL, 'ACT', 'UR', 'unloaded from rail'),
  ('X12-315', '', 'UV', '', 'DISCHARGED', 'ACT', NULL, 'unloaded from vessel'),
  ('X12-315', '', 'UV', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'unloaded from vessel at an interim port'),
  ('X12-315', '', 'UV', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'unloaded from vessel at a transshipment port'),
  ('X12-315', '', 'VA', '', 'ARRIVED', 'ACT', NULL, 'vessel arrival'),
  ('X12-315', '', 'VA', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'vessel arrival at an interim port'),
  ('X12-315', '', 'VA', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'vessel arrival at a transshipment port'),
  ('X12-315', '', 'VD', '', 'DEPARTED', 'ACT', NULL, 'vessel departure'),
  ('X12-315', '', 'VD', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'vessel departure from an interim port'),
  ('X12-315', '', 'VD', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'vessel departure from a transshipment port'),
  ('X12-315', '', '2', '', NULL, 'ACT', '2', 'returned to the carriers terminal after a delivery attempt'),
  ('X12-315', '', '3', '', 'RETURNED', 'ACT', NULL, 'returned to the shipper'),
  ('X12-315', '', 'A1', '', 'CUSTOMS_HOLD', 'ACT', 'A1', 'Agriculture Canada hold'),
  ('X12-315', '', 'A2', '', NULL, 'ACT', 'A2', 'Agriculture Canada released'),
  ('X12-315', '', 'AC', '', NULL, 'ACT', 'AC', 'awaiting clearance'),
  ('X12-315', '', 'PA', '', 'CUSTOMS_HOLD', 'ACT', 'PA', 'US customs hold: intensive examination'),
  ('X12-315', '', 'PB', '', 'CUSTOMS_HOLD', 'ACT', 'PB', 'US customs hold: insufficient paperwork'),
  ('X12-315', '', 'PC', '', 'CUSTOMS_HOLD', 'ACT', 'PC', 'US customs hold: discrepancy in paperwork'),
  ('X12-315', '', 'PD', '', 'CUSTOMS_HOLD', 'ACT', 'PD', 'US customs hold: discrepancy in piece count'),
  ('X12-315', '', 'PE', '', 'CUSTOMS_HOLD', 'ACT', 'PE', 'US customs hold: hold by Coast Guard'),
  ('X12-315', '', 'PF', '', 'CUSTOMS_HOLD', 'ACT', 'PF', 'US customs hold: hold by F.B.I.'),
  ('X12-315', '', 'PG', '', 'CUSTOMS_HOLD', 'ACT', 'PG', 'US customs hold: hold by local law enforcement'),
  ('X12-315', '', 'PH', '', 'CUSTOMS_HOLD', 'ACT', 'PH', 'US customs hold: hold by court-imposed lien'),
  ('X12-315', '', 'PI', '', 'CUSTOMS_HOLD', 'ACT', 'PI', 'US customs hold: hold by Food and Drug'),
  ('X12-315', '', 'PJ', '', 'CUSTOMS_HOLD', 'ACT', 'PJ', 'US customs hold: hold by Fish and Wildlife'),
  ('X12-315', '', 'PK', '', 'CUSTOMS_HOLD', 'ACT', 'PK', 'US customs hold: hold by Drug Enforcement'),
  ('X12-315', '', 'PL', '', 'CUSTOMS_HOLD', 'ACT', 'PL', 'US customs hold: US Dept. of Agriculture hold for intensive investigation'),
  ('X12-315', '', 'PM', '', 'CUSTOMS_HOLD', 'ACT', 'PM', 'US customs hold: US Dept. of Agriculture hold for unregistered producer'),
  ('X12-315', '', 'PN', '', 'CUSTOMS_HOLD', 'ACT', 'PN', 'US customs hold: US Dept. of Agriculture hold for restricted commodity'),
  ('X12-315', '', 'PO', '', 'CUSTOMS_HOLD', 'ACT', 'PO', 'US customs hold: US Dept. of Agriculture hold for insect infestation'),
  ('X12-315', '', 'PP', '', 'CUSTOMS_HOLD', 'ACT', 'PP', 'US customs hold: US Dept. of Agriculture hold for bacterial contamination'),
  ('X12-315-DTM', '', '139', '', NULL, 'EST', 'DTM139', 'estimated time at a port of another function'),
  ('X12-315-DTM', '', '139', 'L', 'DEPARTED', 'EST', NULL, 'estimated departure from the port of loading'),
  ('X12-315-DTM', '', '139', 'D', 'ARRIVED', 'EST', NULL, 'estimated arrival at the port of discharge'),
  ('X12-315-DTM', '', '139', 'E', 'DELIVERED', 'EST', NULL, 'estimated arrival at the place of delivery'),
  ('X12-315-DTM', '', '139', 'I', 'TRANSSHIPPED', 'EST', NULL, 'estimated time at an interim port'),
  ('X12-315-DTM', '', '139', 'T', 'TRANSSHIPPED', 'EST', NULL, 'estimated time at a transshipment port'),
  ('X12-315-DTM', '', '140', '', NULL, 'ACT', 'DTM140', 'actual time at a port of another function'),
  ('X12-315-DTM', '', '140', 'L', 'DEPARTED', 'ACT', NULL, 'actual departure from the port of loading'),
  ('X12-315-DTM', '', '140', 'D', 'ARRIVED', 'ACT', NULL, 'actual arrival at the port of discharge'),
  ('X12-315-DTM', '', '140', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'actual time at an interim port'),
  ('X12-315-DTM', '', '140', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'actual time at a transshipment port'),
  ('X12-315-DTM', '', '369', '', NULL, 'EST', 'DTM369', 'estimated departure from a port of another function'),
  ('X12-315-DTM', '', '369', 'L', 'DEPARTED', 'EST', NULL, 'estimated departure from the port of loading'),
  ('X12-315-DTM', '', '369', 'I', 'TRANSSHIPPED', 'EST', NULL, 'estimated departure from an interim port'),
  ('X12-315-DTM', '', '369', 'T', 'TRANSSHIPPED', 'EST', NULL, 'estimated departure from a transshipment port'),
  ('X12-315-DTM', '', '370', '', NULL, 'ACT', 'DTM370', 'actual departure from a port of another function'),
  ('X12-315-DTM', '', '370', 'L', 'DEPARTED', 'ACT', NULL, 'actual departure from the port of loading'),
  ('X12-315-DTM', '', '370', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'actual departure from an interim port'),
  ('X12-315-DTM', '', '370', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'actual departure from a transshipment port'),
  ('X12-315-DTM', '', '371', '', NULL, 'EST', 'DTM371', 'estimated arrival at a port of another function'),
  ('X12-315-DTM', '', '371', 'D', 'ARRIVED', 'EST', NULL, 'estimated arrival at the port of discharge'),
  ('X12-315-DTM', '', '371', 'E', 'DELIVERED', 'EST', NULL, 'estimated arrival at the place of delivery'),
  ('X12-315-DTM', '', '371', 'I', 'TRANSSHIPPED', 'EST', NULL, 'estimated arrival at an interim port'),
  ('X12-315-DTM', '', '371', 'T', 'TRANSSHIPPED', 'EST', NULL, 'estimated arrival at a transshipment port'),
  ('X12-315-DTM', '', '372', '', NULL, 'ACT', 'DTM372', 'actual arrival at a port of another function'),
  ('X12-315-DTM', '', '372', 'D', 'ARRIVED', 'ACT', NULL, 'actual arrival at the port of discharge'),
  ('X12-315-DTM', '', '372', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'actual arrival at an interim port'),
  ('X12-315-DTM', '', '372', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'actual arrival at a transshipment port'),
  ('X12-214', '', 'A3', '', 'RETURNED', 'ACT', NULL, 'shipment returned to shipper'),
  ('X12-214', '', 'A7', '', 'DELIVERY_FAILED', 'ACT', 'A7', 'refused by consignee'),
  ('X12-214', '', 'A9', '', NULL, 'ACT', 'A9', 'shipment damaged'),
  ('X12-214', '', 'AA', '', 'PICKED_UP', 'PLN', NULL, 'pick-up appointment date and time'),
  ('X12-214', '', 'AB', '', 'DELIVERED', 'PLN', NULL, 'delivery appointment date and time'),
  ('X12-214', '', 'AF', '', 'PICKED_UP', 'ACT', NULL, 'carrier departed pick-up location with shipment'),
  ('X12-214', '', 'AG', '', 'DELIVERED', 'EST', NULL, 'estimated delivery'),
  ('X12-214', '', 'AH', '', 'DELIVERY_FAILED', 'ACT', 'AH', 'attempted delivery'),
  ('X12-214', '', 'AI', '', NULL, 'ACT', 'AI', 'shipment has been reconsigned'),
  ('X12-214', '', 'AJ', '', 'OUT_FOR_DELIVERY', 'ACT', NULL, 'tendered for delivery'),
  ('X12-214', '', 'AM', '', NULL, 'ACT', 'AM', 'loaded on truck'),
  ('X12-214', '', 'AN', '', NULL, 'ACT', 'AN', 'diverted to air carrier'),
  ('X12-214', '', 'AP', '', 'DELIVERY_FAILED', 'ACT', 'AP', 'delivery not completed'),
  ('X12-214', '', 'AR', '', NULL, 'ACT', 'AR', 'rail arrival at destination intermodal ramp'),
  ('X12-214', '', 'AV', '', 'AVAILABLE_FOR_PICKUP', 'ACT', NULL, 'available for delivery'),
  ('X12-214', '', 'B6', '', 'ARRIVED', 'EST', NULL, 'estimated to arrive at carrier terminal'),
  ('X12-214', '', 'BA', '', NULL, 'ACT', 'BA', 'connecting line or cartage pick-up'),
  ('X12-214', '', 'BB', '', NULL, 'ACT', 'BB', 'connecting line or cartage delivery'),
  ('X12-214', '', 'C1', '', 'DEPARTED', 'EST', NULL, 'estimated to depart terminal location'),
  ('X12-214', '', 'CA', '', 'CANCELLED', 'ACT', NULL, 'shipment cancelled'),
  ('X12-214', '', 'CD', '', NULL, 'ACT', 'CD', 'carrier departed delivery location'),
  ('X12-214', '', 'CL', '', NULL, 'ACT', 'CL', 'trailer closed out'),
  ('X12-214', '', 'CP', '', NULL, 'ACT', 'CP', 'completed loading at pick-up location'),
  ('X12-214', '', 'D1', '', 'DELIVERED', 'ACT', NULL, 'completed unloading at delivery location'),
  ('X12-214', '', 'I1', '', NULL, 'ACT', 'I1', 'in-gate'),
  ('X12-214', '', 'J1', '', 'HANDED_TO_LAST_MILE', 'ACT', NULL, 'delivered to connecting line'),
  ('X12-214', '', 'K1', '', 'IMPORT_DECLARED', 'ACT', NULL, 'arrived at customs'),
  ('X12-214', '', 'L1', '', NULL, 'ACT', 'L1', 'loading'),
  ('X12-214', '', 'OA', '', NULL, 'ACT', 'OA', 'out-gate'),
  ('X12-214', '', 'OO', '', NULL, 'ACT', 'OO', 'paperwork received, shipment or equipment not received'),
  ('X12-214', '', 'P1', '', 'DEPARTED', 'ACT', NULL, 'departed terminal location'),
  ('X12-214', '', 'PR', '', 'CUSTOMS_HOLD', 'ACT', 'PR', 'US customs hold at in-bond location'),
  ('X12-214', '', 'R1', '', NULL, 'ACT', 'R1', 'received from prior carrier'),
  ('X12-214', '', 'RL', '', NULL, 'ACT', 'RL', 'rail departure from origin intermodal ramp'),
  ('X12-214', '', 'S1', '', NULL, 'ACT', 'S1', 'trailer spotted at consignees location'),
  ('X12-214', '', 'SD', '', NULL, 'ACT', 'SD', 'shipment delayed'),
  ('X12-214', '', 'X1', '', NULL, 'ACT', 'X1', 'arrived at delivery location'),
  ('X12-214', '', 'X2', '', 'DELIVERED', 'EST', NULL, 'estimated date and time of arrival at consignees location'),
  ('X12-214', '', 'X3', '', NULL, 'ACT', 'X3', 'arrived at pick-up location'),
  ('X12-214', '', 'X4', '', 'ARRIVED', 'ACT', NULL, 'arrived at terminal location'),
  ('X12-214', '', 'X5', '', NULL, 'ACT', 'X5', 'arrived at delivery location loading dock'),
  ('X12-214', '', 'X6', '', 'OUT_FOR_DELIVERY', 'ACT', NULL, 'en route to delivery location'),
  ('X12-214', '', 'X8', '', NULL, 'ACT', 'X8', 'arrived at pick-up location loading dock'),
  ('X12-214', '', 'XB', '', 'BOOKED', 'ACT', NULL, 'shipment acknowledged')
) AS v(standard, version, code, qualifier, milestone, classifier, reason_code, description);

-- What the shipped codes that are not milestones raise (the others are
-- information).  A customs hold lasts until clearance or the end of the
-- shipment, a failed delivery until the end, a delay until a later actual
-- milestone or the end (docs/exceptions.md).  Customs holds that are
-- milestones (CUSTOMS_HOLD: DCSA HOLD/CUS, X12 PA-PP and PR, UPU EME and
-- EXB) and failed deliveries that are (DELIVERY_FAILED) raise by their
-- milestone.
UPDATE cbl.code_map c SET raises = v.raises
  FROM (VALUES
  ('IATA', 'TGC', '', 'customs_hold'),
  ('IATA', 'DIS', 'OFLD', 'delayed'),
  ('IATA', 'DIS', 'SSPD', 'delayed'),
  ('UPU', 'EXD', '', 'delayed'),
  ('UPU', 'EDA', '', 'delayed'),
  ('UPU', 'EDF', '', 'delayed'),
  ('DCSA', 'HOLD', '', 'delayed'),
  ('X12-315', '2', '', 'delivery_failed'),
  ('X12-214', 'SD', '', 'delayed')
) AS v(standard, code, qualifier, raises)
 WHERE c.builtin AND c.standard = v.standard AND c.version = '' AND c.code = v.code
   AND c.qualifier = v.qualifier;

-- Shipped rows are read-only: pg_dump leaves them out, so a change would be
-- lost in the next restore.  Override one with a row of your own instead.
-- (Also guards cbl.location_zone, 76_formats.sql.)
CREATE FUNCTION cbl.format_data_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  what text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'cannot truncate cbl.%: it holds rows shipped with cbl', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege',
            HINT = format('Delete your own rows with DELETE FROM cbl.%s WHERE NOT builtin.', TG_TABLE_NAME);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
    IF TG_TABLE_NAME = 'code_map' THEN
      what := format('code map row %s%s "%s"%s', OLD.standard,
                     CASE WHEN OLD.version <> '' THEN ' ' || OLD.version ELSE '' END, OLD.code,
                     CASE WHEN OLD.qualifier <> '' THEN format(' (qualifier "%s")', OLD.qualifier) ELSE '' END);
    ELSE
      what := format('place "%s"', OLD.code);
    END IF;
    RAISE EXCEPTION '% is shipped with cbl and cannot be changed', what
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Shipped rows are restored by CREATE EXTENSION and left out of pg_dump, so a change to them would be lost.',
            HINT = 'Insert a row of your own with the same key (builtin false): it takes precedence.';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.builtin THEN
    RAISE EXCEPTION 'cannot mark a row of cbl.% as builtin', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Only rows shipped with cbl are builtin; pg_dump leaves them out.';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION cbl.format_data_guard() IS
  'trigger: refuses changes to the rows of cbl.code_map and cbl.location_zone shipped with cbl, and TRUNCATE of those tables';
REVOKE ALL ON FUNCTION cbl.format_data_guard() FROM PUBLIC;
CREATE TRIGGER code_map_guard_builtin
  BEFORE INSERT OR UPDATE OR DELETE ON cbl.code_map
  FOR EACH ROW EXECUTE FUNCTION cbl.format_data_guard();
COMMENT ON TRIGGER code_map_guard_builtin ON cbl.code_map IS 'shipped code map rows are read-only';
CREATE TRIGGER code_map_guard_truncate
  BEFORE TRUNCATE ON cbl.code_map
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.format_data_guard();
COMMENT ON TRIGGER code_map_guard_truncate ON cbl.code_map IS 'cbl.code_map holds shipped rows: no TRUNCATE';
