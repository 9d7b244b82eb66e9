#!/usr/bin/env bash
# Installs the packages deploy/deb.sh built, with dpkg, into a fresh minimal
# Debian 12 chroot (../shared/tools/fresh-debian.sh makes it; apt takes the
# packages' Depends from the Debian mirror, so a missing dependency shows),
# then checks what a district admin gets (deploy/deb/check_inside.sh): the
# service user, /etc/safecampus, the unit; PostgreSQL from Debian; the server
# started as the unit's ExecStart= and User= say; a campus client from the
# other package records a hazard and syncs it into PostgreSQL; remove and
# purge. Needs root (chroot) and the mirror.   deploy/deb.sh && deploy/deb_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=${SC_FRESH_DEBIAN:-../shared/tools/fresh-debian.sh}
[[ -x $fresh ]] || { echo "deb_check: $fresh not found (set SC_FRESH_DEBIAN)"; exit 2; }
debs=(build-deb/safecampusd_*.deb build-deb/safecampus_*.deb)
for f in "${debs[@]}"; do
  [[ -f $f ]] || { echo "deb_check: $f missing: run deploy/deb.sh first"; exit 2; }
done
# fresh-debian.sh runs a command in a clone of a git repository: give it one
# holding only the packages and the check
repo=$(mktemp -d /tmp/sc-debcheck.XXXXXX)
trap 'rm -rf "$repo"' EXIT
cp "${debs[@]}" deploy/deb/check_inside.sh "$repo/"
git -C "$repo" init -q
git -C "$repo" add .
git -C "$repo" -c user.name=deb_check -c user.email=deb_check@localhost commit -qm packages
"$fresh" --repo "$repo" 'bash check_inside.sh'
