-- cbl.milestone_state: constructor, text and binary form, merge rules,
-- and the laws that make a shipment's state independent of event order.
SET search_path = cbl, public;
SET timezone = 'UTC';

-- One report.
SELECT cbl.milestone_state(3, 2, 'ACT', '2026-03-01 10:00+00', NULL, 100, 42);
SELECT cbl.milestone_state(3, 2, 'act', '2026-03-01 10:00+00', '2026-03-01 10:05+00', 100, -7);
SELECT * FROM cbl.milestone_entries(cbl.milestone_state(3, 2, 'EST', '2026-03-02 08:00+00', '2026-02-20 00:00+00', 50, 9));
SELECT cbl.framework_id(cbl.milestone_state(3, 2, 'PLN', '2026-03-01', NULL, 1, 1)),
       cbl.framework_id('0') IS NULL AS empty_has_no_framework;
-- NULL in a required argument gives NULL, like a strict function.
SELECT cbl.milestone_state(3, 2, 'ACT', NULL, NULL, 100, 42) IS NULL AS null_time;
-- Bad arguments.
SELECT cbl.milestone_state(3, 2, 'XYZ', '2026-03-01', NULL, 1, 1);
SELECT cbl.milestone_state(0, 2, 'ACT', '2026-03-01', NULL, 1, 1);
SELECT cbl.milestone_state(3, 40000, 'ACT', '2026-03-01', NULL, 1, 1);
SELECT cbl.milestone_state(3, 2, 'ACT', 'infinity', NULL, 1, 1);

-- Text form round trip, and what it rejects.
SELECT '3;2,ACT,2026-03-01T10:00:00.000000Z,-,100,42;2,PLN,2026-02-28T00:00:00.000000Z,2026-02-01T00:00:00.000000Z,1,5'::cbl.milestone_state;
SELECT '3;2,PLN,2026-02-28T00:00:00.000000Z,-,1,5;2,ACT,2026-03-01T10:00:00.000000Z,-,100,42'::cbl.milestone_state AS sorted;
SELECT '0'::cbl.milestone_state AS empty;
SELECT 'x'::cbl.milestone_state;
SELECT '0;1,ACT,2026-03-01T10:00:00.000000Z,-,1,1'::cbl.milestone_state;
SELECT '3;1,ACT,2026-03-01T10:00:00.000000Z,-,1,1;1,ACT,2026-03-01T10:00:00.000000Z,-,1,2'::cbl.milestone_state;
SELECT '3;2,ACT,2026-03-01T10:00:00.000000Z,-,1,1;1,ACT,2026-03-01T10:00:00.000000Z,-,1,2'::cbl.milestone_state;
SELECT '3;1,XXX,2026-03-01T10:00:00.000000Z,-,1,1'::cbl.milestone_state;
SELECT '3;1,ACT,2026-02-30T10:00:00.000000Z,-,1,1'::cbl.milestone_state;
SELECT '3;1,ACT,2026-03-01 10:00:00,-,1,1'::cbl.milestone_state;
SELECT '3;1,ACT,2026-03-01T10:00:00.000000Z,-,1,1;'::cbl.milestone_state;
SELECT '3;0,ACT,2026-03-01T10:00:00.000000Z,-,1,1'::cbl.milestone_state;
SELECT '3;1,ACT,2026-03-01T10:00:00.000000Z,-,99999999999,1'::cbl.milestone_state;

-- The winner rule, one step at a time.
CREATE TEMP TABLE report (label text, s cbl.milestone_state);
INSERT INTO report VALUES
  ('carrier, prio 100, issued 10:05', cbl.milestone_state(3, 2, 'ACT', '2026-03-01 10:00+00', '2026-03-01 10:05+00', 100, 1)),
  ('operator, prio 200, issued 09:00', cbl.milestone_state(3, 2, 'ACT', '2026-03-01 09:30+00', '2026-03-01 09:00+00', 200, 2)),
  ('carrier, prio 100, issued 11:00', cbl.milestone_state(3, 2, 'ACT', '2026-03-01 10:01+00', '2026-03-01 11:00+00', 100, 3)),
  ('carrier, prio 100, issue unknown', cbl.milestone_state(3, 2, 'ACT', '2026-03-01 12:00+00', NULL, 100, 4));
-- higher priority beats a later issue time
SELECT (SELECT at FROM cbl.milestone_entries(a.s || b.s)) AS winner_time
  FROM report a, report b WHERE a.label LIKE 'carrier, prio 100, issued 11%' AND b.label LIKE 'operator%';
-- same priority: the later-issued report wins; an unknown issue time ranks last
SELECT (SELECT at FROM cbl.milestone_entries(a.s || b.s)) AS winner_time
  FROM report a, report b WHERE a.label LIKE '%issued 10:05' AND b.label LIKE '%issued 11:00';
