-- The money views: conversion to the reporting currency (direct, inverse,
-- through the pivot, missing), margin, leakage, monthly KPIs (on time,
-- clearance hours, exceptions, months in the billing time zone), and that
-- no view of schema cbl has a column of a cbl type.  Amounts by hand.
SET search_path = "$user", public, cbl;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';

INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES
  ('customer', 'MV-CUST', 'Views customer', 'SEK'), ('carrier', 'MV-CAR', 'Views carrier', NULL);
-- Currencies no other test uses, so that their rates are ours alone.
SELECT cbl.set_fx_rate('SEK', 'NOK', '2026-03-01', 0.95, 'money views test'),
       cbl.set_fx_rate('SEK', 'NOK', '2026-04-01', 1.20, 'money views test'),
       cbl.set_fx_rate('DKK', 'USD', '2026-03-01', 0.145, 'money views test'),
       cbl.set_fx_rate('USD', 'SEK', '2026-03-01', 10.50, 'money views test');
SELECT cbl.set_setting('reporting_currency', 'SEK');

-- cbl.fx_rate_span gives, for every day, the rate cbl.fx_rate_on gives.
SELECT count(*) AS days_checked,
       count(*) FILTER (WHERE s.num / s.den IS DISTINCT FROM o.num / o.den) AS disagreements
  FROM (VALUES ('SEK', 'NOK'), ('NOK', 'SEK'), ('DKK', 'USD'), ('USD', 'DKK'), ('DKK', 'SEK'), ('USD', 'SEK')) p(b, q)
 CROSS JOIN generate_series(DATE '2026-02-27', DATE '2026-04-03', '1 day') d(day)
  LEFT JOIN cbl.fx_rate_on(p.b, p.q, d.day::date) o ON true
  LEFT JOIN cbl.fx_rate_span s ON s.base = p.b AND s.quote = p.q AND s.valid_from <= d.day
                              AND (s.valid_until IS NULL OR d.day < s.valid_until);

SELECT cbl.create_shipment('MV-1', 'express_parcel', 'MV-CUST', 'MV-CAR', origin => 'DE', destination => 'GB') AS m1 \gset
SELECT cbl.create_shipment('MV-2', 'express_parcel', 'MV-CUST', 'MV-CAR', origin => 'US', destination => 'DE') AS m2 \gset
SELECT cbl.create_shipment('MV-3', 'express_parcel', 'MV-CUST', 'MV-CAR', origin => 'DE', destination => 'FR') AS m3 \gset

-- MV-1: 95.00 NOK at the inverse of 0.95 = 100.00 SEK; 10.00 SEK; cost
-- 62.50 DKK through the pivot USD: 62.50 x 0.145 x 10.50 = 95.15625 SEK;
-- 5.00 CHF has no rate (left out, counted); in April 24.00 NOK at the
-- inverse of 1.20 = 20.00 SEK.  MV-2: 50.00 and cost 40.00 SEK; a voided
-- 5.00 does not count.
SELECT count(*) AS charges FROM (
  SELECT cbl.add_charge('MV-1', NULL, 'receivable', 'FRT', '95.00 NOK', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-1', NULL, 'receivable', 'FSC', '10.00 SEK', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-1', NULL, 'payable', 'FRT', '62.50 DKK', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-1', NULL, 'payable', 'SSC', '5.00 CHF', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-1', NULL, 'receivable', 'STO', '24.00 NOK', '2026-04-02 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-2', NULL, 'receivable', 'FRT', '50.00 SEK', '2026-03-16 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-2', NULL, 'payable', 'FRT', '40.00 SEK', '2026-03-16 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-2', NULL, 'receivable', 'DOC', '5.00 SEK', '2026-03-16 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-2', NULL, 'payable', 'THC', '15.00 SEK', '2026-03-16 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-2', NULL, 'receivable', 'THC', '15.00 SEK', '2026-03-16 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-2', NULL, 'payable', 'DEM', '20.00 SEK', '2026-03-16 12:00+00')) x;
-- MV-2's handling billed, then credited (netted to zero); its demurrage voided.
SELECT origin FROM cbl.add_charge('MV-2', NULL, 'receivable', 'THC', '-15.00 SEK', '2026-03-17 12:00+00', origin => 'adjustment',
                                  adjusts_charge_no => (SELECT charge_no FROM cbl.charge WHERE shipment_id = :m2 AND fee_code = 'THC' AND direction = 'receivable'));
SELECT count(*) AS voided FROM cbl.charge c, cbl.void_charge(c.shipment_id, c.charge_no, 'test')
 WHERE c.shipment_id = :m2 AND c.fee_code IN ('DOC', 'DEM');

-- Each charge converted as cbl.convert would.
SELECT count(*) AS charges_seen,
       count(*) FILTER (WHERE v.reporting_amount IS DISTINCT FROM cbl.value(x.converted)) AS differ_from_convert
  FROM cbl.v_charge v
  JOIN cbl.charge c ON c.shipment_id = v.shipment_id AND c.charge_no = v.charge_no
 CROSS JOIN LATERAL (SELECT CASE WHEN cbl.currency(c.amount) = 'CHF' THEN NULL
                                 ELSE cbl.convert(c.amount, 'SEK', v.accrual_date) END AS converted) x
 WHERE v.shipment_id IN (:m1, :m2);
SELECT shipment_reference, direction, fee_code, fee_group, amount, currency, accrual_month, reporting_amount, reporting_rate, status
  FROM cbl.v_charge WHERE shipment_id IN (:m1, :m2) ORDER BY shipment_reference, accrued_at, direction DESC, fee_code, charge_no;

