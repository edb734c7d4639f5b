-- cbl.recon_agg: outcomes worked by hand, NULLs, tolerances, currencies,
-- the state's text form, and the laws that let parallel query and Citus
-- split the work: combining partial states (also through their text form,
-- in any grouping) equals one pass, and a parallel plan gives the same.
SET search_path = "$user", public, cbl;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.try(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Six pairs with tolerance 0.50: 10 vs 10.40 matched (0.40), 10 vs 10.50
-- matched (exactly the tolerance), 10 vs 12 over (+2), 10 vs 8 under (-2),
-- invoiced 5 unexpected, expected 7 missing; the row with neither is
-- ignored.  Expected total 47, invoiced 45.90, net -1.10.
SELECT (cbl.recon_agg(e::cbl.amount, i::cbl.amount, 0.50)).*
  FROM (VALUES ('10 EUR', '10.40 EUR'), ('10 EUR', '10.50 EUR'), ('10 EUR', '12 EUR'), ('10 EUR', '8 EUR'),
               (NULL, '5 EUR'), ('7 EUR', NULL), (NULL, NULL)) v(e, i);
-- NULL tolerance is 0; nothing (or only NULL pairs) gives NULL.
SELECT (cbl.recon_agg(e::cbl.amount, i::cbl.amount, NULL)).matched,
       (cbl.recon_agg(e::cbl.amount, i::cbl.amount, NULL)).over_billed
  FROM (VALUES ('10 EUR', '10.000001 EUR'), ('10 EUR', '10 EUR')) v(e, i);
SELECT cbl.recon_agg(e::cbl.amount, i::cbl.amount, 0) IS NULL AS null_for_nothing
  FROM (VALUES (NULL, NULL)) v(e, i);
SELECT cbl.recon_agg(NULL::cbl.amount, NULL::cbl.amount, 0) IS NULL AS null_for_no_rows WHERE false;
-- Tolerances are truncated to the micro-unit and capped at the range.
SELECT (cbl.recon_agg('1 JPY', '1.000001 JPY', 0.0000019)).matched AS within_truncated,
       (cbl.recon_agg('1 JPY', '1.000002 JPY', 0.0000019)).matched AS beyond_truncated,
       (cbl.recon_agg('-4000000000000 USD', '4000000000000 USD', 1e30)).matched AS huge_tolerance,
       (cbl.recon_agg('-4000000000000 USD', '4000000000000 USD', 'Infinity')).matched AS infinite_tolerance;
-- Variances and totals beyond one amount stay exact until the end.
SELECT (x).over_billed_amount, (x).net_variance
  FROM (SELECT cbl.recon_agg('-4000000000000 USD', '4000000000000 USD', 0) AS x) s;
SELECT pg_temp.try($$SELECT cbl.recon_agg('-9000000000000 USD', '9000000000000 USD', 0)$$) AS variance_out_of_range;

-- Errors: one currency per aggregate and per pair; tolerances at least 0.
SELECT pg_temp.try($$SELECT cbl.recon_agg(e::cbl.amount, i::cbl.amount, 0) FROM (VALUES ('1 EUR', '1 EUR'), ('1 USD', '1 USD')) v(e, i)$$) AS two_currencies;
SELECT pg_temp.try($$SELECT cbl.recon_agg('1 EUR', '1 USD', 0)$$) AS pair_in_two_currencies;
SELECT pg_temp.try($$SELECT cbl.recon_agg('1 EUR', NULL, 0) FROM (VALUES (1)) v UNION ALL SELECT cbl.recon_agg(NULL, '1 USD', 0)$$) AS separate_aggregates;
SELECT pg_temp.try($$SELECT cbl.recon_agg('1 EUR', '1 EUR', -0.01)$$) AS negative_tolerance;
SELECT pg_temp.try($$SELECT cbl.recon_agg('1 EUR', '1 EUR', 'NaN')$$) AS nan_tolerance;

-- The state: text in, text out, checked.
SELECT '(1,1,1,1,1,10400000,2000000,-2000000,5000000,7000000,37000000,35400000,eur)'::cbl.recon_accum AS state;
SELECT '(0,0,0,0,0,0,0,0,0,0,0,0,)'::cbl.recon_accum AS empty_state;
SELECT pg_temp.try($$SELECT '(0,0,0,0,0,0,0,0,0,0,0,0,EUR)'::cbl.recon_accum$$) AS empty_with_currency;
SELECT pg_temp.try($$SELECT '(0,1,0,0,0,0,0,0,0,0,0,0,EUR)'::cbl.recon_accum$$) AS over_without_variance;
SELECT pg_temp.try($$SELECT '(0,0,1,0,0,0,0,5,0,0,0,0,EUR)'::cbl.recon_accum$$) AS positive_under;
SELECT pg_temp.try($$SELECT '(1,0,0,0,0,9223372036854775808,0,0,0,0,0,0,EUR)'::cbl.recon_accum$$) AS sum_beyond_count;
SELECT pg_temp.try($$SELECT '(-1,0,0,0,0,0,0,0,0,0,0,0,)'::cbl.recon_accum$$) AS negative_count;
SELECT pg_temp.try($$SELECT '(1,0,0,0,0,0,0,0,0,0,0,0,XYZ)'::cbl.recon_accum$$) AS unknown_currency;
SELECT pg_temp.try($$SELECT '(1,0,0,0,0,0,0,0,0,0,0)'::cbl.recon_accum$$) AS too_few_fields;
SELECT pg_temp.try($$SELECT '(0,0,0,0,0,0,0,0,0,0,0,0,) x'::cbl.recon_accum$$) AS trailing_text;

-- Laws.  20,000 pairs in one currency, with every outcome, random amounts
-- and tolerances (seeded).  A plain table, so that workers can scan it.
SELECT setseed(0.3);
CREATE TABLE recon_pairs AS
SELECT n,
       CASE WHEN r1 < 0.1 THEN NULL ELSE cbl.amount(round((random() * 2000 - 100)::numeric, 2), 'EUR') END AS expected,
       NULL::cbl.amount AS invoiced, round((random() * 2)::numeric, 2) AS tolerance
  FROM (SELECT n, random() AS r1 FROM generate_series(1, 20000) n) g;
UPDATE recon_pairs SET invoiced =
  CASE WHEN expected IS NULL THEN cbl.amount(round((random() * 500)::numeric, 2), 'EUR')
       WHEN random() < 0.1 THEN NULL
       ELSE expected OPERATOR(cbl.+) cbl.amount(round((random() * 6 - 3)::numeric, 2), 'EUR') END;
ANALYZE recon_pairs;
CREATE AGGREGATE pg_temp.recon_state(cbl.amount, cbl.amount, numeric) (
  SFUNC = cbl.recon_accum_add, STYPE = cbl.recon_accum, INITCOND = '(0,0,0,0,0,0,0,0,0,0,0,0,)');
CREATE AGGREGATE pg_temp.recon_merge(cbl.recon_accum) (
  SFUNC = cbl.recon_accum_combine, STYPE = cbl.recon_accum, INITCOND = '(0,0,0,0,0,0,0,0,0,0,0,0,)');
-- One pass.
SELECT cbl.recon_agg(expected, invoiced, tolerance)::text AS one_pass FROM recon_pairs \gset
SELECT (cbl.recon_agg(expected, invoiced, tolerance)).matched > 0 AND (cbl.recon_agg(expected, invoiced, tolerance)).over_billed > 0
       AND (cbl.recon_agg(expected, invoiced, tolerance)).under_billed > 0 AND (cbl.recon_agg(expected, invoiced, tolerance)).unexpected > 0
       AND (cbl.recon_agg(expected, invoiced, tolerance)).missing > 0 AS every_outcome
  FROM recon_pairs;
-- Partial states by n mod 7 and by n mod 13, shipped as text, combined in
-- two orders; and the sum of the parts' counts and totals.
SELECT cbl.recon_accum_final(pg_temp.recon_merge(s::text::cbl.recon_accum ORDER BY k))::text = :'one_pass' AS combined_mod_7
  FROM (SELECT n % 7 AS k, pg_temp.recon_state(expected, invoiced, tolerance) AS s FROM recon_pairs GROUP BY 1) p;
SELECT cbl.recon_accum_final(pg_temp.recon_merge(s::text::cbl.recon_accum ORDER BY k DESC))::text = :'one_pass' AS combined_mod_13
  FROM (SELECT n % 13 AS k, pg_temp.recon_state(expected, invoiced, tolerance) AS s FROM recon_pairs GROUP BY 1) p;
SELECT cbl.recon_accum_final(pg_temp.recon_merge(s))::text = :'one_pass' AS combined_in_reverse_row_order
  FROM (SELECT pg_temp.recon_state(expected, invoiced, tolerance ORDER BY n DESC) AS s FROM recon_pairs) p;
SELECT sum((x).matched + (x).over_billed + (x).under_billed + (x).unexpected + (x).missing) = 20000 AS every_row_counted
  FROM (SELECT cbl.recon_agg(expected, invoiced, tolerance) AS x FROM recon_pairs GROUP BY n % 5) p;
-- A parallel plan (partial aggregates in workers, combined by the leader).
CREATE FUNCTION pg_temp.plan_has(query text, node text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line LIKE '%' || node || '%' THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END $$;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_has('SELECT cbl.recon_agg(expected, invoiced, tolerance) FROM recon_pairs', 'Partial Aggregate') AS parallel_plan;
SELECT cbl.recon_agg(expected, invoiced, tolerance)::text = :'one_pass' AS parallel_equals_one_pass FROM recon_pairs;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE recon_pairs;

-- The state type has default btree and hash operator classes: equal states
-- compare and hash alike; the order is currency, then counts, then sums.
SELECT '(1,0,0,0,0,5,0,0,0,0,5,5,EUR)'::cbl.recon_accum = '(1,0,0,0,0,5,0,0,0,0,5,5,EUR)'::cbl.recon_accum AS same,
       '(1,0,0,0,0,5,0,0,0,0,5,5,EUR)'::cbl.recon_accum < '(1,0,0,0,0,6,0,0,0,0,6,6,EUR)'::cbl.recon_accum AS smaller_sum,
       '(2,0,0,0,0,5,0,0,0,0,5,5,EUR)'::cbl.recon_accum > '(1,0,0,0,0,9,0,0,0,0,9,9,EUR)'::cbl.recon_accum AS count_before_sum,
       '(1,0,0,0,0,5,0,0,0,0,5,5,USD)'::cbl.recon_accum > '(9,0,0,0,0,5,0,0,0,0,5,5,EUR)'::cbl.recon_accum AS currency_first,
       cbl.recon_accum_hash('(1,0,0,0,0,5,0,0,0,0,5,5,EUR)') = cbl.recon_accum_hash('(1,0,0,0,0,5,0,0,0,0,5,5,EUR)') AS hash_equal,
       cbl.recon_accum_hash('(1,0,0,0,0,5,0,0,0,0,5,5,EUR)') <> cbl.recon_accum_hash('(1,0,0,0,0,5,0,0,0,0,5,5,USD)') AS hash_differs;
SELECT count(DISTINCT s) AS distinct_states
  FROM unnest(ARRAY['(1,0,0,0,0,5,0,0,0,0,5,5,EUR)', '(1,0,0,0,0,5,0,0,0,0,5,5,EUR)',
                    '(0,0,0,0,0,0,0,0,0,0,0,0,)']::cbl.recon_accum[]) s;
