#!/usr/bin/env bash
# Run cbl's whole test suite ("make test" calls this after deps and install).
#
#   1. pg_regress    sql/*.sql vs expected/*.out, the REGRESS list of the Makefile
#   2. isolation     test/specs/*.spec vs test/expected/*.out, the ISOLATION list
#   3. TAP           test/t/*.pl with PostgreSQL::Test::Cluster
#   4. fuzz smoke    "make fuzz-smoke": each libFuzzer target, a fixed number of runs
#   5. docs          test/tools/check-docs.pl: every SQL example in the docs is run
#   6. citus         test/citus/run.sh: cbl distributed on a Citus cluster, where
#                    Citus is installed (it reports a skip otherwise)
#
# Every server is throwaway: pg_regress --temp-instance and TAP nodes live in
# a scratch copy of the tree, .cbl/test/, owned by the postgres OS user when
# we are root (PostgreSQL will not run as root).  Nothing uses port 5432 or
# any cluster outside .cbl/.  No step has a time limit.
#
# Counting: each pg_regress / isolation test is one test ("... ok" passes,
# "... FAILED" and "... failed (ignored)" fail, a listed test whose files are
# missing fails, and so does each listed test the driver never reported);
# each TAP assertion is one test ("ok N" / "not ok N" lines of prove -v; a
# script that dies or misses its plan adds one failure); each fuzz target is
# one test; the docs check is one test per page; the Citus run is one test,
# or none when it is skipped (Citus not installed).  The last line is "N passed, N failed"; the exit status is
# non-zero if anything failed.
#
# For development, name the steps to run:  bash test/tools/run-tests.sh tap fuzz
# (expects "make install" done; "make test" does it).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/pg-env.sh"
cd "$CBL_ROOT" || exit 1

all_steps=(regress isolation tap fuzz docs citus)
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=("${all_steps[@]}")
for s in "${steps[@]}"; do
	case " ${all_steps[*]} " in
	*" $s "*) ;;
	*) echo "usage: $0 [${all_steps[*]}]..." >&2; exit 2 ;;
	esac
done

passed=0
failed=0
failures=()
step_passed=0
step_failed=0

# add_counts P F: add P passed and F failed tests.
add_counts() {
	passed=$((passed + $1)) step_passed=$((step_passed + $1))
	failed=$((failed + $2)) step_failed=$((step_failed + $2))
}
# fail WHAT: one failed test, listed at the end.
fail() {
	add_counts 0 1
	failures+=("$1")
}
header() {
	step_passed=0 step_failed=0
	echo
	echo "=============================================================="
	echo "== $*"
	echo "=============================================================="
}
footer() { echo "-- $1: $step_passed passed, $step_failed failed"; }

# ---------------------------------------------------------------------------
# The test lists come from the Makefile, so they are written down only there.
declare -A mk
while IFS='=' read -r k v; do
	[ -n "$k" ] && mk[$k]="$v"
done < <(make -s --no-print-directory -C "$CBL_ROOT" -f Makefile -f - cbl-print-test-vars <<'EOF'
cbl-print-test-vars: ; @printf '%s\n' 'REGRESS=$(strip $(REGRESS))' 'REGRESS_OPTS=$(strip $(REGRESS_OPTS))' 'ISOLATION=$(strip $(ISOLATION))' 'ISOLATION_OPTS=$(strip $(ISOLATION_OPTS))' 'FUZZ_TARGETS=$(strip $(FUZZ_TARGETS))'
EOF
)
if [ -z "${mk[REGRESS]+set}" ]; then
	echo "cbl: could not read the test lists from the Makefile" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
read -r -a regress_tests <<<"${mk[REGRESS]}"
read -r -a isolation_tests <<<"${mk[ISOLATION]}"
read -r -a fuzz_targets <<<"${mk[FUZZ_TARGETS]}"
# The Makefile's options, less the --dbname that pgxs.mk appends: expected
# outputs are made with test/tools/regress-one.sh, which runs in pg_regress's
# default database ("regression"; "isolation_regression" for isolation),
# and --dbname adds to that list rather than replacing it.
without_dbname() {
	local o
	for o in $1; do
		case "$o" in --dbname=*) ;; *) printf '%s\n' "$o" ;; esac
	done
}
mapfile -t regress_opts < <(without_dbname "${mk[REGRESS_OPTS]}")
mapfile -t isolation_opts < <(without_dbname "${mk[ISOLATION_OPTS]}")

