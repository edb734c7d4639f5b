#!/usr/bin/env bash
# cbl's ingest benchmark ("make bench-ingest"; not part of "make test"; it
# reports figures and never fails on one).
#
#   bash test/bench/ingest.sh                        1 000 000 events in batches of 10 000
#   BENCH_EVENTS=200000 bash test/bench/ingest.sh    a smaller stream, for a quick look
#   BENCH_BATCH=5000 bash test/bench/ingest.sh       another batch size
#   BENCH_PASS_LIMIT=900 bash test/bench/ingest.sh   let each ingest pass run longer
#   BENCH_PROFILE=6 bash test/bench/ingest.sh        log the plans and step times of batch 6
#   BENCH_PATCH=/tmp/my_change.sql bash test/bench/ingest.sh
#                                                    try changed functions: SQL run after CREATE EXTENSION
#
# What it times, in one run on one throwaway cluster (test/bench/cluster.sh):
#
#   copy        the baseline: each batch's rows as CSV (shipment reference,
#               source, event_id, milestone, classifier, occurred_at,
#               location), COPY into a temporary staging table, then INSERT
#               ... ON CONFLICT DO NOTHING into a plain table with PRIMARY KEY
#               (source, event_id), one transaction per batch: the same rows
#               and the same handling of duplicates as ingest, without
#               shipments, revisions or state
#   copy_plain  plain COPY of the same batches without their duplicates
#               straight into a table with that key, one transaction per
#               batch: the floor of any loader
#   ingest      the first pass: each batch file through
#               cbl.ingest_events(pg_read_file(file)), one transaction per
#               batch (parse, resolve shipments, classify, write cbl.event,
#               derive and store cbl.shipment_state, notify)
#   replay      the same batch files again: every element is now a duplicate
#
# Every pass runs in one psql session, as a loader would; each batch's wall
# time is clock_timestamp() after its commit minus clock_timestamp() before
# it, kept in bench_ingest.timing, and a pass's time is the sum over its
# batches.  A CHECKPOINT precedes every pass.  The data (ingest_data.sql) is
# generated once, deterministically, and written as batch files to
# .cbl/bench/ingest/ before anything is timed.  Unlike run.sh, autovacuum is
# on: cbl.event grows from empty to a million rows during the first pass, and
# ingest's plans depend on its statistics as they would in production.
#
# An ingest pass that has taken more than BENCH_PASS_LIMIT seconds (default
# 300) stops after its current batch; the report then says how many batches
# it did, compares time per element, and checks the data of those batches only
# (the replay replays the batches the first pass did).
#
# The report (ingest_report.sql) prints each pass, its ratio to the copy
# baseline, the two targets of issue 3 as PASS or MISS (first pass at most 2x
# the copy baseline; replay at least 3x faster than the first pass), and
# sanity checks: every event stored once, every shipment's state correct and
# equal to a recomputation from its events, no rejects, conflicts or pending
# events.  A MISS is a figure, not a failure: the script exits 0.  A sanity
# check that fails (WRONG) means ingest did not do its job, and the script
# exits 1.  The report stays in .cbl/bench/ingest_report.txt, every batch's
# time in .cbl/bench/ingest_batches.csv, the server log (with autovacuum's
# runs) in .cbl/bench/server.log.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

events="${BENCH_EVENTS:-1000000}"
batch="${BENCH_BATCH:-10000}"
limit="${BENCH_PASS_LIMIT:-300}"
profile="${BENCH_PROFILE:-0}"
patch="${BENCH_PATCH:-}"
case "$events$batch$limit$profile" in
*[!0-9]*) echo "cbl bench: BENCH_EVENTS, BENCH_BATCH, BENCH_PASS_LIMIT, BENCH_PROFILE and BENCH_PORT must be numbers" >&2; exit 2 ;;
esac
if [ "$events" -lt 1000 ] || [ "$batch" -lt 10 ] || [ "$batch" -gt "$events" ] ||
	[ $(((events + batch - 1) / batch)) -gt 9999 ]; then
	echo "cbl bench: BENCH_EVENTS must be at least 1000, BENCH_BATCH between 10 and BENCH_EVENTS, and at most 9999 batches" >&2
	exit 2
