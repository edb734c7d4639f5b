-- cbl 0.1.0 -> 0.2.0 (docs/upgrading.md).  Every change made to sql/cbl/
-- since 0.1.0 is made here too, in the same order; test/t/015_upgrade.pl
-- checks that an updated 0.1.0 has exactly the catalog of a fresh 0.2.0.
\echo Use "ALTER EXTENSION cbl UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- BI views that scale (docs/performance.md, Scale): cbl.v_charge reads the
-- settings once per query and looks each rate up through cbl.fx_rate's
-- primary key; cbl.v_kpi_monthly counts the shipments of the month they
-- were made in and the charges of the month they accrued in, so that a
-- filter on the month becomes index ranges.  Same columns and types:
-- replaced in place, so grants, comments and the views built on them stay.
CREATE OR REPLACE VIEW cbl.v_charge AS
SELECT c.shipment_id,
       s.reference AS shipment_reference,
       c.charge_no,
       p.kind AS party_kind,
       p.code AS party_code,
       p.name AS party_name,
       c.direction,
       c.fee_code,
       f.fee_group,
       cbl.value(c.amount) AS amount,
       cbl.currency(c.amount) AS currency,
       c.accrued_at,
       d.accrual_date,
       date_trunc('month', d.accrual_date::timestamp)::date AS accrual_month,
       c.origin,
       c.rate_card,
       c.rate_card_version,
       c.step,
       c.reference,
       c.trigger_key,
       c.adjusts_charge_no,
       CASE WHEN c.voided_at IS NOT NULL THEN 'voided'
            WHEN EXISTS (SELECT 1 FROM cbl.settlement_mark m
                          WHERE m.party_id = c.party_id AND m.charges_through >= c.charge_no
                            AND m.settled_before > c.accrued_at) THEN 'settled'
            ELSE 'open' END AS status,
       c.voided_at,
       c.void_reason,
       c.note,
       c.created_at,
       cu.code AS customer_code,
       cu.name AS customer_name,
       s.origin_country,
       s.destination_country,
       rc.code AS reporting_currency,
       CASE WHEN cbl.currency(c.amount) = rc.code THEN cbl.value(c.amount)
            ELSE cbl.value(cbl.amount_exchange(c.amount, rc.code, fx.num, fx.den)) END AS reporting_amount,
       CASE WHEN cbl.currency(c.amount) = rc.code THEN 1::numeric
            ELSE round(fx.num / fx.den, 10) END AS reporting_rate
  FROM cbl.charge c
  JOIN cbl.shipment s ON s.id = c.shipment_id
  JOIN cbl.party p ON p.id = c.party_id
  JOIN cbl.party cu ON cu.id = s.customer_id
  JOIN cbl.fee f ON f.code = c.fee_code
  -- the settings, each read once per query (an init plan), not per row
  CROSS JOIN (SELECT (SELECT cbl.get_setting('reporting_currency')) AS code,
                     (SELECT cbl.get_setting('fx_pivot_currency')) AS pivot,
                     (SELECT cbl.get_setting('billing_time_zone')) AS tz) rc
  CROSS JOIN LATERAL (SELECT (c.accrued_at AT TIME ZONE rc.tz)::date AS accrual_date) d
  -- the factor, as cbl.convert(): the rate of the pair, else both legs
  -- through the pivot; each leg as cbl.fx_rate_on(): the latest direct or
  -- inverse rate on or before the day (the direct one on a tie), each the
  -- last entry of cbl.fx_rate_pkey at or before (base, quote, day)
  LEFT JOIN LATERAL (
    SELECT x.num, x.den FROM (
      SELECT r.num, r.den, 0 AS pref
        FROM (SELECT y.num, y.den FROM (
                (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
                  WHERE f.base = cbl.currency(c.amount) AND f.quote = rc.code AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)
                UNION ALL
                (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
                  WHERE f.base = rc.code AND f.quote = cbl.currency(c.amount) AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)) y
               ORDER BY y.valid_on DESC, y.pref LIMIT 1) r
      UNION ALL
      SELECT a.num * b.num, a.den * b.den, 1
        FROM (SELECT y.num, y.den FROM (
                (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
                  WHERE f.base = cbl.currency(c.amount) AND f.quote = rc.pivot AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)
                UNION ALL
                (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
                  WHERE f.base = rc.pivot AND f.quote = cbl.currency(c.amount) AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)) y
               ORDER BY y.valid_on DESC, y.pref LIMIT 1) a
       CROSS JOIN
             (SELECT y.num, y.den FROM (
                (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
                  WHERE f.base = rc.pivot AND f.quote = rc.code AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)
                UNION ALL
                (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
                  WHERE f.base = rc.code AND f.quote = rc.pivot AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)) y
               ORDER BY y.valid_on DESC, y.pref LIMIT 1) b
       WHERE rc.pivot NOT IN (cbl.currency(c.amount), rc.code)) x
     WHERE cbl.currency(c.amount) <> rc.code
     ORDER BY x.pref LIMIT 1) fx ON true;
