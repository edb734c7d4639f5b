-- Views for BI over money (docs/billing.md): charges, reconciliation,
-- margin, leakage and monthly KPIs.  Standard SQL types only (numeric
-- amounts beside a currency column), every column commented.
--
-- Amounts in the reporting currency (setting reporting_currency) convert
-- each charge at the rate of its accrual date (the calendar of setting
-- billing_time_zone), exactly as cbl.convert() would: the latest direct or
-- inverse rate on or before that day, else both legs through the pivot
-- currency.  Each rate is found through cbl.fx_rate's primary key (the
-- latest row of the pair on or before the day), a few index probes per
-- charge; the settings are read once per query (scalar sub-selects, which
-- the planner evaluates once as init plans), not once per row.
--
-- Scale (docs/performance.md, Scale): a filter on a month of
-- cbl.v_kpi_monthly becomes index ranges (the charges' accrued_at, the
-- month's shipment ids), so one month costs the same however many months
-- the tables hold.

-- Each rate of a pair, either way round, with the days it applies: from
-- its valid_on until the next rate of the pair (direct or inverse).  On a
-- day with both, the direct rate wins, as in cbl.fx_rate_on().
CREATE VIEW cbl.fx_rate_span AS
SELECT r.base, r.quote, r.valid_on AS valid_from,
       lead(r.valid_on) OVER (PARTITION BY r.base, r.quote ORDER BY r.valid_on) AS valid_until,
       r.num, r.den
  FROM (SELECT DISTINCT ON (x.base, x.quote, x.valid_on) x.*
          FROM (SELECT f.base, f.quote, f.valid_on, f.rate AS num, 1::numeric AS den, 0 AS pref FROM cbl.fx_rate f
                UNION ALL
                SELECT f.quote, f.base, f.valid_on, 1::numeric, f.rate, 1 FROM cbl.fx_rate f) x
         ORDER BY x.base, x.quote, x.valid_on, x.pref) r;
COMMENT ON VIEW cbl.fx_rate_span IS
  'every exchange rate usable from base to quote (direct, or the inverse of a quote/base rate) with the days it applies to, for set-based conversion: on day d the rate is the row with valid_from <= d < valid_until (NULL: open-ended)';
COMMENT ON COLUMN cbl.fx_rate_span.base IS 'currency converted from';
COMMENT ON COLUMN cbl.fx_rate_span.quote IS 'currency converted to';
COMMENT ON COLUMN cbl.fx_rate_span.valid_from IS 'first day the rate applies';
COMMENT ON COLUMN cbl.fx_rate_span.valid_until IS 'first day it no longer applies (the next rate of the pair); NULL if none';
COMMENT ON COLUMN cbl.fx_rate_span.num IS 'numerator: an amount in base times num / den is the amount in quote';
COMMENT ON COLUMN cbl.fx_rate_span.den IS 'denominator (1 for a direct rate, the rate for an inverse one)';

CREATE VIEW cbl.v_charge AS
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
COMMENT ON COLUMN cbl.v_charge.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_charge.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_charge.charge_no IS 'number of the charge';
COMMENT ON COLUMN cbl.v_charge.party_kind IS 'kind of the party billed or owed: customer, carrier, agent, broker ...';
COMMENT ON COLUMN cbl.v_charge.party_code IS 'code of the party';
COMMENT ON COLUMN cbl.v_charge.party_name IS 'name of the party';
COMMENT ON COLUMN cbl.v_charge.direction IS 'receivable (revenue) or payable (cost)';
COMMENT ON COLUMN cbl.v_charge.fee_code IS 'fee code, e.g. FRT';
COMMENT ON COLUMN cbl.v_charge.fee_group IS 'group of the fee code, e.g. freight, fuel';
COMMENT ON COLUMN cbl.v_charge.amount IS 'amount in its own currency (negative for discounts, credits, downward adjustments)';
COMMENT ON COLUMN cbl.v_charge.currency IS 'ISO 4217 currency of amount';
COMMENT ON COLUMN cbl.v_charge.accrued_at IS 'when the charge was earned or incurred';
COMMENT ON COLUMN cbl.v_charge.accrual_date IS 'day of accrual in the billing time zone (setting billing_time_zone)';
COMMENT ON COLUMN cbl.v_charge.accrual_month IS 'first day of the month of accrual';
COMMENT ON COLUMN cbl.v_charge.origin IS 'rated, duty, manual, carrier_invoice, commission or adjustment';
COMMENT ON COLUMN cbl.v_charge.rate_card IS 'rate card that priced it, if rated';
COMMENT ON COLUMN cbl.v_charge.rate_card_version IS 'version of that rate card';
COMMENT ON COLUMN cbl.v_charge.step IS 'milestone whose billing trigger accrued it, if any';
COMMENT ON COLUMN cbl.v_charge.reference IS 'what it is for within the shipment, e.g. a container number';
COMMENT ON COLUMN cbl.v_charge.trigger_key IS
  'idempotency key of an automatic accrual (milestone:action:fee code, :n for the n-th adjustment); NULL for other charges';
COMMENT ON COLUMN cbl.v_charge.adjusts_charge_no IS 'the charge an adjustment corrects or reverses';
COMMENT ON COLUMN cbl.v_charge.status IS
  'open (not yet on a statement), settled (on a statement: cbl.v_charge_line names it) or voided';
COMMENT ON COLUMN cbl.v_charge.voided_at IS 'when it was voided';
COMMENT ON COLUMN cbl.v_charge.void_reason IS 'why it was voided';
COMMENT ON COLUMN cbl.v_charge.note IS 'free text';
COMMENT ON COLUMN cbl.v_charge.created_at IS 'when the charge was written';
COMMENT ON COLUMN cbl.v_charge.customer_code IS 'code of the shipment''s customer';
COMMENT ON COLUMN cbl.v_charge.customer_name IS 'name of the shipment''s customer';
COMMENT ON COLUMN cbl.v_charge.origin_country IS 'country the shipment leaves';
COMMENT ON COLUMN cbl.v_charge.destination_country IS 'country the shipment goes to';
COMMENT ON COLUMN cbl.v_charge.reporting_currency IS 'the reporting currency (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_charge.reporting_amount IS
  'amount converted to the reporting currency at its accrual date''s rate, exact to the micro-unit; NULL if no rate is known';
COMMENT ON COLUMN cbl.v_charge.reporting_rate IS 'the rate applied (reporting currency per unit of currency), to 10 decimals; NULL if none';

CREATE VIEW cbl.v_reconciliation AS
SELECT r.invoice_id,
       p.code AS carrier_code,
       p.name AS carrier_name,
       i.invoice_no,
       i.invoice_date,
       r.item_no,
       r.line_no,
       r.shipment_id,
       s.reference AS shipment_reference,
       l.shipment_ref AS invoice_shipment_ref,
       r.charge_no,
       r.fee_code,
       f.fee_group,
       r.reference,
       cbl.value(r.expected) AS expected,
       cbl.value(r.invoiced) AS invoiced,
       cbl.value(r.variance) AS variance,
       cbl.value(r.tolerance) AS tolerance,
       i.currency,
       r.outcome,
       r.detail,
       r.reconciled_at
  FROM cbl.invoice_reconciliation r
  JOIN cbl.carrier_invoice i ON i.id = r.invoice_id
  JOIN cbl.party p ON p.id = i.carrier_id
  LEFT JOIN cbl.carrier_invoice_line l ON l.invoice_id = r.invoice_id AND l.line_no = r.line_no
  LEFT JOIN cbl.shipment s ON s.id = r.shipment_id
  LEFT JOIN cbl.fee f ON f.code = r.fee_code;
COMMENT ON VIEW cbl.v_reconciliation IS
  'for BI: the outcome of the last reconciliation of every carrier invoice, one row per invoice line and per expected charge not invoiced; standard SQL types';
COMMENT ON COLUMN cbl.v_reconciliation.invoice_id IS 'invoice id';
COMMENT ON COLUMN cbl.v_reconciliation.carrier_code IS 'code of the carrier that sent the invoice';
COMMENT ON COLUMN cbl.v_reconciliation.carrier_name IS 'name of the carrier';
COMMENT ON COLUMN cbl.v_reconciliation.invoice_no IS 'the carrier''s invoice number';
COMMENT ON COLUMN cbl.v_reconciliation.invoice_date IS 'date of the invoice';
COMMENT ON COLUMN cbl.v_reconciliation.item_no IS 'numbers the rows of the invoice''s reconciliation';
COMMENT ON COLUMN cbl.v_reconciliation.line_no IS 'invoice line; NULL for a missing charge';
COMMENT ON COLUMN cbl.v_reconciliation.shipment_id IS 'shipment id; NULL if the line''s reference names no single shipment';
COMMENT ON COLUMN cbl.v_reconciliation.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_reconciliation.invoice_shipment_ref IS 'the shipment reference as the invoice line gave it';
COMMENT ON COLUMN cbl.v_reconciliation.charge_no IS 'the payable charge it was matched with or is missing; NULL if unexpected';
COMMENT ON COLUMN cbl.v_reconciliation.fee_code IS 'fee code';
COMMENT ON COLUMN cbl.v_reconciliation.fee_group IS 'group of the fee code; NULL for a code cbl.fee does not know';
COMMENT ON COLUMN cbl.v_reconciliation.reference IS 'the line''s reference (e.g. container number), else the charge''s';
COMMENT ON COLUMN cbl.v_reconciliation.expected IS 'amount expected (the charge with its adjustments); NULL if unexpected';
COMMENT ON COLUMN cbl.v_reconciliation.invoiced IS 'amount invoiced; NULL if missing';
COMMENT ON COLUMN cbl.v_reconciliation.variance IS 'invoiced minus expected, a missing side counting as zero';
COMMENT ON COLUMN cbl.v_reconciliation.tolerance IS 'variance allowed for a pair; NULL for unexpected and missing';
COMMENT ON COLUMN cbl.v_reconciliation.currency IS 'ISO 4217 currency of the invoice and of every amount in the row';
COMMENT ON COLUMN cbl.v_reconciliation.outcome IS 'matched, over_billed, under_billed, unexpected or missing';
COMMENT ON COLUMN cbl.v_reconciliation.detail IS 'why, in words';
COMMENT ON COLUMN cbl.v_reconciliation.reconciled_at IS 'when the invoice was reconciled';

-- Margin: per shipment and month of accrual, in the reporting currency.
CREATE VIEW cbl.v_margin AS
SELECT c.shipment_id,
       c.shipment_reference,
       c.accrual_month AS month,
       c.customer_code,
       c.customer_name,
       c.origin_country,
       c.destination_country,
       coalesce(c.origin_country, '??') || '-' || coalesce(c.destination_country, '??') AS lane,
       min(c.reporting_currency) AS reporting_currency,
       coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0) AS revenue,
       coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0) AS cost,
       coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0)
         - coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0) AS margin,
       round(100 * (coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0)
                    - coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0))
             / NULLIF(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0), 2) AS margin_pct,
       count(*) AS charges,
       count(*) FILTER (WHERE c.reporting_amount IS NULL) AS unconverted_charges
  FROM cbl.v_charge c
 WHERE c.voided_at IS NULL
 GROUP BY c.shipment_id, c.shipment_reference, c.accrual_month, c.customer_code, c.customer_name,
          c.origin_country, c.destination_country;
