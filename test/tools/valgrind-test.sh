#!/usr/bin/env bash
# The regression suite with the server under Valgrind's memcheck
# ("make valgrind-test"; docs/testing.md).
#
#   bash test/tools/valgrind-test.sh                 # the whole REGRESS list
#   bash test/tools/valgrind-test.sh amount_io recon_agg   # init + these tests
#
#   1. a bindir of its own in .cbl/valgrind/bin: links to the binaries
#      PG_CONFIG names, except "postgres", a script that runs the real one
#      under valgrind.  pg_regress starts the postmaster from --bindir, so
#      the server and every backend it forks run under memcheck; initdb
#      resolves its link and runs the real postgres, uninstrumented (bootstrap
#      under valgrind would only add time, and runs no cbl code);
#   2. pg_regress over the tests (default: the REGRESS list of the Makefile),
#      one valgrind log per process in .cbl/valgrind/logs/;
#   3. a summary: every error of every log (test/tools/valgrind.supp removes
#      PostgreSQL's own known noise) and every "definitely lost" block,
#      and the run fails if any of them has a frame in cbl's code (cbl.so,
#      or a source file of src/), or if a process did not end its log
#      (crashed under valgrind).
#
# What it can see: reads and writes outside malloc'd memory, uses of
# uninitialised values (to the extent below), bad frees, and malloc'd memory
# that cbl loses (jansson's objects, for one).  What it cannot see: the
# Debian postgres binary is not built with USE_VALGRIND, so palloc does not
# tell memcheck about its chunks.  An overflow from one palloc chunk into the
# next inside a memory-context block, or a read of a chunk after its context
# was reset, is invisible; memory that a chunk reused from a reset context
# still holds counts as initialised.  Those classes are for `make asan-test`
# (stack, globals) and the fuzz targets (the pure-C parsers, heap included).
#
# VALGRIND_EXTRA adds options (e.g. --track-origins=yes, twice as slow).
# Slow: the whole suite takes tens of minutes on two cores.  No time limit.
# Ends with "N passed, N failed" like run-tests.sh; exit status non-zero on
# any failure or finding in cbl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/pg-env.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind-test: valgrind is not installed (apt-get install valgrind)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

work="$(scratch_dir valgrind)"
bin="$work/bin"
logs="$work/logs"
mkdir -p "$bin" "$logs" "$work/regress"