SELECT (SELECT at FROM cbl.milestone_entries(a.s || b.s)) AS winner_time
  FROM report a, report b WHERE a.label LIKE '%issued 10:05' AND b.label LIKE '%unknown';
-- same priority and issue time: the later time, then the smaller key
SELECT (SELECT at FROM cbl.milestone_entries(
          cbl.milestone_state(3, 2, 'ACT', '2026-03-01 10:00+00', NULL, 1, 5) ||
          cbl.milestone_state(3, 2, 'ACT', '2026-03-01 10:10+00', NULL, 1, 6))) AS later_time_wins,
       (SELECT event_key FROM cbl.milestone_entries(
          cbl.milestone_state(3, 2, 'ACT', '2026-03-01 10:00+00', NULL, 1, 5) ||
          cbl.milestone_state(3, 2, 'ACT', '2026-03-01 10:00+00', NULL, 1, -6))) AS smaller_key_wins;
-- different classifiers and milestones are kept side by side, in key order
SELECT * FROM cbl.milestone_entries(
  cbl.milestone_state(3, 5, 'ACT', '2026-03-03', NULL, 1, 1) ||
  cbl.milestone_state(3, 2, 'EST', '2026-03-02', NULL, 1, 2) ||
  cbl.milestone_state(3, 2, 'PLN', '2026-03-01', NULL, 1, 3) ||
  cbl.milestone_state(3, 2, 'ACT', '2026-03-02', NULL, 1, 4));
-- states of two frameworks do not merge; the empty state merges with any
SELECT cbl.milestone_state(3, 2, 'ACT', '2026-03-01', NULL, 1, 1) || cbl.milestone_state(4, 2, 'ACT', '2026-03-01', NULL, 1, 1);
SELECT '0'::cbl.milestone_state || cbl.milestone_state(4, 2, 'ACT', '2026-03-01', NULL, 1, 1) AS with_empty;

-- Property test on generated histories (fixed seed): 400 shipments, each
-- with reports on up to 12 milestones x 3 classifiers from sources of a few
-- priorities, many reports competing for the same slot.
SELECT setseed(0.31);
CREATE TEMP TABLE ev AS
  SELECT s AS shipment, k AS n,
         cbl.milestone_state(7, 1 + (random() * 11)::int, (ARRAY['PLN','EST','ACT'])[1 + (random() * 2)::int],
                             '2026-03-01'::timestamptz + (random() * 1000)::int * interval '1 minute',
                             CASE WHEN random() < 0.2 THEN NULL
                                  ELSE '2026-02-01'::timestamptz + (random() * 50)::int * interval '1 hour' END,
                             (ARRAY[10, 50, 100])[1 + (random() * 2)::int],
                             (random() * 40)::bigint) AS s
    FROM generate_series(1, 400) s, generate_series(1, 1 + (random() * 30)::int) k;
SELECT count(*) AS reports, count(DISTINCT shipment) AS shipments FROM ev;

-- Law 1: the aggregate does not depend on order (5 random orders per shipment).
SELECT count(*) AS shipments_with_order_dependent_state FROM (
  SELECT shipment, count(DISTINCT st) AS variants FROM (
    SELECT shipment, o, cbl.milestone_agg(s ORDER BY md5(o::text || n::text)) AS st
      FROM ev, generate_series(1, 5) o GROUP BY shipment, o) t
   GROUP BY shipment) t WHERE variants <> 1;
-- Law 2: duplicates change nothing (every report once vs. up to three times).
SELECT count(*) AS shipments_changed_by_duplicates FROM (
  SELECT shipment, cbl.milestone_agg(s) AS once FROM ev GROUP BY shipment) a
  JOIN (SELECT shipment, cbl.milestone_agg(s ORDER BY random()) AS dup
          FROM ev, generate_series(1, 3) r WHERE r <= 1 + (n % 3) GROUP BY shipment) b USING (shipment)
 WHERE a.once <> b.dup;
-- Law 3: merge is commutative, associative and idempotent (on partial states).
CREATE TEMP TABLE part AS
  SELECT shipment, n % 3 AS p, cbl.milestone_agg(s) AS st FROM ev GROUP BY shipment, n % 3;
SELECT count(*) FILTER (WHERE a.st || b.st <> b.st || a.st) AS not_commutative,
       count(*) FILTER (WHERE (a.st || b.st) || c.st <> a.st || (b.st || c.st)) AS not_associative,
       count(*) FILTER (WHERE a.st || a.st <> a.st) AS not_idempotent
  FROM part a JOIN part b USING (shipment) JOIN part c USING (shipment)
 WHERE a.p = 0 AND b.p = 1 AND c.p = 2;
