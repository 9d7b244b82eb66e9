#!/usr/bin/env bash
# Run by deploy/deb_check.sh as root inside a fresh Debian 12 chroot, in a
# folder holding safecampusd_*.deb and safecampus_*.deb. Each step prints
# "ok - ..." or stops the script with "FAIL - ..." and a non-zero exit.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
ok() { printf 'ok   - %s\n' "$1"; }
fail() { printf 'FAIL - %s\n' "$1"; [[ -f /tmp/server.log ]] && tail -20 /tmp/server.log; exit 1; }
check() { local what=$1; shift; if "$@" >/tmp/check.out 2>&1; then ok "$what"; else cat /tmp/check.out; fail "$what"; fi; }
# the chroot shares the machine's processes: leave none behind, pass or fail
spid=
cleanup() {
  [[ -n $spid ]] && kill -KILL "$spid" 2>/dev/null
  pg_ctlcluster 15 main stop -m immediate >/dev/null 2>&1 || true
}
trap cleanup EXIT
# a loopback port nothing accepts on, outside the ephemeral range
free_port() {
  local p
  for p in $(shuf -i 20000-30000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# the packages, with what they depend on from the mirror; PostgreSQL is the
# server package's Recommends: no cluster by default, one is made below
mkdir -p /etc/postgresql-common
echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
check "apt-get update" apt-get update -qq
check "apt-get install ./safecampusd_*.deb ./safecampus_*.deb (and Recommends)" \
  apt-get install -y -qq ./safecampusd_*.deb ./safecampus_*.deb
check "postgresql came as the server's Recommends" dpkg-query -W postgresql-15
check "the service user exists" getent passwd safecampus
check "it cannot log in" bash -c '[[ $(getent passwd safecampus | cut -d: -f7) == /usr/sbin/nologin ]]'
check "/etc/safecampus/safecampusd.conf, root:safecampus 0640" \
  bash -c '[[ $(stat -c %U:%G:%a /etc/safecampus/safecampusd.conf) == root:safecampus:640 ]]'
unit=/usr/lib/systemd/system/safecampusd.service
check "the unit is installed" test -f "$unit"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
check "ExecStart names the installed binary ($exec_start)" test -x "${exec_start%% *}"
check "the Chinese catalogue is installed" test -f /usr/share/locale/zh_CN/LC_MESSAGES/safecampus.mo
check "the client speaks Chinese from the package" \
  bash -c 'LANG=C.UTF-8 safecampus --lang zh --help | grep -q "用法"'

# the district's PKI with the packaged script, into the paths the sample
# configuration names
pki=/usr/share/safecampusd/pki.sh
check "pki.sh: district CA and server certificate" "$pki" /etc/safecampus/pki d1 localhost
check "pki.sh: a campus certificate" "$pki" issue /etc/safecampus/pki school001 main
check "pki.sh: the people admin key" "$pki" people /etc/safecampus/pki
chgrp safecampus /etc/safecampus/pki/server.key && chmod 0640 /etc/safecampus/pki/server.key

# PostgreSQL as Debian runs it; the server reaches it over the local socket
# with peer authentication, as its own OS user
pgport=$(free_port) || fail "no free port"
check "pg_createcluster 15 main --start (port $pgport)" pg_createcluster -p "$pgport" 15 main --start
check "role and database safecampus" runuser -u postgres -- bash -c \
  "psql -qX -p $pgport -c 'create role safecampus login' && createdb -p $pgport -O safecampus safecampus"

port=$(free_port) || fail "no free port"
conf=/etc/safecampus/safecampusd.conf
sed -i -e "s|^listen = .*|listen = 127.0.0.1:$port|" -e "s|^district = .*|district = d1|" \
  -e "s|^database = .*|database = host=/var/run/postgresql port=$pgport dbname=safecampus user=safecampus|" "$conf"
# as the unit's ExecStart= and User= say (systemd itself does not run in a chroot)
setpriv --reuid="$user" --regid="$user" --init-groups $exec_start >/tmp/server.log 2>&1 &
spid=$!
for _ in $(seq 1 100); do grep -q "listening" /tmp/server.log 2>/dev/null && break; sleep 0.1; done
check "the installed server runs as $user and listens" grep -q "listening" /tmp/server.log
check "its process runs as $user" bash -c "[[ \$(ps -o user= -p $spid 2>/dev/null || stat -c %U /proc/$spid) == $user ]]"

# a campus, from the client package
cd /root
check "safecampus init" safecampus init --server "localhost:$port" \
  --cert /etc/safecampus/pki/school001-main.crt --key /etc/safecampus/pki/school001-main.key \
  --ca /etc/safecampus/pki/ca.crt
check "a hazard is recorded offline" safecampus hazard report --title "楼梯扶手松动" \
  --area building --severity high
check "safecampus sync" safecampus sync
check "the hazard is in PostgreSQL" bash -c \
  "[[ \$(runuser -u postgres -- psql -qAtX -p $pgport -d safecampus -c 'select title from hazard') == 楼梯扶手松动 ]]"

kill -TERM "$spid"
wait "$spid"
rc=$?
spid=
check "SIGTERM: the server exits 0" test "$rc" -eq 0
check "dpkg -r safecampusd safecampus" dpkg -r safecampusd safecampus
check "the configuration stays after remove" test -f "$conf"
check "dpkg --purge safecampusd" dpkg --purge safecampusd
check "purge removes the configuration" test ! -e "$conf"
echo "deb_check: all passed"
