#!/bin/sh
# `luarocks test` (the rockspec's test command): builds the module and
# runs its specs (spec/unit) with the busted on PATH, on Lua 5.4.
set -eu
cd "$(dirname "$0")/.."
make -s -j1 all
exec busted --lua=lua5.4 spec/unit "$@"
