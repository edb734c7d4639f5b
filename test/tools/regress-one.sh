#!/usr/bin/env bash
# Run chosen pg_regress tests (after "init") on a throwaway cluster, for
# development: bash test/tools/regress-one.sh amount_io amount_ops
# Expects "make install" done.  Results land in .cbl/regress-<pid>/.
set -euo pipefail
source "$(dirname "$0")/pg-env.sh"
work="$(scratch_dir "regress-$$")"
cp -r "$CBL_ROOT/sql" "$CBL_ROOT/expected" "$CBL_ROOT/test" "$work/"
[ "$(id -u)" = 0 ] && chown -R postgres: "$work"
cd "$work"
status=0
as_pg "$PG_REGRESS" --temp-instance="$work/tmp_check" --temp-config="$work/test/regress.conf" \
	--bindir="$PG_BINDIR" --inputdir="$work" --outputdir="$work" init "$@" || status=$?
if [ -f "$work/regression.diffs" ]; then cat "$work/regression.diffs"; fi
echo "results: $work/results"
exit $status