COMMENT ON VIEW cbl.v_margin IS
  'for BI: revenue, cost and margin per shipment and month of accrual in the reporting currency (each charge at its accrual date''s rate), with the customer and lane; add the rows up by customer, lane or month; voided charges left out';
COMMENT ON COLUMN cbl.v_margin.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_margin.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_margin.month IS 'first day of the month the charges accrued in (billing time zone)';
COMMENT ON COLUMN cbl.v_margin.customer_code IS 'code of the shipment''s customer';
COMMENT ON COLUMN cbl.v_margin.customer_name IS 'name of the customer';
COMMENT ON COLUMN cbl.v_margin.origin_country IS 'country the shipment leaves';
COMMENT ON COLUMN cbl.v_margin.destination_country IS 'country the shipment goes to';
COMMENT ON COLUMN cbl.v_margin.lane IS 'origin-destination countries, e.g. DE-CN (?? where unknown)';
COMMENT ON COLUMN cbl.v_margin.reporting_currency IS 'currency of revenue, cost and margin (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_margin.revenue IS 'receivable charges in the reporting currency';
COMMENT ON COLUMN cbl.v_margin.cost IS 'payable charges in the reporting currency';
COMMENT ON COLUMN cbl.v_margin.margin IS 'revenue minus cost';
COMMENT ON COLUMN cbl.v_margin.margin_pct IS 'margin in percent of revenue, to 2 decimals; NULL without revenue (recompute it when adding rows up)';
COMMENT ON COLUMN cbl.v_margin.charges IS 'number of charges counted';
COMMENT ON COLUMN cbl.v_margin.unconverted_charges IS
  'charges left out of the sums for want of an exchange rate to the reporting currency on their accrual date (0 when complete)';