# 1. The bindir: links, and the postgres wrapper.
for f in "$PG_BINDIR"/*; do
	[ "$(basename "$f")" = postgres ] || ln -s "$f" "$bin/"
done
cat >"$bin/postgres" <<EOF
#!/bin/sh
exec valgrind --quiet --tool=memcheck --trace-children=yes \\
	--suppressions="$CBL_ROOT/test/tools/valgrind.supp" \\
	--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
	--num-callers=40 --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \\
	--log-file="$logs/%p.log" ${VALGRIND_EXTRA:-} \\
	"$PG_BINDIR/postgres" "\$@"
EOF
chmod 755 "$bin/postgres"

# 2. The suite, from a scratch copy of the tests.
for d in sql expected test; do cp -R "$CBL_ROOT/$d" "$work/"; done
cat "$CBL_ROOT/test/regress.conf" - >"$work/valgrind.conf" <<'EOF'
# valgrind-test: no JIT (LLVM under memcheck is slow and noisy)
jit = off
EOF
[ "$(id -u)" = 0 ] && chown -R postgres: "$work"
if [ $# -gt 0 ]; then
	tests=(init "$@")
else
	read -r -a tests < <(make -s --no-print-directory -C "$CBL_ROOT" PG_CONFIG="$PG_CONFIG" -f Makefile -f - cbl-print-regress <<'EOF'
cbl-print-regress: ; @echo $(REGRESS)
EOF
)
fi
echo "valgrind-test: ${tests[*]}"
# Start-up and shutdown of a server under valgrind take a while.
(cd "$work" && as_pg env PGCTLTIMEOUT=3600 "$PG_REGRESS" --bindir="$bin" --inputdir=. \
	--outputdir="$work/regress" --temp-instance="$work/regress/tmp_check" \
	--temp-config="$work/valgrind.conf" "${tests[@]}") 2>&1 | tee "$work/regress.log"

result='^(test +| {5} *)([^ ]+) +\.\.\. +'
passed="$(grep -cE "$result"'ok' "$work/regress.log")"
failed="$(grep -cE "$result"'(FAILED|failed)' "$work/regress.log")"
missing=$(( ${#tests[@]} - passed - failed ))
[ "$missing" -gt 0 ] && failed=$((failed + missing))
if [ -s "$work/regress/regression.diffs" ]; then
	echo "---- $work/regress/regression.diffs"
	cat "$work/regress/regression.diffs"
fi

# 3. The summary.  A frame is cbl's when it is in cbl.so or in a file of src/.
cbl_files="$(cd "$CBL_ROOT/src" && ls -- *.c *.h | sed 's/\./\\./g' | paste -sd'|')"
cbl_frame="(\\(in [^)]*/cbl\\.so\\)|\\((${cbl_files}):[0-9]+\\))"
n_logs=0 n_errors=0 n_cbl=0 n_unfinished=0
summary="$work/summary.txt"
: >"$summary"
for f in "$logs"/*.log; do
	[ -e "$f" ] || continue
	n_logs=$((n_logs + 1))
	e="$(grep -c '^==[0-9]*== VALGRINDERROR-BEGIN' "$f")"
	n_errors=$((n_errors + e))
	# Each error block between the markers, kept when it has a cbl frame.
	CBL_FRAME="$cbl_frame" CBL_LOG="$f" awk '
		BEGIN { re = ENVIRON["CBL_FRAME"] }
		/VALGRINDERROR-BEGIN/ { inb = 1; block = ""; hit = 0; next }
		/VALGRINDERROR-END/   { if (hit) printf "---- %s\n%s", ENVIRON["CBL_LOG"], block; inb = 0; next }
		inb { block = block $0 "\n"; if ($0 ~ re) hit = 1 }' "$f" >>"$summary"
done
n_cbl="$(grep -c '^---- ' "$summary")"
# A process that died under valgrind (or was killed) leaves no
# "ERROR SUMMARY" line; --quiet prints it only when errors were found, so
# count the logs that say valgrind itself failed instead.
n_unfinished="$(grep -lE 'Valgrind.*(internal error|cannot continue)|Process terminating with default action' "$logs"/*.log 2>/dev/null | wc -l)"
echo
echo "valgrind-test: $n_logs process logs in $logs, $n_errors error(s) reported after suppressions, $n_cbl with a frame in cbl"
if [ "$n_errors" -gt 0 ]; then
	echo "valgrind-test: errors by kind (all processes):"
	grep -hE -A1 'VALGRINDERROR-BEGIN' "$logs"/*.log | grep -vE 'VALGRINDERROR-BEGIN|^--$' |
		sed -E 's/^==[0-9]+== //; s/[0-9,]+ (bytes|blocks)/N \1/g; s/in loss record [0-9,]+ of [0-9,]+/in loss record/' |
		sort | uniq -c | sort -rn | head -n 20
fi
if [ "$n_logs" -eq 0 ]; then
	echo "valgrind-test: no valgrind log was written: the server did not run under valgrind"
	failed=$((failed + 1))
fi
if [ "$n_cbl" -gt 0 ]; then
	echo "---- the errors with a frame in cbl ($summary):"
	head -n 200 "$summary"
	failed=$((failed + 1))
fi
if [ "$n_unfinished" -gt 0 ]; then
	echo "valgrind-test: $n_unfinished process(es) ended abnormally under valgrind:"
	grep -lE 'Valgrind.*(internal error|cannot continue)|Process terminating with default action' "$logs"/*.log
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