COMMENT ON VIEW cbl.v_charge IS
  'for BI: every charge (open, settled and voided) with its shipment, party, fee group, amount and currency, and the amount in the reporting currency at its accrual date''s rate; standard SQL types';

CREATE OR REPLACE VIEW cbl.v_kpi_monthly AS
SELECT m.month,
       f.customer_code,
       f.customer_name,
       sum(f.shipments) AS shipments,
       sum(f.delivered) AS delivered,
       round(100.0 * sum(f.on_time) / NULLIF(sum(f.delivered), 0), 2) AS on_time_pct,
       round(avg(f.clearance_hours), 2) AS avg_clearance_hours,
       round(100.0 * sum(f.exceptions) / NULLIF(sum(f.shipments), 0), 2) AS exceptions_per_100,
       (SELECT cbl.get_setting('reporting_currency')) AS reporting_currency,
       coalesce(sum(f.revenue), 0) AS revenue,
       coalesce(sum(f.cost), 0) AS cost,
       coalesce(sum(f.revenue), 0) - coalesce(sum(f.cost), 0) AS margin,
       sum(f.unconverted) AS unconverted_charges
  FROM (-- each month from the first to the last, with the first shipment
        -- id it carries (cbl.shipment_id(month, 0); NULL outside the years
        -- ids can carry) and its first and next month's midnights in the
        -- billing time zone
        SELECT g.month::date AS month,
               CASE WHEN g.month >= '0001-01-01' AND g.month < '100000-01-01'
                    THEN cbl.shipment_id(g.month::date, 0) END AS first_id,
               g.month AT TIME ZONE z.tz AS starts_at,
               (g.month + interval '1 month') AT TIME ZONE z.tz AS ends_at
          FROM (SELECT (SELECT cbl.get_setting('billing_time_zone')) AS tz) z
         CROSS JOIN LATERAL (
           SELECT cbl.shipment_month((SELECT min(s.id) FROM cbl.shipment s)) AS first_ship,
                  cbl.shipment_month((SELECT max(s.id) FROM cbl.shipment s)) AS last_ship,
                  date_trunc('month', (SELECT min(c.accrued_at) FROM cbl.charge c WHERE c.accrued_at > '-infinity')
                                      AT TIME ZONE z.tz) AS first_charge,
                  date_trunc('month', (SELECT max(c.accrued_at) FROM cbl.charge c WHERE c.accrued_at < 'infinity')
                                      AT TIME ZONE z.tz) AS last_charge) e
         CROSS JOIN LATERAL generate_series(least(e.first_ship::timestamp, e.first_charge),
                                            greatest(e.last_ship::timestamp, e.last_charge),
                                            interval '1 month') g(month)) m
 CROSS JOIN LATERAL (
  -- the shipments made in the month (its ids are the 2^40 from its first,
  -- docs/scaling.md), with or without events
  SELECT cu.code AS customer_code, cu.name AS customer_name, 1 AS shipments,
         (x.delivered_at IS NOT NULL)::integer AS delivered,
         (x.delivered_at IS NOT NULL AND (x.delivery_due_at IS NULL OR x.delivered_at <= x.delivery_due_at))::integer AS on_time,
         extract(epoch FROM x.cleared_at - x.declared_at) / 3600 AS clearance_hours,
         0 AS exceptions, NULL::numeric AS revenue, NULL::numeric AS cost, 0 AS unconverted
    FROM cbl.shipment s
    JOIN cbl.party cu ON cu.id = s.customer_id
    LEFT JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
    LEFT JOIN LATERAL (
      SELECT (array_agg(st.actual ORDER BY st.required DESC, st.position) FILTER (WHERE st.terminal))[1] AS delivered_at,
             (array_agg(st.due_at ORDER BY st.required DESC, st.position) FILTER (WHERE st.terminal))[1] AS delivery_due_at,
             coalesce(max(st.actual) FILTER (WHERE st.milestone = 'IMPORT_DECLARED'),
                      max(st.actual) FILTER (WHERE st.milestone = 'ARRIVED')) AS declared_at,
             max(st.actual) FILTER (WHERE st.milestone = 'IMPORT_CLEARED') AS cleared_at
        FROM (SELECT st.*,
                     coalesce(st.planned,
                              (array_agg(st.actual) FILTER (WHERE st.required)
                                 OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
                                [count(*) FILTER (WHERE st.required)
                                   OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)]
                              + st.sla) AS due_at
                FROM cbl.state_steps(ss.state) st) st) x ON true
   WHERE s.id >= m.first_id AND s.id < m.first_id + 1099511627776
  UNION ALL
  -- the exceptions of those shipments, whenever opened
  SELECT cu.code, cu.name, 0, 0, 0, NULL, 1, NULL, NULL, 0
    FROM cbl.exception x
    JOIN cbl.shipment s ON s.id = x.shipment_id
    JOIN cbl.party cu ON cu.id = s.customer_id
   WHERE x.shipment_id >= m.first_id AND x.shipment_id < m.first_id + 1099511627776
  UNION ALL
  -- the charges accrued in the month
  SELECT c.customer_code, c.customer_name, 0, 0, 0, NULL, 0,
         CASE WHEN c.direction = 'receivable' THEN c.reporting_amount END,
         CASE WHEN c.direction = 'payable' THEN c.reporting_amount END,
         CASE WHEN c.reporting_amount IS NULL THEN 1 ELSE 0 END
    FROM cbl.v_charge c
   WHERE c.voided_at IS NULL
     AND c.accrued_at >= m.starts_at AND c.accrued_at < m.ends_at
 ) f
 GROUP BY m.month, f.customer_code, f.customer_name;
