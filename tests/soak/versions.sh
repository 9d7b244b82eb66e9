#!/usr/bin/env bash
# The long soak of tests/e2e/version_faults.sh: many rounds of edits from two
# campuses (clocks real, an hour fast, or frozen alike so stamps collide)
# synced through cuts and SIGKILLs of clients and server, every acknowledged
# version checked after every round. Not part of tests/run.sh (minutes long).
#
#   tests/soak/versions.sh [ROUNDS] [SEED]      (default 120 rounds, seed = now)
#
# Builds the normal build if needed, starts its own PostgreSQL, prints the
# counts line (written, acknowledged, stored, superseded, lost, duplicated,
# equal stamps, kills, cuts) and exits non-zero on any lost or duplicated
# version. Record the last long run in docs/internals/faults.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=${1:-120}
SEED=${2:-$(date +%s)}
deploy/deps.sh --test
if [[ ! -x build/safecampusd || ! -x build/tests/faultproxy ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc)" >/dev/null
fi
# shellcheck source=tests/lib/pg.sh
source tests/lib/pg.sh
dir=$(mktemp -d /tmp/safecampus-soak.XXXXXX)
trap 'pg_stop "$dir/pg" || true; rm -rf "$dir"' EXIT
pg_start "$dir/pg"
SC_BIN_DIR=$ROOT/build SC_SOURCE_DIR=$ROOT VF_ROUNDS=$ROUNDS VF_SEED=$SEED \
  bash tests/e2e/version_faults.sh | tee "$dir/soak.log" | grep -E '^(#|FAIL)|passed'