-- Margin per shipment and month.  MV-1 March: 110.00 - 95.15625 =
-- 14.84375 (13.49%); April: 20.00.  MV-2: 50.00 + 15.00 - 15.00 = 50.00
-- revenue, 40.00 + 15.00 cost: margin -5.00.
SELECT shipment_reference, month, customer_code, lane, reporting_currency, revenue, cost, margin, margin_pct,
       charges, unconverted_charges
  FROM cbl.v_margin WHERE shipment_id IN (:m1, :m2) ORDER BY shipment_reference, month;
-- Leakage: MV-1's security fee (surcharge, never billed); MV-2's handling
-- (billed but netted to zero).  MV-2's voided demurrage is not a cost.
SELECT shipment_reference, customer_code, party_kind, party_code, fee_group, fee_code, currency, cost,
       reporting_currency, reporting_cost, first_accrued_at, charges
  FROM cbl.v_leakage WHERE shipment_id IN (:m1, :m2) ORDER BY shipment_reference, fee_code;

-- KPIs.  MV-1: booked 9 March, arrived 12 March 08:00, cleared 14:30
-- (6.5 h), delivered 14 March 10:00, planned 12:00: on time.  MV-2:
-- booked 15 March, arrived 18 March 06:00, cleared 19 March 06:00 (24 h),
-- delivered 21 March 09:00, planned 20 March 12:00: late; one exception.
-- MV-3: booked 31 March 23:30 UTC, which is 1 April in Berlin.  March
-- (UTC): 3 shipments, 2 delivered, 50% on time, (6.5 + 24) / 2 = 15.25 h,
-- 1 exception per 3 shipments = 33.33 per 100; revenue 100.00 + 10.00 +
-- 50.00 = 160.00, cost 95.15625 + 55.00 = 150.15625, one charge
-- unconverted.  April: 20.00.
SELECT accepted FROM cbl.ingest_events('[
  {"source": "mv", "event_id": "1-bk", "shipment": "MV-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-09T08:00:00Z"},
  {"source": "mv", "event_id": "1-ar", "shipment": "MV-1", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-12T08:00:00Z"},
  {"source": "mv", "event_id": "1-cc", "shipment": "MV-1", "milestone": "IMPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-12T14:30:00Z"},
  {"source": "mv", "event_id": "1-dp", "shipment": "MV-1", "milestone": "DELIVERED", "classifier": "PLN", "occurred_at": "2026-03-14T12:00:00Z"},
  {"source": "mv", "event_id": "1-dl", "shipment": "MV-1", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-14T10:00:00Z"},
  {"source": "mv", "event_id": "2-bk", "shipment": "MV-2", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-15T08:00:00Z"},
  {"source": "mv", "event_id": "2-ar", "shipment": "MV-2", "milestone": "ARRIVED", "classifier": "ACT", "occurred_at": "2026-03-18T06:00:00Z"},
  {"source": "mv", "event_id": "2-cc", "shipment": "MV-2", "milestone": "IMPORT_CLEARED", "classifier": "ACT", "occurred_at": "2026-03-19T06:00:00Z"},
  {"source": "mv", "event_id": "2-dp", "shipment": "MV-2", "milestone": "DELIVERED", "classifier": "PLN", "occurred_at": "2026-03-20T12:00:00Z"},
  {"source": "mv", "event_id": "2-dl", "shipment": "MV-2", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-21T09:00:00Z"},
  {"source": "mv", "event_id": "3-bk", "shipment": "MV-3", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-31T23:30:00Z"}]');
INSERT INTO cbl.exception (shipment_id, kind, milestone, detail, opened_at)
VALUES (:m2, 'overdue', 'DELIVERED', 'test', '2026-03-20 13:00+00');
SELECT month, customer_code, shipments, delivered, on_time_pct, avg_clearance_hours, exceptions_per_100,
       reporting_currency, revenue, cost, margin, unconverted_charges
  FROM cbl.v_kpi_monthly WHERE customer_code = 'MV-CUST' ORDER BY month;
-- In Berlin's calendar MV-3 starts in April.
SELECT cbl.set_setting('billing_time_zone', 'Europe/Berlin');
SELECT month, shipments FROM cbl.v_kpi_monthly WHERE customer_code = 'MV-CUST' ORDER BY month;
SELECT cbl.set_setting('billing_time_zone', NULL);

-- BI tools see standard types only: no column of a view of schema cbl is
-- of a cbl type (or an array or domain of one).
SELECT c.relname AS view, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'cbl'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typelem <> 0
  LEFT JOIN pg_type b ON b.oid = t.typbasetype AND t.typbasetype <> 0
 WHERE c.relkind = 'v'
   AND 'cbl'::regnamespace IN (t.typnamespace, e.typnamespace, b.typnamespace)
 ORDER BY 1, 2;
SELECT count(*) > 6 AS cbl_has_views FROM pg_views WHERE schemaname = 'cbl';

-- Clean up.
SELECT cbl.set_setting('reporting_currency', NULL);
DELETE FROM cbl.exception WHERE shipment_id IN (:m1, :m2, :m3);
ALTER TABLE cbl.charge DISABLE TRIGGER charge_guard;
DELETE FROM cbl.charge WHERE shipment_id IN (:m1, :m2, :m3);
ALTER TABLE cbl.charge ENABLE TRIGGER charge_guard;
DELETE FROM cbl.event WHERE shipment_id IN (:m1, :m2, :m3);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (:m1, :m2, :m3);
DELETE FROM cbl.shipment WHERE id IN (:m1, :m2, :m3);
DELETE FROM cbl.party WHERE code LIKE 'MV-%';
DELETE FROM cbl.fx_rate WHERE source = 'money views test';
