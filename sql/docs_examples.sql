-- The examples of docs/amount.md and docs/fx.md, statement for statement.
-- (test/tools/check-docs.pl checks that every SQL statement in docs/ is run
-- by some test in sql/.)

-- docs/amount.md
SET search_path = "$user", public, cbl;
SELECT '1234.56 USD'::cbl.amount;
SELECT cbl.amount(99.9, 'EUR');
SELECT cbl.currency('12.5 EUR'), cbl.value('12.5 EUR');
SELECT '1234.5 USD'::cbl.amount;
SELECT '100.5 JPY'::cbl.amount;
SELECT '10.005 USD'::cbl.amount;
SELECT '12.34 ABC'::cbl.amount;
SELECT '0.10 USD'::cbl.amount + '0.20 USD';
SELECT '10.00 USD'::cbl.amount * 0.175;
SELECT '10.00 USD'::cbl.amount / 3;
SELECT '1 USD'::cbl.amount + '1 EUR';
SELECT cbl.round('10.005 USD');
SELECT cbl.round('10.015 USD');
SELECT cbl.round('100.5 JPY');
SELECT cbl.round('2.345 EUR', 'half_up');
SELECT cbl.round('-2.341 EUR', 'up');
SELECT cbl.round('1234.5678 USD', 0, 'half_even');
CREATE TABLE example_charge (party text, amount cbl.amount);
INSERT INTO example_charge VALUES ('acme', '100.10 USD'), ('acme', '0.20 USD'), ('acme', '7 JPY');
SELECT cbl.currency(amount) AS currency, cbl.sum(amount), cbl.avg(amount)
  FROM example_charge GROUP BY 1 ORDER BY 1;
DROP TABLE example_charge;

-- docs/fx.md
DELETE FROM cbl.fx_rate;
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 1.0850, 'ECB');
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 1.0850, 'ECB');
SELECT cbl.set_fx_rate('EUR', 'USD', '2026-01-01', 1.0851, 'ECB');
SELECT cbl.convert('100 EUR', 'USD', '2026-01-31');
SELECT cbl.convert('108.51 USD', 'EUR', '2026-01-31');
SELECT cbl.round(cbl.convert('100 USD', 'EUR', '2026-01-31'));
SELECT cbl.convert('100 EUR', 'USD', '2025-12-31');
SELECT cbl.get_setting('fx_pivot_currency');
SELECT cbl.set_setting('fx_pivot_currency', 'EUR');
SELECT cbl.set_setting('fx_pivot_currency', NULL);
DELETE FROM cbl.fx_rate;
RESET search_path;