fi

if [ -n "$patch" ]; then
	if [ ! -f "$patch" ] || [ ! -r "$patch" ]; then
		echo "cbl bench: BENCH_PATCH: cannot read $patch" >&2
		exit 2
	fi
	patch="$(cd "$(dirname "$patch")" && pwd)/$(basename "$patch")"
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
source "$here/cluster.sh"
out="$bench_dir/ingest"
report="$bench_dir/ingest_report.txt"
mkdir -p "$out"
if [ "$(id -u)" = 0 ]; then chown postgres: "$out"; fi

# The lock table keeps its default size (max_locks_per_transaction = 64):
# ingest must fit in it whatever the batch size.
bench_cluster_start test/bench/ingest.sh <<EOF
autovacuum = on                  # see test/bench/ingest.sh
log_autovacuum_min_duration = 0  # when it ran, next to the batch times
checkpoint_timeout = 1h          # the script checkpoints before each pass
EOF

if [ -n "$patch" ]; then
	echo "cbl bench: applying BENCH_PATCH $patch"
	psql_bench -d "$bench_db" -f - <"$patch"
fi

start=$SECONDS
echo "cbl bench: generating $events events in batches of $batch and writing them to $out"
psql_bench -d "$bench_db" -v events="$events" -v batch="$batch" -v outdir="$out" -f "$here/ingest_data.sql"
read -r shipments batches < <(psql_bench -d "$bench_db" -tAF' ' -c "SELECT shipments, batches FROM bench_ingest.size")
echo "cbl bench: $shipments shipments, $batches batches, ready in $((SECONDS - start)) s"

# The timed scripts: one per pass, one block per batch.
file() { printf '%s/%s_%03d.%s' "$out" "$1" "$2" "$3"; }
{
	echo "CREATE TEMP TABLE staging (LIKE bench_ingest.event_copy) ON COMMIT DELETE ROWS;"
	for b in $(seq 1 "$batches"); do
		cat <<EOF
SELECT clock_timestamp() AS t0 \gset
BEGIN;
COPY staging FROM '$(file batch "$b" csv)' (FORMAT csv);
INSERT INTO bench_ingest.event_copy SELECT * FROM staging ON CONFLICT DO NOTHING;
COMMIT;
INSERT INTO bench_ingest.timing (pass, batch, t0, t1) VALUES ('copy', $b, :'t0', clock_timestamp());
EOF
	done
} >"$out/pass_copy.sql"
for b in $(seq 1 "$batches"); do
	cat <<EOF
SELECT clock_timestamp() AS t0 \gset
COPY bench_ingest.event_copy_nodup FROM '$(file nodup "$b" csv)' (FORMAT csv);
INSERT INTO bench_ingest.timing (pass, batch, t0, t1) VALUES ('copy_plain', $b, :'t0', clock_timestamp());
EOF
done >"$out/pass_copy_plain.sql"
# ingest_pass PASS LAST: batches 1 .. LAST through cbl.ingest_events.
ingest_pass() {
	local pass="$1" last="$2" b
	for b in $(seq 1 "$last"); do
		if [ "$b" = "$profile" ]; then
			cat <<EOF
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_nested_statements = on;
SET log_min_messages = debug1;   -- cbl's step times: "cbl ingest: <step> <wall> ms, CPU <cpu> ms"
EOF
		fi
		cat <<EOF
SELECT clock_timestamp() AS t0 \gset
SELECT r AS result FROM cbl.ingest_events(pg_read_file('$(file batch "$b" json)')) r \gset
INSERT INTO bench_ingest.timing (pass, batch, t0, t1, result) VALUES ('$pass', $b, :'t0', clock_timestamp(), :'result');
EOF
		if [ "$b" = "$profile" ]; then
			echo "SET auto_explain.log_min_duration = -1;"
			echo "RESET log_min_messages;"
		fi
		cat <<EOF
SELECT sum(t1 - t0) > interval '$limit s' AS over FROM bench_ingest.timing WHERE pass = '$pass' \gset
\if :over
\! cut -d' ' -f14,15 /proc/\$BENCH_PID/stat > '$out/cpu_end'
\q
\endif
EOF
	done >"$out/pass_$pass.sql"
}