-- Leakage: a cost whose fee group was never billed on to the customer.
CREATE VIEW cbl.v_leakage AS
WITH billed AS (          -- fee groups billed to the customer, not netted to zero
  SELECT DISTINCT c.shipment_id, f.fee_group
    FROM cbl.charge c
    JOIN cbl.shipment s ON s.id = c.shipment_id AND s.customer_id = c.party_id
    JOIN cbl.fee f ON f.code = c.fee_code
   WHERE c.direction = 'receivable' AND c.voided_at IS NULL
   GROUP BY c.shipment_id, f.fee_group, cbl.currency(c.amount)
  HAVING cbl.value(cbl.sum(c.amount)) <> 0
)
SELECT c.shipment_id,
       c.shipment_reference,
       c.customer_code,
       c.party_kind,
       c.party_code,
       c.fee_group,
       c.fee_code,
       c.currency,
       sum(c.amount) AS cost,
       min(c.reporting_currency) AS reporting_currency,
       sum(c.reporting_amount) AS reporting_cost,
       min(c.accrued_at) AS first_accrued_at,
       count(*) AS charges
  FROM cbl.v_charge c
 WHERE c.direction = 'payable' AND c.voided_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM billed b WHERE b.shipment_id = c.shipment_id AND b.fee_group = c.fee_group)
 GROUP BY c.shipment_id, c.shipment_reference, c.customer_code, c.party_kind, c.party_code,
          c.fee_group, c.fee_code, c.currency
