-- The money views: conversion to the reporting currency (direct, inverse,
-- through the pivot, missing; the rate of the accrual day in the billing
-- time zone), margin, leakage, monthly KPIs (shipments in the month their
-- id carries, on time, clearance hours, exceptions; charges in the month of
-- accrual in the billing time zone; a month filter giving the rows of the
-- whole view and reading through indexes), and that no view of schema cbl
-- has a column of a cbl type.  Amounts by hand.
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

-- Shipments made in March 2026 (MV-1 to MV-3) and February (MV-4): ids of
-- those months, as an import of older shipments makes them
-- (docs/scaling.md), since cbl.v_kpi_monthly counts a shipment in the month
-- its id carries.
CREATE FUNCTION pg_temp.shipment_made_in(ref text, month date, origin text, destination text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  sid bigint := cbl.shipment_id(month, nextval('cbl.shipment_id_seq'));
BEGIN
  INSERT INTO cbl.shipment (id, reference, framework, customer_id, carrier_id, origin_country, destination_country)
  VALUES (sid, ref, 'express_parcel', cbl.party_id('customer', 'MV-CUST'), cbl.party_id('carrier', 'MV-CAR'), origin, destination);
  INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (sid, 'reference', ref);
  INSERT INTO cbl.reference_lookup (kind, value, shipment_id) VALUES ('reference', ref, sid);
  RETURN sid;
END $$;
SELECT pg_temp.shipment_made_in('MV-1', '2026-03-01', 'DE', 'GB') AS m1 \gset
SELECT pg_temp.shipment_made_in('MV-2', '2026-03-01', 'US', 'DE') AS m2 \gset
SELECT pg_temp.shipment_made_in('MV-3', '2026-03-01', 'DE', 'FR') AS m3 \gset
SELECT pg_temp.shipment_made_in('MV-4', '2026-02-01', 'DE', 'AT') AS m4 \gset
SELECT cbl.shipment_month(:m1) AS mv1_month, cbl.shipment_month(:m4) AS mv4_month;

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

-- The rate of the accrual day in the billing time zone, the latest on or
-- before it.  MV-3's 24.00 NOK accrues at 31 March 23:30 UTC: in UTC a day
-- of March with no rate of its own, so the rate of 1 March (the inverse of
-- 0.95: 25.263158 SEK); in Berlin 1 April, so the rate of that day (the
-- inverse of 1.20: 20.00 SEK).  MV-4's 19.00 NOK of 20 February predates
-- every NOK rate: no amount, and counted as unconverted below.
SELECT count(*) AS charges FROM (
  SELECT cbl.add_charge('MV-3', NULL, 'receivable', 'FRT', '24.00 NOK', '2026-03-31 23:30+00')
  UNION ALL SELECT cbl.add_charge('MV-4', NULL, 'receivable', 'FRT', '19.00 NOK', '2026-02-20 12:00+00')) x;
SELECT shipment_reference, accrued_at, accrual_date, accrual_month, amount, currency, reporting_amount, reporting_rate
  FROM cbl.v_charge WHERE shipment_id IN (:m3, :m4) ORDER BY shipment_reference;
SELECT cbl.set_setting('billing_time_zone', 'Europe/Berlin');
SELECT shipment_reference, accrued_at, accrual_date, accrual_month, amount, currency, reporting_amount, reporting_rate
  FROM cbl.v_charge WHERE shipment_id IN (:m3, :m4) ORDER BY shipment_reference;
-- The same as cbl.convert() on the accrual day, for every convertible charge.
SELECT count(*) AS charges_seen,
       count(*) FILTER (WHERE v.reporting_amount IS DISTINCT FROM cbl.value(cbl.convert(c.amount, 'SEK', v.accrual_date))) AS differ_from_convert
  FROM cbl.v_charge v
  JOIN cbl.charge c ON c.shipment_id = v.shipment_id AND c.charge_no = v.charge_no
 WHERE v.shipment_id IN (:m1, :m2, :m3) AND v.currency <> 'CHF';
SELECT cbl.set_setting('billing_time_zone', NULL);

-- KPIs.  MV-1: booked 9 March, arrived 12 March 08:00, cleared 14:30
-- (6.5 h), delivered 14 March 10:00, planned 12:00: on time.  MV-2:
-- booked 15 March, arrived 18 March 06:00, cleared 19 March 06:00 (24 h),
-- delivered 21 March 09:00, planned 20 March 12:00: late; one exception.
-- MV-3: booked 31 March 23:30 UTC, which is 1 April in Berlin.  MV-4:
-- made in February, booked and delivered in March.  Shipments count in the
-- month their id carries, whenever their events happen: March 3 shipments,
-- 2 delivered, 50% on time, (6.5 + 24) / 2 = 15.25 h, 1 exception per 3
-- shipments = 33.33 per 100; February MV-4, delivered (no due time: on
-- time).  Charges count in the month they accrue: March revenue 100.00 +
-- 10.00 + 50.00 + 25.263158 = 185.263158, cost 95.15625 + 55.00 =
-- 150.15625, one charge unconverted (CHF); April 20.00; February one
-- charge unconverted (NOK before any rate).
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
  {"source": "mv", "event_id": "3-bk", "shipment": "MV-3", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-31T23:30:00Z"},
  {"source": "mv", "event_id": "4-bk", "shipment": "MV-4", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-02T08:00:00Z"},
  {"source": "mv", "event_id": "4-dl", "shipment": "MV-4", "milestone": "DELIVERED", "classifier": "ACT", "occurred_at": "2026-03-05T08:00:00Z"}]');
INSERT INTO cbl.exception (shipment_id, kind, milestone, detail, opened_at)
VALUES (:m2, 'overdue', 'DELIVERED', 'test', '2026-03-20 13:00+00');
SELECT month, customer_code, shipments, delivered, on_time_pct, avg_clearance_hours, exceptions_per_100,
       reporting_currency, revenue, cost, margin, unconverted_charges
  FROM cbl.v_kpi_monthly WHERE customer_code = 'MV-CUST' ORDER BY month;
-- In Berlin's calendar MV-3's charge accrues in April (20.00 SEK at April's
-- rate); the shipments stay in the months their ids carry.
SELECT cbl.set_setting('billing_time_zone', 'Europe/Berlin');
SELECT month, shipments, delivered, revenue, unconverted_charges
  FROM cbl.v_kpi_monthly WHERE customer_code = 'MV-CUST' ORDER BY month;

-- A filter on the month gives the rows the whole view has for that month
-- (OFFSET 0 keeps the filter out of the view), for every month, and for a
-- range of months; in Berlin's calendar, then in UTC.  (JIT off: it would
-- spend longer compiling these plans, five copies of the view each, than
-- they take to run on a few rows.)
SET jit = off;
CREATE FUNCTION pg_temp.kpi_filter_check() RETURNS TABLE (months bigint, months_alike bigint, range_alike boolean)
LANGUAGE sql AS $$
  SELECT count(*),
         count(*) FILTER (WHERE NOT EXISTS (
                  (SELECT * FROM cbl.v_kpi_monthly k WHERE k.month = m.month
                   EXCEPT ALL SELECT * FROM (SELECT * FROM cbl.v_kpi_monthly OFFSET 0) w WHERE w.month = m.month)
                  UNION ALL
                  (SELECT * FROM (SELECT * FROM cbl.v_kpi_monthly OFFSET 0) w WHERE w.month = m.month
                   EXCEPT ALL SELECT * FROM cbl.v_kpi_monthly k WHERE k.month = m.month))),
         NOT EXISTS ((SELECT * FROM cbl.v_kpi_monthly k WHERE k.month BETWEEN '2026-02-01' AND '2026-04-01'
                      EXCEPT ALL
                      SELECT * FROM (SELECT * FROM cbl.v_kpi_monthly OFFSET 0) w WHERE w.month BETWEEN '2026-02-01' AND '2026-04-01')
                     UNION ALL
                     (SELECT * FROM (SELECT * FROM cbl.v_kpi_monthly OFFSET 0) w WHERE w.month BETWEEN '2026-02-01' AND '2026-04-01'
                      EXCEPT ALL
                      SELECT * FROM cbl.v_kpi_monthly k WHERE k.month BETWEEN '2026-02-01' AND '2026-04-01'))
    FROM (SELECT DISTINCT w.month FROM (SELECT * FROM cbl.v_kpi_monthly OFFSET 0) w) m
$$;
SELECT months >= 3 AS has_months, months = months_alike AS every_month_alike, range_alike FROM pg_temp.kpi_filter_check();
SELECT cbl.set_setting('billing_time_zone', NULL);
SELECT months >= 3 AS has_months, months = months_alike AS every_month_alike, range_alike FROM pg_temp.kpi_filter_check();
RESET jit;

-- A filter on the month reaches the big tables as index conditions: in the
-- plan of one month, every scan of cbl.charge, cbl.shipment,
-- cbl.shipment_state and cbl.exception has one (their month's ranges, keys
-- of the month's rows, or the extremes that bound the months).  Sequential
-- scans off, as the tables are small here: the planner then takes an index
-- wherever one can serve (and scans a whole index, with no condition,
-- where none can: a view that read every charge to find a month would show
-- false).
CREATE FUNCTION pg_temp.scans(query text) RETURNS TABLE (relation text, node text, cond text)
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || query INTO plan;
  RETURN QUERY
  SELECT n->>'Relation Name', n->>'Node Type', coalesce(n->>'Index Cond', n->>'Recheck Cond')
    FROM jsonb_path_query(plan, 'strict $.**') n
   WHERE jsonb_typeof(n) = 'object' AND n ? 'Relation Name';
END $$;
SET enable_seqscan = off;
-- (cbl.charge is partitioned: its scans are of cbl.charge_default and
-- cbl.charge_YYYY_MM)
SELECT relation, count(*) > 0 AS scanned, bool_and(cond IS NOT NULL) AS every_scan_has_an_index_condition
  FROM (SELECT regexp_replace(s.relation, '^charge_(default|\d{4}_\d{2})$', 'charge') AS relation, s.cond
          FROM pg_temp.scans($$SELECT * FROM cbl.v_kpi_monthly WHERE month = '2026-03-01'$$) s) t
 WHERE relation IN ('charge', 'shipment', 'shipment_state', 'exception')
 GROUP BY relation ORDER BY relation;
RESET enable_seqscan;

-- A charge accrued at infinity has no month: the months stay those of
-- finite dates (the list of months would otherwise never end).
SELECT (cbl.add_charge('MV-4', NULL, 'receivable', 'FRT', '1.00 SEK', 'infinity')).accrued_at;
SELECT count(*) AS months, count(*) FILTER (WHERE NOT isfinite(month)) AS infinite_months
  FROM cbl.v_kpi_monthly WHERE customer_code = 'MV-CUST';

-- Duty variance: duty and tax billed to the customer against what customs
-- assessed (payable), per shipment and fee code, in a transaction rolled
-- back.  MV-D1, all SEK: DUTY as billed; VAT 12.50 more than billed; MPF
-- billed 30.00, adjusted by -5.00, assessed 25.00; HMF assessed 2.00 less
-- (a voided 3.00 does not count).  MV-D2: DUTY never billed; VAT billed
-- 95.00 NOK (100.00 SEK at the inverse of 0.95) and assessed 100.00 SEK,
-- compared in SEK; MPF billed in CHF, which has no rate; HMF not assessed.
BEGIN;
SELECT pg_temp.shipment_made_in('MV-D1', '2026-03-01', 'CN', 'DE') AS d1 \gset
SELECT pg_temp.shipment_made_in('MV-D2', '2026-03-01', 'CN', 'DE') AS d2 \gset
SELECT (cbl.add_charge('MV-D1', NULL, 'receivable', 'MPF', '30.00 SEK', '2026-03-10 12:00+00')).charge_no AS mpf \gset
SELECT (cbl.add_charge('MV-D1', NULL, 'payable', 'HMF', '3.00 SEK', '2026-03-12 12:00+00')).charge_no AS hmf \gset
SELECT count(*) AS charges FROM (
  SELECT cbl.add_charge('MV-D1', NULL, 'receivable', 'DUTY', '100.00 SEK', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D1', NULL, 'payable', 'DUTY', '100.00 SEK', '2026-03-12 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D1', NULL, 'receivable', 'VAT', '250.00 SEK', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D1', NULL, 'payable', 'VAT', '262.50 SEK', '2026-03-12 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D1', NULL, 'receivable', 'MPF', '-5.00 SEK', '2026-03-11 12:00+00',
                                  origin => 'adjustment', adjusts_charge_no => :mpf)
  UNION ALL SELECT cbl.add_charge('MV-D1', NULL, 'payable', 'MPF', '25.00 SEK', '2026-03-12 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D1', NULL, 'receivable', 'HMF', '10.00 SEK', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D1', NULL, 'payable', 'HMF', '8.00 SEK', '2026-03-13 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D2', NULL, 'payable', 'DUTY', '40.00 SEK', '2026-03-12 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D2', NULL, 'receivable', 'VAT', '95.00 NOK', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D2', NULL, 'payable', 'VAT', '100.00 SEK', '2026-03-12 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D2', NULL, 'receivable', 'MPF', '5.00 CHF', '2026-03-10 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D2', NULL, 'payable', 'MPF', '4.00 SEK', '2026-03-12 12:00+00')
  UNION ALL SELECT cbl.add_charge('MV-D2', NULL, 'receivable', 'HMF', '10.00 SEK', '2026-03-10 12:00+00')
  -- not of the duty_tax group: not in the view
  UNION ALL SELECT cbl.add_charge('MV-D2', NULL, 'receivable', 'FRT', '70.00 SEK', '2026-03-10 12:00+00')) c;
SELECT count(*) AS voided FROM cbl.void_charge(:d1, :hmf, 'entered twice');
SELECT shipment_reference, customer_code, fee_code, currency, estimated, assessed, difference,
       reporting_currency, reporting_estimated, reporting_assessed, reporting_difference,
       status, estimated_charges, assessed_charges, assessed_at
  FROM cbl.v_duty_variance WHERE shipment_id IN (:d1, :d2) ORDER BY shipment_reference, fee_code;
-- Billing the customer the VAT the estimate missed closes the variance.
SELECT (cbl.add_charge('MV-D1', NULL, 'receivable', 'VAT', '12.50 SEK', '2026-03-14 12:00+00',
                       note => 'VAT assessed at clearance')).amount;
SELECT fee_code, estimated, assessed, difference, status
  FROM cbl.v_duty_variance WHERE shipment_id = :d1 AND fee_code = 'VAT';
ROLLBACK;

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
DELETE FROM cbl.exception WHERE shipment_id IN (:m1, :m2, :m3, :m4);
ALTER TABLE cbl.charge DISABLE TRIGGER charge_guard;
DELETE FROM cbl.charge WHERE shipment_id IN (:m1, :m2, :m3, :m4);
ALTER TABLE cbl.charge ENABLE TRIGGER charge_guard;
DELETE FROM cbl.event WHERE shipment_id IN (:m1, :m2, :m3, :m4);
DELETE FROM cbl.shipment_state WHERE shipment_id IN (:m1, :m2, :m3, :m4);
DELETE FROM cbl.shipment WHERE id IN (:m1, :m2, :m3, :m4);
DELETE FROM cbl.party WHERE code LIKE 'MV-%';
DELETE FROM cbl.fx_rate WHERE source = 'money views test';
