-- Customs arithmetic (src/duty_parse.c, src/customs.c; docs/customs.md):
-- cbl.duty_rate, the duty of a rate, explicit rounding to a national
-- increment, cbl.allocate, and Incoterms 2020.

-- cbl.duty_rate: a parsed duty expression.  Varlena holding the canonical
-- binary form, so equal rates are equal byte for byte.
CREATE TYPE cbl.duty_rate;

CREATE FUNCTION cbl.duty_rate_in(cstring) RETURNS cbl.duty_rate
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_out(cbl.duty_rate) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_recv(internal) RETURNS cbl.duty_rate
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_send(cbl.duty_rate) RETURNS bytea
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cbl.duty_rate (
  INPUT = cbl.duty_rate_in,
  OUTPUT = cbl.duty_rate_out,
  RECEIVE = cbl.duty_rate_recv,
  SEND = cbl.duty_rate_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = main
);
COMMENT ON TYPE cbl.duty_rate IS
  'a customs duty rate: Free, ad valorem (12%), specific (95.00 EUR/100 kg, 90¢/pr.), compound, with optional MIN and MAX; canonical text output';
COMMENT ON FUNCTION cbl.duty_rate_in(cstring) IS
  'input function of cbl.duty_rate: a published duty expression such as 8.30 % + 95.00 EUR / 100 kg';
COMMENT ON FUNCTION cbl.duty_rate_out(cbl.duty_rate) IS
  'output function of cbl.duty_rate: canonical text, e.g. 8.3% + 95.00 EUR/100 kg';
COMMENT ON FUNCTION cbl.duty_rate_recv(internal) IS
  'binary input function of cbl.duty_rate, validated like text input';
COMMENT ON FUNCTION cbl.duty_rate_send(cbl.duty_rate) IS
  'binary output function of cbl.duty_rate: its canonical binary form';

CREATE FUNCTION cbl.parse_duty(expression text) RETURNS cbl.duty_rate
  AS 'MODULE_PATHNAME', 'cbl_parse_duty' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.parse_duty(text) IS
  'the duty rate a published expression states; an unknown form raises 22P02 quoting the part that could not be read';

