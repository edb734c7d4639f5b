-- ISO reference tables, and their agreement with the list compiled into C.
SET search_path = cbl, public;

SELECT count(*) AS currencies, count(*) FILTER (WHERE billable) AS billable,
       count(*) FILTER (WHERE minor_unit IS NULL) AS no_minor_unit
  FROM cbl.currency;
SELECT minor_unit, count(*), string_agg(code, ' ' ORDER BY code) FILTER (WHERE minor_unit <> 2) AS codes
  FROM cbl.currency GROUP BY minor_unit ORDER BY minor_unit NULLS LAST;
SELECT code, numeric_code, minor_unit, name, billable FROM cbl.currency
 WHERE code IN ('USD', 'EUR', 'JPY', 'KWD', 'CLF', 'XAU', 'USN', 'XTS', 'XCG', 'CNY') ORDER BY code;
SELECT string_agg(code, ' ' ORDER BY code) AS not_billable FROM cbl.currency WHERE NOT billable;

-- Every currency in the table is accepted by cbl.amount with the same minor
-- unit (the display scale shows it), and withdrawn codes are not.
SELECT count(*) AS disagreements FROM cbl.currency c
 WHERE cbl.currency(('1 ' || c.code)::cbl.amount) <> c.code
    OR length(split_part(cbl.value(('1 ' || c.code)::cbl.amount)::text, '.', 2)) <> coalesce(c.minor_unit, 0);
SELECT '1 HRK'::cbl.amount;
SELECT '1 ANG'::cbl.amount;

-- Countries.
SELECT count(*) AS countries FROM cbl.country;
SELECT code, alpha3, numeric_code, name, currency FROM cbl.country
 WHERE code IN ('DE', 'US', 'CN', 'CW', 'AQ') ORDER BY code;

-- The tables are read-only reference data for users.
SELECT has_table_privilege('public', 'cbl.currency', 'SELECT') AS public_reads,
       has_table_privilege('public', 'cbl.currency', 'INSERT') AS public_writes;
