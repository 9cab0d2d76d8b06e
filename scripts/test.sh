#!/bin/bash
# Lints, then runs every spec with busted on Lua 5.4, then the module's
# unit specs on Lua 5.3, 5.1 and LuaJIT (scripts/test-luas.sh), and ends
# with the line "N passed, N failed" over all runs. Arguments go to the
# 5.4 busted (e.g. a spec file) and skip the other Luas, as does a build
# other than build/ (make sanitize: an ASan module needs its own Lua).
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
failed=$((failures + errs))

if [ $# -eq 0 ] && [ "${TASKIP_BUILD:-build}" = build ]; then
  bash scripts/test-luas.sh 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" != 0 ] && [ "$status" = 0 ] && status=1
  line=$(tail -n 1 "$log")
  if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
  fi
else
  echo "== other Luas: skipped (spec arguments or TASKIP_BUILD=${TASKIP_BUILD:-build})"
fi
[ "$status" != 0 ] && [ "$failed" = 0 ] && failed=1
echo "$passed passed, $failed failed"
exit "$status"