for pass in copy copy_plain ingest replay; do
	case "$pass" in
	ingest) ingest_pass ingest "$batches" ;;
	replay) ingest_pass replay "$(psql_bench -d "$bench_db" -tAc "SELECT count(*) FROM bench_ingest.timing WHERE pass = 'ingest'")" ;;
	esac
	psql_bench -d "$bench_db" -c CHECKPOINT
	start=$SECONDS
	printf '  %-11s' "$pass"
	# the pass's server process CPU time: /proc/<pid>/stat fields 14, 15 (ticks)
	{
		echo "SELECT pg_backend_pid() AS bench_pid \gset"
		echo "\\setenv BENCH_PID :bench_pid"
		echo "\\! cut -d' ' -f14,15 /proc/\$BENCH_PID/stat > '$out/cpu_start'"
		cat "$out/pass_$pass.sql"
		echo "\\! cut -d' ' -f14,15 /proc/\$BENCH_PID/stat > '$out/cpu_end'"
	} >"$out/run_$pass.sql"
	psql_bench -d "$bench_db" -f "$out/run_$pass.sql" >/dev/null
	read -r u0 s0 <"$out/cpu_start"
	read -r u1 s1 <"$out/cpu_end"
	psql_bench -d "$bench_db" -c "INSERT INTO bench_ingest.cpu VALUES ('$pass', ($u1 + $s1 - $u0 - $s0)::numeric / $(getconf CLK_TCK))"
	printf ' %4d s' "$((SECONDS - start))"
	done_batches="$(psql_bench -d "$bench_db" -tAc "SELECT count(*) FROM bench_ingest.timing WHERE pass = '$pass'")"
	if [ "$done_batches" != "$batches" ]; then
		printf '   (%d of %d batches: over BENCH_PASS_LIMIT=%d s)' "$done_batches" "$batches" "$limit"
	fi
	echo
	if [ "$pass" = copy_plain ]; then
		# the baseline tables are done with: their autovacuum must not run during ingest
		psql_bench -d "$bench_db" -c "VACUUM ANALYZE bench_ingest.event_copy, bench_ingest.event_copy_nodup"
	fi
done
if [ "$profile" != 0 ]; then
	echo "cbl bench: the plans and step times of batch $profile of the first pass and of the replay are in $bench_log"
fi

{
	echo
	echo "cbl ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, PostgreSQL $("$PG_CONFIG" --version | sed 's/^PostgreSQL //')"
	echo "$events events of $shipments shipments in $batches batches of $batch; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ -n "$patch" ]; then
		echo "BENCH_PATCH: $patch was applied after CREATE EXTENSION cbl: these are not the figures of cbl as installed"
	fi
	if [ "$profile" != 0 ]; then
		echo "BENCH_PROFILE: batch $profile of the first pass and of the replay ran under auto_explain (log_analyze): their times are inflated"
	fi
	psql_bench -d "$bench_db" -v limit="$limit" -f "$here/ingest_report.sql"
} | tee "$report"
# Every batch's time, for a closer look (compare with autovacuum in the server log).
psql_bench -d "$bench_db" -c "COPY (SELECT pass, batch, t0, t1, round(extract(epoch FROM t1 - t0) * 1000, 1) AS ms, (result).* FROM bench_ingest.timing ORDER BY t0) TO STDOUT WITH (FORMAT csv, HEADER)" >"$bench_dir/ingest_batches.csv"
echo "cbl bench: report in $report, every batch's time in $bench_dir/ingest_batches.csv; stopping the cluster"
if grep -q 'WRONG' "$report"; then
	echo "cbl bench: a sanity check failed (WRONG above): the figures do not describe a correct ingest" >&2
	exit 1
fi
