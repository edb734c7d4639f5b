-- Settings and foreign exchange (rates are data users load; pg_dump keeps them).

-- Settings: rows override built-in defaults; the table starts empty, so a
-- dump restores exactly what users set and nothing cbl shipped.
CREATE TABLE cbl.setting (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cbl.setting IS
  'cbl settings that differ from the built-in defaults; change them with cbl.set_setting(), read them with cbl.get_setting()';
COMMENT ON COLUMN cbl.setting.name IS 'setting name, one of those cbl.setting_default() knows';
COMMENT ON COLUMN cbl.setting.value IS 'setting value, as text';
COMMENT ON COLUMN cbl.setting.updated_at IS 'when the value was last changed';
SELECT pg_catalog.pg_extension_config_dump('cbl.setting', '');

-- The settings cbl knows, their defaults and meaning.
CREATE FUNCTION cbl.setting_default(name text) RETURNS TABLE (value text, description text)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT d.value, d.description
    FROM (VALUES
      ('fx_pivot_currency', 'USD',
       'currency through which cbl.convert() crosses two currencies that have no direct or inverse rate'),
      ('reporting_currency', 'USD',
       'currency of margin and KPI reports (cbl.v_margin, cbl.v_kpi_monthly): each charge converted at its accrual date''s rate'),
      ('billing_time_zone', 'UTC',
       'time zone whose calendar dates charges: the rating date of an accrual, the month of margin and KPI reports')
    ) AS d(name, value, description)
   WHERE d.name = setting_default.name
$$;
COMMENT ON FUNCTION cbl.setting_default(text) IS
  'built-in default and description of a cbl setting; no row for an unknown name';

CREATE FUNCTION cbl.get_setting(name text) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result text;
BEGIN
  SELECT s.value INTO result FROM cbl.setting s WHERE s.name = get_setting.name;
  IF FOUND THEN
    RETURN result;
  END IF;
  SELECT d.value INTO result FROM cbl.setting_default(get_setting.name) d;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown cbl setting "%"', get_setting.name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'See the settings in docs/fx.md.';
  END IF;
  RETURN result;
END $$;
COMMENT ON FUNCTION cbl.get_setting(text) IS 'value of a cbl setting: the stored one, or the built-in default';

CREATE FUNCTION cbl.set_setting(name text, value text) RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  previous text;
BEGIN
  IF name IS NULL OR NOT EXISTS (SELECT 1 FROM cbl.setting_default(set_setting.name)) THEN
    RAISE EXCEPTION 'unknown cbl setting "%"', set_setting.name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'See the settings in docs/fx.md.';
  END IF;
  IF value IS NULL THEN
    DELETE FROM cbl.setting s WHERE s.name = set_setting.name;
    RETURN cbl.get_setting(set_setting.name);
  END IF;
  IF name IN ('fx_pivot_currency', 'reporting_currency')
     AND NOT EXISTS (SELECT 1 FROM cbl.currency c WHERE c.code = set_setting.value) THEN
    RAISE EXCEPTION 'unknown currency "%"', set_setting.value
      USING ERRCODE = 'LG002',
            HINT = 'Currency codes are ISO 4217 alphabetic codes such as USD or EUR; table cbl.currency lists them.';
  END IF;
  IF name = 'billing_time_zone'
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = set_setting.value) THEN
    RAISE EXCEPTION 'unknown time zone "%"', set_setting.value
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give a name from pg_timezone_names, such as Europe/Berlin or UTC.';
  END IF;
  INSERT INTO cbl.setting AS s (name, value) VALUES (set_setting.name, set_setting.value)
  ON CONFLICT ON CONSTRAINT setting_pkey DO UPDATE
     SET value = EXCLUDED.value, updated_at = now()
   WHERE s.value IS DISTINCT FROM EXCLUDED.value;
  RETURN set_setting.value;
END $$;
COMMENT ON FUNCTION cbl.set_setting(text, text) IS
  'set a cbl setting (NULL restores the default); returns the value now in force';
REVOKE ALL ON FUNCTION cbl.set_setting(text, text) FROM PUBLIC;

-- FX rates: 1 base = rate quote, valid from valid_on until the next rate.
CREATE TABLE cbl.fx_rate (
  base         text NOT NULL REFERENCES cbl.currency (code),
  quote        text NOT NULL REFERENCES cbl.currency (code),
  valid_on     date NOT NULL,
  rate         numeric NOT NULL,
  source       text NOT NULL DEFAULT 'manual',
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (base, quote, valid_on),
  CONSTRAINT fx_rate_distinct_currencies CHECK (base <> quote),
  -- NaN and Infinity sort above every number, so "< Infinity" excludes both
  CONSTRAINT fx_rate_positive CHECK (rate > 0 AND rate < 'Infinity')
);
COMMENT ON TABLE cbl.fx_rate IS
  'dated exchange rates: one unit of base costs rate units of quote from valid_on on; load with cbl.set_fx_rate()';
COMMENT ON COLUMN cbl.fx_rate.base IS 'ISO 4217 code of the currency priced';
COMMENT ON COLUMN cbl.fx_rate.quote IS 'ISO 4217 code of the currency it is priced in';
COMMENT ON COLUMN cbl.fx_rate.valid_on IS 'first day the rate applies; it applies until a later rate for the pair';
COMMENT ON COLUMN cbl.fx_rate.rate IS 'units of quote for one unit of base, exact';
COMMENT ON COLUMN cbl.fx_rate.source IS 'where the rate came from, e.g. ECB, bank, contract, manual';
COMMENT ON COLUMN cbl.fx_rate.recorded_at IS 'when the rate was stored or last changed';
SELECT pg_catalog.pg_extension_config_dump('cbl.fx_rate', '');
GRANT SELECT ON cbl.fx_rate, cbl.setting TO PUBLIC;

