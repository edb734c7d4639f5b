#!/usr/bin/env bash
# cbl's benchmarks ("make bench"; not part of "make test"; never a pass/fail).
#
#   bash test/bench/run.sh              every pair, best of 7 rounds
#   BENCH_ROUNDS=9 bash test/bench/run.sh
#   BENCH_ONLY="1 2 31" bash test/bench/run.sh      only these pairs (ids in cases.sql)
#   BENCH_ROWS=200000 bash test/bench/run.sh        smaller tables, for a quick look
#
# Each benchmark is a pair of queries over the same rows in the same run: one
# using cbl, one a baseline in core PostgreSQL types.  The script prints, per
# pair, the best executor time of each side and the ratio cbl / baseline
# (below 1.00 cbl is faster).  Times are only comparable within one run on one
# machine; the ratio is the figure to look at.
#
#   test/bench/harness.sql   timing: EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON)
#                            "Execution Time", why, and the round order
#   test/bench/data.sql      deterministic data from generate_series
#   test/bench/cases.sql     the pairs
#   test/bench/report.sql    the table
#   test/bench/cluster.sh    the cluster (shared with test/bench/ingest.sh)
#
# The server is a throwaway cluster in .cbl/bench/ (git-ignored), run as the
# postgres OS user when we are root.  It listens on no TCP address; port 5498
# only names its Unix socket in .cbl/bench.  It is stopped and its data
# removed on exit, however the script ends; the log, the report and every
# sample (samples.csv) stay in .cbl/bench/.  Expects cbl built and installed
# (make && make install).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

rounds="${BENCH_ROUNDS:-7}"
rows="${BENCH_ROWS:-1000000}"
only="${BENCH_ONLY:-}"

case "$rounds$rows${only// /}" in
*[!0-9]*) echo "cbl bench: BENCH_ROUNDS, BENCH_ROWS, BENCH_PORT and BENCH_ONLY must be numbers" >&2; exit 2 ;;
esac
if [ "$rounds" -lt 1 ] || [ "$rows" -lt 1000 ]; then
	echo "cbl bench: BENCH_ROUNDS must be at least 1 and BENCH_ROWS at least 1000" >&2
	exit 2
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# The cluster, the lock, psql_bench, and the stop on exit: test/bench/cluster.sh.
source "$here/cluster.sh"
dir="$bench_dir"
db="$bench_db"
report="$dir/report.txt"

bench_cluster_start test/bench/run.sh </dev/null
psql_bench -d "$db" -f "$here/harness.sql"

echo "cbl bench: generating data ($rows rows; under a minute)"
start=$SECONDS
psql_bench -d "$db" -v rows="$rows" -f "$here/data.sql"
psql_bench -d "$db" -f "$here/cases.sql"
echo "cbl bench: data ready in $((SECONDS - start)) s"

if [ -n "$only" ]; then
	ids="$only"
else
	ids="$(psql_bench -d "$db" -tAc "SELECT string_agg(id::text, ' ' ORDER BY id) FROM bench.pair")"
fi
set -- $ids
n=$#
i=0
echo "cbl bench: $n pairs, best of $rounds rounds each"
for id in "$@"; do
	i=$((i + 1))
	name="$(psql_bench -d "$db" -tAc "SELECT name FROM bench.pair WHERE id = $id")"
	if [ -z "$name" ]; then
		echo "cbl bench: no pair $id in cases.sql" >&2
		exit 2
	fi
	start=$SECONDS
	# A fresh session per pair, so one pair's SET statements never reach the next.
	psql_bench -d "$db" -tAc "SELECT bench.run_pair($id, $rounds)" >/dev/null
	printf '  [%2d/%d] %-28s %3d s\n' "$i" "$n" "$name" "$((SECONDS - start))"
done

{
	echo
	echo "cbl benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, PostgreSQL $("$PG_CONFIG" --version | sed 's/^PostgreSQL //'), best of $rounds"
	echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running adds noise)"
	echo "ratio = cbl / baseline (below 1.00: cbl faster); times in ms of executor time"
	psql_bench -d "$db" -f "$here/report.sql"
} | tee "$report"
# Every timed run, for a closer look at the noise.
psql_bench -d "$db" -c "COPY (SELECT p.id, p.name, s.side, s.round, s.ms, s.workers FROM bench.sample s JOIN bench.pair p ON p.id = s.pair_id ORDER BY p.id, s.round, s.side) TO STDOUT WITH (FORMAT csv, HEADER)" >"$dir/samples.csv"

if grep -q DIFFERENT "$report"; then
	echo "cbl bench: some pair's two sides computed different results (\"same result\" column): the comparison is not fair" >&2
fi
echo "cbl bench: report in $report, every sample in $dir/samples.csv; stopping the cluster"
