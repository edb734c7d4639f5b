-- cbl settlement benchmark: the baseline (test/bench/settle.sh times it).
-- The bare INSERT ... SELECT ... GROUP BY that writes the statement lines
-- cbl.settle writes for the month: the open charges of March 2025 grouped by
-- party, direction, statement currency, shipment, fee code, charge currency
-- and rate (joined from a table of daily rates), summed, converted and
-- rounded with the same cbl functions, numbered per statement.  No
-- statement headers, no numbers, no charges marked settled, no checks.
INSERT INTO bench_settle.line_baseline (party_id, statement_no, line_no, kind, accrual_period, shipment_id, fee_code,
                                        direction, charge_count, charge_amount, fx_rate_num, fx_rate_den, fx_rate_date,
                                        fx_via, amount)
SELECT g.party_id, g.party_id || '/' || g.direction || '/' || g.to_ccy,
       row_number() OVER (PARTITION BY g.party_id, g.direction, g.to_ccy
                          ORDER BY g.shipment_id, g.fee_code, g.ccy, g.rate_date, g.num, g.den)::integer,
       'charge', DATE '2025-03-01', g.shipment_id, g.fee_code, g.direction, g.n, g.charge_amount,
       g.num, g.den, g.rate_date, NULL,
       cbl.round(CASE WHEN g.ccy = g.to_ccy THEN g.charge_amount
                      ELSE cbl.amount_exchange(g.charge_amount, g.to_ccy, g.num, g.den) END)
  FROM (SELECT ch.party_id, ch.direction, coalesce(p.billing_currency, cbl.currency(ch.amount)) AS to_ccy,
               ch.shipment_id, ch.fee_code, cbl.currency(ch.amount) AS ccy, r.num, r.den, r.valid_on AS rate_date,
               count(*)::integer AS n, cbl.sum(ch.amount) AS charge_amount
          FROM cbl.charge ch
          JOIN cbl.party p ON p.id = ch.party_id
          LEFT JOIN bench_settle.rate r
                 ON r.day = (ch.accrued_at AT TIME ZONE 'UTC')::date AND r.from_ccy = cbl.currency(ch.amount)
                AND r.to_ccy = coalesce(p.billing_currency, cbl.currency(ch.amount))
         WHERE ch.voided_at IS NULL
           AND ch.accrued_at >= TIMESTAMPTZ '2025-03-01 00:00:00+00' AND ch.accrued_at < TIMESTAMPTZ '2025-04-01 00:00:00+00'
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) g;
