#!/usr/bin/env bash
# cbl's demo on a private cluster ("make demo"; "make demo-stop" stops it).
#
#   bash test/demo/demo.sh          set up, start, (re)install cbl, run demo.sql
#   bash test/demo/demo.sh stop     stop the demo cluster (fine if not running)
#
# The cluster lives in .cbl/demo/ (git-ignored): data in .cbl/demo/data, log
# in .cbl/demo/server.log, and a Unix socket in .cbl/demo itself.  It listens
# on no TCP address; the port number 5499 only names the socket, so it never
# meets the stock cluster on 5432.  pg_cron is preloaded for database
# cbl_demo.  Running it again keeps the cluster and rebuilds the demo data.
# Expects cbl built and installed ("make demo" does both).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/pg-env.sh"

demo="$CBL_STATE/demo"
data="$demo/data"
log="$demo/server.log"
port=5499
db=cbl_demo

running() {
	[ -f "$data/PG_VERSION" ] && as_pg pg_ctl -D "$data" status >/dev/null 2>&1
}

if [ "${1:-}" = stop ]; then
	if running; then
		as_pg pg_ctl -D "$data" -m fast -w stop >/dev/null
		echo "cbl demo: stopped the cluster in $data"
	else
		echo "cbl demo: not running"
	fi
	exit 0
elif [ $# -gt 0 ]; then
	echo "usage: $0 [stop]" >&2
	exit 2
fi

# A folder the server's OS user owns, kept between runs (not a scratch_dir).
mkdir -p "$demo"
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$CBL_STATE" "$demo"
fi
chmod 0755 "$demo"

if [ ! -f "$data/PG_VERSION" ]; then
	echo "cbl demo: creating a cluster in $data"
	rm -rf "$data"
	as_pg initdb -D "$data" -E UTF8 --locale=C --auth-local=peer --auth-host=reject >"$demo/initdb.log" 2>&1 || {
		cat "$demo/initdb.log" >&2
		exit 1
	}
	# Single quotes inside a path would need doubling in postgresql.conf.
	sock="${demo//\'/\'\'}"
	as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# ---- cbl demo settings (test/demo/demo.sh) ----
listen_addresses = ''                  # Unix socket only
port = $port                           # names the socket file only
unix_socket_directories = '$sock'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$db'
cron.host = '$sock'                    # pg_cron's jobs connect over the socket
EOF
fi

if ! running; then
	echo "cbl demo: starting the cluster (log: $log)"
	if ! as_pg pg_ctl -D "$data" -l "$log" -w start >/dev/null; then
		echo "cbl demo: the server did not start; last lines of $log:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
fi

psql_demo() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$demo" -p "$port" "$@"; }

if [ "$(psql_demo -d postgres -tAc "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 0 ]; then
	psql_demo -d postgres -c "CREATE DATABASE $db"
fi

echo "cbl demo: (re)installing cbl in database $db"
psql_demo -d "$db" <<'EOF'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
DROP EXTENSION IF EXISTS cbl CASCADE;
DROP SCHEMA IF EXISTS demo CASCADE;
CREATE EXTENSION cbl;
EOF
# Sessions opened later (the psql line printed below) see what demo.sql sees.
psql_demo -d "$db" -c "ALTER DATABASE $db SET search_path = demo, public, cbl"

# Read through stdin so that notices print without a file:line prefix.
psql_demo -d "$db" <"$CBL_ROOT/test/demo/demo.sql"
# A day of milestone events, exceptions and the BI views.
psql_demo -d "$db" <"$CBL_ROOT/test/demo/milestones.sql"
# Customs: sample import rules and tariff lines, then a duty quote.
psql_demo -d "$db" -q <"$CBL_ROOT/test/fixtures/customs_sample.sql" >/dev/null
psql_demo -d "$db" <"$CBL_ROOT/test/demo/customs.sql"
# Rating: an express sell card, and the day's parcels priced with it.
psql_demo -d "$db" -q <"$CBL_ROOT/test/fixtures/rate_card_exp_de.sql" >/dev/null
psql_demo -d "$db" <"$CBL_ROOT/test/demo/rating.sql"
# Carrier formats: one fixture of each format, ingested as sent (formats.sql
# reads the files from the folder given as the psql variable "dir").
echo
echo "cbl demo: carrier formats (fixtures from test/fixtures/formats)"
psql_demo -d "$db" -v dir="$CBL_ROOT/test/fixtures/formats" <"$CBL_ROOT/test/demo/formats.sql"
# Money: a month of charges, a re-weigh, carrier invoices reconciled, margin.
echo
echo "cbl demo: a month in money (charges, reconciliation, margin, KPIs)"
psql_demo -d "$db" <"$CBL_ROOT/test/demo/money.sql"

if [ "$(id -u)" = 0 ]; then
	connect="runuser -u postgres -- psql -h $demo -p $port $db"
else
	connect="psql -h $demo -p $port $db"
fi
cat <<EOF

------------------------------------------------------------------------
The demo database is running.  Look around with:

    $connect

(tables in schema demo, cbl's own in schema cbl).  Stop the cluster with

    make demo-stop

and run "make demo" again at any time to rebuild the demo data.
------------------------------------------------------------------------
EOF
