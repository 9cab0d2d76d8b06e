#!/bin/bash
# Lints, then runs every spec with busted on Lua 5.4, and ends with the
# line "N passed, N failed". Arguments go to busted (e.g. a spec file).
set -uo pipefail
cd "$(dirname "$0")/.."

echo "== luacheck"
luacheck --quiet lua spec examples scripts || exit 1

echo "== busted"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
lua5.4 /usr/bin/busted --output=utfTerminal "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

summary=$(grep -aE '[0-9]+ success(es)? / [0-9]+ failures? / [0-9]+ errors?' \
  "$log" | tail -n 1)
count() { echo "$summary" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+'; }
passed=$(count success)
failures=$(count failure)
errs=$(count error)
if [ -z "$passed" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$passed passed, $((failures + errs)) failed"
exit "$status"
