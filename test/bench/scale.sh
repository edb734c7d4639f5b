#!/usr/bin/env bash
# cbl's scale benchmark ("make bench-scale"; not part of "make test"; it
# reports figures and never fails on one).  Issue 8: does the cost per row
# stay flat as the tables grow, and does a single shipment's status stay
# under a millisecond?
#
#   bash test/bench/scale.sh                                    1, 2, 4 and 8 million shipments
#   BENCH_SCALE_SIZES="10000 20000 40000 80000" bash test/bench/scale.sh
#                                                               the same shape, small, for a quick look
#   BENCH_SCALE_BATCH=5000 bash test/bench/scale.sh             another ingest batch size (10 000)
#   BENCH_SCALE_SAMPLES=50 bash test/bench/scale.sh             shipments looked up per size and form (200)
#   BENCH_SCALE_BILLING=bulk bash test/bench/scale.sh           no billing triggers: the charges written
#                                                               set-based after ingest (step "charges")
#   BENCH_SCALE_QUERY_LIMIT=600 bash test/bench/scale.sh        cancel kpi and kpi_fx after 600 s (1800)
#   BENCH_PATCH=/tmp/my_change.sql bash test/bench/scale.sh     SQL run after CREATE EXTENSION (an index to try ...)
#   BENCH_SCALE_SHARED_BUFFERS=8GB bash test/bench/scale.sh    shared buffers of the cluster (512MB); sized
#                                                               to the look-ups' hot set (about 1.7 kB a
#                                                               shipment), the cached pass reads it into them
#
# One database grows step by step: the first size, then shipments added to
# reach each next size (never regenerated).  The first size is one month
# of shipments, and every size must be a whole number of such months
# (scale_data.sql: each shipment's events fall in its month), so a step
# adds whole months: 1M (January 2024), +1M (February), +2M (March, April),
# +4M (May - August).  At each size the script measures, on the increment:
#
#   shipments  (generator, for information) the new shipments, their
#              references and rating inputs, inserted set-based as
#              cbl.create_shipment and cbl.set_rating_input write them
#   ingest     their events, about 10.5 canonical JSON elements per shipment
#              (two frameworks, three sources, an estimate, 5 % sent
#              twice), through cbl.ingest_events in batches of
#              BENCH_SCALE_BATCH, one transaction each, in arrival order; the
#              billing triggers accrue 5 charges per shipment inside ingest
#              (rate cards, docs/billing.md), so this is ingest with billing
#   charges    only with BENCH_SCALE_BILLING=bulk: the same 5 charges per
#              shipment, one INSERT ... SELECT per month
#   settle     SELECT count(*) FROM cbl.settle(month) for each new month, in
#              order, one transaction each; rows: the charges settled
#   kpi        EXPLAIN ANALYZE of SELECT * FROM cbl.v_kpi_monthly WHERE
#              month = the newest month; rows: that month's shipments (the
#              report is in EUR, the charges' currency: no conversion)
#   kpi_fx     the conversion the KPI view makes per charge when the
#              reporting currency differs (USD): cbl.v_charge over the
#              charges of 20 shipments of the newest month
#   lookups    EXPLAIN (ANALYZE, BUFFERS) of the status of one shipment, for
#              BENCH_SCALE_SAMPLES shipments drawn from all of them: the
#              executor time of each (median and max reported; the target is
#              < 1 ms), the buffers, the indexes in the plan, and the plan of
#              the first, in four forms: cbl.v_shipment_status by reference;
#              the same by tracking number through cbl.find_shipment; the
#              same through cbl.reference_lookup; cbl.v_timeline through
#              cbl.reference_lookup; in two passes, each form and pass on
#              its own shipments: 'cold', right after settlement, and
#              'cached', after pg_prewarm has read the look-ups' hot set
#              (the shipments, their state, the look-up and event keys)
#              into shared buffers if it fits in them, else into the page
#              cache, as a machine whose RAM holds it would have it
#              (scale_data.sql, bench_scale.prewarm)
#
# The report (scale_report.sql) prints, per step and size: rows, seconds,
# microseconds per row and its ratio to the first size (target: within 1.5x
# from the first size to the last, PASS or MISS); the lookups' median and
# max (target < 1 ms, PASS or MISS); the index scans of each phase
# (pg_stat_user_indexes, taken after each phase's session ended) with every
# cbl index's size, so that an index no measured query uses shows; the size
# of every big table per shipment; the load.  A MISS is a figure, not a
# failure: the script exits 0.  It exits 1 only when a sanity check fails
# (WRONG: events rejected or pending, charges missing or not settled): the
# figures would not describe the work.  The report stays in
# .cbl/bench/scale_report.txt, the plans of the lookups and of kpi in
# .cbl/bench/scale_plans.txt, every batch's time in
# .cbl/bench/scale_batches.csv.
#
# Disk and time.  Measured at 10 000 - 80 000 shipments (docs/performance.md,
# Scale): 8.8 kB of database per shipment (cbl.charge 3.1 kB: 5 charges and
# their 8 indexes; cbl.event 2.4 kB: 10 events; statement lines 1.0 kB; the
# state 0.75 kB; references 0.75 kB; billing accruals 0.37 kB), so
# 8M shipments with 84M events and 40M charges take about 70 GB, plus WAL
# (max_wal_size 8 GB), in .cbl/bench/ of the worktree: check `df -h .`
# first.  At the rates measured on a loaded 2-CPU machine (ingest with
# billing 350 us an element, settlement 400 us a charge) the 8M run needs
# about 8 hours of ingest and 4.5 of settlement; kpi grew with the whole
# database before 0.2.0 (hours at 8M; cut at BENCH_SCALE_QUERY_LIMIT) and
# now reads the month's rows only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