COMMENT ON VIEW cbl.v_kpi_monthly IS
  'for BI: per month and customer, the shipments made in the month (the month their id carries, UTC) with how many of them were delivered, on time, their average customs clearance hours and exceptions per 100; and revenue, cost and margin in the reporting currency of the charges accrued in the month (billing time zone); a filter on month reads that month''s rows only';
COMMENT ON COLUMN cbl.v_kpi_monthly.month IS
  'first day of the month: the month shipments were made in (cbl.shipment_month of their id, UTC) and charges accrued in (billing time zone)';
COMMENT ON COLUMN cbl.v_kpi_monthly.customer_code IS 'code of the customer';
COMMENT ON COLUMN cbl.v_kpi_monthly.customer_name IS 'name of the customer';
COMMENT ON COLUMN cbl.v_kpi_monthly.shipments IS
  'shipments made in the month (their id carries it: cbl.shipment_month), with or without events';
COMMENT ON COLUMN cbl.v_kpi_monthly.delivered IS
  'of those shipments, how many have been delivered (their delivery step, the first required terminal step, actually happened), in whatever month';
COMMENT ON COLUMN cbl.v_kpi_monthly.on_time_pct IS
  'percent of those delivered no later than due (planned time, else the previous required step plus the SLA; no due time counts as on time); NULL if none delivered';
COMMENT ON COLUMN cbl.v_kpi_monthly.avg_clearance_hours IS
  'average hours from import declaration (else arrival) to import clearance, over those shipments that have both; NULL if none';
COMMENT ON COLUMN cbl.v_kpi_monthly.exceptions_per_100 IS
  'exceptions of those shipments (opened in whatever month, resolved or not) per 100 of them; NULL if none made in the month';
COMMENT ON COLUMN cbl.v_kpi_monthly.reporting_currency IS 'currency of revenue, cost and margin (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_kpi_monthly.revenue IS 'receivable charges accrued in the month (billing time zone), in the reporting currency';
COMMENT ON COLUMN cbl.v_kpi_monthly.cost IS 'payable charges accrued in the month (billing time zone), in the reporting currency';
COMMENT ON COLUMN cbl.v_kpi_monthly.margin IS 'revenue minus cost';
COMMENT ON COLUMN cbl.v_kpi_monthly.unconverted_charges IS 'charges accrued in the month left out of revenue and cost for want of an exchange rate (0 when complete)';

-- CREATE OR REPLACE VIEW resets the options: as 95_security.sql sets them.
ALTER VIEW cbl.v_charge SET (security_invoker = true);
ALTER VIEW cbl.v_kpi_monthly SET (security_invoker = true);
