#!/bin/bash
# make sanitize: builds everything (core and emulator modules,
# taskip-mock, taskip-run, host-driver, embed-game-loop) with
# AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ (the
# normal build/ is untouched), then runs
#   1. the whole suite (luacheck + busted, as make test) against that
#      build: LUA_CPATH and TASKIP_BUILD point the specs at build-asan/;
#   2. the C-level tests (scripts/ctests.sh) with leak detection on;
#   3. the fuzz regression inputs (make fuzz-regress), if clang has
#      libFuzzer.
# Ends with the line "N passed, N failed" of the busted run, the C-level
# tests and any sanitizer report added together.
#
# Choices:
# - clang with -shared-libasan: every program and module uses the one
#   dynamic ASan runtime (found by rpath). UBSan is built with
#   -fno-sanitize-recover: any finding aborts.
# - The .so modules need the ASan runtime loaded first in the process.
#   Rather than LD_PRELOAD into the stock lua5.4 (inherited by every
#   process the specs start: sh, curl, make, gcc, with their leak
#   reports and an occasional deadlock in curl's setlocale), the suite
#   runs under $B/bin/lua5.4, an ASan-linked interpreter
#   (scripts/asan_lua.c), first in PATH. Leak detection is off in that
#   interpreter only (its __asan_default_options; busted exits without
#   closing its state) and stays on in our C programs the specs run
#   (taskip-run, taskip-mock, host-driver, embed-game-loop).
# - In the suite, reports go to files (log_path), and any report file
#   fails make sanitize: a spec that expects a failing exit status cannot
#   swallow one. A finding also exits with status 99.
# - TASKIP_SLOW=3: the specs with wall-clock limits (the attack specs'
#   time limit) scale them, as everything runs 2-3 times slower; the
#   C-level pass gets the same (CTESTS_TIMEOUT=6 for its CPU attacks).
#   TASKIP_SANITIZER tells specs that memory figures (RSS) include ASan's
#   shadow memory and quarantine (env.SANITIZED).
# - The C-level pass (scripts/ctests.sh) runs the same programs directly,
#   with leak detection on.
# - A spec file that fails in the suite is run once more on its own (its
#   failures are printed; they count if they come back): this pass is
#   for memory errors, and at ASan's speed a wall-clock window can slip
#   on a busy machine. make test itself has no second chance.
set -uo pipefail
cd "$(dirname "$0")/.."

B=${SAN_B:-build-asan}
CC=${SAN_CC:-clang}
CXX=${SAN_CXX:-clang++}           # links the C++ examples with the same runtime
MAKE=${MAKE:-make}
RT=$($CC -print-file-name=libclang_rt.asan-x86_64.so)
if [ ! -f "$RT" ]; then
  echo "sanitize: no ASan runtime for $CC (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

echo "== build ($B, $CC -fsanitize=address,undefined)"
# Command-line variables of an outer make must not leak into the specs'
# own make runs (make install in tools_spec builds the normal build/).
unset MAKEFLAGS MFLAGS MAKELEVEL
$MAKE -s -j"$(nproc)" B="$B" CC="$CC" CXX="$CXX" CFLAGS="-O1 -g $SAN" \
  LDFLAGS="$SAN -shared-libasan -Wl,-rpath,$(dirname "$RT")" all || exit 1

mkdir -p "$B/bin"
$CC -std=c99 -Wall -Wextra -Werror -g -O1 $SAN $(pkg-config --cflags lua5.4) \
  scripts/asan_lua.c -o "$B/bin/lua5.4" -shared-libasan \
  -Wl,-rpath,"$(dirname "$RT")" $(pkg-config --libs lua5.4) -lm || exit 1

# luarocks (tools_spec) looks for lua.h next to the lua5.4 it finds first
# in PATH: ours, so point it at the system headers.
mkdir -p "$B/include"
lua_inc=$(pkg-config --cflags-only-I lua5.4 | sed 's/^ *-I//; s/ .*//')
ln -sfn "${lua_inc:-/usr/include/lua5.4}" "$B/include/lua5.4"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
common="exitcode=99:print_summary=1"

