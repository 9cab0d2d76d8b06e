#!/bin/bash
# make load: one host runs LOAD_SCRIPTS scripts x LOAD_CALLS calls
# (default 1000 x 10) against taskip-mock, through the C host API
# (build/load-driver), and checks every call was counted at the
# emulator and every write created exactly one record. Prints the
# figures: calls, duration, peak RSS of the host process, per script.
# The spec is spec/integration/load_spec.lua (100 x 10 in make test).
set -uo pipefail
cd "$(dirname "$0")/.."

report=$(mktemp)
trap 'rm -f "$report"' EXIT
TASKIP_LOAD_SCRIPTS=${LOAD_SCRIPTS:-1000} TASKIP_LOAD_CALLS=${LOAD_CALLS:-10} \
  TASKIP_LOAD_REPORT=$report \
  lua5.4 /usr/bin/busted --output=utfTerminal spec/integration/load_spec.lua
status=$?
echo
if [ -s "$report" ]; then cat "$report"; else echo "load: no figures (the run failed)"; fi
exit $status