CREATE FUNCTION cbl.set_fx_rate(base text, quote text, valid_on date, rate numeric,
                                source text DEFAULT 'manual') RETURNS text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  ccy text;
  inserted boolean;
BEGIN
  FOREACH ccy IN ARRAY ARRAY[base, quote] LOOP
    IF NOT EXISTS (SELECT 1 FROM cbl.currency c WHERE c.code = ccy) THEN
      RAISE EXCEPTION 'unknown currency "%"', ccy
        USING ERRCODE = 'LG002',
              HINT = 'Currency codes are ISO 4217 alphabetic codes such as USD or EUR; table cbl.currency lists them.';
    END IF;
  END LOOP;
  IF base = quote THEN
    RAISE EXCEPTION 'an exchange rate needs two different currencies, not % and %', base, quote
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (rate > 0 AND rate < 'Infinity') THEN
    RAISE EXCEPTION 'exchange rate % for % to % is not a positive number', rate, base, quote
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO cbl.fx_rate AS f (base, quote, valid_on, rate, source)
  VALUES (set_fx_rate.base, set_fx_rate.quote, set_fx_rate.valid_on, set_fx_rate.rate, set_fx_rate.source)
  ON CONFLICT ON CONSTRAINT fx_rate_pkey DO UPDATE
     SET rate = EXCLUDED.rate, source = EXCLUDED.source, recorded_at = now()
   WHERE (f.rate, f.source) IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.source)
  RETURNING (xmax = 0) INTO inserted;
  RETURN CASE WHEN inserted THEN 'inserted' WHEN inserted IS NULL THEN 'unchanged' ELSE 'updated' END;
END $$;
COMMENT ON FUNCTION cbl.set_fx_rate(text, text, date, numeric, text) IS
  'store a dated exchange rate (idempotent); returns inserted, updated or unchanged';
REVOKE ALL ON FUNCTION cbl.set_fx_rate(text, text, date, numeric, text) FROM PUBLIC;

-- The rate for one pair on a date: the latest direct or inverse rate on or
-- before it, as an exact fraction num/den (an inverse rate is 1/rate).
CREATE FUNCTION cbl.fx_rate_on(base text, quote text, on_date date)
RETURNS TABLE (num numeric, den numeric, valid_on date)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT r.num, r.den, r.valid_on FROM (
    (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
      WHERE f.base = fx_rate_on.base AND f.quote = fx_rate_on.quote AND f.valid_on <= fx_rate_on.on_date
      ORDER BY f.valid_on DESC LIMIT 1)
    UNION ALL
    (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
      WHERE f.base = fx_rate_on.quote AND f.quote = fx_rate_on.base AND f.valid_on <= fx_rate_on.on_date
      ORDER BY f.valid_on DESC LIMIT 1)
  ) r ORDER BY r.valid_on DESC, r.pref LIMIT 1
$$;
COMMENT ON FUNCTION cbl.fx_rate_on(text, text, date) IS
  'latest direct or inverse rate for a pair on or before a date, as num/den, and the day it dates from; no row if none';

CREATE FUNCTION cbl.amount_exchange(cbl.amount, text, numeric, numeric) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_exchange' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.amount_exchange(cbl.amount, text, numeric, numeric) IS
  'amount * num / den in another currency, rounded half-even to the micro-unit once (used by cbl.convert)';

CREATE FUNCTION cbl.convert(value cbl.amount, to_currency text, on_date date) RETURNS cbl.amount
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  from_ccy text := cbl.currency(value);
  pivot text;
  leg1 record;
  leg2 record;
BEGIN
  IF from_ccy = to_currency THEN
    RETURN value;
  END IF;
  -- direct or inverse
  SELECT * INTO leg1 FROM cbl.fx_rate_on(from_ccy, to_currency, on_date);
  IF FOUND THEN
    RETURN cbl.amount_exchange(value, to_currency, leg1.num, leg1.den);
  END IF;
  -- through the pivot currency
  pivot := cbl.get_setting('fx_pivot_currency');
  IF pivot NOT IN (from_ccy, to_currency) THEN
    SELECT * INTO leg1 FROM cbl.fx_rate_on(from_ccy, pivot, on_date);
    IF FOUND THEN
      SELECT * INTO leg2 FROM cbl.fx_rate_on(pivot, to_currency, on_date);
      IF FOUND THEN
        RETURN cbl.amount_exchange(value, to_currency, leg1.num * leg2.num, leg1.den * leg2.den);
      END IF;
    END IF;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM cbl.currency c WHERE c.code = to_currency) THEN
    RAISE EXCEPTION 'unknown currency "%"', to_currency
      USING ERRCODE = 'LG002',
            HINT = 'Currency codes are ISO 4217 alphabetic codes such as USD or EUR; table cbl.currency lists them.';
  END IF;
  RAISE EXCEPTION 'no exchange rate from % to % on or before %', from_ccy, to_currency, on_date
    USING ERRCODE = 'LG003',
          DETAIL = format('cbl.fx_rate has no %s/%s or %s/%s rate dated %s or earlier, nor both legs through the pivot currency %s.',
                          from_ccy, to_currency, to_currency, from_ccy, on_date, pivot),
          HINT = 'Load a rate with cbl.set_fx_rate().';
END $$;
COMMENT ON FUNCTION cbl.convert(cbl.amount, text, date) IS
  'the amount in another currency at the latest rate on or before a date: direct, inverse, or through the pivot currency; exact to the micro-unit, round with cbl.round()';
