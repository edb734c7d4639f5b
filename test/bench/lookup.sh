#!/usr/bin/env bash
# cbl's look-up benchmark ("make bench-lookup"; not part of "make test"; it
# reports figures and never fails on one): the status of one shipment as cbl
# reads it now against the baseline of lookup_baseline.sql (the PL/pgSQL
# finders and the view that aggregated cbl.state_steps), in one run, on the
# same data, in memory.
#
#   bash test/bench/lookup.sh                          100 000 shipments, 1 000 look-ups per form
#   BENCH_ROWS=20000 bash test/bench/lookup.sh         fewer shipments
#   BENCH_SAMPLES=200 bash test/bench/lookup.sh        fewer look-ups
#
# One throwaway cluster (test/bench/cluster.sh, 512 MB of shared buffers);
# the shipments and their events of the scale benchmark (scale_data.sql:
# 10 events each through cbl.ingest_events, no billing), then
# bench_scale.prewarm() reads the look-ups' hot set into shared buffers.
# Before any timing, a check compares the two on 2 000 shipments: the
# views' rows, and what the finders give for the reference, the tracking
# number (as stored and with spaces around it) and a value nobody has; the
# report says "identical" or "DIFFERENT".  Then each form is timed for the
# same shipments both ways, old and new alternately first: executor
# milliseconds from EXPLAIN (ANALYZE); the report (median, 95th percentile,
# maximum, and old / new of the medians) stays in .cbl/bench/lookup_report.txt.
#
#   1  cbl.v_shipment_status WHERE reference = ...
#   2  the same WHERE shipment_id = cbl.find_shipment(tracking number)
#   3  the same WHERE shipment_id = (SELECT ... FROM cbl.reference_lookup ...)
#   4  cbl.v_timeline WHERE shipment_id = (the same sub-select)
#   f  SELECT cbl.find_shipment(tracking number) alone
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

rows="${BENCH_ROWS:-100000}"
samples="${BENCH_SAMPLES:-1000}"
case "$rows$samples" in
*[!0-9]*) echo "cbl bench: BENCH_ROWS and BENCH_SAMPLES must be numbers" >&2; exit 2 ;;
esac
if [ "$rows" -lt 1000 ] || [ "$samples" -lt 10 ]; then
	echo "cbl bench: BENCH_ROWS must be at least 1000, BENCH_SAMPLES at least 10" >&2
	exit 2
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
source "$here/cluster.sh"
report="$bench_dir/lookup_report.txt"

bench_cluster_start test/bench/lookup.sh </dev/null
start=$SECONDS
echo "cbl bench: $rows shipments with their events (scale_data.sql), then the baseline"
psql_bench -d "$bench_db" -v month_size="$rows" -v batch=10000 -v samples="$samples" -v billing=bulk -f "$here/scale_data.sql"
psql_bench -d "$bench_db" -c "SELECT bench_scale.add_shipments(0, $rows)" -c "SELECT count(*) FROM cbl.create_partitions()" >/dev/null
psql_bench -d "$bench_db" -c "CALL bench_scale.ingest(1, 0, 0, $rows)"
psql_bench -d "$bench_db" -c "VACUUM ANALYZE" -f "$here/lookup_baseline.sql"
echo "cbl bench: data ready in $((SECONDS - start)) s; checking, then $samples look-ups per form and side"

psql_bench -d "$bench_db" >/dev/null <<'SQL'
SET timezone = 'UTC';
-- the k-th shipment of a fixed permutation of all of them
CREATE FUNCTION bench_lookup.pick(k integer) RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT (k::bigint * 2654435761) % c.month_size + 1 FROM bench_scale.config c $$;

CREATE TABLE bench_lookup.check_result AS
WITH s AS (
  SELECT 'S' || lpad(g::text, 9, '0') AS ref, 'T' || lpad(g::text, 10, '0') AS trk
    FROM (SELECT bench_lookup.pick(k) AS g FROM generate_series(1, 2000) k) x
)
SELECT count(*) AS shipments,
       count(*) FILTER (WHERE (SELECT n::text FROM cbl.v_shipment_status n WHERE n.reference = s.ref)
                              IS DISTINCT FROM
                              (SELECT o::text FROM bench_lookup.v_shipment_status o WHERE o.reference = s.ref))
         AS rows_differ,
       count(*) FILTER (WHERE (SELECT array_agg(n::text ORDER BY n.position) FROM cbl.v_timeline n
                                WHERE n.shipment_id = cbl.find_shipment(s.ref))
                              IS DISTINCT FROM
                              (SELECT array_agg(o::text ORDER BY o.position) FROM bench_lookup.v_timeline o
                                WHERE o.shipment_id = cbl.find_shipment(s.ref)))
         AS timelines_differ,
       count(*) FILTER (WHERE cbl.find_shipment(s.ref) IS DISTINCT FROM bench_lookup.find_shipment(s.ref)
                           OR cbl.find_shipment(s.trk) IS DISTINCT FROM bench_lookup.find_shipment(s.trk)
                           OR cbl.find_shipment(' ' || s.trk || ' ') IS DISTINCT FROM bench_lookup.find_shipment(' ' || s.trk || ' ')
                           OR cbl.find_shipment(s.trk || 'X') IS DISTINCT FROM bench_lookup.find_shipment(s.trk || 'X'))
         AS finds_differ,
       count(*) FILTER (WHERE cbl.find_shipment(s.trk) IS NULL) AS not_found
  FROM s;

