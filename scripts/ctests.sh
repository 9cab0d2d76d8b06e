#!/bin/bash
# The C-level tests, run directly (no Lua interpreter in between) under a
# checker given as the command prefix CHECK; used by make memcheck
# (valgrind) and make sanitize (ASan/UBSan with leak detection on).
#
#   CHECK="valgrind ..." ERR=99 bash scripts/ctests.sh BUILD_DIR
#
# ERR is the exit status CHECK uses for a finding; any run that ends
# with it (or a bad status of its own) fails this script. It runs:
#   - core-test: the core's own unit tests, no network (exit 0 expected);
#   - taskip-mock: start, serve, stop with SIGTERM (exit 0 expected);
#   - host-driver over every spec/attacks script in ONE host per group
#     (as the host specs group them), a benign script last, which must
#     still finish with exit 0;
#   - taskip-run --mock over every examples/*.lua (offline);
#   - taskip-run against taskip-mock for a few attacks;
#   - the embedding example against taskip-mock.
# Ends with "ctests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

B=${1:-build}
CHECK=${CHECK:-}
ERR=${ERR:-99}
# The CPU attacks' limit; slow checkers (valgrind) get a longer one so
# the benign scripts are not timed out themselves.
TIMEOUT=${CTESTS_TIMEOUT:-2}
KEY=test-key-not-a-secret-7f3a
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
note=""
ok() { passed=$((passed + 1)); echo "ok   $1$note"; }
bad() {
  failed=$((failed + 1))
  echo "FAIL $1"
  [ -f "$2" ] && sed 's/^/     | /' "$2" | tail -n 40
}

