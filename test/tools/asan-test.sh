#!/usr/bin/env bash
# The regression suite against cbl built with AddressSanitizer and
# UndefinedBehaviorSanitizer ("make asan-test"; docs/testing.md).
#
#   1. a private copy of the PostgreSQL installation PG_CONFIG names, in
#      .cbl/asan/pg (bin, lib and share copied, headers linked): the normal
#      install is never touched;
#   2. cbl built there from a copy of the sources, with
#      -fsanitize=address,undefined (gcc; no JIT bitcode), and installed into
#      the copy;
#   3. pg_regress over the REGRESS list of the Makefile; the sanitizer
#      runtimes come in with cbl.so (the server is not instrumented);
#   4. any sanitizer report fails the run.
#
# What this checks: every memory access cbl's C code makes against stack
# and global redzones, and undefined behaviour (overflow, shifts, bad
# casts, misaligned or null access) in cbl's code.  Not: overflows inside
# palloc'd memory, which a server built with ASan would poison (PostgreSQL's
# allocator hands out chunks of larger malloc'd blocks), nor leaks.
# Preloading libasan into the stock server does not work here: glibc's
# bindtextdomain deadlocks in library constructors (docs/testing.md).
#
# The options reach the backends through test/tools/sanitizer_options.c
# (the sanitizers read ASAN_OPTIONS from /proc/self/environ, which the
# server overwrites with its process titles).  Reports land in
# .cbl/asan/reports/ (one file per process that reported), pg_regress
# results in .cbl/asan/regress/.
# Ends with "N passed, N failed" like run-tests.sh; exit status non-zero on
# any failure or report.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/pg-env.sh"

SAN_CC="${SAN_CC:-gcc}"
SAN_FLAGS="${SAN_FLAGS:--fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g}"
libasan="$("$SAN_CC" -print-file-name=libasan.so)"
if [ ! -e "$libasan" ] && [ "$SAN_CC" = gcc ]; then
	echo "asan-test: $SAN_CC has no libasan.so (install libasan8 / gcc's sanitizer runtime)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

work="$(scratch_dir asan)"
root="$work/pg"
reports="$work/reports"
mkdir -p "$reports" "$work/build" "$work/regress"

# 1. The private copy: the same absolute layout below $root, so the copied
#    binaries (which find share/ and lib/ relative to themselves) use it.
for d in "$("$PG_CONFIG" --bindir)" "$("$PG_CONFIG" --pkglibdir)" "$("$PG_CONFIG" --sharedir)"; do
	mkdir -p "$root$(dirname "$d")"
	cp -a "$d" "$root$d"
done
inc="$("$PG_CONFIG" --includedir)"
if [ ! -e "$root$inc" ]; then
	mkdir -p "$root$(dirname "$inc")"
	ln -s "$(readlink -f "$inc")" "$root$inc"
