#!/usr/bin/env bash
# Interleaved A/B of ingest ("make bench-ingest-ab REV=..."; not part of
# "make test"; it reports figures and never fails on one).
#
#   bash test/bench/ingest_ab.sh REV                        REV (a commit) against the working tree
#   BENCH_EVENTS=300000 bash test/bench/ingest_ab.sh REV    the stream's size (300 000)
#   BENCH_ROUNDS=3 bash test/bench/ingest_ab.sh REV         replays of the stream (2)
#
# Why: on a shared machine the time of a whole run moves by 20 % and more
# with what else runs, so two runs of make bench-ingest, one per build,
# cannot show a change of a few percent.  Here both builds run side by side,
# each on its own throwaway cluster with the same data (ingest_data.sql),
# and every batch goes to one and at once to the other (alternating which
# goes first): whatever else the machine does falls on both alike.
#
# Each batch runs in its own psql session with log_min_messages = debug1,
# and the figures are ingest's own step times ("cbl ingest: <step> <wall>
# ms, CPU <cpu> ms", event_ingest.c), summed per step: the CPU of the
# server process inside cbl.ingest_events, without connecting and reading
# the file.  The first pass is interleaved too.  The report gives, per
# build, CPU ms per batch of each step and in all, for the first pass and
# the replay, and each build's replay against its first pass (issue 3's
# targets are on the wall time of make bench-ingest; this is for comparing
# builds).
#
# REV is built from a git worktree, and each build is installed into its own
# copy of PostgreSQL's program, library and share folders, all under
# .cbl/ab/: the installed cbl is not touched.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../tools/pg-env.sh"

rev="${1:-}"
events="${BENCH_EVENTS:-300000}"
rounds="${BENCH_ROUNDS:-2}"
if [ -z "$rev" ] || ! git -C "$CBL_ROOT" rev-parse --verify -q "$rev^{commit}" >/dev/null; then
	echo "usage: $0 REV (a commit to compare the working tree with)" >&2
	exit 2
fi
case "$events$rounds" in
*[!0-9]*) echo "cbl bench: BENCH_EVENTS and BENCH_ROUNDS must be numbers" >&2; exit 2 ;;
esac
if [ "$events" -lt 10000 ] || [ "$events" -gt 9990000 ] || [ "$rounds" -lt 1 ]; then
	echo "cbl bench: BENCH_EVENTS must be from 10 000 to 9 990 000, BENCH_ROUNDS at least 1" >&2
	exit 2
fi
batches=$(((events + 9999) / 10000))

# One A/B at a time: a second would delete the first one's clusters.
mkdir -p "$CBL_ROOT/.cbl"
exec 9>"$CBL_ROOT/.cbl/ab.lock"
if ! flock -n 9; then
	echo "cbl bench: another A/B run holds $CBL_ROOT/.cbl/ab.lock" >&2
	exit 1
fi
ab="$(scratch_dir ab)"
log="$ab/report.txt"