# checked LOG: valgrind's verdict in LOG, if any, into $note.
checked() {
  local errs lost
  errs=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$1" | tail -n 1)
  lost=$(sed -n 's/^==[0-9]*==    definitely lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tail -n 1)
  note=""
  [ -n "$errs" ] && note=" [valgrind: $errs errors, ${lost:-0} bytes definitely lost]"
}

# run NAME LOG CMD...: runs CMD under CHECK; status in $rc.
run() {
  local name=$1 log=$2
  shift 2
  # shellcheck disable=SC2086
  $CHECK "$@" >"$log" 2>&1
  rc=$?
  checked "$log"
  if [ "$rc" = "$ERR" ]; then
    bad "$name: checker reported errors (status $rc)" "$log"
    return 1
  fi
  return 0
}

# start_mock NAME ARGS...: taskip-mock in the background; sets URL, CA, MPID.
start_mock() {
  local name=$1
  shift
  local out=$tmp/$name.out
  # shellcheck disable=SC2086
  $CHECK "$B/taskip-mock" --secret-key "$KEY" --ca-out "$tmp/$name.pem" "$@" \
    >"$out" 2>"$tmp/$name.err" &
  MPID=$!
  pids+=("$MPID")
  for _ in $(seq 1 600); do
    grep -q '^TASKIP_CAFILE=' "$out" 2>/dev/null && break
    kill -0 "$MPID" 2>/dev/null || break
    sleep 0.05
  done
  URL=$(sed -n 's/^TASKIP_BASE_URL=//p' "$out")
  CA=$(sed -n 's/^TASKIP_CAFILE=//p' "$out")
  if [ -z "$URL" ]; then
    bad "taskip-mock $name did not start" "$tmp/$name.err"
    return 1
  fi
}

# stop_mock NAME PID: SIGTERM, then exit status 0 expected.
stop_mock() {
  local name=$1 pid=$2 st
  kill -TERM "$pid"
  wait "$pid"
  st=$?
  checked "$tmp/$name.err"
  if [ "$st" = 0 ]; then ok "taskip-mock $name: start, serve, stop"
  else bad "taskip-mock $name: exit status $st after SIGTERM" "$tmp/$name.err"; fi
}

# The core alone (spec/c/core_test.c): no emulator, no network.
log=$tmp/core-test
if run "core-test" "$log" "$B/core-test"; then
  if [ "$rc" = 0 ]; then ok "core-test: $(grep -a '^core_test: .* passed' "$log" | tail -n 1)"
  else bad "core-test: exit status $rc" "$log"; fi
fi

start_mock main || exit 1
MAIN_URL=$URL MAIN_CA=$CA MAIN_PID=$MPID
start_mock redirect --redirect "${MAIN_URL%/api/public-v1}/elsewhere" || exit 1
RED_URL=$URL RED_CA=$CA RED_PID=$MPID

# The host driver: one host per group, a benign script last.
main=() memory=() redirect=()
for f in spec/attacks/*.lua; do
  id=$(basename "$f" .lua)
  case $id in
    z_*) ;;
    g27*) memory+=("$f") ;;
    e17_redirect) redirect+=("$f") ;;
    *) main+=("$f") ;;
  esac
done
printf '\033Lua\124\000this is bytecode, not text' >"$tmp/b05_binary.lua"
redirect+=("$tmp/b05_binary.lua")

driver() {
  local name=$1 url=$2 ca=$3 benign=$4 extra=$5
  shift 5
  local log=$tmp/driver.$name n=$(($# + 1))
  # shellcheck disable=SC2086
  run "host-driver $name" "$log" "$B/host-driver" --base-url "$url" --cafile "$ca" \
    --key "$KEY" --arg "$KEY" --lua-dir lua $extra "$@" "$benign" || return
  if [ "$rc" != 0 ]; then
    bad "host-driver $name: exit status $rc" "$log"
  elif ! grep -q "^done	$n	0	" "$log"; then
    bad "host-driver $name: the benign script did not finish with 0" "$log"
  else
    ok "host-driver $name: $(($# )) attacks and a benign script in one host"
  fi
}
driver main "$MAIN_URL" "$MAIN_CA" spec/attacks/z_benign.lua \
  "--timeout $TIMEOUT" "${main[@]}"
driver memory "$MAIN_URL" "$MAIN_CA" spec/attacks/z_benign.lua \
  "--timeout $((TIMEOUT * 3)) --max-memory 16" "${memory[@]}"
driver redirect "$RED_URL" "$RED_CA" spec/attacks/z_offline.lua \
  "--timeout $TIMEOUT" "${redirect[@]}"

# taskip-run over the examples, offline (--mock: taskip-mock, started by taskip-run).
for f in examples/*.lua; do
  log=$tmp/run.$(basename "$f")
  run "taskip-run --mock $f" "$log" env -u TASKIP_SECRET_KEY "$B/taskip-run" --mock "$f" \
    || continue
  if [ "$rc" = 0 ]; then ok "taskip-run --mock $f"
  else bad "taskip-run --mock $f: exit status $rc" "$log"; fi
done

# taskip-run against taskip-mock: a few attacks with their expected status.
for f in spec/attacks/e15_key_not_visible.lua spec/attacks/e18_echo_scrubbed.lua \
    spec/attacks/g27a_concat_doubling.lua spec/attacks/f19_infinite_loop.lua \
    spec/attacks/z_benign.lua; do
  want=$(sed -n 's/^-- expect: exit=\([0-9]*\).*/\1/p' "$f")
  log=$tmp/run.$(basename "$f")
  run "taskip-run $f" "$log" env TASKIP_SECRET_KEY="$KEY" "$B/taskip-run" \
    --base-url "$MAIN_URL" --cafile "$MAIN_CA" --timeout "$TIMEOUT" \
    --max-memory 16 "$f" "$KEY" || continue
  if [ "$rc" = "$want" ]; then ok "taskip-run $f (exit $rc)"
  else bad "taskip-run $f: exit status $rc, expected $want" "$log"; fi
done

# The embedding example. Its 1 ms CPU bound per step(0) (and reaching
# 100 requests in flight) is checked by the specs on the normal build;
# under a checker its exit 1 for those is accepted, only a clean run
# counts.
# A slow emulator keeps the 100 requests in flight long enough.
start_mock slow --latency-ms 50 || exit 1
SLOW_PID=$MPID
log=$tmp/embed
if run "embed-game-loop" "$log" env TASKIP_SECRET_KEY="$KEY" TASKIP_BASE_URL="$URL" \
    TASKIP_CAFILE="$CA" TASKIP_LUA_DIR=lua "$B/embed-game-loop"; then
  if [ "$rc" = 0 ] || { [ -n "$CHECK" ] && [ "$rc" = 1 ]; }; then
    ok "embed-game-loop (exit $rc): $(grep -o 'steps=.*\|never saw.*' "$log" | head -n 1)"
  else
    bad "embed-game-loop: exit status $rc" "$log"
  fi
fi

stop_mock slow "$SLOW_PID"
stop_mock redirect "$RED_PID"
stop_mock main "$MAIN_PID"
pids=()

echo "ctests: $passed passed, $failed failed"
[ "$failed" = 0 ]
