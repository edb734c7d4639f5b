-- cbl settlement benchmark: the report (test/bench/settle.sh runs it last).

\pset footer off
SET timezone = 'UTC';

CREATE TEMP VIEW pass AS
SELECT t.pass, extract(epoch FROM t.t1 - t.t0) AS seconds FROM bench_settle.timing t;

SELECT p.pass,
       CASE p.pass WHEN 'baseline' THEN 'bare INSERT ... SELECT ... GROUP BY writing the lines'
                   ELSE 'cbl.settle: lines naming their charges, statements, numbers, marks, period closed' END AS what,
       (SELECT charges FROM bench_settle.size) AS charges,
       (SELECT count(*) FROM bench_settle.line_baseline) AS lines,
       to_char(p.seconds, 'FM99990.00') AS seconds,
       to_char((SELECT charges FROM bench_settle.size) / p.seconds, 'FM9999999990') AS "charges/s",
       to_char(p.seconds / b.seconds, 'FM99990.00') AS ratio
  FROM pass p CROSS JOIN (SELECT seconds FROM pass WHERE pass = 'baseline') b
 ORDER BY CASE p.pass WHEN 'baseline' THEN 1 WHEN 'settle' THEN 2 ELSE 3 END;

SELECT 'cbl.settle within 2x of the bare INSERT ... SELECT ... GROUP BY' AS target,
       to_char(s.seconds / b.seconds, 'FM99990.00') || 'x the baseline' AS measured,
       CASE WHEN s.seconds <= 2 * b.seconds THEN 'PASS' ELSE 'MISS' END AS result
  FROM pass s, pass b WHERE s.pass = 'settle' AND b.pass = 'baseline';

-- Sanity: the figures only count if settlement did the right thing.
WITH s AS (
  SELECT l.party_id, st.direction, st.currency, l.line_no, l.kind, l.accrual_period, l.shipment_id, l.fee_code,
         l.charge_count, l.charge_amount::text AS charge_amount, l.fx_rate_num, l.fx_rate_den, l.fx_rate_date,
         l.amount::text AS amount
    FROM cbl.statement_line l
    JOIN cbl.statement st ON st.party_id = l.party_id AND st.statement_no = l.statement_no
), b AS (
  SELECT l.party_id, l.direction, cbl.currency(l.amount) AS currency, l.line_no, l.kind, l.accrual_period,
         l.shipment_id, l.fee_code, l.charge_count, l.charge_amount::text, l.fx_rate_num, l.fx_rate_den,
         l.fx_rate_date, l.amount::text
    FROM bench_settle.line_baseline l
)
SELECT 'lines of cbl.settle = lines of the baseline' AS "check",
       (SELECT count(*) FROM s) || ' and ' || (SELECT count(*) FROM b) || ' lines, '
         || (SELECT count(*) FROM ((SELECT * FROM s EXCEPT ALL SELECT * FROM b)
                                   UNION ALL (SELECT * FROM b EXCEPT ALL SELECT * FROM s)) d) || ' different' AS found,
       CASE WHEN (SELECT count(*) FROM s) = (SELECT count(*) FROM b) AND (SELECT count(*) FROM b) > 0
             AND NOT EXISTS (SELECT * FROM s EXCEPT ALL SELECT * FROM b) THEN 'ok' ELSE 'WRONG' END AS result
UNION ALL
SELECT 'every charge settled (a settlement mark covers it), on exactly one line, of its shipment and fee code',
       count(*) FILTER (WHERE k.settled) || ' of ' || (SELECT charges FROM bench_settle.size)
         || ' settled, ' || count(*) FILTER (WHERE k.n <> 1 OR k.wrong > 0) || ' on a wrong, missing or second line',
       CASE WHEN count(*) FILTER (WHERE k.settled) = (SELECT charges FROM bench_settle.size)
             AND count(*) FILTER (WHERE k.n <> 1 OR k.wrong > 0) = 0 THEN 'ok' ELSE 'WRONG' END
  FROM (SELECT c.shipment_id, c.charge_no,
               EXISTS (SELECT 1 FROM cbl.settlement_mark m
                        WHERE m.party_id = c.party_id AND m.charges_through >= c.charge_no
                          AND m.settled_before > c.accrued_at) AND c.voided_at IS NULL AS settled,
               count(x.line_no) AS n,
               count(*) FILTER (WHERE x.line_no IS NOT NULL AND (l.fee_code IS DISTINCT FROM c.fee_code
                                                                 OR x.party_id <> c.party_id)) AS wrong
          FROM cbl.charge c
          LEFT JOIN cbl.v_charge_line x ON x.shipment_id = c.shipment_id AND x.charge_no = c.charge_no
          LEFT JOIN cbl.statement_line l ON l.party_id = x.party_id AND l.statement_no = x.statement_no
                                        AND l.line_no = x.line_no
         GROUP BY c.shipment_id, c.charge_no, c.party_id, c.accrued_at, c.voided_at) k
UNION ALL
SELECT 'charges behind each line = its charge_count and charge_amount',
       count(*) FILTER (WHERE x.n IS DISTINCT FROM l.charge_count OR x.total IS DISTINCT FROM l.charge_amount::text)
         || ' lines differ',
       CASE WHEN count(*) FILTER (WHERE x.n IS DISTINCT FROM l.charge_count
                                     OR x.total IS DISTINCT FROM l.charge_amount::text) = 0 THEN 'ok' ELSE 'WRONG' END
  FROM cbl.statement_line l
  LEFT JOIN (SELECT v.party_id, v.statement_no, v.line_no, count(*)::integer AS n, cbl.sum(c.amount)::text AS total
               FROM cbl.v_charge_line v
               JOIN cbl.charge c ON c.shipment_id = v.shipment_id AND c.charge_no = v.charge_no
              GROUP BY 1, 2, 3) x
    ON x.party_id = l.party_id AND x.statement_no = l.statement_no AND x.line_no = l.line_no
UNION ALL
SELECT 'statement totals are the sums of their lines',
       count(*) FILTER (WHERE st.total::text IS DISTINCT FROM x.total OR st.line_count <> x.n) || ' of ' || count(*) || ' differ',
       CASE WHEN count(*) FILTER (WHERE st.total::text IS DISTINCT FROM x.total OR st.line_count <> x.n) = 0
             AND count(*) > 0 THEN 'ok' ELSE 'WRONG' END
  FROM cbl.statement st
  LEFT JOIN (SELECT l.party_id, l.statement_no, cbl.sum(l.amount)::text AS total, count(*)::integer AS n
               FROM cbl.statement_line l GROUP BY 1, 2) x
    ON x.party_id = st.party_id AND x.statement_no = st.statement_no
UNION ALL
SELECT 'statement numbers 1..n without gaps, one statement per customer and currency',
       count(*) || ' statements numbered ' || min(st.seq) || ' to ' || max(st.seq),
       CASE WHEN min(st.seq) = 1 AND max(st.seq) = count(*) AND count(DISTINCT st.seq) = count(*)
             AND count(*) = (SELECT count(DISTINCT (c.party_id, c.statement_no)) FROM cbl.v_charge_line c) THEN 'ok' ELSE 'WRONG' END
  FROM cbl.statement st
UNION ALL
SELECT 'period 2025-03 closed', string_agg(status, ','),
       CASE WHEN string_agg(status, ',') = 'closed' THEN 'ok' ELSE 'WRONG' END
  FROM cbl.period;