# ---------------------------------------------------------------------------
# One run at a time per checkout: runs share .cbl/test and test/fuzz/build.
mkdir -p "$CBL_STATE"
exec 9>"$CBL_STATE/run-tests.lock"
if ! flock -n 9; then
	echo "cbl: another run-tests.sh is running in this checkout; waiting for it"
	flock 9
fi

# Scratch copy of the tree, owned by the server's OS user.
work="$(scratch_dir test)"
for d in sql expected input output data test docs cbl.control; do
	[ -e "$CBL_ROOT/$d" ] && cp -R "$CBL_ROOT/$d" "$work/"
done
mkdir -p "$work/logs" "$work/regress" "$work/isolation" "$work/tap"
[ "$(id -u)" = 0 ] && chown -R postgres: "$work"

# Whatever happens, leave no server running: stop any postmaster whose data
# directory is inside the scratch copy (normally pg_regress and the TAP
# modules have stopped them already).
stop_leftovers() {
	local pidfile
	while IFS= read -r pidfile; do
		as_pg pg_ctl stop -D "$(dirname "$pidfile")" -m immediate >/dev/null 2>&1 || true
	done < <(find "$work" -name postmaster.pid 2>/dev/null)
}
trap stop_leftovers EXIT
trap 'exit 130' INT TERM

