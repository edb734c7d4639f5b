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

# CBL_STATE: where clusters and scratch copies live, normally .cbl/ in the
# checkout (git-ignored).  When the checkout sits below a folder the postgres
# user cannot enter (a clone under /root, say), it moves to a folder of its
# own under /var/tmp, and .cbl becomes a link to it so it is still found there.
CBL_STATE="$CBL_ROOT/.cbl"
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 &&
	! runuser -u postgres -- test -x "$CBL_ROOT" 2>/dev/null; then
	CBL_STATE="/var/tmp/cbl-$(printf '%s' "$CBL_ROOT" | cksum | cut -d' ' -f1)"
	mkdir -p "$CBL_STATE"
	chmod 755 "$CBL_STATE"
	if [ ! -L "$CBL_ROOT/.cbl" ]; then
		rm -rf "$CBL_ROOT/.cbl"
		ln -s "$CBL_STATE" "$CBL_ROOT/.cbl"
	fi
fi

# scratch_dir NAME: a fresh folder $CBL_STATE/NAME owned by the cluster's OS user.
scratch_dir() {
	local d="$CBL_STATE/$1"
	mkdir -p "$CBL_STATE"
	rm -rf "$d"
	mkdir -p "$d"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$CBL_STATE"
		chown -R postgres: "$d"
	fi
	echo "$d"
}
