-- Tariffs, import rules and the duty quote (docs/customs.md).
--
-- Every rate, threshold and fee is a row with an effective date: nothing
-- about a country is written in code.  cbl ships no rows here; the sample
-- in test/fixtures/customs_sample.sql (for the demo and the tests) shows
-- how to fill them, and its figures must be verified before production use.
-- Both tables are reference data (Citus reference tables), kept by pg_dump.

CREATE TABLE cbl.tariff (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  destination  text NOT NULL
               CONSTRAINT tariff_destination_check CHECK (destination ~ '^[A-Z]{2}$'),
  hs_prefix    cbl.hs_code NOT NULL,
  origins      text[]
               CONSTRAINT tariff_origins_check
               CHECK (origins IS NULL OR (cardinality(origins) > 0 AND array_position(origins, NULL) IS NULL
                                          AND array_to_string(origins, ',') ~ '^[A-Z]{2}(,[A-Z]{2})*$')),
  valid_from   date NOT NULL,
  valid_until  date,
  expression   text NOT NULL,
  rate         cbl.duty_rate NOT NULL GENERATED ALWAYS AS (cbl.parse_duty(expression)) STORED,
  description  text,
  source       text NOT NULL,
  CONSTRAINT tariff_validity_check CHECK (valid_until IS NULL OR valid_until > valid_from)
);
CREATE UNIQUE INDEX tariff_line_key
  ON cbl.tariff (destination, hs_prefix, valid_from, (COALESCE(origins, '{}'::text[])));
COMMENT ON INDEX cbl.tariff_line_key IS
  'one line per destination, HS prefix, start date and origin scope';
COMMENT ON TABLE cbl.tariff IS
  'customs tariff lines: the duty rate of a destination for the codes under an HS prefix, valid over a period, for all origins or a list (preferential); the longest matching prefix wins (cbl.tariff_for)';
COMMENT ON COLUMN cbl.tariff.id IS 'tariff line id';
COMMENT ON COLUMN cbl.tariff.destination IS
  'whose tariff: a country (US, GB, CN ...) or a customs union (EU); cbl.import_rule.tariff names it for each country';
COMMENT ON COLUMN cbl.tariff.hs_prefix IS 'the line applies to this HS code and every longer code under it';
COMMENT ON COLUMN cbl.tariff.origins IS
  'ISO 3166-1 alpha-2 countries of origin the rate is for (a preference); NULL: all origins (the general, MFN rate)';