HAVING sum(c.amount) <> 0;
COMMENT ON VIEW cbl.v_leakage IS
  'for BI: costs not passed on: payable charges of a shipment (per party, fee code and currency, net of adjustments) whose fee group was never billed to the shipment''s customer (no receivable of the group that is not netted to zero); voided charges left out';
COMMENT ON COLUMN cbl.v_leakage.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_leakage.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_leakage.customer_code IS 'code of the customer who was not billed';
COMMENT ON COLUMN cbl.v_leakage.party_kind IS 'kind of the party the cost is owed to (carrier, agent, broker ...)';
COMMENT ON COLUMN cbl.v_leakage.party_code IS 'code of the party the cost is owed to';
COMMENT ON COLUMN cbl.v_leakage.fee_group IS 'the fee group never billed to the customer';
COMMENT ON COLUMN cbl.v_leakage.fee_code IS 'fee code of the cost';
COMMENT ON COLUMN cbl.v_leakage.currency IS 'ISO 4217 currency of cost';
COMMENT ON COLUMN cbl.v_leakage.cost IS 'the cost, net of its adjustments, in its currency';
COMMENT ON COLUMN cbl.v_leakage.reporting_currency IS 'the reporting currency';
COMMENT ON COLUMN cbl.v_leakage.reporting_cost IS 'the cost in the reporting currency; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_leakage.first_accrued_at IS 'when the first of these charges accrued';
COMMENT ON COLUMN cbl.v_leakage.charges IS 'number of charges (a charge and its adjustments) behind the row';