CREATE FUNCTION cbl.is_valid_duty(expression text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_is_valid_duty' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.is_valid_duty(text) IS
  'would the text be accepted as a cbl.duty_rate? never raises';

CREATE FUNCTION cbl.duty_components(rate cbl.duty_rate,
  OUT part text, OUT "position" integer, OUT kind text, OUT percent numeric,
  OUT amount cbl.amount, OUT per_quantity numeric, OUT unit text, OUT quantity_key text)
RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'cbl_duty_components' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.duty_components(cbl.duty_rate) IS
  'the terms of a duty rate: part (main, min, max), position, kind (ad valorem, specific), percent, or amount per quantity of a unit and the quantities key it reads';

-- Comparison: equality of the structure; the order is that of the binary
-- form (total and deterministic, for indexes, DISTINCT and GROUP BY; it does
-- not rank duties).
CREATE FUNCTION cbl.duty_rate_eq(cbl.duty_rate, cbl.duty_rate) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_eq' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_ne(cbl.duty_rate, cbl.duty_rate) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_ne' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_lt(cbl.duty_rate, cbl.duty_rate) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_lt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_le(cbl.duty_rate, cbl.duty_rate) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_le' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_gt(cbl.duty_rate, cbl.duty_rate) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_gt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_ge(cbl.duty_rate, cbl.duty_rate) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_ge' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_cmp(cbl.duty_rate, cbl.duty_rate) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_cmp' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_hash(cbl.duty_rate) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_hash' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.duty_rate_hash_extended(cbl.duty_rate, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'cbl_duty_rate_hash_extended' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION cbl.duty_rate_eq(cbl.duty_rate, cbl.duty_rate) IS 'implementation of = for cbl.duty_rate';
COMMENT ON FUNCTION cbl.duty_rate_ne(cbl.duty_rate, cbl.duty_rate) IS 'implementation of <> for cbl.duty_rate';
COMMENT ON FUNCTION cbl.duty_rate_lt(cbl.duty_rate, cbl.duty_rate) IS 'implementation of < for cbl.duty_rate (binary-form order)';
COMMENT ON FUNCTION cbl.duty_rate_le(cbl.duty_rate, cbl.duty_rate) IS 'implementation of <= for cbl.duty_rate (binary-form order)';
COMMENT ON FUNCTION cbl.duty_rate_gt(cbl.duty_rate, cbl.duty_rate) IS 'implementation of > for cbl.duty_rate (binary-form order)';
COMMENT ON FUNCTION cbl.duty_rate_ge(cbl.duty_rate, cbl.duty_rate) IS 'implementation of >= for cbl.duty_rate (binary-form order)';
COMMENT ON FUNCTION cbl.duty_rate_cmp(cbl.duty_rate, cbl.duty_rate) IS 'btree comparison function of cbl.duty_rate';
COMMENT ON FUNCTION cbl.duty_rate_hash(cbl.duty_rate) IS 'hash function of cbl.duty_rate';
COMMENT ON FUNCTION cbl.duty_rate_hash_extended(cbl.duty_rate, bigint) IS 'seeded 64-bit hash function of cbl.duty_rate';

CREATE OPERATOR cbl.= (LEFTARG = cbl.duty_rate, RIGHTARG = cbl.duty_rate,
  FUNCTION = cbl.duty_rate_eq, COMMUTATOR = OPERATOR(cbl.=), NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR cbl.<> (LEFTARG = cbl.duty_rate, RIGHTARG = cbl.duty_rate,
  FUNCTION = cbl.duty_rate_ne, COMMUTATOR = OPERATOR(cbl.<>), NEGATOR = OPERATOR(cbl.=),
  RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR cbl.< (LEFTARG = cbl.duty_rate, RIGHTARG = cbl.duty_rate,
  FUNCTION = cbl.duty_rate_lt, COMMUTATOR = OPERATOR(cbl.>), NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR cbl.<= (LEFTARG = cbl.duty_rate, RIGHTARG = cbl.duty_rate,
  FUNCTION = cbl.duty_rate_le, COMMUTATOR = OPERATOR(cbl.>=), NEGATOR = OPERATOR(cbl.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR cbl.> (LEFTARG = cbl.duty_rate, RIGHTARG = cbl.duty_rate,
  FUNCTION = cbl.duty_rate_gt, COMMUTATOR = OPERATOR(cbl.<), NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR cbl.>= (LEFTARG = cbl.duty_rate, RIGHTARG = cbl.duty_rate,
  FUNCTION = cbl.duty_rate_ge, COMMUTATOR = OPERATOR(cbl.<=), NEGATOR = OPERATOR(cbl.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR cbl.= (cbl.duty_rate, cbl.duty_rate) IS 'the same duty rate (same terms, bounds and order of terms)';
COMMENT ON OPERATOR cbl.<> (cbl.duty_rate, cbl.duty_rate) IS 'different duty rates';
COMMENT ON OPERATOR cbl.< (cbl.duty_rate, cbl.duty_rate) IS 'before, in binary-form order (not a ranking of duties)';
COMMENT ON OPERATOR cbl.<= (cbl.duty_rate, cbl.duty_rate) IS 'before or equal, in binary-form order';
COMMENT ON OPERATOR cbl.> (cbl.duty_rate, cbl.duty_rate) IS 'after, in binary-form order (not a ranking of duties)';
COMMENT ON OPERATOR cbl.>= (cbl.duty_rate, cbl.duty_rate) IS 'after or equal, in binary-form order';

CREATE OPERATOR CLASS cbl.duty_rate_ops DEFAULT FOR TYPE cbl.duty_rate USING btree AS
  OPERATOR 1 cbl.<, OPERATOR 2 cbl.<=, OPERATOR 3 cbl.=, OPERATOR 4 cbl.>=, OPERATOR 5 cbl.>,
  FUNCTION 1 cbl.duty_rate_cmp(cbl.duty_rate, cbl.duty_rate);
COMMENT ON OPERATOR CLASS cbl.duty_rate_ops USING btree IS
  'default btree operator class of cbl.duty_rate (binary-form order)';
CREATE OPERATOR CLASS cbl.duty_rate_hash_ops DEFAULT FOR TYPE cbl.duty_rate USING hash AS
  OPERATOR 1 cbl.=,
  FUNCTION 1 cbl.duty_rate_hash(cbl.duty_rate),
  FUNCTION 2 cbl.duty_rate_hash_extended(cbl.duty_rate, bigint);
COMMENT ON OPERATOR CLASS cbl.duty_rate_hash_ops USING hash IS
  'default hash operator class of cbl.duty_rate';

-- The duty of a rate for a customs value and quantities.  Each term is
-- exact to the micro-unit (half-even); the result is not rounded to the
-- minor unit: round it explicitly (cbl.customs_round, or the rule's mode in
-- cbl.duty_quote).  Terms in another currency go through cbl.convert on
-- on_date, so these read cbl.fx_rate: STABLE.
CREATE FUNCTION cbl.duty_compute(rate cbl.duty_rate, customs_value cbl.amount,
  quantities jsonb DEFAULT '{}', on_date date DEFAULT NULL,
  OUT duty cbl.amount, OUT explanation text)
  AS 'MODULE_PATHNAME', 'cbl_duty_compute' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.duty_compute(cbl.duty_rate, cbl.amount, jsonb, date) IS
  'the duty of a rate on a customs value and quantities ({"kg": 12.5, "pr": 10, ...}), exact to the micro-unit, with a text showing each term; terms in another currency are converted with cbl.convert on on_date';

CREATE FUNCTION cbl.duty_amount(rate cbl.duty_rate, customs_value cbl.amount,
  quantities jsonb DEFAULT '{}', on_date date DEFAULT NULL) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_duty_amount' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.duty_amount(cbl.duty_rate, cbl.amount, jsonb, date) IS
  'the duty of a rate on a customs value and quantities, exact to the micro-unit (round it explicitly); terms in another currency are converted with cbl.convert on on_date, or refused (LG001) without a date';

-- Explicit rounding for customs: a mode and an increment, both data.
CREATE FUNCTION cbl.customs_round(value cbl.amount, rounding text, unit numeric DEFAULT NULL)
RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_customs_round' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.customs_round(cbl.amount, text, numeric) IS
  'the amount rounded with a mode (half_up, half_even, down, up) to a multiple of unit major units, e.g. down to 100 JPY; NULL unit: the currency''s minor unit';

CREATE FUNCTION cbl.customs_percent(value cbl.amount, percent numeric,
  rounding text DEFAULT 'half_up', unit numeric DEFAULT NULL) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_customs_percent' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.customs_percent(cbl.amount, numeric, text, numeric) IS
  'value * percent / 100 computed exactly and rounded once with a mode to a multiple of unit (NULL: the minor unit); for taxes and fees';

-- Allocation: parts in whole minor units that sum exactly to the total.
CREATE FUNCTION cbl.allocate(total cbl.amount, weights numeric[]) RETURNS cbl.amount[]
  AS 'MODULE_PATHNAME', 'cbl_allocate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.allocate(cbl.amount, numeric[]) IS
  'the total split in proportion to the weights into whole minor units summing exactly to it: largest remainder, earlier position first on a tie';

-- Incoterms 2020: the type and who pays what.
CREATE TYPE cbl.incoterm AS ENUM ('EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FAS', 'FOB', 'CFR', 'CIF');
COMMENT ON TYPE cbl.incoterm IS
  'an Incoterms 2020 rule: EXW FCA CPT CIP DAP DPU DDP (any mode of transport), FAS FOB CFR CIF (sea and inland waterway); cbl.incoterm_rule says who pays what';

-- Shipped reference data (the ICC rules), not user data: pg_dump leaves it
-- to CREATE EXTENSION.
CREATE TABLE cbl.incoterm_rule (
  incoterm          cbl.incoterm PRIMARY KEY,
  name              text NOT NULL,
  transport_modes   text NOT NULL CONSTRAINT incoterm_rule_modes_check CHECK (transport_modes IN ('any', 'sea')),
  export_clearance  text NOT NULL CONSTRAINT incoterm_rule_export_check CHECK (export_clearance IN ('seller', 'buyer')),
  main_carriage     text NOT NULL CONSTRAINT incoterm_rule_carriage_check CHECK (main_carriage IN ('seller', 'buyer')),
  insurance         text NOT NULL CONSTRAINT incoterm_rule_insurance_check CHECK (insurance IN ('seller', 'buyer')),
  insurance_required text NOT NULL CONSTRAINT incoterm_rule_required_check
                    CHECK (insurance_required IN ('no', 'ICC (A)', 'ICC (C)')),
  import_duties     text NOT NULL CONSTRAINT incoterm_rule_import_check CHECK (import_duties IN ('seller', 'buyer')),
  risk_transfers    text NOT NULL
);
COMMENT ON TABLE cbl.incoterm_rule IS
  'Incoterms 2020 (ICC): for each rule, who pays export clearance, main carriage, cargo insurance and import duties and taxes; shipped with cbl';
COMMENT ON COLUMN cbl.incoterm_rule.incoterm IS 'the rule';
COMMENT ON COLUMN cbl.incoterm_rule.name IS 'its name, with the named place it takes';
COMMENT ON COLUMN cbl.incoterm_rule.transport_modes IS 'any: any mode of transport; sea: sea and inland waterway only';
COMMENT ON COLUMN cbl.incoterm_rule.export_clearance IS 'who clears the goods for export and pays for it';
COMMENT ON COLUMN cbl.incoterm_rule.main_carriage IS 'who contracts and pays the main carriage';
COMMENT ON COLUMN cbl.incoterm_rule.insurance IS
  'who pays cargo insurance during the main carriage: the party obliged to insure (CIP, CIF) or else the one bearing the risk';
COMMENT ON COLUMN cbl.incoterm_rule.insurance_required IS
  'cover the seller must buy: ICC (A) all risks for CIP, at least ICC (C) for CIF, none for the others';
COMMENT ON COLUMN cbl.incoterm_rule.import_duties IS 'who clears the goods for import and pays import duty, taxes and fees';
COMMENT ON COLUMN cbl.incoterm_rule.risk_transfers IS 'where the risk passes from the seller to the buyer';
GRANT SELECT ON cbl.incoterm_rule TO PUBLIC;

INSERT INTO cbl.incoterm_rule VALUES
  ('EXW', 'Ex Works (named place of delivery)', 'any', 'buyer', 'buyer', 'buyer', 'no', 'buyer',
   'when the goods are at the buyer''s disposal at the seller''s premises, not loaded'),
  ('FCA', 'Free Carrier (named place of delivery)', 'any', 'seller', 'buyer', 'buyer', 'no', 'buyer',
   'when the goods are handed to the buyer''s carrier at the named place'),
  ('CPT', 'Carriage Paid To (named place of destination)', 'any', 'seller', 'seller', 'buyer', 'no', 'buyer',
   'when the goods are handed to the first carrier'),
  ('CIP', 'Carriage and Insurance Paid To (named place of destination)', 'any', 'seller', 'seller', 'seller', 'ICC (A)', 'buyer',
   'when the goods are handed to the first carrier'),
  ('DAP', 'Delivered at Place (named place of destination)', 'any', 'seller', 'seller', 'seller', 'no', 'buyer',
   'when the goods are ready for unloading at the named place of destination'),
  ('DPU', 'Delivered at Place Unloaded (named place of destination)', 'any', 'seller', 'seller', 'seller', 'no', 'buyer',
   'when the goods are unloaded at the named place of destination'),
  ('DDP', 'Delivered Duty Paid (named place of destination)', 'any', 'seller', 'seller', 'seller', 'no', 'seller',
   'when the goods, cleared for import, are ready for unloading at the named place of destination'),
  ('FAS', 'Free Alongside Ship (named port of shipment)', 'sea', 'seller', 'buyer', 'buyer', 'no', 'buyer',
   'when the goods are alongside the vessel at the port of shipment'),
  ('FOB', 'Free on Board (named port of shipment)', 'sea', 'seller', 'buyer', 'buyer', 'no', 'buyer',
   'when the goods are on board the vessel at the port of shipment'),
  ('CFR', 'Cost and Freight (named port of destination)', 'sea', 'seller', 'seller', 'buyer', 'no', 'buyer',
   'when the goods are on board the vessel at the port of shipment'),
  ('CIF', 'Cost, Insurance and Freight (named port of destination)', 'sea', 'seller', 'seller', 'seller', 'ICC (C)', 'buyer',
   'when the goods are on board the vessel at the port of shipment');

CREATE FUNCTION cbl.incoterm_payer(incoterm cbl.incoterm, charge_group text) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result text;
BEGIN
  SELECT CASE incoterm_payer.charge_group
           WHEN 'export_clearance' THEN r.export_clearance
           WHEN 'main_carriage' THEN r.main_carriage
           WHEN 'insurance' THEN r.insurance
           WHEN 'import_duties' THEN r.import_duties
         END INTO result
    FROM cbl.incoterm_rule r WHERE r.incoterm = incoterm_payer.incoterm;
  IF result IS NULL THEN
    RAISE EXCEPTION 'unknown charge group "%"', charge_group
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Charge groups are export_clearance, main_carriage, insurance and import_duties (import duty, taxes and fees).';
  END IF;
  RETURN result;
END $$;
COMMENT ON FUNCTION cbl.incoterm_payer(cbl.incoterm, text) IS
  'who pays a charge group under an Incoterms 2020 rule: seller or buyer; groups export_clearance, main_carriage, insurance, import_duties';