COMMENT ON COLUMN cbl.tariff.valid_from IS 'first day the line applies';
COMMENT ON COLUMN cbl.tariff.valid_until IS 'first day it no longer applies; NULL: until further notice';
COMMENT ON COLUMN cbl.tariff.expression IS 'the duty as published, e.g. 8.30 % + 95.00 EUR / 100 kg or 90¢/pr. + 20%';
COMMENT ON COLUMN cbl.tariff.rate IS 'the expression parsed (cbl.parse_duty), kept in step with it by PostgreSQL';
COMMENT ON COLUMN cbl.tariff.description IS 'the goods the line covers';
COMMENT ON COLUMN cbl.tariff.source IS 'where the rate comes from (tariff, edition, date), so that it can be checked';
SELECT pg_catalog.pg_extension_config_dump('cbl.tariff', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.tariff_id_seq', '');
GRANT SELECT ON cbl.tariff TO PUBLIC;

CREATE TABLE cbl.import_rule (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  destination            text NOT NULL REFERENCES cbl.country (code),
  origins                text[]
                         CONSTRAINT import_rule_origins_check
                         CHECK (origins IS NULL OR (cardinality(origins) > 0 AND array_position(origins, NULL) IS NULL
                                                    AND array_to_string(origins, ',') ~ '^[A-Z]{2}(,[A-Z]{2})*$')),
  valid_from             date NOT NULL,
  valid_until            date,
  currency               text NOT NULL REFERENCES cbl.currency (code),
  tariff                 text NOT NULL CONSTRAINT import_rule_tariff_check CHECK (tariff ~ '^[A-Z]{2}$'),
  valuation              text NOT NULL CONSTRAINT import_rule_valuation_check CHECK (valuation IN ('CIF', 'FOB')),
  duty_rounding          text NOT NULL DEFAULT 'half_up'
                         CONSTRAINT import_rule_duty_rounding_check
                         CHECK (duty_rounding IN ('half_up', 'half_even', 'down', 'up')),
  duty_rounding_unit     numeric CONSTRAINT import_rule_duty_unit_check
                         CHECK (duty_rounding_unit > 0 AND duty_rounding_unit < 'Infinity'),
  duty_de_minimis        cbl.amount,
  flat_duty              cbl.amount,
  flat_duty_limit        cbl.amount,
  flat_duty_digits       integer CONSTRAINT import_rule_flat_digits_check CHECK (flat_duty_digits IN (2, 4, 6, 8, 10)),
  tax_name               text,
  tax_rate               numeric NOT NULL DEFAULT 0
                         CONSTRAINT import_rule_tax_rate_check CHECK (tax_rate >= 0 AND tax_rate < 'Infinity'),
  tax_base_duty          boolean NOT NULL DEFAULT true,
  tax_base_transport     boolean NOT NULL DEFAULT false,
  tax_base_fees          boolean NOT NULL DEFAULT false,
  tax_rounding           text NOT NULL DEFAULT 'half_up'
                         CONSTRAINT import_rule_tax_rounding_check
                         CHECK (tax_rounding IN ('half_up', 'half_even', 'down', 'up')),
  tax_rounding_unit      numeric CONSTRAINT import_rule_tax_unit_check
                         CHECK (tax_rounding_unit > 0 AND tax_rounding_unit < 'Infinity'),
  tax_de_minimis         cbl.amount,
  seller_collects_up_to  cbl.amount,
  seller_collection      text CONSTRAINT import_rule_seller_collection_check
                         CHECK (seller_collection IN ('mandatory', 'optional')),
  seller_scheme          text,
  ecommerce_limit        cbl.amount,
  ecommerce_duty_rate    numeric CONSTRAINT import_rule_ecommerce_duty_check
                         CHECK (ecommerce_duty_rate >= 0 AND ecommerce_duty_rate < 'Infinity'),
  ecommerce_tax_factor   numeric CONSTRAINT import_rule_ecommerce_factor_check
                         CHECK (ecommerce_tax_factor >= 0 AND ecommerce_tax_factor < 'Infinity'),
  processing_fee_rate    numeric CONSTRAINT import_rule_processing_fee_check
                         CHECK (processing_fee_rate >= 0 AND processing_fee_rate < 'Infinity'),
  processing_fee_min     cbl.amount,
  processing_fee_max     cbl.amount,
  informal_entry_limit   cbl.amount,
  informal_entry_fee     cbl.amount,
  ocean_fee_rate         numeric CONSTRAINT import_rule_ocean_fee_check
                         CHECK (ocean_fee_rate >= 0 AND ocean_fee_rate < 'Infinity'),
  source                 text NOT NULL,
  note                   text,
  CONSTRAINT import_rule_validity_check CHECK (valid_until IS NULL OR valid_until > valid_from),
  CONSTRAINT import_rule_thresholds_check CHECK (
    COALESCE(cbl.value(duty_de_minimis), 0) >= 0 AND COALESCE(cbl.value(tax_de_minimis), 0) >= 0 AND
    COALESCE(cbl.value(seller_collects_up_to), 0) >= 0 AND COALESCE(cbl.value(ecommerce_limit), 0) >= 0 AND
    COALESCE(cbl.value(flat_duty_limit), 0) >= 0 AND COALESCE(cbl.value(informal_entry_limit), 0) >= 0),
  CONSTRAINT import_rule_flat_duty_check CHECK (
    (flat_duty IS NULL) = (flat_duty_limit IS NULL) AND (flat_duty IS NULL) = (flat_duty_digits IS NULL)
    AND (flat_duty IS NULL OR (cbl.currency(flat_duty) = currency AND cbl.value(flat_duty) >= 0))),
  CONSTRAINT import_rule_seller_check CHECK ((seller_collects_up_to IS NULL) = (seller_collection IS NULL)),
  CONSTRAINT import_rule_ecommerce_check CHECK (
    (ecommerce_limit IS NULL) = (ecommerce_duty_rate IS NULL) AND (ecommerce_limit IS NULL) = (ecommerce_tax_factor IS NULL)),
  CONSTRAINT import_rule_fees_check CHECK (
    (processing_fee_rate IS NOT NULL OR (processing_fee_min IS NULL AND processing_fee_max IS NULL))
    AND (informal_entry_limit IS NULL) = (informal_entry_fee IS NULL)
    AND (processing_fee_min IS NULL OR (cbl.currency(processing_fee_min) = currency AND cbl.value(processing_fee_min) >= 0))
    AND (processing_fee_max IS NULL OR (cbl.currency(processing_fee_max) = currency AND cbl.value(processing_fee_max) >= 0))
    AND (informal_entry_fee IS NULL OR (cbl.currency(informal_entry_fee) = currency AND cbl.value(informal_entry_fee) >= 0)))
);
CREATE UNIQUE INDEX import_rule_key
  ON cbl.import_rule (destination, valid_from, (COALESCE(origins, '{}'::text[])));
COMMENT ON INDEX cbl.import_rule_key IS 'one rule per destination, start date and origin scope';
COMMENT ON TABLE cbl.import_rule IS
  'how a country taxes imports over a period: currency, tariff, valuation basis, duty and tax rates, de minimis thresholds, seller-collected and e-commerce regimes, entry fees and their rounding; cbl.import_rule_for picks the one in force';
COMMENT ON COLUMN cbl.import_rule.id IS 'rule id';
COMMENT ON COLUMN cbl.import_rule.destination IS 'ISO 3166-1 alpha-2 country of import';
COMMENT ON COLUMN cbl.import_rule.origins IS
  'countries of origin the rule is for (e.g. US and MX under CUSMA); NULL: all origins. A rule for the origin beats a rule for all';
COMMENT ON COLUMN cbl.import_rule.valid_from IS 'first day the rule applies';
COMMENT ON COLUMN cbl.import_rule.valid_until IS 'first day it no longer applies; NULL: until further notice (a later rule of the same scope takes over)';
COMMENT ON COLUMN cbl.import_rule.currency IS 'currency of customs values, duties, taxes and fees; everything else is converted to it with cbl.convert';
COMMENT ON COLUMN cbl.import_rule.tariff IS 'destination of the cbl.tariff lines that apply: EU for the member states, else the country';
COMMENT ON COLUMN cbl.import_rule.valuation IS
  'CIF: customs value = goods + freight + insurance to the border (EU, UK, CN, JP); FOB: goods only, freight and insurance excluded (US, CA, AU)';
COMMENT ON COLUMN cbl.import_rule.duty_rounding IS 'how each line''s duty is rounded: half_up, half_even, down or up';
COMMENT ON COLUMN cbl.import_rule.duty_rounding_unit IS 'increment a line''s duty is rounded to, in major units (e.g. 100 for JPY); NULL: the currency''s minor unit';
COMMENT ON COLUMN cbl.import_rule.duty_de_minimis IS
  'no duty (and no entry fees) when the intrinsic value of the goods is at most this (converted to its currency); NULL: none';
COMMENT ON COLUMN cbl.import_rule.flat_duty IS
  'flat duty per item of a low-value consignment, an item being each distinct tariff subheading (EU EUR 3 from 2026-07-01); replaces the tariff rates';
COMMENT ON COLUMN cbl.import_rule.flat_duty_limit IS 'the flat duty applies to consignments of intrinsic value at most this';
COMMENT ON COLUMN cbl.import_rule.flat_duty_digits IS 'HS digits that tell items apart for the flat duty (6: subheading)';
COMMENT ON COLUMN cbl.import_rule.tax_name IS 'name of the import tax: VAT, GST, consumption tax; NULL when there is none';
COMMENT ON COLUMN cbl.import_rule.tax_rate IS 'import VAT/GST rate in percent (the standard rate); 0: none';
COMMENT ON COLUMN cbl.import_rule.tax_base_duty IS 'the tax base includes the duty';
COMMENT ON COLUMN cbl.import_rule.tax_base_transport IS
  'the tax base includes freight and insurance even though the customs value (FOB) does not (Australia''s value of the taxable importation)';
COMMENT ON COLUMN cbl.import_rule.tax_base_fees IS 'the tax base includes the entry fees';
COMMENT ON COLUMN cbl.import_rule.tax_rounding IS 'how taxes and fees are rounded: half_up, half_even, down or up';
COMMENT ON COLUMN cbl.import_rule.tax_rounding_unit IS 'increment taxes and fees are rounded to, in major units; NULL: the minor unit';
COMMENT ON COLUMN cbl.import_rule.tax_de_minimis IS 'no import tax when the intrinsic value is at most this; NULL: none';
COMMENT ON COLUMN cbl.import_rule.seller_collects_up_to IS
  'up to this intrinsic value the seller charges the tax at sale instead of at import (EU IOSS EUR 150, UK GBP 135, AU AUD 1000)';
COMMENT ON COLUMN cbl.import_rule.seller_collection IS
  'mandatory: always so below the threshold (UK, AU); optional: only when the seller uses the scheme (EU IOSS)';
COMMENT ON COLUMN cbl.import_rule.seller_scheme IS 'name of the seller-collection scheme, e.g. IOSS';
COMMENT ON COLUMN cbl.import_rule.ecommerce_limit IS
  'cross-border e-commerce retail regime for orders of intrinsic value at most this (China: CNY 5000 per order)';
COMMENT ON COLUMN cbl.import_rule.ecommerce_duty_rate IS 'duty rate in percent under the e-commerce regime (China: 0)';
COMMENT ON COLUMN cbl.import_rule.ecommerce_tax_factor IS 'percent of the statutory import taxes charged under the e-commerce regime (China: 70)';
COMMENT ON COLUMN cbl.import_rule.processing_fee_rate IS
  'per-entry fee in percent of the customs value (US merchandise processing fee); NULL: none';
COMMENT ON COLUMN cbl.import_rule.processing_fee_min IS 'minimum of the per-entry fee';
COMMENT ON COLUMN cbl.import_rule.processing_fee_max IS 'maximum of the per-entry fee';
COMMENT ON COLUMN cbl.import_rule.informal_entry_limit IS 'consignments of intrinsic value at most this enter informally and pay the flat informal_entry_fee instead';
COMMENT ON COLUMN cbl.import_rule.informal_entry_fee IS 'flat per-entry fee of an informal entry';
COMMENT ON COLUMN cbl.import_rule.ocean_fee_rate IS 'fee in percent of the customs value on ocean shipments only (US harbor maintenance fee)';
COMMENT ON COLUMN cbl.import_rule.source IS 'where the figures come from (law, authority, date), so that they can be checked';
COMMENT ON COLUMN cbl.import_rule.note IS 'simplifications and caveats of the rule';
SELECT pg_catalog.pg_extension_config_dump('cbl.import_rule', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.import_rule_id_seq', '');
GRANT SELECT ON cbl.import_rule TO PUBLIC;

-- The rule in force: for the origin if there is one, else for all origins;
-- of those valid on the date, the latest to start.
CREATE FUNCTION cbl.import_rule_for(destination text, origin text, on_date date)
RETURNS SETOF cbl.import_rule
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT r.* FROM cbl.import_rule r
   WHERE r.destination = import_rule_for.destination
     AND r.valid_from <= import_rule_for.on_date
     AND (r.valid_until IS NULL OR import_rule_for.on_date < r.valid_until)
     AND (r.origins IS NULL OR import_rule_for.origin = ANY (r.origins))
   ORDER BY (r.origins IS NULL), r.valid_from DESC, r.id DESC
   LIMIT 1
$$;
COMMENT ON FUNCTION cbl.import_rule_for(text, text, date) IS
  'the import rule of a destination in force on a date for an origin (NULL: unknown): a rule for the origin first, then the latest to start; no row if none';

-- The tariff line for a code: the longest matching prefix valid on the date
-- for the origin; on a tie a line for the origin beats a line for all, then
-- the latest to start.
CREATE FUNCTION cbl.tariff_for(destination text, code cbl.hs_code, origin text, on_date date)
RETURNS SETOF cbl.tariff
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT t.* FROM cbl.tariff t
   WHERE t.destination = tariff_for.destination
     AND t.hs_prefix OPERATOR(cbl.=) ANY (cbl.hs_prefixes(tariff_for.code))
     AND t.valid_from <= tariff_for.on_date
     AND (t.valid_until IS NULL OR tariff_for.on_date < t.valid_until)
     AND (t.origins IS NULL OR tariff_for.origin = ANY (t.origins))
   ORDER BY cbl.hs_length(t.hs_prefix) DESC, (t.origins IS NULL), t.valid_from DESC, t.id DESC
   LIMIT 1
$$;
COMMENT ON FUNCTION cbl.tariff_for(text, cbl.hs_code, text, date) IS
  'the tariff line of a destination for an HS code on a date and origin: the longest matching prefix (cbl.hs_prefixes), then a line for the origin, then the latest; no row if none';

-- The intrinsic value of a quote's lines in a currency: each line's value
-- converted with cbl.convert on the date and rounded half-even to the
-- minor unit, summed.
CREATE FUNCTION cbl.customs_intrinsic_value(lines jsonb, currency text, on_date date) RETURNS cbl.amount
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT cbl.sum(cbl.round(cbl.convert((e.v ->> 'value')::cbl.amount, customs_intrinsic_value.currency,
                                       customs_intrinsic_value.on_date)))
    FROM jsonb_array_elements(customs_intrinsic_value.lines) AS e(v)
$$;
COMMENT ON FUNCTION cbl.customs_intrinsic_value(jsonb, text, date) IS
  'intrinsic value of quote lines (goods only) in a currency: each line converted on the date, rounded half-even to the minor unit, summed; what de minimis thresholds are compared with';

CREATE FUNCTION cbl.duty_quote(destination text, lines jsonb, freight cbl.amount, insurance cbl.amount,
                               mode text, incoterm cbl.incoterm, origin text, on_date date,
                               seller_collects_tax boolean DEFAULT false, allocate_by text DEFAULT 'value')
RETURNS TABLE (line integer, item text, hs_code cbl.hs_code, amount cbl.amount, rate text, payer text, basis text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r cbl.import_rule;
  d text := to_char(duty_quote.on_date, 'YYYY-MM-DD');
  ccy text;
  zero cbl.amount;
  rule_name text;
  bad record;
  key text;
  v_codes cbl.hs_code[];
  v_goods cbl.amount[];
  v_qty jsonb[];
  v_weights numeric[];
  v_tariff_ids bigint[];
  v_missing integer;
  v_freight cbl.amount;
  v_insurance cbl.amount;
  v_f_parts cbl.amount[];
  v_i_parts cbl.amount[];
  v_cv cbl.amount[];
  v_duty cbl.amount[];
  v_rate text[];
  v_duty_basis text[];
  v_cv_basis text[];
  v_o_parts cbl.amount[];
  v_goods_total cbl.amount;
  v_cv_total cbl.amount;
  v_duty_total cbl.amount;
  v_intrinsic cbl.amount;
  v_ecommerce boolean;
  v_flat boolean;
  v_duty_free boolean;
  v_seller boolean;
  v_tax_free boolean;
  v_informal boolean;
  v_pfee cbl.amount;
  v_pfee_rate text;
  v_pfee_basis text;
  v_ofee cbl.amount;
  v_ofee_rate text;
  v_ofee_basis text;
  v_tax_base cbl.amount;
  v_base_text text;
  v_tax cbl.amount;
  v_tax_rate text;
  v_tax_basis text;
  v_sale_tax cbl.amount;
  v_sale_basis text;
  v_total_taxes cbl.amount;
  v_landed cbl.amount;
  v_import_payer text;
  v_duty_unit text;
  v_tax_unit text;
BEGIN
  -- Arguments.
  IF duty_quote.destination IS NULL OR duty_quote.lines IS NULL OR duty_quote.mode IS NULL
     OR duty_quote.incoterm IS NULL OR duty_quote.on_date IS NULL THEN
    RAISE EXCEPTION 'destination, lines, mode, incoterm and on_date of a duty quote must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF duty_quote.mode NOT IN ('air', 'ocean', 'road', 'rail', 'post', 'express') THEN
    RAISE EXCEPTION 'unknown mode of transport "%"', duty_quote.mode
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Modes are air, ocean, road, rail, post and express.';
  END IF;
  IF duty_quote.allocate_by IS NULL OR duty_quote.allocate_by NOT IN ('value', 'weight', 'quantity') THEN
    RAISE EXCEPTION 'unknown allocation basis "%"', duty_quote.allocate_by
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Allocate by value, weight (quantities.kg) or quantity (quantities.item).';
  END IF;
  IF jsonb_typeof(duty_quote.lines) <> 'array' OR jsonb_array_length(duty_quote.lines) = 0 THEN
    RAISE EXCEPTION 'the lines of a duty quote must be a non-empty JSON array'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Each line is an object such as {"hs_code": "6109.10", "value": "25.00 EUR", "quantities": {"kg": 0.2, "item": 1}}.';
  END IF;
  SELECT p.n, p.problem INTO bad FROM (
    SELECT e.n,
           CASE WHEN jsonb_typeof(e.v) <> 'object' THEN 'is not a JSON object'
                WHEN jsonb_typeof(e.v -> 'hs_code') IS DISTINCT FROM 'string' THEN 'has no "hs_code" string'
                WHEN NOT cbl.is_valid_hs_code(e.v ->> 'hs_code') THEN format('has an invalid HS code "%s"', e.v ->> 'hs_code')
                WHEN jsonb_typeof(e.v -> 'value') IS DISTINCT FROM 'string' THEN 'has no "value" string such as "25.00 EUR"'
                WHEN e.v ? 'quantities' AND jsonb_typeof(e.v -> 'quantities') <> 'object' THEN 'has "quantities" that are not a JSON object'
           END AS problem
      FROM jsonb_array_elements(duty_quote.lines) WITH ORDINALITY AS e(v, n)) p
   WHERE p.problem IS NOT NULL ORDER BY p.n LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'line % of the duty quote %', bad.n, bad.problem
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Each line is an object such as {"hs_code": "6109.10", "value": "25.00 EUR", "quantities": {"kg": 0.2, "item": 1}}.';
  END IF;

  -- The rule in force.
  SELECT * INTO r FROM cbl.import_rule_for(duty_quote.destination, duty_quote.origin, duty_quote.on_date);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no import rule for % on %', duty_quote.destination, d
      USING ERRCODE = 'no_data_found',
            DETAIL = format('cbl.import_rule has no rule of destination %s valid on %s for origin %s or for all origins.',
                            duty_quote.destination, d, COALESCE(duty_quote.origin, 'unknown')),
            HINT = 'Add the rule to cbl.import_rule; test/fixtures/customs_sample.sql has examples.';
  END IF;
  ccy := r.currency;
  zero := cbl.amount(0, ccy);
  rule_name := format('%s rule %sfrom %s', r.destination,
                      CASE WHEN r.origins IS NULL THEN '' ELSE 'for origin ' || array_to_string(r.origins, ',') || ' ' END,
                      to_char(r.valid_from, 'YYYY-MM-DD'));
  v_duty_unit := COALESCE(trim_scale(r.duty_rounding_unit)::text || ' ' || ccy, 'the minor unit');
  v_tax_unit := COALESCE(trim_scale(r.tax_rounding_unit)::text || ' ' || ccy, 'the minor unit');
  v_import_payer := cbl.incoterm_payer(duty_quote.incoterm, 'import_duties');

  -- Lines: goods values, freight and insurance in the rule's currency,
  -- converted on the date and rounded half-even to the minor unit.
  SELECT array_agg((e.v ->> 'hs_code')::cbl.hs_code ORDER BY e.n),
         array_agg(cbl.round(cbl.convert((e.v ->> 'value')::cbl.amount, ccy, duty_quote.on_date)) ORDER BY e.n),
         array_agg(COALESCE(e.v -> 'quantities', '{}'::jsonb) ORDER BY e.n)
    INTO v_codes, v_goods, v_qty
    FROM jsonb_array_elements(duty_quote.lines) WITH ORDINALITY AS e(v, n);
  SELECT u.k INTO bad FROM unnest(v_goods) WITH ORDINALITY AS u(g, k) WHERE cbl.value(u.g) < 0 ORDER BY u.k LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'line % of the duty quote has a negative value', bad.k
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_freight := cbl.round(cbl.convert(COALESCE(duty_quote.freight, zero), ccy, duty_quote.on_date));
  v_insurance := cbl.round(cbl.convert(COALESCE(duty_quote.insurance, zero), ccy, duty_quote.on_date));
  IF cbl.value(v_freight) < 0 OR cbl.value(v_insurance) < 0 THEN
    RAISE EXCEPTION 'freight and insurance of a duty quote must not be negative'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT cbl.sum(u.g) INTO v_goods_total FROM unnest(v_goods) AS u(g);

  -- Weights to allocate freight, insurance and the other charges to lines.
  IF duty_quote.allocate_by = 'value' THEN
    SELECT array_agg(cbl.value(u.g) ORDER BY u.k) INTO v_weights FROM unnest(v_goods) WITH ORDINALITY AS u(g, k);
  ELSE
    key := CASE duty_quote.allocate_by WHEN 'weight' THEN 'kg' ELSE 'item' END;
    SELECT u.k INTO bad FROM unnest(v_qty) WITH ORDINALITY AS u(q, k)
     WHERE jsonb_typeof(u.q -> key) IS DISTINCT FROM 'number' ORDER BY u.k LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'line % of the duty quote has no quantities.% to allocate by %', bad.k, key, duty_quote.allocate_by
        USING ERRCODE = 'invalid_parameter_value',
              HINT = format('Give every line''s "quantities": {"%s": ...}, or allocate by value.', key);
    END IF;
    SELECT array_agg((u.q ->> key)::numeric ORDER BY u.k) INTO v_weights FROM unnest(v_qty) WITH ORDINALITY AS u(q, k);
  END IF;
  v_f_parts := cbl.allocate(v_freight, v_weights);
  v_i_parts := cbl.allocate(v_insurance, v_weights);

  -- Which regime: thresholds are compared with the intrinsic value of the
  -- goods in the threshold's own currency, inclusive ("not exceeding").
  v_ecommerce := r.ecommerce_limit IS NOT NULL
    AND cbl.customs_intrinsic_value(duty_quote.lines, cbl.currency(r.ecommerce_limit), duty_quote.on_date) OPERATOR(cbl.<=) r.ecommerce_limit;
  v_flat := NOT v_ecommerce AND r.flat_duty IS NOT NULL
    AND cbl.customs_intrinsic_value(duty_quote.lines, cbl.currency(r.flat_duty_limit), duty_quote.on_date) OPERATOR(cbl.<=) r.flat_duty_limit;
  v_duty_free := NOT v_ecommerce AND NOT v_flat AND r.duty_de_minimis IS NOT NULL
    AND cbl.customs_intrinsic_value(duty_quote.lines, cbl.currency(r.duty_de_minimis), duty_quote.on_date) OPERATOR(cbl.<=) r.duty_de_minimis;
  v_seller := r.seller_collects_up_to IS NOT NULL
    AND (r.seller_collection = 'mandatory' OR COALESCE(duty_quote.seller_collects_tax, false))
    AND cbl.customs_intrinsic_value(duty_quote.lines, cbl.currency(r.seller_collects_up_to), duty_quote.on_date) OPERATOR(cbl.<=) r.seller_collects_up_to;
  v_tax_free := NOT v_seller AND r.tax_de_minimis IS NOT NULL
    AND cbl.customs_intrinsic_value(duty_quote.lines, cbl.currency(r.tax_de_minimis), duty_quote.on_date) OPERATOR(cbl.<=) r.tax_de_minimis;
  v_informal := r.informal_entry_limit IS NOT NULL
    AND cbl.customs_intrinsic_value(duty_quote.lines, cbl.currency(r.informal_entry_limit), duty_quote.on_date) OPERATOR(cbl.<=) r.informal_entry_limit;

  -- Tariff lines, when the tariff decides the duty.
  IF NOT (v_ecommerce OR v_flat OR v_duty_free) THEN
    SELECT array_agg(t.id ORDER BY u.k) INTO v_tariff_ids
      FROM unnest(v_codes) WITH ORDINALITY AS u(c, k)
      LEFT JOIN LATERAL cbl.tariff_for(r.tariff, u.c, duty_quote.origin, duty_quote.on_date) AS t ON true;
    v_missing := array_position(v_tariff_ids, NULL);
    IF v_missing IS NOT NULL THEN
      RAISE EXCEPTION 'no tariff line for % in the % tariff on %', v_codes[v_missing], r.tariff, d
        USING ERRCODE = 'no_data_found',
              DETAIL = format('Line %s: cbl.tariff has no line of destination %s for %s or a prefix of it, valid on %s, for origin %s or for all origins.',
                              v_missing, r.tariff, v_codes[v_missing], d, COALESCE(duty_quote.origin, 'unknown')),
              HINT = 'Add the tariff line to cbl.tariff.';
    END IF;
    -- Specific duties need their quantities: say which line lacks one.
    SELECT u.k, c.quantity_key, t.rate INTO bad
      FROM unnest(v_qty, v_tariff_ids) WITH ORDINALITY AS u(q, tid, k)
      JOIN cbl.tariff AS t ON t.id = u.tid
     CROSS JOIN LATERAL cbl.duty_components(t.rate) AS c
     WHERE c.quantity_key IS NOT NULL AND jsonb_typeof(u.q -> c.quantity_key) IS DISTINCT FROM 'number'
     ORDER BY u.k LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'line % of the duty quote needs quantities.% for the rate %', bad.k, bad.quantity_key, bad.rate
        USING ERRCODE = 'invalid_parameter_value',
              HINT = format('Give the line "quantities": {"%s": ...}.', bad.quantity_key);
    END IF;
  END IF;

  -- Per line: customs value and duty (C does the arithmetic).
  SELECT array_agg(x.cv ORDER BY x.k), array_agg(x.duty ORDER BY x.k), array_agg(x.rate_text ORDER BY x.k),
         array_agg(x.duty_basis ORDER BY x.k), array_agg(x.cv_basis ORDER BY x.k)
    INTO v_cv, v_duty, v_rate, v_duty_basis, v_cv_basis
    FROM (
      SELECT l.k, l.cv,
             CASE WHEN v_ecommerce THEN cbl.customs_percent(l.cv, r.ecommerce_duty_rate, r.duty_rounding, r.duty_rounding_unit)
                  WHEN v_flat THEN CASE WHEN l.first_line = l.k THEN r.flat_duty ELSE zero END
                  WHEN v_duty_free THEN zero
                  ELSE cbl.customs_round(dc.duty, r.duty_rounding, r.duty_rounding_unit)
             END AS duty,
             CASE WHEN v_ecommerce THEN trim_scale(r.ecommerce_duty_rate)::text || '% (cross-border e-commerce)'
                  WHEN v_flat THEN r.flat_duty::text || ' per item (tariff subheading)'
                  WHEN v_duty_free THEN 'Free (de minimis)'
                  ELSE t.rate::text
             END AS rate_text,
             CASE WHEN v_ecommerce THEN
                    format('cross-border e-commerce retail import, order value at most %s: duty %s%% (%s)',
                           r.ecommerce_limit, trim_scale(r.ecommerce_duty_rate), rule_name)
                  WHEN v_flat AND l.first_line = l.k THEN
                    format('flat duty %s for item %s of a consignment of intrinsic value at most %s (%s)',
                           r.flat_duty, l.item_code, r.flat_duty_limit, rule_name)
                  WHEN v_flat THEN
                    format('no further flat duty: item %s is paid on line %s (%s)', l.item_code, l.first_line, rule_name)
                  WHEN v_duty_free THEN
                    format('de minimis: intrinsic value at most %s (%s)', r.duty_de_minimis, rule_name)
                  ELSE
                    format('%s tariff %s%s from %s (%s): %s; rounded %s to %s',
                           r.tariff, t.hs_prefix,
                           CASE WHEN t.origins IS NULL THEN '' ELSE ' for origin ' || array_to_string(t.origins, ',') END,
                           to_char(t.valid_from, 'YYYY-MM-DD'), t.source, dc.explanation, r.duty_rounding, v_duty_unit)
             END AS duty_basis,
             CASE WHEN r.valuation = 'CIF' THEN
                    format('CIF: goods %s + freight %s + insurance %s (freight and insurance allocated by %s; %s)',
                           l.g, l.fp, l.ip, duty_quote.allocate_by, rule_name)
                  ELSE format('FOB: goods %s; freight and insurance excluded (%s)', l.g, rule_name)
             END AS cv_basis
        FROM (
          SELECT u.k, u.c, u.g, u.q, u.fp, u.ip, u.tid,
                 CASE WHEN r.valuation = 'CIF' THEN u.g OPERATOR(cbl.+) u.fp OPERATOR(cbl.+) u.ip ELSE u.g END AS cv,
                 COALESCE((cbl.hs_prefixes(u.c))[r.flat_duty_digits / 2], u.c) AS item_code,
                 min(u.k) OVER (PARTITION BY COALESCE((cbl.hs_prefixes(u.c))[r.flat_duty_digits / 2], u.c)) AS first_line
            FROM unnest(v_codes, v_goods, v_qty, v_f_parts, v_i_parts, v_tariff_ids)
                 WITH ORDINALITY AS u(c, g, q, fp, ip, tid, k)) AS l
        LEFT JOIN cbl.tariff AS t ON t.id = l.tid
        LEFT JOIN LATERAL cbl.duty_compute(t.rate, l.cv, l.q, duty_quote.on_date) AS dc ON true) AS x;
  SELECT cbl.sum(u.x) INTO v_cv_total FROM unnest(v_cv) AS u(x);
  SELECT cbl.sum(u.x) INTO v_duty_total FROM unnest(v_duty) AS u(x);

  -- Entry fees: none for goods under the duty de minimis (no entry).
  IF r.processing_fee_rate IS NULL THEN
    v_pfee := zero;
    v_pfee_basis := format('no per-entry processing fee (%s)', rule_name);
  ELSIF v_duty_free THEN
    v_pfee := zero;
    v_pfee_basis := format('no entry under the de minimis of %s (%s)', r.duty_de_minimis, rule_name);
  ELSIF v_informal THEN
    v_pfee := r.informal_entry_fee;
    v_pfee_rate := 'informal entry fee';
    v_pfee_basis := format('informal entry: intrinsic value at most %s, flat fee %s (%s)',
                           r.informal_entry_limit, r.informal_entry_fee, rule_name);
  ELSE
    v_pfee := cbl.customs_percent(v_cv_total, r.processing_fee_rate, r.tax_rounding, r.tax_rounding_unit);
    v_pfee_rate := format('%s%%%s%s', trim_scale(r.processing_fee_rate),
                          COALESCE(' MIN ' || r.processing_fee_min::text, ''), COALESCE(' MAX ' || r.processing_fee_max::text, ''));
    v_pfee_basis := format('%s%% of customs value %s = %s, rounded %s', trim_scale(r.processing_fee_rate), v_cv_total,
                           v_pfee, r.tax_rounding);
    IF r.processing_fee_min IS NOT NULL AND v_pfee OPERATOR(cbl.<) r.processing_fee_min THEN
      v_pfee := r.processing_fee_min;
      v_pfee_basis := v_pfee_basis || format('; below the minimum, so %s', v_pfee);
    ELSIF r.processing_fee_max IS NOT NULL AND v_pfee OPERATOR(cbl.>) r.processing_fee_max THEN
      v_pfee := r.processing_fee_max;
      v_pfee_basis := v_pfee_basis || format('; above the maximum, so %s', v_pfee);
    END IF;
    v_pfee_basis := v_pfee_basis || format(' (%s)', rule_name);
  END IF;
  IF r.ocean_fee_rate IS NULL THEN
    v_ofee := zero;
    v_ofee_basis := format('no ocean fee (%s)', rule_name);
  ELSIF duty_quote.mode <> 'ocean' THEN
    v_ofee := zero;
    v_ofee_basis := format('ocean shipments only; this one goes by %s (%s)', duty_quote.mode, rule_name);
  ELSIF v_duty_free THEN
    v_ofee := zero;
    v_ofee_basis := format('no entry under the de minimis of %s (%s)', r.duty_de_minimis, rule_name);
  ELSE
    v_ofee := cbl.customs_percent(v_cv_total, r.ocean_fee_rate, r.tax_rounding, r.tax_rounding_unit);
    v_ofee_rate := trim_scale(r.ocean_fee_rate)::text || '%';
    v_ofee_basis := format('%s%% of customs value %s, rounded %s (%s)', trim_scale(r.ocean_fee_rate), v_cv_total,
                           r.tax_rounding, rule_name);
  END IF;

  -- Import tax: its base, then the regime.
  v_tax_base := v_cv_total;
  v_base_text := 'customs value ' || v_cv_total::text;
  IF r.tax_base_duty THEN
    v_tax_base := v_tax_base OPERATOR(cbl.+) v_duty_total;
    v_base_text := v_base_text || ' + duty ' || v_duty_total::text;
  END IF;
  IF r.tax_base_transport AND r.valuation = 'FOB' THEN
    v_tax_base := v_tax_base OPERATOR(cbl.+) v_freight OPERATOR(cbl.+) v_insurance;
    v_base_text := v_base_text || ' + freight ' || v_freight::text || ' + insurance ' || v_insurance::text;
  END IF;
  IF r.tax_base_fees THEN
    v_tax_base := v_tax_base OPERATOR(cbl.+) v_pfee OPERATOR(cbl.+) v_ofee;
    v_base_text := v_base_text || ' + fees ' || (v_pfee OPERATOR(cbl.+) v_ofee)::text;
  END IF;
  v_tax := zero;
  v_sale_tax := zero;
  v_sale_basis := 'no seller-collected tax';
  IF r.tax_rate = 0 THEN
    v_tax_basis := format('no import VAT or GST (%s)', rule_name);
  ELSIF v_seller THEN
    v_sale_tax := cbl.customs_percent(v_tax_base, r.tax_rate, r.tax_rounding, r.tax_rounding_unit);
    v_tax_basis := format('none at import: %s charges it at sale (%s)',
                          CASE r.seller_collection WHEN 'mandatory' THEN 'the seller' ELSE 'the seller, using ' || r.seller_scheme || ',' END,
                          rule_name);
    v_sale_basis := format('%s %s%% of %s, charged by the seller at sale under %s (intrinsic value at most %s), rounded %s (%s)',
                           COALESCE(r.tax_name, 'tax'), trim_scale(r.tax_rate), v_base_text, r.seller_scheme,
                           r.seller_collects_up_to, r.tax_rounding, rule_name);
  ELSIF v_tax_free THEN
    v_tax_basis := format('de minimis: intrinsic value at most %s (%s)', r.tax_de_minimis, rule_name);
  ELSIF v_ecommerce THEN
    v_tax := cbl.customs_percent(v_tax_base, r.tax_rate * r.ecommerce_tax_factor / 100, r.tax_rounding, r.tax_rounding_unit);
    v_tax_rate := format('%s%% x %s%% = %s%%', trim_scale(r.tax_rate), trim_scale(r.ecommerce_tax_factor),
                         trim_scale(r.tax_rate * r.ecommerce_tax_factor / 100));
    v_tax_basis := format('%s at %s%% of the statutory %s%% on %s (cross-border e-commerce), rounded %s (%s)',
                          COALESCE(r.tax_name, 'tax'), trim_scale(r.ecommerce_tax_factor), trim_scale(r.tax_rate),
                          v_base_text, r.tax_rounding, rule_name);
  ELSE
    v_tax := cbl.customs_percent(v_tax_base, r.tax_rate, r.tax_rounding, r.tax_rounding_unit);
    v_tax_rate := trim_scale(r.tax_rate)::text || '%';
    v_tax_basis := format('%s %s%% of %s, rounded %s to %s (%s)', COALESCE(r.tax_name, 'tax'), trim_scale(r.tax_rate),
                          v_base_text, r.tax_rounding, v_tax_unit, rule_name);
  END IF;

  v_total_taxes := v_duty_total OPERATOR(cbl.+) v_tax OPERATOR(cbl.+) v_sale_tax
                   OPERATOR(cbl.+) v_pfee OPERATOR(cbl.+) v_ofee;
  v_landed := v_goods_total OPERATOR(cbl.+) v_freight OPERATOR(cbl.+) v_insurance OPERATOR(cbl.+) v_total_taxes;
  v_o_parts := cbl.allocate(v_tax OPERATOR(cbl.+) v_sale_tax OPERATOR(cbl.+) v_pfee OPERATOR(cbl.+) v_ofee, v_weights);

  -- Per line: customs value, duty and landed cost.
  RETURN QUERY
  SELECT u.k::integer, x.item, u.c,
         CASE x.item WHEN 'customs_value' THEN u.cv
                     WHEN 'duty' THEN u.du
                     ELSE u.g OPERATOR(cbl.+) u.fp OPERATOR(cbl.+) u.ip OPERATOR(cbl.+) u.du OPERATOR(cbl.+) u.op END,
         CASE x.item WHEN 'duty' THEN u.rt END,
         CASE x.item WHEN 'duty' THEN v_import_payer END,
         CASE x.item WHEN 'customs_value' THEN u.cvb
                     WHEN 'duty' THEN u.db
                     ELSE format('goods %s + freight %s + insurance %s + duty %s + taxes and fees %s (allocated by %s)',
                                 u.g, u.fp, u.ip, u.du, u.op, duty_quote.allocate_by) END
    FROM unnest(v_codes, v_goods, v_f_parts, v_i_parts, v_cv, v_duty, v_rate, v_duty_basis, v_cv_basis, v_o_parts)
         WITH ORDINALITY AS u(c, g, fp, ip, cv, du, rt, db, cvb, op, k)
   CROSS JOIN (VALUES (1, 'customs_value'), (2, 'duty'), (3, 'landed_cost')) AS x(o, item)
   ORDER BY u.k, x.o;

  -- Totals.
  RETURN QUERY VALUES
    (NULL::integer, 'goods', NULL::cbl.hs_code, v_goods_total, NULL::text, 'buyer',
     format('sum of the line values in %s, converted on %s where needed and rounded half_even to the minor unit', ccy, d)),
    (NULL, 'freight', NULL, v_freight, NULL, cbl.incoterm_payer(duty_quote.incoterm, 'main_carriage'),
     format('main carriage, paid by the %s under %s', cbl.incoterm_payer(duty_quote.incoterm, 'main_carriage'), duty_quote.incoterm)),
    (NULL, 'insurance', NULL, v_insurance, NULL, cbl.incoterm_payer(duty_quote.incoterm, 'insurance'),
     format('cargo insurance, paid by the %s under %s', cbl.incoterm_payer(duty_quote.incoterm, 'insurance'), duty_quote.incoterm)),
    (NULL, 'customs_value', NULL, v_cv_total, r.valuation,  NULL,
     CASE WHEN r.valuation = 'CIF' THEN format('CIF: goods + freight + insurance to the border (%s)', rule_name)
          ELSE format('FOB: goods only, freight and insurance excluded (%s)', rule_name) END),
    (NULL, 'duty', NULL, v_duty_total, NULL, v_import_payer,
     CASE WHEN v_ecommerce THEN format('cross-border e-commerce retail import: intrinsic value at most %s (%s)', r.ecommerce_limit, rule_name)
          WHEN v_flat THEN format('flat duty %s per tariff subheading: intrinsic value at most %s (%s)', r.flat_duty, r.flat_duty_limit, rule_name)
          WHEN v_duty_free THEN format('de minimis: intrinsic value at most %s (%s)', r.duty_de_minimis, rule_name)
          ELSE format('sum of the line duties from the %s tariff, each rounded %s to %s (%s)', r.tariff, r.duty_rounding, v_duty_unit, rule_name) END),
    (NULL, 'import_tax', NULL, v_tax, v_tax_rate, v_import_payer, v_tax_basis),
    (NULL, 'sale_tax', NULL, v_sale_tax, CASE WHEN v_seller AND r.tax_rate <> 0 THEN trim_scale(r.tax_rate)::text || '%' END,
     CASE WHEN v_seller AND r.tax_rate <> 0 THEN 'buyer' END, v_sale_basis),
    (NULL, 'processing_fee', NULL, v_pfee, v_pfee_rate, v_import_payer, v_pfee_basis),
    (NULL, 'ocean_fee', NULL, v_ofee, v_ofee_rate, v_import_payer, v_ofee_basis),
    (NULL, 'total_taxes', NULL, v_total_taxes, NULL, v_import_payer,
     format('duty %s + import tax %s + tax at sale %s + fees %s; import duty, taxes and fees are paid by the %s under %s',
            v_duty_total, v_tax, v_sale_tax, v_pfee OPERATOR(cbl.+) v_ofee, v_import_payer, duty_quote.incoterm)),
    (NULL, 'landed_cost', NULL, v_landed, NULL, NULL,
     format('goods %s + freight %s + insurance %s + taxes %s', v_goods_total, v_freight, v_insurance, v_total_taxes));
END $$;
COMMENT ON FUNCTION cbl.duty_quote(text, jsonb, cbl.amount, cbl.amount, text, cbl.incoterm, text, date, boolean, text) IS
  'duty, import tax, fees and landed cost of a consignment: per line customs value, duty (with the rate used) and landed cost, then totals, each with who pays it and the rule that produced it';