-- Duty and import tax: what the customer was billed (the estimate of
-- cbl.duty_quote, or any receivable of the group) against what customs
-- assessed (the payable charges of the group: the duty, VAT and fees paid
-- or owed to the broker, carrier or authority), per shipment and fee code.
-- Compared in the charges' own currency when they share one, else in the
-- reporting currency.
CREATE VIEW cbl.v_duty_variance AS
WITH d AS (
  SELECT c.shipment_id, c.shipment_reference, c.customer_code, c.fee_code,
         count(DISTINCT c.currency) AS currencies,
         min(c.currency) AS currency,
         coalesce(sum(c.amount) FILTER (WHERE c.direction = 'receivable'), 0) AS estimated,
         coalesce(sum(c.amount) FILTER (WHERE c.direction = 'payable'), 0) AS assessed,
         min(c.reporting_currency) AS reporting_currency,
         coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0) AS reporting_estimated,
         coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0) AS reporting_assessed,
         count(*) FILTER (WHERE c.reporting_amount IS NULL) AS unconverted_charges,
         count(*) FILTER (WHERE c.direction = 'receivable') AS estimated_charges,
         count(*) FILTER (WHERE c.direction = 'payable') AS assessed_charges,
         max(c.accrued_at) FILTER (WHERE c.direction = 'payable') AS assessed_at
    FROM cbl.v_charge c
   WHERE c.fee_group = 'duty_tax' AND c.voided_at IS NULL
   GROUP BY c.shipment_id, c.shipment_reference, c.customer_code, c.fee_code
), v AS (
  SELECT d.*,
         CASE WHEN d.currencies = 1 THEN d.assessed - d.estimated END AS difference,
         CASE WHEN d.unconverted_charges = 0 THEN d.reporting_assessed - d.reporting_estimated END AS reporting_difference
    FROM d
)
SELECT v.shipment_id,
       v.shipment_reference,
       v.customer_code,
       v.fee_code,
       CASE WHEN v.currencies = 1 THEN v.currency END AS currency,
       CASE WHEN v.currencies = 1 THEN v.estimated END AS estimated,
       CASE WHEN v.currencies = 1 THEN v.assessed END AS assessed,
       v.difference,
       v.reporting_currency,
       CASE WHEN v.unconverted_charges = 0 THEN v.reporting_estimated END AS reporting_estimated,
       CASE WHEN v.unconverted_charges = 0 THEN v.reporting_assessed END AS reporting_assessed,
       v.reporting_difference,
       CASE WHEN v.assessed_charges = 0 THEN 'not_assessed'
            WHEN v.estimated_charges = 0 THEN 'not_billed'
            WHEN coalesce(v.difference, v.reporting_difference) IS NULL THEN 'unconverted'
            WHEN coalesce(v.difference, v.reporting_difference) > 0 THEN 'under_billed'
            WHEN coalesce(v.difference, v.reporting_difference) < 0 THEN 'over_billed'
            ELSE 'matched' END AS status,
       v.estimated_charges,
       v.assessed_charges,
       v.assessed_at
  FROM v;
COMMENT ON VIEW cbl.v_duty_variance IS
  'for BI: duty, import tax and customs fees (fee group duty_tax) billed to the customer (receivable, the estimate) against those assessed (payable to the broker, carrier or authority), per shipment and fee code, net of adjustments, voided charges left out; compared in the charges'' currency when they share one, else in the reporting currency';
