#!/usr/bin/env bash
# Builds the Debian packages a district admin installs (deploy/packaging.cmake):
#   build-deb/safecampusd_VERSION_ARCH.deb   the server, unit, sample config
#   build-deb/safecampus_VERSION_ARCH.deb    the campus client
# Installs the build dependencies that are missing (deploy/deps.sh).
# deploy/deb_check.sh then installs both in a fresh Debian 12 chroot and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/deps.sh
rm -f build-deb/*.deb
cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DSC_TESTS=OFF >/dev/null
cmake --build build-deb -j "${SC_JOBS:-$(nproc)}"
(cd build-deb && cpack -G DEB >/dev/null)
for f in build-deb/*.deb; do
  printf '%s\n' "$f"
  dpkg-deb -f "$f" Package Version Depends | sed 's/^/  /'
done
