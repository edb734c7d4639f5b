-- cbl settlement benchmark: one month of charges (test/bench/settle.sh runs
-- it once; not timed).  psql variables:
--   charges    charges in the month (BENCH_CHARGES, 1 000 000)
--   customers  customers they belong to (BENCH_CUSTOMERS, 2 000)
--
-- Everything is integer arithmetic on generate_series: the same every run.
--
-- Customers CUST00001 ... bill in USD (i % 20 < 15: 75 %), EUR (i % 20 in
-- 15 .. 18: 20 %) or, without a billing currency, in each charge's own
-- currency (i % 20 = 19: 5 %, two statements each).  One carrier.
--
-- Daily EUR/USD rates for February and March 2025.
--
-- charges / 5 shipments, customer (s - 1) % customers + 1, inserted straight
-- into cbl.shipment (settlement reads only its id).  Each shipment has 5
-- receivable charges accrued in March 2025 (UTC, the default billing time
-- zone) at a time spread over the month by the shipment number: freight FRT
-- (USD), a fuel surcharge FSC (USD), a second FRT (a credit of -0.40 to
-- +9.59 USD five minutes later: the same line unless it crosses midnight,
-- when the rate changes), terminal handling THC (EUR) and a document fee
-- DOC (USD).  So about 4 lines per shipment (800 000 for a million charges),
-- a fifth of them converted (THC for USD customers, the USD fees for EUR
-- customers).  The charges are inserted straight into cbl.charge, open, as
-- cbl.add_charge would write them (origin manual).

SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE SCHEMA bench_settle;

CREATE TABLE bench_settle.size AS
SELECT (:charges)::bigint AS charges, (:customers)::integer AS customers, (:charges)::bigint / 5 AS shipments;

INSERT INTO cbl.party (kind, code, name, billing_currency)
SELECT 'customer', 'CUST' || lpad(i::text, 5, '0'), 'Customer ' || i,
       CASE WHEN i % 20 < 15 THEN 'USD' WHEN i % 20 < 19 THEN 'EUR' END
  FROM generate_series(1, :customers) i;
INSERT INTO cbl.party (kind, code, name) VALUES ('carrier', 'BENCHCAR', 'Bench carrier');

INSERT INTO cbl.fx_rate (base, quote, valid_on, rate, source)
SELECT 'EUR', 'USD', d::date, 1.05 + ((extract(doy FROM d)::integer * 37) % 100) / 10000.0, 'bench'
  FROM generate_series(DATE '2025-02-01', DATE '2025-03-31', interval '1 day') d;

CREATE TEMP TABLE cust AS
SELECT row_number() OVER (ORDER BY p.id)::integer AS i, p.id FROM cbl.party p WHERE p.kind = 'customer';
INSERT INTO cbl.shipment (reference, framework, customer_id, carrier_id)
SELECT 'SET' || lpad(s::text, 9, '0'), 'express_parcel', c.id, (SELECT id FROM cbl.party WHERE code = 'BENCHCAR')
  FROM generate_series(1, (SELECT shipments FROM bench_settle.size)) s
  JOIN cust c ON c.i = (s - 1) % :customers + 1
 ORDER BY s;

INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin)
SELECT s.id, s.customer_id, 'receivable', f.fee,
       cbl.amount(f.base + ((s.id * f.k) % 1000) / 100.0, f.ccy),
       TIMESTAMPTZ '2025-03-01 00:00:00+00' + ((s.id * 7919) % (2678400 - 600)) * interval '1 second' + f.later,
       'manual'
  FROM cbl.shipment s
 CROSS JOIN (VALUES (1, 'FRT', 'USD', 12.50, 7, interval '0'),
                    (2, 'FSC', 'USD', 1.875, 3, interval '0'),
                    (3, 'FRT', 'USD', -0.40, 1, interval '5 minutes'),
                    (4, 'THC', 'EUR', 3.00, 11, interval '0'),
                    (5, 'DOC', 'USD', 2.50, 0, interval '0')) f(n, fee, ccy, base, k, later)
 WHERE s.reference LIKE 'SET%'
 ORDER BY s.id, f.n;

-- The rates the baseline joins: both directions of every day's EUR/USD rate
-- as settlement applies them (direct: rate/1, inverse: 1/rate).
CREATE TABLE bench_settle.rate AS
SELECT f.valid_on AS day, 'EUR'::text AS from_ccy, 'USD'::text AS to_ccy, f.rate AS num, 1::numeric AS den, f.valid_on
  FROM cbl.fx_rate f WHERE f.base = 'EUR' AND f.quote = 'USD'
UNION ALL
SELECT f.valid_on, 'USD', 'EUR', 1::numeric, f.rate, f.valid_on
  FROM cbl.fx_rate f WHERE f.base = 'EUR' AND f.quote = 'USD';
ALTER TABLE bench_settle.rate ADD PRIMARY KEY (day, from_ccy, to_ccy);

-- What the baseline writes: the same columns and primary key as
-- cbl.statement_line (statement_no holds party/direction/currency).
-- Without charge_nos, the numbers of the charges behind each line: that is
-- settlement's link from a charge to its line, which the baseline does not
-- write.
-- (cbl.statement_line is partitioned: its primary key is each partition's,
-- and period_start, the partition key, is left out like charge_nos.)
CREATE TABLE bench_settle.line_baseline (LIKE cbl.statement_line INCLUDING CONSTRAINTS);
ALTER TABLE bench_settle.line_baseline DROP COLUMN charge_nos, DROP COLUMN period_start,
  ADD PRIMARY KEY (party_id, statement_no, line_no);

CREATE TABLE bench_settle.timing (pass text PRIMARY KEY, t0 timestamptz NOT NULL, t1 timestamptz NOT NULL);

-- (cbl.charge without its amount: ANALYZE cannot sort amounts of several
-- currencies, see docs/performance.md)
VACUUM ANALYZE cbl.party, cbl.shipment, cbl.fx_rate, bench_settle.rate;
VACUUM ANALYZE cbl.charge (shipment_id, charge_no, party_id, direction, fee_code, accrued_at, origin, voided_at);