SELECT bench_scale.prewarm();
CREATE FUNCTION bench_lookup.executor_ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE p jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO p;
  RETURN (p -> 0 ->> 'Execution Time')::float8;
END $$;
CREATE TABLE bench_lookup.sample (form text, side text, k integer, ms float8);
DO $$
DECLARE
  k integer;
  r record;
  g bigint;
BEGIN
  FOR k IN 0 .. (SELECT samples FROM bench_scale.config) LOOP
    g := bench_lookup.pick(k + 7);
    FOR r IN SELECT * FROM (VALUES
        ('1 status by reference', 'new', 'SELECT * FROM cbl.v_shipment_status WHERE reference = %L', 'S'),
        ('1 status by reference', 'old', 'SELECT * FROM bench_lookup.v_shipment_status WHERE reference = %L', 'S'),
        ('2 status by tracking no, find_shipment', 'new', 'SELECT * FROM cbl.v_shipment_status WHERE shipment_id = cbl.find_shipment(%L)', 'T'),
        ('2 status by tracking no, find_shipment', 'old', 'SELECT * FROM bench_lookup.v_shipment_status WHERE shipment_id = bench_lookup.find_shipment(%L)', 'T'),
        ('3 status by tracking no, reference_lookup', 'new', 'SELECT * FROM cbl.v_shipment_status WHERE shipment_id = (SELECT l.shipment_id FROM cbl.reference_lookup l WHERE l.kind = ''tracking'' AND l.value = %L)', 'T'),
        ('3 status by tracking no, reference_lookup', 'old', 'SELECT * FROM bench_lookup.v_shipment_status WHERE shipment_id = (SELECT l.shipment_id FROM cbl.reference_lookup l WHERE l.kind = ''tracking'' AND l.value = %L)', 'T'),
        ('4 timeline by tracking no, reference_lookup', 'new', 'SELECT * FROM cbl.v_timeline WHERE shipment_id = (SELECT l.shipment_id FROM cbl.reference_lookup l WHERE l.kind = ''tracking'' AND l.value = %L)', 'T'),
        ('4 timeline by tracking no, reference_lookup', 'old', 'SELECT * FROM bench_lookup.v_timeline WHERE shipment_id = (SELECT l.shipment_id FROM cbl.reference_lookup l WHERE l.kind = ''tracking'' AND l.value = %L)', 'T'),
        ('f find_shipment alone', 'new', 'SELECT cbl.find_shipment(%L)', 'T'),
        ('f find_shipment alone', 'old', 'SELECT bench_lookup.find_shipment(%L)', 'T')
      ) v(form, side, q, kind)
      -- old and new alternately first
      ORDER BY form, CASE WHEN k % 2 = 0 THEN side END, side DESC
    LOOP
      INSERT INTO bench_lookup.sample
      SELECT r.form, r.side, k,
             bench_lookup.executor_ms(format(r.q, CASE r.kind WHEN 'S' THEN 'S' || lpad(g::text, 9, '0')
                                                             ELSE 'T' || lpad(g::text, 10, '0') END))
       WHERE k > 0;             -- k = 0 warms each form up
    END LOOP;
  END LOOP;
END $$;
SQL

{
	echo
	echo "cbl look-up benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, PostgreSQL $("$PG_CONFIG" --version | sed 's/^PostgreSQL //')"
	echo "$rows shipments, $samples look-ups per form and side, hot set in shared buffers; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	psql_bench -d "$bench_db" <<'SQL'
\pset footer off
SELECT shipments, not_found,
       CASE WHEN rows_differ = 0 AND timelines_differ = 0 AND finds_differ = 0 AND not_found = 0
            THEN 'identical' ELSE 'DIFFERENT' END AS "new against old",
       rows_differ, timelines_differ, finds_differ
  FROM bench_lookup.check_result;
\echo 'Executor ms (EXPLAIN ANALYZE): old = bench_lookup (lookup_baseline.sql), new = cbl as installed'
SELECT form,
       to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'old'), 'FM990.000') AS "old median",
       to_char(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'old'), 'FM990.000') AS "old p95",
       to_char(max(ms) FILTER (WHERE side = 'old'), 'FM990.000') AS "old max",
       to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'new'), 'FM990.000') AS "new median",
       to_char(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'new'), 'FM990.000') AS "new p95",
       to_char(max(ms) FILTER (WHERE side = 'new'), 'FM990.000') AS "new max",
       to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'old')
               / nullif(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'new'), 0),
               'FM990.00') || 'x' AS "old / new"
  FROM bench_lookup.sample GROUP BY form ORDER BY form;
SQL
} | tee "$report"
echo "cbl bench: report in $report; stopping the cluster"
if grep -q 'DIFFERENT' "$report"; then
	echo "cbl bench: the new look-ups do not answer as the old ones: the figures compare different work" >&2
	exit 1
fi