fi
san_pg_config="$root$("$PG_CONFIG" --bindir)/pg_config"
san_bindir="$("$san_pg_config" --bindir)"
case "$san_bindir" in
"$root"/*) ;;
*) echo "asan-test: the copied pg_config reports $san_bindir, not a path in $root" >&2
   echo "0 passed, 1 failed"; exit 1 ;;
esac

# 2. Build and install the instrumented cbl into the copy.
cp -R "$CBL_ROOT/Makefile" "$CBL_ROOT/cbl.control" "$CBL_ROOT/src" "$CBL_ROOT/sql" "$work/build/"
rm -f "$work/build"/src/*.o "$work/build"/src/*.bc "$work/build"/cbl.so
cp "$CBL_ROOT/test/tools/sanitizer_options.c" "$work/build/src/"
sed -i 's|^OBJS = \\$|OBJS = src/sanitizer_options.o \\|' "$work/build/Makefile"
if ! make -C "$work/build" -s -j2 PG_CONFIG="$san_pg_config" with_llvm=no CC="$SAN_CC" \
		COPT="$SAN_FLAGS" >"$work/build.log" 2>&1 ||
	! make -C "$work/build" -s PG_CONFIG="$san_pg_config" with_llvm=no install >>"$work/build.log" 2>&1; then
	tail -n 30 "$work/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "$(nm -D "$("$san_pg_config" --pkglibdir)/cbl.so" | grep -c -E '__asan_report|__ubsan_handle|__asan_default_options')" -lt 3 ]; then
	echo "asan-test: the installed cbl.so is not instrumented" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# 3. The suite, from a scratch copy of the tests.
for d in sql expected test; do cp -R "$CBL_ROOT/$d" "$work/"; done
cat "$CBL_ROOT/test/regress.conf" - >"$work/asan.conf" <<'EOF'
# asan-test: no JIT (its LLVM code is not built for the sanitizers)
jit = off
EOF
[ "$(id -u)" = 0 ] && chown -R postgres: "$work"
read -r -a tests < <(make -s --no-print-directory -C "$CBL_ROOT" PG_CONFIG="$PG_CONFIG" -f Makefile -f - cbl-print-regress <<'EOF'
cbl-print-regress: ; @echo $(REGRESS)
EOF
)
san_regress="$("$san_pg_config" --pkglibdir)/pgxs/src/test/regress/pg_regress"
# verify_asan_link_order=0: the runtime arrives with cbl.so, after libc.
asan_opts="verify_asan_link_order=0:detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path=$reports/asan"
ubsan_opts="print_stacktrace=1:halt_on_error=0:log_path=$reports/ubsan"
(cd "$work" && as_pg env CBL_ASAN_OPTIONS="$asan_opts" CBL_UBSAN_OPTIONS="$ubsan_opts" \
	"$san_regress" --bindir="$san_bindir" --inputdir=. --outputdir="$work/regress" \
	--temp-instance="$work/regress/tmp_check" --temp-config="$work/asan.conf" "${tests[@]}") 2>&1 |
	tee "$work/regress.log"

result='^(test +| {5} *)([^ ]+) +\.\.\. +'
passed="$(grep -cE "$result"'ok' "$work/regress.log")"
failed="$(grep -cE "$result"'(FAILED|failed)' "$work/regress.log")"
missing=$(( ${#tests[@]} - passed - failed ))
[ "$missing" -gt 0 ] && failed=$((failed + missing))
if [ -s "$work/regress/regression.diffs" ]; then
	echo "---- $work/regress/regression.diffs"
	cat "$work/regress/regression.diffs"
fi

# 4. The canaries (test/tools/sanitizer_options.c), on a scratch server: one
#    stack-buffer-overflow and one bad shift must be reported, or the
#    sanitizers did not run and the clean result above means nothing.
canary="$work/canary"
mkdir -p "$canary/reports"
[ "$(id -u)" = 0 ] && chown -R postgres: "$canary"
canary_ok=false
if as_pg "$san_bindir/initdb" -D "$canary/data" -A trust >"$canary/initdb.log" 2>&1 &&
	as_pg env CBL_ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:log_path=$canary/reports/asan" \
		CBL_UBSAN_OPTIONS="halt_on_error=0:log_path=$canary/reports/ubsan" \
		"$san_bindir/pg_ctl" -D "$canary/data" -w -l "$canary/server.log" \
		-o "-c listen_addresses='' -k $canary -c jit=off" start >/dev/null; then
	as_pg "$san_bindir/psql" -X -q -h "$canary" -d postgres >"$canary/psql.log" 2>&1 <<'SQL'
CREATE EXTENSION cbl;
CREATE FUNCTION ubsan_canary(integer) RETURNS integer AS 'cbl', 'cbl_ubsan_canary' LANGUAGE C STRICT;
CREATE FUNCTION asan_canary(integer) RETURNS integer AS 'cbl', 'cbl_asan_canary' LANGUAGE C STRICT;
SELECT ubsan_canary(40);
SELECT asan_canary(8);
SQL
	as_pg "$san_bindir/pg_ctl" -D "$canary/data" -m immediate stop >/dev/null 2>&1
	if cat "$canary"/reports/* "$canary/server.log" 2>/dev/null | grep -q 'stack-buffer-overflow' &&
		cat "$canary"/reports/* "$canary/server.log" 2>/dev/null | grep -q 'runtime error: shift exponent'; then
		canary_ok=true
	fi
fi
if $canary_ok; then
	echo "asan-test: the canaries were caught (stack-buffer-overflow, shift exponent too large)"
else
	echo "asan-test: the canaries were NOT reported: the sanitizers are not working (see $canary)"
	failed=$((failed + 1))
fi

# 5. Sanitizer reports of the suite, from any process.
n_reports=0
# UBSan may write to the server's stderr: its log counts too.
if grep -qE 'runtime error:|ERROR: AddressSanitizer' "$work/regress/log/postmaster.log" 2>/dev/null; then
	grep -E -A20 'runtime error:|ERROR: AddressSanitizer' "$work/regress/log/postmaster.log" >"$reports/from-postmaster-log"
fi
for f in "$reports"/*; do
	[ -e "$f" ] || continue
	n_reports=$((n_reports + 1))
	echo "---- sanitizer report $f"
	head -n 40 "$f"
done
if [ "$n_reports" -gt 0 ]; then
	echo "asan-test: $n_reports sanitizer report(s) in $reports"
	failed=$((failed + 1))
else
	echo "asan-test: no AddressSanitizer or UndefinedBehaviorSanitizer report"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
