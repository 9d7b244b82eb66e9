#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine:
#   1. installs what is missing (deploy/deps.sh --test), checks that the C
#      sources follow .clang-format
#   2. builds twice: normal, and AddressSanitizer + UndefinedBehaviorSanitizer,
#      plus the libFuzzer target with clang
#   3. starts its own PostgreSQL cluster (tests/lib/pg.sh) on a Unix socket and
#      a free loopback port
#   4. runs every test with ctest in both builds, then the fuzzer for a
#      bounded time
#   5. stops PostgreSQL; exits non-zero on any failure
#
# Environment: SC_JOBS (build parallelism, default nproc), SC_TEST_JOBS (tests
# run side by side, default SC_JOBS + 3), SC_FUZZ_SECONDS
# (the envelope fuzzer, default 45), SC_FUZZ_TARGET_SECONDS (each other fuzz
# target, default 6: 45 + 7 x 6 = 87 s of fuzzing, in two lanes of 45 and
# 42 s when SC_JOBS >= 2), SC_SKIP_ASAN=1 to run only the normal build (local
# use; CI runs both). tests/fuzz/run_long.sh is the long run.
# At the end: each stage's seconds; after each ctest, how many cores its
# tests kept busy (docs/internals/tests.md has the measurements).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${SC_JOBS:-$(nproc)}
# most tests wait on sockets, timers and PostgreSQL more than they compute:
# on 2 idle cores -j 5 took 27-31 % less wall than -j 3, every test passing
# (docs/internals/tests.md, "SC_TEST_JOBS")
TEST_JOBS=${SC_TEST_JOBS:-$((JOBS + 3))}
FUZZ_SECONDS=${SC_FUZZ_SECONDS:-45}
FUZZ_TARGET_SECONDS=${SC_FUZZ_TARGET_SECONDS:-6}
FUZZ_TARGETS=(envelope changes pushack dashboard notify csv config identity)
start=$(date +%s)

