-- cbl demo, customs section: what duty and import tax a parcel of T-shirts
-- pays in Germany, and who pays it.  The import rules and tariff lines come
-- from test/fixtures/customs_sample.sql (sample figures to verify before
-- production use), loaded by demo.sh just before this file.

\echo
\echo '=== 13. Customs: a duty quote for T-shirts into Germany (DAP, so the buyer pays duties)'
SET timezone = 'UTC';
SELECT line, item, hs_code, amount, payer, basis
  FROM cbl.duty_quote('DE', '[{"hs_code": "6109.10.00", "value": "1000.00 EUR", "quantities": {"kg": 12}}]',
                      '80.00 EUR', '5.00 EUR', 'air', 'DAP', 'CN', '2026-03-10');
