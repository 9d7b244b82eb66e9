#!/usr/bin/env bash
# The long fuzz run: every target for EXECS executions (default 10 million,
# libFuzzer -runs=), all targets at once under nice, each from a copy of its
# committed corpus. Prints one line per target (executions, new coverage
# units, crash or not) and exits non-zero if any target crashed; crash inputs
# are kept in the output directory.
#
#   tests/fuzz/run_long.sh [EXECS]
#
# Environment: SC_FUZZ_BUILD (build directory, default build-fuzz; configured
# and built here with clang), SC_FUZZ_OUT (output directory, default
# build-fuzz/long-<date>), SC_FUZZ_LONG_SECONDS (also stop each target after
# this long; default none), SC_FUZZ_TARGETS (default: all of them). Record
# the last run in docs/internals/faults.md ("Fuzzing: the last long run").
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
EXECS=${1:-10000000}
BUILD=${SC_FUZZ_BUILD:-build-fuzz}
OUT=${SC_FUZZ_OUT:-$BUILD/long-$(date -u +%Y%m%dT%H%M%SZ)}
TARGETS=(${SC_FUZZ_TARGETS:-envelope changes pushack dashboard notify config identity csv})
limit=()
[[ -n ${SC_FUZZ_LONG_SECONDS:-} ]] && limit=(-max_total_time="$SC_FUZZ_LONG_SECONDS")

CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DSC_FUZZ=ON -DSC_TESTS=OFF >/dev/null
nice -n 19 cmake --build "$BUILD" -j 2 --target "${TARGETS[@]/#/fuzz_}" >/dev/null
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo "run_long: ${TARGETS[*]}, $EXECS executions each${limit:+ or ${SC_FUZZ_LONG_SECONDS} s}, output in $OUT"
start=$(date +%s)
pids=()
for name in "${TARGETS[@]}"; do
  mkdir -p "$OUT/$name/corpus" "$OUT/$name/crashes"
  cp tests/fuzz/corpus/"$name"/* "$OUT/$name/corpus/"
  (cd "$OUT/$name" && exec nice -n 19 "$ROOT/$BUILD/tests/fuzz/fuzz_$name" -runs="$EXECS" \
     "${limit[@]}" -max_len=65536 -print_final_stats=1 -artifact_prefix="$OUT/$name/crashes/" \
     corpus >"$OUT/$name/log" 2>&1) &
  pids+=($!)
done
failed=0
for i in "${!TARGETS[@]}"; do
  name=${TARGETS[$i]}
  rc=0
  wait "${pids[$i]}" || rc=$?
  log=$OUT/$name/log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  if ((rc == 0)); then
    result="no crash"
  else
    result="FAILED (exit $rc): $(ls "$OUT/$name/crashes" | head -3 | tr '\n' ' ')"
    failed=1
  fi
  printf 'fuzz %-10s executions %-10s new units %-6s %s\n' "$name" "${execs:-?}" "${new:-?}" \
    "$result" | tee -a "$OUT/summary"
done
echo "run_long: $(( $(date +%s) - start )) s; summary in $OUT/summary" | tee -a "$OUT/summary"
exit "$failed"
