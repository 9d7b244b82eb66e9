#!/usr/bin/env bash
# Idle mutual-TLS connections: safecampusd beside pgbouncer, same machine, same
# run, same P-256 certificates from deploy/pki.sh, TLS 1.3 on both.
#
#   tests/bench/run_conns.sh [BUILD_DIR] [N]      (defaults: build, 10000)
#
# For each server: N connections are opened (200 handshaking at once) and held
# idle; the server's RSS and CPU per connection are read from /proc; then all
# are dropped at once and reopened, timing until the last is back. safecampusd
# runs it twice more: with session tickets (the reconnect resumes) and with
# tickets off (every reconnect a full handshake). pgbouncer 1.18 (Debian) uses
# auth_type = cert with client_tls_sslmode = verify-full and pool_mode =
# transaction, so an idle client holds no server connection, as in
# safecampusd. Starts its own PostgreSQL; needs root (pgbouncer runs as the
# postgres user, file limits are raised). Prints the results table for
# docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-build}
N=${2:-10000}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
dpkg-query -W -f='${Status}' pgbouncer 2>/dev/null | grep -q "install ok installed" || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null; }
[[ -x $BUILD/tests/bench/conns && -x $BUILD/safecampusd ]] || {
  echo "build first: cmake --build $BUILD"; exit 1; }
ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) > N + 500 )) || { echo "open-file limit $(ulimit -n) too low for N=$N"; exit 1; }

# shellcheck source=tests/lib/pg.sh
source tests/lib/pg.sh
W=$(mktemp -d /tmp/sc-conns.XXXXXX)
chmod 755 "$W"
SC_PID= PGB_PID=
cleanup() {
  [[ -n $SC_PID ]] && kill "$SC_PID" 2>/dev/null && wait "$SC_PID" 2>/dev/null
  [[ -n $PGB_PID ]] && kill "$PGB_PID" 2>/dev/null && wait "$PGB_PID" 2>/dev/null
  pg_stop "$W/pg" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
pg_start "$W/pg" >/dev/null 2>&1
deploy/pki.sh "$W/pki" d1 localhost >/dev/null 2>&1
deploy/pki.sh issue "$W/pki" schoolA main >/dev/null 2>&1
chmod -R a+rX "$W/pki"
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    ss -Htln | awk '{print $4}' | grep -q ":$p\$" || { echo "$p"; return; }
  done
}

# ---- safecampusd
SC_PORT=$(free_port)
sc_start() {  # ticket lifetime
  cat >"$W/sc.conf" <<CONF
listen = 127.0.0.1:$SC_PORT
cert = $W/pki/server.crt
key = $W/pki/server.key
ca = $W/pki/ca.crt
district = d1
database = $SC_PG_CONNINFO
log_level = warn
max_connections = $((N + 1000))
max_handshakes = $((N + 500))
max_connections_per_address = 0
max_connections_per_cert = 0
idle_timeout_ms = 3600000
hello_timeout_ms = 60000
handshake_timeout_ms = 60000
session_ticket_lifetime_s = $1
CONF
  "$BUILD/safecampusd" --config "$W/sc.conf" >"$W/sc.log" 2>&1 &
  SC_PID=$!
  for _ in $(seq 1 100); do ss -Htln | grep -q ":$SC_PORT " && return 0; sleep 0.1; done
  echo "safecampusd did not start"; cat "$W/sc.log"; exit 1
}
sc_stop() { kill "$SC_PID"; wait "$SC_PID" 2>/dev/null || true; SC_PID=; }
CONNS=("$BUILD/tests/bench/conns" --hold-ms 2500 --host 127.0.0.1 --cert "$W/pki/schoolA-main.crt"
       --key "$W/pki/schoolA-main.key" --ca "$W/pki/ca.crt" -n "$N" --window 200 --reconnect)

# ---- pgbouncer: cert auth, the campus certificate's CN is the user name
pg_psql "$W/pg" -qc "CREATE ROLE main LOGIN" >/dev/null
PGB_PORT=$(free_port)
cat >"$W/pgbouncer.ini" <<INI
[databases]
safecampus = host=$W/pg port=$PGPORT dbname=safecampus
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = cert
auth_file = $W/users.txt
pool_mode = transaction
max_client_conn = $((N + 1000))
default_pool_size = 4
client_tls_sslmode = verify-full
client_tls_ca_file = $W/pki/ca.crt
client_tls_cert_file = $W/pki/server.crt
client_tls_key_file = $W/pki/server.key
client_tls_protocols = tlsv1.3
logfile = $W/pgbouncer.log
log_connections = 0
log_disconnections = 0
INI
echo '"main" ""' >"$W/users.txt"
chown postgres "$W/pgbouncer.ini" "$W/users.txt"
touch "$W/pgbouncer.log" && chown postgres "$W/pgbouncer.log"

echo "# N=$N, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
run() {  # label, then conns arguments
  local label=$1
  shift
  "${CONNS[@]}" "$@" >"$W/run.out" 2>&1 || { echo "$label failed:"; cat "$W/run.out"; return 1; }
  echo "$label: $(grep '^result' "$W/run.out")"
}

sc_start 43200
run "safecampusd, tickets, reconnect resumes" --proto sc --port "$SC_PORT" --server-pid "$SC_PID" --resume
sc_stop
sc_start 0
run "safecampusd, no tickets (full handshakes)" --proto sc --port "$SC_PORT" --server-pid "$SC_PID"
sc_stop

runuser -u postgres -- bash -c "ulimit -n $(ulimit -n); exec pgbouncer -q $W/pgbouncer.ini" &
PGB_PID=$!
for _ in $(seq 1 100); do ss -Htln | grep -q ":$PGB_PORT " && break; sleep 0.1; done
PGB_PID=$(pgrep -f "pgbouncer -q $W/pgbouncer.ini" | head -1)
run "pgbouncer 1.18, cert auth" --proto pg --port "$PGB_PORT" --server-pid "$PGB_PID" --user main --db safecampus
