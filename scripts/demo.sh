#!/bin/sh
# Starts taskip-mock on a free loopback port, runs an example against it
# with a demo key, then stops the emulator. No TaskIP account needed.
set -eu
cd "$(dirname "$0")/.."

KEY=demo-key-not-a-secret
dir=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

build/taskip-mock --secret-key "$KEY" --ca-out "$dir/ca.pem" \
  >"$dir/env" 2>"$dir/log" &
pid=$!
i=0
until grep -q '^TASKIP_CAFILE=' "$dir/env" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "taskip-mock did not start:" >&2
    cat "$dir/log" >&2
    exit 1
  fi
  sleep 0.1
done
TASKIP_BASE_URL=$(sed -n 's/^TASKIP_BASE_URL=//p' "$dir/env")
TASKIP_CAFILE=$(sed -n 's/^TASKIP_CAFILE=//p' "$dir/env")
echo "emulator at $TASKIP_BASE_URL"
echo
TASKIP_BASE_URL=$TASKIP_BASE_URL TASKIP_CAFILE=$TASKIP_CAFILE \
  TASKIP_SECRET_KEY=$KEY lua5.4 examples/list_contacts.lua
