-- ISO reference data: currencies and countries.
-- The same ISO 4217 list is compiled into the C library (src/iso4217_table.h)
-- so that cbl.amount I/O needs no table; these tables are for joins and BI.
-- Both are generated from src/data by src/data/gen_reference.py.

CREATE TABLE cbl.currency (
  code          text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  numeric_code  integer NOT NULL UNIQUE CHECK (numeric_code BETWEEN 1 AND 999),
  minor_unit    integer CHECK (minor_unit BETWEEN 0 AND 4),
  name          text NOT NULL,
  billable      boolean NOT NULL
);
COMMENT ON TABLE cbl.currency IS
  'ISO 4217 current currencies (shipped with cbl, read-only): code, numeric code, decimals of the minor unit, name, and whether charges may be billed in it';
COMMENT ON COLUMN cbl.currency.code IS 'ISO 4217 alphabetic code, e.g. USD';
COMMENT ON COLUMN cbl.currency.numeric_code IS 'ISO 4217 numeric code, e.g. 840';
COMMENT ON COLUMN cbl.currency.minor_unit IS
  'decimal places of the minor unit (0 for JPY, 2 for USD, 3 for KWD, 4 for CLF); NULL where ISO 4217 says not applicable (metals, SDR)';
COMMENT ON COLUMN cbl.currency.name IS 'ISO 4217 currency name';
COMMENT ON COLUMN cbl.currency.billable IS
  'false for funds (e.g. USN, CLF), precious metals (XAU), SDR-like units and testing codes (XTS, XXX)';

CREATE TABLE cbl.country (
  code          text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
  alpha3        text NOT NULL UNIQUE CHECK (alpha3 ~ '^[A-Z]{3}$'),
  numeric_code  integer NOT NULL UNIQUE,
  name          text NOT NULL,
  currency      text REFERENCES cbl.currency (code)
);
COMMENT ON TABLE cbl.country IS
  'ISO 3166-1 countries and territories (shipped with cbl, read-only), with their main ISO 4217 currency';
COMMENT ON COLUMN cbl.country.code IS 'ISO 3166-1 alpha-2 code, e.g. DE';
COMMENT ON COLUMN cbl.country.alpha3 IS 'ISO 3166-1 alpha-3 code, e.g. DEU';
COMMENT ON COLUMN cbl.country.numeric_code IS 'ISO 3166-1 numeric code, e.g. 276';
COMMENT ON COLUMN cbl.country.name IS 'official English short name';
COMMENT ON COLUMN cbl.country.currency IS 'main ISO 4217 currency, NULL where there is none';

GRANT SELECT ON cbl.currency, cbl.country TO PUBLIC;
