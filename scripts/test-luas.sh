#!/bin/bash
# Runs the module's unit specs (spec/unit) with busted on each Lua named
# (lua5.3, lua5.1, luajit), each against the taskip/core.so built for it
# in build/<lua>/ (make luas), and ends with the line
# "N passed, N failed" over all of them. make test runs it after the
# 5.4 suite (scripts/test.sh); make test-luas runs it alone.
set -uo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || set -- lua5.3 lua5.1 luajit
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0 failed=0

for lua in "$@"; do
  echo "== busted on $lua (spec/unit)"
  so=build/$lua/taskip/core.so
  # Debian's C modules for this Lua: cjson, and lfs/term/system for busted.
  cmod=$(pkg-config --variable=INSTALL_CMOD "$lua" 2>/dev/null)
  if [ ! -f "$so" ] || [ -z "$cmod" ]; then
    echo "$lua: no $so or no pkg-config $lua (run make luas)"
    failed=$((failed + 1))
    continue
  fi
  # The project's files first, then Debian's, then the defaults (busted
  # itself lives in /usr/share/lua/5.1). .busted's 5.4 interpreter and
  # paths are overridden: --ignore-lua keeps busted on this Lua.
  env -u LUA_PATH_5_3 -u LUA_CPATH_5_3 \
    LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;$PWD/spec/?.lua;;" \
    LUA_CPATH="$PWD/build/$lua/?.so;$cmod/?.so;;" \
    "$lua" /usr/bin/busted --ignore-lua --lpath="./lua/?.lua;./lua/?/init.lua" \
    --cpath="./build/$lua/?.so" --output=utfTerminal spec/unit 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  summary=$(grep -aE '[0-9]+ success(es)? / [0-9]+ failures? / [0-9]+ errors?' \
    "$log" | tail -n 1)
  count() { echo "$summary" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+'; }
  p=$(count success) f=$(count failure) e=$(count error)
  if [ -z "$p" ]; then
    echo "$lua: busted printed no summary"
    failed=$((failed + 1))
    continue
  fi
  passed=$((passed + p))
  failed=$((failed + f + e))
  [ "$status" != 0 ] && [ "$((f + e))" = 0 ] && failed=$((failed + 1))
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