# build NAME SRC: SRC built and installed into a copy of PostgreSQL under
# $ab/pg-NAME.  PostgreSQL finds its library and share folders relative to
# its programs, so the copy's pg_config installs into the copy.
pg_top="$(cd "$("$PG_CONFIG" --bindir)/.." && pwd)"    # /usr/lib/postgresql/15 on Debian
pg_share="$("$PG_CONFIG" --sharedir)"
pg_include="$(dirname "$("$PG_CONFIG" --includedir)")" # /usr/include
build() {
	local src="$2" pg="$ab/pg-$1"
	mkdir -p "$pg$pg_top" "$pg$pg_share" "$(dirname "$pg$pg_include")"
	cp -a "$pg_top/." "$pg$pg_top/"
	cp -a "$pg_share/." "$pg$pg_share/"
	ln -sfn "$pg_include" "$pg$pg_include"
	make -C "$src" -s -j"$(nproc)" PG_CONFIG="$pg$pg_top/bin/pg_config" >/dev/null
	make -C "$src" -s install PG_CONFIG="$pg$pg_top/bin/pg_config" >/dev/null
}
bin() { echo "$ab/pg-$1$pg_top/bin"; }
port() { case "$1" in old) echo 5486 ;; *) echo 5487 ;; esac; }
stop() {
	local name
	for name in old new; do
		if [ -f "$ab/data-$name/postmaster.pid" ]; then
			as_pg "$(bin "$name")/pg_ctl" -D "$ab/data-$name" -m fast -w stop >/dev/null 2>&1 || true
		fi
	done
	git -C "$CBL_ROOT" worktree remove --force "$ab/src-old" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "cbl bench: building $rev and the working tree into $ab"
git -C "$CBL_ROOT" worktree add -q --detach "$ab/src-old" "$rev"
build old "$ab/src-old"
build new "$CBL_ROOT"
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$ab"; fi

# start NAME: a throwaway cluster run by the copy's programs
start() {
	local name="$1" data="$ab/data-$1"
	as_pg "$(bin "$name")/initdb" -D "$data" -E UTF8 --locale=C --auth-local=peer --auth-host=reject >/dev/null
	printf '%s\n' "listen_addresses = ''" "port = $(port "$name")" "unix_socket_directories = '$ab'" \
		"shared_buffers = 512MB" "jit = off" "autovacuum = off" "fsync = off" "synchronous_commit = off" \
		"full_page_writes = off" "max_wal_size = 4GB" | as_pg tee -a "$data/postgresql.conf" >/dev/null
	as_pg "$(bin "$name")/pg_ctl" -D "$data" -l "$ab/server-$name.log" -w start >/dev/null
}
P() {
	local name="$1"
	shift
	as_pg "$(bin "$name")/psql" -X -q -v ON_ERROR_STOP=1 -h "$ab" -p "$(port "$name")" "$@"
}

out="$ab/batches"
as_pg mkdir -p "$out"
for name in old new; do
	start "$name"
	P "$name" -d postgres -c "CREATE DATABASE ab"
	P "$name" -d ab -c "CREATE EXTENSION cbl" -c "ALTER DATABASE ab SET search_path = public, cbl"
	# the same data in both (ingest_data.sql is deterministic); the second writes the same batch files again
	P "$name" -d ab -v events="$events" -v batch=10000 -v outdir="$out" -f "$here/ingest_data.sql" >/dev/null
done
echo "cbl bench: $events events in $batches batches: the first pass, then $rounds replay(s), each batch to both builds in turn"

# both BATCH K: the batch to both builds, which first alternating with BATCH + K
both() {
	local q
	q="SET log_min_messages = debug1; SELECT * FROM cbl.ingest_events(pg_read_file('$(printf '%s/batch_%03d.json' "$out" "$1")'));"
	if [ $((($1 + $2) % 2)) = 0 ]; then
		P old -d ab -c "$q" >/dev/null
		P new -d ab -c "$q" >/dev/null
	else
		P new -d ab -c "$q" >/dev/null
		P old -d ab -c "$q" >/dev/null
	fi
}
# mark PASS: a line in both server logs; the step lines after it are that pass's
mark() { for name in old new; do echo "cbl-ab: $1" | as_pg tee -a "$ab/server-$name.log" >/dev/null; done; }
mark first
for b in $(seq 1 "$batches"); do both "$b" 0; done
mark replay
for k in $(seq 1 "$rounds"); do
	for b in $(seq 1 "$batches"); do both "$b" "$k"; done
done

# CPU ms per batch of each step, per build and pass; then old against new
steps() {
	awk -v name="$1" -v nf="$batches" -v nr="$((batches * rounds))" '
		/^cbl-ab: / { pass = $2; next }
		/cbl ingest:/ && pass != "" {
			sub(/.*cbl ingest: */, "")
			t[pass, $1] += $(NF - 1); tot[pass] += $(NF - 1); seen[$1] = 1
		}
		END {
			for (s in seen) printf "%s %s %.2f %.2f\n", name, s, t["first", s] / nf, t["replay", s] / nr
			printf "%s ~total %.2f %.2f\n", name, tot["first"] / nf, tot["replay"] / nr
		}' "$ab/server-$1.log"
}
table() {
	LC_ALL=C sort -k2,2 | awk '
		{ f[$1, $2] = $3; r[$1, $2] = $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
		function q(a, b) { return a > 0 ? sprintf("%.3f", b / a) : "-" }
		END {
			printf "%-12s %9s %9s %8s   %9s %9s %8s\n", "CPU ms/batch", "old first", "new first", "new/old", "old rep.", "new rep.", "new/old"
			for (i = 1; i <= n; i++) {
				s = order[i]
				printf "%-12s %9.1f %9.1f %8s   %9.1f %9.1f %8s\n", s == "~total" ? "total" : s,
				       f["old", s], f["new", s], q(f["old", s], f["new", s]), r["old", s], r["new", s], q(r["old", s], r["new", s])
			}
			printf "\nreplay faster than the first pass, in CPU: old %.2fx, new %.2fx\n",
			       f["old", "~total"] / r["old", "~total"], f["new", "~total"] / r["new", "~total"]
		}'
}
{
	echo "cbl ingest A/B, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; old: $rev ($(git -C "$CBL_ROOT" rev-parse --short "$rev^{commit}")), new: the working tree ($(git -C "$CBL_ROOT" rev-parse --short HEAD)$(git -C "$CBL_ROOT" diff --quiet HEAD -- src sql || echo ' with changes'))"
	echo "$events events, $batches batches of 10 000, replayed $rounds time(s); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	{ steps old; steps new; } | table
} | tee "$log"
echo "cbl bench: report in $log"
