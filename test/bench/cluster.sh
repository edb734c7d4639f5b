# Sourced by cbl's benchmark scripts (run.sh, ingest.sh): the throwaway
# cluster they run on.
#
#   source test/bench/cluster.sh
#   bench_cluster_start "test/bench/NAME.sh" <<'EOF'     extra postgresql.conf lines (may be empty)
#   EOF
#   psql_bench -d "$bench_db" -c '...'
#
# The server is a throwaway cluster in .cbl/bench/ (git-ignored), run as the
# postgres OS user when we are root.  It listens on no TCP address; the port
# (BENCH_PORT, default 5498) only names its Unix socket in .cbl/bench.  It is
# stopped and its data removed on exit, however the script ends; the log and
# whatever the script writes next to it stay in .cbl/bench/.  Only one
# benchmark runs at a time (.cbl/bench.lock): a second one would delete the
# first one's cluster.  Expects cbl built and installed (make && make install).
#
# After sourcing: CBL_ROOT, bench_port, bench_dir (.cbl/bench), bench_data,
# bench_log, bench_db, the functions as_pg (test/tools/pg-env.sh),
# bench_cluster_start, bench_cluster_stop and psql_bench.

source "$(dirname "${BASH_SOURCE[0]}")/../tools/pg-env.sh"

bench_port="${BENCH_PORT:-5498}"
bench_db=cbl_bench
case "$bench_port" in
'' | *[!0-9]*) echo "cbl bench: BENCH_PORT must be a number" >&2; exit 2 ;;
esac

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/cbl.control" ]; then
	echo "cbl bench: cbl is not installed in $("$PG_CONFIG" --sharedir); run 'make && make install' first" >&2
	exit 1
fi

# One benchmark run at a time.
mkdir -p "$CBL_ROOT/.cbl"
exec 9>"$CBL_ROOT/.cbl/bench.lock"
if ! flock -n 9; then
	echo "cbl bench: another benchmark run holds $CBL_ROOT/.cbl/bench.lock" >&2
	exit 1
fi

bench_dir="$(scratch_dir bench)"
bench_data="$bench_dir/data"
bench_log="$bench_dir/server.log"

bench_cluster_stop() {
	if [ -f "$bench_data/postmaster.pid" ]; then
		as_pg pg_ctl -D "$bench_data" -m fast -w stop >/dev/null 2>&1 ||
			as_pg pg_ctl -D "$bench_data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$bench_data"
}
trap bench_cluster_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bench_cluster_start WHO: initdb, the benchmark settings, then the extra
# settings read from standard input (later lines win), start, and a database
# $bench_db with cbl created in it.  WHO names the script in the config.
bench_cluster_start() {
	local who="$1" sock extra
	extra="$(cat)"
	echo "cbl bench: creating a throwaway cluster in $bench_data"
	as_pg initdb -D "$bench_data" -E UTF8 --locale=C --auth-local=peer --auth-host=reject >"$bench_dir/initdb.log" 2>&1 || {
		cat "$bench_dir/initdb.log" >&2
		exit 1
	}
	sock="${bench_dir//\'/\'\'}"
	as_pg tee -a "$bench_data/postgresql.conf" >/dev/null <<EOF

# ---- cbl benchmark settings ($who) ----
listen_addresses = ''            # Unix socket only
port = $bench_port                     # names the socket file only
unix_socket_directories = '$sock'
shared_buffers = 512MB           # every table stays in memory: we time CPU, not disk
work_mem = 64MB
jit = off                        # JIT compile time would swamp the differences
autovacuum = off                 # no background work during timing
fsync = off                      # throwaway data: loading need not be durable
synchronous_commit = off
full_page_writes = off
max_wal_size = 4GB
max_worker_processes = 8
max_parallel_workers = 4
max_parallel_workers_per_gather = 2
$extra
EOF
	echo "cbl bench: starting it (log: $bench_log)"
	if ! as_pg pg_ctl -D "$bench_data" -l "$bench_log" -w start >/dev/null; then
		echo "cbl bench: the server did not start; last lines of $bench_log:" >&2
		tail -n 20 "$bench_log" >&2
		exit 1
	fi
	psql_bench -d postgres -c "CREATE DATABASE $bench_db"
	psql_bench -d "$bench_db" -c "CREATE EXTENSION cbl" -c "ALTER DATABASE $bench_db SET search_path = public, cbl"
}

psql_bench() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$bench_dir" -p "$bench_port" "$@"; }
