-- Settings, FX rates and cbl.convert.
SET search_path = cbl, public;

-- Settings: built-in defaults, overrides, unknown names.
SELECT cbl.get_setting('fx_pivot_currency');
SELECT * FROM cbl.setting_default('fx_pivot_currency');
SELECT cbl.get_setting('no_such_setting');
SELECT cbl.set_setting('no_such_setting', 'x');
SELECT cbl.set_setting('fx_pivot_currency', 'ABC');
SELECT cbl.set_setting('fx_pivot_currency', 'EUR');
SELECT cbl.get_setting('fx_pivot_currency'), (SELECT count(*) FROM cbl.setting) AS stored;
SELECT cbl.set_setting('fx_pivot_currency', NULL);
SELECT cbl.get_setting('fx_pivot_currency'), (SELECT count(*) FROM cbl.setting) AS stored;

-- Loading rates is idempotent and says what it did.
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 1.0850, 'ECB');
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 1.0850, 'ECB');
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 1.0851, 'ECB');
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-02-01', 1.1000, 'ECB');
SELECT cbl.set_fx_rate('USD', 'JPY', '2026-01-15', 151.25);
SELECT cbl.set_fx_rate('GBP', 'USD', '2026-01-01', 1.27);
SELECT cbl.set_fx_rate('CNY', 'EUR', '2026-01-20', 0.128);
SELECT base, quote, valid_on, rate, source FROM cbl.fx_rate ORDER BY base, quote, valid_on;

-- Bad rates are refused with a clear error.
SELECT cbl.set_fx_rate('EUR', 'EUR', '2026-01-01', 1);
SELECT cbl.set_fx_rate('EUR', 'XYZ', '2026-01-01', 1);
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 0);
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', -1.1);
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 'NaN');
\set VERBOSITY terse
INSERT INTO cbl.fx_rate (base, quote, valid_on, rate) VALUES ('EUR', 'GBP', '2026-01-01', 'Infinity');
INSERT INTO cbl.fx_rate (base, quote, valid_on, rate) VALUES ('EUR', 'GBP', '2026-01-01', 'NaN');
INSERT INTO cbl.fx_rate (base, quote, valid_on, rate) VALUES ('EUR', 'QQQ', '2026-01-01', 1);
\set VERBOSITY default

-- Direct rate: the latest on or before the date.
SELECT cbl.convert('100 EUR', 'USD', '2026-01-01') AS jan_1,
       cbl.convert('100 EUR', 'USD', '2026-01-31') AS jan_31,
       cbl.convert('100 EUR', 'USD', '2026-02-01') AS feb_1,
       cbl.convert('100 EUR', 'USD', '2027-01-01') AS next_year;
-- Inverse rate: divides exactly (no rounded reciprocal), half-even to 1e-6.
SELECT cbl.convert('100 USD', 'EUR', '2026-01-15') AS usd_to_eur,
       cbl.convert('108.51 USD', 'EUR', '2026-01-15') AS exact_back,
       cbl.convert('1000000 JPY', 'USD', '2026-02-01') AS jpy_to_usd;
-- Explicit rounding to the minor unit afterwards.
SELECT cbl.round(cbl.convert('100 USD', 'EUR', '2026-01-15')) AS rounded;
-- Through the pivot (USD by default): GBP -> USD -> JPY, CNY -> EUR -> USD -> ... 
SELECT cbl.convert('10 GBP', 'JPY', '2026-02-01') AS gbp_jpy_via_usd;
SELECT cbl.convert('10 GBP', 'EUR', '2026-02-01') AS gbp_eur_via_usd;
-- The pivot is a setting: with EUR as pivot, CNY -> EUR -> USD works.
SELECT cbl.convert('1000 CNY', 'USD', '2026-02-01');
SELECT cbl.set_setting('fx_pivot_currency', 'EUR');
SELECT cbl.convert('1000 CNY', 'USD', '2026-02-01') AS cny_usd_via_eur;
SELECT cbl.set_setting('fx_pivot_currency', NULL);
-- Same currency: unchanged, no rate needed.
SELECT cbl.convert('12.345 KWD', 'KWD', '1900-01-01');
-- No rate: an error naming the pair and the date (SQLSTATE LG003).
SELECT cbl.convert('100 EUR', 'USD', '2025-12-31');
SELECT cbl.convert('100 EUR', 'CHF', '2026-06-01');
SELECT cbl.convert('100 EUR', 'ABC', '2026-06-01');
\set VERBOSITY sqlstate
SELECT cbl.convert('100 EUR', 'USD', '2025-12-31');
\set VERBOSITY default

-- When both a direct and an inverse rate exist, the more recent one wins.
SELECT cbl.set_fx_rate('USD', 'EUR', '2026-03-01', 0.90);
SELECT cbl.convert('100 EUR', 'USD', '2026-02-15') AS direct_older,
       cbl.convert('100 EUR', 'USD', '2026-03-15') AS inverse_newer;
SELECT * FROM cbl.fx_rate_on('EUR', 'USD', '2026-03-15');
SELECT * FROM cbl.fx_rate_on('EUR', 'USD', '2020-01-01');

-- Low-level exchange: one rounding of amount * num / den.
SELECT cbl.amount_exchange('1 USD', 'EUR', 1, 3) AS third,
       cbl.amount_exchange('2 USD', 'EUR', 1, 3) AS two_thirds;
SELECT cbl.amount_exchange('1 USD', 'EUR', 0, 3);
SELECT cbl.amount_exchange('1 USD', 'EUR', 1, -3);
SELECT cbl.amount_exchange('1 USD', 'QQQ', 1, 3);
-- Overflow through a rate is an error, never a wrap.
SELECT cbl.amount_exchange('9000000000000 USD', 'JPY', 151, 1);

-- Who may do what: reading is public, writing rates or settings is not.
SELECT has_function_privilege('public', 'cbl.set_fx_rate(text, text, date, numeric, text)', 'EXECUTE') AS public_sets_rates,
       has_function_privilege('public', 'cbl.convert(cbl.amount, text, date)', 'EXECUTE') AS public_converts,
       has_table_privilege('public', 'cbl.fx_rate', 'SELECT') AS public_reads_rates;

-- fx_rate and setting are configuration tables pg_dump keeps.
SELECT c.relname, e.extcondition
  FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS e(oid, extcondition)
  JOIN pg_class c ON c.oid = e.oid
 WHERE x.extname = 'cbl' AND c.relname IN ('fx_rate', 'setting') ORDER BY c.relname;