COMMENT ON COLUMN cbl.v_duty_variance.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_duty_variance.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_duty_variance.customer_code IS 'code of the shipment''s customer';
COMMENT ON COLUMN cbl.v_duty_variance.fee_code IS 'fee code of the duty_tax group (DUTY, VAT, MPF, HMF ...)';
COMMENT ON COLUMN cbl.v_duty_variance.currency IS 'ISO 4217 currency of every charge of the row; NULL when they are in more than one';
COMMENT ON COLUMN cbl.v_duty_variance.estimated IS 'billed to the customer (receivable charges, net), in currency; NULL when the currencies differ';
COMMENT ON COLUMN cbl.v_duty_variance.assessed IS 'assessed (payable charges, net), in currency; NULL when the currencies differ';
COMMENT ON COLUMN cbl.v_duty_variance.difference IS 'assessed minus estimated, in currency: positive when the customer was billed too little; NULL when the currencies differ';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_currency IS 'the reporting currency (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_estimated IS 'estimated in the reporting currency, each charge at its accrual date''s rate; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_assessed IS 'assessed in the reporting currency, each charge at its accrual date''s rate; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_difference IS 'assessed minus estimated in the reporting currency; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_duty_variance.status IS
  'not_assessed (nothing payable yet), not_billed (nothing receivable), matched, under_billed (assessed more than billed), over_billed, or unconverted (currencies differ and a rate is missing); compared in currency, else in the reporting currency';
COMMENT ON COLUMN cbl.v_duty_variance.estimated_charges IS 'number of receivable charges (a charge and its adjustments) behind estimated';
COMMENT ON COLUMN cbl.v_duty_variance.assessed_charges IS 'number of payable charges behind assessed';
COMMENT ON COLUMN cbl.v_duty_variance.assessed_at IS 'accrual time of the latest payable charge; NULL when not assessed';

-- Monthly KPIs per customer.  Two kinds of figure, each counted in a month
-- that an index finds, so that a filter on the month (WHERE month = ...)
-- reads that month's rows only and costs the same however many months the
-- tables hold (docs/performance.md, Scale):
--   - the shipment figures (shipments, delivered, on time, clearance hours,
--     exceptions) are those of the shipments made in the month: the month
--     their id carries (cbl.shipment_month, UTC), whose ids are one range
--     of the primary key; each shipment counts once, in that month, with
--     what has happened to it so far (delivered, cleared, exceptions opened
--     whenever they were);
--   - the money figures count each charge in the month it accrued in (the
--     calendar of billing_time_zone), a range of charge_accrued_at_idx.
-- The months: every month from the first to the last of either kind (from
-- the extremes of the two indexes; a charge accrued at +/-infinity has no
-- month); a month with no row of either gives no row.
CREATE VIEW cbl.v_kpi_monthly AS
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

-- Steps that could not be billed.
CREATE VIEW cbl.v_billing_problem AS
SELECT a.shipment_id,
       s.reference AS shipment_reference,
       s.framework,
       a.milestone,
       a.action,
       a.rated_at AS milestone_at,
       a.problem,
       a.problem_sqlstate,
       a.updated_at
  FROM cbl.billing_accrual a
  JOIN cbl.shipment s ON s.id = a.shipment_id
 WHERE a.status = 'problem';
COMMENT ON VIEW cbl.v_billing_problem IS
  'for operations: billing triggers that fired but could not accrue (no rating input, no card, no zone ...); retried at the shipment''s next change, or with cbl.accrue_charges()';
COMMENT ON COLUMN cbl.v_billing_problem.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_billing_problem.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_billing_problem.framework IS 'framework of the shipment';
COMMENT ON COLUMN cbl.v_billing_problem.milestone IS 'milestone of the billing trigger';
COMMENT ON COLUMN cbl.v_billing_problem.action IS 'bill_sell_card, accrue_buy_card or bill_duties';
COMMENT ON COLUMN cbl.v_billing_problem.milestone_at IS 'when the milestone actually happened';
COMMENT ON COLUMN cbl.v_billing_problem.problem IS 'what is wrong';
COMMENT ON COLUMN cbl.v_billing_problem.problem_sqlstate IS 'its SQLSTATE (LG024 for missing input or card; LG010, LG011, LG012 from rating ...)';
COMMENT ON COLUMN cbl.v_billing_problem.updated_at IS 'when it was last tried';