sizes="${BENCH_SCALE_SIZES:-1000000 2000000 4000000 8000000}"
batch="${BENCH_SCALE_BATCH:-10000}"
samples="${BENCH_SCALE_SAMPLES:-200}"
billing="${BENCH_SCALE_BILLING:-triggers}"
limit="${BENCH_SCALE_QUERY_LIMIT:-1800}"
patch="${BENCH_PATCH:-}"
shared_buffers="${BENCH_SCALE_SHARED_BUFFERS:-512MB}"
if ! [[ "$shared_buffers" =~ ^[1-9][0-9]*(MB|GB)$ ]]; then
	echo "cbl bench: BENCH_SCALE_SHARED_BUFFERS must be a size in MB or GB, such as 512MB or 8GB" >&2
	exit 2
fi
case "$batch$samples$limit${sizes// /}" in
*[!0-9]*) echo "cbl bench: BENCH_SCALE_SIZES (numbers separated by spaces), BENCH_SCALE_BATCH, BENCH_SCALE_SAMPLES and BENCH_SCALE_QUERY_LIMIT must be numbers" >&2; exit 2 ;;
esac
case "$billing" in
triggers | bulk) ;;
*) echo "cbl bench: BENCH_SCALE_BILLING must be triggers or bulk" >&2; exit 2 ;;
esac
read -r -a size_list <<<"$sizes"
first="${size_list[0]:-0}"
if [ "$first" -lt 1000 ] || [ "$batch" -lt 100 ] || [ "$samples" -lt 1 ]; then
	echo "cbl bench: the first size must be at least 1000 shipments, BENCH_SCALE_BATCH at least 100, BENCH_SCALE_SAMPLES at least 1" >&2
	exit 2
fi
prev=0
for s in "${size_list[@]}"; do
	if [ "$s" -le "$prev" ] || [ $((s % first)) -ne 0 ] || [ $((s / first)) -gt 34 ]; then
		echo "cbl bench: BENCH_SCALE_SIZES must grow, each a multiple of the first (a month of shipments), at most 34 times it (months up to October 2026)" >&2
		exit 2
	fi
	prev="$s"
done
if [ -n "$patch" ]; then
	if [ ! -f "$patch" ] || [ ! -r "$patch" ]; then
		echo "cbl bench: BENCH_PATCH: cannot read $patch" >&2
		exit 2
	fi
	patch="$(cd "$(dirname "$patch")" && pwd)/$(basename "$patch")"
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
source "$here/cluster.sh"
report="$bench_dir/scale_report.txt"

