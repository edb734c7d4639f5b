#!/usr/bin/env bash
# Install the Debian 12 packages cbl needs to build, test and demo.
# Idempotent and fast: asks dpkg what is missing and runs apt-get (update,
# then install) only when something is.  As a non-root user it prints the
# sudo line to run and exits 1.
set -euo pipefail

packages=(
	make gcc pkg-config
	postgresql-15 postgresql-server-dev-15 postgresql-15-cron postgresql-15-pgtap
	libjansson-dev
	perl libipc-run-perl     # prove, PostgreSQL::Test::Cluster (TAP tests)
	clang libclang-rt-14-dev # libFuzzer and sanitizer runtimes (fuzz targets)
	default-jdk-headless libpostgresql-jdbc-java # the JDBC test of the BI views (test/jdbc)
)

missing=()
for p in "${packages[@]}"; do
	status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "cbl: missing Debian packages: ${missing[*]}" >&2
	echo "cbl: install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "cbl: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
# Installing postgresql-15 creates and starts the stock 15/main cluster on
# port 5432.  cbl never uses it: every cluster we run is private, under .cbl/,
# on a Unix socket of its own.
