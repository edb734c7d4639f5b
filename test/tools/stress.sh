#!/usr/bin/env bash
# make stress: the load, crash and memory tests at full size.
#
# Every TAP script that reads $ENV{CBL_STRESS} runs a small version of itself
# in "make test" and its full-size version here (the sizes are at the top of
# each script).  Nothing here has a time limit either: a full run takes as
# long as the machine needs.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/pg-env.sh"
cd "$CBL_ROOT" || exit 1

scripts=()
for f in test/t/*.pl; do
	grep -q 'CBL_STRESS' "$f" && scripts+=("$(basename "$f")")
done
if [ ${#scripts[@]} -eq 0 ]; then
	echo "stress: no TAP script reads CBL_STRESS" >&2
	exit 1
fi
echo "stress: ${scripts[*]}"
CBL_STRESS=1 CBL_TAP_SCRIPTS="${scripts[*]}" exec bash test/tools/run-tests.sh tap
