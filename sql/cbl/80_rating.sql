-- Rating (docs/rate-cards.md): rate cards and the functions that price a
-- shipment with them.
--
-- A card's definition is JSON that users write and pg_dump keeps.  C
-- compiles it (src/rate_card_parse.c) when a row is written, refusing it
-- with the JSON path of what is wrong, and again, once, into each backend's
-- cache of compiled cards, which every change to the table invalidates
-- (src/rate_card.c).  Rating itself is plain C over the compiled card
-- (src/rating.c): no SQL runs per shipment.

CREATE TABLE cbl.rate_card (
  code         text NOT NULL
               CONSTRAINT rate_card_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
  version      integer NOT NULL CONSTRAINT rate_card_version_check CHECK (version > 0),
  kind         text NOT NULL CONSTRAINT rate_card_kind_check CHECK (kind IN ('sell', 'buy')),
  owner_id     bigint REFERENCES cbl.party (id),
  currency     text NOT NULL REFERENCES cbl.currency (code),
  validity     daterange NOT NULL
               CONSTRAINT rate_card_validity_check CHECK (NOT isempty(validity)),
  definition   jsonb NOT NULL,
  description  text,
  PRIMARY KEY (code, version),
  -- a buy card is some supplier's price list; a sell card may be the
  -- forwarder's general tariff (no owner) or one customer's
  CONSTRAINT rate_card_owner_check CHECK (kind = 'sell' OR owner_id IS NOT NULL)
);
COMMENT ON TABLE cbl.rate_card IS
  'rate cards: a price list per code and version, valid over a date range (versions of a code never overlap); the definition is JSON, see docs/rate-cards.md';
COMMENT ON COLUMN cbl.rate_card.code IS
  'card code, e.g. EXP-DE; cbl.rate() names a card by it';
COMMENT ON COLUMN cbl.rate_card.version IS
  'version number within the code; given, or one more than the code''s highest when inserted as NULL; charges record it';
COMMENT ON COLUMN cbl.rate_card.kind IS
  'sell (what a customer pays: revenue) or buy (what a carrier or agent charges: cost)';
COMMENT ON COLUMN cbl.rate_card.owner_id IS
  'party whose prices these are: the carrier or agent of a buy card, the customer of a customer-specific sell card; NULL for a general sell card';
COMMENT ON COLUMN cbl.rate_card.currency IS
  'ISO 4217 currency of every price in the definition and of every line rated; must have a minor unit';
COMMENT ON COLUMN cbl.rate_card.validity IS
  'days on which this version applies, e.g. [2026-01-01,2027-01-01); the versions of a code do not overlap';
COMMENT ON COLUMN cbl.rate_card.definition IS
  'the card as JSON: chargeable weight, zones, freight prices, surcharges, fees, tiers, rounding (docs/rate-cards.md); checked when written';
COMMENT ON COLUMN cbl.rate_card.description IS
  'free text for people, e.g. the carrier''s name of the tariff';
SELECT pg_catalog.pg_extension_config_dump('cbl.rate_card', '');
GRANT SELECT ON cbl.rate_card TO PUBLIC;

CREATE FUNCTION cbl.rate_card_trigger() RETURNS trigger
  AS 'MODULE_PATHNAME', 'cbl_rate_card_trigger' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cbl.rate_card_trigger() IS
  'trigger of cbl.rate_card: compiles a new or changed definition (refused with its JSON path), numbers a NULL version, keeps versions of a code from overlapping, and invalidates every backend''s cache of compiled cards';
REVOKE ALL ON FUNCTION cbl.rate_card_trigger() FROM PUBLIC;

CREATE TRIGGER rate_card_check
  BEFORE INSERT OR UPDATE OR DELETE ON cbl.rate_card
  FOR EACH ROW EXECUTE FUNCTION cbl.rate_card_trigger();
COMMENT ON TRIGGER rate_card_check ON cbl.rate_card IS
  'checks and numbers written cards, keeps versions apart, invalidates cached cards';
CREATE TRIGGER rate_card_truncate
  AFTER TRUNCATE ON cbl.rate_card
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.rate_card_trigger();
COMMENT ON TRIGGER rate_card_truncate ON cbl.rate_card IS
  'invalidates cached cards after TRUNCATE';

CREATE FUNCTION cbl.rate_card_problem(definition jsonb) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_rate_card_problem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.rate_card_problem(jsonb) IS
  'what is wrong with a rate card definition, starting with its JSON path (e.g. $.zones[2].countries[0]: "XX" is not an ISO 3166 country); NULL when it is valid';

CREATE FUNCTION cbl.rate(card text, shipment jsonb, on_date date DEFAULT current_date)
RETURNS TABLE (code text, description text, basis text, quantity numeric,
               unit_price cbl.amount, amount cbl.amount)
  AS 'MODULE_PATHNAME', 'cbl_rate' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION cbl.rate(text, jsonb, date) IS
  'the charge lines of a shipment (jsonb, docs/rate-cards.md) under the version of a card valid on a date: freight, surcharges, fees, discounts, in that order, each rounded to the currency''s minor unit; SQLSTATE LG010 no card valid, LG011 no zone, LG012 no price';

CREATE FUNCTION cbl.rate_total(card text, shipment jsonb, on_date date DEFAULT current_date)
RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_rate_total' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.rate_total(text, jsonb, date) IS
  'the sum of the lines cbl.rate() returns for the same arguments, as one amount in the card''s currency';

CREATE FUNCTION cbl.rate_card_version(card text, on_date date DEFAULT current_date)
RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_rate_card_version' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.rate_card_version(text, date) IS
  'the version of a card that cbl.rate() uses on a date (to record on charges); SQLSTATE LG010 if none is valid';

CREATE FUNCTION cbl.chargeable_weight(actual_kg numeric, length_cm numeric, width_cm numeric,
                                      height_cm numeric, divisor numeric DEFAULT 6000,
                                      step numeric DEFAULT 0.5)
RETURNS numeric
  AS 'MODULE_PATHNAME', 'cbl_chargeable_weight' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.chargeable_weight(numeric, numeric, numeric, numeric, numeric, numeric) IS
  'greater of the actual weight and length * width * height / divisor (6000 cm3/kg: IATA; 5000: express), rounded up to a multiple of step; exact, at most six decimals in';

CREATE FUNCTION cbl.revenue_tons(weight_kg numeric, volume_m3 numeric) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT (weight_kg >= 0 AND weight_kg < 'Infinity' AND volume_m3 >= 0 AND volume_m3 < 'Infinity') THEN
    RAISE EXCEPTION 'revenue tons need a weight and a volume of at least 0, not % kg and % m3',
                    weight_kg, volume_m3
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN trim_scale(greatest(weight_kg / 1000, volume_m3, 1));
END $$;
COMMENT ON FUNCTION cbl.revenue_tons(numeric, numeric) IS
  'weight/measure for LCL: the greater of tonnes (1000 kg) and cubic metres, at least 1 revenue ton; exact';
