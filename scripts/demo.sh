#!/bin/sh
# Runs an example script in the sandboxed host against the emulator,
# which taskip-run --mock starts (build/taskip-mock, beside it). No
# TaskIP account needed.
set -eu
cd "$(dirname "$0")/.."
exec build/taskip-run --mock examples/list_contacts.lua
