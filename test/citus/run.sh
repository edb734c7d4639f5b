#!/usr/bin/env bash
# cbl on a Citus cluster (docs/scaling.md, "Citus"), where Citus is installed:
#
#   bash test/citus/run.sh
#
# Sets up, in a scratch folder under .cbl/, a coordinator and two workers on
# loopback ports, plus one plain single node; loads the same demo database
# into the coordinator and the single node; distributes the coordinator's
# with test/citus/distribute.sql (the commands docs/scaling.md gives); then
# runs test/citus/checks.sql (ingest, settlement, the views) on both and
# compares the outputs.  Prints "citus ... ok" or "citus ... FAILED" (with
# the difference), or "SKIP: ..." and exits 0 where Citus is not installed
# for the server that PG_CONFIG names.  As root, the servers run as the
# postgres OS user, like the rest of the suite (test/tools/pg-env.sh).
#
# CBL_CITUS_PORT: the first of the four ports used (default 55440).
# CBL_CITUS_PLAIN_ONLY=1: only the single node (to try the script where
# Citus is missing; it then prints the single node's output).
set -euo pipefail
# shellcheck source=test/tools/pg-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/pg-env.sh"
cd "$CBL_ROOT"

sharedir="$("$PG_CONFIG" --sharedir)"
if [ "${CBL_CITUS_PLAIN_ONLY:-}" != 1 ] &&
	{ [ ! -f "$PG_PKGLIBDIR/citus.so" ] || [ ! -f "$sharedir/extension/citus.control" ]; }; then
	echo "SKIP: Citus is not installed for this server ($PG_PKGLIBDIR/citus.so or $sharedir/extension/citus.control missing); test/citus/run.sh needs it (docs/scaling.md, \"Citus\")"
	exit 0
fi
if [ ! -f "$PG_PKGLIBDIR/pg_cron.so" ]; then
	echo "SKIP: pg_cron is not installed for this server; the demo that test/citus/run.sh loads needs it"
	exit 0
fi

work="$(scratch_dir citus)"
# The scripts, where the server's OS user can read them.
mkdir -p "$work/tree/test"
cp -R test/demo test/fixtures test/citus "$work/tree/test/"
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$work"; fi
cd "$work/tree"
port="${CBL_CITUS_PORT:-55440}"
nodes=(single coordinator worker1 worker2)
declare -A node_port=([single]=$port [coordinator]=$((port + 1)) [worker1]=$((port + 2)) [worker2]=$((port + 3)))

stop_all() {
	local n
	for n in "${nodes[@]}"; do
		if [ -f "$work/$n/postmaster.pid" ]; then
			as_pg pg_ctl stop -D "$work/$n" -m fast >/dev/null 2>&1 || true
		fi
	done
}
trap stop_all EXIT
# A step that fails (set -e) says so in the form run-tests.sh counts.
set -E
trap 'echo "citus ... FAILED: the command at line $LINENO of test/citus/run.sh failed; logs in $work"' ERR

# psql_node NODE DB ARG...: psql as the cluster's user, stopping at the first error.
psql_node() {
	local n="$1" db="$2"
	shift 2
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${node_port[$n]}" -d "$db" "$@"
}

# start_node NODE PRELOAD: a fresh cluster listening on 127.0.0.1 only.
start_node() {
	local n="$1" preload="$2"
	as_pg initdb -D "$work/$n" -A trust -U postgres >"$work/$n.initdb.log" 2>&1
	cat >>"$work/$n/postgresql.conf" <<-EOF
		port = ${node_port[$n]}
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$work'
		shared_preload_libraries = '$preload'
		cron.database_name = 'cbl'
		max_connections = 100
		max_prepared_transactions = 100
	EOF
	as_pg pg_ctl start -w -D "$work/$n" -l "$work/$n.log" >/dev/null
	psql_node "$n" postgres -c 'CREATE DATABASE cbl'
}

# The demo, in the order of test/demo/demo.sh (as test/t/013_dump_restore_all.pl loads it).
load_demo() {
	local n="$1" f
	{
		for f in test/demo/demo.sql test/demo/milestones.sql test/fixtures/customs_sample.sql \
			test/demo/customs.sql test/fixtures/rate_card_exp_de.sql test/demo/rating.sql; do
			psql_node "$n" cbl -f "$f"
		done
		psql_node "$n" cbl -v dir="$work/tree/test/fixtures/formats" -f test/demo/formats.sql
		psql_node "$n" cbl -f test/demo/money.sql
		# The demo's own tables (schema demo) refer to cbl's: they would be
		# dragged into Citus's metadata; checks.sql does not use them.
		psql_node "$n" cbl -c 'DROP SCHEMA demo CASCADE'
	} >>"$work/$n.demo.log" 2>&1
}

# The reference: one plain node.
start_node single pg_cron
psql_node single cbl -c 'CREATE EXTENSION pg_cron' -c 'CREATE EXTENSION cbl'
load_demo single
psql_node single cbl -f test/citus/checks.sql >"$work/single.out"
if [ "${CBL_CITUS_PLAIN_ONLY:-}" = 1 ]; then
	cat "$work/single.out"
	echo "citus ... plain node only (CBL_CITUS_PLAIN_ONLY=1): $work/single.out"
	exit 0
fi

# The cluster: Citus first in shared_preload_libraries (it says so when not).
for n in coordinator worker1 worker2; do
	start_node "$n" citus,pg_cron
done
for n in worker1 worker2; do
	psql_node "$n" cbl -c 'CREATE EXTENSION citus' -c 'CREATE EXTENSION cbl'
done
psql_node coordinator cbl -c 'CREATE EXTENSION citus' -c 'CREATE EXTENSION pg_cron' -c 'CREATE EXTENSION cbl'
psql_node coordinator cbl \
	-c "SELECT citus_set_coordinator_host('127.0.0.1', ${node_port[coordinator]})" \
	-c "SELECT citus_add_node('127.0.0.1', ${node_port[worker1]})" \
	-c "SELECT citus_add_node('127.0.0.1', ${node_port[worker2]})" >/dev/null
load_demo coordinator
psql_node coordinator cbl -1 -f test/citus/distribute.sql >"$work/distribute.log"
psql_node coordinator cbl -c 'SELECT table_name, citus_table_type, distribution_column, colocation_id FROM citus_tables ORDER BY 1' \
	>"$work/citus_tables.out"
psql_node coordinator cbl -f test/citus/checks.sql >"$work/coordinator.out"

if diff -u "$work/single.out" "$work/coordinator.out" >"$work/citus.diff"; then
	echo "citus ... ok (checks.sql gives the same on the cluster as on a single node; $work)"
else
	echo "citus ... FAILED: checks.sql differs between a single node and the cluster:"
	cat "$work/citus.diff"
	exit 1
fi