# Autovacuum on, as in production and as in the ingest benchmark: the
# tables grow during the run and the plans depend on their statistics.
bench_cluster_start test/bench/scale.sh <<EOF
autovacuum = on                  # see test/bench/scale.sh
log_autovacuum_min_duration = 0  # when it ran, next to the batch times
checkpoint_timeout = 1h
max_wal_size = 8GB
shared_buffers = $shared_buffers
EOF
if [ -n "$patch" ]; then
	echo "cbl bench: applying BENCH_PATCH $patch"
	psql_bench -d "$bench_db" -f - <"$patch"
fi

psql_bench -d "$bench_db" -v month_size="$first" -v batch="$batch" -v samples="$samples" -v billing="$billing" -f "$here/scale_data.sql"
echo "cbl bench: sizes $sizes (a month = $first shipments), batches of $batch, $samples lookups per size"

q() { psql_bench -d "$bench_db" -tAc "$1"; }
snapshot() { sleep 1; q "CALL bench_scale.snapshot($1, '$2')" >/dev/null; }
# timed STEP WHAT DETAIL ROWS-SQL SQL: one transaction, timed from before it
# to after its commit, then the rows it did (a query run afterwards)
timed() {
	psql_bench -d "$bench_db" >/dev/null <<EOF
SET timezone = 'UTC';
SELECT clock_timestamp() AS t0 \gset
BEGIN;
$5
COMMIT;
SELECT extract(epoch FROM clock_timestamp() - :'t0') AS secs \gset
INSERT INTO bench_scale.timing VALUES ($1, '$2', '$3', ($4), :secs);
EOF
}

prev=0
step=0
for size in "${size_list[@]}"; do
	step=$((step + 1))
	m0=$((prev / first))
	m1=$((size / first))
	q "INSERT INTO bench_scale.step_size (step, size, g0, load_before, started_at) VALUES ($step, $size, $prev, '$(cut -d' ' -f1-3 /proc/loadavg)', clock_timestamp())" >/dev/null
	echo "cbl bench: step $step: $prev -> $size shipments (months $((m0 + 1)) - $m1)"
	snapshot "$step" start

	start=$SECONDS
	timed "$step" shipments '' "$size - $prev" "SELECT bench_scale.add_shipments($prev, $size);"
	# statistics of the new shipments before their events arrive (autovacuum
	# would get there in its own time; ingest reads through indexes anyway)
	psql_bench -d "$bench_db" -c "ANALYZE cbl.shipment, cbl.shipment_reference, cbl.reference_lookup, cbl.shipment_rating_input"
	# the monthly partitions of events, charges and statement lines, as the
	# daily maintenance job makes them in production (not timed)
	psql_bench -d "$bench_db" -c "SELECT count(*) AS partitions_made FROM cbl.create_partitions()"
	printf '  %-10s %6d s\n' shipments "$((SECONDS - start))"
	snapshot "$step" shipments

	start=$SECONDS
	for m in $(seq "$m0" $((m1 - 1))); do
		psql_bench -d "$bench_db" -c "CALL bench_scale.ingest($step, $m, 0, $first)"
	done
	q "INSERT INTO bench_scale.timing
	   SELECT $step, 'ingest', '', sum(elements), sum(extract(epoch FROM t1 - t0)) FROM bench_scale.ingest_batch WHERE step = $step" >/dev/null
	printf '  %-10s %6d s\n' ingest "$((SECONDS - start))"
	if [ "$billing" = bulk ]; then
		start=$SECONDS
		for m in $(seq "$m0" $((m1 - 1))); do
			timed "$step" charges "$m" "$first * 5" "SELECT bench_scale.bulk_charges($m, 0, $first);"
		done
		printf '  %-10s %6d s\n' charges "$((SECONDS - start))"
	fi
	snapshot "$step" ingest

	start=$SECONDS
	for m in $(seq "$m0" $((m1 - 1))); do
		month="$(q "SELECT first_month + make_interval(months => $m) FROM bench_scale.config" | cut -c1-10)"
		psql_bench -d "$bench_db" -c CHECKPOINT
		timed "$step" settle "$month" \
			"SELECT coalesce(sum(l.charge_count), 0) FROM cbl.statement_line l JOIN cbl.statement s USING (party_id, statement_no) WHERE s.period_start = '$month'" \
			"SELECT count(*) FROM cbl.settle('$month');"
	done
	printf '  %-10s %6d s\n' settle "$((SECONDS - start))"
	snapshot "$step" settle

	start=$SECONDS
	q "CALL bench_scale.lookups($step, $size)" >/dev/null
	printf '  %-10s %6d s\n' lookups "$((SECONDS - start))"
	snapshot "$step" lookups

	start=$SECONDS
	month="$(q "SELECT first_month + make_interval(months => $((m1 - 1))) FROM bench_scale.config" | cut -c1-10)"
	# kpi_fx: the conversion v_kpi_monthly makes of each charge when the
	# reporting currency is not the charges' (USD here): v_charge on the
	# charges of the newest month's first 20 shipments
	psql_bench -d "$bench_db" >/dev/null <<EOF
