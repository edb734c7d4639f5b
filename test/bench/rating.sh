#!/usr/bin/env bash
# cbl's rating benchmark ("make bench-rating"; not part of "make test"; it
# reports figures and never fails on one).
#
#   bash test/bench/rating.sh                          1 000 000 shipments
#   BENCH_ROWS=100000 bash test/bench/rating.sh        fewer, for a quick look
#   BENCH_ROUNDS=5 bash test/bench/rating.sh           timed rounds of cbl and the bare scan (default 5)
#   BENCH_PLPGSQL_ROUNDS=2 bash test/bench/rating.sh   timed rounds of PL/pgSQL (default 1: a minute or two each)
#
# One throwaway cluster (test/bench/cluster.sh), one express sell card and
# a million shipments (rating_data.sql), three ways over the same rows, in
# serial plans:
#
#   cbl       count(cbl.rate_total('BENCH-EXP', s, date))
#   plpgsql   count(bench_rating.rate_plpgsql(s, date)): the same card,
#             written in PL/pgSQL over tables (rating_plpgsql.sql)
#   bare      count(w * 1.15): a scan of the same rows computing one
#             arithmetic expression (w, numeric, is the total weight)
#
# Before any timing, a check rates every shipment both ways and compares
# the totals; the report says "identical" or "DIFFERENT".  Each query is
# timed as test/bench/harness.sql times the pairs of run.sh: EXPLAIN
# (ANALYZE, TIMING OFF) and its executor time; one untimed warm-up of
# each; the report (rating_report.sql) shows the best round of each, time
# per shipment, and the two targets of issue 4 (PL/pgSQL / cbl >= 20, cbl /
# bare <= 4) as PASS or MISS.  Report in .cbl/bench/rating_report.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

rows="${BENCH_ROWS:-1000000}"
rounds="${BENCH_ROUNDS:-5}"
prounds="${BENCH_PLPGSQL_ROUNDS:-1}"
case "$rows$rounds$prounds" in
*[!0-9]*) echo "cbl bench: BENCH_ROWS, BENCH_ROUNDS, BENCH_PLPGSQL_ROUNDS and BENCH_PORT must be numbers" >&2; exit 2 ;;
esac
if [ "$rows" -lt 1000 ] || [ "$rounds" -lt 1 ] || [ "$prounds" -lt 1 ]; then
	echo "cbl bench: BENCH_ROWS must be at least 1000, the rounds at least 1" >&2
	exit 2
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -f "$here/cluster.sh" ]; then
	source "$here/cluster.sh"
else
	echo "cbl bench: $here/cluster.sh is missing" >&2
	exit 1
fi
report="$bench_dir/rating_report.txt"

bench_cluster_start test/bench/rating.sh <<'CONF'
max_parallel_workers_per_gather = 0   # serial plans: per-row cost, not parallelism
CONF
psql_bench -d "$bench_db" -f "$here/harness.sql"

start=$SECONDS
echo "cbl bench: generating $rows shipments and the card (a minute or two per million)"
psql_bench -d "$bench_db" -v rows="$rows" -f "$here/rating_data.sql"
psql_bench -d "$bench_db" -f "$here/rating_plpgsql.sql"
echo "cbl bench: data ready in $((SECONDS - start)) s"

day="DATE '2026-03-02'"
q_cbl="SELECT count(cbl.rate_total('BENCH-EXP', s, $day)) FROM bench_rating.shipment"
q_plpgsql="SELECT count(bench_rating.rate_plpgsql(s, $day)) FROM bench_rating.shipment"
q_bare="SELECT count(w * 1.15) FROM bench_rating.shipment"

psql_bench -d "$bench_db" <<SQL
CREATE TABLE bench_rating.sample (side text, round integer, ms float8, workers integer);
-- warm the cache: the table stays in shared_buffers
SELECT count(*) FROM bench_rating.shipment;
SQL

start=$SECONDS
echo "cbl bench: checking that cbl and PL/pgSQL give identical totals (rates every shipment both ways)"
psql_bench -d "$bench_db" <<SQL
CREATE TABLE bench_rating.check_result AS
SELECT count(*) AS shipments,
       count(*) FILTER (WHERE c IS DISTINCT FROM p) AS differ,
       sum(c) AS cbl_total, sum(p) AS plpgsql_total
  FROM (SELECT cbl.value(cbl.rate_total('BENCH-EXP', s, $day)) AS c,
               bench_rating.rate_plpgsql(s, $day) AS p
          FROM bench_rating.shipment) t;
CREATE TABLE bench_rating.line_mix AS
SELECT array_position(ARRAY['FRT', 'RAS', 'OWP', 'FSC', 'DGR', 'RES', 'CUS', 'CUL', 'DISCOUNT', 'DFSC'], r.code) AS n,
       r.code, count(*) AS lines, sum(cbl.value(r.amount)) AS amount
  FROM bench_rating.shipment t, cbl.rate('BENCH-EXP', t.s, $day) r
 GROUP BY r.code;
SQL
echo "cbl bench: check done in $((SECONDS - start)) s"

# time SIDE ROUND QUERY
time_side() {
	psql_bench -d "$bench_db" -c "INSERT INTO bench_rating.sample SELECT '$1', $2, t.ms, t.workers FROM bench.time_query(\$q\$$3\$q\$) t"
}

echo "cbl bench: warm-up, then $rounds rounds of cbl and the bare scan, $prounds of PL/pgSQL"
psql_bench -d "$bench_db" -c "SELECT bench.time_query(\$q\$$q_cbl\$q\$), bench.time_query(\$q\$$q_bare\$q\$)" >/dev/null
for r in $(seq 1 "$rounds"); do
	start=$SECONDS
	if [ $((r % 2)) = 1 ]; then
		time_side cbl "$r" "$q_cbl"
		time_side bare "$r" "$q_bare"
	else
		time_side bare "$r" "$q_bare"
		time_side cbl "$r" "$q_cbl"
	fi
	if [ "$r" -le "$prounds" ]; then
		time_side plpgsql "$r" "$q_plpgsql"
	fi
	printf '  round %d: %d s\n' "$r" "$((SECONDS - start))"
done
for r in $(seq $((rounds + 1)) "$prounds"); do
	time_side plpgsql "$r" "$q_plpgsql"
done

{
	echo
	echo "cbl rating benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, PostgreSQL $("$PG_CONFIG" --version | sed 's/^PostgreSQL //'), $rows shipments, serial plans"
	echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running adds noise)"
	psql_bench -d "$bench_db" -f "$here/rating_report.sql"
} | tee "$report"
echo "cbl bench: report in $report; stopping the cluster"
if grep -q DIFFERENT "$report"; then
	echo "cbl bench: cbl and PL/pgSQL computed different totals: the comparison is not fair" >&2
fi