-- Law 4: interleaving — merging partial states built from any split equals the whole.
SELECT count(*) AS shipments_split_differently FROM (
  SELECT shipment, cbl.milestone_agg(st) AS merged FROM part GROUP BY shipment) a
  JOIN (SELECT shipment, cbl.milestone_agg(s) AS whole FROM ev GROUP BY shipment) b USING (shipment)
 WHERE merged <> whole;
-- Law 5: the winner is the maximum under the documented total order, as SQL computes it.
SELECT count(*) AS slots_with_wrong_winner FROM (
  SELECT DISTINCT ON (shipment, e.milestone_id, e.classifier)
         shipment, e.milestone_id, e.classifier, e.at, e.event_key
    FROM ev, cbl.milestone_entries(ev.s) e
   ORDER BY shipment, e.milestone_id, e.classifier, e.priority DESC,
            e.issued_at DESC NULLS LAST, e.at DESC, e.event_key ASC) expected
  JOIN (SELECT shipment, e.* FROM (SELECT shipment, cbl.milestone_agg(s) st FROM ev GROUP BY shipment) t,
               cbl.milestone_entries(t.st) e) actual USING (shipment, milestone_id, classifier)
 WHERE (expected.at, expected.event_key) IS DISTINCT FROM (actual.at, actual.event_key);

-- Parallel aggregation combines partial states to the serial answer.
CREATE TABLE ev_big AS SELECT x AS copy_no, s FROM ev, generate_series(0, 3) x;
ANALYZE ev_big;
SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT cbl.milestone_agg(s) FROM ev_big WHERE cbl.framework_id(s) = 7;
SELECT md5(cbl.milestone_agg(s)::text) AS parallel FROM ev_big \gset
RESET max_parallel_workers_per_gather; RESET parallel_setup_cost;
RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
SELECT md5(cbl.milestone_agg(s)::text) = :'parallel' AS parallel_equals_serial FROM ev_big;
RESET max_parallel_workers_per_gather;
DROP TABLE ev_big;

-- Text and binary round trips of every generated state.
CREATE TEMP TABLE states AS SELECT shipment, cbl.milestone_agg(s) AS st FROM ev GROUP BY shipment;
SELECT count(*) FILTER (WHERE st::text::cbl.milestone_state <> st) AS text_round_trip_failures FROM states;
COPY states TO '/tmp/cbl_milestone_states.bin' WITH (FORMAT binary);
CREATE TEMP TABLE states_back (LIKE states);
COPY states_back FROM '/tmp/cbl_milestone_states.bin' WITH (FORMAT binary);
SELECT count(*) AS binary_round_trip_failures
  FROM states a FULL JOIN states_back b USING (shipment) WHERE a.st IS DISTINCT FROM b.st;
-- Hash and equality agree; hash joins work.
SELECT count(*) FILTER (WHERE cbl.milestone_state_hash(st) <> cbl.milestone_state_hash(st::text::cbl.milestone_state)) AS hash_mismatches
  FROM states;
RESET timezone;

-- Mutation fuzzing of the text input in the server: 20,000 corrupted copies
-- of real states (bytes replaced, dropped, duplicated).  Each is rejected
-- with 22P02 or accepted; whatever is accepted must round-trip exactly.
SELECT setseed(0.77);
DO $$
DECLARE
  src text[] := ARRAY(SELECT st::text FROM states ORDER BY shipment LIMIT 50);
  alphabet text := '0123456789;,.:-TZ ACTESPLNx' || chr(233);
  t text; pos int; accepted int := 0; rejected int := 0; v cbl.milestone_state;
BEGIN
  FOR i IN 1..20000 LOOP
    t := src[1 + (i % 50)];
    FOR k IN 1..1 + (random() * 3)::int LOOP
      pos := 1 + (random() * (length(t) - 1))::int;
      CASE (random() * 2)::int
        WHEN 0 THEN t := overlay(t placing substr(alphabet, 1 + (random() * (length(alphabet) - 1))::int, 1) from pos for 1);
        WHEN 1 THEN t := overlay(t placing '' from pos for 1 + (random() * 5)::int);
        ELSE t := overlay(t placing substr(t, pos, 1 + (random() * 8)::int) from pos for 0);
      END CASE;
    END LOOP;
    BEGIN
      v := t::cbl.milestone_state;
      IF v::text::cbl.milestone_state <> v THEN
        RAISE EXCEPTION 'accepted "%" does not round-trip', t;
      END IF;
      accepted := accepted + 1;
    EXCEPTION WHEN invalid_text_representation THEN
      rejected := rejected + 1;
    END;
  END LOOP;
  RAISE NOTICE 'mutants: % accepted and round-tripped, % rejected with 22P02', accepted > 0, rejected > 10000;
END $$;