SET timezone = 'UTC';
SET statement_timeout = '${limit}s';
SELECT bench_scale.measure($step, 'kpi', '$month', $first,
                           \$\$SELECT * FROM cbl.v_kpi_monthly WHERE month = DATE '$month'\$\$);
SELECT cbl.find_shipment('S' || lpad(($prev + 1)::text, 9, '0')) AS id0,
       cbl.find_shipment('S' || lpad(($prev + 20)::text, 9, '0')) AS id1 \gset
SELECT bench_scale.measure($step, 'kpi_fx', '$month',
                           (SELECT count(*) FROM cbl.charge WHERE shipment_id BETWEEN :id0 AND :id1),
                           'SELECT count(reporting_amount) FROM cbl.v_charge WHERE shipment_id BETWEEN ' || :id0 || ' AND ' || :id1,
                           \$\$SELECT cbl.set_setting('reporting_currency', 'USD')\$\$,
                           \$\$SELECT cbl.set_setting('reporting_currency', 'EUR')\$\$);
EOF
	printf '  %-10s %6d s\n' kpi "$((SECONDS - start))"
	snapshot "$step" kpi

	# a partitioned table's size is the sum of its partitions'
	q "INSERT INTO bench_scale.table_size
	   SELECT $step, coalesce(p.relname, c.relname), sum(greatest(c.reltuples, 0))::bigint,
	          sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid))
	     FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
	    WHERE c.relnamespace = 'cbl'::regnamespace AND c.relkind = 'r'
	    GROUP BY coalesce(p.relname, c.relname);
	   INSERT INTO bench_scale.table_size VALUES ($step, '(database)', NULL, pg_database_size(current_database()), NULL);
	   UPDATE bench_scale.step_size SET ended_at = clock_timestamp(), load_after = '$(cut -d' ' -f1-3 /proc/loadavg)' WHERE step = $step" >/dev/null
	prev="$size"
done

{
	echo
	echo "cbl scale benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, PostgreSQL $("$PG_CONFIG" --version | sed 's/^PostgreSQL //')"
	echo "sizes: $sizes shipments (a month = $first), ingest batches of $batch, $samples lookups per size, shared buffers $shared_buffers; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ -n "$patch" ]; then
		echo "BENCH_PATCH: $patch was applied after CREATE EXTENSION cbl: these are not the figures of cbl as installed"
	fi
	psql_bench -d "$bench_db" -f "$here/scale_report.sql"
} | tee "$report"
psql_bench -d "$bench_db" -tA -c "SELECT '== step ' || step || ', ' || query || E' ==\n' || plan FROM bench_scale.plan ORDER BY step, query" >"$bench_dir/scale_plans.txt"
psql_bench -d "$bench_db" -c "COPY (SELECT step, month, batch, elements, round(gen_ms::numeric, 1) AS gen_ms, round(extract(epoch FROM t1 - t0) * 1000, 1) AS ms, (result).* FROM bench_scale.ingest_batch ORDER BY t0) TO STDOUT WITH (FORMAT csv, HEADER)" >"$bench_dir/scale_batches.csv"
echo "cbl bench: report in $report, plans in $bench_dir/scale_plans.txt, batches in $bench_dir/scale_batches.csv; stopping the cluster"
if grep -q 'WRONG' "$report"; then
	echo "cbl bench: a sanity check failed (WRONG above): the figures do not describe the work" >&2
	exit 1
fi
