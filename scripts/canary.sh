#!/bin/bash
# make canary: the canary sweep. Runs the whole test suite with a
# recognisable canary as the test key, capturing busted's output and
# everything the specs capture (spec/support/canary_helper.lua: child
# process output, files read back, the emulator's request log); then
# runs the emulator CLI with the canary as its key, taskip-run over
# every example (--verbose, --json-log, --dry-run), the embedding
# example and a client with its debug trace against it. Every captured
# stdout, stderr and log, and every file left in the run's TMPDIR, is
# then searched for the canary (raw, URL-encoded, base64 at any
# alignment): any hit, or a failing suite, fails the sweep.
#
# The canary never goes on a command line (ps shows those) and is not
# exported to the suite (every child would inherit it): the specs read
# it from a file named by TASKIP_TEST_KEY_FILE, the tools get it in
# TASKIP_SECRET_KEY / TASKIP_MOCK_SECRET_KEY per command, as a user
# would give it. TASKIP_CANARY overrides the canary (it must be usable
# as a header value); CANARY_SPECS limits the suite (default: spec);
# CANARY_TOOLS=0 skips the tools.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${TASKIP_BUILD:-build}       # the build under test (make sanitize: build-asan)
export LUA_PATH=${LUA_PATH:-"$PWD/lua/?.lua;$PWD/lua/?/init.lua;;"}
export LUA_CPATH=${LUA_CPATH:-"$PWD/$bin/?.so;;"}

canary=${TASKIP_CANARY:-taskip-CANARY-5e1f+Q/k=zx.7}
unset TASKIP_CANARY
keydir=$(mktemp -d /tmp/taskip-canary-key.XXXXXX)
dir=$(mktemp -d /tmp/taskip-canary.XXXXXX)
keyfile=$keydir/key
(umask 077; printf '%s\n' "$canary" >"$keyfile")
mock_pid=
keep=${CANARY_KEEP:-0}     # 1: keep the outputs (also kept on failure)
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null; fi
  rm -rf "$keydir"
  if [ "$keep" = 1 ]; then echo "canary: outputs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
mkdir -p "$dir/tmp"
export TMPDIR=$dir/tmp
fail=0

echo "== canary 1/3: the test suite with the canary as the key"
# shellcheck disable=SC2086
TASKIP_TEST_KEY_FILE=$keyfile TASKIP_CANARY_LOG=$dir/captured.log \
  lua5.4 /usr/bin/busted --helper=spec/support/canary_helper.lua --output=TAP \
  ${CANARY_SPECS:-spec} >"$dir/busted.out" 2>"$dir/busted.err"
suite=$?
grep -acE '^ok ' "$dir/busted.out" | sed 's/$/ specs passed/'
if [ $suite -ne 0 ]; then
  echo "canary: the suite failed under the canary key:"
  grep -aE '^not ok' "$dir/busted.out" | head -n 20
  fail=1
  keep=1
fi

if [ "${CANARY_TOOLS:-1}" = 1 ]; then
echo "== canary 2/3: the emulator CLI, taskip-run over the examples, a debug trace"
TASKIP_MOCK_SECRET_KEY=$canary "$bin/taskip-mock" --limit 100000 \
  >"$dir/mock.out" 2>"$dir/mock.err" &
mock_pid=$!
for _ in $(seq 1 200); do
  grep -q '^TASKIP_CAFILE=' "$dir/mock.out" 2>/dev/null && break
  sleep 0.05
done
base=$(sed -n 's/^TASKIP_BASE_URL=//p' "$dir/mock.out")
ca=$(sed -n 's/^TASKIP_CAFILE=//p' "$dir/mock.out")
if [ -z "$base" ] || [ -z "$ca" ]; then
  echo "canary: the emulator did not start"; cat "$dir/mock.err"; exit 1
fi
runs=0
for ex in examples/*.lua; do
  name=$(basename "$ex" .lua)
  for mode in "--verbose" "--verbose --json-log" "--verbose --json-log --dry-run"; do
    # shellcheck disable=SC2086
    TASKIP_SECRET_KEY=$canary "$bin/taskip-run" $mode --base-url "$base" \
      --cafile "$ca" "$ex" 2026-01-01 >>"$dir/run-$name.out" 2>>"$dir/run-$name.err"
    echo "exit $?" >>"$dir/run-$name.out"
    runs=$((runs + 1))
  done
done
TASKIP_SECRET_KEY=$canary TASKIP_BASE_URL=$base TASKIP_CAFILE=$ca TASKIP_LUA_DIR=lua \
  "$bin/embed-game-loop" >"$dir/embed.out" 2>"$dir/embed.err"
TASKIP_SECRET_KEY=$canary TASKIP_BASE_URL=$base TASKIP_CAFILE=$ca lua5.4 -e '
  local c = require("taskip").new { debug = true }
  assert(c:get("/contact", { limit = 2 }))
  local _, err = c:get("/contact/999999")
  print(tostring(err))
  c:close()' >"$dir/trace.out" 2>"$dir/trace.err"
curl -sS --cacert "$ca" "${base%/api/public-v1}/__mock/stats" >"$dir/mock-stats.json" 2>&1
kill "$mock_pid"; wait "$mock_pid" 2>/dev/null; mock_pid=
echo "$runs taskip-run runs, the embedding example, a debug trace, the emulator's log"
if ! grep -q '"total_requests":[1-9]' "$dir/mock-stats.json" \
    || ! grep -q 'X-Secret-Key: ' "$dir/trace.err"; then
  echo "canary: the tools did not run as expected"; fail=1; keep=1
fi
fi

echo "== canary 3/3: search"
mapfile -t files < <(find "$dir" -type f | sort)
TASKIP_CANARY_FILE=$keyfile lua5.4 scripts/canary_scan.lua "${files[@]}" || { fail=1; keep=1; }
if [ $fail -ne 0 ]; then echo "canary: FAILED"; exit 1; fi
echo "canary: clean"