# run_pg_regress NAME DRIVER OUTDIR OPTION... -- TEST...: run a
# pg_regress-style driver as the server's user in the scratch copy, count its
# result lines ("test NAME ... ok  12 ms", or "     NAME ... ok" inside a
# parallel group), and print regression.diffs when something failed.
run_pg_regress() {
	local name="$1" driver="$2" outdir="$3"
	shift 3
	local opts=() tests=() t rc p f
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	tests=("$@")
	# Our settings file, unless the Makefile's options already name one
	# (given twice, it would be appended twice).
	case " ${opts[*]} " in
	*" --temp-config="*) ;;
	*) opts+=(--temp-config=test/regress.conf) ;;
	esac
	local log="$work/logs/$name.log"
	(cd "$work" && as_pg "$driver" --outputdir="$outdir" --bindir="$PG_BINDIR" \
		--temp-instance="$outdir/tmp_check" "${opts[@]}" "${tests[@]}") 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	local result='^(test +| {5} *)([^ ]+) +\.\.\. +'
	p="$(grep -cE "$result"'ok' "$log")"
	f="$(grep -cE "$result"'(FAILED|failed)' "$log")"
	add_counts "$p" "$f"
	while IFS= read -r t; do
		failures+=("$name: $t")
	done < <(sed -nE "s/$result"'(FAILED|failed).*/\2/p' "$log")
	if [ $((p + f)) -lt ${#tests[@]} ]; then
		# The driver stopped early (initdb or server start failed, a crash):
		# every test it did not report is a failure.
		echo "$name: $(basename "$driver") exited $rc having reported $((p + f)) of ${#tests[@]} tests"
		local reported
		reported=" $(sed -nE "s/$result"'(ok|FAILED|failed).*/\2/p' "$log" | tr '\n' ' ') "
		for t in "${tests[@]}"; do
			if [[ "$reported" != *" $t "* ]]; then
				fail "$name: $t (not run: $(basename "$driver") exited $rc)"
			fi
		done
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$name: $(basename "$driver") exited $rc"
	fi
	if [ -s "$outdir/regression.diffs" ]; then
		echo "---- $outdir/regression.diffs"
		cat "$outdir/regression.diffs"
		echo "---- end of regression.diffs"
	fi
	if [ "$rc" -ne 0 ] && [ -f "$outdir/log/postmaster.log" ]; then
		echo "---- last lines of $outdir/log/postmaster.log"
		tail -n 30 "$outdir/log/postmaster.log"
	fi
}

# ---------------------------------------------------------------------------
step_regress() {
	header "1/6 pg_regress: ${#regress_tests[@]} tests (REGRESS in the Makefile)"
	local t run=()
	for t in "${regress_tests[@]}"; do
		# pg_regress gives up on the whole run when an expected file is
		# missing, so such a test fails here, alone.
		if [ ! -f "$work/sql/$t.sql" ] && [ ! -f "$work/input/$t.source" ]; then
			echo "test $t ... FAILED (missing sql/$t.sql)"
			fail "regress: $t (missing sql/$t.sql)"
		elif [ ! -f "$work/expected/$t.out" ] && [ ! -f "$work/output/$t.source" ]; then
			echo "test $t ... FAILED (missing expected/$t.out)"
			fail "regress: $t (missing expected/$t.out)"
		else
			run+=("$t")
		fi
	done
	if [ ${#run[@]} -gt 0 ]; then
		run_pg_regress regress "$PG_REGRESS" "$work/regress" \
			--inputdir=. "${regress_opts[@]}" -- "${run[@]}"
	fi
	footer "pg_regress"
}

# ---------------------------------------------------------------------------
step_isolation() {
	header "2/6 isolation: ${#isolation_tests[@]} specs (ISOLATION in the Makefile)"
	local t run=()
	for t in "${isolation_tests[@]}"; do
		if [ ! -f "$work/test/specs/$t.spec" ]; then
			echo "test $t ... FAILED (missing test/specs/$t.spec)"
			fail "isolation: $t (missing test/specs/$t.spec)"
		elif [ ! -f "$work/test/expected/$t.out" ]; then
			echo "test $t ... FAILED (missing test/expected/$t.out)"
			fail "isolation: $t (missing test/expected/$t.out)"
		else
			run+=("$t")
		fi
	done
	if [ ${#run[@]} -gt 0 ]; then
		run_pg_regress isolation "$PG_ISOLATION_REGRESS" "$work/isolation" \
			--inputdir=test "${isolation_opts[@]}" -- "${run[@]}"
	fi
	footer "isolation"
}

# ---------------------------------------------------------------------------
step_tap() {
	local script scripts=() name log rc p f s line tlog
	# CBL_TAP_SCRIPTS (names like 011_load.pl) narrows the step: make stress.
	for script in "$work"/test/t/*.pl; do
		[ -f "$script" ] || continue
		if [ -n "${CBL_TAP_SCRIPTS:-}" ] &&
			[[ " $CBL_TAP_SCRIPTS " != *" $(basename "$script") "* ]]; then
			continue
		fi
		scripts+=("test/t/$(basename "$script")")
	done
	header "3/6 TAP: ${#scripts[@]} scripts in test/t"
	for script in "${scripts[@]}"; do
		name="$(basename "$script" .pl)"
		log="$work/logs/tap-$name.log"
		# One prove per script, verbose, so that every assertion can be
		# counted; --merge keeps diagnostics next to their assertions.
		# TESTDIR is where PostgreSQL::Test::Utils puts tmp_check/.
		(cd "$work" && as_pg env TESTDIR="$work/tap" PG_REGRESS="$PG_REGRESS" CBL_STRESS="${CBL_STRESS:-}" \
			prove -v --merge -I "$PG_PKGLIBDIR/pgxs/src/test/perl" -I "$work/test" \
			"$script") 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		# "ok N" / "not ok N" at the start of a line are the script's own
		# assertions (subtests are indented); "# TODO" failures are expected.
		read -r p f s < <(awk '
			/^ok [0-9]+/     { p++; if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) s++; next }
			/^not ok [0-9]+/ { if ($0 ~ /# *TODO/) p++; else f++ }
			END { printf "%d %d %d\n", p, f, s }' "$log")
		add_counts "$p" "$f"
		while IFS= read -r line; do
			failures+=("tap $name: $line")
		done < <(grep -E '^not ok [0-9]+' "$log" | grep -v '# *TODO')
		if [ "$s" -gt 0 ]; then
			echo "($name: $s of the passed assertions were skips)"
		fi
		tlog="$work/tap/tmp_check/log/regress_log_$name"
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			fail "tap $name: the script died or missed its plan (prove exited $rc)"
			# Why it died is in the script's own log, not on the TAP stream.
			if [ -f "$tlog" ]; then
				echo "---- last lines of $tlog"
				tail -n 40 "$tlog"
				echo "---- end of $tlog"
			fi
		fi
		if [ "$rc" -ne 0 ]; then
			echo "($name: full log $tlog, server logs in $work/tap/tmp_check/log/)"
		fi
	done
	footer "TAP"
}

# ---------------------------------------------------------------------------
step_fuzz() {
	header "4/6 fuzz smoke: ${#fuzz_targets[@]} targets (make fuzz-smoke)"
	local log="$work/logs/fuzz.log" t rc p f line
	# Build what builds (-k), then run the smoke without rebuilding (-o), so
	# that a target that does not compile yet fails alone.
	if ! make -k -j2 --no-print-directory fuzz-build >"$work/logs/fuzz-build.log" 2>&1; then
		echo "---- some fuzz targets did not build; end of $work/logs/fuzz-build.log:"
		tail -n 40 "$work/logs/fuzz-build.log"
		echo "----"
	fi
	for t in "${fuzz_targets[@]}"; do
		# A binary left from an older tree must not stand in for one that
		# no longer builds.
		if ! make -q --no-print-directory "test/fuzz/build/fuzz_$t" >/dev/null 2>&1; then
			rm -f "test/fuzz/build/fuzz_$t"
		fi
	done
	make --no-print-directory -o fuzz-build fuzz-smoke 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p="$(grep -cE '^fuzz [^ ]+ \.\.\. ok' "$log")"
	f="$(grep -cE '^fuzz [^ ]+ \.\.\. FAILED' "$log")"
	add_counts "$p" "$f"
	while IFS= read -r line; do
		failures+=("$line")
	done < <(grep -E '^fuzz [^ ]+ \.\.\. FAILED' "$log" | cut -d' ' -f1-2)
	if [ $((p + f)) -lt ${#fuzz_targets[@]} ]; then
		for ((t = p + f; t < ${#fuzz_targets[@]}; t++)); do
			fail "fuzz: a target was not run (make fuzz-smoke exited $rc)"
		done
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "fuzz: make fuzz-smoke exited $rc"
	fi
	footer "fuzz smoke"
}

# ---------------------------------------------------------------------------
# Every SQL example in docs/ and README.md is run by some pg_regress test.
step_docs() {
	header "5/6 docs examples (test/tools/check-docs.pl)"
	local log="$work/logs/docs.log" p f line
	perl test/tools/check-docs.pl 2>&1 | tee "$log"
	p="$(grep -cE '^docs [^ ]+ \.\.\. ok' "$log")"
	f="$(grep -cE '^docs [^ ]+ \.\.\. FAILED' "$log")"
	if [ $((p + f)) -eq 0 ]; then
		fail "docs: check-docs.pl reported nothing"
	fi
	add_counts "$p" "$f"
	while IFS= read -r line; do
		failures+=("$line")
	done < <(grep -E '^docs [^ ]+ \.\.\. FAILED' "$log" | cut -d' ' -f1-2)
	footer "docs"
}

# ---------------------------------------------------------------------------
# cbl on a Citus cluster (test/citus/run.sh): one test where Citus is
# installed; where it is not, the script says SKIP and nothing is counted.
step_citus() {
	header "6/6 Citus (test/citus/run.sh)"
	local log="$work/logs/citus.log" rc
	bash test/citus/run.sh 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if grep -qE '^citus \.\.\. ok' "$log"; then
		add_counts 1 0
	elif grep -qE '^citus \.\.\. FAILED' "$log"; then
		fail "citus: test/citus/run.sh (checks differ between the cluster and a single node)"
	elif [ "$rc" -eq 0 ] && grep -q '^SKIP: ' "$log"; then
		echo "(citus: skipped, not counted)"
	else
		fail "citus: test/citus/run.sh exited $rc"
	fi
	footer "Citus"
}

# ---------------------------------------------------------------------------
for s in "${steps[@]}"; do
	"step_$s"
done

stop_leftovers
echo
echo "=============================================================="
if [ ${#failures[@]} -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "Logs and results: $work"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
