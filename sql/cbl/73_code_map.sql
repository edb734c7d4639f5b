-- Code maps: how the codes of a standard (IATA, DCSA, UPU, X12, a carrier's
-- own list) become canonical milestones.  Ingest picks, for an event given
-- as standard + code, the most specific row: exact qualifier before '',
-- then exact version before ''.  docs/formats.md lists the shipped maps.

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
  PRIMARY KEY (standard, version, code, qualifier),
  CONSTRAINT code_map_target_check CHECK (milestone IS NOT NULL OR reason_code IS NOT NULL)
);
COMMENT ON TABLE cbl.code_map IS
  'maps codes of a standard (IATA, DCSA, UPU, X12, a carrier''s own) to canonical milestones, for events given as standard + code; users add or override rows (pg_dump keeps theirs)';
COMMENT ON COLUMN cbl.code_map.standard IS 'name of the standard or carrier code list, e.g. IATA';
COMMENT ON COLUMN cbl.code_map.version IS 'version of the standard the row is for, or '''' for every version';
COMMENT ON COLUMN cbl.code_map.code IS 'the code as the source sends it, e.g. DEP';
COMMENT ON COLUMN cbl.code_map.qualifier IS 'what the code alone does not say (e.g. DCSA event type, port of loading or discharge), or '''' for any';
COMMENT ON COLUMN cbl.code_map.milestone IS 'canonical milestone code, or NULL when the code is not a milestone (then reason_code says what it is)';
COMMENT ON COLUMN cbl.code_map.classifier IS 'PLN, EST or ACT for events that do not give one, or NULL';
COMMENT ON COLUMN cbl.code_map.reason_code IS 'reason code put on the event when it gives none (holds, delays)';
COMMENT ON COLUMN cbl.code_map.description IS 'what the code means in its standard';
COMMENT ON COLUMN cbl.code_map.builtin IS 'shipped with cbl (not in pg_dump output)';
SELECT pg_catalog.pg_extension_config_dump('cbl.code_map', 'WHERE NOT builtin');

INSERT INTO cbl.code_map (standard, code, milestone, classifier, description, builtin) VALUES
  ('IATA', 'BKD', 'BOOKED', 'ACT', 'booked', true),
  ('IATA', 'RCS', 'ORIGIN_RECEIVED', 'ACT', 'received from shipper', true),
  ('IATA', 'MAN', 'LOADED', 'ACT', 'manifested', true),
  ('IATA', 'DEP', 'DEPARTED', 'ACT', 'departed', true),
  ('IATA', 'ARR', 'ARRIVED', 'ACT', 'arrived', true),
  ('IATA', 'RCF', 'DISCHARGED', 'ACT', 'received from flight', true),
  ('IATA', 'CCD', 'IMPORT_CLEARED', 'ACT', 'cleared by customs', true),
  ('IATA', 'NFD', 'AVAILABLE_FOR_PICKUP', 'ACT', 'consignee notified for delivery', true),
  ('IATA', 'DLV', 'DELIVERED', 'ACT', 'delivered', true);