suite_run() {   # scripts/test.sh under the ASan build, output in $1
  PATH="$PWD/$B/bin:$PATH" \
    ASAN_OPTIONS="$common:log_path=$logs/asan" \
    UBSAN_OPTIONS="$common:print_stacktrace=1:log_path=$logs/ubsan" \
    TASKIP_BUILD=$B TASKIP_SLOW=3 TASKIP_SANITIZER=address,undefined \
    LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;;" \
    LUA_CPATH="$PWD/$B/?.so;;" \
    bash scripts/test.sh "${@:2}" 2>&1 | tee "$1"
  return "${PIPESTATUS[0]}"
}
tally() {       # "passed failed" of a test.sh output
  tail -n 1 "$1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p'
}
failing_files() {   # the spec files of the failures in a busted output
  sed 's/\x1b\[[0-9;]*m//g' "$1" |
    sed -n 's/^\(Failure\|Error\) → \(spec\/[^ ]*_spec\.lua\) @ .*/\2/p' | sort -u
}

echo "== suite under ASan/UBSan ($B/bin/lua5.4 first in PATH)"
out=$logs/suite.out
suite_run "$out" "$@"
suite=$?
read -r s_passed s_failed <<<"$(tally "$out")"
[ -z "$s_passed" ] && s_passed=0 s_failed=1

# Everything runs 2-3 times slower here, and a busy machine can push a
# spec with a wall-clock window past it: a spec file that failed is run
# once more on its own, and its failures count only if they come back.
# What failed the first time is printed either way; a sanitizer report
# from either run still fails the whole.
files=$(failing_files "$out")
if [ "$s_failed" != 0 ] && [ -n "$files" ]; then
  echo "== failed under ASan, run once more on their own:" $files
  suite_run "$logs/rerun.out" $files >/dev/null
  suite=$?
  read -r r_passed r_failed <<<"$(tally "$logs/rerun.out")"
  [ -z "$r_passed" ] && r_passed=0 r_failed=1
  sed 's/\x1b\[[0-9;]*m//g' "$logs/rerun.out" |
    grep -aE -A1 '^(Failure|Error) ' | grep -v '^--$'
  echo "rerun: $r_passed passed, $r_failed failed"
  s_passed=$((s_passed + s_failed - r_failed))
  [ "$s_passed" -lt 0 ] && s_passed=0
  s_failed=$r_failed
fi

echo "== C-level tests under ASan/UBSan (leaks on)"
cout=$logs/ctests.out
# The CPU attacks' time limit there, scaled like the suite's (TASKIP_SLOW):
# the benign script in each host must finish within it next to them,
# with everything slower and the machine maybe busy.
CTESTS_TIMEOUT=${CTESTS_TIMEOUT:-6} CHECK=env ERR=99 \
  ASAN_OPTIONS="$common:detect_leaks=1" \
  UBSAN_OPTIONS="$common:print_stacktrace=1" \
  bash scripts/ctests.sh "$B" 2>&1 | tee "$cout"
cline=$(tail -n 1 "$cout")
c_passed=$(echo "$cline" | sed -n 's/^ctests: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
c_failed=$(echo "$cline" | sed -n 's/^ctests: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -z "$c_passed" ] && c_passed=0 c_failed=1

f_passed=0 f_failed=0
if [ -f "$($CC -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
  echo "== fuzz regressions"
  fout=$logs/fuzz.out
  $MAKE -s fuzz-regress 2>&1 | tee "$fout"
  fline=$(tail -n 1 "$fout")
  f_passed=$(echo "$fline" | sed -n 's/^fuzz-regress: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
  f_failed=$(echo "$fline" | sed -n 's/^fuzz-regress: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
  [ -z "$f_passed" ] && f_passed=0 f_failed=1
fi

reports=0
for f in "$logs"/asan* "$logs"/ubsan*; do
  [ -e "$f" ] || continue
  reports=$((reports + 1))
  echo "== sanitizer report $f"
  cat "$f"
done
[ "$reports" -gt 0 ] && echo "sanitize: $reports sanitizer report(s) in the suite run"
if [ "$suite" != 0 ] && [ "$s_failed" = 0 ]; then s_failed=1; fi

echo "sanitize: suite $s_passed/$s_failed, C-level $c_passed/$c_failed," \
  "fuzz regressions $f_passed/$f_failed, reports $reports"
echo "$((s_passed + c_passed + f_passed)) passed, $((s_failed + c_failed + f_failed + reports)) failed"
[ "$((s_failed + c_failed + f_failed + reports))" = 0 ]
