#!/bin/bash
# The libFuzzer targets of fuzz/ (built by make fuzz-build into FUZZ_B).
#
#   scripts/fuzz.sh run FUZZ_B SECONDS TARGET...
#     fuzzes each target for SECONDS with its seed corpus fuzz/corpus/T/
#     (new inputs go to FUZZ_B/corpus/T/, the committed seeds stay as
#     they are), prints the executions per target, and fails on a crash,
#     leak, timeout or out-of-memory: the input is left in
#     FUZZ_B/artifacts/T/; copy it to fuzz/regressions/T/ once fixed.
#   scripts/fuzz.sh regress FUZZ_B 0 TARGET...
#     replays fuzz/regressions/T/* and fuzz/corpus/T/* once each.
#
# Ends with "fuzz: N passed, N failed" / "fuzz-regress: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

mode=$1 B=$2 seconds=$3
shift 3
export TASKIP_LUA_DIR=$PWD/lua
# libFuzzer: leaks count (LSan after each input with unbalanced mallocs).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

passed=0
failed=0
stats=$B/fuzz-stats.txt

if [ "$mode" = regress ]; then
  for t in "$@"; do
    files=()
    for f in fuzz/regressions/"$t"/* fuzz/corpus/"$t"/*; do
      [ -f "$f" ] && files+=("$f")
    done
    log=$B/regress-$t.log
    if "$B/fuzz_$t" -runs=1 "${files[@]}" >"$log" 2>&1; then
      passed=$((passed + 1))
      echo "ok   fuzz_$t: ${#files[@]} inputs replayed"
    else
      failed=$((failed + 1))
      echo "FAIL fuzz_$t (see $log)"
      tail -n 30 "$log"
    fi
  done
  echo "fuzz-regress: $passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
fi

: >"$stats"
for t in "$@"; do
  work=$B/corpus/$t
  art=$B/artifacts/$t/
  mkdir -p "$work" "$art"
  log=$B/fuzz-$t.log
  opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560
        -print_final_stats=1 -artifact_prefix="$art")
  [ -f "fuzz/$t.dict" ] && opts+=(-dict="fuzz/$t.dict")
  [ "$t" = host ] && opts+=(-max_len=4096)
  echo "== fuzz_$t for ${seconds}s"
  "$B/fuzz_$t" "${opts[@]}" "$work" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
  line="fuzz_$t: ${execs:-?} executions in ${seconds}s (${rate:-?}/s, ${cov:-cov: ?}), corpus $(find "$work" -type f | wc -l) files"
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1))
    echo "ok   $line" | tee -a "$stats"
  else
    failed=$((failed + 1))
    echo "FAIL $line, exit $rc" | tee -a "$stats"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" | head
    tail -n 40 "$log"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
