#!/bin/bash
# make memcheck: the C-level tests (scripts/ctests.sh: taskip-mock start
# and stop, host-driver over spec/attacks with the benign scripts,
# taskip-run --mock over examples/*.lua, taskip-run against taskip-mock,
# the embedding example) with every program of build/ under valgrind's
# memcheck. Passes with 0 errors and 0 bytes definitely lost in every
# run; suppressions (scripts/valgrind.supp) cover third-party library
# initialisation only. Ends with "ctests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

B=${1:-build}
if ! command -v valgrind >/dev/null; then
  echo "memcheck: valgrind is not installed (apt-get install valgrind)" >&2
  exit 1
fi
# valgrind is 20-50 times slower: the CPU attacks get a longer limit so
# that the benign scripts next to them still finish in theirs.
export CTESTS_TIMEOUT=${CTESTS_TIMEOUT:-20}
export ERR=99
export CHECK="valgrind --tool=memcheck --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--error-exitcode=99 --num-callers=40 --trace-children=yes --suppressions=$PWD/scripts/valgrind.supp"
exec bash scripts/ctests.sh "$B"
