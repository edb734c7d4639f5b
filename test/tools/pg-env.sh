# Sourced by cbl's scripts: where PostgreSQL is, and how to run as its user.
# PostgreSQL refuses to run as root, so as root every server-side step runs as
# the "postgres" OS user, in scratch folders that user owns under .cbl/.

CBL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_CONFIG="${PG_CONFIG:-pg_config}"
PG_BINDIR="$("$PG_CONFIG" --bindir)"
PG_PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"
PG_REGRESS="$PG_PKGLIBDIR/pgxs/src/test/regress/pg_regress"
PG_ISOLATION_REGRESS="$PG_PKGLIBDIR/pgxs/src/test/isolation/pg_isolation_regress"
export PATH="$PG_BINDIR:$PATH"

if [ "$(id -u)" = 0 ]; then
	CBL_RUN_USER=postgres
else
	CBL_RUN_USER="$(id -un)"
fi

# as_pg CMD...: run CMD as the cluster's OS user (postgres when we are root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- env PATH="$PATH" "$@"
	else
		"$@"
	fi
}

# scratch_dir NAME: a fresh folder .cbl/NAME owned by the cluster's OS user.
scratch_dir() {
	local d="$CBL_ROOT/.cbl/$1"
	mkdir -p "$CBL_ROOT/.cbl"
	rm -rf "$d"
	mkdir -p "$d"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$CBL_ROOT/.cbl"
		chown -R postgres: "$d"
	fi
	echo "$d"
}