# each stage's start, for the table of stage times at the end
stage_names=()
stage_starts=()
step() {
  stage_names+=("$*")
  stage_starts+=("$(date +%s)")
  printf '\n=== %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"
}
stage_times() {
  local i end
  echo "stage times (s):"
  for ((i = 0; i + 1 < ${#stage_names[@]}; i++)); do
    end=${stage_starts[i + 1]}
    printf '  %5d  %s\n' "$((end - stage_starts[i]))" "${stage_names[i]}"
  done
  printf '  %5d  total\n' "$(( $(date +%s) - start ))"
}

step "dependencies"
deploy/deps.sh --test

failed=0
step "format: the C sources follow .clang-format"
# clang-format from Debian 12 (14); `git ls-files '*.[ch]' | xargs clang-format -i` fixes it
mapfile -t c_sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find client common server tests -name '*.[ch]')
if ! clang-format --dry-run --Werror "${c_sources[@]}"; then
  echo "format: the files above differ from .clang-format"
  failed=1
fi

step "build (normal)"
# SC_TESTS=ON said, not assumed: deploy/demo.sh, run first in the same
# checkout, configured build/ without the tests, and the cache kept it so
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSC_TESTS=ON >/dev/null
cmake --build build -j "$JOBS"

if [[ "${SC_SKIP_ASAN:-0}" != 1 ]]; then
  step "build (ASan + UBSan)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSC_SANITIZE=ON -DSC_TESTS=ON >/dev/null
  cmake --build build-asan -j "$JOBS"
fi

step "build (libFuzzer)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSC_FUZZ=ON -DSC_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$JOBS" --target "${FUZZ_TARGETS[@]/#/fuzz_}"

step "PostgreSQL"
# shellcheck source=tests/lib/pg.sh
source tests/lib/pg.sh
SC_TEST_TMP=$(mktemp -d /tmp/safecampus-test.XXXXXX)
export SC_TEST_TMP
cleanup() {
  pg_stop "$SC_TEST_TMP/pg" || true
  rm -rf "$SC_TEST_TMP"
}
trap cleanup EXIT
pg_start "$SC_TEST_TMP/pg"

# CPU seconds (user + system) of this shell's waited-for children so far:
# `times` must run in this shell (in $(...) it would count a subshell's own
# children, none), so cpu_snap NAME keeps its output and cpu_of NAME reads it
cpu_snap() { times >"$SC_TEST_TMP/times.$1"; }
cpu_of() {
  sed -n 2p "$SC_TEST_TMP/times.$1" |
    awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.0f\n", t }'
}
# CPU seconds of the shared cluster: the postmaster and its ended backends
pg_cpu() {
  local pid
  pid=$(head -n 1 "$SC_TEST_TMP/pg/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  # fields 14-17 after the pid: utime stime cutime cstime, in clock ticks
  sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null |
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($12 + $13 + $14 + $15) / hz }' || echo 0
}
run_ctest() {
  local dir=$1 t0 p0 wall cpu pg
  shift
  step "ctest in $dir $*"
  cpu_snap before
  t0=$(date +%s) p0=$(pg_cpu)
  # side by side: each test has its own database, folder and ports; those that
  # share something are serialised in tests/CMakeLists.txt (RUN_SERIAL, RESOURCE_LOCK)
  if ! (cd "$dir" && ctest --output-on-failure --no-tests=error --timeout 600 -j "$TEST_JOBS" "$@"); then
    failed=1
  fi
  # whether -j TEST_JOBS kept the cores busy: CPU seconds over wall seconds
  # (private clusters and daemons the tests leave to init are not counted)
  cpu_snap after
  wall=$(($(date +%s) - t0)) cpu=$(($(cpu_of after) - $(cpu_of before))) pg=$(($(pg_cpu) - p0))
  echo "ctest in $dir: ${wall} s, -j $TEST_JOBS; CPU ${cpu} s in the tests' processes +" \
    "${pg} s in PostgreSQL = $(awk -v c=$((cpu + pg)) -v w=$((wall > 0 ? wall : 1)) \
    'BEGIN { printf "%.2f", c / w }') cores busy of $(nproc)"
}
run_ctest build
if [[ "${SC_SKIP_ASAN:-0}" != 1 ]]; then
  # the PostgreSQL fault suite (3-4 minutes of restarts and timeouts) runs in
  # the normal build only, to keep the whole run near 15 minutes
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest build-asan -E e2e_db_faults
fi

step "fuzz: envelope $FUZZ_SECONDS s, the others $FUZZ_TARGET_SECONDS s each"
# each target starts from its committed corpus (copied: new finds stay out of
# the tree); a crash, leak or failed check fails the run. A fuzzer keeps one
# core busy, so with two or more (SC_JOBS) the envelope runs in one lane and
# the other seven one after another in a second: every target still gets its
# seconds of a core, and the stage takes 45 s instead of 87.
fuzz_one() {
  local name=$1 secs=$FUZZ_TARGET_SECONDS corpus
  [[ $name == envelope ]] && secs=$FUZZ_SECONDS
  corpus=$SC_TEST_TMP/corpus-$name
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$name"/* "$corpus"/
  if (cd "$SC_TEST_TMP" && "$ROOT"/build-fuzz/tests/fuzz/fuzz_"$name" -max_total_time="$secs" \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$ROOT/build-fuzz/" "$corpus" \
        2>"$SC_TEST_TMP/fuzz-$name.log"); then
    echo ok >"$SC_TEST_TMP/fuzz-$name.status"
  else
    echo failed >"$SC_TEST_TMP/fuzz-$name.status"
  fi
}
fuzz_lane() {
  local name
  for name in "$@"; do fuzz_one "$name"; done
}
fuzz_rest=()
for name in "${FUZZ_TARGETS[@]}"; do
  [[ $name == envelope ]] || fuzz_rest+=("$name")
done
if ((JOBS >= 2)); then
  fuzz_lane envelope &
  fuzz_lane "${fuzz_rest[@]}"
  wait $! || true
else
  fuzz_lane "${FUZZ_TARGETS[@]}"
fi
for name in "${FUZZ_TARGETS[@]}"; do
  if [[ $(cat "$SC_TEST_TMP/fuzz-$name.status" 2>/dev/null) == ok ]]; then
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$SC_TEST_TMP/fuzz-$name.log" || true
    echo "fuzz $name: no crash"
  else
    tail -50 "$SC_TEST_TMP/fuzz-$name.log"
    echo "fuzz $name: FAILED"
    failed=1
  fi
done

step "done"
stage_times
if ((failed)); then
  echo "tests/run.sh: FAILED"
  exit 1
fi
echo "tests/run.sh: all passed"
