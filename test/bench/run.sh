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
#
# The server is a throwaway cluster in .cbl/bench/ (git-ignored), run as the
# postgres OS user when we are root.  It listens on no TCP address; port 5498
# only names its Unix socket in .cbl/bench.  It is stopped and its data
# removed on exit, however the script ends; the log, the report and every
# sample (samples.csv) stay in .cbl/bench/.  Expects cbl built and installed
# (make && make install).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/pg-env.sh"
here="$CBL_ROOT/test/bench"

rounds="${BENCH_ROUNDS:-7}"
rows="${BENCH_ROWS:-1000000}"
port="${BENCH_PORT:-5498}"
only="${BENCH_ONLY:-}"
db=cbl_bench

case "$rounds$rows$port${only// /}" in
*[!0-9]*) echo "cbl bench: BENCH_ROUNDS, BENCH_ROWS, BENCH_PORT and BENCH_ONLY must be numbers" >&2; exit 2 ;;
esac
if [ "$rounds" -lt 1 ] || [ "$rows" -lt 1000 ]; then
	echo "cbl bench: BENCH_ROUNDS must be at least 1 and BENCH_ROWS at least 1000" >&2
	exit 2
fi
if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/cbl.control" ]; then
	echo "cbl bench: cbl is not installed in $("$PG_CONFIG" --sharedir); run 'make && make install' first" >&2
	exit 1
fi

# One benchmark run at a time: a second one would delete the first one's cluster.
mkdir -p "$CBL_ROOT/.cbl"
exec 9>"$CBL_ROOT/.cbl/bench.lock"
if ! flock -n 9; then
	echo "cbl bench: another benchmark run holds $CBL_ROOT/.cbl/bench.lock" >&2
	exit 1
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
dir="$(scratch_dir bench)"
data="$dir/data"
log="$dir/server.log"
report="$dir/report.txt"

stop_cluster() {
	if [ -f "$data/postmaster.pid" ]; then
		as_pg pg_ctl -D "$data" -m fast -w stop >/dev/null 2>&1 ||
			as_pg pg_ctl -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$data"
}
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "cbl bench: creating a throwaway cluster in $data"
as_pg initdb -D "$data" -E UTF8 --locale=C --auth-local=peer --auth-host=reject >"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	exit 1
}
sock="${dir//\'/\'\'}"
as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# ---- cbl benchmark settings (test/bench/run.sh) ----
listen_addresses = ''            # Unix socket only
port = $port                     # names the socket file only
unix_socket_directories = '$sock'
shared_buffers = 512MB           # every table stays in memory: we time CPU, not disk
work_mem = 64MB
jit = off                        # JIT compile time would swamp the differences
autovacuum = off                 # no background work during timing; data.sql vacuums
fsync = off                      # throwaway data: loading need not be durable
synchronous_commit = off
full_page_writes = off
max_wal_size = 4GB
max_worker_processes = 8
max_parallel_workers = 4
max_parallel_workers_per_gather = 2
EOF

echo "cbl bench: starting it (log: $log)"
if ! as_pg pg_ctl -D "$data" -l "$log" -w start >/dev/null; then
	echo "cbl bench: the server did not start; last lines of $log:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi

psql_bench() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" "$@"; }

psql_bench -d postgres -c "CREATE DATABASE $db"
psql_bench -d "$db" -c "CREATE EXTENSION cbl" -c "ALTER DATABASE $db SET search_path = public, cbl"
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
