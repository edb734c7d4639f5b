#!/usr/bin/env bash
# cbl's reconciliation benchmark ("make bench-recon"; not part of "make
# test"; it reports figures and never fails on one).
#
#   bash test/bench/recon.sh                      an invoice of 100 000 lines
#   BENCH_LINES=20000 bash test/bench/recon.sh    a smaller invoice, for a quick look
#   BENCH_ROUNDS=5 bash test/bench/recon.sh       timed rounds of each side (default 5)
#
# One throwaway cluster (test/bench/cluster.sh), one carrier invoice and
# the payable charges it is checked against (recon_data.sql), two ways
# over the same rows, in serial plans:
#
#   cbl       SELECT * FROM cbl.reconcile_invoice(invoice, '0.05 EUR', 0)
#   baseline  SELECT * FROM bench_recon.reconcile_plain(invoice, 0.05, 0):
#             the same matching rules as plain SQL over plain types, a full
#             outer combination of lines and expected charges written to a
#             results table of the same shape (recon_baseline.sql)
#
# Both delete the invoice's previous results, write one row per line and
# per missing charge, and return the summary per outcome.  Before any
# timing, a check runs both and compares their results row by row (line,
# charge, outcome, amounts); the report says "identical" or "DIFFERENT".
# Each side is timed as test/bench/harness.sql times the pairs of run.sh:
# EXPLAIN (ANALYZE, TIMING OFF) and its executor time, one untimed warm-up
# of each, the side that goes first alternating.  The report
# (recon_report.sql) shows the best round of each, time per line, and the
# target of issue 5 (cbl / baseline <= 1.5) as PASS or MISS.  Report in
# .cbl/bench/recon_report.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

lines="${BENCH_LINES:-100000}"
rounds="${BENCH_ROUNDS:-5}"
case "$lines$rounds" in
*[!0-9]*) echo "cbl bench: BENCH_LINES, BENCH_ROUNDS and BENCH_PORT must be numbers" >&2; exit 2 ;;
esac
if [ "$lines" -lt 1000 ] || [ "$rounds" -lt 1 ]; then
	echo "cbl bench: BENCH_LINES must be at least 1000, BENCH_ROUNDS at least 1" >&2
	exit 2
fi
ships=$(( (lines * 28 + 99) / 100 ))   # 28 000 shipments for 100 000 lines

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
source "$here/cluster.sh"
report="$bench_dir/recon_report.txt"

bench_cluster_start test/bench/recon.sh <<'CONF'
max_parallel_workers_per_gather = 0   # serial plans (the writes are serial anyway)
CONF
psql_bench -d "$bench_db" -f "$here/harness.sql"

start=$SECONDS
echo "cbl bench: generating an invoice of $lines lines and the charges of $ships shipments"
psql_bench -d "$bench_db" -v ships="$ships" -v lines="$lines" -f "$here/recon_data.sql"
psql_bench -d "$bench_db" -f "$here/recon_baseline.sql"
echo "cbl bench: data ready in $((SECONDS - start)) s"

inv="(SELECT id FROM cbl.carrier_invoice WHERE invoice_no = 'BENCH-2026-03')"
q_cbl="SELECT * FROM cbl.reconcile_invoice($inv, '0.05 EUR', 0)"
q_base="SELECT * FROM bench_recon.reconcile_plain($inv, 0.05, 0)"

echo "cbl bench: checking that both give the same results"
psql_bench -d "$bench_db" <<SQL
CREATE TABLE bench_recon.sample (side text, round integer, ms float8, workers integer);
CREATE TABLE bench_recon.summary AS
SELECT 'cbl' AS side, outcome, items, cbl.value(expected) AS expected, cbl.value(invoiced) AS invoiced,
       cbl.value(variance) AS variance FROM cbl.reconcile_invoice($inv, '0.05 EUR', 0);
INSERT INTO bench_recon.summary SELECT 'baseline', * FROM bench_recon.reconcile_plain($inv, 0.05, 0);
CREATE TABLE bench_recon.check_result AS
SELECT (SELECT count(*) FROM cbl.invoice_reconciliation) AS cbl_rows,
       (SELECT count(*) FROM bench_recon.result) AS baseline_rows,
       (SELECT count(*) FROM (
          (SELECT item_no, line_no, shipment_id, charge_no, fee_code, reference, cbl.value(expected), cbl.value(invoiced),
                  cbl.value(variance), cbl.value(tolerance), outcome, detail FROM cbl.invoice_reconciliation
           EXCEPT
           SELECT item_no, line_no, shipment_id, charge_no, fee_code, reference, expected, invoiced,
                  variance, tolerance, outcome, detail FROM bench_recon.result)
          UNION ALL
          (SELECT item_no, line_no, shipment_id, charge_no, fee_code, reference, expected, invoiced,
                  variance, tolerance, outcome, detail FROM bench_recon.result
           EXCEPT
           SELECT item_no, line_no, shipment_id, charge_no, fee_code, reference, cbl.value(expected), cbl.value(invoiced),
                  cbl.value(variance), cbl.value(tolerance), outcome, detail FROM cbl.invoice_reconciliation)) d) AS differ;
SQL

# time SIDE ROUND QUERY
time_side() {
	psql_bench -d "$bench_db" -c "INSERT INTO bench_recon.sample SELECT '$1', $2, t.ms, t.workers FROM bench.time_query(\$q\$$3\$q\$) t"
}
echo "cbl bench: warm-up, then $rounds rounds of each"
psql_bench -d "$bench_db" -c "SELECT bench.time_query(\$q\$$q_cbl\$q\$), bench.time_query(\$q\$$q_base\$q\$)" >/dev/null
for r in $(seq 1 "$rounds"); do
	start=$SECONDS
	if [ $((r % 2)) = 1 ]; then
		time_side cbl "$r" "$q_cbl"
		time_side baseline "$r" "$q_base"
	else
		time_side baseline "$r" "$q_base"
		time_side cbl "$r" "$q_cbl"
	fi
	printf '  round %d: %d s\n' "$r" "$((SECONDS - start))"
done

{
	echo
	echo "cbl reconciliation benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, PostgreSQL $("$PG_CONFIG" --version | sed 's/^PostgreSQL //'), $lines invoice lines, serial plans"
	echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running adds noise)"
	psql_bench -d "$bench_db" -f "$here/recon_report.sql"
} | tee "$report"
echo "cbl bench: report in $report; stopping the cluster"
if grep -q DIFFERENT "$report"; then
	echo "cbl bench: cbl and the baseline computed different results: the comparison is not fair" >&2
fi
