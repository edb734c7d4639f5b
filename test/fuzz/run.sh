#!/usr/bin/env bash
# Run cbl's libFuzzer targets (built by "make fuzz-build" into test/fuzz/build).
#
#   bash test/fuzz/run.sh smoke RUNS   TARGET...   # make fuzz-smoke (part of make test)
#   bash test/fuzz/run.sh long  SECONDS TARGET...  # make fuzz
#
# smoke: each target runs -runs=RUNS inputs over a fresh copy of its seed
#        corpus test/fuzz/corpus/<t>/ in .cbl/fuzz/smoke/<t>/; a fixed amount
#        of work, never a time limit.
# long:  each target runs -max_total_time=SECONDS; its grown corpus is kept in
#        .cbl/fuzz/<t>/ and reused next time (the seed corpus is read too).
# The committed seed corpus is never written to.  Crash inputs land in
# .cbl/fuzz/artifacts/, logs in .cbl/fuzz/logs/<t>.log.
# Prints one line per target, "fuzz <t> ... ok" or "fuzz <t> ... FAILED",
# and exits non-zero if any target failed or is missing.
set -uo pipefail

usage() { echo "usage: $0 smoke RUNS TARGET... | long SECONDS TARGET..." >&2; exit 2; }
[ $# -ge 3 ] || usage
mode="$1" n="$2"; shift 2
case "$mode" in smoke|long) ;; *) usage ;; esac
[[ "$n" =~ ^[0-9]+$ ]] || usage

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/test/fuzz/build"
seeds="$root/test/fuzz/corpus"
state="$root/.cbl/fuzz"
mkdir -p "$state/artifacts" "$state/logs"

# Stop at the first sanitizer report; leaks count as failures.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=0
for t in "$@"; do
	bin="$build/fuzz_$t"
	log="$state/logs/$t.log"
	if [ ! -x "$bin" ]; then
		echo "fuzz $t ... FAILED (not built: $bin is missing; see test/fuzz/fuzz_$t.c)"
		failed=$((failed + 1))
		continue
	fi
	if [ "$mode" = smoke ]; then
		corpus="$state/smoke/$t"
		rm -rf "$corpus"
		mkdir -p "$corpus"
		if [ -d "$seeds/$t" ]; then
			cp -R "$seeds/$t/." "$corpus/"
		fi
		limit=(-runs="$n")
	else
		corpus="$state/$t"
		mkdir -p "$corpus"
		limit=(-max_total_time="$n")
	fi
	# The first corpus folder receives new inputs; the seed folder (long
	# mode) is only read.
	dirs=("$corpus")
	if [ "$mode" = long ] && [ -d "$seeds/$t" ]; then
		dirs+=("$seeds/$t")
	fi
	start=$SECONDS
	"$bin" "${limit[@]}" -artifact_prefix="$state/artifacts/$t-" \
		-print_final_stats=1 "${dirs[@]}" >"$log" 2>&1
	rc=$?
	secs=$((SECONDS - start))
	if [ $rc -eq 0 ]; then
		execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
		echo "fuzz $t ... ok (${execs:-?} inputs, ${secs}s)"
	else
		echo "fuzz $t ... FAILED (exit $rc after ${secs}s; log $log)"
		tail -n 40 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
exit $((failed > 0))
