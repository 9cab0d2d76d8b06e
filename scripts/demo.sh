#!/bin/sh
# Runs an example script in the sandboxed host against the emulator,
# started in-process by taskip-run --mock. No TaskIP account needed.
set -eu
cd "$(dirname "$0")/.."
exec build/taskip-run --mock examples/list_contacts.lua
