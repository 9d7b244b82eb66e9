#!/usr/bin/env bash
# Installs the Debian 12 packages safecampus needs to build, test and run,
# and only those that are missing. Used by deploy/demo.sh and tests/run.sh.
#   deploy/deps.sh [--test]     --test adds what the test suite needs
set -euo pipefail

pkgs=(build-essential cmake pkg-config openssl ca-certificates
      libuv1-dev libprotobuf-c-dev protobuf-c-compiler libpq-dev postgresql
      libssl-dev libsqlite3-dev gettext libmicrohttpd-dev)
if [[ "${1:-}" == "--test" ]]; then
  # chromium: tests/e2e/dashboard_html.sh opens the dashboard page headless
  # faketime: tests/e2e/equal_stamps.sh runs campuses with clocks set ahead
  # python3: tests/tools/tls_stall.py (tests/e2e/sync_reconnect.sh)
  # curl: the web interface's e2e tests (web_*, report_*) talk HTTP with it
  # clang-format: tests/run.sh checks the C sources against .clang-format
  # haproxy: tests/e2e/haproxy.sh (several safecampusd behind it, PROXY protocol v2)
  # nodejs, npm: tests/e2e/browser.sh drives chromium with puppeteer-core (tests/browser/);
  # fonts-wqy-microhei: a small CJK font, so its screenshots show the Chinese
  pkgs+=(libcmocka-dev clang clang-format curl libclang-rt-14-dev sqlite3 procps iproute2 chromium faketime
         python3 haproxy nodejs fonts-wqy-microhei)
  # Debian's nodejs leaves npm to a package of its own; other builds of nodejs
  # (NodeSource's) carry it and conflict with that package
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Debian's postgresql package would create and start a system cluster on port
# 5432; safecampus starts clusters of its own, so ask for none (an existing
# setting is left alone).
if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
